package org.fedchain.ledger;

/**
 * The ledger applied its rules and refused the call; nothing changed. The outcome is known: the
 * same call will be refused again unless the state it depends on changes.
 */
public final class RejectedException extends LedgerException {
  private static final long serialVersionUID = 1L;
  private final Reason reason;

  public RejectedException(Reason reason, String detail) {
    super(reason + ": " + (detail == null || detail.isEmpty() ? reason.description() : detail));
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
