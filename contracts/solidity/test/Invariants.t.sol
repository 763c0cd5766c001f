// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {VNXToken} from "../src/VNXToken.sol";
import {Test} from "./utils/Test.sol";

/// @notice Random submits, attestations and claims on one rewarded run, of recorded receipts and of
/// variants of them; counts what succeeded.
contract Handler is Test {
    ContributionRegistry internal immutable reg;
    bytes32 public immutable RUN;
    uint256 public constant MODELS = 12;

    uint256[3] internal contributorKeys = [uint256(0xa11ce), 0xb0b, 0x3a11];
    uint256[3] internal validatorKeys = [uint256(0x71), 0x72, 0x3a11]; // the last is no validator

    bytes32[] public recorded; // models in recording order, the genesis first
    mapping(bytes32 model => ContributionRegistry.Receipt) internal receiptOf;
    mapping(bytes32 model => uint256) public recordings;
    mapping(bytes32 model => uint256) public claims;
    uint256 public totalPaid;
    uint256 public variantsAccepted;

    constructor(ContributionRegistry reg_, ContributionRegistry.Receipt memory genesis) {
        reg = reg_;
        RUN = genesis.runId;
        recorded.push(genesis.model);
        receiptOf[genesis.model] = genesis;
    }

    function model(uint256 seed) public pure returns (bytes32) {
        return keccak256(abi.encode("model", seed % MODELS));
    }

    /// @dev The recorded receipt of `m`, or a variant of it: `variant` is XORed into its sample count.
    function receipt(bytes32 m, uint64 variant) internal view returns (ContributionRegistry.Receipt memory r) {
        r = receiptOf[m];
        r.samples ^= variant;
    }

    function submit(uint256 who, uint256 parentSeed, uint256 modelSeed) external {
        bytes32 parent = recorded[parentSeed % recorded.length];
        bytes32 m = model(modelSeed);
        uint256 pk = contributorKeys[who % 3];
        ContributionRegistry.Receipt memory r =
            ContributionRegistry.Receipt(RUN, receiptOf[parent].seq + 1, 1, parent, m, m, m, 1, vm.addr(pk));
        (uint8 v, bytes32 sr, bytes32 ss) = vm.sign(pk, reg.updateIdOf(r));
        try reg.submit(r, vm.addr(pk), abi.encodePacked(sr, ss, v)) {
            recorded.push(m);
            receiptOf[m] = r;
            recordings[m] += 1;
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
        bytes32 m = recorded[modelSeed % recorded.length];
        ContributionRegistry.Receipt memory r = receipt(m, variant);
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
        bytes32 m = recorded[modelSeed % recorded.length];
        try reg.claim(receipt(m, variant)) returns (uint256 amount) {
            claims[m] += 1;
            totalPaid += amount;
            if (variant != 0) variantsAccepted += 1;
        } catch {}
    }

    function recordedCount() external view returns (uint256) {
        return recorded.length;
    }
}

/// @notice No update is paid twice, a run never pays more than its budget (and the escrow holds the
/// rest), a model is recorded at most once per run, and no variant of a recorded receipt is attested
/// or paid, whatever sequence of calls the fuzzer makes.
contract InvariantsTest is Test {
    ContributionRegistry internal reg;
    VNXToken internal vnx;
    Handler internal handler;
    uint256 internal constant BUDGET = 5000;

    function setUp() public {
        vnx = new VNXToken();
        reg = new ContributionRegistry(vnx);
        vnx.setRegistry(address(reg));
        uint256 coordinatorKey = 0xc0;
        address coordinator = vm.addr(coordinatorKey);
        reg.mint(coordinator, BUDGET);
        address[] memory validators = new address[](2);
        (validators[0], validators[1]) = (vm.addr(0x71), vm.addr(0x72));
        ContributionRegistry.RunConfig memory c =
            ContributionRegistry.RunConfig(0, false, 2, BUDGET, 7, validators, new address[](0), keccak256("run"));
        bytes32 g = keccak256("genesis");
        bytes32 data = reg.configHash(c);
        ContributionRegistry.Receipt memory genesis = ContributionRegistry.Receipt(
            keccak256(abi.encodePacked(coordinator, data)), 0, 0, bytes32(0), g, g, data, 0, coordinator
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(coordinatorKey, reg.updateIdOf(genesis));
        reg.openRun(c, genesis, coordinator, abi.encodePacked(r, s, v));
        handler = new Handler(reg, genesis);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_total_paid_within_budget() public view {
        (,,,,, uint256 budget,, uint256 paid,,) = reg.runs(handler.RUN());
        assertTrue(paid <= budget, "paid <= budget");
        assertEq(paid, handler.totalPaid(), "paid is the sum of claims");
        assertEq(vnx.balanceOf(address(reg)), budget - paid, "escrow holds the unpaid budget");
    }

    function invariant_no_update_paid_twice() public view {
        for (uint256 i = 0; i < handler.MODELS(); ++i) {
            assertTrue(handler.claims(handler.model(i)) <= 1, "claimed at most once");
        }
    }

    function invariant_model_recorded_at_most_once() public view {
        for (uint256 i = 0; i < handler.MODELS(); ++i) {
            assertTrue(handler.recordings(handler.model(i)) <= 1, "recorded at most once");
        }
    }

    function invariant_no_variant_receipt_accepted() public view {
        assertEq(handler.variantsAccepted(), 0, "variants are no recorded updates");
    }

    /// Not an invariant: proves the handler reaches claims, so the invariants above are not vacuous,
    /// and that the variants it tries are refused where the recorded receipt is accepted.
    function test_handler_reaches_a_paid_claim() public {
        handler.submit(0, 0, 1);
        handler.attestVariant(0, 1, 500, 1);
        handler.attest(0, 1, 500);
        handler.attest(1, 1, 300);
        handler.claimVariant(1, 1);
        assertEq(handler.totalPaid(), 0, "no variant paid");
        handler.claim(1);
        assertEq(handler.totalPaid(), 400 * 7, "mean 400 x rate 7");
        assertEq(handler.variantsAccepted(), 0, "no variant accepted");
    }
}
