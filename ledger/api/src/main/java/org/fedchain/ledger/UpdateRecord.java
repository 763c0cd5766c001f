package org.fedchain.ledger;

import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.ModelUpdate;

/**
 * A recorded update: the signed receipt, its id (EIP-712 digest), the signature as submitted and
 * the ledger height it was recorded at.
 */
public record UpdateRecord(Hash32 updateId, ModelUpdate receipt, byte[] signature, long height) {
  public UpdateRecord {
    signature = signature.clone();
  }

  /** Who signed the receipt and is paid for it: the contributor it names (the ledger checked). */
  public Address contributor() {
    return receipt.contributor();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UpdateRecord u
        && updateId.equals(u.updateId)
        && receipt.equals(u.receipt)
        && java.util.Arrays.equals(signature, u.signature)
        && height == u.height;
  }

  @Override
  public int hashCode() {
    return updateId.hashCode();
  }
}
