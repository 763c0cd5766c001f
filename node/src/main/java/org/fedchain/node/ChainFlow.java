package org.fedchain.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.rules.Rules;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;
import org.fedchain.verifier.VerificationException;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * Chained training on one ledger and store: open a run with its genesis model, and continue the
 * chain: head from the ledger, blob from the store, verify, train, write model and manifest, sign,
 * record. Blobs are stored before the update is submitted, so a crash after recording never loses
 * the model the ledger points to.
 */
public final class ChainFlow {
  private final Ledger ledger;
  private final BlobStore store;

  /** Latest first: the highest seq, the earliest recorded on a tie. */
  private static final Comparator<UpdateRecord> LATEST =
      Comparator.comparingLong((UpdateRecord r) -> r.receipt().seq())
          .reversed()
          .thenComparingLong(UpdateRecord::height);

  public ChainFlow(Ledger ledger, BlobStore store) {
    this.ledger = ledger;
    this.store = store;
  }

  /**
   * A recorded hop: the new update, how training went, the head it continued from and the later
   * heads it passed over, each with the reason ("seq 4 0x..: tensor fc.weight holds NaN ...").
   */
  public record Hop(
      UpdateRecord update, TrainingResult training, UpdateRecord from, List<String> skipped) {}

  /**
   * The head a node continues from, its verified model, the run's architecture, and the heads it
   * passed over and why.
   */
  public record Start(
      UpdateRecord head, List<Tensor> model, Architecture arch, List<String> skipped) {}

  /**
   * {@link #openRun(EthereumIdentity, Architecture, List, RunConfig, String, Task.Terms)} with the
   * architecture's default task.
   */
  public UpdateRecord openRun(
      EthereumIdentity coordinator,
      Architecture arch,
      List<Tensor> genesis,
      RunConfig config,
      String origin)
      throws IOException, LedgerException {
    return openRun(coordinator, arch, genesis, config, origin, Task.Terms.defaultFor(arch));
  }

  /**
   * Opens a run: stores the model spec, the genesis model and its manifest (which records the
   * spec's hash, the task's loss and metric and the head gate's tolerance), and records the
   * coordinator's signed GENESIS with the terms.
   */
  public UpdateRecord openRun(
      EthereumIdentity coordinator,
      Architecture arch,
      List<Tensor> genesis,
      RunConfig config,
      String origin,
      Task.Terms task)
      throws IOException, LedgerException {
    ModelCodec.check(arch, genesis);
    // the ledger would refuse these terms too, but only after the genesis blobs are stored
    Rules.checkTerms(config, coordinator.address(), ledger.balance(coordinator.address()));
    byte[] model = ModelCodec.write(genesis);
    Hash32 runId = config.runId(coordinator.address()); // the terms' random nonce makes it unique
    store.put(arch.spec().canonical()); // every node, validator and auditor rebuilds it from here
    Hash32 modelHash = store.put(model);
    Map<String, String> hyper = new java.util.TreeMap<>(task.hyperparameters());
    hyper.put("origin", origin);
    hyper.put("mode", config.mode().name());
    hyper.put(HeadGate.TOLERANCE, Double.toString(HeadGate.DEFAULT_TOLERANCE));
    Manifest m =
        Manifest.builder()
            .runId(runId)
            .kind(UpdateKind.GENESIS)
            .model(modelHash)
            .tensors(genesis)
            .architecture(arch.id())
            .hyperparameters(hyper)
            .software(TrainedUpdates.software())
            .build();
    Hash32 manifestHash = store.put(m.toJson());
    ModelUpdate receipt =
        new ModelUpdate(
            runId,
            0,
            UpdateKind.GENESIS,
            Hash32.ZERO,
            modelHash,
            manifestHash,
            config.hash(),
            0,
            coordinator.address());
    return ledger.openRun(config, TrainedUpdates.sign(ledger, coordinator, receipt));
  }

  /** The head a node continues from: the highest seq, earliest recorded on a tie. */
  public UpdateRecord head(Hash32 runId) throws LedgerException {
    List<UpdateRecord> heads = ledger.heads(runId);
    if (heads.isEmpty()) {
      throw new LedgerException("no run " + runId + " on this ledger");
    }
    return heads.stream().min(LATEST).orElseThrow();
  }

