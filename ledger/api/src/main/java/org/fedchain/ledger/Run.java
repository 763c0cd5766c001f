package org.fedchain.ledger;

import java.math.BigInteger;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/** A run as the ledger holds it. */
public record Run(
    Hash32 runId,
    Address coordinator,
    RunConfig config,
    Hash32 genesisUpdate,
    Hash32 genesisModel,
    BigInteger paid,
    boolean open) {

  /** This run with {@code amount} more paid out. */
  public Run plusPaid(BigInteger amount) {
    return new Run(runId, coordinator, config, genesisUpdate, genesisModel, paid.add(amount), open);
  }

  /** This run, closed. */
  public Run closed() {
    return new Run(runId, coordinator, config, genesisUpdate, genesisModel, paid, false);
  }

  /** This run with its genesis update (for indexes that see the two events in either order). */
  public Run withGenesis(Hash32 update, Hash32 model) {
    return new Run(runId, coordinator, config, update, model, paid, open);
  }
}
