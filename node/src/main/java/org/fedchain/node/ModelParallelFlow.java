package org.fedchain.node;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fedchain.comms.CoordinatorMessages;
import org.fedchain.comms.v1.FinishStage;
import org.fedchain.comms.v1.OpenStage;
import org.fedchain.comms.v1.StageOpened;
import org.fedchain.comms.v1.StageSettings;
import org.fedchain.comms.v1.StageUpdate;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.SafeTensors;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Pipeline;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Stages;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.wallet.EthereumIdentity;

/**
 * The coordinator's side of model parallelism: it opens each stage node on the run's global model,
 * feeds the data through the pipeline (it holds the data; the stages hold the layers), collects
 * each stage's signed STAGE update, and records the model restacked from them as an AGGREGATE whose
 * inputs are the stage updates. Nothing is recorded until every stage has handed in a checked
 * update, so a stage that dies leaves the ledger as it was; STAGE updates recorded before a crash
 * are restacked by {@link #restack} on resume.
 *
 * <pre>{@code
 * ModelParallelFlow flow = new ModelParallelFlow(ledger, store, arch, Stages.parse("0-5,6-", 12), config, 4);
 * UpdateRecord g = flow.openRun(coordinator, arch.initialTensors(1), nodes, "fresh", terms);
 * ModelParallelFlow.Result r = flow.train(coordinator, g, stages, data, ProgressListener.NONE);
 * }</pre>
 */
public final class ModelParallelFlow {
  /** What a training recorded: the STAGE updates, the restacked AGGREGATE and the model. */
  public record Result(
      List<UpdateRecord> stages,
      UpdateRecord aggregate,
      List<Tensor> model,
      Pipeline.Result training) {}

  /** A stage failed or handed in something unacceptable; nothing of the training was recorded. */
  public static final class StageFailedException extends Exception {
    private final int stage;

    StageFailedException(int stage, String message, Throwable cause) {
      super("stage " + stage + ": " + message, cause);
      this.stage = stage;
    }

    /** The stage's index. */
    public int stage() {
      return stage;
    }
  }

  private final Ledger ledger;
  private final BlobStore store;
  private final Architecture arch;
  private final Stages stages;
  private final TrainingConfig config;
  private final int microBatches;

  public ModelParallelFlow(
      Ledger ledger,
      BlobStore store,
      Architecture arch,
      Stages stages,
      TrainingConfig config,
      int microBatches) {
    if (stages.to(stages.count() - 1) != arch.spec().layerCount() || stages.from(0) != 0) {
      throw new IllegalArgumentException(
          "stages "
              + stages
              + " do not cover the "
              + arch.spec().layerCount()
              + " layers of "
              + arch.name());
    }
    this.ledger = ledger;
    this.store = store;
    this.arch = arch;
    this.stages = stages;
    this.config = config;
    this.microBatches = microBatches;
  }

  /** Opens a model-parallel run that admits {@code nodes}, from {@code genesis}. */
  public UpdateRecord openRun(
      EthereumIdentity coordinator,
      List<Tensor> genesis,
      List<Address> nodes,
      String origin,
      Task.Terms task)
      throws IOException, LedgerException {
    RunConfig terms =
        new RunConfig(Mode.MODEL_PARALLEL, false, List.of(), 0, BigInteger.ZERO, BigInteger.ZERO)
            .admitting(nodes);
    return new ChainFlow(ledger, store).openRun(coordinator, arch, genesis, terms, origin, task);
  }

