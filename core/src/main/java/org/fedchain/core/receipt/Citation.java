package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Hash32;

/**
 * An update's contributor's signed statement that the update used {@code samples} samples of a data
 * owner's grant (EIP-712 type {@code Citation}): the ledger checks the grant is live, lent to this
 * node and run, and not overdrawn, and the update's claim then pays the owner its share.
 */
public record Citation(Hash32 updateId, Hash32 grantId, long samples) implements Eip712.Struct {
  public static final String TYPE = "Citation(bytes32 updateId,bytes32 grantId,uint64 samples)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public Citation {
    Objects.requireNonNull(updateId, "updateId");
    Objects.requireNonNull(grantId, "grantId");
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(
        TYPE_HASH.toBytes(), updateId.toBytes(), grantId.toBytes(), Eip712.uint64(samples));
  }

  /** The EIP-712 digest in {@code domain}: what is signed. */
  public Hash32 digest(Eip712Domain domain) {
    return Eip712.digest(domain, this);
  }
}
