// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {RuleHarness} from "./utils/RuleHarness.sol";
import {Vm} from "./utils/Test.sol";

/// @notice Log anchors: the head of an embedded ledger's hash-chained log, recorded per (log, anchorer)
/// in an append-only list with strictly growing entry counts; the checks, the views and the event.
contract AnchorsTest is RuleHarness {
    bytes32 internal constant LOG = keccak256("ledger log of node alice");

    function doAnchor(string memory anchorer, bytes32 log, uint64 entries, bytes32 head, bytes4 expected) internal {
        address sender = who(anchorer);
        expectOrNot(expected);
        vm.prank(sender);
        reg.anchor(log, entries, head);
    }

    function checkAnchor(string memory anchorer, bytes32 log, uint256 index, uint64 entries, uint64 at, bytes32 head)
        internal
        view
    {
        (uint64 e, uint64 t, bytes32 hd) = reg.anchorAt(log, who(anchorer), index);
        assertEq(e, entries, "entries");
        assertEq(t, at, "at");
        assertEq(hd, head, "head");
    }

    // ---- anchoring and reading back ----

    function test_anchors_and_reads_them_back_in_order() public {
        assertEq(reg.anchorCount(LOG, who("alice")), 0, "no anchor yet");
        vm.warp(1_700_000_000);
        doAnchor("alice", LOG, 10, h("head 10"), bytes4(0));
        vm.warp(1_700_003_600);
        doAnchor("alice", LOG, 25, h("head 25"), bytes4(0));
        assertEq(reg.anchorCount(LOG, who("alice")), 2, "two anchors");
        checkAnchor("alice", LOG, 0, 10, 1_700_000_000, h("head 10"));
        checkAnchor("alice", LOG, 1, 25, 1_700_003_600, h("head 25"));
    }

    /// Entries and the timestamp share a slot: both extremes read back exactly.
    function test_reads_back_the_largest_entries_and_time() public {
        vm.warp(type(uint64).max);
        doAnchor("alice", LOG, type(uint64).max, bytes32(type(uint256).max), bytes4(0));
        checkAnchor("alice", LOG, 0, type(uint64).max, type(uint64).max, bytes32(type(uint256).max));
        doAnchor("alice", LOG, type(uint64).max, h("later"), ContributionRegistry.AnchorNotNewer.selector);
    }

    function testFuzz_reads_back_what_was_anchored(bytes32 log, uint64 entries, bytes32 head, uint64 at) public {
        vm.assume(entries > 0 && head != bytes32(0));
        vm.warp(at);
        doAnchor("alice", log, entries, head, bytes4(0));
        assertEq(reg.anchorCount(log, who("alice")), 1, "one anchor");
        checkAnchor("alice", log, 0, entries, at, head);
    }

    // ---- strictly increasing entries per anchorer ----

    function test_entries_must_exceed_the_last_anchor() public {
        doAnchor("alice", LOG, 10, h("head 10"), bytes4(0));
        doAnchor("alice", LOG, 10, h("head 10"), ContributionRegistry.AnchorNotNewer.selector); // the same again
        doAnchor("alice", LOG, 10, h("other 10"), ContributionRegistry.AnchorNotNewer.selector); // a rewrite
        doAnchor("alice", LOG, 9, h("head 9"), ContributionRegistry.AnchorNotNewer.selector);
        doAnchor("alice", LOG, 1, h("head 1"), ContributionRegistry.AnchorNotNewer.selector);
        assertEq(reg.anchorCount(LOG, who("alice")), 1, "still one anchor");
        checkAnchor("alice", LOG, 0, 10, 1, h("head 10"));
        doAnchor("alice", LOG, 11, h("head 11"), bytes4(0));
        doAnchor("alice", LOG, 12, h("head 12"), bytes4(0));
        doAnchor("alice", LOG, 11, h("head 11"), ContributionRegistry.AnchorNotNewer.selector); // the last counts
        assertEq(reg.anchorCount(LOG, who("alice")), 3, "three anchors");
        checkAnchor("alice", LOG, 2, 12, 1, h("head 12"));
    }

    /// A second anchor succeeds exactly when its entries exceed the first's.
    function testFuzz_second_anchor_needs_more_entries(uint64 first, uint64 second) public {
        vm.assume(first > 0 && second > 0);
        doAnchor("alice", LOG, first, h("first"), bytes4(0));
        bool newer = second > first;
        doAnchor("alice", LOG, second, h("second"), newer ? bytes4(0) : ContributionRegistry.AnchorNotNewer.selector);
        assertEq(reg.anchorCount(LOG, who("alice")), newer ? 2 : 1, "count");
    }

    /// A user who rewrote the log and anchors the rewrite cannot hide the earlier anchor: the rewritten
    /// head after the anchored entries can only be appended, later, and the first anchor stays.
    function test_a_later_anchor_of_a_rewritten_log_does_not_hide_an_earlier_one() public {
        doAnchor("alice", LOG, 100, h("original head 100"), bytes4(0));
        doAnchor("alice", LOG, 100, h("rewritten head 100"), ContributionRegistry.AnchorNotNewer.selector);
        doAnchor("alice", LOG, 120, h("rewritten head 120"), bytes4(0));
        (uint64 entries,, bytes32 head) = reg.anchorAt(LOG, who("alice"), 0);
        assertEq(entries, 100, "the earlier anchor's entries");
        assertEq(head, h("original head 100"), "the earlier anchor's head: the rewrite's differs");
        assertTrue(head != h("rewritten head 100"), "the rewrite is caught");
    }

    // ---- anchorers are independent ----

    function test_two_anchorers_of_one_log_are_independent() public {
        doAnchor("alice", LOG, 10, h("alice 10"), bytes4(0));
        doAnchor("bob", LOG, 5, h("bob 5"), bytes4(0)); // fewer than alice's: bob's own first anchor
        doAnchor("bob", LOG, 10, h("bob 10"), bytes4(0)); // as many as alice's, another head
        doAnchor("alice", LOG, 10, h("alice 10"), ContributionRegistry.AnchorNotNewer.selector);
        doAnchor("alice", LOG, 11, h("alice 11"), bytes4(0));
        doAnchor("alice", LOG, 12, h("alice 12"), bytes4(0));
        assertEq(reg.anchorCount(LOG, who("alice")), 3, "alice's anchors");
        assertEq(reg.anchorCount(LOG, who("bob")), 2, "bob's anchors");
        assertEq(reg.anchorCount(LOG, who("mallory")), 0, "mallory's anchors");
        checkAnchor("alice", LOG, 0, 10, 1, h("alice 10"));
        checkAnchor("bob", LOG, 0, 5, 1, h("bob 5"));
        checkAnchor("bob", LOG, 1, 10, 1, h("bob 10"));
        checkAnchor("alice", LOG, 2, 12, 1, h("alice 12"));
    }

    function test_logs_of_one_anchorer_are_independent() public {
        bytes32 other = keccak256("another log");
        doAnchor("alice", LOG, 10, h("log 10"), bytes4(0));
        doAnchor("alice", other, 3, h("other 3"), bytes4(0));
        assertEq(reg.anchorCount(LOG, who("alice")), 1, "first log");
        assertEq(reg.anchorCount(other, who("alice")), 1, "other log");
        checkAnchor("alice", other, 0, 3, 1, h("other 3"));
    }

    // ---- BadAnchor ----

    function test_rejects_an_anchor_of_no_entries_or_a_zero_head() public {
        doAnchor("alice", LOG, 0, h("head"), ContributionRegistry.BadAnchor.selector);
        doAnchor("alice", LOG, 5, bytes32(0), ContributionRegistry.BadAnchor.selector);
        doAnchor("alice", LOG, 0, bytes32(0), ContributionRegistry.BadAnchor.selector);
        assertEq(reg.anchorCount(LOG, who("alice")), 0, "nothing anchored");
        doAnchor("alice", LOG, 5, h("head 5"), bytes4(0));
        // BadAnchor is checked before AnchorNotNewer
        doAnchor("alice", LOG, 0, h("head"), ContributionRegistry.BadAnchor.selector);
        doAnchor("alice", LOG, 3, bytes32(0), ContributionRegistry.BadAnchor.selector);
        doAnchor("alice", LOG, 6, bytes32(0), ContributionRegistry.BadAnchor.selector);
        assertEq(reg.anchorCount(LOG, who("alice")), 1, "one anchor");
    }

    // ---- out of range ----

    function test_reading_beyond_the_anchors_is_no_such_anchor() public {
        address alice = who("alice");
        vm.expectRevert(ContributionRegistry.NoSuchAnchor.selector);
        reg.anchorAt(LOG, alice, 0);
        doAnchor("alice", LOG, 10, h("head 10"), bytes4(0));
        reg.anchorAt(LOG, alice, 0);
        vm.expectRevert(ContributionRegistry.NoSuchAnchor.selector);
        reg.anchorAt(LOG, alice, 1);
        vm.expectRevert(ContributionRegistry.NoSuchAnchor.selector);
        reg.anchorAt(LOG, alice, type(uint256).max);
        address bob = who("bob");
        vm.expectRevert(ContributionRegistry.NoSuchAnchor.selector);
        reg.anchorAt(LOG, bob, 0); // bob anchored nothing
    }

    // ---- the event ----

    function test_anchored_event_names_the_log_the_sender_the_entries_and_the_head() public {
        vm.getRecordedLogs();
        doAnchor("alice", LOG, 42, h("head 42"), bytes4(0));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertEq(logs[0].emitter, address(reg), "the registry");
        assertEq(logs[0].topics.length, 3, "three topics");
        assertEq(logs[0].topics[0], ContributionRegistry.Anchored.selector, "Anchored");
        assertEq(logs[0].topics[1], LOG, "log");
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(who("alice")))), "anchorer");
        (uint64 entries, bytes32 head) = abi.decode(logs[0].data, (uint64, bytes32));
        assertEq(entries, 42, "entries");
        assertEq(head, h("head 42"), "head");
    }

    function test_a_rejected_anchor_emits_nothing() public {
        doAnchor("alice", LOG, 42, h("head 42"), bytes4(0));
        vm.getRecordedLogs();
        doAnchor("alice", LOG, 42, h("head 42"), ContributionRegistry.AnchorNotNewer.selector);
        assertEq(vm.getRecordedLogs().length, 0, "no event");
    }
}
