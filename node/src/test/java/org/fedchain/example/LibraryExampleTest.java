package org.fedchain.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.Aggregator;
import org.fedchain.node.ChainFlow;
import org.fedchain.node.CoordinatorService;
import org.fedchain.node.DataSpec;
import org.fedchain.node.FedAvgFlow;
import org.fedchain.node.NodeWorker;
import org.fedchain.node.Peers;
import org.fedchain.node.RoundSchedule;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java program embedding FedChain nodes, outside the node's package so that only its public API
 * compiles: a two-node chained run, then one FedAvg round of a coordinator and two node workers
 * talking gRPC on loopback; both audit clean.
 */
class LibraryExampleTest {
  @TempDir Path dir;
  final Architecture arch = Architectures.get("fmnist-mlp/1");
  final TrainingConfig config = TrainingConfig.builder().epochs(1).seed(7).threads(1).build();

  static EthereumIdentity key(String name) {
    return Signers.secp256k1(Hash32.sha256(name.getBytes()).toBytes());
  }

  static Samples shard(int k, int n) {
    // a tenth of each half keeps the example quick
    Samples s = DataSpec.parse("fashion-mnist:" + k + "/" + n).load(new long[] {1, 28, 28});
    return s.slice(0, s.size() / 10);
  }

  static RunAudit audit(Ledger ledger, BlobStore store, Hash32 run) throws Exception {
    return AggregateReplay.recomputed(ledger, store, new Verifier(ledger, store).audit(run));
  }

  @Test
  void two_nodes_continue_a_chain_through_the_library() throws Exception {
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      BlobStore store = BlobStore.open(dir.resolve("store"));
      ChainFlow flow = new ChainFlow(ledger, store);
      UpdateRecord genesis =
          flow.openRun(
              key("coordinator"),
              arch,
              arch.initialTensors(1),
              RunConfig.unrewarded(Mode.CHAINED),
              "library example");
      Hash32 run = genesis.receipt().runId();
      ChainFlow.Hop first =
          flow.continueChain(run, key("alice"), shard(1, 2), config, ProgressListener.NONE);
      ChainFlow.Hop second =
          flow.continueChain(run, key("bob"), shard(2, 2), config, ProgressListener.NONE);

      assertThat(second.update().receipt().parent()).isEqualTo(first.update().receipt().model());
      assertThat(flow.head(run).updateId()).isEqualTo(second.update().updateId());
      assertThat(second.update().contributor()).isEqualTo(key("bob").address());
      RunAudit audit = audit(ledger, store, run);
      assertThat(audit.ok()).as("%s", audit.failing()).isTrue();
      assertThat(audit.updates()).hasSize(3);
    }
  }

  @Test
  void a_coordinator_and_two_workers_run_a_fedavg_round_over_grpc() throws Exception {
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      BlobStore store = BlobStore.open(dir.resolve("coordinator"));
      EthereumIdentity coordinator = key("coordinator");
      UpdateRecord genesis =
          new FedAvgFlow(ledger, store, arch, config, Strategies.fedAvg())
              .openRun(coordinator, arch.initialTensors(1), "library example");
      PrintWriter log = new PrintWriter(new StringWriter(), true);
      CoordinatorService service =
          new CoordinatorService(
              ledger,
              store,
              new Aggregator(ledger, store, arch, Strategies.fedAvg()),
              coordinator,
              genesis,
              new CoordinatorService.Settings(
                  2,
                  1,
                  false,
                  1,
                  1.0,
                  Duration.ofSeconds(60),
                  Duration.ofSeconds(60),
                  config,
                  RoundSchedule.CONSTANT,
                  CoordinatorService.Settings.MAX_SAMPLES),
              log);
      ExecutorService workers = Executors.newFixedThreadPool(2);
      try (ModelStoreServer server =
          ModelStoreServer.newBuilder(store)
              .port(0)
              .addService(service)
              .uploadGate(service.uploadGate())
              .build()) {
        String target = "127.0.0.1:" + server.port();
        List<Future<Integer>> done =
            List.of(
                workers.submit(() -> work(target, "alice", 1, log)),
                workers.submit(() -> work(target, "bob", 2, log)));
        UpdateRecord last = service.run(g -> {});
        for (Future<Integer> f : done) {
          assertThat(f.get()).isZero();
        }
        assertThat(last.receipt().kind()).isEqualTo(UpdateKind.AGGREGATE);
        assertThat(last.contributor()).isEqualTo(coordinator.address());
      } finally {
        workers.shutdownNow();
      }
      Hash32 run = genesis.receipt().runId();
      assertThat(ledger.updates(run).stream().map(u -> u.receipt().kind()))
          .containsExactlyInAnyOrder(
              UpdateKind.GENESIS, UpdateKind.LOCAL, UpdateKind.LOCAL, UpdateKind.AGGREGATE);
      RunAudit audit = audit(ledger, store, run);
      assertThat(audit.ok()).as("%s", audit.failing()).isTrue();
    }
  }

  /** One node: its own store served on loopback, its own wallet and shard, until the run ends. */
  private int work(String coordinator, String name, int k, PrintWriter log) throws Exception {
    BlobStore own = BlobStore.open(dir.resolve(name));
    try (ModelStoreServer mine = ModelStoreServer.newBuilder(own).port(0).build()) {
      ManagedChannel channel = Peers.channel(Peers.Settings.none(), coordinator);
      try {
        return new NodeWorker(
                channel,
                Peers.Settings.none(),
                own,
                key(name),
                inputShape -> shard(k, 2),
                name,
                "127.0.0.1:" + mine.port(),
                1,
                1,
                log)
            .run(null);
      } finally {
        Peers.close(channel);
      }
    }
  }
}