  /**
   * Trains the run's model from {@code global} on {@code data}, stage {@code k} on {@code
   * nodes.get(k)}, and records the STAGE updates and their restacked AGGREGATE.
   *
   * @throws StageFailedException naming the stage that failed (nothing recorded)
   */
  public Result train(
      EthereumIdentity coordinator,
      UpdateRecord global,
      List<RemoteStage> nodes,
      Samples data,
      ProgressListener listener)
      throws StageFailedException, IOException, LedgerException {
    if (nodes.size() != stages.count()) {
      throw new IllegalArgumentException(
          stages.count() + " stages (" + stages + ") need as many nodes, got " + nodes.size());
    }
    byte[] parent = store.get(global.receipt().model());
    long total = Pipeline.totalSteps(data.size(), config);
    List<Address> signers = new ArrayList<>();
    byte[] spec = arch.spec().canonical();
    for (int k = 0; k < nodes.size(); k++) {
      StageSettings settings = StageService.settings(config, total, microBatches);
      Hash32 digest =
          CoordinatorMessages.stageDigest(
              global.receipt().runId(),
              global.updateId(),
              spec,
              k,
              stages.from(k),
              stages.to(k),
              settings.toByteArray());
      OpenStage req =
          OpenStage.newBuilder()
              .setRunId(CoordinatorMessages.bytes(global.receipt().runId()))
              .setParentUpdateId(CoordinatorMessages.bytes(global.updateId()))
              .setParentModel(ByteString.copyFrom(parent))
              .setSpec(ByteString.copyFrom(spec))
              .setStage(k)
              .setFrom(stages.from(k))
              .setTo(stages.to(k))
              .setStages(stages.count())
              .setSettings(settings)
              .setSignature(ByteString.copyFrom(coordinator.signer().sign(digest)))
              .build();
      try {
        StageOpened opened = nodes.get(k).open(req);
        signers.add(CoordinatorMessages.address("node", opened.getNode()));
      } catch (StatusRuntimeException | IllegalArgumentException e) {
        throw new StageFailedException(k, nodes.get(k).name() + " did not open: " + message(e), e);
      }
    }
    Pipeline.Result trained;
    try {
      trained = Pipeline.train(arch, nodes, data, config, microBatches, listener);
    } catch (Pipeline.StageFailure e) {
      throw new StageFailedException(e.stage(), e.getCause().getMessage(), e);
    }
    Hash32 commitment = data.commitment();
    List<Signed<ModelUpdate>> handedIn = new ArrayList<>();
    for (int k = 0; k < nodes.size(); k++) {
      StageUpdate u;
      try {
        u =
            nodes
                .get(k)
                .finish(
                    FinishStage.newBuilder()
                        .setData(CoordinatorMessages.bytes(commitment))
                        .setSamples(data.size())
                        .build());
      } catch (StatusRuntimeException e) {
        throw new StageFailedException(
            k, nodes.get(k).name() + " did not finish: " + message(e), e);
      }
      handedIn.add(checked(k, u, signers.get(k), global, commitment, data.size()));
    }
    // every stage handed in a sound update: only now is anything recorded
    List<UpdateRecord> recorded = new ArrayList<>();
    for (Signed<ModelUpdate> s : handedIn) {
      recorded.add(ledger.submit(s));
    }
    UpdateRecord aggregate = restack(coordinator, global, recorded);
    return new Result(
        recorded,
        aggregate,
        ModelCodec.read(arch, store.get(aggregate.receipt().model())),
        trained);
  }

  /**
   * Records the model of {@code stageUpdates} (one per stage, in stage order, each continuing
   * {@code global}) restacked, as the coordinator's AGGREGATE.
   */
  public UpdateRecord restack(
      EthereumIdentity coordinator, UpdateRecord global, List<UpdateRecord> stageUpdates)
      throws IOException, LedgerException {
    List<Tensor> tensors = new ArrayList<>();
    for (UpdateRecord u : stageUpdates) {
      tensors.addAll(SafeTensors.read(store.get(u.receipt().model()), SafeTensors.Form.CANONICAL));
    }
    ModelCodec.check(arch, tensors);
    return TrainedUpdates.recordAggregate(
        ledger,
        store,
        coordinator,
        global,
        arch,
        tensors,
        store.put(ModelCodec.write(tensors)),
        Map.of("strategy", Stages.RESTACK, "stages", stages.toString()),
        stageUpdates.stream().map(UpdateRecord::updateId).toList(),
        null,
        stageUpdates.get(0).receipt().samples()); // every stage saw the same samples
  }

