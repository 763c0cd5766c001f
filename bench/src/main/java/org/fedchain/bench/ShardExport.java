package org.fedchain.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedchain.node.DataSpec;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;

/**
 * Writes what {@link FedAvgBench} trains on, so that the Flower reference ({@code
 * bench/flower/fedavg_flower.py}) trains on the very same samples from the very same model: the
 * shard index lists of every partition (shard K of N as {@link DataSpec} cuts it, from {@link
 * DataSpec#PARTITION_SEED} or the {@code partition-seed=S} setting, or read from {@code
 * shard-file=PATH}), the genesis model as safetensors, the PyTorch source of the architecture and
 * the local training settings.
 *
 * <pre>
 * java -cp ... org.fedchain.bench.ShardExport OUT_DIR [LOCAL_EPOCHS=1] [THREADS=1]
 *     [iid|dirichlet=ALPHA ...] [lr=RATE] [schedule=cosine|constant] [validation=FRACTION] [wd=DECAY]
 *     [lr-schedule=constant|cosine] [init=kaiming|pytorch] [partition-seed=S] [shard-file=PATH]
 *     [loss=softmax|balanced|balanced:TAU]
 * </pre>
 *
 * <p>Writes {@code OUT_DIR/spec.json} and {@code OUT_DIR/genesis.safetensors}. The local validation
 * split and batch order are not listed: {@code LocalTrainer} draws them from the client's per-round
 * seed with {@link java.util.Random}, which the Python side re-implements and checks against the
 * IID shards written here (the same Fisher-Yates shuffle of the same generator).
 */
public final class ShardExport {
  private ShardExport() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println(
          "usage: ShardExport OUT_DIR [LOCAL_EPOCHS=1] [THREADS=1] [iid|dirichlet=ALPHA ...]"
              + " [lr=RATE] [schedule=cosine|constant] [validation=FRACTION] [wd=DECAY]"
              + " [lr-schedule=constant|cosine] [init=kaiming|pytorch] [partition-seed=S]"
              + " [shard-file=PATH] [loss=softmax|balanced|balanced:TAU]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    List<String> rest = args.length > 3 ? List.of(args).subList(3, args.length) : List.of();
    List<String> settings = FedAvgBench.settings(rest);
    Path shardFile = FedAvgBench.shardFile(settings);
    double[] partitions = FedAvgBench.partitions(rest, shardFile);
    Files.createDirectories(out);

    FashionMnist files = FashionMnist.standard();
    DataSource data = files.named("fashion-mnist");
    Samples train = data.train();
    Architecture arch = FedAvgBench.architecture();
    TrainingConfig config = FedAvgBench.config(epochs, threads, settings);
    int n = FedAvgBench.CLIENTS;
    long seed = FedAvgBench.partitionSeed(settings);

    List<Map<String, Object>> parts = new ArrayList<>();
    for (double alpha : partitions) {
      List<int[]> shards =
          shardFile != null
              ? Partition.read(shardFile, train.size(), n)
              : alpha > 0
                  ? Partition.dirichlet(train.labels(), n, alpha, seed)
                  : Partition.iid(train.size(), n, seed);
      List<String> commitments = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        // the lists must be exactly what the clients of FedAvgRun load through DataSpec
        String ours = train.subset(shards.get(k)).commitment().hex();
        String theirs =
            new DataSpec("fashion-mnist", k + 1, n, alpha, seed, shardFile, false)
                .load(data)
                .commitment()
                .hex();
        if (!ours.equals(theirs)) {
          throw new IllegalStateException(
              "shard "
                  + (k + 1)
                  + "/"
                  + n
                  + " of "
                  + FedAvgBench.partitionName(alpha, shardFile)
                  + " differs from what DataSpec loads; ShardExport must cut shards as DataSpec"
                  + " does");
        }
        commitments.add(ours);
      }
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", FedAvgBench.partitionName(alpha, shardFile));
      p.put("dirichlet_alpha", shardFile != null ? null : alpha); // null: not drawn here
      p.put("commitments", commitments);
      p.put("shards", shards);
      parts.add(p);
    }

    Files.write(
        out.resolve("genesis.safetensors"),
        ModelCodec.write(arch.initialTensors(config.seed(), FedAvgBench.init(settings))));

    Map<String, Object> training = new LinkedHashMap<>();
    training.put("optimizer", config.optimizer().name());
    training.put("learning_rate", config.learningRate());
    training.put("momentum", config.momentum());
    training.put("weight_decay", config.weightDecay());
    training.put("balanced_softmax", config.balancedSoftmax());
    training.put("schedule", config.schedule().name());
    training.put("round_schedule", FedAvgBench.roundSchedule(settings).name());
    training.put("batch_size", config.batchSize());
    training.put("epochs", config.epochs());
    training.put("validation_fraction", config.validationFraction());
    training.put("seed", config.seed());
    training.put("threads", config.threads());

    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("dataset", "fashion-mnist");
    spec.put("data_dir", files.dir().toAbsolutePath().toString());
    spec.put("train_size", train.size());
    spec.put("clients", n);
    spec.put("partition_seed", seed);
    spec.put("architecture", arch.id());
    spec.put("pytorch_source", arch.pytorchSource());
    spec.put("genesis", "genesis.safetensors");
    spec.put("training", training);
    spec.put("strategy", FedAvgBench.strategy(settings).id());
    spec.put("partitions", parts);
    new ObjectMapper().writeValue(out.resolve("spec.json").toFile(), spec);
    System.err.printf(
        "ShardExport: %d partitions x %d shards, genesis and settings in %s%n",
        parts.size(), n, out);
  }
}
