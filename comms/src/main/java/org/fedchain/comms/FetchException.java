package org.fedchain.comms;

import java.util.List;
import org.fedchain.core.Hash32;

/**
 * No peer delivered a blob that hashes to the requested hash. {@link #attempts()} lists each peer's
 * failure in the order the peers were tried (also attached as suppressed exceptions). Nothing was
 * stored locally.
 */
public final class FetchException extends ModelStoreException {
  private static final long serialVersionUID = 1L;
  private final transient List<ModelStoreException> attempts;

  FetchException(Hash32 hash, List<ModelStoreException> attempts) {
    super(hash, "all peers", lastReason(attempts), message(hash, attempts), null);
    this.attempts = List.copyOf(attempts);
    attempts.forEach(this::addSuppressed);
  }

  /** One failure per peer tried, in order. */
  public List<ModelStoreException> attempts() {
    return attempts;
  }

  private static Reason lastReason(List<ModelStoreException> attempts) {
    return attempts.isEmpty() ? Reason.NOT_FOUND : attempts.get(attempts.size() - 1).reason();
  }

  private static String message(Hash32 hash, List<ModelStoreException> attempts) {
    if (attempts.isEmpty()) {
      return "cannot fetch blob " + hash.hex() + ": no peers were given; pass at least one channel";
    }
    StringBuilder sb =
        new StringBuilder("no peer delivered blob ")
            .append(hash.hex())
            .append(" (tried ")
            .append(attempts.size())
            .append("):");
    for (ModelStoreException e : attempts) {
      sb.append("\n  ").append(e.peer()).append(": ").append(e.reason()).append(": ");
      sb.append(e.getMessage());
    }
    return sb.toString();
  }
}
