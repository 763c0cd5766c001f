package org.fedchain.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.node.DataSpec;
import org.fedchain.node.FedAvgFlow;
import org.fedchain.node.FedAvgRun;
import org.fedchain.node.RoundSchedule;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.trainer.aggregate.Strategy;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;

/**
 * FedAvg benchmark (a main, not a test): 10 clients, the NIID-Bench FMNIST CNN ({@code
 * fmnist-cnn/1}), all clients every round, on IID shards and then on Dirichlet(0.5) shards; prints
 * the test accuracy after each round and the wall time, then one summary line per partition and one
 * machine-readable {@code BENCH {json}} line per partition (read by {@code scripts/bench.sh
 * flower}).
 *
 * <pre>
 * scripts/bench.sh fedavg [ROUNDS=50] [LOCAL_EPOCHS=1] [THREADS=1] [iid|dirichlet=ALPHA ...]
 *     [lr=RATE] [schedule=cosine|constant] [validation=FRACTION] [wd=DECAY] [lr-schedule=constant|cosine]
 *     [init=kaiming|pytorch] [partition-seed=S] [shard-file=PATH] [strategy=fedavg|fednova]
 *     [loss=softmax|balanced|balanced:TAU]
 * </pre>
 *
 * <p>The first four settings change the local training from {@link #config}'s defaults; {@code
 * lr=0.01 schedule=constant validation=0 wd=1e-5} is NIID-Bench's own (it trains on all of a
 * client's samples, with an L2 penalty of 1e-5). {@code lr-schedule} is the {@link RoundSchedule}
 * of the rate over the rounds (default constant); {@code init} how the genesis model is drawn
 * ({@link Architecture.Init}, default kaiming; NIID-Bench starts from PyTorch's default); {@code
 * partition-seed} the seed the clients' shards are drawn from (default {@link
 * DataSpec#PARTITION_SEED}; another seed is another draw of the same partition scheme); {@code
 * shard-file} a file of the ten shards to read instead (one run; {@code
 * bench/flower/niid_bench_shards.py} writes NIID-Bench's own Dirichlet draws); {@code strategy} the
 * aggregation ({@link Strategies#parse}, default fedavg; {@code fednova} is NIID-Bench's FedNova);
 * {@code loss=balanced} trains with {@link TrainingConfig#balancedSoftmax()}.
 *
 * <p>{@link ShardExport} writes the same shards, genesis model and training settings for the Flower
 * reference in {@code bench/flower}.
 */
public final class FedAvgBench {
  /** Clients in every run, all sampled every round. */
  static final int CLIENTS = 10;

  /** The partitions run when none is named: IID, then Dirichlet(0.5) (alpha 0 means IID). */
  static final double[] DEFAULT_PARTITIONS = {0, 0.5};

  private static final ObjectMapper JSON = new ObjectMapper();

  private FedAvgBench() {}

  /** The CNN every client trains. */
  static Architecture architecture() {
    return Architectures.get("fmnist-cnn/1");
  }

  /**
   * The local training of every client unless {@code settings} say otherwise (SGD, momentum 0.9,
   * learning rate 0.05 on a cosine schedule, batch 64, 10% validation); FedAvgFlow derives each
   * client's seed per round from seed 1, and the genesis model is {@code
   * architecture().initialTensors(1)}.
   */
  static TrainingConfig config(int epochs, int threads, List<String> settings) {
    TrainingConfig.Builder b =
        TrainingConfig.builder().epochs(epochs).batchSize(64).seed(1).threads(threads);
    for (String s : settings) {
      String value = s.substring(s.indexOf('=') + 1);
      if (s.startsWith("lr=")) {
        b.learningRate(Float.parseFloat(value));
      } else if (s.startsWith("schedule=")) {
        b.schedule(TrainingConfig.Schedule.parse(value));
      } else if (s.startsWith("validation=")) {
        b.validationFraction(Double.parseDouble(value));
      } else if (s.startsWith("wd=")) {
        b.weightDecay(Float.parseFloat(value));
      } else if (s.startsWith("loss=")) {
        b.balancedSoftmax(balancedLoss(value));
      } else if (!s.startsWith("lr-schedule=")
          && !s.startsWith("init=")
          && !s.startsWith("partition-seed=")
          && !s.startsWith("shard-file=")
          && !s.startsWith("strategy=")) {
        throw new IllegalArgumentException(
            "unknown setting "
                + s
                + "; expected lr=RATE, schedule=cosine|constant, validation=F,"
                + " wd=DECAY, lr-schedule=constant|cosine, init=kaiming|pytorch,"
                + " partition-seed=S, shard-file=PATH, strategy=fedavg|fednova,"
                + " loss=softmax|balanced|balanced:TAU");
      }
    }
    return b.build();
  }

