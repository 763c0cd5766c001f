package org.fedchain.ledger;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Eip712Domain;

/**
 * A ledger that can hold other ledgers' log heads (Ethereum: the registry's append-only anchors).
 * Anchoring the embedded ledger's head there catches what its own hash chain cannot: a local user
 * who rewrites the whole file consistently, or truncates it. Anchors are append-only per anchorer,
 * so anchoring a rewritten log later does not hide an earlier anchor.
 */
public interface LogAnchors {
  /** An anchored head: the log's first {@code entries} entries hash to {@code head}. */
  record Anchor(long entries, long at, Hash32 head) {}

  /** Records that {@code log}'s first {@code entries} entries end in {@code head}. */
  void anchor(Hash32 log, long entries, Hash32 head) throws LedgerException;

  /** Every anchor {@code anchorer} recorded for {@code log}, oldest first. */
  List<Anchor> anchors(Hash32 log, Address anchorer) throws LedgerException;

  /** The id a ledger's log is anchored under: derived from its EIP-712 domain, so from its id. */
  static Hash32 logId(Eip712Domain domain) {
    return Hash32.sha256(
        ("fedchain log " + domain.verifyingContract()).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Why {@code log} does not match {@code anchors}, or empty if each anchored entry is still there
   * with the anchored hash.
   */
  static Optional<String> check(LogAudit log, List<Anchor> anchors) throws LedgerException {
    for (Anchor a : anchors) {
      Optional<Hash32> h = log.entryHash(a.entries());
      if (h.isEmpty()) {
        return Optional.of(
            "entry "
                + a.entries()
                + " was anchored (at "
                + a.at()
                + ") but the log has fewer:"
                + " it was truncated");
      }
      if (!h.get().equals(a.head())) {
        return Optional.of(
            "entry "
                + a.entries()
                + " hashes to "
                + h.get().hex()
                + ", anchored as "
                + a.head().hex()
                + " (at "
                + a.at()
                + "): the log was rewritten");
      }
    }
    return Optional.empty();
  }
}
