package org.fedchain.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.trainer.aggregate.Strategy;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.NormBound;
import org.fedchain.wallet.EthereumIdentity;

/**
 * The coordinator's one computation in data-parallel mode: aggregate recorded LOCAL updates with a
 * {@link Strategy} into the next global model, store it with its manifest (which lists the input
 * update ids) and record it as an AGGREGATE signed by the coordinator. Used in-process by {@link
 * FedAvgFlow} and over gRPC by {@link CoordinatorService}.
 */
public final class Aggregator {
  /**
   * One recorded LOCAL update to aggregate.
   *
   * @param weight multiplies the update's sample count (1, or FedBuff's staleness weight)
   */
  public record Input(UpdateRecord update, List<Tensor> tensors, double weight) {}

  private final Ledger ledger;
  private final BlobStore store;
  private final Architecture arch;
  private final Strategy strategy;
  private final double normBound;

  /** An aggregator that takes every input. */
  public Aggregator(Ledger ledger, BlobStore store, Architecture arch, Strategy strategy) {
    this(ledger, store, arch, strategy, 0);
  }

  /**
   * An aggregator that leaves out inputs whose change to the global model is longer than {@code
   * normBound} times the round's median ({@link NormBound}); 0 takes every input.
   */
  public Aggregator(
      Ledger ledger, BlobStore store, Architecture arch, Strategy strategy, double normBound) {
    if (!(normBound == 0 || normBound >= 1) || Double.isInfinite(normBound)) {
      throw new IllegalArgumentException(
          "the norm bound is a factor of the median of at least 1, or 0 for none; got "
              + normBound);
    }
    this.ledger = ledger;
    this.store = store;
    this.arch = arch;
    this.strategy = strategy;
    this.normBound = normBound;
  }

  public Architecture architecture() {
    return arch;
  }

  /** Aggregates {@code inputs} into a new global model after {@code global}; records it. */
  public UpdateRecord aggregate(
      EthereumIdentity coordinator, UpdateRecord global, List<Input> offered)
      throws IOException, LedgerException {
    List<Input> inputs = offered;
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException(
          "no client update to aggregate after "
              + global.receipt().model().hex()
              + " (all sampled clients missed the deadline?)");
    }
    List<Tensor> parent = ModelCodec.read(arch, store.get(global.receipt().model()));
    Map<String, String> hyper = new java.util.TreeMap<>();
    hyper.put("strategy", strategy.id());
    if (normBound > 0) {
      List<Double> norms = new ArrayList<>();
      for (Input l : inputs) {
        norms.add(NormBound.deltaNorm(parent, l.tensors()));
      }
      List<Integer> out = NormBound.outliers(norms, normBound);
      hyper.put(NormBound.BOUND, Double.toString(normBound));
      if (!out.isEmpty()) {
        List<Input> kept = new ArrayList<>();
        List<String> left = new ArrayList<>();
        for (int i = 0; i < offered.size(); i++) {
          if (out.contains(i)) {
            left.add(offered.get(i).update().updateId().hex());
          } else {
            kept.add(offered.get(i));
          }
        }
        hyper.put(NormBound.LEFT_OUT, String.join(",", left));
        inputs = kept;
      }
    }
    List<Strategy.Input> in = new ArrayList<>();
    for (Input l : inputs) {
      in.add(AggregateReplay.strategyInput(store, l.update(), l.tensors(), l.weight()));
    }
    List<Tensor> tensors = Strategies.aggregateModel(strategy, parent, in);
    Hash32 runId = global.receipt().runId();
    Hash32 modelHash = store.put(ModelCodec.write(tensors));
    // The aggregate is recorded as the coordinator's own AGGREGATE even when a LOCAL holds the same
    // model (Krum's pick, or someone who averaged the round's blobs first): the ledger indexes
    // global models apart from contributions, so a LOCAL never becomes the round's model.
    var existing = ledger.updateOfModel(runId, modelHash);
    if (existing.isPresent() && isGlobal(existing.get().receipt().kind())) {
      UpdateRecord e = existing.get();
      if (e.receipt().kind() == UpdateKind.AGGREGATE
          && e.receipt().parent().equals(global.receipt().model())) {
        return e; // this round was aggregated before a restart: the same inputs, the same result
      }
      throw new IOException(
          "the round's aggregate "
              + modelHash.hex()
              + " is already this run's global model (update "
              + e.updateId()
              + "): the round changed nothing");
    }
    return TrainedUpdates.recordAggregate(
        ledger,
        store,
        coordinator,
        global,
        arch,
        tensors,
        modelHash,
        hyper,
        inputs.stream().map(l -> l.update().updateId()).toList(),
        inputs.stream().map(Input::weight).toList(),
        inputs.stream().mapToLong(l -> l.update().receipt().samples()).sum());
  }

  private static boolean isGlobal(UpdateKind k) {
    return k == UpdateKind.GENESIS || k == UpdateKind.AGGREGATE;
  }
}
