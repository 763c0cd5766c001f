package org.fedchain.bench;

import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.comms.PeerChannels;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.ModelParallelFlow;
import org.fedchain.node.RemoteStage;
import org.fedchain.node.StageService;
import org.fedchain.node.StageWorker;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.Pipeline;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.StageTrainer;
import org.fedchain.trainer.Stages;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;

/**
 * Model parallelism's speed, for {@code scripts/bench.sh pipeline}: samples/s of fmnist-cnn/1 on
 * real Fashion-MNIST trained by one node (the reference) and by 1, 2 and 3 stages, without and with
 * micro-batches, first with the stages in this process (the pipeline's own cost), then as stage
 * nodes over gRPC on loopback (recorded on an embedded ledger); the activation and gradient bytes
 * sent per step; and what one machine per stage would give, from each stage's measured compute
 * time.
 *
 * <p>Args: [SAMPLES [BATCH]]; one epoch each, after one warm-up training.
 */
public final class PipelineBench {
  private PipelineBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 6400;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Architecture cnn = Architectures.get("fmnist-cnn/1");
    Samples data = FashionMnist.standard().train().slice(0, n);
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(1)
            .batchSize(batch)
            .learningRate(0.05f)
            .validationFraction(0)
            .seed(1)
            .build();
    List<Tensor> start = cnn.initialTensors(1);
    LocalTrainer.train(cnn, start, data.slice(0, Math.min(n, 640)), config, ProgressListener.NONE);
    long t0 = System.nanoTime();
    LocalTrainer.train(cnn, start, data, config, ProgressListener.NONE);
    double alone = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "fmnist-cnn/1, %d Fashion-MNIST samples, batch %d, 1 epoch, 1 thread per stage, 2 cores%n",
        n, batch);
    System.out.printf("one node, unsplit (reference): %8.0f samples/s%n%n", n / alone);
    System.out.printf(
        "%-7s %-11s %-6s %12s %12s %14s %16s%n",
        "stages", "cut", "micro", "in-process", "over gRPC", "KB/step", "1 machine/stage");
    for (int k = 1; k <= 3; k++) {
      Stages cut = Stages.even(k, cnn.spec().layerCount());
      for (int micro : new int[] {1, 4}) {
        // in this process: the pipeline's own cost, and each stage's compute time
        List<StageTrainer> stages = new ArrayList<>();
        long steps = Pipeline.totalSteps(n, config);
        for (int s = 0; s < k; s++) {
          stages.add(
              StageTrainer.open(
                  cut.architecture(cnn, s),
                  cut.toStage(start, s),
                  s == 0,
                  s == k - 1,
                  config,
                  steps));
        }
        Pipeline.Result local;
        double busiest = 0;
        double busy = 0;
        try {
          local = Pipeline.train(cnn, stages, data, config, micro, ProgressListener.NONE);
          for (StageTrainer s : stages) {
            busiest = Math.max(busiest, s.busySeconds());
            busy += s.busySeconds();
          }
        } finally {
          stages.forEach(StageTrainer::close);
        }
        double remote = overGrpc(cnn, cut, config, micro, data);
        System.out.printf(
            "%-7d %-11s %-6d %12.0f %12.0f %14.1f %16.0f%n",
            k,
            cut,
            micro,
            n / local.seconds(),
            n / remote,
            local.activationBytes() / 1024.0 / local.steps(),
            // GPipe: a micro-batch passes every stage once, the others follow at the slowest's pace
            n / ((busy + (micro - 1) * busiest) / micro));
      }
    }
    System.out.println(
        "\nsamples/s; KB/step: activations forward plus gradients back, between stages;"
            + " 1 machine/stage: estimated from each stage's measured compute time T_k as if every"
            + " stage had its own machine, GPipe schedule, network aside:"
            + " (sum T_k + (M-1) max T_k) / M for M micro-batches");
  }

  /** Seconds for one training through stage nodes served over gRPC on loopback. */
  private static double overGrpc(
      Architecture cnn, Stages cut, TrainingConfig config, int micro, Samples data)
      throws Exception {
    Path dir = Files.createTempDirectory("pipeline-bench");
    List<ModelStoreServer> servers = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    List<StageWorker> workers = new ArrayList<>();
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      BlobStore store = BlobStore.open(dir.resolve("store"));
      List<EthereumIdentity> nodes = new ArrayList<>();
      List<RemoteStage> links = new ArrayList<>();
      for (int s = 0; s < cut.count(); s++) {
        EthereumIdentity node = key("stage" + s);
        nodes.add(node);
        StageWorker w = new StageWorker(ledger, BlobStore.open(dir.resolve("s" + s)), node, s);
        workers.add(w);
        ModelStoreServer server =
            ModelStoreServer.newBuilder(BlobStore.open(dir.resolve("s" + s)))
                .port(0)
                .loopbackOnly()
                .maxMessageBytes(256 << 20)
                .addService(new StageService(w, 1))
                .build();
        servers.add(server);
        ManagedChannel c =
            PeerChannels.forTarget("127.0.0.1:" + server.port())
                .plaintext()
                .maxMessageBytes(256 << 20)
                .build();
        channels.add(c);
        links.add(new RemoteStage("stage " + s, c, Duration.ofMinutes(5)));
      }
      ModelParallelFlow flow = new ModelParallelFlow(ledger, store, cnn, cut, config, micro);
      UpdateRecord g =
          flow.openRun(
              coordinator,
              cnn.initialTensors(1),
              nodes.stream().map(EthereumIdentity::address).toList(),
              "bench",
              new Task.Terms(Task.Loss.CROSS_ENTROPY, Task.Metric.ACCURACY));
      return flow.train(coordinator, g, links, data, ProgressListener.NONE).training().seconds();
    } finally {
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
      for (ModelStoreServer s : servers) {
        s.close();
      }
      workers.forEach(StageWorker::close);
    }
  }

  private static EthereumIdentity key(String name) {
    return Signers.secp256k1(
        Hash32.sha256(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toBytes());
  }
}
