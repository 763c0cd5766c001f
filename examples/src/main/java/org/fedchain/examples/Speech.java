package org.fedchain.examples;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.model.Tensor;
import org.fedchain.node.DataSpec;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;

/**
 * Speech: who is speaking, from recordings of nine men saying the Japanese vowel /ae/ (Kudo, Toyama
 * and Shimbo, 1999; the JapaneseVowels set that sktime's wheel ships): 12 LPC cepstra per frame, 7
 * to 29 frames, 270 utterances to train on and 370 to test. Three nodes each hold a third of the
 * training utterances; an LSTM spec learns the speaker chained (validated, rewarded) and by FedAvg,
 * next to chance and to each node's model of its own third alone.
 */
public final class Speech implements Example {
  static final String NPZ = "examples/speech/vowels.npz";

  @Override
  public String name() {
    return "speech";
  }

  @Override
  public String description() {
    return "which of 9 speakers said a vowel, from LPC cepstra, with an LSTM; a third of the"
        + " recordings per node";
  }

  @Override
  public boolean installed(Path cache) {
    return Files.isRegularFile(cache.resolve(NPZ));
  }

  @Override
  public boolean run(Context c) throws Exception {
    PrintWriter out = c.out();
    Path npz = c.cache().resolve(NPZ);
    Architecture arch = Examples.prepare(this, c, npz);
    DataSource ds = DataSource.open("npz:" + npz, arch.inputShape());
    int nodes = 3;
    int rounds = c.quick() ? 3 : 6;
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(c.quick() ? 4 : 8)
            .batchSize(16)
            .optimizer(TrainingConfig.Optimizer.ADAM)
            .learningRate(0.005f)
            .schedule(TrainingConfig.Schedule.CONSTANT)
            .validationFraction(0)
            .seed(1)
            .build();
    Samples test = ds.test().orElseThrow();
    out.printf(
        "speech: %s, %d training and %d test utterances of %d speakers; %d nodes%n",
        arch.name(), ds.train().size(), test.size(), ds.train().classes(), nodes);
    List<String> names = List.of("node1", "node2", "node3");
    List<Samples> shards = new ArrayList<>();
    for (int k = 1; k <= nodes; k++) {
      shards.add(new DataSpec(ds.describe(), k, nodes, 0).load(ds));
    }
    List<Tensor> genesis = arch.initialTensors(config.seed(), Architecture.Init.PYTORCH);
    List<Tensor> chained;
    List<Tensor> fedAvg;
    boolean ok;
    try (Runs runs = new Runs(c, name(), names)) {
      chained = runs.chained(ds, arch, config, false, v -> String.format("accuracy %.4f", v));
      fedAvg = runs.fedAvg(arch, config, genesis, shards, names, rounds, "speech example");
      ok = runs.ok();
    }

    // each node's own held-out recordings: a third of the test utterances
    List<int[]> heldOut = Partition.iid(test.size(), nodes, DataSpec.PARTITION_SEED);
    out.printf(
        "%nAccuracy on each node's own held-out utterances:%n%-6s %10s %8s %9s %8s %8s%n",
        "node", "utterances", "chance", "own data", "chained", "FedAvg");
    int fedBeatsOwn = 0;
    for (int k = 0; k < nodes; k++) {
      Samples mine = test.subset(heldOut.get(k));
      List<Tensor> own =
          LocalTrainer.train(
                  arch,
                  genesis,
                  shards.get(k),
                  config.toBuilder().epochs(config.epochs() * rounds).build(),
                  ProgressListener.NONE)
              .tensors();
      double ownAcc = LocalTrainer.evaluate(arch, own, mine).accuracy();
      double fedAcc = LocalTrainer.evaluate(arch, fedAvg, mine).accuracy();
      fedBeatsOwn += fedAcc > ownAcc ? 1 : 0;
      out.printf(
          "%-6s %10d %8.3f %9.3f %8.3f %8.3f%n",
          "node" + (k + 1),
          mine.size(),
          1.0 / test.classes(),
          ownAcc,
          LocalTrainer.evaluate(arch, chained, mine).accuracy(),
          fedAcc);
    }
    out.printf(
        "FedAvg beats a node's own model on %d of %d nodes; audits %s%n",
        fedBeatsOwn, nodes, ok ? "OK" : "FAILED");
    out.flush();
    return ok;
  }
}
