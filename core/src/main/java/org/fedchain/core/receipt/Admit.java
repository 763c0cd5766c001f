package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * The coordinator's signed admission of a node to a run whose terms admit a list of contributors
 * (EIP-712 type {@code Admit}): the ledger then accepts that node's updates too.
 */
public record Admit(Hash32 runId, Address node) implements Eip712.Struct {
  public static final String TYPE = "Admit(bytes32 runId,address node)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public Admit {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(node, "node");
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(TYPE_HASH.toBytes(), runId.toBytes(), Eip712.address(node));
  }
}
