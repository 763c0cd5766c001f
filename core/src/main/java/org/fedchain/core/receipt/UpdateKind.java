package org.fedchain.core.receipt;

/** The kind of a model update; the ordinal is the {@code uint8 kind} of the signed receipt. */
public enum UpdateKind {
  /** Base model of a run, signed by the run's coordinator. */
  GENESIS,
  /** Continues its parent in a chained run. */
  CHAINED,
  /** A data-parallel client update trained from the round's global model. */
  LOCAL,
  /** A new global model aggregated from LOCAL (or STAGE) updates, signed by the coordinator. */
  AGGREGATE,
  /** The parameters of one model-parallel stage. */
  STAGE;

  public int code() {
    return ordinal();
  }

  public static UpdateKind fromCode(int code) {
    UpdateKind[] all = values();
    if (code < 0 || code >= all.length) {
      throw new IllegalArgumentException("unknown update kind " + code + " (0..4)");
    }
    return all[code];
  }
}
