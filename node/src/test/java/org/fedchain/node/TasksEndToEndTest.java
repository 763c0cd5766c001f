package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Evaluation;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelSpec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
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
 * Any model on any data, end to end with real DJL training on an embedded ledger: a CNN spec on a
 * folder of images (with batch norm, whose running statistics FedAvg averages and whose counter it
 * carries) and an LSTM spec on a CSV time series (both made here), each as a chained run of two
 * nodes and as two FedAvg rounds of two clients. Every run audits clean, its models beat their
 * start by the run's own metric, and altering the stored spec fails the audit.
 */
class TasksEndToEndTest {
  @TempDir Path dir;

  static EthereumIdentity key(String name) {
    return Signers.secp256k1(Hash32.sha256(name.getBytes()).toBytes());
  }

  static final String CNN =
      """
      {"format":"fedchain-model/1","name":"stripes-cnn","input":[3,12,12],"output":2,"layers":[
        {"type":"conv2d","out":4,"kernel":3},{"type":"batchnorm2d"},{"type":"relu"},
        {"type":"maxpool2d","kernel":2},
        {"type":"flatten"},{"type":"dense","out":2}]}
      """;

  static final String LSTM =
      """
      {"format":"fedchain-model/1","name":"sine-lstm","input":[6,1],"output":1,"layers":[
        {"type":"lstm","hidden":12},{"type":"dense","out":1}]}
      """;

