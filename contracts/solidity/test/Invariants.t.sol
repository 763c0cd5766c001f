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
/// ROYALTY basis points of every claim to ROYALTY_TO; the handler adds up what that should be.
contract Handler is Test {
    ContributionRegistry internal immutable reg;
    bytes32 public immutable RUN;
    uint256 public constant MODELS = 12;
    uint256 internal constant COORDINATOR_KEY = 0xc0;
    uint16 public constant ROYALTY = 1234;
    address public constant ROYALTY_TO = address(0x4017);

    uint256[3] internal contributorKeys = [uint256(0xa11ce), 0xb0b, 0x3a11];
    uint256[3] internal validatorKeys = [uint256(0x71), 0x72, 0x3a11]; // the last is no validator

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
    uint256 public returned; // the budget reclaim sent back to the coordinator
    uint256 public variantsAccepted;

    constructor(ContributionRegistry reg_, ContributionRegistry.Receipt memory genesis) {
        reg = reg_;
        RUN = genesis.runId;
        recorded.push(Entry(genesis.model, true));
        receiptOf[genesis.model][true] = genesis;
        recordings[genesis.model][true] = 1;
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
            RUN, parent.seq + 1, aggregate ? 3 : 2, p.model, m, m, m, 1, vm.addr(pk)
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
            royaltyDue += amount * ROYALTY / 10_000;
            if (variant != 0) variantsAccepted += 1;
        } catch {}
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
/// first, and no variant of a recorded receipt is attested or paid, whatever sequence of calls the
/// fuzzer makes.
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
        ContributionRegistry.RunConfig memory c = ContributionRegistry.RunConfig(
            1, false, 2, BUDGET, 7, 60, address(0x4017), 1234, validators, new address[](0), keccak256("run")
        ); // Handler.ROYALTY_TO, Handler.ROYALTY
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
    /// rewards and the returned budget) or the royalty's payee, who has exactly the royalty of every
    /// paid claim, rounded down claim by claim.
    function invariant_claims_split_exactly_between_contributors_and_the_royalty() public view {
        assertEq(vnx.balanceOf(handler.ROYALTY_TO()), handler.royaltyDue(), "the royalty of every claim");
        uint256 held = vnx.balanceOf(handler.ROYALTY_TO()) + vnx.balanceOf(vm.addr(0xc0));
        uint256[3] memory contributors = [uint256(0xa11ce), 0xb0b, 0x3a11];
        for (uint256 i = 0; i < contributors.length; ++i) {
            held += vnx.balanceOf(vm.addr(contributors[i]));
        }
        assertEq(held, handler.totalPaid() + handler.returned(), "paid out = contributors + coordinator + royalty");
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
        assertEq(vnx.balanceOf(vm.addr(0xa11ce)), 2455, "alice: the rest, 2800 - 345");
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
}
