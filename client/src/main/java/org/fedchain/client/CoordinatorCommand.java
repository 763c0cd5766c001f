package org.fedchain.client;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.Aggregator;
import org.fedchain.node.ChainFlow;
import org.fedchain.node.CoordinatorService;
import org.fedchain.node.FedAvgFlow;
import org.fedchain.node.Peers;
import org.fedchain.node.RoundSchedule;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Stages;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.wallet.EthereumIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fedchain coordinator serve}: opens a data-parallel run and coordinates it over gRPC. */
@Command(
    name = "coordinator",
    description = "Coordinate data-parallel training (FedAvg rounds or asynchronous FedBuff).",
    subcommands = {CoordinatorCommand.Serve.class, CoordinatorCommand.StatusCmd.class})
final class CoordinatorCommand {
  @ParentCommand Main main;

  @Command(
      name = "serve",
      description =
          "Open a data-parallel run, wait for --nodes to join (fedchain node serve --coordinator),"
              + " run the rounds, record every LOCAL and AGGREGATE update, then stop.")
  static final class Serve implements Callable<Integer> {
    @ParentCommand CoordinatorCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;
    @Mixin ChainCommand.TrainingOptions training;
    @Mixin ServerTls tls;

    @Option(names = "--wallet", required = true, description = "Coordinator wallet.")
    String wallet;

    @Option(
        names = "--mode",
        defaultValue = "data-parallel",
        paramLabel = "data-parallel|model-parallel",
        description =
            "data-parallel (default): nodes train whole models on their data; model-parallel:"
                + " stage nodes (fedchain node serve --stage K) hold consecutive layers and this"
                + " coordinator feeds --data through them.")
    String mode;

    @Option(
        names = "--stages",
        paramLabel = "RANGES",
        description =
            "model-parallel: the layers of each stage, e.g. 0-3,4-7,8- (inclusive top-level layer"
                + " indices of the model spec).")
    String stages;

    @Option(
        names = "--stage-nodes",
        split = ",",
        paramLabel = "HOST:PORT",
        description = "model-parallel: the stage nodes, in stage order.")
    List<String> stageNodes;

    @Option(
        names = "--data",
        paramLabel = "SOURCE",
        description = "model-parallel: the data this coordinator feeds through the stages.")
    String data;

    @Option(
        names = "--stage-tls-ca",
        paramLabel = "FILE",
        description =
            "model-parallel: trust roots for the stage nodes' certificates (without: plaintext);"
                + " --tls-cert and --tls-key, if given, are this coordinator's client certificate.")
    Path stageTlsCa;

    @Option(
        names = "--micro-batches",
        defaultValue = "4",
        description =
            "model-parallel: micro-batches per batch, so stages work at once (1: bit for bit as"
                + " one node). Default: ${DEFAULT-VALUE}.")
    int microBatches;

    @Option(
        names = "--port",
        defaultValue = "7800",
        description = "Port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
        names = "--nodes",
        defaultValue = "3",
        description = "Nodes to wait for before the first round. Default: ${DEFAULT-VALUE}.")
    int nodes;

    @Option(
        names = "--rounds",
        defaultValue = "5",
        description = "Rounds (or FedBuff aggregations). Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--async", description = "Asynchronous FedBuff instead of rounds.")
    boolean async;

    @Option(
        names = "--buffer",
        defaultValue = "3",
        description = "--async: updates per aggregation (K). Default: ${DEFAULT-VALUE}.")
    int buffer;

    @Option(
        names = "--fraction",
        defaultValue = "1.0",
        description = "Fraction of nodes sampled per round. Default: ${DEFAULT-VALUE}.")
    double fraction;

    @Option(
        names = "--lr-schedule",
        defaultValue = "constant",
        paramLabel = "constant|cosine",
        description =
            "How the learning rate changes over the rounds: cosine decays it towards zero"
                + " by the last round. Default: ${DEFAULT-VALUE}.")
    String lrSchedule;

    @Option(
        names = "--strategy",
        defaultValue = "fedavg",
        description = "fedavg|fednova|median|trimmed-mean:BETA|krum:F. Default: ${DEFAULT-VALUE}.")
    String strategy;

    @Option(
        names = "--round-timeout",
        defaultValue = "600",
        paramLabel = "SECONDS",
        description =
            "How long a round waits for its nodes; late ones are left out. Default: ${DEFAULT-VALUE}.")
    long roundTimeout;

    @Option(
        names = "--join-timeout",
        defaultValue = "600",
        paramLabel = "SECONDS",
        description = "How long to wait for --nodes to join. Default: ${DEFAULT-VALUE}.")
    long joinTimeout;

    @Option(
        names = {"--model", "--arch"},
        defaultValue = "fmnist-cnn/1",
        paramLabel = "FILE|NAME",
        description = Args.MODEL_HELP)
    String arch;

