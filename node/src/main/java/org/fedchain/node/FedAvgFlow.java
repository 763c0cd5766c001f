package org.fedchain.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Consumer;
import org.fedchain.core.Address;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;
import org.fedchain.trainer.aggregate.Strategy;
import org.fedchain.verifier.UpdateCheck;
import org.fedchain.verifier.VerificationException;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * Data-parallel training on one ledger and store: a coordinator and its clients in one process.
 *
 * <p>Synchronous rounds (FedAvg): round r has the global model G_r; a seeded sample of the clients
 * each train from G_r on their own shard and record a LOCAL update (parent G_r); the coordinator
 * aggregates them with a {@link Strategy} (weights = sample counts) and records an AGGREGATE update
 * (parent G_r, {@code data} = Merkle root of the input update ids, listed in the manifest's {@code
 * inputs}). Clients slower than the round's deadline are left out of the round.
 *
 * <p>Asynchronous rounds (FedBuff): clients train continuously from whatever global model is
 * current; the coordinator aggregates every K updates, each weighted by {@code 1/sqrt(1 +
 * staleness)} where staleness counts the global versions since the client's start model.
 *
 * <p>Client speed is modelled, not waited for: training runs one at a time in this process
 * (libtorch allows one gradient recording at a time), and a client's duration on a virtual clock is
 * its optimizer steps times its slowdown factor. Asynchronous mode is a discrete-event simulation
 * on that clock, so a slow client never holds up the others and results are reproducible.
 *
 * <pre>{@code
 * FedAvgFlow flow = new FedAvgFlow(ledger, store, arch, TrainingConfig.defaults(), Strategies.fedAvg());
 * UpdateRecord g0 = flow.openRun(coordinator, arch.initialTensors(1), "fresh");
 * FedAvgFlow.Aggregation r1 = flow.round(coordinator, 1, g0, clients, 1.0, 0, 7);
 * }</pre>
 */
public final class FedAvgFlow {
  /** What a client does to its update: honest, or a Byzantine change of its delta from G. */
  public enum Behaviour {
    HONEST(1),
    /** Sends global + (-10) x delta. */
    SCALE(-10),
    /** Sends global - delta. */
    FLIP(-1),
    /** Trains nothing: sends the global model back with a little Gaussian noise (sd 0.001). */
    FREE_RIDE(0),
    /** Trains honestly on its shard with every label y replaced by (classes - 1 - y). */
    LABEL_FLIP(1);

    final float factor;

    Behaviour(float factor) {
      this.factor = factor;
    }
  }

  /**
   * One in-process client.
   *
   * @param slowdown its speed relative to a normal client (1 normal, 5 five times slower)
   */
  public record Client(
      String name, EthereumIdentity identity, Samples shard, double slowdown, Behaviour behaviour) {
    public Client {
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(shard, "shard");
      Objects.requireNonNull(behaviour, "behaviour");
      if (!(slowdown >= 1)) {
        throw new IllegalArgumentException(
            "client " + name + ": slowdown must be >= 1, got " + slowdown);
      }
    }

    /** Virtual duration of one local training: optimizer steps x slowdown. */
    double cost(TrainingConfig config) {
      long train = shard.size() - (long) Math.floor(shard.size() * config.validationFraction());
      long steps = (train + config.batchSize() - 1) / config.batchSize() * config.epochs();
      return steps * slowdown;
    }
  }

  /** A recorded LOCAL update and what the coordinator needs to aggregate it. */
  public record Local(
      Client client, UpdateRecord update, List<Tensor> tensors, int startVersion, double seconds) {}

  /**
   * A new global model.
   *
   * @param version 1 for the first aggregation
   * @param global the coordinator's AGGREGATE update (also when the strategy picked one input
   *     unchanged, as Krum does: the ledger indexes global models apart from contributions)
   * @param tensors the global model
   * @param inputs the LOCAL updates aggregated
   * @param stragglers clients sampled but left out (synchronous rounds only)
   * @param seconds wall time of the round, or of this aggregation since the previous one
   */
  public record Aggregation(
      int version,
      UpdateRecord global,
      List<Tensor> tensors,
      List<Local> inputs,
      List<Client> stragglers,
      double seconds) {}

