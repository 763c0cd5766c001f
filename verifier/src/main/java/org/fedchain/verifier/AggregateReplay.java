package org.fedchain.verifier;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Stages;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.trainer.aggregate.Strategy;

/**
 * Recomputes an AGGREGATE from what is recorded (decision 13): the strategy and input weights in
 * its manifest, the input LOCAL updates it lists, their models and manifests, and the parent global
 * model, all read from the ledger and the store; the result must hash to the recorded model. An
 * auditor so checks that the coordinator computed what it claims, not only that it signed it.
 */
public final class AggregateReplay {
  private AggregateReplay() {}

  /**
   * {@code audit} with, for each AGGREGATE that verified, the problem found recomputing it, if any.
   */
  public static RunAudit recomputed(Ledger ledger, BlobStore store, RunAudit audit)
      throws LedgerException {
    // the audit has already read and hashed every verified model: reuse them, do not read twice
    Map<Hash32, List<Tensor>> verified = new HashMap<>();
    for (UpdateCheck c : audit.updates()) {
      if (c.ok() && !c.model().isEmpty()) {
        verified.put(c.update().receipt().model(), c.model());
      }
    }
    List<UpdateCheck> checks = new ArrayList<>();
    for (UpdateCheck c : audit.updates()) {
      Optional<String> problem = Optional.empty();
      if (c.ok() && c.update().receipt().kind() == UpdateKind.AGGREGATE) {
        try {
          problem = check(ledger, store, c.update(), verified);
        } catch (IOException | RuntimeException e) {
          problem = Optional.of("cannot recompute: " + e.getMessage());
        }
      }
      checks.add(
          problem.isEmpty()
              ? c
              : new UpdateCheck(
                  c.update(), List.of("recomputed: " + problem.get()), c.model(), c.layers()));
    }
    return audit.withUpdates(checks);
  }

  /**
   * Why {@code aggregate}'s model is not what its recorded inputs give, or empty if it is. Models
   * in {@code verified} (by hash) are taken from there instead of the store.
   *
   * @throws IOException if a blob is missing from the store or corrupt
   */
  public static Optional<String> check(
      Ledger ledger, BlobStore store, UpdateRecord aggregate, Map<Hash32, List<Tensor>> verified)
      throws IOException, LedgerException {
    if (aggregate.receipt().kind() != UpdateKind.AGGREGATE) {
      throw new IllegalArgumentException("not an AGGREGATE: " + aggregate.receipt().kind());
    }
    Manifest m = Manifest.parse(store.get(aggregate.receipt().manifest()));
    String id = m.hyperparameters().get("strategy");
    if (id == null) {
      return Optional.of("the manifest names no strategy");
    }
    Strategy strategy;
    Architecture arch;
    try {
      arch = Architectures.resolve(m.architecture(), store);
      if (id.equals(Stages.RESTACK)) {
        return restacked(ledger, store, aggregate, m, arch, verified);
      }
      strategy = Strategies.parse(id);
    } catch (IllegalArgumentException | IOException e) {
      return Optional.of("cannot recompute: " + e.getMessage());
    }
    List<Strategy.Input> inputs = new ArrayList<>();
    for (int i = 0; i < m.inputs().size(); i++) {
      Optional<UpdateRecord> u = ledger.update(m.inputs().get(i));
      if (u.isEmpty()) {
        return Optional.of("input " + m.inputs().get(i).hex() + " is not recorded");
      }
      List<Tensor> tensors = model(store, arch, u.get().receipt().model(), verified);
      // what the coordinator must have refused before aggregating, repeated from the ledger
      Optional<String> unsound = inputProblem(store, u.get(), tensors);
      if (unsound.isPresent()) {
        return Optional.of("input " + m.inputs().get(i).hex() + " " + unsound.get());
      }
      inputs.add(strategyInput(store, u.get(), tensors, m.weight(i)));
    }
    List<Tensor> parent = model(store, arch, aggregate.receipt().parent(), verified);
    Optional<String> bound = checkNormBound(ledger, store, arch, m, parent, verified);
    if (bound.isPresent()) {
      return bound;
    }
    List<Tensor> result;
    try {
      result = Strategies.aggregateModel(strategy, parent, inputs);
    } catch (IllegalArgumentException e) {
      return Optional.of("the inputs cannot be aggregated with " + id + ": " + e.getMessage());
    }
    Hash32 recomputed = Hash32.sha256(ModelCodec.write(result));
    if (!recomputed.equals(aggregate.receipt().model())) {
      return Optional.of(
          "model "
              + aggregate.receipt().model().hex()
              + " is not "
              + id
              + " of the inputs its manifest lists (they give "
              + recomputed.hex()
              + ")");
    }
    return Optional.empty();
  }