  /**
   * Two classes of 16x16 RGB images: horizontal or vertical stripes, noisy, in train/ and test/.
   */
  Path imageFolder() throws Exception {
    Path root = dir.resolve("images");
    Random rng = new Random(3);
    for (String part : List.of("train", "test")) {
      for (String cls : List.of("horizontal", "vertical")) {
        int n = part.equals("train") ? 48 : 16;
        for (int i = 0; i < n; i++) {
          BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
          int phase = rng.nextInt(4);
          for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
              int along = cls.equals("horizontal") ? y : x;
              int v = ((along + phase) / 2) % 2 == 0 ? 200 : 40;
              v = Math.max(0, Math.min(255, v + (int) (rng.nextGaussian() * 30)));
              img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
          }
          Path f = root.resolve(part).resolve(cls).resolve(i + ".png");
          Files.createDirectories(f.getParent());
          ImageIO.write(img, "png", f.toFile());
        }
      }
    }
    return root;
  }

  /** Daily values at four sites: a sine with a site's own phase, noisy, with a gap at one site. */
  Path series() throws Exception {
    Random rng = new Random(5);
    StringBuilder sb = new StringBuilder("day,site,level\n");
    for (int site = 0; site < 4; site++) {
      for (int day = 0; day < 120; day++) {
        double v = Math.sin(day * 0.4 + site) + rng.nextGaussian() * 0.05;
        String cell = site == 2 && day == 50 ? "NA" : String.format("%.4f", v);
        sb.append(day).append(",s").append(site).append(',').append(cell).append('\n');
      }
    }
    Path f = dir.resolve("levels.csv");
    Files.writeString(f, sb.toString());
    return f;
  }

  record Case(Architecture arch, String source, TrainingConfig config) {}

  Case images() throws Exception {
    Architecture arch = Architecture.of(ModelSpec.parse(CNN.getBytes(StandardCharsets.UTF_8)));
    return new Case(
        arch,
        "folder:" + imageFolder(),
        TrainingConfig.builder().epochs(4).batchSize(16).learningRate(0.05f).seed(2).build());
  }

  Case levels() throws Exception {
    Architecture arch = Architecture.of(ModelSpec.parse(LSTM.getBytes(StandardCharsets.UTF_8)));
    return new Case(
        arch,
        "csv:" + series() + "?target=level&features=level&series=site&window=6&test=0.2",
        Task.Terms.defaultFor(arch)
            .apply(TrainingConfig.builder().epochs(6).batchSize(16).learningRate(0.05f).seed(2))
            .build());
  }

  Evaluation test(Case c, List<org.fedchain.core.model.Tensor> model) {
    Samples test = DataSpec.parse(c.source()).open(c.arch().inputShape()).test().orElseThrow();
    return LocalTrainer.evaluate(c.arch(), model, test, c.config());
  }

  void chained(Case c, String partition) throws Exception {
    BlobStore store = BlobStore.open(dir.resolve("chain-store"));
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("chain.db"))) {
      ChainFlow flow = new ChainFlow(ledger, store);
      var genesis = c.arch().initialTensors(1, Architecture.Init.PYTORCH);
      UpdateRecord g =
          flow.openRun(
              key("coordinator"),
              c.arch(),
              genesis,
              RunConfig.unrewarded(org.fedchain.ledger.Mode.CHAINED),
              "test",
              new Task.Terms(c.config().loss(), c.config().metric()));
      Hash32 run = g.receipt().runId();
      ChainFlow.Hop last = null;
      for (int k = 1; k <= 2; k++) {
        Samples shard =
            DataSpec.parse(c.source() + "@" + k + "/2" + partition).load(c.arch().inputShape());
        last =
            flow.continueChain(
                run,
                key("node" + k),
                shard,
                c.config().toBuilder().seed(k).build(),
                ProgressListener.NONE);
      }
      RunAudit audit = new Verifier(ledger, store).audit(run);
      assertThat(audit.ok()).as("%s", audit.failing()).isTrue();
      assertThat(audit.updates()).hasSize(3);
      Evaluation before = test(c, genesis);
      Evaluation after = test(c, last.training().tensors());
      assertThat(after.gain()).as("%s -> %s", before, after).isGreaterThan(before.gain());

      // the spec is what every node rebuilt the network from: altered, nothing verifies
      Path spec = store.path(c.arch().spec().hash());
      Files.write(spec, (Files.readString(spec) + " ").getBytes(StandardCharsets.UTF_8));
      RunAudit altered = new Verifier(ledger, store).audit(run);
      assertThat(altered.ok()).isFalse();
      assertThat(altered.failing())
          .allSatisfy(
              u ->
                  assertThat(String.join("; ", u.problems()))
                      .contains("model spec blob")
                      .contains("was altered"));
    }
  }

  void fedAvg(Case c, String partition) throws Exception {
    BlobStore store = BlobStore.open(dir.resolve("fedavg-store"));
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("fedavg.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, c.arch(), c.config(), Strategies.fedAvg());
      var genesis = c.arch().initialTensors(1, Architecture.Init.PYTORCH);
      UpdateRecord global = flow.openRun(coordinator, genesis, "test");
      List<FedAvgFlow.Client> clients = new ArrayList<>();
      for (int k = 1; k <= 2; k++) {
        Samples shard =
            DataSpec.parse(c.source() + "@" + k + "/2" + partition).load(c.arch().inputShape());
        clients.add(
            new FedAvgFlow.Client(
                "client" + k, key("client" + k), shard, 1.0, FedAvgFlow.Behaviour.HONEST));
      }
      FedAvgFlow.Aggregation a = null;
      for (int r = 1; r <= 2; r++) {
        a = flow.round(coordinator, r, global, clients, 1.0, 0, 5);
        global = a.global();
      }
      Hash32 run = global.receipt().runId();
      RunAudit audit =
          AggregateReplay.recomputed(ledger, store, new Verifier(ledger, store).audit(run));
      assertThat(audit.ok()).as("%s", audit.failing()).isTrue();
      assertThat(audit.updates()).hasSize(1 + 2 * 3);
      Evaluation before = test(c, genesis);
      Evaluation after = test(c, a.tensors());
      assertThat(after.gain()).as("%s -> %s", before, after).isGreaterThan(before.gain());
    }
  }

  /**
   * Two rounds over loopback gRPC with a spec none of the nodes has: each fetches it from the
   * coordinator's store (checked against the hash the join names), takes the run's loss and metric
   * from the join, loads its own site group of the CSV in the spec's shape, and trains.
   */
  @Test
  void nodes_fetch_the_runs_spec_and_task_from_the_coordinator_over_grpc() throws Exception {
    Case c = levels();
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("grpc.db"))) {
      BlobStore store = BlobStore.open(dir.resolve("coordinator"));
      EthereumIdentity coordinator = key("coordinator");
      UpdateRecord genesis =
          new FedAvgFlow(ledger, store, c.arch(), c.config(), Strategies.fedAvg())
              .openRun(coordinator, c.arch().initialTensors(1, Architecture.Init.PYTORCH), "test");
      java.io.StringWriter logText = new java.io.StringWriter();
      java.io.PrintWriter log = new java.io.PrintWriter(logText, true);
      CoordinatorService service =
          new CoordinatorService(
              ledger,
              store,
              new Aggregator(ledger, store, c.arch(), Strategies.fedAvg()),
              coordinator,
              genesis,
              new CoordinatorService.Settings(
                  2,
                  2,
                  false,
                  1,
                  1.0,
                  java.time.Duration.ofSeconds(60),
                  java.time.Duration.ofSeconds(60),
                  // the coordinator's own flags say cross entropy: the run's terms win
                  c.config().toBuilder()
                      .loss(Task.Loss.CROSS_ENTROPY)
                      .metric(Task.Metric.ACCURACY)
                      .build(),
                  RoundSchedule.CONSTANT,
                  CoordinatorService.Settings.MAX_SAMPLES),
              log);
      java.util.concurrent.ExecutorService workers =
          java.util.concurrent.Executors.newFixedThreadPool(2);
      try (org.fedchain.comms.ModelStoreServer server =
          org.fedchain.comms.ModelStoreServer.newBuilder(store)
              .port(0)
              .addService(service)
              .uploadGate(service.uploadGate())
              .build()) {
        String target = "127.0.0.1:" + server.port();
        List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
        for (int k = 1; k <= 2; k++) {
          int shard = k;
          done.add(
              workers.submit(
                  () -> {
                    BlobStore own = BlobStore.open(dir.resolve("node" + shard));
                    var channel = Peers.channel(Peers.Settings.none(), target);
                    try {
                      return new NodeWorker(
                              channel,
                              Peers.Settings.none(),
                              own,
                              key("node" + shard),
                              DataSpec.parse(c.source() + "@" + shard + "/2:series")::load,
                              "node" + shard,
                              "127.0.0.1:1",
                              1,
                              1,
                              log)
                          .run(null);
                    } finally {
                      Peers.close(channel);
                    }
                  }));
        }
        UpdateRecord last = service.run(g -> {});
        for (var f : done) {
          assertThat(f.get()).as(logText.toString()).isZero();
        }
        assertThat(last.receipt().kind()).isEqualTo(UpdateKind.AGGREGATE);
        assertThat(last.receipt().seq()).isEqualTo(2);
        // the nodes had to fetch the spec: it is in their stores now
        assertThat(BlobStore.open(dir.resolve("node1")).has(c.arch().spec().hash())).isTrue();
      } finally {
        workers.shutdownNow();
      }
      Hash32 run = genesis.receipt().runId();
      RunAudit audit =
          AggregateReplay.recomputed(ledger, store, new Verifier(ledger, store).audit(run));
      assertThat(audit.ok()).as("%s", audit.failing()).isTrue();
      // every LOCAL was trained with the run's loss, whatever the coordinator's flags said
      for (UpdateRecord u : ledger.updates(run)) {
        if (u.receipt().kind() == UpdateKind.LOCAL) {
          var m = org.fedchain.core.model.Manifest.parse(store.get(u.receipt().manifest()));
          assertThat(m.hyperparameters())
              .containsEntry("loss", "mse")
              .containsEntry("metric", "mae");
        }
      }
    }
  }

  @Test
  void a_cnn_spec_on_an_image_folder_trains_chained_and_by_fedavg() throws Exception {
    Case c = images();
    chained(c, "");
    fedAvg(c, "");
  }

  @Test
  void an_lstm_spec_on_a_csv_series_trains_chained_and_by_fedavg_one_site_group_per_node()
      throws Exception {
    Case c = levels();
    assertThat(c.config().metric()).isEqualTo(Task.Metric.MAE);
    chained(c, ":series");
    fedAvg(c, ":series");
  }
}
