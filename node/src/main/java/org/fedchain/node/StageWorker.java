package org.fedchain.node;

import java.io.IOException;
import java.util.List;
import java.util.TreeMap;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ModelSpec;
import org.fedchain.trainer.StageTrainer;
import org.fedchain.trainer.Stages;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.wallet.EthereumIdentity;

/**
 * A node's side of a model-parallel run, without the network: it opens its stage only from a model
 * the ledger records as the run's global model, cuts its layers out of it itself, trains them as
 * the coordinator drives, and at the end stores and signs its layers' parameters as a STAGE update.
 * One training at a time.
 */
public final class StageWorker implements AutoCloseable {
  /** A request this node refuses: the message says why. */
  public static final class Refused extends Exception {
    /**
     * Whose fault: someone who may not ask, a stage that is busy, or a request that does not fit.
     */
    public enum Kind {
      DENIED,
      BUSY,
      UNFIT
    }

    private final Kind kind;

    public Refused(String message) {
      this(Kind.UNFIT, message);
    }

    public Refused(Kind kind, String message) {
      super(message);
      this.kind = kind;
    }

    public Kind kind() {
      return kind;
    }
  }

  /** A signed STAGE update and its blobs (already in this node's store). */
  public record Finished(Signed<ModelUpdate> update, byte[] model, byte[] manifest) {}

  private final Ledger ledger;
  private final BlobStore store;
  private final EthereumIdentity node;
  private final int only;
  private Open open;

  private record Open(
      UpdateRecord parent,
      Architecture arch,
      Stages mine,
      int stage,
      TrainingConfig config,
      int microBatches,
      StageTrainer trainer,
      long[] steps,
      byte[] session) {}

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /** A worker for any stage a coordinator asks of it. */
  public StageWorker(Ledger ledger, BlobStore store, EthereumIdentity node) {
    this(ledger, store, node, -1);
  }

  /** A worker for stage {@code only} alone ({@code -1}: any). */
  public StageWorker(Ledger ledger, BlobStore store, EthereumIdentity node, int only) {
    this.ledger = ledger;
    this.store = store;
    this.node = node;
    this.only = only;
  }

  /** This node's wallet address: who signs its STAGE updates. */
  public EthereumIdentity identity() {
    return node;
  }

  /**
   * Opens stage {@code stage} (layers {@code [from, to)} of {@code spec}) of run {@code runId},
   * starting from the global model recorded as {@code parentUpdateId}, whose file is {@code
   * parentModel}, if {@code signature} over {@code digest} (what the request says, see {@code
   * CoordinatorMessages.stageDigest}) is the run's coordinator's. Returns the session every later
   * call must show.
   *
   * @throws Refused if the run's coordinator did not sign the request, a stage of another run is
   *     open, the run is unknown, not model-parallel or does not admit this node, the parent is not
   *     the run's global model or the file is not its model, or the layers do not fit the spec
   */
  public synchronized byte[] open(
      Hash32 runId,
      Hash32 parentUpdateId,
      byte[] parentModel,
      byte[] spec,
      int stage,
      int from,
      int to,
      TrainingConfig config,
      long totalSteps,
      int microBatches,
      Hash32 digest,
      byte[] signature)
      throws Refused, LedgerException {
    if (only >= 0 && stage != only) {
      throw new Refused(
          Refused.Kind.DENIED, "this node serves stage " + only + ", not stage " + stage);
    }
    if (open != null) {
      if (!open.parent().receipt().runId().equals(runId)) {
        throw new Refused(
            Refused.Kind.BUSY, "stage " + open.stage() + " of another run is open: one at a time");
      }
      close(); // the coordinator started this run's training again (after a failure)
    }
    Run run =
        ledger.run(runId).orElseThrow(() -> new Refused("run " + runId.hex() + " is unknown"));
    try {
      if (!org.fedchain.core.receipt.Secp256k1.recover(digest, signature)
          .equals(run.coordinator())) {
        throw new Refused(
            Refused.Kind.DENIED,
            "the request is not signed by run " + runId.hex() + "'s coordinator");
      }
    } catch (org.fedchain.core.receipt.SignatureException e) {
      throw new Refused(
          Refused.Kind.DENIED, "the request's signature is malformed: " + e.getMessage());
    }
    if (run.config().mode() != Mode.MODEL_PARALLEL) {
      throw new Refused(
          "run " + runId.hex() + " is " + run.config().mode() + ", not model-parallel");
    }
    if (!ledger.admits(runId, node.address())) {
      throw new Refused(
          "run " + runId.hex() + " does not admit this node (" + node.address() + ")");
    }
    UpdateRecord parent =
        ledger
            .update(parentUpdateId)
            .orElseThrow(
                () -> new Refused("parent update " + parentUpdateId.hex() + " is unknown"));
    UpdateKind kind = parent.receipt().kind();
    if (!parent.receipt().runId().equals(runId)
        || (kind != UpdateKind.GENESIS && kind != UpdateKind.AGGREGATE)) {
      throw new Refused("parent " + parentUpdateId.hex() + " is no global model of this run");
    }
    if (!Hash32.sha256(parentModel).equals(parent.receipt().model())) {
      throw new Refused("the model sent is not the parent's: its hash differs from the ledger's");
    }
    Architecture arch;
    List<Tensor> start;
    try {
      arch = Architecture.of(ModelSpec.parse(spec));
      start = ModelCodec.read(arch, parentModel);
    } catch (IllegalArgumentException e) {
      throw new Refused("the spec or the model does not fit: " + e.getMessage());
    }
    Stages mine = new Stages(new int[] {from}, new int[] {to});
    Architecture stageArch;
    try {
      stageArch = mine.architecture(arch, 0);
    } catch (IllegalArgumentException e) {
      throw new Refused(e.getMessage());
    }
    TrainingConfig local = config.toBuilder().frozen(mine.namesInStage(config.frozen(), 0)).build();
    boolean last = to == arch.spec().layerCount();
    StageTrainer trainer;
    try {
      trainer =
          StageTrainer.open(stageArch, mine.toStage(start, 0), from == 0, last, local, totalSteps);
    } catch (IllegalArgumentException e) {
      throw new Refused(e.getMessage());
    }
    long[] steps = {0};
    byte[] session = new byte[32];
    RANDOM.nextBytes(session);
    open = new Open(parent, arch, mine, stage, config, microBatches, trainer, steps, session);
    return session.clone();
  }