  /**
   * The STAGE updates recorded from {@code global} and not yet restacked, in stage order, if there
   * is one for every stage: what a coordinator that crashed after recording them restacks.
   */
  public List<UpdateRecord> unrestacked(UpdateRecord global) throws LedgerException, IOException {
    List<UpdateRecord> children = ledger.children(global.updateId());
    if (children.stream().anyMatch(c -> c.receipt().kind() == UpdateKind.AGGREGATE)) {
      return List.of();
    }
    UpdateRecord[] byStage = new UpdateRecord[stages.count()];
    for (UpdateRecord c : children) {
      if (c.receipt().kind() != UpdateKind.STAGE) {
        continue;
      }
      int[] layers =
          Stages.layers(
              Manifest.parse(store.get(c.receipt().manifest()))
                  .hyperparameters()
                  .get(Stages.LAYERS));
      for (int k = 0; k < stages.count(); k++) {
        if (stages.from(k) == layers[0] && stages.to(k) == layers[1] && byStage[k] == null) {
          byStage[k] = c;
        }
      }
    }
    for (UpdateRecord u : byStage) {
      if (u == null) {
        return List.of();
      }
    }
    return List.of(byStage);
  }

  /** A stage's update, if it is what the coordinator asked for, with its blobs now stored here. */
  private Signed<ModelUpdate> checked(
      int k, StageUpdate u, Address signer, UpdateRecord global, Hash32 commitment, long samples)
      throws StageFailedException, IOException {
    try {
      Signed<ModelUpdate> s = CoordinatorMessages.receipt(u.getUpdate());
      ModelUpdate r = s.message();
      List<String> wrong = new ArrayList<>();
      if (!s.signer().equals(signer) || !r.contributor().equals(signer)) {
        wrong.add("signed by " + s.signer() + ", the stage opened as " + signer);
      }
      if (!recovers(s)) {
        wrong.add("its signature does not recover its signer");
      }
      if (r.kind() != UpdateKind.STAGE
          || !r.runId().equals(global.receipt().runId())
          || !r.parent().equals(global.receipt().model())
          || r.seq() != global.receipt().seq() + 1) {
        wrong.add("it is no STAGE update continuing the global model " + global.updateId());
      }
      if (!r.data().equals(commitment) || r.samples() != samples) {
        wrong.add("it names other training data than was fed to it");
      }
      byte[] model = u.getModel().toByteArray();
      byte[] manifest = u.getManifest().toByteArray();
      if (!Hash32.sha256(model).equals(r.model())
          || !Hash32.sha256(manifest).equals(r.manifest())) {
        wrong.add("its blobs do not hash to its receipt");
      }
      if (wrong.isEmpty()) {
        Manifest m = Manifest.parse(manifest);
        int[] layers = Stages.layers(m.hyperparameters().get(Stages.LAYERS));
        if (layers[0] != stages.from(k) || layers[1] != stages.to(k)) {
          wrong.add("its manifest names layers " + m.hyperparameters().get(Stages.LAYERS));
        }
        List<Tensor> tensors = SafeTensors.read(model, SafeTensors.Form.CANONICAL);
        Stages.checkLayers(arch, stages.from(k), stages.to(k), tensors);
        ModelCodec.nonFinite(tensors).ifPresent(wrong::add);
        if (!Manifest.tensorHashes(tensors).equals(m.tensors())) {
          wrong.add("its manifest's tensor hashes are not its model's");
        }
      }
      if (!wrong.isEmpty()) {
        throw new StageFailedException(k, "refused its update: " + String.join("; ", wrong), null);
      }
      store.put(model);
      store.put(manifest);
      return s;
    } catch (IllegalArgumentException e) {
      throw new StageFailedException(k, "refused its update: " + e.getMessage(), e);
    }
  }

  private boolean recovers(Signed<ModelUpdate> s) {
    try {
      return org.fedchain.core.receipt.Secp256k1.recover(s.digest(ledger.domain()), s.signature())
          .equals(s.signer());
    } catch (org.fedchain.core.receipt.SignatureException e) {
      return false;
    }
  }

  private static String message(Exception e) {
    return e instanceof StatusRuntimeException s
        ? s.getStatus().getCode() + " " + s.getStatus().getDescription()
        : e.getMessage();
  }
}