  private final Ledger ledger;
  private final BlobStore store;
  private final Architecture arch;
  private final TrainingConfig config;
  private final RoundSchedule schedule;
  private final int rounds;
  private final Verifier verifier;
  private final Aggregator aggregator;

  public FedAvgFlow(
      Ledger ledger, BlobStore store, Architecture arch, TrainingConfig config, Strategy strategy) {
    this(ledger, store, arch, config, strategy, RoundSchedule.CONSTANT, 1);
  }

  /**
   * @param schedule how the learning rate of {@code config} changes over the run's {@code rounds}
   *     (synchronous rounds or FedBuff aggregations)
   */
  public FedAvgFlow(
      Ledger ledger,
      BlobStore store,
      Architecture arch,
      TrainingConfig config,
      Strategy strategy,
      RoundSchedule schedule,
      int rounds) {
    this.ledger = ledger;
    this.store = store;
    this.arch = arch;
    this.config = config;
    this.schedule = schedule;
    this.rounds = rounds;
    this.verifier = new Verifier(ledger, store);
    this.aggregator = new Aggregator(ledger, store, arch, strategy);
  }

  /** Opens a DATA_PARALLEL run with this genesis model, open to anyone; returns G_0. */
  public UpdateRecord openRun(EthereumIdentity coordinator, List<Tensor> genesis, String origin)
      throws IOException, LedgerException {
    return openRun(coordinator, genesis, origin, List.of());
  }

  /**
   * Opens a DATA_PARALLEL run with this genesis model that only {@code admitted} nodes (and the
   * coordinator) may contribute to, or anyone when it is empty; returns G_0.
   */
  public UpdateRecord openRun(
      EthereumIdentity coordinator, List<Tensor> genesis, String origin, List<Address> admitted)
      throws IOException, LedgerException {
    return openRun(
        coordinator, genesis, origin, RunConfig.unrewarded(Mode.DATA_PARALLEL).admitting(admitted));
  }

  /** Opens a run of {@code terms} (data-parallel) with this genesis model; returns G_0. */
  public UpdateRecord openRun(
      EthereumIdentity coordinator, List<Tensor> genesis, String origin, RunConfig terms)
      throws IOException, LedgerException {
    // the run's task is the one this flow trains with
    return new ChainFlow(ledger, store)
        .openRun(
            coordinator,
            arch,
            genesis,
            terms,
            origin,
            new org.fedchain.trainer.Task.Terms(config.loss(), config.metric()));
  }

  /** The model of a recorded update, after checking that update (its ancestors checked before). */
  public List<Tensor> verifiedModel(UpdateRecord u)
      throws IOException, LedgerException, VerificationException {
    UpdateCheck c = verifier.check(u);
    if (!c.ok()) {
      throw new VerificationException(
          "refusing global model "
              + u.receipt().model().hex()
              + ":\n  "
              + String.join("\n  ", c.problems()));
    }
    ModelCodec.check(arch, c.model());
    return c.model();
  }