  /** The balanced softmax tau of {@code loss=softmax|balanced|balanced:TAU}. */
  private static float balancedLoss(String name) {
    if (name.equals("softmax")) {
      return 0;
    } else if (name.equals("balanced")) {
      return 1;
    } else if (name.startsWith("balanced:")) {
      String tau = name.substring("balanced:".length());
      try {
        return Float.parseFloat(tau);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("loss=balanced:TAU needs a number, got '" + tau + "'");
      }
    }
    throw new IllegalArgumentException(
        "unknown loss '" + name + "'; expected softmax, balanced or balanced:TAU");
  }

  private static String lossName(TrainingConfig config) {
    float tau = config.balancedSoftmax();
    return tau == 0
        ? "softmax"
        : tau == 1 ? "balanced softmax" : "balanced softmax (tau " + tau + ")";
  }

  /** The rate's schedule over the rounds among {@code settings}: {@code lr-schedule=NAME}. */
  static RoundSchedule roundSchedule(List<String> settings) {
    return last(settings, "lr-schedule=").map(RoundSchedule::parse).orElse(RoundSchedule.CONSTANT);
  }

  /**
   * How the genesis model is drawn, among {@code settings}: {@code init=NAME} (default kaiming).
   */
  static Architecture.Init init(List<String> settings) {
    return last(settings, "init=").map(Architecture.Init::parse).orElse(Architecture.Init.KAIMING);
  }

  /** The aggregation among {@code settings}: {@code strategy=ID} (default fedavg). */
  static Strategy strategy(List<String> settings) {
    return last(settings, "strategy=").map(Strategies::parse).orElse(Strategies.fedAvg());
  }