  public Run run(Hash32 runId) throws LedgerException {
    return ledger
        .run(runId)
        .orElseThrow(
            () ->
                new LedgerException(
                    "no run "
                        + runId
                        + " on this ledger ("
                        + ledger.domain().verifyingContract()
                        + ")"));
  }

  /** The architecture named by the run's genesis manifest. */
  public Architecture architecture(Run run) throws IOException, LedgerException {
    return architecture(run, BlobSource.LOCAL);
  }

  /**
   * The architecture named by the run's genesis manifest, fetching the manifest and the spec from
   * {@code source} if this store lacks them (each checked against its hash on arrival).
   */
  public Architecture architecture(Run run, BlobSource source) throws IOException, LedgerException {
    UpdateRecord g = ledger.update(run.genesisUpdate()).orElseThrow();
    source.ensure(g.receipt().manifest());
    return architecture(genesisManifest(run).architecture(), store, source);
  }

  /** The run's task (loss and metric), as its genesis manifest records it. */
  public Task.Terms task(Run run) throws IOException, LedgerException {
    return Task.Terms.of(genesisManifest(run).hyperparameters());
  }

  /**
   * The architecture a manifest names: a built-in one, or the spec stored under that hash, fetched
   * from {@code source} first if this store lacks it.
   */
  public static Architecture architecture(String ref, BlobStore store, BlobSource source)
      throws IOException {
    try {
      return Architectures.get(ref);
    } catch (IllegalArgumentException notBuiltIn) {
      // a spec of the run's own: by its hash, from the store
    }
    Hash32 h;
    try {
      h = Hash32.parse(ref);
    } catch (IllegalArgumentException e) {
      throw new IOException("the manifest names architecture '" + ref + "': " + e.getMessage());
    }
    if (!store.has(h)) {
      source.ensure(h);
    }
    byte[] spec =
        store
            .find(h)
            .orElseThrow(() -> new IOException("model spec " + ref + " is not in the store"));
    try {
      return Architectures.resolve(ref, x -> java.util.Optional.of(spec));
    } catch (IllegalArgumentException e) {
      throw new IOException("model spec " + ref + ": " + e.getMessage(), e);
    }
  }

  private Manifest genesisManifest(Run run) throws IOException, LedgerException {
    UpdateRecord g = ledger.update(run.genesisUpdate()).orElseThrow();
    return Manifest.parse(store.get(g.receipt().manifest()));
  }

  /** Where blobs missing from the local store come from: nowhere, or peers ({@link Peers}). */
  public interface BlobSource {
    BlobSource LOCAL = hash -> {};

    void ensure(Hash32 hash) throws IOException;
  }

  public Hop continueChain(
      Hash32 runId,
      EthereumIdentity node,
      Samples shard,
      TrainingConfig config,
      ProgressListener progress)
      throws IOException, LedgerException, VerificationException {
    return continueChain(runId, node, shard, config, progress, BlobSource.LOCAL);
  }

  public Hop continueChain(
      Hash32 runId,
      EthereumIdentity node,
      Samples shard,
      TrainingConfig config,
      ProgressListener progress,
      BlobSource source)
      throws IOException, LedgerException, VerificationException {
    return continueChain(runId, node, shard, config, progress, source, Map.of());
  }

  /**
   * Continues the chain on data lent by data owners: {@code grants} names each grant the shard came
   * from with the samples of it; the manifest lists them, and once the update is recorded the node
   * cites each ({@link DataGrants#cite}), so its claim pays the owners. Check the data against the
   * grants first ({@link DataGrants#check}).
   */
  public Hop continueChain(
      Hash32 runId,
      EthereumIdentity node,
      Samples shard,
      TrainingConfig config,
      ProgressListener progress,
      BlobSource source,
      Map<Hash32, Long> grants)
      throws IOException, LedgerException, VerificationException {
    Run run = run(runId);
    if (!run.open()) {
      throw new LedgerException("run " + runId + " is closed");
    }
    // the ledger would refuse the update: say so before hours of training, not after
    if (!ledger.admits(runId, node.address())) {
      throw new RejectedException(
          Reason.NOT_ADMITTED, node.address() + " is not admitted to run " + runId);
    }
    // the run's terms say what is optimised and how it is judged
    config = task(run).apply(config);
    Start from = soundHead(run, source, LocalTrainer.heldOut(shard, config), config);
    UpdateRecord head = from.head();
    List<Tensor> start = from.model();
    Architecture arch = from.arch();
    TrainingResult r = LocalTrainer.train(arch, start, shard, config, progress);

    ModelUpdate receipt =
        TrainedUpdates.store(
            store,
            node.address(),
            UpdateKind.CHAINED,
            head.receipt(),
            arch,
            config,
            r,
            r.tensors(),
            shard,
            grants);
    Signed<ModelUpdate> signed = TrainedUpdates.sign(ledger, node, receipt);
    if (run.config().commitReveal()) {
      // if someone replayed the commitment first, it is still ours: the submit reveals it
      Commitments.record(ledger, signed.digest(ledger.domain()), node.address());
    }
    UpdateRecord recorded = ledger.submit(signed);
    DataGrants.cite(ledger, node, recorded, grants);
    return new Hop(recorded, r, head, from.skipped());
  }