  /**
   * One synchronous round from {@code global}: samples {@code ceil(fraction x clients)} clients
   * (seeded by {@code seed} and the round), leaves out those whose virtual duration exceeds {@code
   * deadline} times the median of the sampled ones ({@code deadline <= 0}: no deadline), trains the
   * others and aggregates.
   */
  public Aggregation round(
      EthereumIdentity coordinator,
      int round,
      UpdateRecord global,
      List<Client> clients,
      double fraction,
      double deadline,
      long seed)
      throws IOException, LedgerException, VerificationException {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("client fraction must be in (0, 1], got " + fraction);
    }
    long t0 = System.nanoTime();
    List<Tensor> start = verifiedModel(global);
    List<Client> pool = new ArrayList<>(clients);
    java.util.Collections.shuffle(pool, new Random(seed * 1_000_003L + round));
    List<Client> sampled = pool.subList(0, (int) Math.ceil(fraction * clients.size()));
    List<Client> inTime = new ArrayList<>();
    List<Client> stragglers = new ArrayList<>();
    double[] costs = sampled.stream().mapToDouble(c -> c.cost(config)).sorted().toArray();
    double limit =
        deadline > 0 ? deadline * costs[(costs.length - 1) / 2] : Double.POSITIVE_INFINITY;
    for (Client c : sampled) {
      (c.cost(config) <= limit ? inTime : stragglers).add(c);
    }
    List<Local> locals = new ArrayList<>();
    for (Client c : inTime) {
      locals.add(
          train(
              c,
              global,
              start,
              0,
              configFor(round, seed * 7919 + round * 101L + clients.indexOf(c))));
    }
    List<Double> weights = locals.stream().map(l -> 1.0).toList();
    UpdateRecord next = aggregate(coordinator, global, locals, weights);
    return new Aggregation(
        round,
        next,
        ModelCodec.read(arch, store.get(next.receipt().model())),
        locals,
        stragglers,
        (System.nanoTime() - t0) / 1e9);
  }

  /**
   * FedBuff from {@code genesis} until {@code aggregations} global models are recorded: every
   * client trains continuously on the virtual clock, the coordinator aggregates every {@code
   * buffer} updates with staleness weight {@code 1/sqrt(1 + staleness)}. Updates still in flight at
   * the end are dropped.
   */
  public List<Aggregation> runAsync(
      EthereumIdentity coordinator,
      UpdateRecord genesis,
      List<Client> clients,
      int buffer,
      int aggregations,
      long seed,
      Consumer<Aggregation> onAggregation)
      throws IOException, LedgerException, VerificationException {
    if (buffer < 1 || aggregations < 1 || clients.isEmpty()) {
      throw new IllegalArgumentException(
          "FedBuff needs a buffer >= 1, aggregations >= 1 and clients, got buffer "
              + buffer
              + ", aggregations "
              + aggregations
              + ", "
              + clients.size()
              + " clients");
    }
    record Job(Client client, int index, int startVersion, double finish) {}
    Map<Integer, UpdateRecord> versions = new HashMap<>();
    Map<Integer, List<Tensor>> models = new HashMap<>();
    versions.put(0, genesis);
    models.put(0, verifiedModel(genesis));
    PriorityQueue<Job> jobs =
        new PriorityQueue<>(Comparator.comparingDouble(Job::finish).thenComparingInt(Job::index));
    for (int i = 0; i < clients.size(); i++) {
      jobs.add(new Job(clients.get(i), i, 0, clients.get(i).cost(config)));
    }
    int version = 0;
    int trainings = 0;
    List<Local> pending = new ArrayList<>();
    List<Aggregation> out = new ArrayList<>();
    long t0 = System.nanoTime();
    while (out.size() < aggregations) {
      Job j = jobs.remove();
      Local l =
          train(
              j.client(),
              versions.get(j.startVersion()),
              models.get(j.startVersion()),
              j.startVersion(),
              configFor(Math.min(j.startVersion() + 1, rounds), seed * 7919 + (trainings++)));
      pending.add(l);
      if (pending.size() == buffer) {
        int current = version;
        List<Double> weights =
            pending.stream().map(p -> 1 / Math.sqrt(1 + current - p.startVersion())).toList();
        UpdateRecord next = aggregate(coordinator, versions.get(version), pending, weights);
        version++;
        versions.put(version, next);
        models.put(version, ModelCodec.read(arch, store.get(next.receipt().model())));
        long t1 = System.nanoTime();
        Aggregation a =
            new Aggregation(
                version,
                next,
                models.get(version),
                List.copyOf(pending),
                List.of(),
                (t1 - t0) / 1e9);
        t0 = t1;
        out.add(a);
        onAggregation.accept(a);
        pending.clear();
        int oldest = version;
        for (Job q : jobs) {
          oldest = Math.min(oldest, q.startVersion());
        }
        for (int v = 0; v < oldest; v++) {
          models.remove(v);
        }
      }
      jobs.add(new Job(j.client(), j.index(), version, j.finish() + j.client().cost(config)));
    }
    return out;
  }

  /**
   * The local training of a client in round {@code round} (FedBuff: version + 1) with this seed.
   */
  public TrainingConfig configFor(int round, long seed) {
    return config.toBuilder()
        .learningRate(schedule.rate(config.learningRate(), round, rounds))
        .seed(seed)
        .build();
  }

  /** A client trains from {@code global}, writes model and manifest, signs and records LOCAL. */
  public Local train(
      Client c, UpdateRecord global, List<Tensor> start, int startVersion, TrainingConfig cfg)
      throws IOException, LedgerException {
    Samples data = c.behaviour() == Behaviour.LABEL_FLIP ? c.shard().flippedLabels() : c.shard();
    TrainingResult r = LocalTrainer.train(arch, start, data, cfg, ProgressListener.NONE);
    List<Tensor> tensors =
        c.behaviour() == Behaviour.FREE_RIDE
            ? noisy(attack(Behaviour.FREE_RIDE, start, r.tensors()), cfg.seed())
            : attack(c.behaviour(), start, r.tensors());
    ModelUpdate receipt =
        TrainedUpdates.store(
            store,
            c.identity().address(),
            UpdateKind.LOCAL,
            global.receipt(),
            arch,
            cfg,
            r,
            tensors,
            data);
    UpdateRecord u = ledger.submit(TrainedUpdates.sign(ledger, c.identity(), receipt));
    return new Local(c, u, tensors, startVersion, r.seconds());
  }

  /**
   * The coordinator aggregates {@code inputs} (weights: samples x {@code weights}) into a new
   * global model after {@code global} and records it as an AGGREGATE.
   */
  public UpdateRecord aggregate(
      EthereumIdentity coordinator, UpdateRecord global, List<Local> inputs, List<Double> weights)
      throws IOException, LedgerException {
    List<Aggregator.Input> in = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      in.add(new Aggregator.Input(inputs.get(i).update(), inputs.get(i).tensors(), weights.get(i)));
    }
    return aggregator.aggregate(coordinator, global, in);
  }

  /** {@code global} plus Gaussian noise of sd 0.001 on every F32 value (a free-rider's update). */
  static List<Tensor> noisy(List<Tensor> global, long seed) {
    Random random = new Random(seed);
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : global) {
      if (t.dtype() != org.fedchain.core.model.DType.F32) {
        out.add(t);
        continue;
      }
      float[] v = t.floats().clone();
      for (int k = 0; k < v.length; k++) {
        v[k] += (float) (random.nextGaussian() * 0.001);
      }
      out.add(Tensor.ofFloats(t.name(), t.shape(), v));
    }
    return out;
  }

  /** {@code global + factor x (trained - global)}; the trained model itself when honest. */
  static List<Tensor> attack(Behaviour b, List<Tensor> global, List<Tensor> trained) {
    if (b == Behaviour.HONEST || b == Behaviour.LABEL_FLIP) {
      return trained;
    }
    Map<String, Tensor> byName = new HashMap<>();
    global.forEach(t -> byName.put(t.name(), t));
    List<Tensor> out = new ArrayList<>();
    for (int t = 0; t < trained.size(); t++) {
      if (trained.get(t).dtype() != org.fedchain.core.model.DType.F32) {
        out.add(trained.get(t));
        continue;
      }
      float[] g = byName.get(trained.get(t).name()).floats();
      float[] w = trained.get(t).floats();
      float[] v = new float[w.length];
      for (int k = 0; k < v.length; k++) {
        v[k] = g[k] + b.factor * (w[k] - g[k]);
      }
      out.add(Tensor.ofFloats(trained.get(t).name(), trained.get(t).shape(), v));
    }
    return out;
  }
}
