package org.fedchain.core.receipt;

/** A signature that no backend would accept; {@link #problem()} says which rule it breaks. */
public final class SignatureException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The rule a signature breaks. */
  public enum Problem {
    /** Not 65 bytes r||s||v. */
    BAD_LENGTH,
    /** v is not 27 or 28. */
    BAD_V,
    /** r or s is zero or not below the curve order. */
    OUT_OF_RANGE,
    /** s is above n/2 (malleable; OpenZeppelin's ECDSA rejects it). */
    HIGH_S,
    /** No public key recovers from it. */
    UNRECOVERABLE
  }

  private final Problem problem;

  public SignatureException(Problem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
