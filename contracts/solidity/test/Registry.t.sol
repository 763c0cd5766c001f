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
    function openChained(bool commitReveal, uint256 budget) internal {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.commitReveal = commitReveal;
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = budget;
        o.rate = 10;
        doOpen(o, bytes4(0));
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
        (address coordinator,,,,,,,,,) = reg.runs(g.runId);
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

    /// RunOpened carries the admitted list after the validators, then the nonce (Java's EventIndex
    /// rebuilds the terms from it).
    function test_run_opened_event_carries_the_admitted_list_and_the_nonce() public {
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1");
        o.admitted = list("alice", "bob");
        ContributionRegistry.RunConfig memory c = config(o);
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        bytes memory sig = sign("coordinator", receiptHash(g), "valid");
        vm.getRecordedLogs();
        reg.openRun(c, g, who("coordinator"), sig);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool found;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] != ContributionRegistry.RunOpened.selector) continue;
            (,,,,,, address[] memory validators, address[] memory admitted, bytes32 nonce) =
                abi.decode(logs[i].data, (bytes32, uint8, bool, uint8, uint256, uint256, address[], address[], bytes32));
            assertEq(validators.length, 1, "validators");
            assertEq(admitted.length, 2, "admitted");
            assertEq(admitted[0], who("alice"), "admitted[0]");
            assertEq(admitted[1], who("bob"), "admitted[1]");
            assertEq(nonce, h("run:r1"), "nonce");
            assertEq(logs[i].topics[1], derivedRunId(who("coordinator"), c), "run id");
            found = true;
        }
        assertTrue(found, "RunOpened emitted");
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
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        doAttest("r1", "m1", "v1", s1, "valid", bytes4(0));
        doAttest("r1", "m1", "v2", s2, "valid", bytes4(0));
    }

    /// The mean truncates toward zero: (-3 + 4) / 2 = 0 pays nothing, (3 + 4) / 2 = 3 pays 3 points.
    function test_mean_truncates_toward_zero() public {
        attested(-3, 4, 100, 10);
        doClaim("r1", "m1", ContributionRegistry.NothingToPay.selector);
        (, int192 sum,) = reg.tallyOf(runId("r1"), h("m1"));
        assertEq(int256(sum), 1, "sum");
    }

    function test_pays_mean_times_rate_to_the_contributor_whoever_calls() public {
        attested(3, 4, 100, 10);
        vm.prank(who("mallory"));
        uint256 amount = reg.claim(recorded("r1", "m1"));
        assertEq(amount, 30, "3 points x 10");
        checkBalance("alice", 30);
        checkBalance("mallory", 0);
        assertEq(vnx.balanceOf(address(reg)), 70, "escrow left");
        (,, bool claimed) = reg.tallyOf(runId("r1"), h("m1"));
        assertTrue(claimed, "claimed");
    }

    function test_an_overflowing_reward_is_capped_at_the_budget() public {
        attested(type(int64).max, type(int64).max, 1000, type(uint256).max);
        assertEq(doClaim("r1", "m1", bytes4(0)), 1000, "whole budget");
    }

    function test_extreme_scores_do_not_overflow_the_tally() public {
        attested(type(int64).min, type(int64).min, 1000, 1);
        (uint32 count, int192 sum,) = reg.tallyOf(runId("r1"), h("m1"));
        assertEq(count, 2, "count");
        assertEq(int256(sum), 2 * int256(type(int64).min), "sum");
        doClaim("r1", "m1", ContributionRegistry.NothingToPay.selector);
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
        (uint32 count,, bool claimed) = reg.tallyOf(r.runId, r.model);
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
        (address victimRun,,,,,,,,,) = reg.runs(g.runId);
        (address copierRun,,,,,,,,,) = reg.runs(copy.runId);
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
        // the formula spelled out once more, word by word, as Java's RunConfig.hash() writes it
        bytes memory words = abi.encodePacked(
            uint256(1),
            uint256(1),
            uint256(2),
            uint256(500),
            uint256(10),
            keccak256(abi.encodePacked(uint256(uint160(who("v1"))), uint256(uint160(who("v2"))))),
            keccak256(abi.encodePacked(uint256(uint160(who("alice"))), uint256(uint160(who("bob"))))),
            sha256("run:r1")
        );
        assertEq(reg.configHash(admitting), keccak256(words), "eight words");
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
