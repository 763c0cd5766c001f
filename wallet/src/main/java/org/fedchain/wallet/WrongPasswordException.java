package org.fedchain.wallet;

/** The password does not open the keystore (its MAC does not match). */
public final class WrongPasswordException extends WalletException {
  private static final long serialVersionUID = 1L;

  public WrongPasswordException(String message) {
    super(message);
  }
}