  /**
   * The latest sound head of a run: its lineage verifies, its model has the run's architecture and
   * only finite values, and, given {@code heldOut} samples, no update of its lineage fell below its
   * parent by more than the run's tolerance (by its validators' scores where it has them, else on
   * {@code heldOut}; see {@link HeadGate}). A head that fails is passed over with its reason, and
   * so is its branch: the next candidates are the other heads, then the run's older updates, latest
   * first. A lineage that does not verify against this node's store (a blob altered or missing
   * here) is an error, not a reason to fork the chain.
   *
   * @param heldOut samples this node did not train on, or null to check only finiteness and shapes
   */
  public Start soundHead(Run run, BlobSource source, Samples heldOut, TrainingConfig config)
      throws IOException, LedgerException, VerificationException {
    Hash32 runId = run.runId();
    Architecture arch = null; // read from the genesis manifest once the first lineage is here
    HeadGate gate = null;
    List<UpdateRecord> candidates = new ArrayList<>(ledger.heads(runId));
    if (candidates.isEmpty()) {
      throw new LedgerException("no run " + runId + " on this ledger");
    }
    candidates.sort(LATEST);
    List<UpdateRecord> older = new ArrayList<>(ledger.updates(runId));
    older.removeIf(u -> candidates.stream().anyMatch(h -> h.updateId().equals(u.updateId())));
    older.sort(LATEST);
    candidates.addAll(older);
    List<String> skipped = new ArrayList<>();
    for (UpdateRecord head : candidates) {
      // the ledger says which hashes are valid; peers only supply bytes, checked on arrival
      for (UpdateRecord u : ledger.lineage(head.updateId())) {
        source.ensure(u.receipt().model());
        source.ensure(u.receipt().manifest());
      }
      new Verifier(ledger, store).requireVerifiedLineage(head);
      if (arch == null) { // the genesis manifest is here once the first lineage is
        Manifest genesis = genesisManifest(run);
        arch = architecture(genesis.architecture(), store, source);
        gate =
            heldOut == null
                ? null
                : new HeadGate(ledger, store, arch, heldOut, config, tolerance(genesis));
      }
      String why;
      try {
        List<Tensor> model = ModelCodec.read(arch, store.get(head.receipt().model()));
        why = ModelCodec.nonFinite(model).orElse(null);
        if (why == null && gate != null) {
          why = gate.rejectLineage(ledger.lineage(head.updateId())).orElse(null);
        }
        if (why == null) {
          return new Start(head, model, arch, List.copyOf(skipped));
        }
      } catch (ModelFormatException e) {
        why = "not a model of " + arch.name() + ": " + e.getMessage();
      }
      skipped.add(
          "seq "
              + head.receipt().seq()
              + " "
              + head.updateId()
              + " by "
              + head.contributor()
              + ": "
              + why);
    }
    throw new LedgerException("run " + runId + " has no sound model to continue from: " + skipped);
  }

  /** The head gate's tolerance a genesis manifest records (a default for older runs). */
  private static double tolerance(Manifest genesis) throws IOException {
    String t = genesis.hyperparameters().get(HeadGate.TOLERANCE);
    try {
      return t == null ? HeadGate.DEFAULT_TOLERANCE : Double.parseDouble(t);
    } catch (NumberFormatException e) {
      throw new IOException("the run's genesis manifest has a tolerance that is no number: " + t);
    }
  }

  /** How a fresh genesis model came to be, as its run records it: "fresh, seed 1, kaiming init". */
  public static String freshOrigin(long seed, Architecture.Init init) {
    return "fresh, seed " + seed + ", " + init.name().toLowerCase(java.util.Locale.ROOT) + " init";
  }
}
