package org.fedchain.bench;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.trainer.aggregate.Strategy;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;

/**
 * Robust aggregation benchmark (a main, not a test): 10 clients on IID shards, 2 of them Byzantine
 * (sending global - 10 x delta, or global - delta), aggregated by FedAvg, coordinate median and
 * Krum (f = 2); prints the final test accuracy of each next to the clean FedAvg run.
 *
 * <pre>scripts/bench.sh byzantine [ROUNDS=5 [ARCH=fmnist-mlp/1]]</pre>
 */
public final class ByzantineBench {
  private ByzantineBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    String arch = args.length > 1 ? args[1] : "fmnist-mlp/1";
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    DataSource data = FashionMnist.standard().named("fashion-mnist");
    TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(64).seed(1).build();
    record Case(String strategyName, Strategy strategy, FedAvgFlow.Behaviour attack) {}
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("fedavg", Strategies.fedAvg(), FedAvgFlow.Behaviour.HONEST));
    for (FedAvgFlow.Behaviour attack :
        new FedAvgFlow.Behaviour[] {FedAvgFlow.Behaviour.SCALE, FedAvgFlow.Behaviour.FLIP}) {
      cases.add(new Case("fedavg", Strategies.fedAvg(), attack));
      cases.add(new Case("median", Strategies.median(), attack));
      cases.add(new Case("krum:2", Strategies.krum(2), attack));
    }
    out.printf(
        "10 clients (IID), 2 Byzantine, %s, %d rounds, 1 local epoch; final test accuracy%n",
        arch, rounds);
    out.printf(
        "%-8s %-30s %-10s %-12s %s%n", "strategy", "attack", "accuracy", "vs clean", "audit");
    double clean = Double.NaN;
    for (Case c : cases) {
      Path dir = Files.createTempDirectory("byzantine-bench");
      List<EthereumIdentity> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ids.add(key("client" + i));
      }
      try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
        FedAvgRun.Result r =
            FedAvgRun.run(
                new PrintWriter(new StringWriter()),
                ledger,
                BlobStore.open(dir.resolve("store")),
                key("coordinator"),
                ids,
                data,
                new FedAvgRun.Settings(
                    Architectures.get(arch),
                    Architecture.Init.KAIMING,
                    config,
                    RoundSchedule.CONSTANT,
                    c.strategy(),
                    10,
                    rounds,
                    false,
                    1.0,
                    0,
                    1,
                    c.attack() == FedAvgFlow.Behaviour.HONEST ? 0 : 2,
                    c.attack(),
                    0,
                    1,
                    0,
                    DataSpec.PARTITION_SEED,
                    null));
        double acc = r.accuracy().get(r.accuracy().size() - 1);
        if (c.attack() == FedAvgFlow.Behaviour.HONEST) {
          clean = acc;
        }
        out.printf(
            "%-8s %-30s %-10.4f %-+12.4f %s%n",
            c.strategyName(),
            switch (c.attack()) {
              case HONEST -> "none (clean)";
              case SCALE -> "2 x scaled (global - 10 x d)";
              case FLIP -> "2 x sign-flipped (global - d)";
              case FREE_RIDE -> "2 x free-riding (global + noise)";
              case LABEL_FLIP -> "2 x label-flipped (y -> 9 - y)";
            },
            acc,
            acc - clean,
            r.audit().ok() ? "OK" : "FAILED");
      }
    }
  }

  private static EthereumIdentity key(String name) {
    return Signers.secp256k1(
        Hash32.sha256(("byzantine bench " + name).getBytes(StandardCharsets.UTF_8)).toBytes());
  }
}
