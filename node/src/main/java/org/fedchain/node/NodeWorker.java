package org.fedchain.node;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.CoordinatorMessages;
import org.fedchain.comms.FetchException;
import org.fedchain.comms.ModelStoreClient;
import org.fedchain.comms.ModelStoreException;
import org.fedchain.comms.UploadGate;
import org.fedchain.comms.v1.Announcement;
import org.fedchain.comms.v1.ChallengeRequest;
import org.fedchain.comms.v1.CoordinatorGrpc;
import org.fedchain.comms.v1.JoinRequest;
import org.fedchain.comms.v1.JoinResponse;
import org.fedchain.comms.v1.LocateRequest;
import org.fedchain.comms.v1.StatusRequest;
import org.fedchain.comms.v1.SubmitRequest;
import org.fedchain.comms.v1.SubmitResult;
import org.fedchain.comms.v1.Task;
import org.fedchain.comms.v1.TaskRequest;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.SignatureException;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.core.store.CorruptBlobException;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;
import org.fedchain.wallet.EthereumIdentity;

/**
 * A contributor node taking tasks from a coordinator ({@code fedchain node serve --coordinator}):
 * join with a signature, then for each task fetch the global model (from the coordinator's store or
 * any peer that announced it; bytes checked against the hash), check the coordinator's signature on
 * its receipt, train on the local shard, store model and manifest, upload both, sign the LOCAL
 * receipt and submit it, until the coordinator says the run is done.
 */
public final class NodeWorker {
  /** How long the node keeps retrying an unreachable coordinator before giving up. */
  static final Duration UNREACHABLE_LIMIT = Duration.ofSeconds(60);

  private final ManagedChannel coordinatorChannel;
  private final Peers.Settings tls;
  private final BlobStore store;
  private final EthereumIdentity me;
  private final java.util.function.Function<long[], Samples> data;
  private Samples shard;
  private final String name;
  private final String endpoint;
  private final int threads;
  private final double slowdown;
  private final PrintWriter out;
  private final ModelStoreClient stores;

  /**
   * @param data this node's samples for a model taking the given input shape (e.g. {@code
   *     DataSpec::load}), loaded once the run's architecture is known
   */
  public NodeWorker(
      ManagedChannel coordinatorChannel,
      Peers.Settings tls,
      BlobStore store,
      EthereumIdentity me,
      java.util.function.Function<long[], Samples> data,
      String name,
      String endpoint,
      int threads,
      double slowdown,
      PrintWriter out) {
    this.coordinatorChannel = coordinatorChannel;
    this.tls = tls;
    this.store = store;
    this.me = me;
    this.data = data;
    this.name = name;
    this.endpoint = endpoint;
    this.threads = threads;
    this.slowdown = slowdown;
    this.out = out;
    this.stores = ModelStoreClient.newBuilder(store).build();
  }

  /** Joins run {@code run} (null: the coordinator's current run) and works until it is done. */
  public int run(Hash32 run) throws Exception {
    var stub = CoordinatorGrpc.newBlockingStub(coordinatorChannel);
    if (run == null) {
      run =
          CoordinatorMessages.hash(
              "run_id",
              call(stub, 10, c -> c.status(StatusRequest.getDefaultInstance())).getRunId());
    }
    Hash32 runId = run;
    JoinResponse joined = join(stub, runId);
    Address coordinator = CoordinatorMessages.address("coordinator", joined.getCoordinator());
    Eip712Domain domain = CoordinatorMessages.domain(joined.getDomain());
    Architecture arch =
        ChainFlow.architecture(
            joined.getArchitecture(),
            store,
            h -> {
              try {
                fetch(stub, h);
              } catch (FetchException e) {
                throw new IOException("cannot fetch the run's model spec: " + e.getMessage(), e);
              }
            });
    try {
      config(joined, joined.getLearningRate(), 0);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the coordinator's training settings are invalid: " + e.getMessage(), e);
    }
    say("joined run %s (coordinator %s, %s)", runId.hex(), coordinator, arch.name());
    // the run's spec says what shape the samples take
    shard = data.apply(arch.inputShape());
    int trained = 0;
    while (true) {
      TaskRequest next = TaskRequest.newBuilder().setSession(joined.getSession()).build();
      Task task;
      try {
        task = call(stub, 30, c -> c.nextTask(next));
      } catch (SessionLostException e) { // the coordinator restarted (coordinator serve --resume)
        say("the coordinator forgot this node (restarted?); joining again");
        joined = join(stub, runId);
        continue;
      }
      switch (task.getKind()) {
        case DONE -> {
          say("run done; %d update(s) trained", trained);
          return 0;
        }
        case TRAIN -> {
          try {
            if (work(stub, joined, coordinator, domain, arch, task)) {
              trained++;
            }
          } catch (StatusRuntimeException e) { // the coordinator went away mid-task: ask again
            say("round %d abandoned: %s", task.getRound(), e.getStatus());
          }
        }
        default -> {}
      }
    }
  }