  /** The trainer of the open stage, if {@code session} is its. */
  public synchronized StageTrainer trainer(byte[] session) throws Refused {
    return current(session).trainer();
  }

  /** Counts an optimizer step of the open stage (what the manifest records). */
  public synchronized void stepped(byte[] session) throws Refused {
    current(session).steps()[0]++;
  }

  /**
   * Ends the open training: stores this stage's parameters (named as in the whole model) and their
   * manifest, and signs the STAGE update continuing the parent. {@code data} and {@code samples}
   * are the coordinator's commitment to the training data, which this node never sees.
   */
  public synchronized Finished finish(byte[] session, Hash32 data, long samples)
      throws Refused, IOException {
    Open o = current(session);
    try {
      List<Tensor> tensors = o.mine().toModel(o.trainer().tensors(), 0);
      byte[] model = ModelCodec.write(tensors);
      Hash32 modelHash = store.put(model);
      TreeMap<String, String> hyper = o.config().hyperparameters();
      hyper.put(Stages.LAYERS, o.mine().toString()); // this node's one range: "from-last"
      hyper.put("stage", Integer.toString(o.stage()));
      hyper.put("micro_batches", Integer.toString(o.microBatches()));
      ModelUpdate parent = o.parent().receipt();
      Manifest m =
          Manifest.builder()
              .runId(parent.runId())
              .kind(UpdateKind.STAGE)
              .parents(List.of(parent.model()))
              .model(modelHash)
              .tensors(tensors)
              .architecture(o.arch().id())
              .hyperparameters(hyper)
              .seed(o.config().seed())
              .epochs(o.config().epochs())
              .steps(o.steps()[0])
              .dataset(data, samples)
              .frozen(o.config().frozen())
              .software(TrainedUpdates.software())
              .threads(o.config().threads())
              .build();
      byte[] manifest = m.toJson();
      Hash32 manifestHash = store.put(manifest);
      ModelUpdate u =
          new ModelUpdate(
              parent.runId(),
              parent.seq() + 1,
              UpdateKind.STAGE,
              parent.model(),
              modelHash,
              manifestHash,
              data,
              samples,
              node.address());
      return new Finished(TrainedUpdates.sign(ledger, node, u), model, manifest);
    } finally {
      close();
    }
  }

  private Open current(byte[] session) throws Refused {
    if (open == null) {
      throw new Refused("no stage is open: Open first");
    }
    if (!java.security.MessageDigest.isEqual(open.session(), session)) {
      throw new Refused(Refused.Kind.DENIED, "not the open training's session");
    }
    return open;
  }

  /** Drops the open training, if any (the coordinator gave up, or the stage is done). */
  @Override
  public synchronized void close() {
    if (open != null) {
      open.trainer().close();
      open = null;
    }
  }
}
