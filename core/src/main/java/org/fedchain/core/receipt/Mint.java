package org.fedchain.core.receipt;

import java.math.BigInteger;
import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * The mint authority's signed order to create VNX on a ledger that has no transaction signer of its
 * own (the embedded one; chains check their token owner instead). {@code entry} is the log entry
 * the order is written at, so a recorded order cannot be replayed at another one.
 */
public record Mint(Address to, BigInteger amount, long entry) implements Eip712.Struct {
  public static final String TYPE = "Mint(address to,uint256 amount,uint64 entry)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public Mint {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(amount, "amount");
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(
        TYPE_HASH.toBytes(), Eip712.address(to), Eip712.uint256(amount), Eip712.uint64(entry));
  }
}
