package org.fedchain.node;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;

/**
 * Whether a recorded chained update is good enough to continue from: its validators' mean score,
 * when it has attestations, or else this node's own check on its held-out samples, must not fall
 * below its parent's by the run's metric (as a gain) by more than the run's tolerance. A finite
 * model of the right shapes that is junk (trained with a wild learning rate, or random) fails here;
 * so does every update after it, since the chain is judged update by update back to the genesis.
 */
final class HeadGate {
  /** The tolerance a run records in its genesis manifest, or this when it records none. */
  static final double DEFAULT_TOLERANCE = 0.02;

  /** The genesis manifest's hyperparameter that holds the tolerance. */
  static final String TOLERANCE = "tolerance";

  private final Ledger ledger;
  private final Architecture arch;
  private final HeldOutGain gains;
  private final double tolerance;
  private final Map<Hash32, Optional<String>> verdicts = new HashMap<>();

  HeadGate(
      Ledger ledger,
      BlobStore store,
      Architecture arch,
      Samples heldOut,
      TrainingConfig task,
      double tolerance) {
    this.ledger = ledger;
    this.arch = arch;
    this.gains = new HeldOutGain(store, heldOut, task);
    this.tolerance = tolerance;
  }

  /**
   * Why the head of {@code lineage} (head first, as the ledger lists it) is not good enough to
   * build on, or empty when neither it nor any update before it failed.
   */
  Optional<String> rejectLineage(java.util.List<UpdateRecord> lineage)
      throws IOException, LedgerException {
    for (int i = lineage.size() - 1; i >= 0; i--) { // the oldest failure is the one to name
      UpdateRecord u = lineage.get(i);
      Optional<String> why = reject(u);
      if (why.isPresent()) {
        return i == 0
            ? why
            : Optional.of(
                "it builds on seq "
                    + u.receipt().seq()
                    + " "
                    + u.updateId()
                    + " by "
                    + u.contributor()
                    + ", which failed: "
                    + why.get());
      }
    }
    return Optional.empty();
  }

  /** Why {@code u} is not good enough to build on, or empty when it is (judged once each). */
  Optional<String> reject(UpdateRecord u) throws IOException, LedgerException {
    Optional<String> known = verdicts.get(u.updateId());
    if (known == null) {
      known = judge(u);
      verdicts.put(u.updateId(), known);
    }
    return known;
  }

  private Optional<String> judge(UpdateRecord u) throws IOException, LedgerException {
    if (u.receipt().kind() == UpdateKind.GENESIS) {
      return Optional.empty();
    }
    Map<Address, Long> scores = ledger.attestations(u.updateId());
    if (!scores.isEmpty()) {
      // the validators' word (the metric's gain in basis points) outranks this node's own check
      double mean = scores.values().stream().mapToLong(Long::longValue).average().orElseThrow();
      return mean / 10_000 >= -tolerance
          ? Optional.empty()
          : Optional.of(
              String.format(
                  "its %d validator(s) scored it %.0f basis points below its parent (tolerance %.0f)",
                  scores.size(), -mean, tolerance * 10_000));
    }
    double mine;
    double parent;
    try {
      mine = gains.of(arch, u.receipt().model());
      parent = gains.of(arch, u.receipt().parent());
    } catch (org.fedchain.core.model.ModelFormatException e) {
      return Optional.of("not a model of " + arch.name() + ": " + e.getMessage());
    }
    Task.Metric metric = gains.task().metric();
    return mine >= parent - tolerance
        ? Optional.empty()
        : Optional.of(
            String.format(
                "%s %.4f on my %d held-out samples, its parent's %.4f (tolerance %.4f)",
                metric.id(),
                metric.gain(mine),
                gains.samples().size(),
                metric.gain(parent),
                tolerance));
  }
}