  /**
   * Why a model-parallel AGGREGATE is not its STAGE inputs restacked, or empty if it is: the inputs
   * continue the aggregate's parent, their layers follow one another from the first to the last,
   * and every tensor of the recorded model is the stage's, bit for bit. A difference names the
   * stage (its layers and who signed them).
   */
  private static Optional<String> restacked(
      Ledger ledger,
      BlobStore store,
      UpdateRecord aggregate,
      Manifest m,
      Architecture arch,
      Map<Hash32, List<Tensor>> verified)
      throws IOException, LedgerException {
    Map<String, Tensor> model = new HashMap<>();
    for (Tensor t : tensors(store, aggregate.receipt().model(), verified)) {
      model.put(t.name(), t);
    }
    int next = 0;
    int restackedTensors = 0;
    for (Hash32 id : m.inputs()) {
      Optional<UpdateRecord> in = ledger.update(id);
      if (in.isEmpty()) {
        return Optional.of("input " + id.hex() + " is not recorded");
      }
      UpdateRecord u = in.get();
      if (u.receipt().kind() != UpdateKind.STAGE) {
        return Optional.of("input " + id.hex() + " is a " + u.receipt().kind() + ", not a STAGE");
      }
      int[] layers =
          Stages.layers(
              Manifest.parse(store.get(u.receipt().manifest()))
                  .hyperparameters()
                  .get(Stages.LAYERS));
      String stage =
          "stage of layers " + layers[0] + "-" + (layers[1] - 1) + " (" + u.contributor() + ")";
      if (layers[0] != next) {
        return Optional.of(stage + " starts at layer " + layers[0] + ", expected " + next);
      }
      if (!u.receipt().parent().equals(aggregate.receipt().parent())) {
        return Optional.of(stage + " did not start from the aggregate's parent");
      }
      List<Tensor> part = tensors(store, u.receipt().model(), verified);
      Stages.checkLayers(arch, layers[0], layers[1], part);
      for (Tensor t : part) {
        if (!t.equals(model.get(t.name()))) {
          return Optional.of(stage + ": the recorded model's " + t.name() + " is not the stage's");
        }
      }
      restackedTensors += part.size();
      next = layers[1];
    }
    if (next != arch.spec().layerCount()) {
      return Optional.of(
          "the stages end at layer " + (next - 1) + "; the model has " + arch.spec().layerCount());
    }
    if (restackedTensors != model.size()) {
      return Optional.of(
          "the recorded model has " + model.size() + " tensors, the stages " + restackedTensors);
    }
    return Optional.empty();
  }

  private static List<Tensor> tensors(
      BlobStore store, Hash32 hash, Map<Hash32, List<Tensor>> verified) throws IOException {
    List<Tensor> known = verified.get(hash);
    return known != null
        ? known
        : org.fedchain.core.model.SafeTensors.read(
            store.get(hash), org.fedchain.core.model.SafeTensors.Form.CANONICAL);
  }

