package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Hash32;

/**
 * A validator's signed score of an update (EIP-712 type {@code Attestation}), evaluated on the
 * held-out set it committed to ({@code evalSet}); {@code report} is the hash of its full report.
 */
public record Attestation(Hash32 updateId, long score, Hash32 evalSet, Hash32 report)
    implements Eip712.Struct {
  public static final String TYPE =
      "Attestation(bytes32 updateId,int64 score,bytes32 evalSet,bytes32 report)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public Attestation {
    Objects.requireNonNull(updateId, "updateId");
    Objects.requireNonNull(evalSet, "evalSet");
    Objects.requireNonNull(report, "report");
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(
        TYPE_HASH.toBytes(),
        updateId.toBytes(),
        Eip712.int64(score),
        evalSet.toBytes(),
        report.toBytes());
  }

  public Hash32 digest(Eip712Domain domain) {
    return Eip712.digest(domain, this);
  }
}
