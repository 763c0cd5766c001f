#!/usr/bin/env python3
"""Generates test/LedgerRules.t.sol from the shared rule vectors (ledger-rules.json of ledger/api), one
forge test per vector, named like the vector. Run it again whenever the vectors change:
    python3 contracts/solidity/tools/gen-rule-tests.py
"""
import json
import pathlib

here = pathlib.Path(__file__).resolve().parent
root = here.parent.parent.parent
vectors = json.loads((root / "ledger/api/src/test/resources/org/fedchain/ledger/ledger-rules.json").read_text())
out = here.parent / "test/LedgerRules.t.sol"

KINDS = {"GENESIS": 0, "CHAINED": 1, "LOCAL": 2, "AGGREGATE": 3, "STAGE": 4}
MODES = {"CHAINED": 0, "DATA_PARALLEL": 1, "MODEL_PARALLEL": 2}


def q(s):
    return json.dumps(s)


def expect(e):
    if e == "ok":
        return "bytes4(0)"
    return "ContributionRegistry.%s.selector" % "".join(w.capitalize() for w in e.split("_"))


def names(arr):
    return "list(%s)" % ", ".join(q(a) for a in arr)


def seq(v):
    v = int(v)
    return "type(uint64).max" if v == -1 else str(v)


def call(c, exp):
    op = c["op"]
    if op == "mint":
        return ["doMint(%s, %s, %s);" % (q(c["to"]), c["amount"], exp)]
    if op == "openRun":
        lines = ["Open memory o = open(%s, %s);" % (q(c["run"]), q(c["signer"]))]
        if c.get("mode", "CHAINED") != "CHAINED":
            lines.append("o.mode = %d;" % MODES[c["mode"]])
        if c.get("commitReveal"):
            lines.append("o.commitReveal = true;")
        if c.get("validators"):
            lines.append("o.validators = %s;" % names(c["validators"]))
        if c.get("admitted"):
            lines.append("o.admitted = %s;" % names(c["admitted"]))
        # window: the claim window, seconds; royalty: basis points of every claim that go to royaltyTo;
        # specRoyalty: basis points of every claim that go to the author of the run's spec
        for f in ("quorum", "budget", "rate", "window", "royalty", "specRoyalty"):
            if int(c.get(f, 0)) != 0:
                lines.append("o.%s = %s;" % (f, c[f]))
        for f in ("royaltyTo", "spec"):  # an actor; a spec name (SHA-256 of it)
            if f in c:
                lines.append("o.%s = %s;" % (f, q(c[f])))
        if "genesis" in c:
            lines.append("o.genesis = %s;" % q(c["genesis"]))
        if "genesisKind" in c:
            lines.append("o.genesisKind = %d;" % KINDS[c["genesisKind"]])
        if "genesisSeq" in c:
            lines.append("o.genesisSeq = %s;" % seq(c["genesisSeq"]))
        for f in ("genesisParent", "genesisData", "sig", "contributor", "runId"):
            if f in c:
                lines.append("o.%s = %s;" % (f, q(c[f])))
        return lines + ["doOpen(o, %s);" % exp]
    if op == "commit" and "eval" in c:  # a validator's commitment to its eval set, SHA-256(eval)
        return ["doCommitEval(%s, %s, %s);" % (q(c["signer"]), q(c["eval"]), exp)]
    if op == "commit" and "spec" in c:  # an author's commitment to its spec, SHA-256(spec)
        return ["doCommitSpec(%s, %s, %s);" % (q(c["signer"]), q(c["spec"]), exp)]
    # the Publication(SHA-256(spec), author) signed by "signer"; "author" defaults to the signer
    if op == "publish":
        return ["doPublish(%s, %s, %s, %s, %s);" % (q(c["spec"]), q(c["signer"]), q(c.get("author", "")),
                                                    q(c.get("sig", "valid")), exp)]
    if op in ("submit", "commit"):
        lines = ["Sub memory s = sub(%s, %s, %s);" % (q(c["run"]), q(c["signer"]), q(c["model"]))]
        if c.get("kind", "CHAINED") != "CHAINED":
            lines.append("s.kind = %d;" % KINDS[c["kind"]])
        if c.get("parent", "g") != "g":
            lines.append("s.parent = %s;" % q(c["parent"]))
        if int(c.get("seq", 1)) != 1:
            lines.append("s.seq = %s;" % seq(c["seq"]))
        for f in ("sig", "contributor"):
            if f in c:
                lines.append("s.%s = %s;" % (f, q(c[f])))
        if int(c.get("samples", 100)) != 100:  # the receipt's samples, 100 unless named
            lines.append("s.samples = %d;" % int(c["samples"]))
        if op == "submit":
            return lines + ["doSubmit(s, %s);" % exp]
        return lines + ["doCommit(s, %s, %s);" % (q(c.get("for", c["signer"])), exp)]
    # a data owner's grant "grant" (its nonce SHA-256("grant:" + name)), signed by "signer"; "owner" defaults to the
    # signer, "node" (an actor) and "run" (a run name) to zero (any), "share" to 10000, "expiresIn" to 3600 s after the
    # block timestamp; the name then stands for the grant's id
    if op == "grant":
        lines = ["GrantCall memory g = grantCall(%s, %s, %s, %d);" % (q(c["grant"]), q(c["signer"]), q(c["dataset"]),
                                                                     int(c["samples"]))]
        for f in ("owner", "node", "run", "sig"):
            if f in c:
                lines.append("g.%s = %s;" % (f, q(c[f])))
        if int(c.get("share", 10000)) != 10000:
            lines.append("g.share = %d;" % int(c["share"]))
        if int(c.get("expiresIn", 3600)) != 3600:
            lines.append("g.expiresIn = %d;" % int(c["expiresIn"]))
        return lines + ["doGrant(g, %s);" % exp]
    if op == "revoke":
        return ["doRevoke(%s, %s, %s, %s);" % (q(c["grant"]), q(c["signer"]), q(c.get("sig", "valid")), exp)]
    # a citation of the recorded update of (run, model), signed by "signer" (default: its contributor)
    if op == "cite":
        return ["doCite(%s, %s, %s, %d, %s, %s, %s);" % (q(c["run"]), q(c["model"]), q(c["grant"]), int(c["samples"]),
                                                        q(c.get("signer", "")), q(c.get("sig", "valid")), exp)]
    # attest and claim name the recorded receipt of (run, model), the global one (GENESIS, AGGREGATE) when
    # a model is recorded twice (RuleHarness.recorded, as the Java harness's updateOfModel); "contributor"
    # makes it name someone else, "samples" makes it a variant with that sample count; an attest's "eval"
    # names its eval set (SHA-256 of the name; "eval" unless given)
    if op == "attest" and "eval" in c:
        r = "recordedAs(%s, %s, %s)" % (q(c["run"]), q(c["model"]), q(c.get("contributor", "")))
        if "samples" in c:
            r = "withSamples(%s, %d)" % (r, int(c["samples"]))
        return ["doAttestOn(%s, %s, %s, %s, %s, %s);" % (r, q(c["signer"]), c["score"], q(c["eval"]),
                                                        q(c.get("sig", "valid")), exp)]
    if op in ("attest", "claim") and "samples" in c:
        r = "withSamples(recordedAs(%s, %s, %s), %d)" % (q(c["run"]), q(c["model"]), q(c.get("contributor", "")),
                                                         int(c["samples"]))
        if op == "attest":
            return ["doAttest(%s, %s, %s, %s, %s);" % (r, q(c["signer"]), c["score"], q(c.get("sig", "valid")), exp)]
        return ["doClaim(%s, %s);" % (r, exp)]
    who = (q(c["contributor"]) + ", ") if "contributor" in c else ""
    if op == "attest":
        return ["doAttest(%s, %s, %s%s, %s, %s, %s);" % (q(c["run"]), q(c["model"]), who, q(c["signer"]), c["score"],
                                                         q(c.get("sig", "valid")), exp)]
    if op == "claim":
        return ["doClaim(%s, %s, %s%s);" % (q(c["run"]), q(c["model"]), who, exp)]
    if op == "admit":
        return ["doAdmit(%s, %s, %s, %s, %s);" % (q(c["run"]), q(c["signer"]), q(c["node"]), q(c.get("sig", "valid")),
                                                  exp)]
    if op == "close":
        return ["doClose(%s, %s, %s, %s);" % (q(c["run"]), q(c["signer"]), q(c.get("sig", "valid")), exp)]
    if op == "reclaim":
        return ["doReclaim(%s, %s);" % (q(c["run"]), exp)]
    raise ValueError("unknown op " + op)


