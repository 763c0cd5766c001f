// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {VNXToken} from "../src/VNXToken.sol";
import {Test} from "./utils/Test.sol";

/// @notice Random submits, attestations and claims on one rewarded data-parallel run, of recorded
/// receipts and of variants of them, and now and then its close and the return of its unpaid budget;
/// counts what succeeded. Submits are contributors' LOCAL updates and the coordinator's AGGREGATEs,
/// of any model: an AGGREGATE of a model a LOCAL holds is a pick, recorded next to it (the global and
/// the contribution index), so every count is kept per model and index. The run pays a royalty of
/// ROYALTY basis points of every claim to ROYALTY_TO and a spec royalty of SPEC_ROYALTY to AUTHOR,
/// the author of its spec; the handler adds up what each should be. Two
/// data owners hold four grants (shares 0..10000, one lent to alice only, one for another run);
/// updates' contributors cite them with random samples, and the handler adds up what each owner
/// should be paid by the claims of the updates that cite its grants.
contract Handler is Test {
    ContributionRegistry internal immutable reg;
    bytes32 public immutable RUN;
    uint256 public constant MODELS = 12;
    uint256 internal constant COORDINATOR_KEY = 0xc0;
    uint16 public constant ROYALTY = 1234;
    address public constant ROYALTY_TO = address(0x4017);
    uint16 public constant SPEC_ROYALTY = 777;
    uint256 public constant AUTHOR_KEY = 0xa07;

    uint256[3] internal contributorKeys = [uint256(0xa11ce), 0xb0b, 0x3a11];
    uint256[3] internal validatorKeys = [uint256(0x71), 0x72, 0x3a11]; // the last is no validator
    uint256[2] public ownerKeys = [uint256(0xda7a1), 0xda7a2];
    uint256 public constant SAMPLES = 100; // every submitted update's

    /// @dev A grant the handler recorded, as its citations are paid by.
    struct Lent {
        bytes32 id;
        address owner;
        uint256 share;
    }

    /// @dev A citation the handler made: the grant's owner and share, and the samples cited.
    struct Cite {
        address owner;
        uint256 share;
        uint256 samples;
    }

    Lent[4] internal grants;
    mapping(bytes32 model => mapping(bool global => Cite[])) internal cites;
    mapping(address owner => uint256) public dataDue; // what the claims should have paid each owner
    uint256 public citesAccepted;

    /// @dev A recorded update: its model and whether it is a global one (GENESIS, AGGREGATE).
    struct Entry {
        bytes32 model;
        bool global;
    }

    Entry[] internal recorded; // in recording order, the genesis first
    mapping(bytes32 model => mapping(bool global => ContributionRegistry.Receipt)) internal receiptOf;
    mapping(bytes32 model => mapping(bool global => uint256)) public recordings;
    mapping(bytes32 model => mapping(bool global => uint256)) public claims;
    uint256 public totalPaid;
    uint256 public royaltyDue; // the sum of floor(amount * ROYALTY / 10000) over the paid claims
    uint256 public authorDue; // the sum of floor(amount * SPEC_ROYALTY / 10000) over the paid claims
    uint256 public returned; // the budget reclaim sent back to the coordinator
    uint256 public variantsAccepted;

    constructor(ContributionRegistry reg_, ContributionRegistry.Receipt memory genesis) {
        reg = reg_;
        RUN = genesis.runId;
        recorded.push(Entry(genesis.model, true));
        receiptOf[genesis.model][true] = genesis;
        recordings[genesis.model][true] = 1;
        // any node, any run, a quarter; any node, any run, everything; alice only; another run only
        _grant(0, 2500, address(0), bytes32(0));
        _grant(1, 10_000, address(0), bytes32(0));
        _grant(0, 7000, vm.addr(contributorKeys[0]), bytes32(0));
        _grant(1, 1, address(0), keccak256("another run"));
    }

    function _grant(uint256 i, uint16 share, address node, bytes32 run) internal {
        uint256 pk = ownerKeys[i % 2];
        ContributionRegistry.DataGrant memory g = ContributionRegistry.DataGrant(
            vm.addr(pk), keccak256(abi.encode("data", i)), 60, node, run, share, type(uint64).max, bytes32(i)
        );
        bytes32 id = reg.grantIdOf(g);
        (uint8 v, bytes32 sr, bytes32 ss) = vm.sign(pk, id);
        reg.grant(g, vm.addr(pk), abi.encodePacked(sr, ss, v));
        uint256 n;
        while (grants[n].id != bytes32(0)) ++n;
        grants[n] = Lent(id, vm.addr(pk), share);
    }

    function model(uint256 seed) public pure returns (bytes32) {
        return keccak256(abi.encode("model", seed % MODELS));
    }

    /// @dev The recorded receipt of entry `e`, or a variant of it: `variant` is XORed into its
    /// sample count.
    function receipt(Entry memory e, uint64 variant) internal view returns (ContributionRegistry.Receipt memory r) {
        r = receiptOf[e.model][e.global];
        r.samples ^= variant;
    }

    /// @notice Whether `m` is recorded, and the receipt a read by model finds: the global one if
    /// there is one, else the contribution.
    function readByModel(bytes32 m) public view returns (bool exists, ContributionRegistry.Receipt memory r) {
        if (recordings[m][true] != 0) return (true, receiptOf[m][true]);
        if (recordings[m][false] != 0) return (true, receiptOf[m][false]);
    }

    /// @dev A LOCAL by a contributor, or (one call of 4) an AGGREGATE by the coordinator, of model
    /// `modelSeed` on a recorded parent, at the seq of the parent's record a read by model finds (a
    /// LOCAL on a contribution is refused ParentNotGlobal, a recorded model ModelExists).
    function submit(uint256 who, uint256 parentSeed, uint256 modelSeed) external {
        Entry memory p = recorded[parentSeed % recorded.length];
        (, ContributionRegistry.Receipt memory parent) = readByModel(p.model);
        bytes32 m = model(modelSeed);
        bool aggregate = who % 4 == 3;
        uint256 pk = aggregate ? COORDINATOR_KEY : contributorKeys[who % 3];
        ContributionRegistry.Receipt memory r = ContributionRegistry.Receipt(
            RUN, parent.seq + 1, aggregate ? 3 : 2, p.model, m, m, m, uint64(SAMPLES), vm.addr(pk)
        );
        (uint8 v, bytes32 sr, bytes32 ss) = vm.sign(pk, reg.updateIdOf(r));
        try reg.submit(r, vm.addr(pk), abi.encodePacked(sr, ss, v)) {
            recorded.push(Entry(m, aggregate));
            receiptOf[m][aggregate] = r;
            recordings[m][aggregate] += 1;
        } catch {}
    }

    function attest(uint256 who, uint256 modelSeed, int64 score) external {
        _attest(who, modelSeed, score, 0);
    }

    /// @dev Attests a variant (another sample count) of a recorded receipt: must never succeed.
    function attestVariant(uint256 who, uint256 modelSeed, int64 score, uint64 variant) external {
        _attest(who, modelSeed, score, variant == 0 ? 1 : variant);
    }

    function _attest(uint256 who, uint256 modelSeed, int64 score, uint64 variant) internal {
        ContributionRegistry.Receipt memory r = receipt(recorded[modelSeed % recorded.length], variant);
        score = int64(score % 1000);
        uint256 pk = validatorKeys[who % 3];
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                reg.domainSeparator(),
                keccak256(abi.encode(reg.ATTESTATION_TYPEHASH(), reg.updateIdOf(r), score, bytes32(0), bytes32(0)))
            )
        );
        (uint8 v, bytes32 sr, bytes32 ss) = vm.sign(pk, digest);
        try reg.attest(r, score, bytes32(0), bytes32(0), vm.addr(pk), abi.encodePacked(sr, ss, v)) {
            if (variant != 0) variantsAccepted += 1;
        } catch {}
    }

    function claim(uint256 modelSeed) external {
        _claim(modelSeed, 0);
    }

    /// @dev Claims for a variant (another sample count) of a recorded receipt: must never succeed.
    function claimVariant(uint256 modelSeed, uint64 variant) external {
        _claim(modelSeed, variant == 0 ? 1 : variant);
    }

    function _claim(uint256 modelSeed, uint64 variant) internal {
        Entry memory e = recorded[modelSeed % recorded.length];
        try reg.claim(receipt(e, variant)) returns (uint256 amount) {
            claims[e.model][e.global] += 1;
            totalPaid += amount;
            uint256 cut = amount * ROYALTY / 10_000;
            uint256 specCut = amount * SPEC_ROYALTY / 10_000;
            royaltyDue += cut;
            authorDue += specCut;
            Cite[] storage cs = cites[e.model][e.global];
            for (uint256 i = 0; i < cs.length; ++i) {
                dataDue[cs[i].owner] += (amount - cut - specCut) * cs[i].share * cs[i].samples / (10_000 * SAMPLES);
            }
            if (variant != 0) variantsAccepted += 1;
        } catch {}
    }

    /// @dev The contributor of a recorded update (found by its key) cites grant `grantSeed % 4` for
    /// `samples % 70` samples (0 and more than a grant's 60 are refused, as more than the update's 100
    /// in all, a ninth citation, a repeated grant, or one lent to another node or run).
    function cite(uint256 modelSeed, uint256 grantSeed, uint256 samples) external {
        Entry memory e = recorded[modelSeed % recorded.length];
        ContributionRegistry.Receipt memory r = receiptOf[e.model][e.global];
        Lent memory g = grants[grantSeed % 4];
        uint64 n = uint64(samples % 70);
        uint256 pk = keyOf(r.contributor);
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                reg.domainSeparator(),
                keccak256(abi.encode(reg.CITATION_TYPEHASH(), reg.updateIdOf(r), g.id, n))
            )
        );
        (uint8 v, bytes32 sr, bytes32 ss) = vm.sign(pk, digest);
        try reg.cite(r, g.id, n, r.contributor, abi.encodePacked(sr, ss, v)) {
            cites[e.model][e.global].push(Cite(g.owner, g.share, n));
            citesAccepted += 1;
        } catch {}
    }

    function keyOf(address who) internal view returns (uint256) {
        if (who == vm.addr(COORDINATOR_KEY)) return COORDINATOR_KEY;
        for (uint256 i = 0; i < 3; ++i) {
            if (who == vm.addr(contributorKeys[i])) return contributorKeys[i];
        }
        revert("unknown contributor");
    }

    /// @notice The citations the handler made of the update a read by model finds: their count and
    /// the samples cited in all.
    function citedByModel(bytes32 m) external view returns (uint256 count, uint256 samples) {
        bool global = recordings[m][true] != 0;
        Cite[] storage cs = cites[m][global];
        for (uint256 i = 0; i < cs.length; ++i) {
            samples += cs[i].samples;
        }
        return (cs.length, samples);
    }

    /// @dev Closes the run (claim window 60 s) in one call of 16, so most sequences keep it open for
    /// a while; then passes the window and tries to return the budget.
    function closeAndReclaim(uint256 seed) external {
        if (seed % 16 == 0) {
            bytes32 digest = keccak256(
                abi.encodePacked(
                    "\x19\x01", reg.domainSeparator(), keccak256(abi.encode(reg.CLOSE_RUN_TYPEHASH(), RUN))
                )
            );
            (uint8 v, bytes32 sr, bytes32 ss) = vm.sign(COORDINATOR_KEY, digest);
            try reg.closeRun(RUN, vm.addr(COORDINATOR_KEY), abi.encodePacked(sr, ss, v)) {} catch {}
        }
        vm.warp(block.timestamp + 61);
        try reg.reclaim(RUN) returns (uint256 amount) {
            returned += amount;
        } catch {}
    }

    function recordedCount() external view returns (uint256) {
        return recorded.length;
    }
}

