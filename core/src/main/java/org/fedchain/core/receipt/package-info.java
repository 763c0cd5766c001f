/**
 * What gets signed: the EIP-712 receipts (model update, attestation, run close), their domains,
 * secp256k1 signing and recovery with the low-S rule every ledger applies.
 */
package org.fedchain.core.receipt;