def check(a):
    if "balance" in a:
        return "checkBalance(%s, %s);" % (q(a["balance"]), a["is"])
    if "recorded" in a:
        r = a["recorded"]
        by = (q(r["contributor"]) + ", ") if "contributor" in r else ""
        return "checkRecorded(%s, %s, %s%s);" % (q(r["run"]), q(r["model"]), by, str(a["is"]).lower())
    if "coordinator" in a:
        return "checkCoordinator(%s, %s);" % (q(a["coordinator"]), q(a["is"]))
    if "contributor" in a:
        return "checkContributor(%s, %s, %s);" % (q(a["contributor"]["run"]), q(a["contributor"]["model"]), q(a["is"]))
    if "admitted" in a:
        return "checkAdmitted(%s, %s, %s);" % (q(a["admitted"]["run"]), q(a["admitted"]["who"]), str(a["is"]).lower())
    if "open" in a:
        return "checkOpen(%s, %s);" % (q(a["open"]), str(a["is"]).lower())
    if "author" in a:  # the author of a spec ("zero": unpublished)
        return "checkAuthor(%s, %s);" % (q(a["author"]), q(a["is"]))
    if "paid" in a:
        return "checkPaid(%s, %s);" % (q(a["paid"]), a["is"])
    if "citations" in a:
        return "checkCitations(%s, %s, %d);" % (q(a["citations"]["run"]), q(a["citations"]["model"]), a["count"])
    if "attestations" in a:
        return "checkAttestations(%s, %s, %d);" % (q(a["attestations"]["run"]), q(a["attestations"]["model"]), a["count"])
    if "heads" in a:
        return "checkHeads(%s, %s);" % (q(a["heads"]), names(a["are"]))
    if "updates" in a:
        return "checkUpdates(%s, %s);" % (q(a["updates"]), names(a["are"]))
    if "lineage" in a:
        return "checkLineage(%s, %s, %s);" % (q(a["lineage"]["run"]), q(a["lineage"]["model"]), names(a["is"]))
    if "children" in a:
        return "checkChildren(%s, %s, %s);" % (q(a["children"]["run"]), q(a["children"]["model"]), names(a["are"]))
    raise ValueError("unknown check %s" % a)


body = []
for v in vectors["vectors"]:
    body.append("    /// %s" % v["rule"])
    body.append("    function test_%s() public {" % v["name"])
    for c in v["setup"]:
        body.append("        {")
        body += ["            " + l for l in call(c, "bytes4(0)")]
        body.append("        }")
    body.append("        {")
    body += ["            " + l for l in call(v["call"], expect(v["expect"]))]
    body.append("        }")
    body += ["        " + check(a) for a in v["after"]]
    body.append("    }")
    body.append("")

out.write_text("""// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

// GENERATED by tools/gen-rule-tests.py from ledger/api/src/test/resources/org/fedchain/ledger/ledger-rules.json:
// do not edit; change the vectors (shared by every backend) and regenerate.

import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {RuleHarness} from "./utils/RuleHarness.sol";

contract LedgerRulesTest is RuleHarness {
    /// The vectors' clock: a grant expires `expiresIn` seconds after the block timestamp, so a
    /// negative one (an expired grant) needs a timestamp past the epoch's first hour.
    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
    }

%s}
""" % "\n".join(body[:-1]) + "\n")
print("wrote %s (%d tests)" % (out.relative_to(root), len(vectors["vectors"])))
