package org.fedchain.node;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.fedchain.comms.CoordinatorMessages;
import org.fedchain.comms.v1.AnnounceResult;
import org.fedchain.comms.v1.Announcement;
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
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.SignatureException;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.verifier.UpdateCheck;
import org.fedchain.verifier.Verifier;
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
      RoundSchedule schedule) {
    public Settings {
      atLeastOne("nodes", nodes);
      atLeastOne("rounds", rounds);
      atLeastOne("buffer", buffer);
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
      }
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

  private static final class Participant {
    final Address address;
    final String name;
    final String endpoint;
    ByteString session;
    boolean toldDone;

    Participant(Address address, String name, String endpoint, ByteString session) {
      this.address = address;
      this.name = name;
      this.endpoint = endpoint;
      this.session = session;
    }
  }

  private static final Duration LONG_POLL = Duration.ofSeconds(10);
  private static final int ROUND_ATTEMPTS = 3;

  private final Ledger ledger;
  private final BlobStore store;
  private final Aggregator aggregator;
  private final Verifier verifier;
  private final EthereumIdentity coordinator;
  private final Settings s;
  private final PrintWriter log;
  private final SecureRandom random = new SecureRandom();
  private final Hash32 runId;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // all guarded by lock
  private final Map<ByteString, Participant> sessions = new HashMap<>();
  private final Map<Address, Participant> byAddress = new LinkedHashMap<>();
  private final Map<Hash32, Set<String>> locations = new HashMap<>();
  private final Map<Integer, UpdateRecord> versions = new HashMap<>();
  private int version;
  private boolean done;
  // synchronous round state
  private int round;
  private boolean roundOpen;
  private final Set<Participant> sampled = new LinkedHashSet<>();
  private final Set<Participant> assigned = new LinkedHashSet<>();
  private final Map<Participant, Aggregator.Input> received = new LinkedHashMap<>();
  private long roundDeadline;
  // asynchronous state: the version each node is training from, and the buffer
  private final Map<Participant, Integer> inFlight = new HashMap<>();
  private final List<Aggregator.Input> buffered = new ArrayList<>();
  private final Map<Hash32, Integer> startVersion = new HashMap<>();
  private long tasks;

  public CoordinatorService(
      Ledger ledger,
      BlobStore store,
      Aggregator aggregator,
      EthereumIdentity coordinator,
      UpdateRecord start,
      Settings settings,
      PrintWriter log) {
    this.ledger = ledger;
    this.store = store;
    this.aggregator = aggregator;
    this.verifier = new Verifier(ledger, store);
    this.coordinator = coordinator;
    this.s = settings;
    this.log = log;
    this.runId = start.receipt().runId();
    // a resumed run starts from its latest global model: round r's global has seq r
    this.version = (int) start.receipt().seq();
    versions.put(version, start);
  }

  public Hash32 runId() {
    return runId;
  }

  /**
   * The latest global model of a data-parallel run, to resume it after a coordinator crash: the
   * GENESIS, AGGREGATE or (Krum) selected LOCAL update with the highest seq that is a global model,
   * i.e. the genesis, an aggregate, or the parent of another update.
   */
  public static UpdateRecord latestGlobal(Ledger ledger, Hash32 runId) throws LedgerException {
    List<UpdateRecord> all = ledger.updates(runId);
    Set<Hash32> parents = new HashSet<>();
    all.forEach(u -> parents.add(u.receipt().parent()));
    UpdateRecord best = null;
    for (UpdateRecord u : all) {
      UpdateKind k = u.receipt().kind();
      boolean global =
          k == UpdateKind.GENESIS
              || k == UpdateKind.AGGREGATE
              || parents.contains(u.receipt().model());
      if (global && (best == null || u.receipt().seq() > best.receipt().seq())) {
        best = u;
      }
    }
    if (best == null) {
      throw new LedgerException("run " + runId.hex() + " has no genesis on this ledger");
    }
    return best;
  }

  // ---- the schedule ----

  /**
   * Waits for the nodes, runs every round (or aggregation), then tells the nodes the run is done;
   * {@code onGlobal} sees each new global model. Returns the last global model.
   */
  public UpdateRecord run(java.util.function.Consumer<Global> onGlobal)
      throws RunFailedException, IOException, LedgerException, InterruptedException {
    try {
      awaitNodes();
      return s.async() ? runAsync(onGlobal) : runSync(onGlobal);
    } finally {
      lock.lock();
      try {
        done = true;
        roundOpen = false;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * After {@link #run}: waits up to {@code grace} until every node has been told the run is done.
   */
  public void awaitNodesToldDone(Duration grace) throws InterruptedException {
    long end = System.nanoTime() + grace.toNanos();
    lock.lock();
    try {
      while (byAddress.values().stream().anyMatch(p -> !p.toldDone)) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private void awaitNodes() throws RunFailedException, InterruptedException {
    long end = System.nanoTime() + s.joinTimeout().toNanos();
    lock.lock();
    try {
      while (byAddress.size() < s.nodes()) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          throw new RunFailedException(
              "only "
                  + byAddress.size()
                  + " of "
                  + s.nodes()
                  + " nodes joined within "
                  + s.joinTimeout().toSeconds()
                  + " s");
        }
        changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private UpdateRecord runSync(java.util.function.Consumer<Global> onGlobal)
      throws RunFailedException, IOException, LedgerException, InterruptedException {
    UpdateRecord global = current();
    for (int r = completed() + 1; r <= s.rounds(); r++) {
      long t0 = System.nanoTime();
      List<Aggregator.Input> inputs = List.of();
      for (int attempt = 1; inputs.isEmpty(); attempt++) {
        if (attempt > ROUND_ATTEMPTS) {
          throw new RunFailedException(
              "round " + r + ": no node delivered an update in " + ROUND_ATTEMPTS + " attempts");
        }
        inputs = collectRound(r);
        if (inputs.isEmpty()) {
          say("round %d: no update before the deadline; retrying from the same model", r);
        }
      }
      global = aggregator.aggregate(coordinator, global, inputs);
      publish(global, inputs, t0, onGlobal);
    }
    return global;
  }

  /** Opens round {@code r} to a sample of the nodes and returns what arrived by the deadline. */
  private List<Aggregator.Input> collectRound(int r) throws InterruptedException {
    lock.lock();
    try {
      List<Participant> pool = new ArrayList<>(byAddress.values());
      pool.sort(Comparator.comparing(p -> p.address));
      Collections.shuffle(pool, new Random(s.config().seed() * 1_000_003L + r));
      round = r;
      sampled.clear();
      sampled.addAll(pool.subList(0, (int) Math.ceil(s.fraction() * pool.size())));
      assigned.clear();
      received.clear();
      roundDeadline = System.nanoTime() + s.roundTimeout().toNanos();
      roundOpen = true;
      changed.signalAll();
      while (received.size() < sampled.size()) {
        long left = roundDeadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        changed.awaitNanos(left);
      }
      roundOpen = false;
      List<String> missing = new ArrayList<>();
      for (Participant p : sampled) {
        if (!received.containsKey(p)) {
          missing.add(p.name);
        }
      }
      if (!missing.isEmpty()) {
        say("round %d: left out (no update by the deadline): %s", r, String.join(", ", missing));
      }
      // aggregate in a fixed order (by address) so the result does not depend on arrival order
      List<Participant> order = new ArrayList<>(received.keySet());
      order.sort(Comparator.comparing(p -> p.address));
      return order.stream().map(received::get).toList();
    } finally {
      lock.unlock();
    }
  }

  private UpdateRecord runAsync(java.util.function.Consumer<Global> onGlobal)
      throws IOException, LedgerException, InterruptedException {
    lock.lock();
    try {
      changed.signalAll(); // idle nodes may start now
    } finally {
      lock.unlock();
    }
    long t0 = System.nanoTime();
    UpdateRecord global = current();
    for (int a = completed() + 1; a <= s.rounds(); a++) {
      List<Aggregator.Input> inputs;
      lock.lock();
      try {
        while (buffered.size() < s.buffer()) {
          changed.await();
        }
        List<Aggregator.Input> batch = new ArrayList<>(buffered.subList(0, s.buffer()));
        buffered.subList(0, s.buffer()).clear();
        inputs = new ArrayList<>();
        for (Aggregator.Input in : batch) {
          int staleness = version - startVersion.get(in.update().updateId());
          inputs.add(new Aggregator.Input(in.update(), in.tensors(), 1 / Math.sqrt(1 + staleness)));
        }
      } finally {
        lock.unlock();
      }
      global = aggregator.aggregate(coordinator, global, inputs);
      publish(global, inputs, t0, onGlobal);
      t0 = System.nanoTime();
    }
    return global;
  }

  private void publish(
      UpdateRecord global,
      List<Aggregator.Input> inputs,
      long t0,
      java.util.function.Consumer<Global> onGlobal) {
    int v;
    lock.lock();
    try {
      v = ++version;
      versions.put(v, global);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    onGlobal.accept(
        new Global(
            v,
            global,
            inputs.stream().map(Aggregator.Input::update).toList(),
            (System.nanoTime() - t0) / 1e9));
  }

  /** Rounds (or aggregations) completed: the version of the current global model. */
  private int completed() {
    lock.lock();
    try {
      return version;
    } finally {
      lock.unlock();
    }
  }

  private UpdateRecord current() {
    lock.lock();
    try {
      return versions.get(version);
    } finally {
      lock.unlock();
    }
  }

  // ---- the gRPC service ----

  @Override
  public void join(JoinRequest req, StreamObserver<JoinResponse> response) {
    Address address;
    Hash32 run;
    try {
      address = CoordinatorMessages.address("address", req.getAddress());
      run = CoordinatorMessages.hash("run_id", req.getRunId());
    } catch (IllegalArgumentException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
      return;
    }
    if (!run.equals(runId())) {
      response.onError(
          Status.NOT_FOUND
              .withDescription("this coordinator runs " + runId().hex() + ", not " + run.hex())
              .asException());
      return;
    }
    try {
      Address signer =
          Secp256k1.recover(
              CoordinatorMessages.joinDigest(run, address, req.getStoreEndpoint()),
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
    byte[] token = new byte[16];
    random.nextBytes(token);
    ByteString session = ByteString.copyFrom(token);
    String name = req.getName().isBlank() ? address.toString() : req.getName();
    lock.lock();
    try {
      Participant p = byAddress.get(address);
      if (p != null) { // a node that restarted: its old session and unfinished task are void
        sessions.remove(p.session);
        assigned.remove(p);
        inFlight.remove(p);
        p = new Participant(address, name, req.getStoreEndpoint(), session);
        replace(address, p);
      } else {
        p = new Participant(address, name, req.getStoreEndpoint(), session);
        byAddress.put(address, p);
      }
      sessions.put(session, p);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    say("%s joined as %s (store %s)", name, address, req.getStoreEndpoint());
    TrainingConfig c = s.config();
    response.onNext(
        JoinResponse.newBuilder()
            .setSession(session)
            .setRunId(CoordinatorMessages.bytes(run))
            .setCoordinator(CoordinatorMessages.bytes(coordinator.address()))
            .setDomain(CoordinatorMessages.domain(ledger.domain()))
            .setArchitecture(aggregator.architecture().id())
            .setLocalEpochs(c.epochs())
            .setBatchSize(c.batchSize())
            .setLearningRate(c.learningRate())
            .setMomentum(c.momentum())
            .setWeightDecay(c.weightDecay())
            .setBalancedSoftmaxTau(c.balancedSoftmax())
            .setLocalSchedule(c.schedule().name())
            .setValidationFraction(c.validationFraction())
            .build());
    response.onCompleted();
  }

  private void replace(Address address, Participant p) {
    Participant old = byAddress.put(address, p);
    if (sampled.remove(old)) {
      sampled.add(p);
    }
    Aggregator.Input in = received.remove(old);
    if (in != null) {
      received.put(p, in);
    }
  }

  @Override
  public void nextTask(TaskRequest req, StreamObserver<Task> response) {
    long end = System.nanoTime() + LONG_POLL.toNanos();
    Task task;
    lock.lock();
    try {
      Participant p = sessions.get(req.getSession());
      if (p == null) {
        response.onError(unknownSession());
        return;
      }
      while (true) {
        if (done) {
          p.toldDone = true;
          changed.signalAll();
          task = Task.newBuilder().setKind(Task.Kind.DONE).build();
          break;
        }
        task = taskFor(p);
        long left = end - System.nanoTime();
        if (task != null || left <= 0 || !p.session.equals(req.getSession())) {
          break;
        }
        changed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      task = null;
    } finally {
      lock.unlock();
    }
    response.onNext(task != null ? task : Task.newBuilder().setKind(Task.Kind.WAIT).build());
    response.onCompleted();
  }

  /** The task for {@code p} now, or null; caller holds the lock. */
  private Task taskFor(Participant p) {
    if (s.async()) {
      if (byAddress.size() < s.nodes() || inFlight.containsKey(p)) {
        return null;
      }
      inFlight.put(p, version);
      // a fresh seed per task: a node may train twice from the same version
      return train(version + 1, version, s.config().seed() * 7919 + 1_000_000L + tasks++, 0);
    }
    if (!roundOpen || !sampled.contains(p) || assigned.contains(p)) {
      return null;
    }
    assigned.add(p);
    long left = TimeUnit.NANOSECONDS.toMillis(roundDeadline - System.nanoTime());
    long seed = s.config().seed() * 7919 + round * 101L + index(p);
    return train(round, version, seed, Math.max(left, 1));
  }

  private Task train(int label, int from, long seed, long deadlineMillis) {
    float base = s.config().learningRate();
    return Task.newBuilder()
        .setKind(Task.Kind.TRAIN)
        .setRound(label)
        .setLearningRate(s.schedule().rate(base, Math.min(label, s.rounds()), s.rounds()))
        .setGlobal(CoordinatorMessages.receipt(signed(versions.get(from))))
        .setSeed(seed)
        .setDeadlineMillis(deadlineMillis)
        .build();
  }

  /** The node's position among the nodes sorted by address: stable whatever the join order. */
  private int index(Participant p) {
    return (int) byAddress.keySet().stream().filter(a -> a.compareTo(p.address) < 0).count();
  }

  private static Signed<ModelUpdate> signed(UpdateRecord u) {
    return new Signed<>(u.receipt(), u.contributor(), u.signature());
  }

  @Override
  public void submit(SubmitRequest req, StreamObserver<SubmitResult> response) {
    try {
      response.onNext(accept(req));
      response.onCompleted();
    } catch (io.grpc.StatusException e) {
      if (s.async()) { // the task is used up: the node may ask for the next one
        lock.lock();
        try {
          Participant p = sessions.get(req.getSession());
          if (p != null) {
            inFlight.remove(p);
            changed.signalAll();
          }
        } finally {
          lock.unlock();
        }
      }
      say("refused a submission: %s", e.getStatus().getDescription());
      response.onError(e);
    }
  }

  private SubmitResult accept(SubmitRequest req) throws io.grpc.StatusException {
    Participant p;
    UpdateRecord parent;
    lock.lock();
    try {
      p = sessions.get(req.getSession());
      if (p == null) {
        throw unknownSession();
      }
      Integer from = s.async() ? inFlight.get(p) : (assigned.contains(p) ? version : null);
      if (from == null
          || done
          || version >= s.rounds()
          || (!s.async() && (req.getRound() != round || !roundOpen))) {
        return late();
      }
      parent = versions.get(from);
    } finally {
      lock.unlock();
    }
    Signed<ModelUpdate> signed;
    try {
      signed = CoordinatorMessages.receipt(req.getUpdate());
    } catch (IllegalArgumentException e) {
      throw invalid("malformed receipt: " + e.getMessage());
    }
    ModelUpdate u = signed.message();
    if (!signed.signer().equals(p.address)) {
      throw Status.PERMISSION_DENIED
          .withDescription("receipt signer " + signed.signer() + " is not you (" + p.address + ")")
          .asException();
    }
    if (u.kind() != UpdateKind.LOCAL || !u.runId().equals(runId())) {
      throw invalid("expected a LOCAL update of run " + runId().hex());
    }
    if (!u.parent().equals(parent.receipt().model())) {
      throw invalid(
          "parent " + u.parent().hex() + " is not your task's model " + parent.receipt().model());
    }
    for (Hash32 h : List.of(u.model(), u.manifest())) {
      if (!store.has(h)) {
        throw Status.FAILED_PRECONDITION
            .withDescription("blob " + h.hex() + " is not in the coordinator's store: Put it first")
            .asException();
      }
    }
    Hash32 id = u.digest(ledger.domain());
    UpdateRecord candidate = new UpdateRecord(id, u, signed.signer(), signed.signature(), 0);
    List<Tensor> tensors;
    try {
      UpdateCheck check = verifier.check(candidate);
      if (!check.ok()) {
        throw invalid("update refused: " + String.join("; ", check.problems()));
      }
      tensors = check.model();
      ModelCodec.check(aggregator.architecture(), tensors);
    } catch (LedgerException | ModelFormatException e) {
      throw invalid("update refused: " + e.getMessage());
    }
    UpdateRecord recorded;
    try {
      // the same node's model from the same parent may be recorded already: a retried submission,
      // or a round redone after the coordinator restarted (training is deterministic, but the
      // manifest's timings are not, so the receipt differs while the model is the same)
      var prior = ledger.updateOfModel(runId, u.model());
      recorded =
          prior.isPresent()
                  && prior.get().contributor().equals(signed.signer())
                  && prior.get().receipt().kind() == UpdateKind.LOCAL
                  && prior.get().receipt().parent().equals(u.parent())
              ? prior.get()
              : ledger.submit(signed);
    } catch (RejectedException e) {
      throw Status.FAILED_PRECONDITION
          .withDescription("the ledger refused the update: " + e.getMessage())
          .asException();
    } catch (LedgerException e) {
      throw Status.UNAVAILABLE.withDescription("ledger: " + e.getMessage()).asException();
    }
    lock.lock();
    try {
      if (s.async()) {
        Integer from = inFlight.remove(p);
        if (from == null) {
          return late();
        }
        startVersion.put(recorded.updateId(), from);
        buffered.add(new Aggregator.Input(recorded, tensors, 1));
      } else {
        if (!roundOpen || req.getRound() != round || !assigned.contains(p)) {
          return late();
        }
        received.put(p, new Aggregator.Input(recorded, tensors, 1));
      }
      locations.computeIfAbsent(u.model(), h -> new LinkedHashSet<>()).add(p.endpoint);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    say("%s: update %s (%d samples) accepted", p.name, recorded.updateId(), u.samples());
    return SubmitResult.newBuilder()
        .setOutcome(SubmitResult.Outcome.ACCEPTED)
        .setUpdateId(CoordinatorMessages.bytes(recorded.updateId()))
        .build();
  }

  private static SubmitResult late() {
    return SubmitResult.newBuilder().setOutcome(SubmitResult.Outcome.LATE).build();
  }

  private static io.grpc.StatusException unknownSession() {
    return Status.UNAUTHENTICATED
        .withDescription("unknown session: Join first (the coordinator may have restarted)")
        .asException();
  }

  private static io.grpc.StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }

  @Override
  public void announce(Announcement req, StreamObserver<AnnounceResult> response) {
    lock.lock();
    try {
      Participant p = sessions.get(req.getSession());
      if (p == null) {
        response.onError(unknownSession());
        return;
      }
      if (!p.endpoint.isBlank()) {
        for (ByteString h : req.getHashesList()) {
          locations
              .computeIfAbsent(CoordinatorMessages.hash("hash", h), k -> new LinkedHashSet<>())
              .add(p.endpoint);
        }
      }
    } catch (IllegalArgumentException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
      return;
    } finally {
      lock.unlock();
    }
    response.onNext(AnnounceResult.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void locate(LocateRequest req, StreamObserver<LocateResponse> response) {
    LocateResponse.Builder b = LocateResponse.newBuilder();
    lock.lock();
    try {
      b.addAllEndpoints(
          locations.getOrDefault(CoordinatorMessages.hash("hash", req.getHash()), Set.of()));
    } catch (IllegalArgumentException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
      return;
    } finally {
      lock.unlock();
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> response) {
    StatusResponse r;
    lock.lock();
    try {
      r =
          StatusResponse.newBuilder()
              .setRunId(CoordinatorMessages.bytes(runId()))
              .setCompleted(version)
              .setPlanned(s.rounds())
              .setGlobalUpdateId(CoordinatorMessages.bytes(versions.get(version).updateId()))
              .setNodes(byAddress.size())
              .setDone(done)
              .build();
    } finally {
      lock.unlock();
    }
    response.onNext(r);
    response.onCompleted();
  }

  private void say(String format, Object... args) {
    synchronized (log) {
      log.printf("coordinator: " + format + "%n", args);
      log.flush();
    }
  }
}