    @Mixin TaskOptions task;

    @Option(
        names = "--genesis",
        paramLabel = "FILE",
        description =
            "Start from this model (safetensors; transfer learning) instead of a fresh one.")
    Path genesis;

    @Mixin InitOption init;

    @Option(
        names = "--resume",
        paramLabel = "RUN",
        description =
            "Continue this run of yours from its latest global model (after a crash or a stop)"
                + " instead of opening a new one; --rounds counts the rounds already done.")
    String resume;

    @Mixin AdmitOption admit;

    @Option(
        names = "--norm-bound",
        paramLabel = "K",
        defaultValue = "0",
        description =
            "Leave out of each aggregate the updates that change the model more than K times the"
                + " round's median (L2); recorded in the aggregate, repeated by the audit. Default:"
                + " 0, none.")
    double normBound;

    @Option(
        names = "--max-samples",
        paramLabel = "N",
        defaultValue = "10000000",
        description =
            "The most samples one update may claim: FedAvg weights by the claim, so a larger one is"
                + " refused. Default: ${DEFAULT-VALUE}.")
    long maxSamples;

    @Option(
        names = "--no-eval",
        negatable = false,
        description = "Do not evaluate each global model on --test data.")
    boolean noEval;

    @Option(
        names = "--test",
        paramLabel = "DATA",
        description =
            "Data whose test part each global model is judged on by the run's metric (default:"
                + " fashion-mnist for the Fashion-MNIST models; none for others).")
    String test;

    @Override
    public Integer call() throws Exception {
      Main main = parent.main;
      PrintWriter out = spec.commandLine().getOut();
      Architecture a = Args.model(arch);
      TrainingConfig config = task.terms(a).apply(training.config());
      if (mode.equals("model-parallel")) {
        return modelParallel(main, a, config, out);
      }
      if (!mode.equals("data-parallel")) {
        throw new IllegalArgumentException(
            "--mode must be data-parallel or model-parallel, got '" + mode + "'");
      }
      if (resume != null && genesis != null) {
        throw new IllegalArgumentException(
            "--resume continues a run from its own model: drop --genesis");
      }
      var settings =
          Args.options(
              () ->
                  new CoordinatorService.Settings(
                      nodes,
                      rounds,
                      async,
                      buffer,
                      fraction,
                      Duration.ofSeconds(roundTimeout),
                      Duration.ofSeconds(joinTimeout),
                      config,
                      RoundSchedule.parse(lrSchedule),
                      maxSamples),
              "nodes=--nodes",
              "rounds=--rounds",
              "buffer=--buffer",
              "fraction=--fraction",
              "max-samples=--max-samples");
      var strategy0 = Strategies.parse(strategy, async);
      if (!(normBound == 0 || normBound >= 1) || Double.isInfinite(normBound)) {
        throw new IllegalArgumentException(
            "--norm-bound must be 0 (none) or a factor of at least 1, got " + normBound);
      }
      Architecture.Init how = init.scheme();
      List<Tensor> start = null; // a resumed run already has its models
      if (resume == null) {
        start = genesis != null ? Args.genesis(genesis) : a.initialTensors(training.seed, how);
      }
      // every argument is checked before the password is asked for
      EthereumIdentity me = main.unlock(wallet, passwords);
      Samples testPart = noEval ? null : TestData.of(test, a).orElse(null);
      BlobStore store = main.store();
      ModelStoreServer.Builder server =
          tls.configure(ModelStoreServer.newBuilder(store).port(port));
      try (Ledger ledger = main.openLedger()) {
        FedAvgFlow flow = new FedAvgFlow(ledger, store, a, config, strategy0);
        UpdateRecord g0;
        if (resume != null) {
          g0 = resumable(ledger, Args.runId(resume), me);
          ModelCodec.read(a, store.get(g0.receipt().model())); // the right --arch, blob intact
          out.printf(
              "coordinator: resuming after round %d from global %s%n",
              g0.receipt().seq(), g0.updateId());
        } else {
          String origin =
              genesis != null
                  ? "file " + genesis.getFileName()
                  : ChainFlow.freshOrigin(training.seed, how);
          g0 = flow.openRun(me, start, origin, admit.addresses(main));
        }
        CoordinatorService service =
            new CoordinatorService(
                ledger,
                store,
                new Aggregator(ledger, store, a, strategy0, normBound),
                me,
                g0,
                settings,
                out);
        try (ModelStoreServer running =
            server.addService(service).uploadGate(service.uploadGate()).build()) {
          out.printf(
              "coordinator: run %s on port %d (%s), %s, %s, waiting for %d node(s)%n",
              g0.receipt().runId().hex(),
              running.port(),
              tls.label(),
              a.name(),
              async ? "FedBuff K=" + buffer : "FedAvg " + rounds + " rounds",
              nodes);
          out.flush();
          long t0 = System.nanoTime();
          UpdateRecord last;
          try {
            last =
                service.run(
                    g -> {
                      String acc = "";
                      if (testPart != null) {
                        try {
                          List<Tensor> t =
                              ModelCodec.read(a, store.get(g.update().receipt().model()));
                          var e = LocalTrainer.evaluate(a, t, testPart, config);
                          acc = String.format(", test %s %.4f", e.metric().id(), e.value());
                        } catch (Exception e) {
                          acc = ", test evaluation unavailable: " + e.getMessage();
                        }
                      }
                      synchronized (out) {
                        out.printf(
                            "coordinator: %s %d: aggregated %d update(s) in %.1f s%s; global %s%n",
                            async ? "aggregation" : "round",
                            g.version(),
                            g.inputs().size(),
                            g.seconds(),
                            acc,
                            g.update().updateId());
                        out.flush();
                      }
                    });
          } catch (CoordinatorService.RunFailedException e) {
            spec.commandLine().getErr().println("fedchain: error: " + e.getMessage());
            return Main.FAILED;
          }
          service.awaitNodesToldDone(Duration.ofSeconds(40));
          out.printf(
              "coordinator: done in %.0f s; final global model %s (update %s)%n",
              (System.nanoTime() - t0) / 1e9, last.receipt().model().hex(), last.updateId());
          out.flush();
        }
      }
      return 0;
    }