  /** The seed the shards are drawn from, among {@code settings}: {@code partition-seed=S}. */
  static long partitionSeed(List<String> settings) {
    return last(settings, "partition-seed=")
        .map(
            v -> {
              try {
                return Long.parseLong(v);
              } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                    "partition-seed must be a whole number, got '" + v + "'");
              }
            })
        .orElse(DataSpec.PARTITION_SEED);
  }

  /**
   * The file of shards among {@code settings} ({@code shard-file=PATH}, read as {@link
   * Partition#read} says), or null to draw the partitions.
   */
  static Path shardFile(List<String> settings) {
    return last(settings, "shard-file=").map(Path::of).orElse(null);
  }

  /**
   * The partitions a run trains on: the ones named in {@code args}, or the one shard file, or the
   * defaults. A shard file and named partitions together are refused.
   */
  static double[] partitions(List<String> args, Path shardFile) {
    if (shardFile == null) {
      return partitions(args);
    }
    if (args.stream().anyMatch(FedAvgBench::isPartition)) {
      throw new IllegalArgumentException(
          "shard-file= names the shards; leave out iid and dirichlet=ALPHA");
    }
    return new double[] {0};
  }

  /** The value of the last {@code key}VALUE among {@code settings}, if any. */
  private static Optional<String> last(List<String> settings, String key) {
    return settings.stream()
        .filter(s -> s.startsWith(key))
        .map(s -> s.substring(key.length()))
        .reduce((a, b) -> b);
  }

  /** The partitions among {@code args} ({@code iid}, {@code dirichlet=A}), or the defaults. */
  static double[] partitions(List<String> args) {
    double[] named =
        args.stream()
            .filter(FedAvgBench::isPartition)
            .mapToDouble(FedAvgBench::parsePartition)
            .toArray();
    return named.length > 0 ? named : DEFAULT_PARTITIONS;
  }

  /** The training settings among {@code args}: everything that is not a partition. */
  static List<String> settings(List<String> args) {
    return args.stream().filter(a -> !isPartition(a)).toList();
  }

  /** Whether {@code arg} names a partition ({@code iid} or {@code dirichlet=A}), not a setting. */
  private static boolean isPartition(String arg) {
    return arg.equals("iid") || arg.startsWith("dirichlet=");
  }

  /** "IID", "Dirichlet(ALPHA)" or "shards of FILE_NAME", as the tables name a partition. */
  static String partitionName(double alpha, Path shardFile) {
    if (shardFile != null) {
      return "shards of " + shardFile.getFileName();
    }
    return alpha > 0 ? "Dirichlet(" + alpha + ")" : "IID";
  }

  /** Parses {@code iid} or {@code dirichlet=ALPHA} (as in {@code fashion-mnist:K/N:...}). */
  static double parsePartition(String text) {
    return DataSpec.parse("fashion-mnist:1/1:" + text).dirichletAlpha();
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    List<String> rest = args.length > 3 ? List.of(args).subList(3, args.length) : List.of();
    List<String> settings = settings(rest);
    Path shardFile = shardFile(settings);
    double[] partitions = partitions(rest, shardFile);
    TrainingConfig config = config(epochs, threads, settings);
    RoundSchedule schedule = roundSchedule(settings);
    Architecture.Init init = init(settings);
    long partitionSeed = partitionSeed(settings);
    Strategy strategy = strategy(settings);
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    DataSource data = FashionMnist.standard().named("fashion-mnist");
    List<String> summary = new ArrayList<>();
    List<String> machine = new ArrayList<>();
    for (double alpha : partitions) {
      Path dir = Files.createTempDirectory("fedavg-bench");
      EthereumIdentity coordinator = key("coordinator");
      List<EthereumIdentity> ids = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        ids.add(key("client" + i));
      }
      try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
        FedAvgRun.Result r =
            FedAvgRun.run(
                out,
                ledger,
                BlobStore.open(dir.resolve("store")),
                coordinator,
                ids,
                data,
                new FedAvgRun.Settings(
                    architecture(),
                    init,
                    config,
                    schedule,
                    strategy,
                    CLIENTS,
                    rounds,
                    false,
                    1.0,
                    0,
                    1,
                    0,
                    FedAvgFlow.Behaviour.HONEST,
                    0,
                    1,
                    alpha,
                    partitionSeed,
                    shardFile));
        double last = r.accuracy().get(r.accuracy().size() - 1);
        double best = r.accuracy().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        String audit = r.audit().ok() ? "OK" : "FAILED";
        summary.add(
            String.format(
                Locale.ROOT,
                "%-16s %s, rounds %d, local epochs %d (lr %s %s, over rounds %s, validation %s,"
                    + " weight decay %s, %s loss, init %s, %s), threads %d: final"
                    + " test accuracy %.4f (best %.4f), wall %.1f s, audit %s",
                partitionName(alpha, shardFile),
                strategy.id(),
                rounds,
                epochs,
                config.learningRate(),
                config.schedule().name().toLowerCase(Locale.ROOT),
                schedule.name().toLowerCase(Locale.ROOT),
                config.validationFraction(),
                config.weightDecay(),
                lossName(config),
                init.name().toLowerCase(Locale.ROOT),
                shardFile != null ? "shards read from a file" : "partition seed " + partitionSeed,
                threads,
                last,
                best,
                r.seconds(),
                audit));
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("system", "FedChain");
        line.put("partition", partitionName(alpha, shardFile));
        line.put("strategy", strategy.id());
        line.put("rounds", rounds);
        line.put("local_epochs", epochs);
        line.put("threads", threads);
        line.put("learning_rate", config.learningRate());
        line.put("schedule", config.schedule().name());
        line.put("round_schedule", schedule.name());
        line.put("validation_fraction", config.validationFraction());
        line.put("weight_decay", config.weightDecay());
        line.put("balanced_softmax", config.balancedSoftmax());
        line.put("init", init.name());
        line.put("partition_seed", shardFile != null ? null : partitionSeed);
        line.put("final_acc", last);
        line.put("best_acc", best);
        line.put("wall_s", r.seconds());
        line.put("audit", audit);
        line.put("versions", LocalTrainer.versions());
        line.put("acc", r.accuracy());
        machine.add("BENCH " + JSON.writeValueAsString(line));
      }
    }
    summary.forEach(out::println);
    machine.forEach(out::println);
  }

  private static EthereumIdentity key(String name) {
    return Signers.secp256k1(
        Hash32.sha256(("fedavg bench " + name).getBytes(StandardCharsets.UTF_8)).toBytes());
  }
}
