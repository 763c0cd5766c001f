package org.fedchain.ledger;

import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * Who sends transactions to a chain and pays for them (a relayer, the coordinator or the
 * contributor itself). It never changes who is credited: that is the signer of the receipt. Returns
 * 65-byte r||s||v signatures of 32-byte digests; the key stays inside.
 */
public interface TransactionSigner {
  Address address();

  byte[] sign(Hash32 digest);
}
