package org.fedchain.ledger;

import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Secp256k1;

/**
 * Who sends transactions to a chain and pays for them (a relayer, the coordinator or the
 * contributor itself). It never changes who is credited: that is the signer of the receipt. Returns
 * 65-byte r||s||v signatures of 32-byte digests; the key stays inside.
 */
public interface TransactionSigner {
  Address address();

  byte[] sign(Hash32 digest);

  /**
   * A signer over a raw secp256k1 private key held in memory: for tests, benchmarks and development
   * chains; a person's key belongs in a wallet.
   */
  static TransactionSigner ofKey(byte[] privateKey) {
    byte[] key = privateKey.clone();
    Address a = Secp256k1.addressOf(key);
    return new TransactionSigner() {
      @Override
      public Address address() {
        return a;
      }

      @Override
      public byte[] sign(Hash32 digest) {
        return Secp256k1.sign(digest, key);
      }
    };
  }
}
