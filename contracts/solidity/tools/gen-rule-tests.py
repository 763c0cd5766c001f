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
        # window: the claim window, seconds; royalty: basis points of every claim that go to royaltyTo
        for f in ("quorum", "budget", "rate", "window", "royalty"):
            if int(c.get(f, 0)) != 0:
                lines.append("o.%s = %s;" % (f, c[f]))
        if "royaltyTo" in c:
            lines.append("o.royaltyTo = %s;" % q(c["royaltyTo"]))
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
        if op == "submit":
            return lines + ["doSubmit(s, %s);" % exp]
        return lines + ["doCommit(s, %s, %s);" % (q(c.get("for", c["signer"])), exp)]
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
    if "paid" in a:
        return "checkPaid(%s, %s);" % (q(a["paid"]), a["is"])
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
%s}
""" % "\n".join(body[:-1]) + "\n")
print("wrote %s (%d tests)" % (out.relative_to(root), len(vectors["vectors"])))
