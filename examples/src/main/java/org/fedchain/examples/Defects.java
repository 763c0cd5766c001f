package org.fedchain.examples;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.ChainFlow;
import org.fedchain.node.DataSpec;
import org.fedchain.node.Validator;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * Visual defect detection: 2,624 electroluminescence images of solar cells (elpv-dataset, CC
 * BY-NC-SA 4.0, Buerhop-Lutz et al. and Deitsch et al.), defective when an expert gave a defect
 * probability of at least 0.5. Two factories, one per cell type (mono, poly), each keep their
 * images. A CNN is trained by transfer: the mono factory trains it, the poly factory continues with
 * its feature layers frozen (recorded as frozen; the audit checks they did not change), a validator
 * scores and pays each update. A FedAvg run of both, and each factory on its own data alone, are
 * judged on each factory's held-out cells next to the majority class.
 */
public final class Defects implements Example {
  static final String DIR = "examples/defects";

  /** The convolutions: what the second factory takes over unchanged. */
  static final List<String> FEATURES =
      List.of("0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias");

  @Override
  public String name() {
    return "defects";
  }

  @Override
  public String description() {
    return "defective solar cells in electroluminescence images with a CNN, one factory per node,"
        + " transfer learning between them";
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
    List<String> factories = List.of("mono", "poly");
    List<Samples> train = new ArrayList<>();
    List<Samples> test = new ArrayList<>();
    for (String f : factories) {
      String source = "folder:" + root.resolve(f);
      // quick: a quarter of each factory's training cells, all of its test cells
      DataSpec spec = c.quick() ? DataSpec.parse(source + "@1/4") : DataSpec.parse(source);
      DataSource ds = spec.open(arch.inputShape());
      train.add(spec.load(ds));
      test.add(ds.test().orElseThrow());
    }
    int rounds = c.quick() ? 2 : 4;
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(c.quick() ? 2 : 4)
            .batchSize(32)
            .optimizer(TrainingConfig.Optimizer.ADAM)
            .learningRate(0.001f)
            .schedule(TrainingConfig.Schedule.CONSTANT)
            .seed(1)
            .build();
    out.printf(
        "defects: %s, %s training and %s test cells (mono, poly)%n",
        arch.name(),
        train.get(0).size() + " + " + train.get(1).size(),
        test.get(0).size() + " + " + test.get(1).size());
    List<String> names = List.of("mono-factory", "poly-factory");
    List<Tensor> genesis = arch.initialTensors(config.seed(), Architecture.Init.PYTORCH);
    List<Tensor> transferred;
    List<Tensor> fedAvg;
    boolean ok;
    try (Runs runs = new Runs(c, name(), names)) {
      Ledger ledger = runs.ledger;
      ChainFlow flow = new ChainFlow(ledger, runs.store);
      RunConfig terms =
          new RunConfig(
                  Mode.CHAINED,
                  false,
                  List.of(runs.validator.address()),
                  1,
                  BigInteger.TEN.pow(20), // 100 VNX
                  BigInteger.TEN.pow(16)) // 0.01 VNX per basis point of accuracy gained
              .admitting(runs.nodes.stream().map(EthereumIdentity::address).toList());
      UpdateRecord g =
          flow.openRun(
              runs.coordinator,
              arch,
              genesis,
              terms,
              "defects example",
              new Task.Terms(Task.Loss.CROSS_ENTROPY, Task.Metric.ACCURACY));
      Hash32 run = g.receipt().runId();
      Validator scorer =
          new Validator(
              ledger, runs.store, runs.validator, Samples.concat(test.get(0), test.get(1)));
      scorer.commitEvalSet(); // before any update it will score is recorded
      out.println("transfer: the mono factory trains, the poly factory continues on its features");
      ChainFlow.Hop hop = null;
      for (int k = 0; k < 2; k++) {
        TrainingConfig mine = k == 0 ? config : config.toBuilder().frozen(FEATURES).build();
        hop = flow.continueChain(run, runs.nodes.get(k), train.get(k), mine, ProgressListener.NONE);
        Validator.Score s = scorer.attest(hop.update());
        String paid;
        try {
          paid = Examples.vnx(ledger.claim(hop.update().updateId())) + " VNX";
        } catch (RejectedException e) {
          paid = "nothing (" + e.reason() + ")";
        }
        out.printf(
            "  %s factory%s: validator's accuracy %.4f (parent %.4f), paid %s%n",
            factories.get(k), k == 0 ? "" : ", features frozen", s.gain(), s.parentGain(), paid);
      }
      transferred = hop.training().tensors();
      RunAudit chain = new Verifier(ledger, runs.store).audit(run);
      runs.audited("transfer", chain);
      if (chain.ok()) {
        out.println("  the poly factory's frozen feature tensors are the mono factory's: verified");
      }
      fedAvg = runs.fedAvg(arch, config, genesis, train, factories, rounds, "defects example");
      ok = runs.ok();
    }

    out.printf(
        "%nEach factory's held-out cells, accuracy / macro-F1:%n%-6s %6s %15s %15s %15s %15s%n",
        "", "cells", "majority class", "own data only", "transfer", "FedAvg");
    int fedBeatsOwn = 0;
    for (int k = 0; k < 2; k++) {
      List<Tensor> own =
          LocalTrainer.train(
                  arch,
                  genesis,
                  train.get(k),
                  config.toBuilder().epochs(config.epochs() * rounds).build(),
                  ProgressListener.NONE)
              .tensors();
      Samples t = test.get(k);
      double[] ownScore = scores(arch, own, t);
      double[] fedScore = scores(arch, fedAvg, t);
      fedBeatsOwn += fedScore[1] > ownScore[1] ? 1 : 0;
      out.printf(
          "%-6s %6d %15s %15s %15s %15s%n",
          factories.get(k),
          t.size(),
          pair(majority(t)),
          pair(ownScore),
          pair(scores(arch, transferred, t)),
          pair(fedScore));
    }
    out.printf(
        "FedAvg beats a factory's own model by macro-F1 on %d of 2; audits %s%n",
        fedBeatsOwn, ok ? "OK" : "FAILED");
    out.flush();
    return ok;
  }

  /** Accuracy and macro-F1. */
  static double[] scores(Architecture arch, List<Tensor> model, Samples s) {
    TrainingConfig f1 = TrainingConfig.builder().metric(Task.Metric.MACRO_F1).build();
    return new double[] {
      LocalTrainer.evaluate(arch, model, s).accuracy(),
      LocalTrainer.evaluate(arch, model, s, f1).value()
    };
  }

  /** Always saying "ok", the larger class: its accuracy, and its macro-F1 (one class scores 0). */
  static double[] majority(Samples s) {
    int[] counts = s.classCounts();
    int best = counts[0] >= counts[1] ? 0 : 1;
    double acc = (double) counts[best] / s.size();
    double f1 = 2.0 * counts[best] / (s.size() + counts[best]) / 2;
    return new double[] {acc, f1};
  }

  static String pair(double[] v) {
    return String.format("%.3f / %.3f", v[0], v[1]);
  }
}
