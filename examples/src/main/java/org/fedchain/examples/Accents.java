package org.fedchain.examples;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.fedchain.core.model.Tensor;
import org.fedchain.node.DataSpec;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.AudioFolder;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;

/**
 * Speech by dialect: 40 sentences spoken by espeak-ng in seven English accents (US, British,
 * Scottish, Lancastrian, West Midlands, received pronunciation, Caribbean) at two speeds and two
 * pitches, turned into log-mel spectrograms in Java ({@link AudioFolder}); the last 8 sentences are
 * never trained on. Each of three nodes holds recordings of its own accents only (one accent group
 * per node), as a region's operator would. A CNN spec learns the accent chained (validated,
 * rewarded) and by FedAvg, next to chance and to each node's model of its own accents alone.
 */
public final class Accents implements Example {
  static final String DIR = "examples/accents";

  @Override
  public String name() {
    return "accents";
  }

  @Override
  public String description() {
    return "which of 7 English accents (espeak-ng), from log-mel spectrograms, with a CNN; one"
        + " accent group per node";
  }

  @Override
  public boolean installed(Path cache) {
    return Files.isRegularFile(cache.resolve(DIR).resolve(".done"));
  }

  @Override
  public boolean run(Context c) throws Exception {
    PrintWriter out = c.out();
    Path root = c.cache().resolve(DIR);
    Architecture arch = Examples.prepare(this, c, root);
    AudioFolder ds = AudioFolder.open(root, arch.inputShape());
    int nodes = 3;
    int rounds = c.quick() ? 2 : 5;
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(c.quick() ? 2 : 8)
            .batchSize(32)
            .optimizer(TrainingConfig.Optimizer.ADAM)
            .learningRate(0.001f)
            .schedule(TrainingConfig.Schedule.CONSTANT)
            .validationFraction(0)
            .seed(1)
            .build();
    Samples test = ds.test().orElseThrow();
    out.printf(
        "accents: %s, %d training and %d test recordings of %s; %d nodes%n",
        arch.name(), ds.train().size(), test.size(), ds.classes(), nodes);
    List<String> names = List.of("node1", "node2", "node3");
    List<Samples> shards = new ArrayList<>();
    for (int k = 1; k <= nodes; k++) {
      // accent i goes to node i mod 3 + 1
      shards.add(
          new DataSpec(ds.describe(), k, nodes, 0, DataSpec.PARTITION_SEED, null, true).load(ds));
    }
    List<Tensor> genesis = arch.initialTensors(config.seed(), Architecture.Init.PYTORCH);
    List<Tensor> chained;
    List<Tensor> fedAvg;
    boolean ok;
    try (Runs runs = new Runs(c, name(), names)) {
      chained = runs.chained(ds, arch, config, true, v -> String.format("accuracy %.4f", v));
      fedAvg = runs.fedAvg(arch, config, genesis, shards, names, rounds, "accents example");
      ok = runs.ok();
    }

    int[] testAccent = ds.testSeries().orElseThrow();
    out.printf(
        "%nAccuracy on unseen sentences, each node's own accents / all 7 accents:%n"
            + "%-6s %-38s %8s %15s %15s %15s%n",
        "node", "accents", "chance", "own data", "chained", "FedAvg");
    int fedBeatsOwn = 0;
    for (int k = 0; k < nodes; k++) {
      List<Integer> idx = new ArrayList<>();
      TreeSet<String> accents = new TreeSet<>();
      for (int i = 0; i < testAccent.length; i++) {
        if (testAccent[i] % nodes == k) {
          idx.add(i);
          accents.add(ds.classes().get(testAccent[i]));
        }
      }
      Samples mine = test.subset(idx.stream().mapToInt(Integer::intValue).toArray());
      List<Tensor> own =
          LocalTrainer.train(
                  arch,
                  genesis,
                  shards.get(k),
                  config.toBuilder().epochs(config.epochs() * rounds).build(),
                  ProgressListener.NONE)
              .tensors();
      double[] ownAcc = both(arch, own, mine, test);
      double[] fedAcc = both(arch, fedAvg, mine, test);
      fedBeatsOwn += fedAcc[1] > ownAcc[1] ? 1 : 0;
      out.printf(
          "%-6s %-38s %8.3f %15s %15s %15s%n",
          "node" + (k + 1),
          String.join(",", accents),
          1.0 / ds.classes().size(),
          pair(ownAcc),
          pair(both(arch, chained, mine, test)),
          pair(fedAcc));
    }
    out.printf(
        "FedAvg beats a node's own model on all accents for %d of %d nodes; audits %s%n",
        fedBeatsOwn, nodes, ok ? "OK" : "FAILED");
    out.flush();
    return ok;
  }

  /** Accuracy on the node's own accents and on all of them. */
  static double[] both(Architecture arch, List<Tensor> model, Samples mine, Samples all) {
    return new double[] {
      LocalTrainer.evaluate(arch, model, mine).accuracy(),
      LocalTrainer.evaluate(arch, model, all).accuracy()
    };
  }

  static String pair(double[] v) {
    return String.format("%.3f / %.3f", v[0], v[1]);
  }
}
