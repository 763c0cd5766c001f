package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Hash32;

/**
 * A data owner's signed end of its grant (EIP-712 type {@code RevokeGrant}): no update can cite it
 * from then on; citations made before keep paying.
 */
public record RevokeGrant(Hash32 grantId) implements Eip712.Struct {
  public static final String TYPE = "RevokeGrant(bytes32 grantId)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public RevokeGrant {
    Objects.requireNonNull(grantId, "grantId");
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(TYPE_HASH.toBytes(), grantId.toBytes());
  }

  /** The EIP-712 digest in {@code domain}: what is signed. */
  public Hash32 digest(Eip712Domain domain) {
    return Eip712.digest(domain, this);
  }
}
