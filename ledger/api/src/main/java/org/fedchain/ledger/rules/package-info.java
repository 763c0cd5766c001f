/**
 * The ledger rules as one engine over a key-value {@link org.fedchain.ledger.rules.State}: what the
 * embedded ledger and the Fabric chaincode run, and what the Solidity contracts mirror.
 */
package org.fedchain.ledger.rules;
