package org.fedchain.wallet;

import org.fedchain.core.Hash32;

/**
 * Signs a 32-byte digest with a key it never reveals. Ethereum signers return 65 bytes r||s||v (v
 * 27 or 28, low s); Fabric signers return a DER-encoded low-S ECDSA signature.
 */
@FunctionalInterface
public interface Signer {
  byte[] sign(Hash32 digest);
}
