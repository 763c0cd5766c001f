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
    uint256 internal constant CAROL = 0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97;
    uint256 internal constant DAVE = 0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6;

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
            1, false, 2, 1e21, 1e18, 0, address(0), 0, bytes32(0), 0, validators, new address[](0), keccak256("gas run")
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
            bytes32(0),
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
            1,
            false,
            2,
            1e20,
            1e18,
            0,
            vm.addr(BOB),
            1000,
            bytes32(0),
            0,
            validators,
            new address[](0),
            keccak256("gas run royalty")
        );
        bytes32 royaltyRun = open(c, g);
        r = local(royaltyRun, g, 0);
        reg.submit(r, vm.addr(ALICE), sig(ALICE, reg.updateIdOf(r)));
        attest(r, V1, 5);
        attest(r, V2, 7);
        reg.claim(r);

        // data grants: carol lends a dataset to alice for one run (three slots), dave one to any node
        // for any run (two slots); dave revokes a third grant. In a run without a royalty alice
        // submits, cites both grants (the first citation fills the update's tally slot, as nodes cite
        // before validators attest; the second adds a grant id and rewrites the shared slots), the
        // validators attest (the first no longer fills the tally slot) and a claim pays alice, a VNX
        // holder now, and the two owners, new holders.
        c = ContributionRegistry.RunConfig(
            1,
            false,
            2,
            1e20,
            1e18,
            0,
            address(0),
            0,
            bytes32(0),
            0,
            validators,
            new address[](0),
            keccak256("gas run data")
        );
        bytes32 dataRun = open(c, g);
        r = local(dataRun, g, 0);
        reg.submit(r, vm.addr(ALICE), sig(ALICE, reg.updateIdOf(r)));
        bytes32 carols = grant(
            ContributionRegistry.DataGrant(
                vm.addr(CAROL), keccak256("carol's data"), 5000, vm.addr(ALICE), dataRun, 5000, 2e9, keccak256("g1")
            ),
            CAROL
        );
        bytes32 daves = grant(
            ContributionRegistry.DataGrant(
                vm.addr(DAVE), keccak256("dave's data"), 3000, address(0), bytes32(0), 10_000, 2e9, keccak256("g2")
            ),
            DAVE
        );
        bytes32 revoked = grant(
            ContributionRegistry.DataGrant(
                vm.addr(DAVE), keccak256("dave's data"), 3000, address(0), bytes32(0), 10_000, 2e9, keccak256("g3")
            ),
            DAVE
        );
        reg.revokeGrant(
            revoked, vm.addr(DAVE), sig(DAVE, typed(keccak256(abi.encode(reg.REVOKE_GRANT_TYPEHASH(), revoked))))
        );
        cite(r, carols, 3000);
        cite(r, daves, 2000);
        attest(r, V1, 5);
        attest(r, V2, 7);
        reg.claim(r);

        specRun(validators, g);
        vm.stopBroadcast();
    }

    /// @dev A model spec: dave commits to it, then publishes it in a later block (the roll, as for
    /// the eval sets, for the simulation); a run paying bob a royalty of 10% and dave, the spec's
    /// author, 5% (its author's slot and its spec's), alice's update in it citing carol's grant
    /// (lent to any node for any run), attested, and a claim that pays all four: alice, bob, carol
    /// and dave, all VNX holders by now (no new balance slot).
    function specRun(address[] memory validators, bytes32 g) internal {
        bytes32 spec = keccak256("model spec");
        reg.commit(keccak256(abi.encodePacked(spec, vm.addr(DAVE))));
        vm.roll(block.number + 1);
        reg.publish(
            spec,
            vm.addr(DAVE),
            sig(DAVE, typed(keccak256(abi.encode(reg.PUBLICATION_TYPEHASH(), spec, vm.addr(DAVE)))))
        );
        ContributionRegistry.RunConfig memory c = ContributionRegistry.RunConfig(
            1,
            false,
            2,
            1e20,
            1e18,
            0,
            vm.addr(BOB),
            1000,
            spec,
            500,
            validators,
            new address[](0),
            keccak256("gas run spec")
        );
        bytes32 runId = open(c, g);
        ContributionRegistry.Receipt memory r = local(runId, g, 0);
        reg.submit(r, vm.addr(ALICE), sig(ALICE, reg.updateIdOf(r)));
        bytes32 anyRun = grant(
            ContributionRegistry.DataGrant(
                vm.addr(CAROL), keccak256("carol's data"), 5000, address(0), bytes32(0), 5000, 2e9, keccak256("g4")
            ),
            CAROL
        );
        cite(r, anyRun, 3000);
        attest(r, V1, 5);
        attest(r, V2, 7);
        reg.claim(r);
    }

    /// @dev The EIP-712 digest of `structHash` in the registry's domain.
    function typed(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", reg.domainSeparator(), structHash));
    }

    /// @dev Records grant `g`, signed by its owner's key `pk`; returns its id.
    function grant(ContributionRegistry.DataGrant memory g, uint256 pk) internal returns (bytes32 id) {
        id = reg.grantIdOf(g);
        reg.grant(g, vm.addr(pk), sig(pk, id));
    }

    /// @dev Alice, the contributor of `r`, cites `samples` samples of grant `id` for it.
    function cite(ContributionRegistry.Receipt memory r, bytes32 id, uint64 samples) internal {
        bytes32 digest = typed(keccak256(abi.encode(reg.CITATION_TYPEHASH(), reg.updateIdOf(r), id, samples)));
        reg.cite(r, id, samples, vm.addr(ALICE), sig(ALICE, digest));
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
