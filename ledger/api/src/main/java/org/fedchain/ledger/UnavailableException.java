package org.fedchain.ledger;

/**
 * The ledger could not be reached or did not answer in time. The outcome of a write may be unknown:
 * read the state before retrying.
 */
public final class UnavailableException extends LedgerException {
  private static final long serialVersionUID = 1L;

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
