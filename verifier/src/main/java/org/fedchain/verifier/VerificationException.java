package org.fedchain.verifier;

/** A model or update that must not be trained on or trusted; the message lists every problem. */
public final class VerificationException extends Exception {
  private static final long serialVersionUID = 1L;

  public VerificationException(String message) {
    super(message);
  }
}
