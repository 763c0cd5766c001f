// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {RuleHarness} from "./utils/RuleHarness.sol";
import {Vm} from "./utils/Test.sol";

/// @notice Data grants beyond the shared vectors: what is stored and read back (and what is not
/// written), the events, signatures and dirty words, the expiry's boundary, citations of a picked
/// model and of variant receipts, and a fuzzed split of a claim among up to 8 data owners.
contract GrantsTest is RuleHarness {
    /// `_grants` and `_tallies` in the registry's storage layout (`forge inspect ContributionRegistry
    /// storageLayout`): the tests that read raw slots check the packing the gas notes rely on.
    uint256 internal constant GRANTS_SLOT = 11;
    uint256 internal constant TALLIES_SLOT = 9;

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
    }

    /// r1: a chained run paying `amount` (budget and rate; scores of 1 earn it all) with a royalty of
    /// `royalty` basis points to bob; alice's m1 of `samples` samples, not yet attested.
    function run(uint256 amount, uint16 royalty, uint64 samples) internal {
        run(amount, royalty, 0, samples);
    }

    /// `run`, and a spec royalty of `specRoyalty` basis points to dave, the author of spec "s1" (who
    /// publishes it first), unless it is 0.
    function run(uint256 amount, uint16 royalty, uint16 specRoyalty, uint64 samples) internal {
        doMint("coordinator", amount, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.validators = list("v1", "v2");
        o.quorum = 2;
        o.budget = amount;
        o.rate = amount;
        o.royalty = royalty;
        o.royaltyTo = "bob";
        if (specRoyalty != 0) {
            doCommitSpec("dave", "s1", bytes4(0));
            doPublish("s1", "dave", "", "valid", bytes4(0));
            (o.spec, o.specRoyalty) = ("s1", specRoyalty);
        }
        doOpen(o, bytes4(0));
        doCommitEval("v1", "eval", bytes4(0));
        doCommitEval("v2", "eval", bytes4(0));
        Sub memory s = sub("r1", "alice", "m1");
        s.samples = samples;
        doSubmit(s, bytes4(0));
    }

    function scoreM1() internal {
        doAttest("r1", "m1", "v1", 1, "valid", bytes4(0));
        doAttest("r1", "m1", "v2", 1, "valid", bytes4(0));
    }

    function carolsGrant() internal pure returns (GrantCall memory g) {
        g = grantCall("g1", "carol", "d1", 500);
        (g.node, g.run, g.share, g.expiresIn) = ("alice", "r1", 2500, 7200);
    }

    function grantSlot(bytes32 id, uint256 word) internal view returns (uint256) {
        bytes32 base = keccak256(abi.encode(id, GRANTS_SLOT));
        return uint256(vm.load(address(reg), bytes32(uint256(base) + word)));
    }

    // ---- grant ----

    /// Every field reads back as signed, and the stored words are the packing `_store` writes by
    /// hand: owner | samples << 160 | share << 224, then node | expiry << 160 | forRun << 224, then
    /// the run id.
    function test_a_grant_reads_back_as_signed() public {
        run(1000, 0, 100);
        bytes32 id = doGrant(carolsGrant(), bytes4(0));
        assertEq(id, reg.grantIdOf(dataGrantOf(carolsGrant())), "grantIdOf is the harness's digest");
        ContributionRegistry.GrantView memory v = reg.grantOf(id);
        assertEq(v.owner, who("carol"), "owner");
        assertEq(v.node, who("alice"), "node");
        assertEq(v.samples, 500, "samples");
        assertEq(v.share, 2500, "share");
        assertEq(v.expiry, block.timestamp + 7200, "expiry");
        assertEq(v.runId, runId("r1"), "run");
        assertTrue(!v.revoked, "not revoked");
        assertEq(
            grantSlot(id, 0), uint256(uint160(who("carol"))) | (uint256(500) << 160) | (uint256(2500) << 224), "slot 0"
        );
        assertEq(
            grantSlot(id, 1),
            uint256(uint160(who("alice"))) | (uint256(block.timestamp + 7200) << 160) | (uint256(1) << 224),
            "slot 1"
        );
        assertEq(grantSlot(id, 2), uint256(runId("r1")), "slot 2");
        doRevoke("g1", "carol", "valid", bytes4(0));
        assertTrue(reg.grantOf(id).revoked, "revoked");
        assertEq(grantSlot(id, 0) >> 240, 1, "the revoked flag beside the share");
    }

    /// A grant for any run and any node writes two slots: the run id's is never written.
    function test_a_grant_for_any_run_leaves_the_run_slot_unwritten() public {
        bytes32 id = doGrant(grantCall("g1", "dave", "d2", 7), bytes4(0));
        ContributionRegistry.GrantView memory v = reg.grantOf(id);
        (address node, bytes32 rid, uint16 share) = (v.node, v.runId, v.share);
        assertEq(node, address(0), "any node");
        assertEq(rid, bytes32(0), "any run");
        assertEq(share, 10_000, "the default share");
        assertEq(grantSlot(id, 1) >> 224, 0, "forRun clear");
        assertEq(grantSlot(id, 2), 0, "no run id written");
        assertEq(reg.grantOf(h("grant:nothing")).owner, address(0), "an unknown grant reads as zero");
    }

    /// GrantRecorded carries the grant's id, owner and node as topics and its terms and nonce as data.
    function test_the_grant_recorded_event_carries_the_terms() public {
        run(1000, 0, 100);
        vm.getRecordedLogs();
        ContributionRegistry.DataGrant memory g = dataGrantOf(carolsGrant());
        bytes memory sig = sign("carol", dataGrantHash(g), "valid");
        bytes32 id = reg.grant(g, who("carol"), sig);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertEq(logs[0].topics[0], ContributionRegistry.GrantRecorded.selector, "GrantRecorded");
        assertEq(logs[0].topics[1], id, "grant id");
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(who("carol")))), "owner");
        assertEq(logs[0].topics[3], bytes32(uint256(uint160(who("alice")))), "node");
        assertEq(
            keccak256(logs[0].data),
            keccak256(abi.encode(g.dataset, g.samples, g.runId, g.share, g.expiry, g.nonce)),
            "dataset, samples, run, share, expiry, nonce"
        );
    }

    /// The signature rules of every signed call, here a grant's: length, v, high s, zero r, then the
    /// claimed signer (another key, chain or contract recovers someone else).
    function test_a_grant_takes_the_signature_rules() public {
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
            GrantCall memory g = grantCall("g1", "carol", "d1", 10);
            g.sig = modes[i];
            doGrant(g, errors[i]);
        }
        doGrant(grantCall("g1", "carol", "d1", 10), bytes4(0));
    }

    /// A share word above 16 bits is no uint16. Even signed as it is sent (the digest hashes the
    /// calldata words, so the signature recovers the owner), the grant reverts as malformed at the
    /// checked read of its share, before anything is recorded.
    function test_a_dirty_grant_word_reverts() public {
        ContributionRegistry.DataGrant memory g = dataGrantOf(grantCall("g1", "carol", "d1", 10));
        bytes32 dirtyHash = keccak256(
            abi.encode(
                reg.DATA_GRANT_TYPEHASH(),
                g.owner,
                g.dataset,
                g.samples,
                g.node,
                g.runId,
                uint256(g.share) | (1 << 16),
                g.expiry,
                g.nonce
            )
        );
        bytes memory sig = sign("carol", dirtyHash, "valid");
        bytes memory data = abi.encodeCall(ContributionRegistry.grant, (g, who("carol"), sig));
        uint256 at = 4 + 32 * 5; // grant word 5: share
        assertEq(uint256(bytes32(this.wordAt(data, at))), 10_000, "the share word");
        data[at + 29] = 0x01; // share | 1 << 16
        (bool ok, bytes memory err) = address(reg).call(data);
        assertTrue(!ok && err.length == 0, "reverts without a reason");
        assertEq(reg.grantOf(typedDigest(dirtyHash)).owner, address(0), "nothing recorded");
    }

    function wordAt(bytes calldata data, uint256 at) external pure returns (bytes32) {
        return bytes32(data[at:at + 32]);
    }

    // ---- revoke and cite ----

    /// GrantRevokedBy carries the block timestamp; a citation made before still pays, none after.
    function test_a_revocation_stops_new_citations_only() public {
        run(1000, 0, 100);
        doGrant(carolsGrant(), bytes4(0));
        doGrant(grantCall("g2", "carol", "d2", 100), bytes4(0));
        doCite("r1", "m1", "g1", 50, "", "valid", bytes4(0));
        vm.warp(1_700_000_100);
        bytes memory sig = sign("carol", revokeGrantHash(grantId("g1")), "valid");
        vm.getRecordedLogs();
        reg.revokeGrant(grantId("g1"), who("carol"), sig);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs[0].topics[0], ContributionRegistry.GrantRevokedBy.selector, "GrantRevokedBy");
        assertEq(logs[0].topics[1], grantId("g1"), "grant id");
        assertEq(abi.decode(logs[0].data, (uint64)), 1_700_000_100, "revoked at");
        doRevoke("g2", "carol", "valid", bytes4(0));
        doCite("r1", "m1", "g2", 10, "", "valid", ContributionRegistry.GrantRevoked.selector);
        scoreM1();
        doClaim("r1", "m1", bytes4(0));
        checkBalance("carol", 125); // 1000 x 2500 x 50 / (10000 x 100)
        checkBalance("alice", 875);
    }

    /// The expiry is the first second a grant can no longer be cited.
    function test_a_grant_is_cited_until_its_expiry() public {
        run(1000, 0, 100);
        bytes32 id = doGrant(carolsGrant(), bytes4(0));
        uint64 expiry = reg.grantOf(id).expiry;
        GrantCall memory g2 = grantCall("g2", "carol", "d2", 100);
        g2.expiresIn = 1 days;
        doGrant(g2, bytes4(0));
        vm.warp(expiry - 1);
        doCite("r1", "m1", "g1", 10, "", "valid", bytes4(0));
        vm.warp(expiry);
        GrantCall memory g3 = carolsGrant();
        g3.grant = "g3";
        g3.expiresIn = 0; // expires now
        doGrant(g3, bytes4(0)); // recorded: an expired grant harms nobody
        doCite("r1", "m1", "g3", 10, "", "valid", ContributionRegistry.GrantExpired.selector);
        doCite("r1", "m1", "g2", 10, "", "valid", bytes4(0));
        checkCitations("r1", "m1", 2);
    }

    /// Cited carries the update, the grant, its owner and the samples; citationsOf lists the grants
    /// in citation order, and the count sits in the tally slot's top 8 bits, beside the scores.
    function test_citations_are_kept_in_order_beside_the_tally() public {
        run(1000, 0, 100);
        for (uint256 i = 1; i <= 5; ++i) {
            doGrant(grantCall(string.concat("g", vm.toString(i)), i % 2 == 0 ? "dave" : "carol", "d", 100), bytes4(0));
        }
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        bytes memory sig = sign("alice", citationHash(updateIdOf(r), grantId("g4"), 7), "valid");
        vm.getRecordedLogs();
        reg.cite(r, grantId("g4"), 7, who("alice"), sig);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs[0].topics[0], ContributionRegistry.Cited.selector, "Cited");
        assertEq(logs[0].topics[1], updateIdOf(r), "update id");
        assertEq(logs[0].topics[2], grantId("g4"), "grant id");
        assertEq(logs[0].topics[3], bytes32(uint256(uint160(who("dave")))), "owner");
        assertEq(abi.decode(logs[0].data, (uint64)), 7, "samples");
        for (uint256 i = 1; i <= 5; ++i) {
            if (i != 4) doCite(r, grantId(string.concat("g", vm.toString(i))), uint64(i), "", "valid", bytes4(0));
        }
        scoreM1();
        (bytes32[] memory ids, uint64[] memory samples) = reg.citationsOf(runId("r1"), h("m1"));
        uint256[5] memory order = [uint256(4), 1, 2, 3, 5];
        for (uint256 i = 0; i < 5; ++i) {
            assertEq(ids[i], grantId(string.concat("g", vm.toString(order[i]))), "grant in citation order");
            assertEq(samples[i], order[i] == 4 ? 7 : order[i], "its samples");
        }
        bytes32 key = keccak256(abi.encode(runId("r1"), h("m1")));
        uint256 tally = uint256(vm.load(address(reg), keccak256(abi.encode(key, TALLIES_SLOT))));
        assertEq(tally >> 248, 5, "the count in the tally slot's top byte");
        assertEq(tally & 0xffffffff, 2, "two attestations beside it");
    }

    /// A citation names its receipt: a variant (another sample count) is no recorded update, and
    /// a citation signed over other samples than sent recovers someone else.
    function test_a_citation_needs_the_recorded_receipt_and_its_own_signature() public {
        run(1000, 0, 100);
        doGrant(grantCall("g1", "carol", "d1", 100), bytes4(0));
        doCite(
            withSamples(recorded("r1", "m1"), 1000),
            grantId("g1"),
            10,
            "alice",
            "valid",
            ContributionRegistry.UpdateUnknown.selector
        );
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        bytes memory sig = sign("alice", citationHash(updateIdOf(r), grantId("g1"), 10), "valid");
        vm.expectRevert(ContributionRegistry.WrongSigner.selector);
        reg.cite(r, grantId("g1"), 11, who("alice"), sig);
        doCite(r, grantId("g1"), 10, "alice", "high-s", ContributionRegistry.SignatureHighS.selector);
        checkCitations("r1", "m1", 0);
    }

    /// A LOCAL and the AGGREGATE that picked its model are two updates: the LOCAL's citations are
    /// its own, and a read by model (the pick's) shows none; the pick's contributor, the coordinator,
    /// cites for the pick.
    function test_a_picked_models_citations_stay_with_their_update() public {
        doMint("coordinator", 1000, bytes4(0));
        Open memory o = open("r1", "coordinator");
        o.mode = 1;
        doOpen(o, bytes4(0));
        Sub memory l1 = sub("r1", "alice", "l1");
        l1.kind = 2;
        doSubmit(l1, bytes4(0));
        ContributionRegistry.Receipt memory local = recorded("r1", "l1");
        Sub memory pick = sub("r1", "coordinator", "l1");
        pick.kind = 3;
        doSubmit(pick, bytes4(0));
        doGrant(grantCall("g1", "carol", "d1", 100), bytes4(0));
        doCite(local, grantId("g1"), 60, "", "valid", bytes4(0));
        checkCitations("r1", "l1", 0); // the pick's, which a read by model finds
        doCite(local, grantId("g1"), 60, "", "valid", ContributionRegistry.AlreadyCited.selector);
        doCite("r1", "l1", "g1", 60, "alice", "valid", ContributionRegistry.NotContributor.selector);
        doCite("r1", "l1", "g1", 100, "", "valid", bytes4(0)); // the coordinator, for the pick
        checkCitations("r1", "l1", 1);
    }

    // ---- the split ----

    /// Two citations, one paid nothing (share 0): DataPaid only for the non-zero part, after
    /// RewardClaimed and RoyaltyPaid; a contributor whose grants take everything gets 0, untransferred.
    function test_the_split_announces_each_paid_part() public {
        run(1000, 1000, 100);
        GrantCall memory g = grantCall("g1", "carol", "d1", 100);
        g.share = 0;
        doGrant(g, bytes4(0));
        doGrant(grantCall("g2", "dave", "d2", 100), bytes4(0));
        doCite("r1", "m1", "g1", 10, "", "valid", bytes4(0));
        doCite("r1", "m1", "g2", 90, "", "valid", bytes4(0));
        scoreM1();
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        vm.getRecordedLogs();
        reg.claim(r);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32[3] memory want = [
            ContributionRegistry.RewardClaimed.selector,
            ContributionRegistry.RoyaltyPaid.selector,
            ContributionRegistry.DataPaid.selector
        ];
        uint256 n;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(reg)) continue;
            assertTrue(n < 3, "three registry events");
            assertEq(logs[i].topics[0], want[n], "event order");
            ++n;
            if (logs[i].topics[0] != ContributionRegistry.DataPaid.selector) continue;
            assertEq(logs[i].topics[1], updateIdOf(r), "DataPaid: update id");
            assertEq(logs[i].topics[2], grantId("g2"), "DataPaid: grant id");
            assertEq(logs[i].topics[3], bytes32(uint256(uint160(who("dave")))), "DataPaid: owner");
            assertEq(abi.decode(logs[i].data, (uint256)), 810, "DataPaid: amount");
        }
        assertEq(n, 3, "no DataPaid for a zero part");
        checkBalance("bob", 100);
        checkBalance("dave", 810); // 900 x 10000 x 90 / (10000 x 100)
        checkBalance("carol", 0);
        checkBalance("alice", 90);
    }

    /// Grants that take all the samples at 10000 basis points leave the contributor nothing.
    function test_grants_of_every_sample_at_the_full_share_take_the_whole_rest() public {
        run(999, 0, 10);
        doGrant(grantCall("g1", "carol", "d1", 100), bytes4(0));
        doGrant(grantCall("g2", "dave", "d2", 100), bytes4(0));
        doCite("r1", "m1", "g1", 3, "", "valid", bytes4(0));
        doCite("r1", "m1", "g2", 7, "", "valid", bytes4(0));
        scoreM1();
        assertEq(doClaim("r1", "m1", bytes4(0)), 999, "the whole reward");
        checkBalance("carol", 299); // 999 x 3 / 10 = 299.7
        checkBalance("dave", 699); // 999 x 7 / 10 = 699.3
        checkBalance("alice", 1); // the floors' remainder
    }

    /// floor(rest * x / d) without the product, which can overflow: with rest = q * d + m it is
    /// q * x + floor(m * x / d) for x <= d (q * x <= rest, m * x < d * d < 2^156).
    function part(uint256 rest, uint256 x, uint256 d) internal pure returns (uint256) {
        // forge-lint: disable-next-line(divide-before-multiply) exact: the remainder's part is added
        return (rest / d) * x + ((rest % d) * x) / d;
    }

    /// For 1..8 citations of random shares (0..10000) and samples (at most the update's, which is
    /// random up to 2^64 - 1), a royalty and a spec royalty of 0..10000 together, and an amount up to
    /// 2^200: bob gets floor(amount * royalty / 10000), dave (the spec's author)
    /// floor(amount * specRoyalty / 10000), each owner exactly floor(rest * share * samples / (10000 *
    /// update samples)) of the rest the royalties leave (so never more), the contributor what is
    /// left, and the escrow pays exactly the amount, which claim returns and `paid` counts.
    function testFuzz_a_split_pays_exactly_the_amount(
        uint256 amount,
        uint256 royalty,
        uint256 specRoyalty,
        uint256 n,
        uint64 updateSamples,
        uint256 seed
    ) public {
        amount = amount % (1 << 200) + 1;
        royalty = royalty % 10_001;
        specRoyalty = specRoyalty % (10_001 - royalty); // royalty + specRoyalty <= 10000
        n = n % 8 + 1;
        updateSamples = uint64(n + uint256(updateSamples) % (uint256(type(uint64).max) - n + 1));
        run(amount, uint16(royalty), uint16(specRoyalty), updateSamples);
        ContributionRegistry.Receipt memory r = recorded("r1", "m1");
        uint256[] memory shares = new uint256[](n);
        uint256[] memory samples = new uint256[](n);
        uint256 left = updateSamples;
        for (uint256 i = 0; i < n; ++i) {
            uint256 rnd = uint256(keccak256(abi.encode(seed, i)));
            shares[i] = rnd % 10_001;
            uint256 most = left - (n - 1 - i); // leave one sample for each later citation
            samples[i] = i == n - 1 && rnd % 3 == 0 ? most : 1 + (rnd >> 32) % most;
            left -= samples[i];
            uint256 pk = 0x1000 + i;
            ContributionRegistry.DataGrant memory g = ContributionRegistry.DataGrant(
                vm.addr(pk),
                h("d"),
                uint64(samples[i]),
                address(0),
                bytes32(0),
                uint16(shares[i]),
                uint64(block.timestamp + 1),
                bytes32(i)
            );
            bytes32 id = grantIdOf(g);
            reg.grant(g, vm.addr(pk), signDigest(pk, typedDigest(dataGrantHash(g))));
            doCite(r, id, uint64(samples[i]), "alice", "valid", bytes4(0));
        }
        scoreM1();
        assertEq(doClaim("r1", "m1", bytes4(0)), amount, "claim returns the whole reward");
        // the royalties off the amount, the owners' parts off the rest, the contributor the remainder
        uint256 rest = amount - part(amount, royalty, 10_000) - part(amount, specRoyalty, 10_000);
        checkBalance("bob", part(amount, royalty, 10_000));
        checkBalance("dave", part(amount, specRoyalty, 10_000));
        uint256 data;
        for (uint256 i = 0; i < n; ++i) {
            uint256 want = part(rest, shares[i] * samples[i], 10_000 * uint256(updateSamples));
            assertEq(vnx.balanceOf(vm.addr(0x1000 + i)), want, "an owner's part");
            data += want;
        }
        assertTrue(data <= rest, "the parts fit in the rest");
        checkBalance("alice", rest - data);
        assertEq(vnx.balanceOf(address(reg)), 0, "the escrow paid exactly the amount");
        checkPaid("r1", amount);
    }
}