  /** One task; false (with the reason printed) when it was skipped or refused. */
  /** Asks the coordinator for a fresh nonce and joins with a signature over it. */
  private JoinResponse join(CoordinatorGrpc.CoordinatorBlockingStub stub, Hash32 runId)
      throws Exception {
    Hash32 nonce =
        CoordinatorMessages.hash(
            "nonce",
            call(stub, 10, c -> c.challenge(ChallengeRequest.getDefaultInstance())).getNonce());
    JoinRequest join =
        JoinRequest.newBuilder()
            .setRunId(CoordinatorMessages.bytes(runId))
            .setAddress(CoordinatorMessages.bytes(me.address()))
            .setStoreEndpoint(endpoint)
            .setName(name)
            .setNonce(CoordinatorMessages.bytes(nonce))
            .setSignature(
                com.google.protobuf.ByteString.copyFrom(
                    me.signer()
                        .sign(
                            CoordinatorMessages.joinDigest(runId, me.address(), endpoint, nonce))))
            .build();
    return call(stub, 10, c -> c.join(join));
  }

  private boolean work(
      CoordinatorGrpc.CoordinatorBlockingStub stub,
      JoinResponse joined,
      Address coordinator,
      Eip712Domain domain,
      Architecture arch,
      Task task)
      throws IOException {
    Signed<ModelUpdate> global;
    try {
      global = CoordinatorMessages.receipt(task.getGlobal());
      Address signer = Secp256k1.recover(global.digest(domain), global.signature());
      boolean coordinatorKind =
          global.message().kind() == UpdateKind.GENESIS
              || global.message().kind() == UpdateKind.AGGREGATE;
      if (!signer.equals(global.signer()) || (coordinatorKind && !signer.equals(coordinator))) {
        say("round %d: global receipt is not signed by the coordinator; skipped", task.getRound());
        return false;
      }
    } catch (IllegalArgumentException | SignatureException e) {
      say("round %d: malformed global receipt (%s); skipped", task.getRound(), e.getMessage());
      return false;
    }
    Hash32 model = global.message().model();
    say("round %d: training from %s", task.getRound(), model.hex());
    List<Tensor> start;
    try {
      fetch(stub, model);
      start = ModelCodec.read(arch, store.get(model));
    } catch (FetchException | CorruptBlobException | ModelFormatException e) {
      say("round %d: cannot get model %s: %s", task.getRound(), model.hex(), e.getMessage());
      return false;
    }
    float rate = task.getLearningRate() > 0 ? task.getLearningRate() : joined.getLearningRate();
    TrainingConfig config = config(joined, rate, task.getSeed());
    TrainingResult r = LocalTrainer.train(arch, start, shard, config, ProgressListener.NONE);
    if (slowdown > 1) { // emulated slower hardware (demos, tests of stragglers)
      try {
        Thread.sleep((long) ((slowdown - 1) * r.seconds() * 1000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    ModelUpdate receipt =
        TrainedUpdates.store(
            store,
            me.address(),
            UpdateKind.LOCAL,
            global.message(),
            arch,
            config,
            r,
            r.tensors(),
            shard);
    Signed<ModelUpdate> signed = TrainedUpdates.sign(domain, me, receipt);
    try {
      // as this session: the coordinator takes uploads only from nodes with an open task
      var asMe = UploadGate.attach(coordinatorChannel, joined.getSession().toByteArray());
      stores.put(asMe, receipt.model());
      stores.put(asMe, receipt.manifest());
      SubmitResult result =
          stub.withDeadlineAfter(60, TimeUnit.SECONDS)
              .submit(
                  SubmitRequest.newBuilder()
                      .setSession(joined.getSession())
                      .setRound(task.getRound())
                      .setUpdate(CoordinatorMessages.receipt(signed))
                      .build());
      stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .announce(
              Announcement.newBuilder()
                  .setSession(joined.getSession())
                  .addHashes(CoordinatorMessages.bytes(receipt.model()))
                  .addHashes(CoordinatorMessages.bytes(receipt.manifest()))
                  .build());
      say(
          "round %d: trained %d samples in %.1f s (loss %.3f); update %s %s",
          task.getRound(),
          shard.size(),
          r.seconds() * Math.max(slowdown, 1),
          r.trainLoss(),
          receipt.digest(domain),
          result.getOutcome() == SubmitResult.Outcome.ACCEPTED
              ? "accepted"
              : "too late, not aggregated");
      return result.getOutcome() == SubmitResult.Outcome.ACCEPTED;
    } catch (ModelStoreException | StatusRuntimeException e) {
      say("round %d: submission failed: %s", task.getRound(), e.getMessage());
      return false;
    }
  }

  /**
   * The local training the coordinator asked for: its settings, with the node's own defaults for
   * any it left unset (an older coordinator), and the node's thread count.
   */
  private TrainingConfig config(JoinResponse joined, float rate, long seed) {
    TrainingConfig.Builder b =
        TrainingConfig.builder()
            .epochs(joined.getLocalEpochs())
            .batchSize(joined.getBatchSize())
            .learningRate(rate)
            .balancedSoftmax(joined.getBalancedSoftmaxTau())
            .seed(seed)
            .threads(threads);
    if (joined.hasMomentum()) {
      b.momentum(joined.getMomentum());
    }
    if (joined.hasWeightDecay()) {
      b.weightDecay(joined.getWeightDecay());
    }
    if (!joined.getLoss().isEmpty()) {
      b.loss(org.fedchain.trainer.Task.Loss.parse(joined.getLoss()));
    }
    if (!joined.getMetric().isEmpty()) {
      b.metric(org.fedchain.trainer.Task.Metric.parse(joined.getMetric()));
    }
    if (!joined.getLocalSchedule().isEmpty()) {
      b.schedule(TrainingConfig.Schedule.parse(joined.getLocalSchedule()));
    }
    if (joined.hasValidationFraction()) {
      b.validationFraction(joined.getValidationFraction());
    }
    return b.build();
  }

  /** Fetches {@code model} from the coordinator's store or a peer that announced it. */
  private void fetch(CoordinatorGrpc.CoordinatorBlockingStub stub, Hash32 model)
      throws FetchException, IOException {
    if (store.has(model)) {
      return;
    }
    List<ManagedChannel> sources = new ArrayList<>();
    try {
      sources.add(coordinatorChannel);
      List<String> peers;
      try {
        peers =
            stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                .locate(
                    LocateRequest.newBuilder().setHash(CoordinatorMessages.bytes(model)).build())
                .getEndpointsList();
      } catch (StatusRuntimeException e) {
        peers = List.of(); // the coordinator's own store is still tried (and reports its failure)
      }
      for (String peer : peers) {
        if (!peer.equals(endpoint)) {
          sources.add(Peers.channel(tls, peer));
        }
      }
      stores.fetch(model, sources);
    } finally {
      sources.stream().filter(c -> c != coordinatorChannel).forEach(Peers::close);
    }
  }

  /**
   * Calls the coordinator, waiting for it to be reachable; retries calls that found it unavailable
   * or timed out until it has not answered for {@link #UNREACHABLE_LIMIT}.
   */
  private <T> T call(
      CoordinatorGrpc.CoordinatorBlockingStub stub,
      int deadlineSeconds,
      java.util.function.Function<CoordinatorGrpc.CoordinatorBlockingStub, T> rpc)
      throws IOException {
    long end = System.nanoTime() + UNREACHABLE_LIMIT.toNanos();
    boolean told = false;
    while (true) {
      try {
        return rpc.apply(
            stub.withWaitForReady().withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS));
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        boolean transient_ =
            code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
        if (code == Status.Code.UNAUTHENTICATED) {
          throw new SessionLostException(e);
        }
        if (!transient_) {
          throw new IOException("coordinator refused: " + e.getStatus().getDescription(), e);
        }
        if (!told) { // say why the node is quiet rather than wait in silence
          say(
              "no answer from the coordinator at %s (%s); trying for up to %d s",
              coordinatorChannel.authority(), code, UNREACHABLE_LIMIT.toSeconds());
          told = true;
        }
        if (System.nanoTime() > end) {
          throw new IOException(
              "coordinator at "
                  + coordinatorChannel.authority()
                  + " has not answered for "
                  + UNREACHABLE_LIMIT.toSeconds()
                  + " s ("
                  + code
                  + ")",
              e);
        }
      }
    }
  }

  private void say(String format, Object... args) {
    synchronized (out) {
      out.printf(name + ": " + format + "%n", args);
      out.flush();
    }
  }

  /** The coordinator no longer knows this node's session. */
  static final class SessionLostException extends IOException {
    SessionLostException(StatusRuntimeException cause) {
      super("coordinator: " + cause.getStatus().getDescription(), cause);
    }
  }
}
