package org.fedchain.comms;

import java.io.IOException;
import java.util.Objects;
import org.fedchain.core.Hash32;

/**
 * A model-store call to one peer failed. Carries the blob's hash, the peer and a {@link Reason}, so
 * a caller can decide whether trying another peer or again later makes sense. Whatever the reason,
 * nothing unverified was stored locally.
 */
public class ModelStoreException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why a call failed, by what the caller should do about it. */
  public enum Reason {
    /** The peer does not hold the blob: ask another peer. */
    NOT_FOUND,
    /** The bytes did not hash to the requested hash (an altered blob): the peer is faulty. */
    CORRUPT,
    /** The stream ended before (or ran past) the announced size: the peer is faulty or died. */
    TRUNCATED,
    /** The blob or one message exceeds a configured size limit on one side. */
    TOO_LARGE,
    /** The peer refused the request as malformed (bad hash, missing header). */
    INVALID,
    /** The call's deadline passed; the outcome on the peer is unknown for a Put. */
    DEADLINE_EXCEEDED,
    /** The peer could not be reached, or the TLS handshake failed (wrong CA, no client cert). */
    UNAVAILABLE,
    /** The call was cancelled locally (interrupt). */
    CANCELLED,
    /** Any other failure (local I/O error, unexpected status from the peer). */
    OTHER
  }

  private final transient Hash32 hash;
  private final String peer;
  private final Reason reason;

  ModelStoreException(Hash32 hash, String peer, Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.hash = Objects.requireNonNull(hash, "hash");
    this.peer = Objects.requireNonNull(peer, "peer");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The blob the call was about. */
  public Hash32 hash() {
    return hash;
  }

  /** The peer's authority ({@code host:port}, or the in-process name). */
  public String peer() {
    return peer;
  }

  public Reason reason() {
    return reason;
  }
}
