package org.fedchain.node;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.fedchain.comms.CoordinatorMessages;
import org.fedchain.comms.UploadGate;
import org.fedchain.comms.v1.AnnounceResult;
import org.fedchain.comms.v1.Announcement;
import org.fedchain.comms.v1.ChallengeRequest;
import org.fedchain.comms.v1.ChallengeResponse;
import org.fedchain.comms.v1.CoordinatorGrpc;
import org.fedchain.comms.v1.JoinRequest;
import org.fedchain.comms.v1.JoinResponse;
import org.fedchain.comms.v1.LocateRequest;
import org.fedchain.comms.v1.LocateResponse;
import org.fedchain.comms.v1.StatusRequest;
import org.fedchain.comms.v1.StatusResponse;
import org.fedchain.comms.v1.SubmitRequest;
import org.fedchain.comms.v1.SubmitResult;
import org.fedchain.comms.v1.Task;
import org.fedchain.comms.v1.TaskRequest;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.SignatureException;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.Participants.Participant;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.wallet.EthereumIdentity;

/**
 * The coordinator of a data-parallel run over gRPC ({@code fedchain.comms.v1.Coordinator}): nodes
 * join, long-poll for tasks, upload their trained model to the coordinator's store and submit the
 * signed LOCAL receipt, which the coordinator checks (signer, parent, blobs, manifest) and relays
 * to the ledger. {@link #run} drives the schedule:
 *
 * <ul>
 *   <li>synchronous FedAvg: each round samples {@code fraction} of the joined nodes (seeded), waits
 *       for their updates until the round deadline, aggregates those that arrived (weighted by
 *       samples) and records the AGGREGATE. A node that dies mid-round is a straggler: the round
 *       completes without it, or, if nobody delivered, is retried from the same global model.
 *   <li>asynchronous FedBuff: every idle node gets the current global model; every {@code buffer}
 *       updates are aggregated with weight {@code 1/sqrt(1 + staleness)}, so a slow node never
 *       holds anyone up.
 * </ul>
 *
 * <p>The coordinator computes nothing but aggregates; it trusts nothing it is sent: receipts are
 * checked by signature, blobs by hash, and the ledger applies its own rules again.
 */
public final class CoordinatorService extends CoordinatorGrpc.CoordinatorImplBase {
  /**
   * How the run is scheduled.
   *
   * @param nodes nodes that must join before the first round
   * @param rounds rounds (synchronous) or aggregations (asynchronous) in all, counting those a
   *     resumed run has done already
   * @param buffer asynchronous: updates per aggregation (K)
   * @param fraction synchronous: fraction of the nodes sampled per round
   * @param roundTimeout synchronous: how long a round waits for its sampled nodes
   * @param joinTimeout how long to wait for {@code nodes} to join
   * @param config local training settings sent to nodes (epochs, batch size, learning rate, seed)
   * @param schedule how the learning rate changes over the rounds; each task carries its own
   * @param maxSamples the most samples one update may claim (FedAvg weights by the claim)
   */
  public record Settings(
      int nodes,
      int rounds,
      boolean async,
      int buffer,
      double fraction,
      Duration roundTimeout,
      Duration joinTimeout,
      TrainingConfig config,
      RoundSchedule schedule,
      long maxSamples) {
    /** The default cap on an update's claimed samples. */
    public static final long MAX_SAMPLES = 10_000_000L;

    public Settings {
      atLeastOne("nodes", nodes);
      atLeastOne("rounds", rounds);
      atLeastOne("buffer", buffer);
      if (maxSamples < 1) {
        throw new IllegalArgumentException("max-samples must be >= 1, got " + maxSamples);
      }
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
      }
    }

    /** These settings with local training {@code c}. */
    public Settings withConfig(TrainingConfig c) {
      return new Settings(
          nodes,
          rounds,
          async,
          buffer,
          fraction,
          roundTimeout,
          joinTimeout,
          c,
          schedule,
          maxSamples);
    }

