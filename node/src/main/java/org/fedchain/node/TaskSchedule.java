package org.fedchain.node;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.fedchain.comms.CoordinatorMessages;
import org.fedchain.comms.v1.Task;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.Participants.Participant;
import org.fedchain.wallet.EthereumIdentity;

/**
 * Which node trains what and when, and when the coordinator aggregates: synchronous rounds (a
 * seeded sample of the nodes per round, a deadline, stragglers left out, an empty round retried) or
 * FedBuff (every idle node trains from the current global model; every K updates are aggregated,
 * weighted by staleness). Holds the coordinator's state, the {@link Participants} included, under
 * one lock; {@link CoordinatorService} is its gRPC face.
 */
final class TaskSchedule {
  /** A task's node and the global model it trains from. */
  record Assignment(Participant participant, UpdateRecord parent) {}

  /** A node that already delivered its update for this task, or is delivering it now. */
  static final class AlreadyDeliveringException extends Exception {
    AlreadyDeliveringException(String message) {
      super(message);
    }
  }

  /** A session that never joined, or was replaced by a newer join of the same node. */
  static final class UnknownSessionException extends Exception {
    UnknownSessionException() {
      super("unknown session: Join first (the coordinator may have restarted)");
    }
  }

  private static final Duration LONG_POLL = Duration.ofSeconds(10);
  private static final int ROUND_ATTEMPTS = 3;

  private final Aggregator aggregator;
  private final EthereumIdentity coordinator;
  private final CoordinatorService.Settings s;
  private final PrintWriter log;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // all guarded by lock
  private final Participants participants = new Participants();
  private final Map<Integer, UpdateRecord> versions = new HashMap<>();
  private int version;
  private boolean done;
  // synchronous round state
  private int round;
  private boolean roundOpen;
  private final Set<Participant> sampled = new LinkedHashSet<>();
  private final Set<Participant> assigned = new LinkedHashSet<>();
  private final Map<Participant, Aggregator.Input> received = new LinkedHashMap<>();
  // whose submission is being checked and recorded now: one at a time per node
  private final Set<Participant> delivering = new LinkedHashSet<>();
  private long roundDeadline;
  // asynchronous state: the version each node is training from, and the buffer
  private final Map<Participant, Integer> inFlight = new HashMap<>();
  private final List<Aggregator.Input> buffered = new ArrayList<>();
  private final Map<Hash32, Integer> startVersion = new HashMap<>();
  private long tasks;

  TaskSchedule(
      Aggregator aggregator,
      EthereumIdentity coordinator,
      UpdateRecord start,
      CoordinatorService.Settings settings,
      PrintWriter log) {
    this.aggregator = aggregator;
    this.coordinator = coordinator;
    this.s = settings;
    this.log = log;
    // a resumed run starts from its latest global model: round r's global has seq r
    this.version = (int) start.receipt().seq();
    versions.put(version, start);
  }

