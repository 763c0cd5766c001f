// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {RuleHarness} from "./utils/RuleHarness.sol";

/// @notice The calls whose gas the README reports. Run with `forge test --isolate --gas-report`
/// (isolation makes each registry call its own transaction: 21k base, calldata, cold storage), and
/// see script/GasOnAnvil.s.sol for the same calls as real anvil transactions.
contract GasTest is RuleHarness {
    function setUp() public override {
        super.setUp();
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.mode = 1; // data parallel: many LOCAL updates from one global model
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = 1000;
        o.rate = 10;
        doOpen(o, bytes4(0));
        doCommitEval("v1", "eval", bytes4(0)); // the validators' eval sets, committed before they attest
        doCommitEval("v2", "eval", bytes4(0));
    }

    function test_gas_single_submit() public {
        Sub memory s = sub("r1", "alice", "m1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
    }

    /// The coordinator picks alice's LOCAL (Krum): an AGGREGATE of the same model, in its global slot.
    function test_gas_aggregate_picking_a_local() public {
        Sub memory s = sub("r1", "alice", "m1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
        Sub memory pick = sub("r1", "coordinator", "m1");
        pick.kind = 3;
        doSubmit(pick, bytes4(0));
    }

    /// A CHAINED update on a CHAINED one: its parent is no global model, so the lookup reads the
    /// parent's global slot, then its contribution slot.
    function test_gas_chained_submit_on_a_chained_parent() public {
        Open memory o = open("r2", "coordinator");
        doOpen(o, bytes4(0));
        doSubmit(sub("r2", "alice", "c1"), bytes4(0));
        Sub memory s = sub("r2", "bob", "c2");
        s.parent = "c1";
        s.seq = 2;
        doSubmit(s, bytes4(0));
    }

    /// One more cold read than a submit to an open run: the contributor's admission.
    function test_gas_submit_to_a_run_with_admissions() public {
        Open memory o = open("r2", "coordinator");
        o.mode = 1;
        o.admitted = list("alice");
        doOpen(o, bytes4(0));
        Sub memory s = sub("r2", "alice", "m1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
    }

    /// The coordinator's signed admission of a new node: one new slot and the Admitted event.
    function test_gas_admit() public {
        Open memory o = open("r2", "coordinator");
        o.mode = 1;
        o.admitted = list("alice");
        doOpen(o, bytes4(0));
        doAdmit("r2", "coordinator", "bob", "valid", bytes4(0));
        assertTrue(reg.admits(runId("r2"), who("bob")), "bob admitted");
    }

    function test_gas_batch_of_100() public {
        uint256 n = 100;
        ContributionRegistry.Receipt[] memory rs = new ContributionRegistry.Receipt[](n);
        address[] memory contributors = new address[](n);
        bytes[] memory sigs = new bytes[](n);
        for (uint256 i = 0; i < n; ++i) {
            Sub memory s = sub("r1", i % 2 == 0 ? "alice" : "bob", string.concat("l", vm.toString(i)));
            s.kind = 2;
            rs[i] = receiptOf(s);
            sigs[i] = sign(s.signer, receiptHash(rs[i]), "valid");
            contributors[i] = who(s.signer);
        }
        reg.submitBatch(rs, contributors, sigs);
        (bool exists,,,) = reg.updateOf(runId("r1"), h("l99"));
        assertTrue(exists, "last of the batch recorded");
    }

    /// The coordinator closes the run (the close time's new slot), then its unpaid budget returns.
    function test_gas_close_and_reclaim() public {
        doClose("r1", "coordinator", "valid", bytes4(0));
        assertEq(doReclaim("r1", bytes4(0)), 1000, "the whole budget");
    }

    /// A node anchors its embedded ledger's log: the first anchor (its list's slot and its own two),
    /// then a later one (its own two slots).
    function test_gas_anchor_first_and_later() public {
        reg.anchor(h("ledger log"), 100, h("head after 100 entries"));
        reg.anchor(h("ledger log"), 200, h("head after 200 entries"));
        assertEq(reg.anchorCount(h("ledger log"), address(this)), 2, "two anchors");
    }

    function test_gas_attest_and_claim_to_a_new_holder() public {
        Sub memory s = sub("r1", "alice", "m1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
        doAttest("r1", "m1", "v1", 5, "valid", bytes4(0));
        doAttest("r1", "m1", "v2", 7, "valid", bytes4(0));
        assertEq(doClaim("r1", "m1", bytes4(0)), 60, "median (5 + 7) / 2 = 6 x 10");
    }

    /// A run paying bob a royalty of 10%: the claim reads the payee's slot and makes two transfers.
    function test_gas_claim_with_a_royalty() public {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r2", "coordinator");
        o.mode = 1;
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = 1000;
        o.rate = 10;
        o.royalty = 1000;
        o.royaltyTo = "bob";
        doOpen(o, bytes4(0));
        Sub memory s = sub("r2", "alice", "m1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
        doAttest("r2", "m1", "v1", 5, "valid", bytes4(0));
        doAttest("r2", "m1", "v2", 7, "valid", bytes4(0));
        assertEq(doClaim("r2", "m1", bytes4(0)), 60, "the whole reward");
        checkBalance("alice", 54);
        checkBalance("bob", 6);
    }

    /// A model spec: dave commits to it and publishes it (the author's new slot); a run paying bob a
    /// royalty of 10% and dave a spec royalty of 5% (the spec's slot and the author's); alice's
    /// update cites carol's grant, and a claim pays all four.
    function test_gas_publish_and_a_claim_paying_every_kind_of_payee() public {
        doCommitSpec("dave", "s1", bytes4(0));
        doPublish("s1", "dave", "", "valid", bytes4(0));
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r2", "coordinator");
        o.mode = 1;
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = 1000;
        o.rate = 10;
        (o.royalty, o.royaltyTo, o.spec, o.specRoyalty) = (1000, "bob", "s1", 500);
        doOpen(o, bytes4(0));
        Sub memory s = sub("r2", "alice", "m1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
        doGrant(grantCall("g1", "carol", "d1", 100), bytes4(0));
        doCite("r2", "m1", "g1", 50, "", "valid", bytes4(0));
        doAttest("r2", "m1", "v1", 5, "valid", bytes4(0));
        doAttest("r2", "m1", "v2", 7, "valid", bytes4(0));
        assertEq(doClaim("r2", "m1", bytes4(0)), 60, "median (5 + 7) / 2 = 6 x 10");
        checkBalance("bob", 6);
        checkBalance("dave", 3);
        checkBalance("carol", 25); // (60 - 6 - 3) x 10000 x 50 / (10000 x 100) = 25.5
        checkBalance("alice", 26);
    }

    /// Data grants: carol lends a dataset to alice for r1 (three slots), dave one to anyone (two);
    /// dave revokes a third. Alice submits, cites both (the first fills the update's tally slot),
    /// the validators attest, and a claim pays alice and the two owners.
    function test_gas_grant_revoke_cite_and_claim_split() public {
        Sub memory s = sub("r1", "alice", "m1");
        s.kind = 2;
        doSubmit(s, bytes4(0));
        GrantCall memory g1 = grantCall("g1", "carol", "d1", 5000);
        (g1.node, g1.run, g1.share) = ("alice", "r1", 5000);
        doGrant(g1, bytes4(0));
        doGrant(grantCall("g2", "dave", "d2", 3000), bytes4(0));
        doGrant(grantCall("g3", "dave", "d2", 3000), bytes4(0));
        doRevoke("g3", "dave", "valid", bytes4(0));
        doCite("r1", "m1", "g1", 60, "", "valid", bytes4(0));
        doCite("r1", "m1", "g2", 40, "", "valid", bytes4(0));
        doAttest("r1", "m1", "v1", 5, "valid", bytes4(0));
        doAttest("r1", "m1", "v2", 7, "valid", bytes4(0));
        assertEq(doClaim("r1", "m1", bytes4(0)), 60, "median (5 + 7) / 2 = 6 x 10");
        checkBalance("carol", 18); // 60 x 5000 x 60 / (10000 x 100)
        checkBalance("dave", 24); // 60 x 10000 x 40 / (10000 x 100)
        checkBalance("alice", 18);
    }
}