    /** One model-parallel training over the stage nodes, recorded and audited. */
    private int modelParallel(Main main, Architecture a, TrainingConfig config, PrintWriter out)
        throws Exception {
      if (stages == null || stageNodes == null || data == null) {
        throw new IllegalArgumentException(
            "--mode model-parallel needs --stages, --stage-nodes and --data");
      }
      Stages cut = Stages.parse(stages, a.spec().layerCount());
      DataSource source = DataSource.open(data, a.inputShape());
      Peers.Settings peers =
          new Peers.Settings(
              List.of(),
              stageTlsCa,
              stageTlsCa == null ? null : tls.cert,
              stageTlsCa == null ? null : tls.key,
              tls.insecure);
      EthereumIdentity me = main.unlock(wallet, passwords);
      try (Ledger ledger = main.openLedger()) {
        return ModelParallel.run(
                ledger,
                main.store(),
                me,
                a,
                cut,
                config,
                microBatches,
                source,
                stageNodes,
                admit.addresses(main),
                peers,
                resume == null ? null : Args.runId(resume),
                out)
            ? 0
            : Main.FAILED;
      }
    }

    /** The latest global model of {@code runId}, after checking the run is ours to continue. */
    private static UpdateRecord resumable(Ledger ledger, Hash32 runId, EthereumIdentity me)
        throws Exception {
      Run run = RunCommand.known(ledger, runId);
      if (!run.coordinator().equals(me.address())) {
        throw new IllegalArgumentException(
            "run "
                + runId.hex()
                + " is coordinated by "
                + run.coordinator()
                + ", not by this wallet ("
                + me.address()
                + ")");
      }
      if (run.config().mode() != Mode.DATA_PARALLEL || !run.open()) {
        throw new IllegalArgumentException(
            "run " + runId.hex() + " is not an open data-parallel run");
      }
      return CoordinatorService.latestGlobal(ledger, runId);
    }
  }

  @Command(name = "status", description = "Ask a running coordinator how its run is going.")
  static final class StatusCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PeerOptions tls;

    @Option(
        names = "--coordinator",
        required = true,
        paramLabel = "HOST:PORT",
        description = "The coordinator (fedchain coordinator serve).")
    String coordinator;

    @Override
    public Integer call() throws Exception {
      Peers.Settings settings = tls.settings();
      PeerOptions.check(settings, coordinator);
      io.grpc.ManagedChannel ch = Peers.channel(settings, coordinator);
      try {
        var s =
            org.fedchain.comms.v1.CoordinatorGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                .status(org.fedchain.comms.v1.StatusRequest.getDefaultInstance());
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
            "run %s: %d of %d aggregations, %d node(s), global update %s%s%n",
            org.fedchain.core.Hex.encode(s.getRunId().toByteArray()),
            s.getCompleted(),
            s.getPlanned(),
            s.getNodes(),
            "0x" + org.fedchain.core.Hex.encode(s.getGlobalUpdateId().toByteArray()),
            s.getDone() ? " (done)" : "");
        return 0;
      } catch (io.grpc.StatusRuntimeException e) {
        throw new java.io.IOException(
            "coordinator " + coordinator + ": " + e.getStatus().getCode() + " " + e.getMessage(),
            e);
      } finally {
        Peers.close(ch);
      }
    }
  }
}
