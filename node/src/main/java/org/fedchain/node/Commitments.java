package org.fedchain.node;

import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.rules.Rules;

/** Commit-reveal's first half, as every party does it. */
final class Commitments {
  private Commitments() {}

  /**
   * Records {@code keccak256(what, who)} unless it is already on the ledger: the commitment binds
   * {@code what} to {@code who}, so one recorded earlier (by anyone) still serves.
   */
  static void record(Ledger ledger, Hash32 what, Address who) throws LedgerException {
    try {
      ledger.commit(Rules.commitment(what, who));
    } catch (RejectedException e) {
      if (e.reason() != Reason.COMMIT_EXISTS) {
        throw e;
      }
    }
  }
}
