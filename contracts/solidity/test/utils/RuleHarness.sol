// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Test, Vm} from "./Test.sol";
import {VNXToken} from "../../src/VNXToken.sol";
import {ContributionRegistry} from "../../src/ContributionRegistry.sol";

/// @notice Turns the calls of the shared rule vectors (ledger-rules.json) into signed registry calls,
/// as Java's AbstractLedgerContractTest.Harness does: the same actors (anvil's first keys), the same
/// names, the same defaults and the same signature mutations. Model "m" is SHA-256("m"); run "r" is
/// the id the last openRun of "r" derived, keccak256(coordinator, terms hash) with the terms' nonce
/// SHA-256("run:r") (or SHA-256("run:" + X) outright when the open names `runId` X), and a run never
/// opened is SHA-256("run:r"). Digests are computed here, independently of the contract. Reads the
/// contract keeps only in events (heads, lineage, children, updates, contributors) come from an index
/// built from the UpdateRecorded events the registry emitted, which also proves the events suffice
/// to rebuild them. A model may be recorded twice in a run, as a contribution and by an AGGREGATE (a
/// strategy's pick); a lookup by model then takes the global record (GENESIS or AGGREGATE), as the
/// Java harness does through `updateOfModel`: the checks, attest and claim of a vector naming that
/// model act on the AGGREGATE. An attestation's eval set is SHA-256 of its name ("eval" unless a
/// vector names one); a commit naming an eval set commits keccak256(SHA-256(name), signer). A run's
/// royalty payee is an actor, none (the zero address) unless named. A submit's receipt has 100
/// samples unless the vector names `samples`. Data grants: grant "g" is the DataGrant its last grant
/// call signed (dataset SHA-256 of its name, nonce SHA-256("grant:g"), expiry the block timestamp
/// plus `expiresIn`), named by its EIP-712 digest; a grant never granted is SHA-256("grant:g"). A
/// citation names the recorded update of (run, model), as attest and claim do. Specs: spec "s" is
/// SHA-256("s"), as models; a commit naming a spec commits keccak256(SHA-256(name), signer), a
/// publish is the Publication(SHA-256(name), author) signed by its signer (the author unless named),
/// and a run's spec is a spec name ("" = none) with its spec royalty's basis points.
abstract contract RuleHarness is Test {
    uint256 internal constant N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    VNXToken internal vnx;
    ContributionRegistry internal reg;

    /// @notice An openRun call; field names as in the vectors.
    struct Open {
        string run;
        string signer;
        uint8 mode;
        bool commitReveal;
        string[] validators;
        uint8 quorum;
        uint256 budget;
        uint256 rate;
        uint64 window; // the claim window, seconds
        uint16 royalty; // basis points of every claimed reward that go to royaltyTo
        string royaltyTo; // "" = the zero address (no payee)
        string genesis;
        uint8 genesisKind;
        uint64 genesisSeq;
        string genesisParent; // "" = zero
        string genesisData; // "" = the config hash
        string sig;
        string[] admitted;
        string contributor; // the genesis receipt's contributor; "" = the signer
        string runId; // "" = derived from the signer and the terms; else the genesis names SHA-256("run:" + runId)
        string spec; // "" = none (zero), else SHA-256 of the spec's name
        uint16 specRoyalty; // basis points of every claimed reward that go to the spec's author
    }

    /// @notice A submit (and commit) call.
    struct Sub {
        string run;
        string signer;
        uint8 kind;
        string parent;
        uint64 seq;
        string model;
        string sig;
        string contributor; // the receipt's contributor; "" = the signer
        uint64 samples; // the receipt's samples (100 by default)
    }

    /// @notice A grant call; field names as in the vectors.
    struct GrantCall {
        string grant; // its name: the nonce is SHA-256("grant:" + name)
        string signer;
        string owner; // "" = the signer
        string dataset; // SHA-256 of the name
        uint64 samples;
        string node; // "" = the zero address (any node)
        string run; // "" = zero (any run), else the run id of that run name
        uint16 share;
        int256 expiresIn; // seconds from the block timestamp
        string sig;
    }

    /// @notice An UpdateRecorded event: the receipt it carries and the updateId it names, and the
    /// updateId of the parent update the registry took for it (zero for a genesis), resolved by the
    /// rules from the updates indexed before it.
    struct Rec {
        ContributionRegistry.Receipt receipt;
        bytes32 updateId;
        bytes32 parentId;
    }

    Rec[] internal recs;
    /// @notice keccak256(run name) -> the run id the last openRun of that name named.
    mapping(bytes32 name => bytes32 id) internal openedAs;
    /// @notice keccak256(grant name) -> the grantId the last grant call of that name signed.
    mapping(bytes32 name => bytes32 id) internal grantedAs;

    function setUp() public virtual {
        vnx = new VNXToken();
        reg = new ContributionRegistry(vnx);
        vnx.setRegistry(address(reg));
        vm.recordLogs();
    }

    // ---- names ----

    function key(string memory actor) internal pure returns (uint256) {
        bytes32 a = keccak256(bytes(actor));
        if (a == keccak256("coordinator")) return 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
        if (a == keccak256("alice")) return 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d;
        if (a == keccak256("bob")) return 0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a;
        if (a == keccak256("v1")) return 0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6;
        if (a == keccak256("v2")) return 0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a;
        if (a == keccak256("v3")) return 0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e;
        if (a == keccak256("v4")) return 0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356;
        if (a == keccak256("mallory")) return 0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba;
        // data owners: anvil's accounts 8 and 9
        if (a == keccak256("carol")) return 0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97;
        if (a == keccak256("dave")) return 0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6;
        revert(string.concat("unknown actor ", actor));
    }

    /// @notice The address of `actor`; "zero" is the zero address (it has no key: only ever a node).
    function who(string memory actor) internal pure returns (address) {
        if (keccak256(bytes(actor)) == keccak256("zero")) return address(0);
        return vm.addr(key(actor));
    }

    function h(string memory label) internal pure returns (bytes32) {
        return sha256(bytes(label));
    }

    /// @notice The run id of run `name`: the one its last openRun named, else SHA-256("run:" + name).
    function runId(string memory name) internal view returns (bytes32 id) {
        id = openedAs[keccak256(bytes(name))];
        if (id == bytes32(0)) id = h(string.concat("run:", name));
    }

    /// @notice The id a run of terms `c` opened by `coordinator` must have.
    function derivedRunId(address coordinator, ContributionRegistry.RunConfig memory c)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(coordinator, configHashOf(c)));
    }

    function list() internal pure returns (string[] memory l) {
        l = new string[](0);
    }

    function list(string memory a) internal pure returns (string[] memory l) {
        l = new string[](1);
        l[0] = a;
    }

    function list(string memory a, string memory b) internal pure returns (string[] memory l) {
        l = new string[](2);
        (l[0], l[1]) = (a, b);
    }

    function list(string memory a, string memory b, string memory c) internal pure returns (string[] memory l) {
        l = new string[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    function list(string memory a, string memory b, string memory c, string memory d)
        internal
        pure
        returns (string[] memory l)
    {
        l = new string[](4);
        (l[0], l[1], l[2], l[3]) = (a, b, c, d);
    }

    function list(string memory a, string memory b, string memory c, string memory d, string memory e)
        internal
        pure
        returns (string[] memory l)
    {
        l = new string[](5);
        (l[0], l[1], l[2], l[3], l[4]) = (a, b, c, d, e);
    }

    function open(string memory run, string memory signer) internal pure returns (Open memory o) {
        o.run = run;
        o.signer = signer;
        o.validators = list();
        o.admitted = list();
        o.genesis = "g";
        o.sig = "valid";
    }

    /// @notice A submit with Java's defaults: kind CHAINED, parent "g", seq 1, 100 samples.
    function sub(string memory run, string memory signer, string memory model) internal pure returns (Sub memory s) {
        s = Sub(run, signer, 1, "g", 1, model, "valid", "", 100);
    }

    /// @notice A grant call with the vectors' defaults: owner the signer, any node, any run, share
    /// 10000, expiring in 3600 s.
    function grantCall(string memory name, string memory signer, string memory dataset, uint64 samples)
        internal
        pure
        returns (GrantCall memory g)
    {
        g = GrantCall(name, signer, "", dataset, samples, "", "", 10_000, 3600, "valid");
    }

    /// @notice The grant id of grant `name`: the one its last grant call signed, else SHA-256("grant:" + name).
    function grantId(string memory name) internal view returns (bytes32 id) {
        id = grantedAs[keccak256(bytes(name))];
        if (id == bytes32(0)) id = h(string.concat("grant:", name));
    }

    // ---- EIP-712, computed here ----

    function domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("FedChain"), keccak256("1"), chainId, verifyingContract));
    }

    function typedDigest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(block.chainid, address(reg)), structHash));
    }

    function receiptHash(ContributionRegistry.Receipt memory r) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(
                    "ModelUpdate(bytes32 runId,uint64 seq,uint8 kind,bytes32 parent,bytes32 model,bytes32 manifest,bytes32 data,uint64 samples,address contributor)"
                ),
                r.runId,
                r.seq,
                r.kind,
                r.parent,
                r.model,
                r.manifest,
                r.data,
                r.samples,
                r.contributor
            )
        );
    }

    function updateIdOf(ContributionRegistry.Receipt memory r) internal view returns (bytes32) {
        return typedDigest(receiptHash(r));
    }

    function attestationHash(bytes32 updateId, int64 score, bytes32 evalSet, bytes32 report)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                keccak256("Attestation(bytes32 updateId,int64 score,bytes32 evalSet,bytes32 report)"),
                updateId,
                score,
                evalSet,
                report
            )
        );
    }

    function dataGrantHash(ContributionRegistry.DataGrant memory g) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(
                    "DataGrant(address owner,bytes32 dataset,uint64 samples,address node,bytes32 runId,uint16 share,uint64 expiry,bytes32 nonce)"
                ),
                g.owner,
                g.dataset,
                g.samples,
                g.node,
                g.runId,
                g.share,
                g.expiry,
                g.nonce
            )
        );
    }

    function grantIdOf(ContributionRegistry.DataGrant memory g) internal view returns (bytes32) {
        return typedDigest(dataGrantHash(g));
    }

    function revokeGrantHash(bytes32 id) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256("RevokeGrant(bytes32 grantId)"), id));
    }

    function publicationHash(bytes32 spec, address author) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256("Publication(bytes32 spec,address author)"), spec, author));
    }

    function citationHash(bytes32 updateId, bytes32 id, uint64 samples) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(keccak256("Citation(bytes32 updateId,bytes32 grantId,uint64 samples)"), updateId, id, samples)
        );
    }

    function signDigest(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @notice Signs `structHash` as `signer` in the registry's domain, then applies the mutation.
    function sign(string memory signer, bytes32 structHash, string memory mode) internal view returns (bytes memory sig) {
        bytes32 m = keccak256(bytes(mode));
        bytes32 dom = domainSeparator(block.chainid, address(reg));
        if (m == keccak256("wrong-chain")) dom = domainSeparator(block.chainid + 1, address(reg));
        if (m == keccak256("wrong-contract")) dom = domainSeparator(block.chainid, who("mallory"));
        uint256 pk = m == keccak256("wrong-key") ? key("mallory") : key(signer);
        sig = signDigest(pk, keccak256(abi.encodePacked("\x19\x01", dom, structHash)));
        if (m == keccak256("short")) {
            assembly {
                mstore(sig, 64)
            }
        } else if (m == keccak256("v-raw")) {
            sig[64] = bytes1(uint8(sig[64]) - 27);
        } else if (m == keccak256("zero-r")) {
            for (uint256 i = 0; i < 32; ++i) {
                sig[i] = 0;
            }
        } else if (m == keccak256("high-s")) {
            sig = highS(sig);
        }
    }

    /// @notice The malleable twin of a low-S signature: s' = n - s, v flipped. Recovers the same key.
    function highS(bytes memory sig) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s) = abi.decode(sig, (bytes32, bytes32));
        uint8 v = uint8(sig[64]);
        return abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    function isMode(string memory mode, string memory what) internal pure returns (bool) {
        return keccak256(bytes(mode)) == keccak256(bytes(what));
    }

    /// @notice Expects the next call to revert with `expected` (none when zero). Callers compute every
    /// argument first: expectRevert catches the next call, a sha256 or ecrecover precompile call too.
    function expectOrNot(bytes4 expected) internal {
        if (expected != bytes4(0)) vm.expectRevert(expected);
    }

    // ---- calls ----

    function addresses(string[] memory actors) internal pure returns (address[] memory out) {
        out = new address[](actors.length);
        for (uint256 i = 0; i < out.length; ++i) {
            out[i] = who(actors[i]);
        }
    }

    /// @notice `actor`, or `fallback_` when `actor` is "".
    function orElse(string memory actor, string memory fallback_) internal pure returns (string memory) {
        return bytes(actor).length == 0 ? fallback_ : actor;
    }

    /// @notice The terms of `o`; their nonce is SHA-256("run:" + run name).
    function config(Open memory o) internal pure returns (ContributionRegistry.RunConfig memory c) {
        c = ContributionRegistry.RunConfig(
            o.mode,
            o.commitReveal,
            o.quorum,
            o.budget,
            o.rate,
            o.window,
            bytes(o.royaltyTo).length == 0 ? address(0) : who(o.royaltyTo),
            o.royalty,
            bytes(o.spec).length == 0 ? bytes32(0) : h(o.spec),
            o.specRoyalty,
            addresses(o.validators),
            addresses(o.admitted),
            h(string.concat("run:", o.run))
        );
    }

    /// @notice Java's `RunConfig.hash()`, word by word: the six words every run hashes, the royalty's
    /// two (payee, basis points) only if either is non-zero, the spec's two (spec, basis points) only
    /// if either is non-zero, then the hashes of the two lists and the nonce.
    function configHashOf(ContributionRegistry.RunConfig memory c) internal pure returns (bytes32) {
        bytes memory words = abi.encode(
            uint256(c.mode),
            c.commitReveal,
            uint256(c.quorum),
            c.budget,
            c.rewardPerPoint,
            uint256(c.claimWindow)
        );
        if (c.royaltyTo != address(0) || c.royalty != 0) {
            words = bytes.concat(words, abi.encode(uint256(uint160(c.royaltyTo)), uint256(c.royalty)));
        }
        if (c.spec != bytes32(0) || c.specRoyalty != 0) {
            words = bytes.concat(words, abi.encode(c.spec, uint256(c.specRoyalty)));
        }
        return keccak256(
            bytes.concat(
                words,
                abi.encode(
                    keccak256(abi.encodePacked(c.validators)), keccak256(abi.encodePacked(c.admitted)), c.nonce
                )
            )
        );
    }

    function genesisOf(Open memory o, ContributionRegistry.RunConfig memory c)
        internal
        pure
        returns (ContributionRegistry.Receipt memory g)
    {
        g = ContributionRegistry.Receipt(
            bytes(o.runId).length == 0 ? derivedRunId(who(o.signer), c) : h(string.concat("run:", o.runId)),
            o.genesisSeq,
            o.genesisKind,
            bytes(o.genesisParent).length == 0 ? bytes32(0) : h(o.genesisParent),
            h(o.genesis),
            h("manifest:config"),
            bytes(o.genesisData).length == 0 ? configHashOf(c) : h(o.genesisData),
            0,
            who(orElse(o.contributor, o.signer))
        );
    }

    function doOpen(Open memory o, bytes4 expected) internal {
        ContributionRegistry.RunConfig memory c = config(o);
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        bytes memory sig = sign(o.signer, receiptHash(g), o.sig);
        address coordinator = who(o.signer);
        openedAs[keccak256(bytes(o.run))] = g.runId; // whoever signed, whatever the outcome
        expectOrNot(expected);
        reg.openRun(c, g, coordinator, sig);
        settle();
    }

    function receiptOf(Sub memory s) internal view returns (ContributionRegistry.Receipt memory) {
        return ContributionRegistry.Receipt(
            runId(s.run),
            s.seq,
            s.kind,
            h(s.parent),
            h(s.model),
            h(string.concat("manifest:", s.model)),
            h(string.concat("data:", s.model)),
            s.samples,
            who(orElse(s.contributor, s.signer))
        );
    }

    function doSubmit(Sub memory s, bytes4 expected) internal returns (bytes32 updateId) {
        ContributionRegistry.Receipt memory r = receiptOf(s);
        bytes memory sig = sign(s.signer, receiptHash(r), s.sig);
        if (isMode(s.sig, "tampered")) r.samples += 1;
        address contributor = who(s.signer);
        expectOrNot(expected);
        updateId = reg.submit(r, contributor, sig);
        settle();
    }

    /// @notice `commit(keccak256(updateId, forWho))`, as sent by `signer` (anyone may send it).
    function doCommit(Sub memory s, string memory forWho, bytes4 expected) internal {
        bytes32 c = keccak256(abi.encodePacked(updateIdOf(receiptOf(s)), who(forWho)));
        address sender = who(s.signer);
        expectOrNot(expected);
        vm.prank(sender);
        reg.commit(c);
        settle();
    }

    /// @notice `commit(keccak256(SHA-256(evalName), signer))`, sent by `signer`: the validator's
    /// commitment to its evaluation set, which its attestations naming that set need from an earlier block.
    function doCommitEval(string memory signer, string memory evalName, bytes4 expected) internal {
        bytes32 c = keccak256(abi.encodePacked(h(evalName), who(signer)));
        address sender = who(signer);
        expectOrNot(expected);
        vm.prank(sender);
        reg.commit(c);
        settle();
    }

    /// @notice `commit(keccak256(SHA-256(specName), signer))`, sent by `signer`: the author's
    /// commitment to its spec, which its publication needs from an earlier block.
    function doCommitSpec(string memory signer, string memory specName, bytes4 expected) internal {
        doCommitEval(signer, specName, expected); // the same commitment: a name's hash and the signer
    }

    /// @notice `publish(SHA-256(specName), author, sig)`: the Publication of that spec and `author`
    /// ("" = the signer), signed by `signer` (sent by the test contract: anyone may relay it).
    function doPublish(
        string memory specName,
        string memory signer,
        string memory author,
        string memory sigMode,
        bytes4 expected
    ) internal {
        (bytes32 spec, address account) = (h(specName), who(orElse(author, signer)));
        bytes memory sig = sign(signer, publicationHash(spec, account), sigMode);
        expectOrNot(expected);
        reg.publish(spec, account, sig);
        settle();
    }

    /// @notice Whether a receipt of `kind` is a global model (GENESIS or AGGREGATE).
    function isGlobal(uint8 kind) internal pure returns (bool) {
        return kind == 0 || kind == 3;
    }

    /// @notice The index in `recs[0..upTo)` of the update of (id, model) a lookup by model finds: the
    /// global record if there is one, else (unless `globalOnly`) the contribution.
    function lookup(bytes32 id, bytes32 model, bool globalOnly, uint256 upTo)
        internal
        view
        returns (bool found, uint256 at)
    {
        for (uint256 i = 0; i < upTo; ++i) {
            ContributionRegistry.Receipt memory r = recs[i].receipt;
            if (r.runId != id || r.model != model) continue;
            if (isGlobal(r.kind)) return (true, i);
            if (!globalOnly && !found) (found, at) = (true, i);
        }
    }

    /// @notice The recorded receipt of (run, model), the global one if there are two, or the default
    /// receipt (alice's) of an unrecorded one.
    function recorded(string memory run, string memory model) internal view returns (ContributionRegistry.Receipt memory) {
        (bool found, uint256 at) = lookup(runId(run), h(model), false, recs.length);
        if (found) return recs[at].receipt;
        return receiptOf(sub(run, "alice", model));
    }

    /// @notice `recorded(run, model)`, naming `contributor` instead unless it is "".
    function recordedAs(string memory run, string memory model, string memory contributor)
        internal
        view
        returns (ContributionRegistry.Receipt memory r)
    {
        r = recorded(run, model);
        if (bytes(contributor).length != 0) r.contributor = who(contributor);
    }

    function doAttest(
        string memory run,
        string memory model,
        string memory signer,
        int64 score,
        string memory sigMode,
        bytes4 expected
    ) internal {
        doAttest(run, model, "", signer, score, sigMode, expected);
    }

    /// @notice Attests the recorded receipt of (run, model), naming `contributor` unless it is "".
    function doAttest(
        string memory run,
        string memory model,
        string memory contributor,
        string memory signer,
        int64 score,
        string memory sigMode,
        bytes4 expected
    ) internal {
        doAttest(recordedAs(run, model, contributor), signer, score, sigMode, expected);
    }

    /// @notice Attests the receipt `r` (the recorded one or a variant of it) on the eval set "eval".
    function doAttest(
        ContributionRegistry.Receipt memory r,
        string memory signer,
        int64 score,
        string memory sigMode,
        bytes4 expected
    ) internal {
        doAttestOn(r, signer, score, "eval", sigMode, expected);
    }

    /// @notice Attests the receipt `r` with the eval set SHA-256(`evalName`).
    function doAttestOn(
        ContributionRegistry.Receipt memory r,
        string memory signer,
        int64 score,
        string memory evalName,
        string memory sigMode,
        bytes4 expected
    ) internal {
        bytes memory sig = sign(signer, attestationHash(updateIdOf(r), score, h(evalName), h("report")), sigMode);
        if (isMode(sigMode, "tampered")) score += 1;
        (bytes32 evalSet, bytes32 report, address validator) = (h(evalName), h("report"), who(signer));
        expectOrNot(expected);
        reg.attest(r, score, evalSet, report, validator, sig);
        settle();
    }

    function doClaim(string memory run, string memory model, bytes4 expected) internal returns (uint256 amount) {
        return doClaim(run, model, "", expected);
    }

    /// @notice Claims for the recorded receipt of (run, model), naming `contributor` unless it is "".
    function doClaim(string memory run, string memory model, string memory contributor, bytes4 expected)
        internal
        returns (uint256 amount)
    {
        return doClaim(recordedAs(run, model, contributor), expected);
    }

    /// @notice Claims for the receipt `r` (the recorded one or a variant of it).
    function doClaim(ContributionRegistry.Receipt memory r, bytes4 expected) internal returns (uint256 amount) {
        expectOrNot(expected);
        amount = reg.claim(r);
        settle();
    }

    /// @notice `r` with `samples` samples: a variant of it unless that is its count.
    function withSamples(ContributionRegistry.Receipt memory r, uint64 samples)
        internal
        pure
        returns (ContributionRegistry.Receipt memory)
    {
        r.samples = samples;
        return r;
    }

    function doClose(string memory run, string memory signer, string memory sigMode, bytes4 expected) internal {
        bytes32 id = runId(run);
        bytes memory sig = sign(signer, keccak256(abi.encode(keccak256("CloseRun(bytes32 runId)"), id)), sigMode);
        address coordinator = who(signer);
        expectOrNot(expected);
        reg.closeRun(id, coordinator, sig);
        settle();
    }

    /// @notice `reclaim(runId)` of run `run`, sent by the test contract (anyone may send it).
    function doReclaim(string memory run, bytes4 expected) internal returns (uint256 amount) {
        bytes32 id = runId(run);
        expectOrNot(expected);
        amount = reg.reclaim(id);
        settle();
    }

    /// @notice `admit(runId, node, signer, sig)`: the Admit of run `run` and `node`, signed by `signer`,
    /// who is also the claimed coordinator.
    function doAdmit(
        string memory run,
        string memory signer,
        string memory node,
        string memory sigMode,
        bytes4 expected
    ) internal {
        bytes32 id = runId(run);
        address account = who(node);
        bytes memory sig =
            sign(signer, keccak256(abi.encode(keccak256("Admit(bytes32 runId,address node)"), id, account)), sigMode);
        address coordinator = who(signer);
        expectOrNot(expected);
        reg.admit(id, account, coordinator, sig);
        settle();
    }

    /// @notice The DataGrant of a grant call: expiry the block timestamp plus `expiresIn` (a past
    /// expiry for a negative one), nonce SHA-256("grant:" + name).
    function dataGrantOf(GrantCall memory c) internal view returns (ContributionRegistry.DataGrant memory) {
        int256 expiry = int256(block.timestamp) + c.expiresIn;
        require(expiry >= 0 && expiry <= int256(uint256(type(uint64).max)), "expiry out of uint64");
        return ContributionRegistry.DataGrant(
            who(orElse(c.owner, c.signer)),
            h(c.dataset),
            c.samples,
            bytes(c.node).length == 0 ? address(0) : who(c.node),
            bytes(c.run).length == 0 ? bytes32(0) : runId(c.run),
            c.share,
            uint64(uint256(expiry)),
            h(string.concat("grant:", c.grant))
        );
    }

    /// @notice `grant(g, signer, sig)`; the name then stands for the grant's id, whatever the outcome.
    function doGrant(GrantCall memory c, bytes4 expected) internal returns (bytes32 id) {
        ContributionRegistry.DataGrant memory g = dataGrantOf(c);
        bytes memory sig = sign(c.signer, dataGrantHash(g), c.sig);
        id = grantIdOf(g);
        grantedAs[keccak256(bytes(c.grant))] = id;
        address signer = who(c.signer);
        expectOrNot(expected);
        bytes32 got = reg.grant(g, signer, sig);
        if (expected == bytes4(0)) assertEq(got, id, "grant returns its EIP-712 digest");
        settle();
    }

    /// @notice `revokeGrant(grantId(name), signer, sig)`: the RevokeGrant signed by `signer`.
    function doRevoke(string memory name, string memory signer, string memory sigMode, bytes4 expected) internal {
        bytes32 id = grantId(name);
        bytes memory sig = sign(signer, revokeGrantHash(id), sigMode);
        address account = who(signer);
        expectOrNot(expected);
        reg.revokeGrant(id, account, sig);
        settle();
    }

    /// @notice Cites grant `name` for `samples` samples of the recorded update of (run, model),
    /// signed by `signer` ("" = that update's contributor).
    function doCite(
        string memory run,
        string memory model,
        string memory name,
        uint64 samples,
        string memory signer,
        string memory sigMode,
        bytes4 expected
    ) internal {
        ContributionRegistry.Receipt memory r = recorded(run, model);
        doCite(r, grantId(name), samples, signer, sigMode, expected);
    }

    /// @notice Cites grant `id` for `samples` samples of the receipt `r`, signed by `signer` ("" =
    /// `r`'s contributor).
    function doCite(
        ContributionRegistry.Receipt memory r,
        bytes32 id,
        uint64 samples,
        string memory signer,
        string memory sigMode,
        bytes4 expected
    ) internal {
        address account = bytes(signer).length == 0 ? r.contributor : who(signer);
        bytes32 digest = citationHash(updateIdOf(r), id, samples);
        bytes memory sig =
            bytes(signer).length == 0 ? signAs(r.contributor, digest, sigMode) : sign(signer, digest, sigMode);
        expectOrNot(expected);
        reg.cite(r, id, samples, account, sig);
        settle();
    }

    /// @notice `sign` by the actor whose address is `account`.
    function signAs(address account, bytes32 structHash, string memory mode) internal view returns (bytes memory) {
        string[10] memory actors = ["coordinator", "alice", "bob", "v1", "v2", "v3", "v4", "mallory", "carol", "dave"];
        for (uint256 i = 0; i < actors.length; ++i) {
            if (who(actors[i]) == account) return sign(actors[i], structHash, mode);
        }
        revert("no actor has that address");
    }

    function doMint(string memory to, uint256 amount, bytes4 expected) internal {
        address account = who(to);
        expectOrNot(expected);
        reg.mint(account, amount);
        settle();
    }

    /// @notice After each call: index its events, then move to the next block, so every call is its
    /// own block as on anvil (automine) and in the embedded ledger (commit-reveal depends on it).
    function settle() internal {
        index();
        vm.roll(block.number + 1);
    }

    /// @notice Adds the UpdateRecorded events since the last call to the index, checking that each
    /// event's updateId is the EIP-712 digest of the fields it carries and its signature recovers
    /// the contributor.
    function index() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(reg) || logs[i].topics[0] != ContributionRegistry.UpdateRecorded.selector) {
                continue;
            }
            ContributionRegistry.Receipt memory r;
            r.runId = logs[i].topics[1];
            bytes memory sig;
            (r.seq, r.kind, r.parent, r.model, r.manifest, r.data, r.samples, sig) =
                abi.decode(logs[i].data, (uint64, uint8, bytes32, bytes32, bytes32, bytes32, uint64, bytes));
            address contributor = address(uint160(uint256(logs[i].topics[3])));
            r.contributor = contributor;
            bytes32 updateId = updateIdOf(r);
            assertEq(logs[i].topics[2], updateId, "event updateId is the digest of the event's fields");
            (bytes32 sr, bytes32 ss) = abi.decode(sig, (bytes32, bytes32));
            assertEq(ecrecover(updateId, uint8(sig[64]), sr, ss), contributor, "event signature recovers contributor");
            bytes32 parentId;
            if (r.kind != 0) {
                // the parent as the registry takes it: a LOCAL's global one, else the global if any
                (bool found, uint256 at) = lookup(r.runId, r.parent, r.kind == 2, recs.length);
                assertTrue(found, "a recorded update's parent is indexed");
                parentId = recs[at].updateId;
            }
            recs.push(Rec(r, updateId, parentId));
        }
    }

    // ---- checks ----

    function checkBalance(string memory actor, uint256 amount) internal view {
        assertEq(vnx.balanceOf(who(actor)), amount, string.concat("balance of ", actor));
    }

    function checkRecorded(string memory run, string memory model, bool expected) internal view {
        (bool exists,,,) = reg.updateOf(runId(run), h(model));
        assertEq(exists, expected, string.concat("recorded ", model));
    }

    /// @notice The indexed UpdateRecorded event of (run, model), if any, the global one if there are
    /// two (events not yet indexed are indexed first), after checking that the registry's read by
    /// model agrees with it: both exist or neither, and the slot holds the event's seq, kind and the
    /// low 160 bits of its updateId.
    function indexedUpdate(string memory run, string memory model) internal returns (bool found, Rec memory rec) {
        index();
        bytes32 id = runId(run);
        uint256 at;
        (found, at) = lookup(id, h(model), false, recs.length);
        if (found) rec = recs[at];
        (bool exists, uint64 seq, uint8 kind, bytes20 idLow) = reg.updateOf(id, h(model));
        assertEq(exists, found, string.concat("slot and event of ", model));
        if (found) {
            assertEq(seq, rec.receipt.seq, "slot seq");
            assertEq(kind, rec.receipt.kind, "slot kind");
            assertEq(idLow, bytes20(uint160(uint256(rec.updateId))), "slot id bits");
        }
    }

    /// @notice Whether an update of `model` by exactly `actor` is recorded.
    function checkRecorded(string memory run, string memory model, string memory actor, bool expected) internal {
        (bool found, Rec memory rec) = indexedUpdate(run, model);
        assertEq(
            found && rec.receipt.contributor == who(actor), expected, string.concat("recorded ", model, " by ", actor)
        );
    }

    function checkContributor(string memory run, string memory model, string memory actor) internal {
        (bool found, Rec memory rec) = indexedUpdate(run, model);
        assertTrue(found, "update exists");
        assertEq(rec.receipt.contributor, who(actor), string.concat("contributor of ", model));
    }

    function checkCoordinator(string memory run, string memory actor) internal view {
        address coordinator = reg.runs(runId(run)).coordinator;
        assertEq(coordinator, who(actor), string.concat("coordinator of ", run));
    }

    function checkAdmitted(string memory run, string memory actor, bool expected) internal view {
        assertEq(reg.admits(runId(run), who(actor)), expected, string.concat("admitted ", actor, " to ", run));
    }

    function checkOpen(string memory run, bool expected) internal view {
        ContributionRegistry.RunView memory v = reg.runs(runId(run));
        (address coordinator, bool isOpen) = (v.coordinator, v.open);
        assertTrue(coordinator != address(0), "run exists");
        assertEq(isOpen, expected, "run open");
    }

    /// @notice The author of spec `specName` ("zero": unpublished).
    function checkAuthor(string memory specName, string memory actor) internal view {
        assertEq(reg.authorOf(h(specName)), who(actor), string.concat("author of ", specName));
    }

    function checkPaid(string memory run, uint256 amount) internal view {
        uint256 paid = reg.runs(runId(run)).paid;
        assertEq(paid, amount, "paid");
    }

    /// @notice The number of grants the update of (run, model) cites, after checking that
    /// `citationsOf` lists as many samples as grant ids.
    function checkCitations(string memory run, string memory model, uint256 count) internal view {
        (bytes32[] memory ids, uint64[] memory samples) = reg.citationsOf(runId(run), h(model));
        assertEq(ids.length, samples.length, "a sample count per cited grant");
        assertEq(ids.length, count, "citations");
    }

    function checkAttestations(string memory run, string memory model, uint256 count) internal view {
        (uint32 n,,,) = reg.tallyOf(runId(run), h(model));
        assertEq(n, count, "attestations");
    }

    function modelsOf(string[] memory names) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](names.length);
        for (uint256 i = 0; i < names.length; ++i) {
            out[i] = h(names[i]);
        }
    }

    function assertModels(bytes32[] memory got, bytes32[] memory want, string memory what) internal pure {
        assertEq(got.length, want.length, what);
        for (uint256 i = 0; i < got.length; ++i) {
            assertEq(got[i], want[i], what);
        }
    }

    /// @notice Updates of a run in seq order (recording order within a seq), from the events.
    function checkUpdates(string memory run, string[] memory models) internal view {
        bytes32[] memory got = new bytes32[](recs.length);
        uint256 n;
        for (uint64 seq = 0; n < recs.length && seq <= recs.length; ++seq) {
            for (uint256 i = 0; i < recs.length; ++i) {
                if (recs[i].receipt.runId == runId(run) && recs[i].receipt.seq == seq) got[n++] = recs[i].receipt.model;
            }
        }
        assembly {
            mstore(got, n)
        }
        assertModels(got, modelsOf(models), "updates");
    }

    /// @notice Updates of a run that no update took as its parent, in recording order.
    function checkHeads(string memory run, string[] memory models) internal view {
        bytes32[] memory got = new bytes32[](recs.length);
        uint256 n;
        for (uint256 i = 0; i < recs.length; ++i) {
            if (recs[i].receipt.runId != runId(run)) continue;
            bool hasChild;
            for (uint256 j = 0; j < recs.length; ++j) {
                hasChild = hasChild || recs[j].parentId == recs[i].updateId;
            }
            if (!hasChild) got[n++] = recs[i].receipt.model;
        }
        assembly {
            mstore(got, n)
        }
        assertModels(got, modelsOf(models), "heads");
    }

    /// @notice From (run, model) back to the genesis, following parent models by lookups by model
    /// (the global record first), as Java's `Rules.lineage`.
    function checkLineage(string memory run, string memory model, string[] memory models) internal view {
        bytes32[] memory got = new bytes32[](recs.length);
        uint256 n;
        ContributionRegistry.Receipt memory r = recorded(run, model);
        while (true) {
            got[n++] = r.model;
            if (r.kind == 0) break;
            (bool found, uint256 at) = lookup(r.runId, r.parent, false, recs.length);
            assertTrue(found && n < recs.length, "lineage reaches a genesis");
            r = recs[at].receipt;
        }
        assembly {
            mstore(got, n)
        }
        assertModels(got, modelsOf(models), "lineage");
    }

    /// @notice Children of the update of (run, model) (the global one if there are two) in any order
    /// (as the Java check): the updates that took it as their parent.
    function checkChildren(string memory run, string memory model, string[] memory models) internal view {
        bytes32[] memory want = modelsOf(models);
        uint256 n;
        (bool exists, uint256 at) = lookup(runId(run), h(model), false, recs.length);
        bytes32 parentId = exists ? recs[at].updateId : bytes32(0);
        for (uint256 i = 0; i < recs.length; ++i) {
            ContributionRegistry.Receipt memory r = recs[i].receipt;
            if (!exists || recs[i].parentId != parentId) continue;
            bool listed;
            for (uint256 j = 0; j < want.length; ++j) {
                listed = listed || want[j] == r.model;
            }
            assertTrue(listed, "child is listed");
            ++n;
        }
        assertEq(n, want.length, "children");
    }
}
