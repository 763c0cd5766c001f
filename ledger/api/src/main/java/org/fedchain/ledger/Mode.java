package org.fedchain.ledger;

import java.util.EnumSet;
import java.util.Set;
import org.fedchain.core.receipt.UpdateKind;

/**
 * How a run trains; each mode accepts its own kinds of update. The ordinal is the on-chain code.
 */
public enum Mode {
  CHAINED(EnumSet.of(UpdateKind.CHAINED)),
  DATA_PARALLEL(EnumSet.of(UpdateKind.LOCAL, UpdateKind.AGGREGATE)),
  MODEL_PARALLEL(EnumSet.of(UpdateKind.STAGE, UpdateKind.AGGREGATE));

  private final Set<UpdateKind> kinds;

  Mode(Set<UpdateKind> kinds) {
    this.kinds = kinds;
  }

  /** The update kinds a run of this mode accepts after its genesis. */
  public boolean accepts(UpdateKind kind) {
    return kinds.contains(kind);
  }

  public static Mode fromCode(int code) {
    Mode[] all = values();
    if (code < 0 || code >= all.length) {
      throw new IllegalArgumentException("unknown mode " + code);
    }
    return all[code];
  }
}
