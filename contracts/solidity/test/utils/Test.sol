// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// @notice The few forge cheatcodes these tests use. forge-std from npm is too old for forge 1.x, and
/// vendoring it would mean committing a second library, so the interface is declared here.
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function roll(uint256 blockNumber) external;
    function warp(uint256 timestamp) external;
    function prank(address sender) external;
    function assume(bool condition) external pure;
    function expectRevert(bytes4 selector) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert() external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function toString(uint256 value) external pure returns (string memory);
    function startBroadcast() external;
    function stopBroadcast() external;
}

/// @notice Minimal assertions: a failed one reverts with a message, which fails the forge test.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function assertTrue(bool c, string memory what) internal pure {
        if (!c) revert(string.concat("assertion failed: ", what));
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) {
            revert(string.concat("assertion failed: ", what, ": ", _str(a), " != ", _str(b)));
        }
    }

    function assertEq(int256 a, int256 b, string memory what) internal pure {
        assertTrue(a == b, what);
    }

    function assertEq(address a, address b, string memory what) internal pure {
        assertTrue(a == b, what);
    }

    function assertEq(bytes32 a, bytes32 b, string memory what) internal pure {
        assertTrue(a == b, what);
    }

    function assertEq(bool a, bool b, string memory what) internal pure {
        assertTrue(a == b, what);
    }

    function _str(uint256 v) private pure returns (string memory s) {
        if (v == 0) return "0";
        bytes memory b = new bytes(78);
        uint256 i = 78;
        while (v != 0) {
            b[--i] = bytes1(uint8(48 + v % 10));
            v /= 10;
        }
        s = new string(78 - i);
        for (uint256 j = 0; j < 78 - i; ++j) {
            bytes(s)[j] = b[i + j];
        }
    }
}