/// @notice No update is paid twice, a run never pays out more than its budget, rewards and returned
/// budget together (and the escrow holds the rest), a model is recorded at most once per run and
/// index (once as a contribution, once as a global model), a read by model finds the global record
/// first, no variant of a recorded receipt is attested or paid, every claim is split exactly among
/// contributor, royalty payee, the spec's author and the owners of the grants it cites, and no update
/// cites more than 8 grants or more samples than its own, whatever sequence of calls the fuzzer makes.
contract InvariantsTest is Test {
    ContributionRegistry internal reg;
    VNXToken internal vnx;
    Handler internal handler;
    uint256 internal constant BUDGET = 5000;

    function setUp() public {
        vnx = new VNXToken();
        reg = new ContributionRegistry(vnx);
        vnx.setRegistry(address(reg));
        uint256 coordinatorKey = 0xc0; // Handler.COORDINATOR_KEY
        address coordinator = vm.addr(coordinatorKey);
        reg.mint(coordinator, BUDGET);
        address[] memory validators = new address[](2);
        (validators[0], validators[1]) = (vm.addr(0x71), vm.addr(0x72));
        bytes32 spec = publishSpec();
        ContributionRegistry.RunConfig memory c = ContributionRegistry.RunConfig(
            1, false, 2, BUDGET, 7, 60, address(0x4017), 1234, spec, 777, validators, new address[](0), keccak256("run")
        ); // Handler.ROYALTY_TO, Handler.ROYALTY, Handler.SPEC_ROYALTY
        bytes32 g = keccak256("genesis");
        bytes32 data = reg.configHash(c);
        ContributionRegistry.Receipt memory genesis = ContributionRegistry.Receipt(
            keccak256(abi.encodePacked(coordinator, data)), 0, 0, bytes32(0), g, g, data, 0, coordinator
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(coordinatorKey, reg.updateIdOf(genesis));
        reg.openRun(c, genesis, coordinator, abi.encodePacked(r, s, v));
        // every attester (the validators and 0x3a11, no validator) commits to the eval set 0 that the
        // handler's attestations name; they attest from the next block on
        uint256[3] memory attesters = [uint256(0x71), 0x72, 0x3a11];
        for (uint256 i = 0; i < attesters.length; ++i) {
            address a = vm.addr(attesters[i]);
            vm.prank(a);
            reg.commit(keccak256(abi.encodePacked(bytes32(0), a)));
        }
        vm.roll(block.number + 1);
        handler = new Handler(reg, genesis);
    }

    /// @dev The spec's author (Handler.AUTHOR_KEY) commits to spec "spec", then publishes it in a
    /// later block; returns the spec.
    function publishSpec() internal returns (bytes32 spec) {
        uint256 authorKey = 0xa07;
        address author = vm.addr(authorKey);
        spec = keccak256("spec");
        reg.commit(keccak256(abi.encodePacked(spec, author)));
        vm.roll(block.number + 1);
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01", reg.domainSeparator(), keccak256(abi.encode(reg.PUBLICATION_TYPEHASH(), spec, author))
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(authorKey, digest);
        reg.publish(spec, author, abi.encodePacked(r, s, v));
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_total_paid_within_budget() public view {
        ContributionRegistry.RunView memory run = reg.runs(handler.RUN());
        (uint256 budget, uint256 paid) = (run.budget, run.paid);
        assertTrue(paid <= budget, "paid <= budget");
        assertEq(paid, handler.totalPaid() + handler.returned(), "paid is the sum of claims and the returned budget");
        assertEq(vnx.balanceOf(address(reg)), budget - paid, "escrow holds the unpaid budget");
    }

    /// Every token that left the escrow is with a contributor, the coordinator (its AGGREGATEs'
    /// rewards and the returned budget), the royalty's payee or the spec's author, who have exactly
    /// their royalty of every paid claim, rounded down claim by claim, or a data owner.
    function invariant_claims_split_exactly_between_contributors_the_royalties_and_data_owners() public view {
        assertEq(vnx.balanceOf(handler.ROYALTY_TO()), handler.royaltyDue(), "the royalty of every claim");
        address author = vm.addr(handler.AUTHOR_KEY());
        assertEq(vnx.balanceOf(author), handler.authorDue(), "the spec royalty of every claim");
        uint256 held = vnx.balanceOf(handler.ROYALTY_TO()) + vnx.balanceOf(author) + vnx.balanceOf(vm.addr(0xc0));
        for (uint256 i = 0; i < 2; ++i) {
            address owner = vm.addr(handler.ownerKeys(i));
            assertEq(vnx.balanceOf(owner), handler.dataDue(owner), "a data owner's parts of the claims citing it");
            held += vnx.balanceOf(owner);
        }
        uint256[3] memory contributors = [uint256(0xa11ce), 0xb0b, 0x3a11];
        for (uint256 i = 0; i < contributors.length; ++i) {
            held += vnx.balanceOf(vm.addr(contributors[i]));
        }
        assertEq(
            held,
            handler.totalPaid() + handler.returned(),
            "paid out = contributors + coordinator + royalties + data"
        );
    }

    /// An update cites at most 8 grants, of at most its own samples in all, and `citationsOf` lists
    /// exactly the citations the handler made, of the update a read by model finds.
    function invariant_citations_within_the_update() public view {
        for (uint256 i = 0; i < handler.MODELS(); ++i) {
            bytes32 m = handler.model(i);
            (bytes32[] memory ids, uint64[] memory samples) = reg.citationsOf(handler.RUN(), m);
            (uint256 count, uint256 cited) = handler.citedByModel(m);
            assertEq(ids.length, count, "the handler's citations");
            assertTrue(count <= 8, "at most 8 citations");
            uint256 sum;
            for (uint256 j = 0; j < samples.length; ++j) {
                sum += samples[j];
            }
            assertEq(sum, cited, "the samples cited");
            assertTrue(sum <= handler.SAMPLES(), "at most the update's samples");
        }
    }

    /// A LOCAL and the AGGREGATE that picked its model are two updates, each paid at most once.
    function invariant_no_update_paid_twice() public view {
        for (uint256 i = 0; i < handler.MODELS(); ++i) {
            bytes32 m = handler.model(i);
            assertTrue(handler.claims(m, false) <= 1, "a contribution claimed at most once");
            assertTrue(handler.claims(m, true) <= 1, "a global model claimed at most once");
        }
    }

    function invariant_model_recorded_at_most_once_per_index() public view {
        for (uint256 i = 0; i < handler.MODELS(); ++i) {
            bytes32 m = handler.model(i);
            assertTrue(handler.recordings(m, false) <= 1, "recorded at most once as a contribution");
            assertTrue(handler.recordings(m, true) <= 1, "recorded at most once as a global model");
        }
    }

    /// `updateOf` reads the global record of a model if there is one, else its contribution.
    function invariant_a_read_by_model_prefers_the_global_record() public view {
        for (uint256 i = 0; i < handler.MODELS(); ++i) {
            bytes32 m = handler.model(i);
            (bool want, ContributionRegistry.Receipt memory r) = handler.readByModel(m);
            (bool exists, uint64 seq, uint8 kind, bytes20 idLow) = reg.updateOf(handler.RUN(), m);
            assertEq(exists, want, "recorded");
            if (!want) continue;
            assertEq(seq, r.seq, "seq");
            assertEq(kind, r.kind, "kind");
            assertEq(idLow, bytes20(uint160(uint256(reg.updateIdOf(r)))), "id bits");
        }
    }

    function invariant_no_variant_receipt_accepted() public view {
        assertEq(handler.variantsAccepted(), 0, "variants are no recorded updates");
    }

    /// Not an invariant: proves the handler reaches claims and a returned budget, so the invariants
    /// above are not vacuous, and that the variants it tries are refused where the recorded receipt
    /// is accepted.
    function test_handler_reaches_a_paid_claim() public {
        handler.submit(0, 0, 1); // alice's LOCAL of model 1: recorded[1]
        handler.submit(1, 0, 2); // bob's LOCAL of model 2: recorded[2]
        handler.submit(3, 0, 1); // the coordinator picks model 1: recorded[3]
        assertEq(handler.recordings(handler.model(1), true), 1, "the pick is recorded next to the LOCAL");
        handler.submit(7, 0, 1); // a second AGGREGATE of model 1: ModelExists
        handler.submit(2, 3, 1); // a LOCAL of model 1, on the pick: ModelExists
        assertEq(handler.recordedCount(), 4, "both refused");
        handler.attestVariant(0, 1, 500, 1);
        handler.attest(0, 1, 500);
        handler.attest(1, 1, 300);
        handler.claimVariant(1, 1);
        assertEq(handler.totalPaid(), 0, "no variant paid");
        handler.claim(1);
        assertEq(handler.totalPaid(), 400 * 7, "median (500 + 300) / 2 = 400 x rate 7");
        assertEq(vnx.balanceOf(handler.ROYALTY_TO()), 345, "the royalty: 2800 x 1234 / 10000 = 345.52, rounded down");
        assertEq(vnx.balanceOf(vm.addr(handler.AUTHOR_KEY())), 217, "the spec royalty: 2800 x 777 / 10000 = 217.56");
        assertEq(vnx.balanceOf(vm.addr(0xa11ce)), 2238, "alice: the rest, 2800 - 345 - 217");
        handler.claim(3); // the pick has no attestation of its own
        assertEq(handler.totalPaid(), 400 * 7, "the pick's votes are its own");
        handler.attest(0, 3, 100);
        handler.attest(1, 3, 100);
        handler.claim(3);
        assertEq(handler.totalPaid(), 500 * 7, "the pick is paid apart: median 100 x rate 7");
        assertEq(handler.variantsAccepted(), 0, "no variant accepted");
        handler.attest(0, 2, 100);
        handler.attest(1, 2, 100);
        handler.closeAndReclaim(0);
        assertEq(handler.returned(), BUDGET - 500 * 7, "the rest returned");
        handler.claim(2); // attested, but the budget is gone
        assertEq(handler.totalPaid(), 500 * 7, "nothing paid after the return");
    }

    /// Not an invariant: proves the handler's citations are accepted and paid, and its refusals refused.
    function test_handler_reaches_a_split_claim() public {
        handler.submit(0, 0, 1); // alice's LOCAL of model 1: recorded[1]
        handler.submit(1, 0, 2); // bob's LOCAL of model 2: recorded[2]
        handler.cite(1, 0, 40); // alice cites grant 0 (2500 bp) for 40
        handler.cite(1, 2, 60); // and grant 2 (7000 bp, lent to her) for 60
        handler.cite(1, 1, 1); // a third would pass 100 samples: refused
        handler.cite(2, 2, 10); // bob cites alice's grant: refused
        handler.cite(2, 3, 10); // a grant for another run: refused
        handler.cite(2, 1, 0); // no samples: refused
        assertEq(handler.citesAccepted(), 2, "two citations");
        handler.attest(0, 1, 500);
        handler.attest(1, 1, 300);
        handler.claim(1);
        uint256 rest = 2800 - 345 - 217; // the royalty of 2800 is 345, the spec royalty 217
        address first = vm.addr(handler.ownerKeys(0));
        assertEq(
            vnx.balanceOf(first), rest * 2500 * 40 / 1e6 + rest * 7000 * 60 / 1e6, "both of the first owner's parts"
        );
        handler.cite(1, 1, 1); // after the claim: refused
        assertEq(handler.citesAccepted(), 2, "none after the claim");
    }
}