  /**
   * Why the inputs and left-out updates of an aggregate whose manifest records a norm bound are not
   * split by that bound, or empty if they are (or if it records none).
   */
  private static Optional<String> checkNormBound(
      Ledger ledger,
      BlobStore store,
      Architecture arch,
      Manifest m,
      List<Tensor> parent,
      Map<Hash32, List<Tensor>> verified)
      throws IOException, LedgerException {
    String b = m.hyperparameters().get(NormBound.BOUND);
    if (b == null) {
      return Optional.empty();
    }
    double bound;
    try {
      bound = Double.parseDouble(b);
    } catch (NumberFormatException e) {
      return Optional.of("the norm bound " + b + " is no number");
    }
    List<Hash32> all = new ArrayList<>(m.inputs());
    String left = m.hyperparameters().getOrDefault(NormBound.LEFT_OUT, "");
    for (String id : left.isEmpty() ? new String[0] : left.split(",")) {
      all.add(Hash32.parse(id));
    }
    List<Double> norms = new ArrayList<>();
    for (Hash32 id : all) {
      Optional<UpdateRecord> u = ledger.update(id);
      if (u.isEmpty()) {
        return Optional.of("update " + id.hex() + " of the round is not recorded");
      }
      norms.add(
          NormBound.deltaNorm(parent, model(store, arch, u.get().receipt().model(), verified)));
    }
    List<Integer> out = NormBound.outliers(norms, bound);
    for (int i = 0; i < all.size(); i++) {
      boolean leftOut = i >= m.inputs().size();
      if (out.contains(i) != leftOut) {
        return Optional.of(
            "update "
                + all.get(i).hex()
                + (leftOut ? " was left out but is within " : " was taken but is beyond ")
                + bound
                + " times the round's median change");
      }
    }
    return Optional.empty();
  }

  /**
   * Why a LOCAL update is no input an aggregate may take, or empty: a tensor that is not finite, or
   * more optimizer steps than its own manifest's epochs and batch size allow on its samples
   * (FedNova divides by them).
   */
  static Optional<String> inputProblem(BlobStore store, UpdateRecord u, List<Tensor> tensors)
      throws IOException {
    Optional<String> nonFinite = ModelCodec.nonFinite(tensors);
    if (nonFinite.isPresent()) {
      return Optional.of("is unsound: " + nonFinite.get());
    }
    Manifest local = Manifest.parse(store.get(u.receipt().manifest()));
    String b = local.hyperparameters().get("batch_size");
    if (b == null) {
      return Optional.empty(); // an older manifest: nothing to hold the steps against
    }
    long batch;
    try {
      batch = Long.parseLong(b);
    } catch (NumberFormatException e) {
      return Optional.of("states a batch size that is no number: " + b);
    }
    long samples = u.receipt().samples();
    if (batch < 1 || samples < 1) {
      return Optional.of("states batch size " + batch + " and " + samples + " samples");
    }
    long batches = samples / batch + (samples % batch == 0 ? 0 : 1);
    long most =
        local.epochs() < 1 || batches <= Long.MAX_VALUE / local.epochs()
            ? Math.max(0, local.epochs()) * batches
            : Long.MAX_VALUE;
    if (local.steps() < 1 || local.steps() > most) {
      return Optional.of(
          "claims "
              + local.steps()
              + " optimizer steps; "
              + local.epochs()
              + " epoch(s) of "
              + samples
              + " samples in batches of "
              + batch
              + " take at most "
              + most);
    }
    return Optional.empty();
  }

  /**
   * What a strategy reads of one LOCAL update: its tensors, the samples its receipt claims, the
   * weight the coordinator gave it, and the steps and momentum its manifest states. The coordinator
   * aggregates from exactly this, so the audit recomputes from exactly this.
   */
  public static Strategy.Input strategyInput(
      BlobStore store, UpdateRecord update, List<Tensor> tensors, double weight)
      throws IOException {
    Manifest local = Manifest.parse(store.get(update.receipt().manifest()));
    return new Strategy.Input(
        tensors, update.receipt().samples(), weight, local.steps(), momentum(local));
  }

  /**
   * The momentum a LOCAL manifest states, 0 if it states none a strategy could use. Like the sample
   * count FedAvg weights by, it is the client's signed claim; robust strategies do not read it.
   */
  private static double momentum(Manifest m) {
    try {
      double v = Double.parseDouble(m.hyperparameters().getOrDefault("momentum", "0"));
      return v >= 0 && v < 1 ? v : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A model the audit verified, else read from the store; checked against {@code arch}. */
  private static List<Tensor> model(
      BlobStore store, Architecture arch, Hash32 hash, Map<Hash32, List<Tensor>> verified)
      throws IOException {
    List<Tensor> known = verified.get(hash);
    if (known == null) {
      return ModelCodec.read(arch, store.get(hash));
    }
    ModelCodec.check(arch, known);
    return known;
  }
}
