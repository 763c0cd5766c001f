package org.fedchain.client;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.ChainFlow;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Evaluation;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Samples;
import org.fedchain.verifier.UpdateCheck;
import org.fedchain.verifier.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain watch --run ID}: the coordinator's monitor of a chain. Follows the ledger and,
 * for every update as it is recorded, verifies it and evaluates its model on the held-out test set.
 */
@Command(
    name = "watch",
    description =
        "Follow a run: verify and evaluate each update on the test set as it is recorded.")
final class WatchCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, description = "Run id.")
  String run;

  @Option(
      names = "--updates",
      defaultValue = "0",
      description = "Stop after this many updates (0: keep watching).")
  int updates;

  @Option(
      names = "--timeout",
      defaultValue = "0",
      description = "Stop after this many seconds (0: no limit).")
  int timeoutSeconds;

  @Option(
      names = "--test-samples",
      defaultValue = "10000",
      description = "Test samples to evaluate on. Default: ${DEFAULT-VALUE}.")
  int testSamples;

  @Option(
      names = "--test",
      paramLabel = "DATA",
      description =
          "Data whose test part each update is judged on by the run's metric (default:"
              + " fashion-mnist for the Fashion-MNIST models).")
  String testData;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Hash32 runId = Args.runId(run);
    long deadline =
        timeoutSeconds > 0 ? System.nanoTime() + timeoutSeconds * 1_000_000_000L : Long.MAX_VALUE;
    BlobStore store = main.store();
    try (Ledger ledger = main.readLedger()) {
      ChainFlow flow = new ChainFlow(ledger, store);
      var run0 = flow.run(runId);
      Architecture arch = flow.architecture(run0);
      var task = flow.task(run0).apply(org.fedchain.trainer.TrainingConfig.defaults());
      Samples test =
          TestData.of(testData, arch)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          arch.name() + " is not a Fashion-MNIST model: name --test DATA"));
      test = test.slice(0, Math.min(testSamples, test.size()));
      Verifier verifier = new Verifier(ledger, store);
      Set<Hash32> seen = new HashSet<>();
      int reported = 0;
      out.printf(
          "watching run %s (%s) on %s, evaluating on %d test samples by %s%n",
          runId.hex(), arch.name(), main.ledgerUri(), test.size(), task.metric().id());
      out.flush();
      while (System.nanoTime() < deadline && (updates == 0 || reported < updates)) {
        List<UpdateRecord> all = ledger.updates(runId);
        all =
            all.stream().sorted(java.util.Comparator.comparingLong(UpdateRecord::height)).toList();
        boolean any = false;
        for (UpdateRecord u : all) {
          if (!seen.add(u.updateId())) {
            continue;
          }
          any = true;
          UpdateCheck c = verifier.check(u);
          String eval = "not evaluated";
          if (c.ok()) {
            Evaluation e =
                LocalTrainer.evaluate(
                    arch, ModelCodec.read(arch, store.get(u.receipt().model())), test, task);
            eval = String.format("test %s %.4f loss %.4f", e.metric().id(), e.value(), e.loss());
          }
          out.printf(
              "seq %-3d %-8s %s %s %s%n",
              u.receipt().seq(),
              u.receipt().kind(),
              u.contributor(),
              c.ok() ? "verified" : "FAILED: " + String.join("; ", c.problems()),
              eval);
          out.flush();
          if (++reported == updates) {
            break;
          }
        }
        if (!any) {
          Thread.sleep(300);
        }
      }
    }
    return 0;
  }
}
