// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {RuleHarness} from "./utils/RuleHarness.sol";
import {Vm} from "./utils/Test.sol";

/// @notice Model specs and spec royalties beyond the shared vectors: the publication's commitment
/// from an earlier block (not the same one), its signature rules and event, the raw slots a run's
/// spec takes (and does not take without one), the claim's events and their order, a cut that
/// rounds to nothing, a spec royalty of the whole reward, a spec named without a royalty, and a
/// dirty spec royalty word.
contract SpecsTest is RuleHarness {
    /// `_runs` in the registry's storage layout (`forge inspect ContributionRegistry storageLayout`):
    /// the tests that read raw slots check the packing the gas notes rely on.
    uint256 internal constant RUNS_SLOT = 3;

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
    }

    /// Word `word` of run `run`'s struct: 0 the first slot, 8 the author and the spec royalty, 9 the spec.
    function runSlot(string memory run, uint256 word) internal view returns (uint256) {
        bytes32 base = keccak256(abi.encode(runId(run), RUNS_SLOT));
        return uint256(vm.load(address(reg), bytes32(uint256(base) + word)));
    }

    /// dave commits to spec "s1" and publishes it in the next block.
    function published() internal {
        doCommitSpec("dave", "s1", bytes4(0));
        doPublish("s1", "dave", "", "valid", bytes4(0));
    }

    /// r1: a chained run of budget and rate `amount` (scores of 1 earn it all), a royalty of `royalty`
    /// to bob and a spec royalty of `specRoyalty` for spec "s1" (dave's, published) unless `spec` is
    /// false; alice's m1, attested.
    function attested(uint256 amount, uint16 royalty, bool spec, uint16 specRoyalty) internal {
        doMint("coordinator", amount, bytes4(0));
        published();
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = amount;
        o.rate = amount;
        (o.royalty, o.royaltyTo) = (royalty, "bob");
        if (spec) (o.spec, o.specRoyalty) = ("s1", specRoyalty);
        doOpen(o, bytes4(0));
        doCommitEval("v1", "eval", bytes4(0));
        doCommitEval("v2", "eval", bytes4(0));
        doSubmit(sub("r1", "alice", "m1"), bytes4(0));
        doAttest("r1", "m1", "v1", 1, "valid", bytes4(0));
        doAttest("r1", "m1", "v2", 1, "valid", bytes4(0));
    }

    // ---- publish ----

    /// The commitment must be from an earlier block: one in the publication's own block is NoCommit
    /// (a copier who sees the pending publication can commit only in its block or later). The
    /// next block's publication records the author and emits SpecPublished(spec, author); anyone
    /// may relay it.
    function test_a_publication_needs_a_commitment_from_an_earlier_block() public {
        (bytes32 spec, address dave) = (h("s1"), who("dave"));
        bytes memory sig = sign("dave", publicationHash(spec, dave), "valid");
        reg.commit(keccak256(abi.encodePacked(spec, dave))); // anyone may send a commitment
        vm.expectRevert(ContributionRegistry.NoCommit.selector);
        reg.publish(spec, dave, sig);
        vm.roll(block.number + 1);
        vm.getRecordedLogs();
        vm.prank(who("mallory")); // a relayer: the author is the signer
        reg.publish(spec, dave, sig);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertEq(logs[0].topics[0], ContributionRegistry.SpecPublished.selector, "SpecPublished");
        assertEq(logs[0].topics[1], spec, "spec");
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(dave))), "author");
        assertEq(logs[0].data.length, 0, "no data");
        assertEq(reg.authorOf(spec), dave, "authorOf");
        assertEq(reg.authorOf(h("s2")), address(0), "an unpublished spec has no author");
        vm.expectRevert(ContributionRegistry.SpecExists.selector);
        reg.publish(spec, dave, sig); // the same publication again
    }

    /// The signature rules of every signed call: length, v, high s, zero r, then the claimed author
    /// (another key, chain or contract recovers someone else); all before the commitment's check.
    function test_a_publication_takes_the_signature_rules_before_the_commitment() public {
        string[7] memory modes = ["short", "v-raw", "high-s", "zero-r", "wrong-key", "wrong-chain", "wrong-contract"];
        bytes4[7] memory errors = [
            ContributionRegistry.SignatureLength.selector,
            ContributionRegistry.SignatureV.selector,
            ContributionRegistry.SignatureHighS.selector,
            ContributionRegistry.SignatureInvalid.selector,
            ContributionRegistry.WrongSigner.selector,
            ContributionRegistry.WrongSigner.selector,
            ContributionRegistry.WrongSigner.selector
        ];
        for (uint256 i = 0; i < modes.length; ++i) {
            doPublish("s1", "dave", "", modes[i], errors[i]); // no commitment either
        }
        doPublish("s1", "dave", "", "valid", ContributionRegistry.NoCommit.selector);
        checkAuthor("s1", "zero");
    }

    // ---- openRun ----

    /// A spec royalty writes the flag into the first slot's last byte and the author with the basis
    /// points into one slot; the spec has its own. The first slot's other fields are untouched.
    function test_a_spec_royalty_fills_the_first_slots_last_byte_and_two_slots() public {
        attested(1000, 700, true, 300);
        uint256 first = runSlot("r1", 0);
        assertEq(first >> 248, 1, "paysAuthor in the last byte");
        assertEq((first >> 232) & 0xffff, 700, "the royalty beside it");
        assertEq(address(uint160(first)), who("coordinator"), "coordinator");
        assertEq(runSlot("r1", 8), uint256(uint160(who("dave"))) | (uint256(300) << 160), "author | specRoyalty");
        assertEq(runSlot("r1", 9), uint256(h("s1")), "spec");
        ContributionRegistry.RunView memory v = reg.runs(runId("r1"));
        assertEq(v.spec, h("s1"), "runs: spec");
        assertEq(v.specRoyalty, 300, "runs: spec royalty");
    }

    /// A run without a spec writes none of it: the flag clear, both slots empty. A run naming a spec
    /// without a royalty writes the spec's slot only.
    function test_a_run_without_a_spec_royalty_writes_no_author() public {
        attested(1000, 700, false, 0);
        assertEq(runSlot("r1", 0) >> 248, 0, "no flag");
        assertEq(runSlot("r1", 8), 0, "no author slot");
        assertEq(runSlot("r1", 9), 0, "no spec slot");
        Open memory o = open("r2", "coordinator");
        o.spec = "s1";
        doOpen(o, bytes4(0));
        assertEq(runSlot("r2", 0) >> 248, 0, "no flag without a spec royalty");
        assertEq(runSlot("r2", 8), 0, "no author slot without a spec royalty");
        assertEq(runSlot("r2", 9), uint256(h("s1")), "the spec");
    }

    /// A spec royalty without a spec is BadConfig even if someone published the zero spec (a spec
    /// of zero is none); the checks before SpecUnknown all give BadConfig; SpecUnknown comes before
    /// InsufficientBalance.
    function test_the_spec_checks_and_their_order() public {
        vm.prank(who("mallory")); // the zero spec (no name hashes to it): committed by hand
        reg.commit(keccak256(abi.encodePacked(bytes32(0), who("mallory"))));
        settle();
        bytes memory sig = sign("mallory", publicationHash(bytes32(0), who("mallory")), "valid");
        reg.publish(bytes32(0), who("mallory"), sig);
        assertEq(reg.authorOf(bytes32(0)), who("mallory"), "the zero spec has an author");
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1");
        o.quorum = 1;
        o.specRoyalty = 1;
        doOpen(o, ContributionRegistry.BadConfig.selector);
        o.spec = "s1"; // unpublished
        o.mode = 3; // and an unknown mode: BadConfig first
        doOpen(o, ContributionRegistry.BadConfig.selector);
        o.mode = 0;
        o.budget = 100; // more than the coordinator holds: SpecUnknown first
        doOpen(o, ContributionRegistry.SpecUnknown.selector);
        published();
        doOpen(o, ContributionRegistry.InsufficientBalance.selector);
        (o.royalty, o.royaltyTo, o.specRoyalty) = (9999, "bob", 2);
        doOpen(o, ContributionRegistry.BadConfig.selector);
        (o.specRoyalty, o.budget) = (1, 0);
        doOpen(o, bytes4(0));
    }

    /// A spec royalty word above 16 bits is no uint16: the call reverts as malformed, not BadConfig.
    function test_a_dirty_spec_royalty_word_reverts() public {
        published();
        Open memory o = open("r1", "coordinator");
        (o.spec, o.specRoyalty) = ("s1", 1);
        ContributionRegistry.RunConfig memory c = config(o);
        ContributionRegistry.Receipt memory g = genesisOf(o, c);
        bytes memory sig = sign("coordinator", receiptHash(g), "valid");
        bytes memory data = abi.encodeCall(ContributionRegistry.openRun, (c, g, who("coordinator"), sig));
        // selector, 4 head words (config offset, 9 genesis words, coordinator, signature offset), then the config
        uint256 at = 4 + 32 * (1 + 9 + 2) + 32 * 9; // config word 9: specRoyalty
        assertEq(uint256(bytes32(this.wordAt(data, at))), 1, "the spec royalty word");
        data[at + 29] = 0x01; // 0x10001: a value no uint16 holds
        (bool ok, bytes memory err) = address(reg).call(data);
        assertTrue(!ok && err.length == 0, "reverts without a reason");
    }

    function wordAt(bytes calldata data, uint256 at) external pure returns (bytes32) {
        return bytes32(data[at:at + 32]);
    }

    // ---- claim ----

    /// The events: RewardClaimed (the contributor's part), RoyaltyPaid, AuthorPaid (update id,
    /// author, amount), DataPaid, in that order, then the transfers.
    function test_the_claim_announces_the_author_after_the_royalty_and_before_the_data_owners() public {
        attested(1000, 1000, true, 500);
        doGrant(grantCall("g1", "carol", "d1", 100), bytes4(0));
        doCite("r1", "m1", "g1", 50, "", "valid", bytes4(0));
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        vm.getRecordedLogs();
        assertEq(reg.claim(r), 1000, "the whole reward");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32[4] memory want = [
            ContributionRegistry.RewardClaimed.selector,
            ContributionRegistry.RoyaltyPaid.selector,
            ContributionRegistry.AuthorPaid.selector,
            ContributionRegistry.DataPaid.selector
        ];
        uint256 n;
        uint256 firstTransfer = type(uint256).max;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(reg)) {
                if (firstTransfer == type(uint256).max) firstTransfer = i;
                continue;
            }
            assertTrue(n < 4 && i < firstTransfer, "four registry events, before the transfers");
            assertEq(logs[i].topics[0], want[n], "event order");
            ++n;
            if (logs[i].topics[0] != ContributionRegistry.AuthorPaid.selector) continue;
            assertEq(logs[i].topics.length, 3, "AuthorPaid: two indexed");
            assertEq(logs[i].topics[1], updateIdOf(r), "AuthorPaid: update id");
            assertEq(logs[i].topics[2], bytes32(uint256(uint160(who("dave")))), "AuthorPaid: author");
            assertEq(abi.decode(logs[i].data, (uint256)), 50, "AuthorPaid: amount");
        }
        assertEq(n, 4, "four events");
        checkBalance("bob", 100);
        checkBalance("dave", 50);
        checkBalance("carol", 425); // 850 x 10000 x 50 / (10000 x 100)
        checkBalance("alice", 425);
    }

    /// At 1 basis point, 9999 wei pay the author nothing (0.9999 rounded down): no AuthorPaid.
    function test_a_spec_royalty_below_one_wei_pays_the_author_nothing() public {
        attested(9999, 0, true, 1);
        vm.getRecordedLogs();
        assertEq(doClaim("r1", "m1", bytes4(0)), 9999, "the whole reward");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != ContributionRegistry.AuthorPaid.selector, "no AuthorPaid");
        }
        checkBalance("alice", 9999);
        checkBalance("dave", 0);
    }

    /// A spec royalty of the whole reward leaves the contributor nothing (its RewardClaimed says 0).
    function test_a_spec_royalty_of_10000_pays_the_author_everything() public {
        attested(1000, 0, true, 10_000);
        assertEq(doClaim("r1", "m1", bytes4(0)), 1000, "the whole reward");
        checkBalance("dave", 1000);
        checkBalance("alice", 0);
    }

    /// A run naming a spec without a royalty pays the contributor and the royalty payee only.
    function test_a_spec_without_a_royalty_pays_its_author_nothing() public {
        attested(1000, 2500, true, 0);
        assertEq(doClaim("r1", "m1", bytes4(0)), 1000, "the whole reward");
        checkBalance("bob", 250);
        checkBalance("dave", 0);
        checkBalance("alice", 750);
    }
}
