package org.fedchain.client;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;

/**
 * FedAvg benchmark (a main, not a test): 10 clients, the NIID-Bench FMNIST CNN ({@code
 * fmnist-cnn/1}), all clients every round, on IID shards and then on Dirichlet(0.5) shards; prints
 * the test accuracy after each round and the wall time.
 *
 * <pre>
 * mvn -o -q -pl client test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt \
 *     -Dmdep.includeScope=test
 * DJL_OFFLINE=true java -cp client/target/test-classes:client/target/classes:$(cat /tmp/cp.txt) \
 *     org.fedchain.client.FedAvgBench [ROUNDS=50] [LOCAL_EPOCHS=1] [THREADS=1]
 * </pre>
 */
public final class FedAvgBench {
  private FedAvgBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    FashionMnist data = FashionMnist.standard();
    TrainingConfig config =
        TrainingConfig.builder().epochs(epochs).batchSize(64).seed(1).threads(threads).build();
    List<String> summary = new ArrayList<>();
    for (double alpha : new double[] {0, 0.5}) {
      Path dir = Files.createTempDirectory("fedavg-bench");
      EthereumIdentity coordinator = key("coordinator");
      List<EthereumIdentity> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
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
                    Architectures.get("fmnist-cnn/1"),
                    config,
                    Strategies.fedAvg(),
                    10,
                    rounds,
                    false,
                    1.0,
                    0,
                    1,
                    0,
                    FedAvgFlow.Behaviour.HONEST,
                    0,
                    1,
                    alpha));
        summary.add(
            String.format(
                "%-16s rounds %d, local epochs %d, threads %d: final test accuracy %.4f (best"
                    + " %.4f), wall %.1f s, audit %s",
                alpha > 0 ? "Dirichlet(" + alpha + ")" : "IID",
                rounds,
                epochs,
                threads,
                r.accuracy().get(r.accuracy().size() - 1),
                r.accuracy().stream().mapToDouble(Double::doubleValue).max().orElse(0),
                r.seconds(),
                r.audit().ok() ? "OK" : "FAILED"));
      }
    }
    summary.forEach(out::println);
  }

  private static EthereumIdentity key(String name) {
    return Signers.secp256k1(
        Hash32.sha256(("fedavg bench " + name).getBytes(StandardCharsets.UTF_8)).toBytes());
  }
}
