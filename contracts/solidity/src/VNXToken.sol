// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title VNX, the reward token of FedChain
/// @notice An ERC-20 (18 decimals) minted by its owner and by the FedChain ContributionRegistry. The
/// registry escrows a run's reward budget from the coordinator and pays contributors from it.
/// @dev The registry escrows a budget without an allowance (`escrowFrom`). The authorization is the
/// coordinator's EIP-712 signature over the run's GENESIS receipt, whose `data` field commits to the
/// run configuration and so to the budget (see ContributionRegistry.openRun). An allowance would be
/// a second, unsigned approval of the same amount that every coordinator must send in an extra
/// transaction, and that a relayer cannot send for them. The privilege is as narrow as it can be:
/// only into the registry itself (not an allowance-free `transferFrom` to anywhere), and the
/// registry address is set once, so the owner cannot later point it at another contract.
contract VNXToken is ERC20, Ownable {
    /// @notice The ContributionRegistry allowed to mint and to move escrow without an allowance.
    address public registry;

    /// @notice The registry was set (once).
    event RegistrySet(address indexed registry);

    /// @notice `setRegistry` was called after the registry was set.
    error RegistryAlreadySet();
    /// @notice `setRegistry(address(0))`.
    error ZeroRegistry();

    constructor() ERC20("VNX", "VNX") Ownable(msg.sender) {}

    /// @notice Binds the token to its ContributionRegistry; callable once, by the owner.
    function setRegistry(address registry_) external onlyOwner {
        if (registry_ == address(0)) revert ZeroRegistry();
        if (registry != address(0)) revert RegistryAlreadySet();
        registry = registry_;
        emit RegistrySet(registry_);
    }

    /// @notice Creates `amount` VNX wei for `to`. Callable by the owner and by the registry (which
    /// applies the ledger's rule that an amount is positive, see ContributionRegistry.mint).
    function mint(address to, uint256 amount) external {
        if (msg.sender != owner() && msg.sender != registry) revert OwnableUnauthorizedAccount(msg.sender);
        _mint(to, amount);
    }

    /// @notice Moves `amount` from `from` into the registry, without an allowance; only the registry
    /// calls it, after verifying `from`'s signature over the budget (see the contract notice).
    function escrowFrom(address from, uint256 amount) external {
        if (msg.sender != registry) revert OwnableUnauthorizedAccount(msg.sender);
        _transfer(from, msg.sender, amount);
    }
}