  /**
   * Waits for the nodes, runs every round (or aggregation), then tells the nodes the run is done;
   * {@code onGlobal} sees each new global model. Returns the last global model.
   */
  UpdateRecord run(Consumer<CoordinatorService.Global> onGlobal)
      throws CoordinatorService.RunFailedException,
          IOException,
          LedgerException,
          InterruptedException {
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
  void awaitNodesToldDone(Duration grace) throws InterruptedException {
    long end = System.nanoTime() + grace.toNanos();
    lock.lock();
    try {
      while (!participants.allToldDone()) {
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

  private void awaitNodes() throws CoordinatorService.RunFailedException, InterruptedException {
    long end = System.nanoTime() + s.joinTimeout().toNanos();
    lock.lock();
    try {
      while (participants.size() < s.nodes()) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          throw new CoordinatorService.RunFailedException(
              "only "
                  + participants.size()
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

  private UpdateRecord runSync(Consumer<CoordinatorService.Global> onGlobal)
      throws CoordinatorService.RunFailedException,
          IOException,
          LedgerException,
          InterruptedException {
    UpdateRecord global = current();
    for (int r = completed() + 1; r <= s.rounds(); r++) {
      long t0 = System.nanoTime();
      List<Aggregator.Input> inputs = List.of();
      for (int attempt = 1; inputs.isEmpty(); attempt++) {
        if (attempt > ROUND_ATTEMPTS) {
          throw new CoordinatorService.RunFailedException(
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
      List<Participant> pool = participants.sorted();
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

  private UpdateRecord runAsync(Consumer<CoordinatorService.Global> onGlobal)
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
      Consumer<CoordinatorService.Global> onGlobal) {
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
        new CoordinatorService.Global(
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

  // ---- what the gRPC face asks ----

  /** Adds a node that proved its address; a node that joins again loses its unfinished task. */
  void join(Participant p) {
    lock.lock();
    try {
      Participant old = participants.join(p);
      if (old != null) {
        assigned.remove(old);
        inFlight.remove(old);
        if (sampled.remove(old)) {
          sampled.add(p);
        }
        Aggregator.Input in = received.remove(old);
        if (in != null) {
          received.put(p, in);
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next task of a session's node, waiting up to a long poll for one: TRAIN, DONE when the run
   * is over, or WAIT.
   */
  Task nextTask(ByteString session) throws UnknownSessionException {
    long end = System.nanoTime() + LONG_POLL.toNanos();
    Task task;
    lock.lock();
    try {
      Participant p = participants.bySession(session);
      if (p == null) {
        throw new UnknownSessionException();
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
        if (task != null || left <= 0 || participants.bySession(session) != p) {
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
    return task != null ? task : Task.newBuilder().setKind(Task.Kind.WAIT).build();
  }

  /** The task for {@code p} now, or null; caller holds the lock. */
  private Task taskFor(Participant p) {
    if (s.async()) {
      if (participants.size() < s.nodes() || inFlight.containsKey(p)) {
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
    long seed = s.config().seed() * 7919 + round * 101L + participants.index(p);
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

  private static Signed<ModelUpdate> signed(UpdateRecord u) {
    return new Signed<>(u.receipt(), u.contributor(), u.signature());
  }

  /**
   * The task a session's node may deliver for {@code round} now, or null if it is late (no task,
   * the round closed, the run done). Reserves the task: until {@link #deliver} or {@link #release},
   * the node's other submissions are refused, so one node records at most one update per task.
   */
  Assignment assignment(ByteString session, int round)
      throws UnknownSessionException, AlreadyDeliveringException {
    lock.lock();
    try {
      Participant p = participants.bySession(session);
      if (p == null) {
        throw new UnknownSessionException();
      }
      if (delivering.contains(p) || (!s.async() && received.containsKey(p))) {
        throw new AlreadyDeliveringException(
            p.name
                + " already delivered an update for "
                + (s.async() ? "this task" : "round " + this.round)
                + ": one update per node and task");
      }
      Integer from = s.async() ? inFlight.get(p) : (assigned.contains(p) ? version : null);
      if (from == null
          || done
          || version >= s.rounds()
          || (!s.async() && (round != this.round || !roundOpen))) {
        return null;
      }
      delivering.add(p);
      return new Assignment(p, versions.get(from));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether a session's node has a task it has not delivered yet, so may upload its update's blobs
   * now: in a synchronous run, sampled for the open round; in FedBuff, training a version.
   */
  boolean mayUpload(ByteString session) {
    lock.lock();
    try {
      Participant p = participants.bySession(session);
      if (p == null || done) {
        return false;
      }
      return s.async()
          ? inFlight.containsKey(p)
          : roundOpen && assigned.contains(p) && !received.containsKey(p);
    } finally {
      lock.unlock();
    }
  }

  /** Ends a reservation whose submission was refused. */
  void release(Participant p) {
    lock.lock();
    try {
      delivering.remove(p);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a recorded update into its round or the buffer; false if it came too late for either (it
   * stays recorded on the ledger, but is not aggregated).
   */
  boolean deliver(Participant p, int round, UpdateRecord recorded, List<Tensor> tensors) {
    lock.lock();
    try {
      delivering.remove(p);
      if (s.async()) {
        Integer from = inFlight.remove(p);
        if (from == null) {
          return false;
        }
        startVersion.put(recorded.updateId(), from);
        buffered.add(new Aggregator.Input(recorded, tensors, 1));
      } else {
        if (!roundOpen || round != this.round || !assigned.contains(p)) {
          return false;
        }
        received.put(p, new Aggregator.Input(recorded, tensors, 1));
      }
      participants.holds(p, recorded.receipt().model());
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** After a refused submission: an asynchronous task is used up, the node may ask for another. */
  void refused(ByteString session) {
    if (!s.async()) {
      return;
    }
    lock.lock();
    try {
      Participant p = participants.bySession(session);
      if (p != null) {
        inFlight.remove(p);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** A session's node says its store holds these blobs. */
  void announce(ByteString session, List<Hash32> hashes) throws UnknownSessionException {
    lock.lock();
    try {
      Participant p = participants.bySession(session);
      if (p == null) {
        throw new UnknownSessionException();
      }
      hashes.forEach(h -> participants.holds(p, h));
    } finally {
      lock.unlock();
    }
  }

  /** The stores known to hold a blob. */
  List<String> holders(Hash32 hash) {
    lock.lock();
    try {
      return participants.holders(hash);
    } finally {
      lock.unlock();
    }
  }

  /** Aggregations done and planned, the current global model, nodes joined, and whether done. */
  record Progress(int completed, int planned, UpdateRecord global, int nodes, boolean done) {}

  Progress progress() {
    lock.lock();
    try {
      return new Progress(version, s.rounds(), versions.get(version), participants.size(), done);
    } finally {
      lock.unlock();
    }
  }

  /** One line of the coordinator's log; the gRPC face writes through here too. */
  void say(String format, Object... args) {
    synchronized (log) {
      log.printf("coordinator: " + format + "%n", args);
      log.flush();
    }
  }
}
