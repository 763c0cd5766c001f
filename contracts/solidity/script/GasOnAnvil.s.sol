// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ContributionRegistry} from "../src/ContributionRegistry.sol";
import {VNXToken} from "../src/VNXToken.sol";
import {Vm} from "../test/utils/Test.sol";

/// @notice Deploys both contracts on a node and sends the calls whose gas the README reports, as
/// real transactions: `gas-anvil.sh` runs it against a fresh anvil and prints each receipt's gasUsed.
contract GasOnAnvil {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant COORDINATOR = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    uint256 internal constant ALICE = 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d;
    uint256 internal constant BOB = 0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a;
    uint256 internal constant V1 = 0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6;
    uint256 internal constant V2 = 0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a;

    ContributionRegistry internal reg;

    function sig(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    function local(bytes32 run, bytes32 g, uint256 i) internal pure returns (ContributionRegistry.Receipt memory) {
        bytes32 m = keccak256(abi.encode("model", i));
        return ContributionRegistry.Receipt(
            run, 1, 2, g, m, keccak256(abi.encode(m)), keccak256(abi.encode(i)), 6000, vm.addr(ALICE)
        );
    }

    function run() external {
        vm.startBroadcast();
        VNXToken vnx = new VNXToken();
        reg = new ContributionRegistry(vnx);
        vnx.setRegistry(address(reg));
        reg.mint(vm.addr(COORDINATOR), 1e21);

        address[] memory validators = new address[](2);
        (validators[0], validators[1]) = (vm.addr(V1), vm.addr(V2));
        ContributionRegistry.RunConfig memory c = ContributionRegistry.RunConfig(
            1, false, 2, 1e21, 1e18, 0, address(0), 0, validators, new address[](0), keccak256("gas run")
        );
        bytes32 g = keccak256("genesis");
        bytes32 runId = open(c, g);

        // one submit
        ContributionRegistry.Receipt memory r = local(runId, g, 0);
        reg.submit(r, vm.addr(ALICE), sig(ALICE, reg.updateIdOf(r)));

        // batches of 1, 10 and 100 submits
        batch(runId, g, 1, 1);
        batch(runId, g, 10, 2);
        batch(runId, g, 100, 12);

        // the validators commit to their eval set (0 here), then two attestations, then a claim that
        // pays alice, a new VNX holder. The rolls are for the simulation, which runs every transaction
        // in the fresh anvil's block 0 (a commitment at block 0 reads as none, and an attestation needs
        // one from an earlier block); on anvil each transaction is mined in a block of its own anyway.
        vm.roll(block.number + 1);
        reg.commit(keccak256(abi.encodePacked(bytes32(0), vm.addr(V1))));
        reg.commit(keccak256(abi.encodePacked(bytes32(0), vm.addr(V2))));
        vm.roll(block.number + 1);
        attest(r, V1, 5);
        attest(r, V2, 7);
        reg.claim(r);

        // the coordinator picks alice's update (Krum): an AGGREGATE of its very model
        ContributionRegistry.Receipt memory pick = r;
        (pick.kind, pick.contributor) = (3, vm.addr(COORDINATOR));
        reg.submit(pick, vm.addr(COORDINATOR), sig(COORDINATOR, reg.updateIdOf(pick)));

        // an unrewarded run that admits alice only, and one submit to it (one more cold read)
        c = ContributionRegistry.RunConfig(
            1,
            false,
            0,
            0,
            0,
            0,
            address(0),
            0,
            new address[](0),
            new address[](1),
            keccak256("gas run admitting alice")
        );
        c.admitted[0] = vm.addr(ALICE);
        bytes32 restricted = open(c, g);
        r = local(restricted, g, 0);
        reg.submit(r, vm.addr(ALICE), sig(ALICE, reg.updateIdOf(r)));

        // the coordinator admits bob to that run after opening it (a new admission)
        address bob = vm.addr(BOB);
        bytes32 admission = keccak256(
            abi.encodePacked(
                "\x19\x01", reg.domainSeparator(), keccak256(abi.encode(reg.ADMIT_TYPEHASH(), restricted, bob))
            )
        );
        reg.admit(restricted, bob, vm.addr(COORDINATOR), sig(COORDINATOR, admission));

        // the coordinator closes the rewarded run (no claim window), then its unpaid budget returns
        bytes32 closing = keccak256(
            abi.encodePacked("\x19\x01", reg.domainSeparator(), keccak256(abi.encode(reg.CLOSE_RUN_TYPEHASH(), runId)))
        );
        reg.closeRun(runId, vm.addr(COORDINATOR), sig(COORDINATOR, closing));
        reg.reclaim(runId);

        // a node anchors its embedded ledger's log: the first anchor of that log, then a later one
        reg.anchor(keccak256("ledger log"), 100, keccak256("head after 100 entries"));
        reg.anchor(keccak256("ledger log"), 200, keccak256("head after 200 entries"));

        // a run paying bob a royalty of 10% (its payee's slot), alice's update in it, attested by the
        // validators (their eval sets are committed already), and a claim that pays alice, who holds
        // VNX now, and bob, a new holder
        c = ContributionRegistry.RunConfig(
            1, false, 2, 1e20, 1e18, 0, vm.addr(BOB), 1000, validators, new address[](0), keccak256("gas run royalty")
        );
        bytes32 royaltyRun = open(c, g);
        r = local(royaltyRun, g, 0);
        reg.submit(r, vm.addr(ALICE), sig(ALICE, reg.updateIdOf(r)));
        attest(r, V1, 5);
        attest(r, V2, 7);
        reg.claim(r);
        vm.stopBroadcast();
    }

    /// @dev Opens a run of terms `c` as the coordinator, under the run id derived from them; returns it.
    function open(ContributionRegistry.RunConfig memory c, bytes32 g) internal returns (bytes32 runId) {
        bytes32 data = reg.configHash(c);
        runId = keccak256(abi.encodePacked(vm.addr(COORDINATOR), data));
        ContributionRegistry.Receipt memory genesis =
            ContributionRegistry.Receipt(runId, 0, 0, bytes32(0), g, g, data, 0, vm.addr(COORDINATOR));
        reg.openRun(c, genesis, vm.addr(COORDINATOR), sig(COORDINATOR, reg.updateIdOf(genesis)));
    }

    function batch(bytes32 runId, bytes32 g, uint256 n, uint256 first) internal {
        ContributionRegistry.Receipt[] memory rs = new ContributionRegistry.Receipt[](n);
        address[] memory who = new address[](n);
        bytes[] memory sigs = new bytes[](n);
        for (uint256 i = 0; i < n; ++i) {
            rs[i] = local(runId, g, first + i);
            who[i] = vm.addr(ALICE);
            sigs[i] = sig(ALICE, reg.updateIdOf(rs[i]));
        }
        reg.submitBatch(rs, who, sigs);
    }

    function attest(ContributionRegistry.Receipt memory r, uint256 pk, int64 score) internal {
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                reg.domainSeparator(),
                keccak256(abi.encode(reg.ATTESTATION_TYPEHASH(), reg.updateIdOf(r), score, bytes32(0), bytes32(0)))
            )
        );
        reg.attest(r, score, bytes32(0), bytes32(0), vm.addr(pk), sig(pk, digest));
    }
}
