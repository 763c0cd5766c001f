// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {VNXToken} from "../src/VNXToken.sol";
import {RuleHarness} from "./utils/RuleHarness.sol";
import {Vm} from "./utils/Test.sol";

/// @notice Rules and properties beyond the shared vectors: fuzzed signatures, the receipt's contributor,
/// admissions, batches, front-running, reward arithmetic, the token's registry privilege and the events.
contract RegistryTest is RuleHarness {
    /// v1 and v2 commit to the eval set "eval", which their attestations name (from the next block on).
    function commitEvals() internal {
        doCommitEval("v1", "eval", bytes4(0));
        doCommitEval("v2", "eval", bytes4(0));
    }

    function openChained(bool commitReveal, uint256 budget) internal {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.commitReveal = commitReveal;
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = budget;
        o.rate = 10;
        doOpen(o, bytes4(0));
        commitEvals();
    }

    function signed(Sub memory s) internal view returns (ContributionRegistry.Receipt memory r, bytes memory sig) {
        r = receiptOf(s);
        sig = sign(s.signer, receiptHash(r), "valid");
    }

    // ---- signatures (fuzzed) ----

    /// Any change of any field of a signed receipt makes it recover someone else: WrongSigner.
    function testFuzz_changed_field_is_wrong_signer(uint8 field, uint256 delta) public {
        openChained(false, 500);
        (ContributionRegistry.Receipt memory r, bytes memory sig) = signed(sub("r1", "alice", "m1"));
        delta = delta % type(uint64).max + 1; // 1..2^64-1: a change for every field type
        field = field % 9;
        if (field == 0) r.runId = bytes32(uint256(r.runId) ^ delta);
        if (field == 1) r.seq = uint64(r.seq ^ delta);
        if (field == 2) r.kind = uint8(r.kind ^ (delta % 255 + 1));
        if (field == 3) r.parent = bytes32(uint256(r.parent) ^ delta);
        if (field == 4) r.model = bytes32(uint256(r.model) ^ delta);
        if (field == 5) r.manifest = bytes32(uint256(r.manifest) ^ delta);
        if (field == 6) r.data = bytes32(uint256(r.data) ^ delta);
        if (field == 7) r.samples = uint64(r.samples ^ delta);
        if (field == 8) r.contributor = address(uint160(r.contributor) ^ uint160(delta));
        address alice = who("alice");
        vm.expectRevert(ContributionRegistry.WrongSigner.selector);
        reg.submit(r, alice, sig);
    }

    /// A random 65-byte signature is never accepted for the claimed contributor.
    function testFuzz_random_signature_is_rejected(bytes32 sr, bytes32 ss, uint8 v) public {
        openChained(false, 500);
        ContributionRegistry.Receipt memory r = receiptOf(sub("r1", "alice", "m1"));
        bytes memory sig = abi.encodePacked(sr, ss, v);
        address alice = who("alice");
        vm.expectRevert();
        reg.submit(r, alice, sig);
        (bool exists,,,) = reg.updateOf(r.runId, r.model);
        assertTrue(!exists, "nothing recorded");
    }

    /// The high-S twin of a valid signature (same signer on plain ecrecover) is rejected.
    function testFuzz_high_s_twin_is_rejected(uint64 samples) public {
        openChained(false, 500);
        Sub memory s = sub("r1", "alice", "m1");
        ContributionRegistry.Receipt memory r = receiptOf(s);
        r.samples = samples;
        bytes memory twin = highS(sign("alice", receiptHash(r), "valid"));
        (bytes32 tr, bytes32 ts) = abi.decode(twin, (bytes32, bytes32));
        assertEq(ecrecover(updateIdOf(r), uint8(twin[64]), tr, ts), who("alice"), "the twin recovers alice");
        address alice = who("alice");
        vm.expectRevert(ContributionRegistry.SignatureHighS.selector);
        reg.submit(r, alice, twin);
    }

    function test_signature_of_65_bytes_with_trailing_garbage_is_rejected() public {
        openChained(false, 500);
        (ContributionRegistry.Receipt memory r, bytes memory sig) = signed(sub("r1", "alice", "m1"));
        address alice = who("alice");
        vm.expectRevert(ContributionRegistry.SignatureLength.selector);
        reg.submit(r, alice, abi.encodePacked(sig, uint8(0)));
    }

    // ---- submit details ----

    function test_returns_the_eip712_digest_as_update_id() public {
        openChained(false, 500);
        ContributionRegistry.Receipt memory r = receiptOf(sub("r1", "alice", "m1"));
        bytes32 id = doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        assertEq(id, updateIdOf(r), "updateId");
        assertEq(reg.updateIdOf(r), id, "updateIdOf view");
        assertEq(reg.domainSeparator(), domainSeparator(block.chainid, address(reg)), "domain separator");
        (bool exists, uint64 seq, uint8 kind, bytes20 idLow) = reg.updateOf(r.runId, r.model);
        assertTrue(exists && seq == 1 && kind == 1 && idLow == bytes20(uint160(uint256(id))), "packed slot");
    }

    function test_rejects_an_unknown_kind() public {
        openChained(false, 500);
        Sub memory s = sub("r1", "alice", "m1");
        s.kind = 7;
        doSubmit(s, ContributionRegistry.KindNotAllowed.selector);
    }

    function test_accepts_an_aggregate_in_a_model_parallel_run() public {
        Open memory o = open("r1", "coordinator");
        o.mode = 2;
        doOpen(o, bytes4(0));
        Sub memory s = sub("r1", "coordinator", "a1");
        s.kind = 3;
        doSubmit(s, bytes4(0));
        checkContributor("r1", "a1", "coordinator");
    }

    // ---- a LOCAL trains from a global model ----

    /// A data-parallel run: alice's LOCAL l1 from the genesis, then the coordinator's AGGREGATE a1.
    function openDataParallel() internal {
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        doOpen(o, bytes4(0));
        Sub memory l1 = sub("r1", "alice", "l1");
        l1.kind = 2;
        doSubmit(l1, bytes4(0));
        Sub memory a1 = sub("r1", "coordinator", "a1");
        a1.kind = 3;
        doSubmit(a1, bytes4(0));
    }

    /// A LOCAL on a LOCAL is ParentNotGlobal, and that is checked before the seq (a wrong seq too
    /// still names the parent's kind), after the parent lookup (an unknown parent is ParentUnknown).
    function test_a_local_on_a_local_is_refused() public {
        openDataParallel();
        Sub memory s = sub("r1", "bob", "l2");
        s.kind = 2;
        s.parent = "l1";
        s.seq = 2;
        doSubmit(s, ContributionRegistry.ParentNotGlobal.selector);
        s.seq = 7;
        doSubmit(s, ContributionRegistry.ParentNotGlobal.selector);
        s.parent = "nowhere";
        doSubmit(s, ContributionRegistry.ParentUnknown.selector);
        checkRecorded("r1", "l2", false);
    }

    /// A LOCAL on an AGGREGATE (or the genesis) is recorded; an AGGREGATE may still take a LOCAL.
    function test_a_local_on_an_aggregate_is_accepted() public {
        openDataParallel();
        Sub memory s = sub("r1", "bob", "l2");
        s.kind = 2;
        s.parent = "a1";
        s.seq = 2;
        doSubmit(s, bytes4(0));
        checkContributor("r1", "l2", "bob");
        Sub memory a2 = sub("r1", "coordinator", "a2");
        a2.kind = 3;
        a2.parent = "l2";
        a2.seq = 3;
        doSubmit(a2, bytes4(0));
        checkLineage("r1", "a2", list("a2", "l2", "a1", "g"));
    }

    // ---- global models and contributions are indexed apart (a strategy's pick) ----

    /// A rewarded data-parallel run (validators v1, v2, quorum 2, rate 10): alice's LOCAL l1 from
    /// the genesis, then the coordinator picks it (Krum): an AGGREGATE of the very model l1.
    function openAndPick() internal {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = 1000;
        o.rate = 10;
        doOpen(o, bytes4(0));
        commitEvals();
        Sub memory l1 = sub("r1", "alice", "l1");
        l1.kind = 2;
        doSubmit(l1, bytes4(0));
        Sub memory pick = sub("r1", "coordinator", "l1");
        pick.kind = 3;
        doSubmit(pick, bytes4(0));
    }

    /// The indexed receipt of (run, model) of the kind `kind`.
    function recordedOfKind(string memory run, string memory model, uint8 kind)
        internal
        view
        returns (ContributionRegistry.Receipt memory)
    {
        for (uint256 i = 0; i < recs.length; ++i) {
            ContributionRegistry.Receipt memory r = recs[i].receipt;
            if (r.runId == runId(run) && r.model == h(model) && r.kind == kind) return r;
        }
        revert(string.concat("no update of ", model));
    }

    /// The pick is recorded next to the LOCAL (both events), and a read by model now finds the
    /// AGGREGATE: updateOf turns from the LOCAL's slot to the AGGREGATE's.
    function test_the_coordinator_picks_a_locals_model() public {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        doOpen(o, bytes4(0));
        Sub memory l1 = sub("r1", "alice", "l1");
        l1.kind = 2;
        bytes32 localId = doSubmit(l1, bytes4(0));
        (bool exists, uint64 seq, uint8 kind, bytes20 idLow) = reg.updateOf(runId("r1"), h("l1"));
        assertTrue(exists && seq == 1 && kind == 2 && idLow == bytes20(uint160(uint256(localId))), "the LOCAL");
        Sub memory pick = sub("r1", "coordinator", "l1");
        pick.kind = 3;
        bytes32 pickId = doSubmit(pick, bytes4(0));
        (exists, seq, kind, idLow) = reg.updateOf(runId("r1"), h("l1"));
        assertTrue(exists && seq == 1 && kind == 3 && idLow == bytes20(uint160(uint256(pickId))), "the AGGREGATE");
        checkContributor("r1", "l1", "coordinator");
        checkUpdates("r1", list("g", "l1", "l1"));
        assertEq(recordedOfKind("r1", "l1", 2).contributor, who("alice"), "the LOCAL stays alice's");
    }

    /// A LOCAL may train on the picked model (its global slot is set); the pick's model cannot be
    /// recorded again, neither by a second AGGREGATE nor by a LOCAL (ModelExists), and no LOCAL may
    /// take an AGGREGATE's model.
    function test_a_picked_model_is_a_global_parent_and_recorded_once() public {
        openAndPick();
        Sub memory l2 = sub("r1", "bob", "l2");
        l2.kind = 2;
        l2.parent = "l1";
        l2.seq = 2;
        doSubmit(l2, bytes4(0));
        checkContributor("r1", "l2", "bob");
        checkLineage("r1", "l2", list("l2", "l1", "g"));
        checkChildren("r1", "l1", list("l2")); // of the AGGREGATE, the update a read by l1 finds

        Sub memory again = sub("r1", "coordinator", "l1");
        again.kind = 3;
        again.parent = "l2";
        again.seq = 3;
        doSubmit(again, ContributionRegistry.ModelExists.selector);
        Sub memory local = sub("r1", "alice", "l1");
        local.kind = 2;
        local.parent = "l1";
        local.seq = 2;
        doSubmit(local, ContributionRegistry.ModelExists.selector);

        Sub memory a2 = sub("r1", "coordinator", "a2");
        a2.kind = 3;
        a2.parent = "l2";
        a2.seq = 3;
        doSubmit(a2, bytes4(0));
        Sub memory copy = sub("r1", "alice", "a2");
        copy.kind = 2;
        copy.parent = "a2";
        copy.seq = 4;
        doSubmit(copy, ContributionRegistry.ModelExists.selector);
        checkUpdates("r1", list("g", "l1", "l1", "l2", "a2"));
    }

    /// A parent is taken from its global slot first: an AGGREGATE on a picked model whose pick has
    /// another seq than its LOCAL follows the pick's seq. Before the pick the AGGREGATE's parent is
    /// the LOCAL (its contribution slot); a LOCAL on it is ParentNotGlobal until the pick.
    function test_a_parent_is_read_from_its_global_slot_first() public {
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        doOpen(o, bytes4(0));
        Sub memory a1 = sub("r1", "coordinator", "a1");
        a1.kind = 3;
        doSubmit(a1, bytes4(0)); // seq 1
        Sub memory l1 = sub("r1", "alice", "l1");
        l1.kind = 2;
        doSubmit(l1, bytes4(0)); // seq 1, from the genesis
        Sub memory l2 = sub("r1", "bob", "l2");
        l2.kind = 2;
        l2.parent = "l1";
        l2.seq = 2;
        doSubmit(l2, ContributionRegistry.ParentNotGlobal.selector);
        Sub memory pick = sub("r1", "coordinator", "l1");
        pick.kind = 3;
        pick.parent = "a1";
        pick.seq = 2; // the pick sits at seq 2, its LOCAL at seq 1
        doSubmit(pick, bytes4(0));
        l2.seq = 3;
        doSubmit(l2, bytes4(0)); // now on the pick, whose seq is 2
        Sub memory a3 = sub("r1", "coordinator", "a3");
        a3.kind = 3;
        a3.parent = "l1";
        a3.seq = 2; // the LOCAL's seq + 1: not the parent taken
        doSubmit(a3, ContributionRegistry.SeqMismatch.selector);
        a3.seq = 3;
        doSubmit(a3, bytes4(0));
        checkLineage("r1", "a3", list("a3", "l1", "a1", "g"));
        // nothing took the LOCAL l1 as parent (its children took the pick): it stays a head
        checkHeads("r1", list("l1", "l2", "a3"));
    }

    /// The LOCAL and the AGGREGATE of one model are two updates: each has its own votes, tally and
    /// reward, attest and claim find each by its receipt's kind, and the views by model read the
    /// AGGREGATE's.
    function test_attest_and_claim_keep_a_pick_and_its_local_apart() public {
        openAndPick();
        ContributionRegistry.Receipt memory local = recordedOfKind("r1", "l1", 2);
        ContributionRegistry.Receipt memory pick = recorded("r1", "l1");
        assertEq(pick.kind, 3, "a read by model finds the AGGREGATE");

        doAttest(local, "v1", 5, "valid", bytes4(0));
        doAttest(local, "v2", 7, "valid", bytes4(0));
        doAttest(pick, "v1", 3, "valid", bytes4(0)); // v1 attested the LOCAL, not the AGGREGATE
        doAttest(local, "v1", 1, "valid", ContributionRegistry.AlreadyAttested.selector);
        doAttest(pick, "v1", 1, "valid", ContributionRegistry.AlreadyAttested.selector);
        (uint32 count, int64[] memory scores, bool claimed,) = reg.tallyOf(runId("r1"), h("l1"));
        assertTrue(
            count == 1 && scores.length == 1 && scores[0] == 3 && !claimed, "the view reads the AGGREGATE's tally"
        );
        (bool attested, int64 score) = reg.attestationOf(runId("r1"), h("l1"), who("v2"));
        assertTrue(!attested && score == 0, "v2 attested the LOCAL only");
        (attested, score) = reg.attestationOf(runId("r1"), h("l1"), who("v1"));
        assertTrue(attested && score == 3, "v1's vote on the AGGREGATE");

        assertEq(doClaim(local, bytes4(0)), 60, "the LOCAL: median (5 + 7) / 2 = 6 x 10, to alice");
        checkBalance("alice", 60);
        doClaim(pick, ContributionRegistry.QuorumNotMet.selector); // one vote of its own
        doAttest(pick, "v2", 9, "valid", bytes4(0));
        assertEq(doClaim(pick, bytes4(0)), 60, "the AGGREGATE: median (3 + 9) / 2 = 6 x 10, to the coordinator");
        checkBalance("coordinator", 60);
        doClaim(local, ContributionRegistry.AlreadyClaimed.selector);
        doClaim(pick, ContributionRegistry.AlreadyClaimed.selector);
        checkPaid("r1", 120);

        // the LOCAL's fields under the other kind are a variant of neither
        ContributionRegistry.Receipt memory swapped = local;
        swapped.kind = 3;
        doClaim(swapped, ContributionRegistry.UpdateUnknown.selector);
    }

    /// A kind word with bits above the byte (0x103, 0x102) names no slot's update: attest and claim
    /// of a picked model's receipts with such a kind revert, whichever slot the raw word would pick.
    function test_a_dirty_kind_word_finds_no_update() public {
        openAndPick();
        ContributionRegistry.Receipt[2] memory rs = [recorded("r1", "l1"), recordedOfKind("r1", "l1", 2)];
        for (uint256 i = 0; i < rs.length; ++i) {
            doAttest(rs[i], "v1", 5, "valid", bytes4(0));
            doAttest(rs[i], "v2", 5, "valid", bytes4(0));
            bytes memory data = abi.encodeCall(ContributionRegistry.claim, (rs[i]));
            uint256 dirty = 0x100 | uint256(rs[i].kind);
            assembly {
                mstore(add(data, 0x64), dirty) // length word, selector, runId, seq, then kind
            }
            (bool ok,) = address(reg).call(data);
            assertTrue(!ok, "a dirty kind is no recorded update");
            assertEq(doClaim(rs[i], bytes4(0)), 50, "the clean receipt pays");
        }
    }

    /// The genesis sits in the global slot too: a LOCAL or an AGGREGATE of the genesis model is
    /// ModelExists, and it reads as kind GENESIS.
    function test_the_genesis_is_a_global_record() public {
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        doOpen(o, bytes4(0));
        (bool exists, uint64 seq, uint8 kind,) = reg.updateOf(runId("r1"), h("g"));
        assertTrue(exists && seq == 0 && kind == 0, "the genesis");
        Sub memory s = sub("r1", "alice", "g");
        s.kind = 2;
        doSubmit(s, ContributionRegistry.ModelExists.selector);
        s = sub("r1", "coordinator", "g");
        s.kind = 3;
        doSubmit(s, ContributionRegistry.ModelExists.selector);
    }

    function test_a_commit_in_the_same_block_is_too_recent() public {
        openChained(true, 500);
        (ContributionRegistry.Receipt memory r, bytes memory sig) = signed(sub("r1", "alice", "m1"));
        reg.commit(keccak256(abi.encodePacked(updateIdOf(r), who("alice"))));
        address alice = who("alice");
        vm.expectRevert(ContributionRegistry.NoCommit.selector);
        reg.submit(r, alice, sig);
        vm.roll(block.number + 1);
        reg.submit(r, alice, sig);
    }

    /// A front-runner sees alice's pending receipt, copies its model hash and signs it as its own:
    /// without an older commitment for its own key it gets NoCommit; alice still records, and a
    /// commitment made only now would be too late for mallory's copy to beat alice's reveal.
    function test_front_runner_copying_a_pending_model_gets_nothing() public {
        openChained(true, 500);
        Sub memory honest = sub("r1", "alice", "m1");
        doCommit(honest, "alice", bytes4(0));
        Sub memory copy = sub("r1", "mallory", "m1");
        doSubmit(copy, ContributionRegistry.NoCommit.selector);
        doCommit(copy, "mallory", bytes4(0)); // commits now, may reveal from the next block only
        doSubmit(honest, bytes4(0));
        doSubmit(copy, ContributionRegistry.ModelExists.selector);
        checkContributor("r1", "m1", "alice");
    }

    // ---- the receipt names its contributor ----

    /// A copier takes alice's signed receipt and re-signs its fields as its own: it must name itself
    /// as contributor (alice's receipt under its key is WrongSigner), so it makes another updateId,
    /// which alice's commitment, attestations and rewards never refer to.
    function test_a_copier_resigning_a_receipt_gets_another_update_id() public {
        openChained(false, 500);
        (ContributionRegistry.Receipt memory r, bytes memory aliceSig) = signed(sub("r1", "alice", "m1"));
        address mallory = who("mallory");
        bytes memory mallorySig = sign("mallory", receiptHash(r), "valid");
        vm.expectRevert(ContributionRegistry.WrongSigner.selector);
        reg.submit(r, mallory, mallorySig); // alice's receipt signed by mallory

        ContributionRegistry.Receipt memory copy = abi.decode(abi.encode(r), (ContributionRegistry.Receipt));
        copy.contributor = mallory;
        bytes32 copyId = reg.updateIdOf(copy);
        assertTrue(copyId != reg.updateIdOf(r), "the copy has another updateId");
        bytes memory copySig = sign("mallory", receiptHash(copy), "valid");
        assertEq(reg.submit(copy, mallory, copySig), copyId, "the copy records under its own id");
        checkContributor("r1", "m1", "mallory");
        vm.expectRevert(ContributionRegistry.ModelExists.selector); // alice lost the model, not her id
        reg.submit(r, who("alice"), aliceSig);
    }

    /// Anyone may relay a receipt: the contributor recorded (and paid) is the one it names.
    function test_a_relayed_receipt_records_the_contributor_it_names() public {
        openChained(false, 500);
        (ContributionRegistry.Receipt memory r, bytes memory sig) = signed(sub("r1", "alice", "m1"));
        address alice = who("alice");
        vm.prank(who("mallory"));
        reg.submit(r, alice, sig);
        checkContributor("r1", "m1", "alice");
    }

    /// `r` with calldata word `word` made dirty (bit 200 set, above every ranged field's type), and
    /// `signer`'s signature over exactly those words.
    function dirtySigned(ContributionRegistry.Receipt memory r, uint256 word, string memory signer)
        internal
        view
        returns (uint256 dirty, bytes memory sig)
    {
        bytes memory words = abi.encode(r);
        assembly {
            let at := add(words, mul(add(word, 1), 0x20))
            dirty := or(mload(at), shl(200, 1))
            mstore(at, dirty)
        }
        bytes32 structHash = keccak256(
            abi.encodePacked(
                keccak256(
                    "ModelUpdate(bytes32 runId,uint64 seq,uint8 kind,bytes32 parent,bytes32 model,bytes32 manifest,bytes32 data,uint64 samples,address contributor)"
                ),
                words
            )
        );
        sig = signDigest(key(signer), typedDigest(structHash));
    }

    /// A receipt's words are hashed as they sit in calldata; a dirty seq, kind, samples or contributor
    /// word reverts (without a ledger reason) even when the signature covers exactly those bytes.
    function test_a_dirty_receipt_word_reverts() public {
        openChained(false, 500);
        ContributionRegistry.Receipt memory r = receiptOf(sub("r1", "alice", "m1"));
        uint8[4] memory ranged = [1, 2, 7, 8]; // seq, kind, samples, contributor
        for (uint256 i = 0; i < ranged.length; ++i) {
            (uint256 dirty, bytes memory sig) = dirtySigned(r, ranged[i], "alice");
            bytes memory data = abi.encodeCall(ContributionRegistry.submit, (r, who("alice"), sig));
            uint256 at = 0x24 + 0x20 * uint256(ranged[i]); // length word, selector, then the receipt's words
            assembly {
                mstore(add(data, at), dirty)
            }
            (bool ok, bytes memory err) = address(reg).call(data);
            assertTrue(!ok && err.length == 0, "reverts without a ledger reason");
        }
        checkRecorded("r1", "m1", false);
    }

    /// The same for a genesis: its samples word is read by no check, only where it is recorded.
    function test_a_dirty_genesis_samples_word_reverts() public {
        Open memory o = open("r1", "coordinator");
        ContributionRegistry.RunConfig memory c = config(o);
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        (uint256 dirty, bytes memory sig) = dirtySigned(g, 7, "coordinator");
        bytes memory data = abi.encodeCall(ContributionRegistry.openRun, (c, g, who("coordinator"), sig));
        assembly {
            mstore(add(data, 0x124), dirty) // length word, selector, the config's offset, 7 words
        }
        (bool ok, bytes memory err) = address(reg).call(data);
        assertTrue(!ok && err.length == 0, "reverts without a ledger reason");
        address coordinator = reg.runs(g.runId).coordinator;
        assertEq(coordinator, address(0), "no run");
    }

    // ---- admissions ----

    function openAdmitting(string[] memory admitted) internal {
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        o.admitted = admitted;
        doOpen(o, bytes4(0));
    }

    function test_a_run_with_admissions_refuses_anyone_else() public {
        openAdmitting(list("alice", "bob"));
        assertTrue(reg.isAdmitted(runId("r1"), who("bob")), "bob admitted");
        assertTrue(!reg.isAdmitted(runId("r1"), who("mallory")), "mallory not admitted");
        Sub memory s = sub("r1", "mallory", "m1");
        s.kind = 2;
        doSubmit(s, ContributionRegistry.NotAdmitted.selector);
        s.signer = "bob";
        doSubmit(s, bytes4(0));
        checkContributor("r1", "m1", "bob");
    }

    /// The coordinator needs no place on the list: it aggregates and may contribute itself.
    function test_the_coordinator_passes_admission() public {
        openAdmitting(list("alice"));
        assertTrue(!reg.isAdmitted(runId("r1"), who("coordinator")), "coordinator not listed");
        Sub memory s = sub("r1", "coordinator", "l1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
        s.model = "a1";
        s.kind = 3;
        doSubmit(s, bytes4(0));
        checkContributor("r1", "a1", "coordinator");
    }

    /// Admissions are per run: an address admitted to one run is nobody special in another.
    function test_admissions_are_per_run() public {
        openAdmitting(list("alice"));
        Open memory o = open("r2", "coordinator");
        o.mode = 1;
        o.admitted = list("bob");
        doOpen(o, bytes4(0));
        Sub memory s = sub("r2", "alice", "m1");
        s.kind = 2;
        doSubmit(s, ContributionRegistry.NotAdmitted.selector);
    }

    function test_rejects_a_zero_admitted_address() public {
        ContributionRegistry.RunConfig memory c = config(open("r1", "coordinator"));
        c.admitted = new address[](1);
        ContributionRegistry.Receipt memory g = genesisOf(open("r1", "coordinator"), c);
        bytes memory sig = sign("coordinator", receiptHash(g), "valid");
        address coordinator = who("coordinator");
        vm.expectRevert(ContributionRegistry.BadConfig.selector);
        reg.openRun(c, g, coordinator, sig);
    }

    /// RunOpened's data, as a struct: its non-indexed fields in order.
    struct RunOpenedData {
        bytes32 genesisModel;
        uint8 mode;
        bool commitReveal;
        uint8 quorum;
        uint256 budget;
        uint256 rewardPerPoint;
        uint64 claimWindow;
        address royaltyTo;
        uint16 royalty;
        bytes32 spec;
        uint16 specRoyalty;
        address[] validators;
        address[] admitted;
        bytes32 nonce;
    }

    /// RunOpened carries the claim window after the rate, then the royalty's payee and basis points,
    /// the spec and the spec royalty's basis points, the admitted list after the validators, then the
    /// nonce (Java's EventIndex rebuilds the terms from it). Its data, which the registry encodes in
    /// two parts, is exactly Solidity's encoding of those fields (re-encoding the decoded struct
    /// gives the same bytes), and `runs` reads the terms.
    function test_run_opened_event_carries_the_window_the_royalties_the_admitted_list_and_the_nonce() public {
        doMint("coordinator", 1000, bytes4(0));
        doCommitSpec("dave", "s1", bytes4(0));
        doPublish("s1", "dave", "", "valid", bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1");
        o.quorum = 1;
        o.admitted = list("alice", "bob");
        o.budget = 700;
        o.rate = 10;
        o.window = 3600;
        o.royalty = 250;
        o.royaltyTo = "v4";
        (o.spec, o.specRoyalty) = ("s1", 125);
        ContributionRegistry.RunConfig memory c = config(o);
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        bytes memory sig = sign("coordinator", receiptHash(g), "valid");
        vm.getRecordedLogs();
        reg.openRun(c, g, who("coordinator"), sig);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool found;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] != ContributionRegistry.RunOpened.selector) continue;
            bytes memory wrapped = bytes.concat(bytes32(uint256(0x20)), logs[i].data); // a struct's outer offset
            RunOpenedData memory d = abi.decode(wrapped, (RunOpenedData));
            assertEq(keccak256(abi.encode(d)), keccak256(wrapped), "canonical encoding");
            assertEq(d.genesisModel, h("g"), "genesis model");
            assertEq(d.quorum, 1, "quorum");
            assertEq(d.budget, 700, "budget");
            assertEq(d.rewardPerPoint, 10, "rate");
            assertEq(d.claimWindow, 3600, "claim window");
            assertEq(d.royaltyTo, who("v4"), "royalty to");
            assertEq(d.royalty, 250, "royalty");
            assertEq(d.spec, h("s1"), "spec");
            assertEq(d.specRoyalty, 125, "spec royalty");
            assertEq(d.validators.length, 1, "validators");
            assertEq(d.validators[0], who("v1"), "validators[0]");
            assertEq(d.admitted.length, 2, "admitted");
            assertEq(d.admitted[0], who("alice"), "admitted[0]");
            assertEq(d.admitted[1], who("bob"), "admitted[1]");
            assertEq(d.nonce, h("run:r1"), "nonce");
            assertEq(logs[i].topics[1], derivedRunId(who("coordinator"), c), "run id");
            assertEq(logs[i].topics[2], bytes32(uint256(uint160(who("coordinator")))), "coordinator");
            found = true;
        }
        assertTrue(found, "RunOpened emitted");
        ContributionRegistry.RunView memory run = reg.runs(derivedRunId(who("coordinator"), c));
        assertEq(run.claimWindow, 3600, "stored claim window");
        assertEq(run.royaltyTo, who("v4"), "stored royalty to");
        assertEq(run.royalty, 250, "stored royalty");
        assertEq(run.spec, h("s1"), "stored spec");
        assertEq(run.specRoyalty, 125, "stored spec royalty");
        assertEq(run.closedAt, 0, "not closed");
        assertEq(run.budget, 700, "budget");
        assertEq(run.paid, 0, "paid");
        // the returned bytes are the sixteen words of the values one by one
        bytes memory call = abi.encodeCall(reg.runs, (derivedRunId(who("coordinator"), c)));
        (bool ok, bytes memory ret) = address(reg).staticcall(call);
        assertTrue(ok && ret.length == 16 * 32, "sixteen words");
        uint256[6] memory w; // words 11..16
        for (uint256 i = 0; i < 6; ++i) {
            w[i] = uint256(bytes32(this.wordAt(ret, 32 * (10 + i))));
        }
        assertEq(w[0], 3600, "word 11: claimWindow");
        assertEq(w[1], uint160(who("v4")), "word 12: royaltyTo");
        assertEq(w[2], 250, "word 13: royalty");
        assertEq(w[3], uint256(h("s1")), "word 14: spec");
        assertEq(w[4], 125, "word 15: specRoyalty");
        assertEq(w[5], 0, "word 16: closedAt");
    }

    // ---- admissions after opening ----

    function admitSig(string memory signer, bytes32 id, address node) internal view returns (bytes memory) {
        return sign(signer, keccak256(abi.encode(reg.ADMIT_TYPEHASH(), id, node)), "valid");
    }

    /// A node's own admission (or anyone's but the coordinator's) is NotCoordinator; the
    /// coordinator's admits the node, which may then contribute, and emits Admitted.
    function test_admission_by_a_non_coordinator_fails_and_the_coordinators_admits() public {
        openAdmitting(list("alice"));
        (bytes32 id, address bob) = (runId("r1"), who("bob"));
        bytes memory byBob = admitSig("bob", id, bob);
        vm.expectRevert(ContributionRegistry.NotCoordinator.selector);
        reg.admit(id, bob, bob, byBob);
        assertTrue(!reg.admits(id, bob), "bob not admitted by himself");
        Sub memory s = sub("r1", "bob", "m1");
        s.kind = 2;
        doSubmit(s, ContributionRegistry.NotAdmitted.selector);

        bytes memory byCoordinator = admitSig("coordinator", id, bob);
        address coordinator = who("coordinator");
        reg.admit(id, bob, coordinator, byCoordinator);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertEq(logs[0].emitter, address(reg), "from the registry");
        assertEq(logs[0].topics.length, 3, "three topics");
        assertEq(logs[0].topics[0], ContributionRegistry.Admitted.selector, "Admitted");
        assertEq(logs[0].topics[1], id, "run id");
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(bob))), "node");
        assertEq(logs[0].data.length, 0, "no data");
        assertTrue(reg.admits(id, bob) && reg.isAdmitted(id, bob), "bob admitted");
        doSubmit(s, bytes4(0));
        checkContributor("r1", "m1", "bob");
    }

    /// Anyone may relay an admission again: it changes nothing.
    function test_a_replayed_admission_is_harmless() public {
        openAdmitting(list("alice"));
        (bytes32 id, address bob, address coordinator) = (runId("r1"), who("bob"), who("coordinator"));
        bytes memory sig = admitSig("coordinator", id, bob);
        reg.admit(id, bob, coordinator, sig);
        vm.prank(who("mallory"));
        reg.admit(id, bob, coordinator, sig);
        bytes memory sigAlice = admitSig("coordinator", id, who("alice"));
        reg.admit(id, who("alice"), coordinator, sigAlice); // already on the terms' list
        assertTrue(reg.admits(id, bob) && reg.admits(id, who("alice")), "bob and alice admitted");
        assertTrue(!reg.admits(id, who("mallory")), "mallory not admitted");
        Sub memory s = sub("r1", "bob", "m1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
        s.signer = "mallory";
        s.model = "m2";
        doSubmit(s, ContributionRegistry.NotAdmitted.selector);
    }

    /// An Admit signed for run r2 recovers someone else under r1's id (WrongSigner): it admits nobody here.
    function test_an_admission_signed_for_another_run_does_not_admit_here() public {
        openAdmitting(list("alice"));
        Open memory o = open("r2", "coordinator");
        o.mode = 1;
        o.admitted = list("alice");
        doOpen(o, bytes4(0));
        (bytes32 r1, bytes32 r2, address bob, address coordinator) =
            (runId("r1"), runId("r2"), who("bob"), who("coordinator"));
        bytes memory forR2 = admitSig("coordinator", r2, bob);
        vm.expectRevert(ContributionRegistry.WrongSigner.selector);
        reg.admit(r1, bob, coordinator, forR2);
        assertTrue(!reg.admits(r1, bob), "bob not admitted to r1");
        Sub memory s = sub("r1", "bob", "m1");
        s.kind = 2;
        doSubmit(s, ContributionRegistry.NotAdmitted.selector);
        reg.admit(r2, bob, coordinator, forR2);
        assertTrue(reg.admits(r2, bob) && !reg.admits(r1, bob), "bob admitted to r2 only");
    }

    /// `admits`: false for an unknown run; anyone in a run without a list (an admission there is
    /// recorded but changes nothing); the coordinator always; still answered once the run is closed.
    function test_admits_reads_the_terms_the_coordinator_and_admissions() public {
        assertTrue(!reg.admits(runId("r9"), who("alice")), "unknown run admits nobody");
        doOpen(open("r2", "coordinator"), bytes4(0));
        bytes32 r2 = runId("r2");
        assertTrue(reg.admits(r2, who("mallory")), "a run without a list admits anyone");
        reg.admit(r2, who("bob"), who("coordinator"), admitSig("coordinator", r2, who("bob")));
        assertTrue(reg.isAdmitted(r2, who("bob")) && reg.admits(r2, who("mallory")), "recorded, nothing changed");
        openAdmitting(list("alice"));
        bytes32 r1 = runId("r1");
        assertTrue(reg.admits(r1, who("coordinator")) && reg.admits(r1, who("alice")), "coordinator and alice");
        assertTrue(!reg.admits(r1, who("bob")), "bob not admitted to r1");
        doClose("r1", "coordinator", "valid", bytes4(0));
        assertTrue(reg.admits(r1, who("alice")), "a closed run still answers");
        doAdmit("r1", "coordinator", "bob", "valid", ContributionRegistry.RunClosed.selector);
    }

    // ---- batches ----

    function batch(uint256 n, uint256 bad) internal returns (bytes memory err) {
        ContributionRegistry.Receipt[] memory rs = new ContributionRegistry.Receipt[](n);
        address[] memory who_ = new address[](n);
        bytes[] memory sigs = new bytes[](n);
        string memory parent = "g";
        for (uint256 i = 0; i < n; ++i) {
            string memory model = string.concat("b", vm.toString(i));
            Sub memory s = sub("r1", i % 2 == 0 ? "alice" : "bob", model);
            s.parent = parent;
            s.seq = uint64(i + 1);
            (rs[i], sigs[i]) = signed(s);
            who_[i] = who(s.signer);
            if (i == bad) who_[i] = who("mallory");
            parent = model;
        }
        try reg.submitBatch(rs, who_, sigs) {} catch (bytes memory e) {
            err = e;
        }
        settle();
    }

    function test_batch_records_a_chain_in_one_transaction() public {
        openChained(false, 500);
        bytes memory err = batch(10, type(uint256).max);
        assertEq(err.length, 0, "no error");
        checkLineage("r1", "b2", list("b2", "b1", "b0", "g"));
        checkContributor("r1", "b9", "bob");
        assertEq(recs.length, 11, "genesis and 10 updates indexed");
    }

    function test_batch_is_atomic_and_reverts_with_the_failing_receipts_error() public {
        openChained(false, 500);
        bytes memory err = batch(10, 7);
        assertEq(bytes32(err), bytes32(ContributionRegistry.WrongSigner.selector), "error of receipt 7");
        checkRecorded("r1", "b0", false);
        checkRecorded("r1", "b6", false);
    }

    function test_batch_arrays_must_match() public {
        openChained(false, 500);
        vm.expectRevert(ContributionRegistry.BatchLengthMismatch.selector);
        reg.submitBatch(new ContributionRegistry.Receipt[](2), new address[](1), new bytes[](2));
    }

    // ---- rewards ----

    function attested(int64 s1, int64 s2, uint256 budget, uint256 rate) internal {
        doMint("coordinator", budget, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = budget;
        o.rate = rate;
        doOpen(o, bytes4(0));
        commitEvals();
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        doAttest("r1", "m1", "v1", s1, "valid", bytes4(0));
        doAttest("r1", "m1", "v2", s2, "valid", bytes4(0));
    }

    /// The median of two scores is their mean, truncated toward zero: (-3 + 4) / 2 = 0 pays nothing,
    /// (3 + 4) / 2 = 3 pays 3 points.
    function test_the_median_of_an_even_count_truncates_toward_zero() public {
        attested(-3, 4, 100, 10);
        doClaim("r1", "m1", ContributionRegistry.NothingToPay.selector);
        (uint32 count, int64[] memory scores,, uint64 quorumReachedAt) = reg.tallyOf(runId("r1"), h("m1"));
        assertTrue(count == 2 && scores[0] == -3 && scores[1] == 4, "scores in attestation order");
        assertEq(quorumReachedAt, block.timestamp, "quorum reached");
    }

    function test_pays_median_times_rate_to_the_contributor_whoever_calls() public {
        attested(3, 4, 100, 10);
        vm.prank(who("mallory"));
        uint256 amount = reg.claim(recorded("r1", "m1"));
        assertEq(amount, 30, "3 points x 10");
        checkBalance("alice", 30);
        checkBalance("mallory", 0);
        assertEq(vnx.balanceOf(address(reg)), 70, "escrow left");
        (,, bool claimed,) = reg.tallyOf(runId("r1"), h("m1"));
        assertTrue(claimed, "claimed");
    }

    function test_an_overflowing_reward_is_capped_at_the_budget() public {
        attested(10_000, 10_000, 1000, type(uint256).max);
        assertEq(doClaim("r1", "m1", bytes4(0)), 1000, "whole budget");
    }

    /// Scores at the bounds are kept exactly (an int16 each); the lowest pays nothing.
    function test_scores_at_the_bounds_are_kept() public {
        attested(-10_000, -10_000, 1000, 1);
        (uint32 count, int64[] memory scores,,) = reg.tallyOf(runId("r1"), h("m1"));
        assertTrue(count == 2 && scores[0] == -10_000 && scores[1] == -10_000, "scores");
        doClaim("r1", "m1", ContributionRegistry.NothingToPay.selector);
    }

    /// Any score outside +-10000 is ScoreOutOfBounds, the int64 extremes too, and is not counted.
    function testFuzz_a_score_out_of_bounds_is_refused(int64 score) public {
        vm.assume(score < -10_000 || score > 10_000);
        attested(1, 2, 1000, 1);
        doSubmit(sub("r1", "alice", "m2"), bytes4(0));
        doAttest("r1", "m2", "v1", score, "valid", ContributionRegistry.ScoreOutOfBounds.selector);
        doAttest("r1", "m2", "v1", type(int64).min, "valid", ContributionRegistry.ScoreOutOfBounds.selector);
        doAttest("r1", "m2", "v1", type(int64).max, "valid", ContributionRegistry.ScoreOutOfBounds.selector);
        checkAttestations("r1", "m2", 0);
    }

    /// Self-attestation is checked before AlreadyAttested and ScoreOutOfBounds: a validator who
    /// contributed an update can neither score it nor learn whether it could.
    function test_a_validator_never_attests_its_own_update() public {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1", "v2");
        o.quorum = 1;
        o.budget = 500;
        o.rate = 10;
        doOpen(o, bytes4(0));
        commitEvals();
        doSubmit(sub("r1", "v1", "m1"), bytes4(0));
        doAttest("r1", "m1", "v1", 20_000, "valid", ContributionRegistry.SelfAttestation.selector);
        doAttest("r1", "m1", "v2", 5, "valid", bytes4(0));
        assertEq(doClaim("r1", "m1", bytes4(0)), 50, "paid on v2's score alone");
        checkBalance("v1", 50);
    }

    /// A run of `n` validators (anvil-independent keys 0x1000 + i), quorum `quorum`, budget 10^9, rate 1,
    /// claim window `window`, and alice's m1; returns the validators' keys.
    function manyValidators(uint256 n, uint8 quorum, uint64 window) internal returns (uint256[] memory keys) {
        keys = new uint256[](n);
        address[] memory validators = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = 0x1000 + i;
            validators[i] = vm.addr(keys[i]);
        }
        address coordinator = who("coordinator");
        reg.mint(coordinator, 1e9);
        ContributionRegistry.RunConfig memory c = ContributionRegistry.RunConfig(
            0, false, quorum, 1e9, 1, window, address(0), 0, bytes32(0), 0, validators, new address[](0), h("run:many")
        );
        bytes32 id = derivedRunId(coordinator, c);
        ContributionRegistry.Receipt memory g = ContributionRegistry.Receipt(
            id, 0, 0, bytes32(0), h("g"), h("manifest:config"), configHashOf(c), 0, coordinator
        );
        reg.openRun(c, g, coordinator, sign("coordinator", receiptHash(g), "valid"));
        openedAs[keccak256("r1")] = g.runId;
        settle();
        for (uint256 i = 0; i < n; ++i) {
            vm.prank(validators[i]);
            reg.commit(keccak256(abi.encodePacked(h("eval"), validators[i]))); // each validator's eval set
        }
        settle();
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
    }

    function attestWithKey(uint256 pk, int64 score, bytes4 expected) internal {
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        bytes memory sig = signDigest(pk, typedDigest(attestationHash(updateIdOf(r), score, h("eval"), h("report"))));
        address validator = vm.addr(pk);
        expectOrNot(expected);
        reg.attest(r, score, h("eval"), h("report"), validator, sig);
        settle();
    }

    /// The claim pays the median of any number of scores (across the 16-score storage words): the
    /// count of scores below it and above it is at most half, computed here without sorting.
    function testFuzz_pays_the_median(uint256 n, uint256 seed) public {
        n = n % 40 + 1;
        uint256[] memory keys = manyValidators(n, uint8(n), 0);
        int256[] memory scores = new int256[](n);
        for (uint256 i = 0; i < n; ++i) {
            scores[i] = int256(uint256(keccak256(abi.encode(seed, i))) % 20_001) - 10_000;
            if (uint256(keccak256(abi.encode(seed, "dup", i))) % 4 == 0 && i > 0) scores[i] = scores[i - 1];
            attestWithKey(keys[i], int64(scores[i]), bytes4(0));
        }
        // the k-th smallest (0-based) is the x with #(< x) <= k < #(<= x)
        int256 lo = kth(scores, (n - 1) / 2);
        int256 hi = kth(scores, n / 2);
        int256 median = (lo + hi) / 2;
        if (median <= 0) {
            doClaim("r1", "m1", ContributionRegistry.NothingToPay.selector);
        } else {
            assertEq(doClaim("r1", "m1", bytes4(0)), uint256(median), "median x rate 1");
        }
    }

    function kth(int256[] memory xs, uint256 k) internal pure returns (int256) {
        for (uint256 i = 0; i < xs.length; ++i) {
            (uint256 below, uint256 atMost) = (0, 0);
            for (uint256 j = 0; j < xs.length; ++j) {
                if (xs[j] < xs[i]) ++below;
                if (xs[j] <= xs[i]) ++atMost;
            }
            if (below <= k && k < atMost) return xs[i];
        }
        revert("no k-th");
    }

    /// Before every validator attested, a claim waits the claim window from the attestation that
    /// reached the quorum (later ones do not move it), to the second; the last validator's
    /// attestation ends the wait.
    function test_a_claim_waits_the_window_after_the_quorum_unless_all_attested() public {
        uint256[] memory keys = manyValidators(4, 2, 100);
        vm.warp(1000);
        attestWithKey(keys[0], 3, bytes4(0));
        doClaim("r1", "m1", ContributionRegistry.QuorumNotMet.selector);
        vm.warp(2000);
        attestWithKey(keys[1], 5, bytes4(0));
        (,,, uint64 quorumReachedAt) = reg.tallyOf(runId("r1"), h("m1"));
        assertEq(quorumReachedAt, 2000, "the quorum's time");
        vm.warp(2050);
        attestWithKey(keys[2], 7, bytes4(0));
        vm.warp(2099);
        doClaim("r1", "m1", ContributionRegistry.ClaimWindowOpen.selector);
        vm.warp(2100);
        assertEq(doClaim("r1", "m1", bytes4(0)), 5, "median of 3, 5, 7 at quorum time + window");
    }

    function test_the_last_validator_ends_the_wait() public {
        uint256[] memory keys = manyValidators(3, 2, 100);
        attestWithKey(keys[0], 3, bytes4(0));
        attestWithKey(keys[1], 5, bytes4(0));
        doClaim("r1", "m1", ContributionRegistry.ClaimWindowOpen.selector);
        attestWithKey(keys[2], 100, bytes4(0));
        assertEq(doClaim("r1", "m1", bytes4(0)), 5, "median of 3, 5, 100 at once");
    }

    /// The largest window cannot overflow after a quorum either: quorum time + 2^64 - 1 stays ahead.
    function test_the_largest_window_after_a_quorum_never_ends() public {
        uint256[] memory keys = manyValidators(3, 1, type(uint64).max);
        vm.warp(type(uint64).max);
        attestWithKey(keys[0], 3, bytes4(0));
        vm.warp(type(uint64).max + uint256(type(uint64).max) - 1);
        doClaim("r1", "m1", ContributionRegistry.ClaimWindowOpen.selector);
        vm.warp(type(uint64).max + uint256(type(uint64).max));
        assertEq(doClaim("r1", "m1", bytes4(0)), 3, "at exactly quorum time + window");
    }

    /// A variant of a recorded receipt (one more sample) is no recorded update: it can be neither
    /// attested nor paid, before or after the recorded one is, and the recorded one still is.
    function test_a_variant_receipt_is_unknown_to_attest_and_claim() public {
        attested(5, 5, 1000, 10);
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        ContributionRegistry.Receipt memory variant = withSamples(recorded("r1", "m1"), r.samples + 1);
        doAttest(variant, "v1", 5, "valid", ContributionRegistry.UpdateUnknown.selector);
        doClaim(variant, ContributionRegistry.UpdateUnknown.selector);
        assertEq(doClaim(r, bytes4(0)), 50, "the recorded receipt pays 5 points x 10");
        doClaim(variant, ContributionRegistry.UpdateUnknown.selector);
        (uint32 count,, bool claimed,) = reg.tallyOf(r.runId, r.model);
        assertTrue(count == 2 && claimed, "one tally, paid once");
    }

    /// Any change of any field of a recorded receipt makes an update the registry never recorded:
    /// UpdateUnknown for attest and claim, whatever the field (the key fields name another slot, the
    /// others another updateId than the slot's).
    function testFuzz_a_changed_field_is_an_unknown_update(uint8 field, uint256 delta) public {
        attested(5, 5, 1000, 10);
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        delta = delta % type(uint64).max + 1;
        field = field % 9;
        if (field == 0) r.runId = bytes32(uint256(r.runId) ^ delta);
        if (field == 1) r.seq = uint64(r.seq ^ delta);
        if (field == 2) r.kind = uint8(r.kind ^ (delta % 255 + 1));
        if (field == 3) r.parent = bytes32(uint256(r.parent) ^ delta);
        if (field == 4) r.model = bytes32(uint256(r.model) ^ delta);
        if (field == 5) r.manifest = bytes32(uint256(r.manifest) ^ delta);
        if (field == 6) r.data = bytes32(uint256(r.data) ^ delta);
        if (field == 7) r.samples = uint64(r.samples ^ delta);
        if (field == 8) r.contributor = address(uint160(r.contributor) ^ uint160(delta));
        doClaim(r, ContributionRegistry.UpdateUnknown.selector);
        doAttest(r, "v1", 5, "valid", ContributionRegistry.UpdateUnknown.selector);
    }

    function test_claim_needs_the_recorded_seq_and_kind() public {
        attested(5, 5, 1000, 10);
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        r.seq = 2;
        vm.expectRevert(ContributionRegistry.UpdateUnknown.selector);
        reg.claim(r);
    }

    /// A receipt naming another contributor is not the recorded update: it can be neither attested
    /// nor paid, so a claim can only ever pay the contributor alice signed as.
    function test_claim_needs_the_recorded_contributor() public {
        attested(5, 5, 1000, 10);
        doClaim("r1", "m1", "mallory", ContributionRegistry.UpdateUnknown.selector);
        assertEq(doClaim("r1", "m1", bytes4(0)), 50, "5 points x 10");
        checkBalance("alice", 50);
    }

    // ---- eval sets: a validator commits to its held-out set before it scores ----

    /// v1's commitment in the block of its attestation is too recent; from the next block it counts.
    function test_an_eval_set_committed_in_the_same_block_is_too_recent() public {
        openChained(false, 500);
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        vm.prank(who("v1"));
        reg.commit(keccak256(abi.encodePacked(h("fresh"), who("v1"))));
        bytes4 notCommitted = ContributionRegistry.EvalSetNotCommitted.selector;
        doAttestOn(recorded("r1", "m1"), "v1", 5, "fresh", "valid", notCommitted);
        checkAttestations("r1", "m1", 0);
        doAttestOn(recorded("r1", "m1"), "v1", 5, "fresh", "valid", bytes4(0)); // settle() moved to the next block
        checkAttestations("r1", "m1", 1);
    }

    /// The commitment binds the validator: v2's commitment of the very set does not let v1 attest with
    /// it, nor does v1's commitment of another set; the refusal counts nothing.
    function test_an_eval_set_commitment_is_the_validators_own() public {
        openChained(false, 500);
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        doCommitEval("v2", "held-out", bytes4(0));
        doCommitEval("v1", "other", bytes4(0));
        bytes4 notCommitted = ContributionRegistry.EvalSetNotCommitted.selector;
        doAttestOn(recorded("r1", "m1"), "v1", 5, "held-out", "valid", notCommitted);
        doAttestOn(recorded("r1", "m1"), "v2", 5, "held-out", "valid", bytes4(0));
        checkAttestations("r1", "m1", 1);
        (bool attested,) = reg.attestationOf(runId("r1"), h("m1"), who("v1"));
        assertTrue(!attested, "v1 did not attest");
        doCommitEval("v1", "other", ContributionRegistry.CommitExists.selector); // committed once, for good
    }

    /// The eval-set check is the last: without a commitment every earlier refusal keeps its reason.
    function test_the_eval_set_is_checked_after_every_other_attest_rule() public {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1", "v2");
        o.quorum = 1;
        o.budget = 500;
        o.rate = 10;
        doOpen(o, bytes4(0));
        doSubmit(sub("r1", "v1", "m1"), bytes4(0));
        doSubmit(sub("r1", "alice", "m2"), bytes4(0));
        ContributionRegistry.Receipt memory m1 = recorded("r1", "m1");
        ContributionRegistry.Receipt memory m2 = recorded("r1", "m2");
        // nobody committed any eval set
        doAttestOn(m2, "v1", 5, "none", "wrong-key", ContributionRegistry.WrongSigner.selector);
        ContributionRegistry.Receipt memory variant = withSamples(recorded("r1", "m2"), 7);
        doAttestOn(variant, "v1", 5, "none", "valid", ContributionRegistry.UpdateUnknown.selector);
        doAttestOn(m2, "mallory", 5, "none", "valid", ContributionRegistry.NotValidator.selector);
        doAttestOn(m1, "v1", 5, "none", "valid", ContributionRegistry.SelfAttestation.selector);
        doAttestOn(m2, "v1", 10_001, "none", "valid", ContributionRegistry.ScoreOutOfBounds.selector);
        doAttestOn(m2, "v1", 5, "none", "valid", ContributionRegistry.EvalSetNotCommitted.selector);
        doCommitEval("v1", "none", bytes4(0));
        doAttestOn(m2, "v1", 5, "none", "valid", bytes4(0));
        doAttestOn(m2, "v1", 5, "unseen", "valid", ContributionRegistry.AlreadyAttested.selector);
    }

    /// One commitment serves every attestation naming that set, in any run.
    function test_one_eval_set_commitment_serves_every_run() public {
        openChained(false, 500); // v1 and v2 committed "eval"
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        Open memory o = open("r2", "coordinator");
        o.validators = list("v1");
        doOpen(o, bytes4(0));
        doSubmit(sub("r2", "bob", "m1"), bytes4(0));
        doAttest("r1", "m1", "v1", 5, "valid", bytes4(0));
        doAttest("r2", "m1", "v1", 5, "valid", bytes4(0));
        checkAttestations("r1", "m1", 1);
        checkAttestations("r2", "m1", 1);
    }

    // ---- royalties ----

    /// A run paying `royalty` basis points to `royaltyTo` ("" = none) with budget and rate `amount`:
    /// alice's m1, scored 1 by v1 and v2, earns exactly `amount` (the median 1 x the rate, the whole
    /// budget).
    function royaltyRun(uint256 amount, uint16 royalty, string memory royaltyTo) internal {
        doMint("coordinator", amount, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = amount;
        o.rate = amount;
        o.royalty = royalty;
        o.royaltyTo = royaltyTo;
        doOpen(o, bytes4(0));
        commitEvals();
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        doAttest("r1", "m1", "v1", 1, "valid", bytes4(0));
        doAttest("r1", "m1", "v2", 1, "valid", bytes4(0));
    }

    /// For any amount (up to the largest mint) and royalty 0..10000: the payee gets
    /// floor(amount * royalty / 10000) (computed here without the product, which can overflow: with
    /// amount = q * 10000 + m it is q * royalty + floor(m * royalty / 10000); the registry uses
    /// OpenZeppelin's mulDiv), the contributor the rest, the two sum to the amount claim returns, the
    /// escrow loses exactly that, and the events carry the two parts.
    function testFuzz_a_royalty_splits_the_reward_exactly(uint256 amount, uint256 royalty, bool payeeOfZero) public {
        amount = amount % (2 ** 255 - 1) + 1;
        royalty = royalty % 10_001;
        string memory payee = royalty == 0 && !payeeOfZero ? "" : "bob";
        royaltyRun(amount, uint16(royalty), payee);
        // forge-lint: disable-next-line(divide-before-multiply) exact: the remainder's part is added
        uint256 cut = (amount / 10_000) * royalty + ((amount % 10_000) * royalty) / 10_000;
        assertEq(vnx.balanceOf(address(reg)), amount, "escrowed");
        vm.getRecordedLogs();
        assertEq(reg.claim(recorded("r1", "m1")), amount, "claim returns the whole reward");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        settle();
        checkBalance("alice", amount - cut);
        checkBalance("bob", cut);
        assertEq(vnx.balanceOf(address(reg)), 0, "the escrow paid exactly the amount");
        checkPaid("r1", amount);
        (uint256 rewardClaimed, uint256 royaltyPaid, uint256 paidEvents) = (type(uint256).max, 0, 0);
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == ContributionRegistry.RewardClaimed.selector) {
                (, rewardClaimed) = abi.decode(logs[i].data, (bytes32, uint256));
                assertEq(logs[i].topics[2], bytes32(uint256(uint160(who("alice")))), "RewardClaimed names alice");
            }
            if (logs[i].topics[0] == ContributionRegistry.RoyaltyPaid.selector) {
                royaltyPaid = abi.decode(logs[i].data, (uint256));
                assertEq(logs[i].topics[2], bytes32(uint256(uint160(who("bob")))), "RoyaltyPaid names bob");
                ++paidEvents;
            }
        }
        assertEq(rewardClaimed, amount - cut, "RewardClaimed carries the contributor's part");
        assertEq(royaltyPaid, cut, "RoyaltyPaid carries the cut");
        assertEq(paidEvents, cut == 0 ? 0 : 1, "RoyaltyPaid only for a cut");
    }

    /// The floor: 55 wei at 10% pay the payee 5 (not 5.5) and the contributor 50.
    function test_a_royalty_is_rounded_down() public {
        royaltyRun(55, 1000, "bob");
        assertEq(doClaim("r1", "m1", bytes4(0)), 55, "the whole reward");
        checkBalance("alice", 50);
        checkBalance("bob", 5);
    }

    /// At 1 basis point, 9999 wei pay the payee nothing (0.9999 rounded down): no RoyaltyPaid.
    function test_a_royalty_below_one_wei_pays_the_payee_nothing() public {
        royaltyRun(9999, 1, "bob");
        vm.getRecordedLogs();
        assertEq(doClaim("r1", "m1", bytes4(0)), 9999, "the whole reward");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != ContributionRegistry.RoyaltyPaid.selector, "no RoyaltyPaid");
        }
        checkBalance("alice", 9999);
        checkBalance("bob", 0);
    }

    /// A royalty of the whole reward leaves the contributor nothing (its RewardClaimed says 0).
    function test_a_royalty_of_10000_pays_the_payee_everything() public {
        royaltyRun(1000, 10_000, "bob");
        assertEq(doClaim("r1", "m1", bytes4(0)), 1000, "the whole reward");
        checkBalance("alice", 0);
        checkBalance("bob", 1000);
        doClaim("r1", "m1", ContributionRegistry.AlreadyClaimed.selector);
    }

    /// openRun: BadConfig for more than 10000 basis points, or a royalty without a payee; a payee of
    /// no royalty, and the whole reward, are fine. Nothing is escrowed by a refused open.
    function test_a_royalty_beyond_the_reward_or_without_a_payee_is_bad_config() public {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1");
        o.quorum = 1;
        o.budget = 100;
        o.rate = 1;
        o.royalty = 10_001;
        o.royaltyTo = "bob";
        doOpen(o, ContributionRegistry.BadConfig.selector);
        o.royalty = type(uint16).max;
        doOpen(o, ContributionRegistry.BadConfig.selector);
        o.royalty = 1;
        o.royaltyTo = "";
        doOpen(o, ContributionRegistry.BadConfig.selector);
        checkBalance("coordinator", 1000);
        o.royalty = 0;
        o.royaltyTo = "bob";
        doOpen(o, bytes4(0));
        o.run = "r2";
        o.royalty = 10_000;
        doOpen(o, bytes4(0));
        checkBalance("coordinator", 800);
    }

    /// A royalty word above 16 bits is no uint16: the call reverts as malformed, not as BadConfig.
    function test_a_dirty_royalty_word_reverts() public {
        Open memory o = open("r1", "coordinator");
        o.royalty = 1;
        o.royaltyTo = "bob";
        ContributionRegistry.RunConfig memory c = config(o);
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        bytes memory sig = sign("coordinator", receiptHash(g), "valid");
        bytes memory data = abi.encodeCall(ContributionRegistry.openRun, (c, g, who("coordinator"), sig));
        // selector, 4 head words (config offset, 9 genesis words, coordinator, signature offset), then the config
        uint256 at = 4 + 32 * (1 + 9 + 2) + 32 * 7; // config word 7: royalty
        assertEq(uint256(bytes32(this.wordAt(data, at))), 1, "the royalty word");
        data[at + 29] = 0x01; // 0x10001: a value no uint16 holds
        (bool ok, bytes memory err) = address(reg).call(data);
        assertTrue(!ok && err.length == 0, "reverts without a reason");
    }

    function wordAt(bytes calldata data, uint256 at) external pure returns (bytes32) {
        return bytes32(data[at:at + 32]);
    }

    // ---- closing, the claim window and the returned budget ----

    /// A rewarded run (budget 500, rate 10, claim window `window`) with alice's m1 attested 3 and 5
    /// (a claim pays 4 points x 10 = 40).
    function attestedWithWindow(uint64 window) internal {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = 500;
        o.rate = 10;
        o.window = window;
        doOpen(o, bytes4(0));
        commitEvals();
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        doAttest("r1", "m1", "v1", 3, "valid", bytes4(0));
        doAttest("r1", "m1", "v2", 5, "valid", bytes4(0));
    }

    /// RunClosedBy carries the close's block timestamp, which `runs` also reads.
    function test_run_closed_by_carries_the_close_time() public {
        attestedWithWindow(60);
        vm.warp(1_700_000_000);
        vm.getRecordedLogs();
        bytes32 id = runId("r1");
        address coordinator = who("coordinator");
        bytes memory sig = sign("coordinator", keccak256(abi.encode(reg.CLOSE_RUN_TYPEHASH(), id)), "valid");
        reg.closeRun(id, coordinator, sig);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertEq(logs[0].topics.length, 3, "three topics");
        assertEq(logs[0].topics[0], ContributionRegistry.RunClosedBy.selector, "RunClosedBy");
        assertEq(logs[0].topics[1], id, "run id");
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(coordinator))), "coordinator");
        assertEq(abi.decode(logs[0].data, (uint64)), 1_700_000_000, "closedAt");
        ContributionRegistry.RunView memory run = reg.runs(id);
        (bool isOpen, uint64 claimWindow, uint64 closedAt) = (run.open, run.claimWindow, run.closedAt);
        assertTrue(!isOpen && claimWindow == 60 && closedAt == 1_700_000_000, "closed at, window kept");
    }

    /// Reclaim pays the coordinator exactly what is unpaid and emits BudgetReturned; a second
    /// reclaim, and a claim after it, find nothing to pay.
    function test_reclaim_returns_the_unpaid_budget_once() public {
        attestedWithWindow(0);
        doClose("r1", "coordinator", "valid", bytes4(0));
        bytes32 id = runId("r1");
        uint256 before = vnx.balanceOf(who("coordinator"));
        vm.prank(who("mallory")); // anyone may send it: the budget still goes to the coordinator
        uint256 amount = reg.reclaim(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        settle();
        assertEq(amount, 500, "the whole unpaid budget");
        assertEq(vnx.balanceOf(who("coordinator")) - before, 500, "paid to the coordinator");
        assertEq(vnx.balanceOf(address(reg)), 0, "escrow empty");
        checkBalance("mallory", 0);
        bool found;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(reg) || logs[i].topics[0] != ContributionRegistry.BudgetReturned.selector) {
                continue;
            }
            assertEq(logs[i].topics[1], id, "run id");
            assertEq(logs[i].topics[2], bytes32(uint256(uint160(who("coordinator")))), "coordinator");
            assertEq(abi.decode(logs[i].data, (uint256)), 500, "amount");
            found = true;
        }
        assertTrue(found, "BudgetReturned emitted");
        checkPaid("r1", 500); // what left the escrow, as Java's Run.paid
        doReclaim("r1", ContributionRegistry.NothingToPay.selector);
        doClaim("r1", "m1", ContributionRegistry.NothingToPay.selector);
        checkBalance("alice", 0);
    }

    /// After a claim, reclaim returns only the rest.
    function test_reclaim_returns_what_the_claims_left() public {
        attestedWithWindow(0);
        assertEq(doClaim("r1", "m1", bytes4(0)), 40, "4 points x 10");
        doClose("r1", "coordinator", "valid", bytes4(0));
        assertEq(doReclaim("r1", bytes4(0)), 460, "500 - 40");
        checkBalance("coordinator", 960);
        checkBalance("alice", 40);
        assertEq(vnx.balanceOf(address(reg)), 0, "escrow empty");
    }

    /// Within the window a claim still pays and reclaim is ClaimWindowOpen, up to the last second;
    /// from closedAt + window on it returns the rest. An open run is RunOpen, an unknown one RunUnknown.
    function test_reclaim_waits_for_the_claim_window() public {
        doReclaim("r9", ContributionRegistry.RunUnknown.selector);
        attestedWithWindow(3600);
        doReclaim("r1", ContributionRegistry.RunOpen.selector);
        vm.warp(1_000_000);
        doClose("r1", "coordinator", "valid", bytes4(0));
        doReclaim("r1", ContributionRegistry.ClaimWindowOpen.selector);
        vm.warp(1_000_000 + 3599);
        doReclaim("r1", ContributionRegistry.ClaimWindowOpen.selector);
        assertEq(doClaim("r1", "m1", bytes4(0)), 40, "a claim within the window pays");
        vm.warp(1_000_000 + 3600);
        assertEq(doReclaim("r1", bytes4(0)), 460, "the rest returns once the window has passed");
        checkBalance("coordinator", 960);
    }

    /// A claim after the window but before any reclaim still pays.
    function test_a_claim_after_the_window_pays_until_a_reclaim() public {
        attestedWithWindow(60);
        doClose("r1", "coordinator", "valid", bytes4(0));
        vm.warp(block.timestamp + 1 days);
        assertEq(doClaim("r1", "m1", bytes4(0)), 40, "still paid");
        assertEq(doReclaim("r1", bytes4(0)), 460, "the rest");
    }

    /// The largest window cannot overflow: closedAt + 2^64 - 1 is far in the future, not in the past.
    function test_the_largest_window_never_ends() public {
        attestedWithWindow(type(uint64).max);
        vm.warp(type(uint64).max);
        doClose("r1", "coordinator", "valid", bytes4(0));
        vm.warp(type(uint64).max + uint256(type(uint64).max) - 1);
        doReclaim("r1", ContributionRegistry.ClaimWindowOpen.selector);
        vm.warp(type(uint64).max + uint256(type(uint64).max));
        assertEq(doReclaim("r1", bytes4(0)), 500, "at exactly closedAt + window");
    }

    // ---- run ids ----

    /// A copier of the coordinator's pending genesis cannot take its run id: re-signed as is, the
    /// genesis names the coordinator (WrongSigner); naming itself, the copier must also name the id
    /// derived from its own address (BadRunId otherwise) and so opens another run. The coordinator's
    /// genesis still opens the coordinator's run.
    function test_a_copier_of_a_genesis_opens_another_run_id() public {
        Open memory o = open("r1", "coordinator");
        ContributionRegistry.RunConfig memory c = config(o);
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        bytes memory coordinatorSig = sign("coordinator", receiptHash(g), "valid");
        address mallory = who("mallory");

        bytes memory resigned = sign("mallory", receiptHash(g), "valid");
        vm.expectRevert(ContributionRegistry.WrongSigner.selector);
        reg.openRun(c, g, mallory, resigned);

        ContributionRegistry.Receipt memory copy = abi.decode(abi.encode(g), (ContributionRegistry.Receipt));
        copy.contributor = mallory;
        bytes memory copySig = sign("mallory", receiptHash(copy), "valid");
        vm.expectRevert(ContributionRegistry.BadRunId.selector);
        reg.openRun(c, copy, mallory, copySig); // the victim's run id

        copy.runId = derivedRunId(mallory, c);
        assertTrue(copy.runId != g.runId, "the copier's terms derive another run id");
        reg.openRun(c, copy, mallory, sign("mallory", receiptHash(copy), "valid"));
        reg.openRun(c, g, who("coordinator"), coordinatorSig);
        address victimRun = reg.runs(g.runId).coordinator;
        address copierRun = reg.runs(copy.runId).coordinator;
        assertEq(victimRun, who("coordinator"), "the coordinator's run");
        assertEq(copierRun, mallory, "the copier's own run");
    }

    /// The nonce is part of the terms: the config hash covers it, so one coordinator opens two runs
    /// of otherwise equal terms under two derived ids.
    function test_the_config_hash_covers_the_nonce() public {
        ContributionRegistry.RunConfig memory c = config(open("r1", "coordinator"));
        ContributionRegistry.RunConfig memory other = config(open("r2", "coordinator"));
        assertTrue(c.nonce != other.nonce, "nonces differ");
        assertEq(reg.configHash(other), configHashOf(other), "configHash with another nonce");
        assertTrue(reg.configHash(c) != reg.configHash(other), "the nonce is covered");
        doOpen(open("r1", "coordinator"), bytes4(0));
        doOpen(open("r2", "coordinator"), bytes4(0));
        assertTrue(runId("r1") != runId("r2"), "two run ids");
        checkCoordinator("r1", "coordinator");
        checkCoordinator("r2", "coordinator");
    }

    /// A genesis naming the right id for other terms (a nonce it was not signed with) is a
    /// ConfigMismatch before it is a BadRunId: the data binds the terms, the id binds data and signer.
    function test_a_genesis_for_other_terms_is_a_config_mismatch() public {
        Open memory o = open("r1", "coordinator");
        ContributionRegistry.RunConfig memory c = config(o);
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        bytes memory sig = sign("coordinator", receiptHash(g), "valid");
        c.nonce = h("run:r2");
        address coordinator = who("coordinator");
        vm.expectRevert(ContributionRegistry.ConfigMismatch.selector);
        reg.openRun(c, g, coordinator, sig);
    }

    // ---- openRun details ----

    function test_rejects_a_zero_validator() public {
        ContributionRegistry.RunConfig memory c = config(open("r1", "coordinator"));
        c.validators = new address[](1);
        Open memory o = open("r1", "coordinator");
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        bytes memory sig = sign("coordinator", receiptHash(g), "valid");
        address coordinator = who("coordinator");
        vm.expectRevert(ContributionRegistry.BadConfig.selector);
        reg.openRun(c, g, coordinator, sig);
    }

    function test_rejects_an_unknown_mode() public {
        Open memory o = open("r1", "coordinator");
        o.mode = 3;
        doOpen(o, ContributionRegistry.BadConfig.selector);
    }

    function test_config_hash_matches_the_java_formula() public view {
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        o.commitReveal = true;
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = 500;
        o.rate = 10;
        ContributionRegistry.RunConfig memory c = config(o);
        assertEq(reg.configHash(c), configHashOf(c), "configHash");
        o.admitted = list("alice", "bob");
        ContributionRegistry.RunConfig memory admitting = config(o);
        assertEq(reg.configHash(admitting), configHashOf(admitting), "configHash with admissions");
        assertTrue(reg.configHash(admitting) != reg.configHash(c), "the admitted list is covered");
        o.window = 86400;
        ContributionRegistry.RunConfig memory windowed = config(o);
        assertEq(reg.configHash(windowed), configHashOf(windowed), "configHash with a claim window");
        assertTrue(reg.configHash(windowed) != reg.configHash(admitting), "the claim window is covered");
        // the formula spelled out once more, word by word, as Java's RunConfig.hash() writes it
        bytes memory words = abi.encodePacked(
            uint256(1),
            uint256(1),
            uint256(2),
            uint256(500),
            uint256(10),
            uint256(86400),
            keccak256(abi.encodePacked(uint256(uint160(who("v1"))), uint256(uint160(who("v2"))))),
            keccak256(abi.encodePacked(uint256(uint160(who("alice"))), uint256(uint160(who("bob"))))),
            sha256("run:r1")
        );
        assertEq(reg.configHash(windowed), keccak256(words), "nine words without a royalty");
        o.royaltyTo = "v4";
        ContributionRegistry.RunConfig memory payee = config(o);
        assertEq(reg.configHash(payee), configHashOf(payee), "configHash with a royalty payee");
        // with a royalty, its payee and basis points are words 7 and 8
        bytes memory royalWords = abi.encodePacked(
            uint256(1),
            uint256(1),
            uint256(2),
            uint256(500),
            uint256(10),
            uint256(86400),
            uint256(uint160(who("v4"))),
            uint256(0),
            keccak256(abi.encodePacked(uint256(uint160(who("v1"))), uint256(uint160(who("v2"))))),
            keccak256(abi.encodePacked(uint256(uint160(who("alice"))), uint256(uint160(who("bob"))))),
            sha256("run:r1")
        );
        assertEq(reg.configHash(payee), keccak256(royalWords), "eleven words with a royalty");
        assertTrue(reg.configHash(payee) != reg.configHash(windowed), "the royalty's payee is covered");
        o.royalty = 1;
        ContributionRegistry.RunConfig memory royal = config(o);
        assertEq(reg.configHash(royal), configHashOf(royal), "configHash with a royalty");
        assertTrue(reg.configHash(royal) != reg.configHash(payee), "the royalty is covered");
    }

    /// The spec's two words (spec, basis points) follow the royalty's when either is non-zero, and
    /// take the royalty's place without one; terms without either hash as before.
    function test_config_hash_with_a_spec_matches_the_java_formula() public view {
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        o.commitReveal = true;
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = 500;
        o.rate = 10;
        o.admitted = list("alice", "bob");
        o.window = 86400;
        (o.royaltyTo, o.royalty) = ("v4", 1);
        // a spec (its royalty 0): its two words follow the royalty's, or the six first words
        bytes memory validatorsWord =
            abi.encode(keccak256(abi.encodePacked(uint256(uint160(who("v1"))), uint256(uint160(who("v2"))))));
        bytes memory tail = bytes.concat(
            validatorsWord,
            abi.encode(
                keccak256(abi.encodePacked(uint256(uint160(who("alice"))), uint256(uint160(who("bob"))))),
                sha256("run:r1")
            )
        );
        bytes memory six = abi.encode(uint256(1), uint256(1), uint256(2), uint256(500), uint256(10), uint256(86400));
        o.spec = "s1";
        ContributionRegistry.RunConfig memory both = config(o);
        assertEq(
            reg.configHash(both),
            keccak256(
                bytes.concat(six, abi.encode(uint256(uint160(who("v4"))), uint256(1), sha256("s1"), uint256(0)), tail)
            ),
            "thirteen words with a royalty and a spec"
        );
        assertEq(reg.configHash(both), configHashOf(both), "configHash with a royalty and a spec");
        (o.royaltyTo, o.royalty, o.specRoyalty) = ("", 0, 9);
        ContributionRegistry.RunConfig memory specOnly = config(o);
        assertEq(
            reg.configHash(specOnly),
            keccak256(bytes.concat(six, abi.encode(sha256("s1"), uint256(9)), tail)),
            "eleven words with a spec and no royalty: the spec's words in the royalty's place"
        );
        assertEq(reg.configHash(specOnly), configHashOf(specOnly), "configHash with a spec");
        o.spec = "";
        ContributionRegistry.RunConfig memory royaltyOfNoSpec = config(o); // BadConfig, yet hashed
        assertEq(
            reg.configHash(royaltyOfNoSpec),
            keccak256(bytes.concat(six, abi.encode(bytes32(0), uint256(9)), tail)),
            "a spec royalty alone still names the group"
        );
        o.specRoyalty = 0;
        assertEq(
            reg.configHash(config(o)), keccak256(bytes.concat(six, tail)), "no royalty and no spec: nine words"
        );
    }

    // ---- mint and token ----

    function test_mint_rejects_amounts_from_two_to_the_255() public {
        doMint("alice", 2 ** 255 - 1, bytes4(0));
        doMint("bob", 2 ** 255, ContributionRegistry.BadAmount.selector);
    }

    function test_mint_is_for_the_owner_only() public {
        address mallory = who("mallory");
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, mallory));
        reg.mint(mallory, 1);
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, mallory));
        vnx.mint(mallory, 1);
    }

    function test_token_registry_is_set_once() public {
        vm.expectRevert(VNXToken.RegistryAlreadySet.selector);
        vnx.setRegistry(address(1));
        VNXToken fresh = new VNXToken();
        vm.expectRevert(VNXToken.ZeroRegistry.selector);
        fresh.setRegistry(address(0));
    }

    /// Only the registry escrows without an allowance, and only into itself; its transferFrom needs
    /// an allowance like anyone's.
    function test_only_the_registry_escrows_and_only_into_itself() public {
        doMint("alice", 10, bytes4(0));
        address alice = who("alice");
        address bob = who("bob");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, bob));
        vnx.escrowFrom(alice, 10);
        vm.prank(address(reg));
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(reg), 0, 10));
        vnx.transferFrom(alice, bob, 10);
        vm.prank(address(reg));
        vnx.escrowFrom(alice, 10);
        assertEq(vnx.balanceOf(address(reg)), 10, "escrowed into the registry");
        assertEq(vnx.decimals(), 18, "decimals");
    }
}
