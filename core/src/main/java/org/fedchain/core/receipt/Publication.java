package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * An author's signed publication of a model spec or algorithm, by its hash (EIP-712 type {@code
 * Publication}): the ledger records the first author of each hash, and runs that name the spec in
 * their terms pay that author a royalty.
 */
public record Publication(Hash32 spec, Address author) implements Eip712.Struct {
  public static final String TYPE = "Publication(bytes32 spec,address author)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public Publication {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(author, "author");
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(TYPE_HASH.toBytes(), spec.toBytes(), Eip712.address(author));
  }

  /** The EIP-712 digest in {@code domain}: what is signed. */
  public Hash32 digest(Eip712Domain domain) {
    return Eip712.digest(domain, this);
  }
}
