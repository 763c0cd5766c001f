package org.fedchain.node;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.trainer.aggregate.Strategy;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.VerificationException;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * A whole data-parallel run on Fashion-MNIST with a table per round: shared by {@code fedchain demo
 * --mode fedavg} and the FedAvg benchmark.
 */
public final class FedAvgRun {
  private FedAvgRun() {}

  /**
   * What to run.
   *
   * @param schedule how the learning rate changes over the rounds
   * @param rounds synchronous rounds, or FedBuff aggregations
   * @param fraction clients sampled per synchronous round
   * @param deadline stragglers: a client slower than deadline x the median is left out (0: none)
   * @param buffer FedBuff's K
   * @param byzantine the first this many clients attack with {@code attack}
   * @param slow the last this many clients are {@code slowdown} times slower
   * @param dirichlet Dirichlet alpha of the non-IID split, 0 for IID
   * @param partitionSeed the seed the split is drawn from ({@link DataSpec#PARTITION_SEED} unless a
   *     bench asks for another draw)
   * @param shardFile the file the shards are read from instead ({@link DataSpec}'s {@code
   *     :shards=FILE}), or null to draw them
   */
  public record Settings(
      Architecture arch,
      Architecture.Init init,
      TrainingConfig config,
      RoundSchedule schedule,
      Strategy strategy,
      int clients,
      int rounds,
      boolean async,
      double fraction,
      double deadline,
      int buffer,
      int byzantine,
      FedAvgFlow.Behaviour attack,
      int slow,
      double slowdown,
      double dirichlet,
      long partitionSeed,
      Path shardFile) {
    public Settings {
      if (async) {
        Strategies.checkAsync(strategy);
      }
      if (clients < 1 || rounds < 1 || buffer < 1) {
        throw new IllegalArgumentException(
            "clients, rounds and buffer must be >= 1, got "
                + clients
                + ", "
                + rounds
                + ", "
                + buffer);
      }
      if (byzantine < 0 || byzantine > clients || slow < 0 || slow > clients) {
        throw new IllegalArgumentException(
            "byzantine ("
                + byzantine
                + ") and slow ("
                + slow
                + ") clients must be between 0 and --clients ("
                + clients
                + ")");
      }
    }
  }

  /** The run, the test accuracy after each round and the audit. */
  public record Result(Hash32 runId, List<Double> accuracy, double seconds, RunAudit audit) {}

  public static Result run(
      PrintWriter out,
      Ledger ledger,
      BlobStore store,
      EthereumIdentity coordinator,
      List<EthereumIdentity> ids,
      DataSource data,
      Settings s)
      throws IOException, LedgerException, VerificationException {
    long t0 = System.nanoTime();
    Samples test = testPart(data);
    List<FedAvgFlow.Client> clients = new ArrayList<>();
    for (int i = 0; i < s.clients(); i++) {
      Samples shard =
          new DataSpec(
                  data.describe(),
                  i + 1,
                  s.clients(),
                  s.dirichlet(),
                  s.partitionSeed(),
                  s.shardFile(),
                  false)
              .load(data);
      clients.add(
          new FedAvgFlow.Client(
              "client" + (i + 1),
              ids.get(i),
              shard,
              i >= s.clients() - s.slow() ? s.slowdown() : 1,
              i < s.byzantine() ? s.attack() : FedAvgFlow.Behaviour.HONEST));
    }
    FedAvgFlow flow =
        new FedAvgFlow(ledger, store, s.arch(), s.config(), s.strategy(), s.schedule(), s.rounds());
    UpdateRecord global =
        flow.openRun(
            coordinator,
            s.arch().initialTensors(s.config().seed(), s.init()),
            ChainFlow.freshOrigin(s.config().seed(), s.init()),
            ids.subList(0, s.clients()).stream().map(EthereumIdentity::address).toList());
    Hash32 runId = global.receipt().runId();
    out.printf(
        "opened DATA_PARALLEL run %s: %d clients (%s), %s, %s, %d local epoch(s), %s%n",
        runId.hex(),
        s.clients(),
        s.shardFile() != null
            ? "shards from " + s.shardFile()
            : s.dirichlet() > 0 ? "Dirichlet(" + s.dirichlet() + ")" : "IID",
        s.arch().id(),
        s.strategy().id(),
        s.config().epochs(),
        s.async() ? "FedBuff K=" + s.buffer() : "synchronous, fraction " + s.fraction());
    String rule = "-".repeat(100);
    out.println(rule);
    out.printf(
        "%-6s %-8s %-40s %9s %8s%n",
        s.async() ? "agg" : "round",
        "clients",
        s.async() ? "inputs (staleness)" : "left out",
        "test acc",
        "seconds");
    out.println(rule);
    out.flush();
    List<Double> acc = new ArrayList<>();
    if (s.async()) {
      flow.runAsync(
          coordinator,
          global,
          clients,
          s.buffer(),
          s.rounds(),
          s.config().seed(),
          a -> {
            double ta = LocalTrainer.evaluate(s.arch(), a.tensors(), test).accuracy();
            acc.add(ta);
            String inputs =
                a.inputs().stream()
                    .map(l -> l.client().name() + "(" + (a.version() - 1 - l.startVersion()) + ")")
                    .collect(Collectors.joining(" "));
            out.printf(
                "%-6d %-8d %-40s %9.4f %8.1f%n",
                a.version(), a.inputs().size(), inputs, ta, a.seconds());
            out.flush();
          });
    } else {
      for (int r = 1; r <= s.rounds(); r++) {
        FedAvgFlow.Aggregation a =
            flow.round(
                coordinator, r, global, clients, s.fraction(), s.deadline(), s.config().seed());
        double ta = LocalTrainer.evaluate(s.arch(), a.tensors(), test).accuracy();
        acc.add(ta);
        String left =
            a.stragglers().isEmpty()
                ? "-"
                : a.stragglers().stream()
                    .map(FedAvgFlow.Client::name)
                    .collect(Collectors.joining(" "));
        out.printf("%-6d %-8d %-40s %9.4f %8.1f%n", r, a.inputs().size(), left, ta, a.seconds());
        out.flush();
        global = a.global();
      }
    }
    out.println(rule);
    RunAudit audit =
        AggregateReplay.recomputed(ledger, store, new Verifier(ledger, store).audit(runId));
    Map<String, Long> kinds = new TreeMap<>();
    for (var c : audit.updates()) {
      kinds.merge(c.update().receipt().kind().name(), 1L, Long::sum);
    }
    out.printf("recorded updates: %s%n", kinds);
    audit.print(out);
    return new Result(runId, acc, (System.nanoTime() - t0) / 1e9, audit);
  }

  /** The source's test part, which the demos report on. */
  static Samples testPart(DataSource data) {
    return data.test()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    data.describe() + " has no test part to report the model's accuracy on"));
  }
}
