package org.fedchain.ledger;

import java.math.BigInteger;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * A run as the ledger holds it.
 *
 * @param paid what has left the escrow: rewards, and the budget returned after the claim window
 * @param closedAt when it was closed, in seconds since the epoch by the ledger's clock (0 while
 *     open)
 */
public record Run(
    Hash32 runId,
    Address coordinator,
    RunConfig config,
    Hash32 genesisUpdate,
    Hash32 genesisModel,
    BigInteger paid,
    boolean open,
    long closedAt) {

  /** This run with {@code amount} more paid out. */
  public Run plusPaid(BigInteger amount) {
    return new Run(
        runId, coordinator, config, genesisUpdate, genesisModel, paid.add(amount), open, closedAt);
  }

  /** This run, closed at {@code at} (seconds since the epoch). */
  public Run closed(long at) {
    return new Run(runId, coordinator, config, genesisUpdate, genesisModel, paid, false, at);
  }

  /** What is left of the budget. */
  public BigInteger unpaid() {
    return config.budget().subtract(paid);
  }

  /** This run with its genesis update (for indexes that see the two events in either order). */
  public Run withGenesis(Hash32 update, Hash32 model) {
    return new Run(runId, coordinator, config, update, model, paid, open, closedAt);
  }
}
