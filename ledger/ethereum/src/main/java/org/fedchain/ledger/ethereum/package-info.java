/**
 * The Ethereum ledger backend (scheme {@code ethereum:}): the Solidity contracts through web3j,
 * their deployment, and a local anvil node for development and tests.
 */
package org.fedchain.ledger.ethereum;
