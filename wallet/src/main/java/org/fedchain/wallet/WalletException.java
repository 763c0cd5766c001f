package org.fedchain.wallet;

/** A wallet operation that failed for a reason the user can fix; the message says how. */
public class WalletException extends Exception {
  private static final long serialVersionUID = 1L;

  public WalletException(String message) {
    super(message);
  }

  public WalletException(String message, Throwable cause) {
    super(message, cause);
  }
}