    private static void atLeastOne(String setting, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(setting + " must be >= 1, got " + value);
      }
    }
  }

  /** A new global model; {@code inputs} are the LOCAL updates aggregated into it. */
  public record Global(
      int version, UpdateRecord update, List<UpdateRecord> inputs, double seconds) {}

  /** Thrown by {@link #run} when the run cannot go on (nodes never joined, rounds all empty). */
  public static final class RunFailedException extends Exception {
    RunFailedException(String message) {
      super(message);
    }
  }

  private final Ledger ledger;
  private final EthereumIdentity coordinator;
  private final Settings s;
  private final SecureRandom random = new SecureRandom();
  private final Hash32 runId;
  private final Architecture architecture;
  private final TaskSchedule schedule;
  private final SubmissionCheck check;
  private final JoinNonces nonces = new JoinNonces();

  public CoordinatorService(
      Ledger ledger,
      BlobStore store,
      Aggregator aggregator,
      EthereumIdentity coordinator,
      UpdateRecord start,
      Settings settings,
      PrintWriter log)
      throws IOException, LedgerException {
    this.ledger = ledger;
    this.coordinator = coordinator;
    // the run's terms say what is optimised and how it is judged, whatever the settings said
    ChainFlow flow = new ChainFlow(ledger, store);
    settings =
        settings.withConfig(flow.task(flow.run(start.receipt().runId())).apply(settings.config()));
    this.s = settings;
    this.runId = start.receipt().runId();
    this.architecture = aggregator.architecture();
    this.schedule = new TaskSchedule(aggregator, coordinator, start, settings, log);
    this.check = new SubmissionCheck(ledger, store, architecture, runId, settings);
  }

  public Hash32 runId() {
    return runId;
  }

  /** A manifest is JSON of a few kilobytes; this is far above any honest one. */
  static final long MAX_MANIFEST_BYTES = 1 << 20;

  /**
   * Who may upload to this coordinator's store ({@code ModelStoreServer.Builder.uploadGate}): a
   * joined node with a task it has not delivered, a blob no larger than a model of the run's
   * architecture or a manifest. Anyone else could fill the disk or hold writer threads.
   */
  public UploadGate uploadGate() {
    long model = ModelCodec.write(architecture.initialTensors(0)).length;
    long max = Math.max(model, MAX_MANIFEST_BYTES);
    return (session, hash, size) -> {
      if (session == null) {
        return Optional.of("no session: join the run and upload with its token");
      }
      if (!schedule.mayUpload(ByteString.copyFrom(session))) {
        return Optional.of("this session has no open task to upload an update for");
      }
      if (size > max) {
        return Optional.of(
            size
                + " bytes is more than a model of "
                + architecture.id()
                + " or a manifest takes ("
                + max
                + ")");
      }
      return Optional.empty();
    };
  }

  /**
   * The latest global model of a data-parallel run, to resume it after a coordinator crash: the
   * genesis or AGGREGATE (which only the coordinator records) with the highest seq. A strategy's
   * pick is an AGGREGATE too, so no LOCAL is ever taken for a global model.
   */
  public static UpdateRecord latestGlobal(Ledger ledger, Hash32 runId) throws LedgerException {
    UpdateRecord best = null;
    for (UpdateRecord u : ledger.updates(runId)) {
      UpdateKind k = u.receipt().kind();
      // only the coordinator records these (the ledger's rule), and every round makes one
      boolean global = k == UpdateKind.GENESIS || k == UpdateKind.AGGREGATE;
      if (global && (best == null || u.receipt().seq() > best.receipt().seq())) {
        best = u;
      }
    }
    if (best == null) {
      throw new LedgerException("run " + runId.hex() + " has no genesis on this ledger");
    }
    return best;
  }

  /**
   * Waits for the nodes, runs every round (or aggregation), then tells the nodes the run is done;
   * {@code onGlobal} sees each new global model. Returns the last global model.
   */
  public UpdateRecord run(Consumer<Global> onGlobal)
      throws RunFailedException, IOException, LedgerException, InterruptedException {
    return schedule.run(onGlobal);
  }

  /**
   * After {@link #run}: waits up to {@code grace} until every node has been told the run is done.
   */
  public void awaitNodesToldDone(Duration grace) throws InterruptedException {
    schedule.awaitNodesToldDone(grace);
  }

  // ---- the gRPC service: parse, ask the schedule or the checks, answer ----

  @Override
  public void challenge(ChallengeRequest req, StreamObserver<ChallengeResponse> response) {
    response.onNext(
        ChallengeResponse.newBuilder().setNonce(CoordinatorMessages.bytes(nonces.issue())).build());
    response.onCompleted();
  }

  @Override
  public void join(JoinRequest req, StreamObserver<JoinResponse> response) {
    Address address;
    Hash32 run;
    Hash32 nonce;
    try {
      address = CoordinatorMessages.address("address", req.getAddress());
      run = CoordinatorMessages.hash("run_id", req.getRunId());
      nonce = CoordinatorMessages.hash("nonce", req.getNonce());
    } catch (IllegalArgumentException e) {
      response.onError(
          Status.INVALID_ARGUMENT
              .withDescription(e.getMessage() + " (a join signs a nonce from Challenge)")
              .asException());
      return;
    }
    if (!run.equals(runId)) {
      response.onError(
          Status.NOT_FOUND
              .withDescription("this coordinator runs " + runId.hex() + ", not " + run.hex())
              .asException());
      return;
    }
    try {
      Address signer =
          Secp256k1.recover(
              CoordinatorMessages.joinDigest(run, address, req.getStoreEndpoint(), nonce),
              req.getSignature().toByteArray());
      if (!signer.equals(address)) {
        throw new SignatureException(
            SignatureException.Problem.UNRECOVERABLE, "signed by " + signer + ", not " + address);
      }
    } catch (SignatureException e) {
      response.onError(
          Status.PERMISSION_DENIED
              .withDescription("join signature does not prove " + address + ": " + e.getMessage())
              .asException());
      return;
    }
    // the ledger would refuse its updates (NOT_ADMITTED): refuse it before it trains
    boolean admitted;
    try {
      admitted = ledger.admits(runId, address);
    } catch (LedgerException e) {
      response.onError(
          Status.UNAVAILABLE
              .withDescription("cannot read the run's admissions: " + e.getMessage())
              .asException());
      return;
    }
    if (!admitted) {
      response.onError(
          Status.PERMISSION_DENIED
              .withDescription(address + " is not admitted to run " + runId.hex())
              .asException());
      return;
    }
    // only after the signature: nobody can use up a node's nonce with a join it did not sign
    if (!nonces.redeem(nonce)) {
      response.onError(
          Status.PERMISSION_DENIED
              .withDescription(
                  "join nonce "
                      + nonce.hex()
                      + " is unknown, used or expired: ask Challenge for a fresh one")
              .asException());
      return;
    }
    byte[] token = new byte[16];
    random.nextBytes(token);
    ByteString session = ByteString.copyFrom(token);
    String name = req.getName().isBlank() ? address.toString() : req.getName();
    schedule.join(new Participant(address, name, req.getStoreEndpoint(), session));
    schedule.say("%s joined as %s (store %s)", name, address, req.getStoreEndpoint());
    TrainingConfig c = s.config();
    response.onNext(
        JoinResponse.newBuilder()
            .setSession(session)
            .setRunId(CoordinatorMessages.bytes(run))
            .setCoordinator(CoordinatorMessages.bytes(coordinator.address()))
            .setDomain(CoordinatorMessages.domain(ledger.domain()))
            .setArchitecture(architecture.id())
            .setLocalEpochs(c.epochs())
            .setBatchSize(c.batchSize())
            .setLearningRate(c.learningRate())
            .setMomentum(c.momentum())
            .setWeightDecay(c.weightDecay())
            .setBalancedSoftmaxTau(c.balancedSoftmax())
            .setLocalSchedule(c.schedule().name())
            .setValidationFraction(c.validationFraction())
            .setLoss(c.loss().id())
            .setMetric(c.metric().id())
            .build());
    response.onCompleted();
  }

  @Override
  public void nextTask(TaskRequest req, StreamObserver<Task> response) {
    Task task;
    try {
      task = schedule.nextTask(req.getSession());
    } catch (TaskSchedule.UnknownSessionException e) {
      response.onError(unknownSession(e));
      return;
    }
    response.onNext(task);
    response.onCompleted();
  }

  @Override
  public void submit(SubmitRequest req, StreamObserver<SubmitResult> response) {
    try {
      response.onNext(accept(req));
      response.onCompleted();
    } catch (StatusException e) {
      schedule.refused(req.getSession());
      schedule.say("refused a submission: %s", e.getStatus().getDescription());
      response.onError(e);
    }
  }

  private SubmitResult accept(SubmitRequest req) throws StatusException {
    TaskSchedule.Assignment task;
    try {
      task = schedule.assignment(req.getSession(), req.getRound());
    } catch (TaskSchedule.UnknownSessionException e) {
      throw unknownSession(e);
    } catch (TaskSchedule.AlreadyDeliveringException e) {
      throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asException();
    }
    if (task == null) {
      return late();
    }
    UpdateRecord recorded;
    List<Tensor> tensors;
    Signed<ModelUpdate> signed;
    try {
      try {
        signed = CoordinatorMessages.receipt(req.getUpdate());
      } catch (IllegalArgumentException e) {
        throw new SubmissionCheck.Refused(
            SubmissionCheck.Refused.Kind.INVALID, "malformed receipt: " + e.getMessage());
      }
      tensors = check.check(signed, task.participant().address, task.parent());
      recorded = check.record(signed);
    } catch (SubmissionCheck.Refused e) {
      schedule.release(task.participant());
      Status status =
          switch (e.kind) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case NOT_YOURS -> Status.PERMISSION_DENIED;
            case MISSING_BLOB, LEDGER_REFUSED -> Status.FAILED_PRECONDITION;
            case LEDGER_UNAVAILABLE -> Status.UNAVAILABLE;
          };
      throw status.withDescription(e.getMessage()).asException();
    } catch (RuntimeException e) {
      schedule.release(task.participant());
      throw Status.INTERNAL.withDescription("cannot check the update: " + e).asException();
    }
    if (!schedule.deliver(task.participant(), req.getRound(), recorded, tensors)) {
      return late();
    }
    schedule.say(
        "%s: update %s (%d samples) accepted",
        task.participant().name, recorded.updateId(), signed.message().samples());
    return SubmitResult.newBuilder()
        .setOutcome(SubmitResult.Outcome.ACCEPTED)
        .setUpdateId(CoordinatorMessages.bytes(recorded.updateId()))
        .build();
  }

  private static SubmitResult late() {
    return SubmitResult.newBuilder().setOutcome(SubmitResult.Outcome.LATE).build();
  }

  private static StatusException unknownSession(TaskSchedule.UnknownSessionException e) {
    return Status.UNAUTHENTICATED.withDescription(e.getMessage()).asException();
  }

  @Override
  public void announce(Announcement req, StreamObserver<AnnounceResult> response) {
    try {
      List<Hash32> hashes = new ArrayList<>();
      for (ByteString h : req.getHashesList()) {
        hashes.add(CoordinatorMessages.hash("hash", h));
      }
      schedule.announce(req.getSession(), hashes);
    } catch (TaskSchedule.UnknownSessionException e) {
      response.onError(unknownSession(e));
      return;
    } catch (IllegalArgumentException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
      return;
    }
    response.onNext(AnnounceResult.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void locate(LocateRequest req, StreamObserver<LocateResponse> response) {
    List<String> where;
    try {
      where = schedule.holders(CoordinatorMessages.hash("hash", req.getHash()));
    } catch (IllegalArgumentException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
      return;
    }
    response.onNext(LocateResponse.newBuilder().addAllEndpoints(where).build());
    response.onCompleted();
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> response) {
    TaskSchedule.Progress p = schedule.progress();
    response.onNext(
        StatusResponse.newBuilder()
            .setRunId(CoordinatorMessages.bytes(runId))
            .setCompleted(p.completed())
            .setPlanned(p.planned())
            .setGlobalUpdateId(CoordinatorMessages.bytes(p.global().updateId()))
            .setNodes(p.nodes())
            .setDone(p.done())
            .build());
    response.onCompleted();
  }
}
