package org.fedchain.ledger;

import java.util.Optional;
import org.fedchain.core.Hash32;

/**
 * A ledger whose accepted calls form a hash chain (the embedded ledger). {@link #auditLog()}
 * recomputes the chain and replays every call through the rules, so an edited row is found.
 */
public interface LogAudit {
  /** What the audit found: entries checked, the head hash, and the first broken entry if any. */
  record Report(long entries, Hash32 head, Optional<String> firstProblem) {
    public boolean ok() {
      return firstProblem.isEmpty();
    }
  }

  Report auditLog() throws LedgerException;

  /** The stored hash of entry {@code n} (1 is the first), if the log has that many entries. */
  Optional<Hash32> entryHash(long n) throws LedgerException;
}
