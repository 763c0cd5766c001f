package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Hash32;

/** The coordinator's signed request to close a run (EIP-712 type {@code CloseRun}). */
public record CloseRun(Hash32 runId) implements Eip712.Struct {
  public static final String TYPE = "CloseRun(bytes32 runId)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public CloseRun {
    Objects.requireNonNull(runId, "runId");
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(TYPE_HASH.toBytes(), runId.toBytes());
  }
}
