package org.fedchain.client;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.LogAudit;
import org.fedchain.node.ChainedRun;
import org.fedchain.node.CoordinatorService;
import org.fedchain.node.DataSpec;
import org.fedchain.node.FedAvgFlow;
import org.fedchain.node.FedAvgRun;
import org.fedchain.node.RoundSchedule;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Keystore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain demo}: the whole chained flow on one machine, in a fresh folder. A coordinator
 * opens a run with a VNX budget; each node continues the chain on its own disjoint shard of
 * Fashion-MNIST (verify, train, sign, record); a validator checks each update on held-out images
 * and scores the samples it trained on ({@link org.fedchain.node.Validator.Pay#SAMPLES}), the node
 * claims its reward; then the run is audited.
 */
@Command(
    name = "demo",
    description =
        "Chained training by several nodes on the embedded ledger, with rewards and an audit, in a fresh folder.")
final class DemoCommand implements Callable<Integer> {
  private static final char[] PASSWORD = "demo".toCharArray();

  @ParentCommand Main main;
  @Spec CommandSpec spec;
  @Mixin ChainCommand.TrainingOptions training;
  @Mixin InitOption init;

  @Option(
      names = "--nodes",
      defaultValue = "3",
      description = "Nodes in the chain. Default: ${DEFAULT-VALUE} (2 with --owners).")
  int nodes;

  @Option(
      names = "--owners",
      defaultValue = "0",
      description =
          "Chained: data owners who lend their shards to the nodes (each node trains on the"
              + " shards of owners/nodes owners) for 50% of the pay of the updates that use them;"
              + " the genesis model's owner (modeler) is paid a 5% royalty and the author who"
              + " published the model spec 2%. Default: none.")
  int owners;

  @Option(
      names = "--data",
      defaultValue = "fashion-mnist",
      paramLabel = "SOURCE",
      description =
          "The data the demo's nodes split between them (each its shard); its test part is"
              + " reported. It must fit the model: e.g. fashion-mnist:DIR, or a folder:DIR of"
              + " 28x28 images in 10 classes. Default: ${DEFAULT-VALUE}.")
  String data;

  @Option(
      names = "--arch",
      defaultValue = "fmnist-cnn/1",
      description = "Architecture (or cnn, mlp). Default: ${DEFAULT-VALUE}.")
  String arch;

  @Option(
      names = "--dir",
      description =
          "Folder for the demo's wallets, store and ledger (default: <home>/demos/<time>).")
  Path dir;

  /** Which flow the demo runs. */
  enum DemoMode {
    CHAINED,
    FEDAVG,
    MODEL_PARALLEL
  }

  @Option(
      names = "--mode",
      defaultValue = "chained",
      converter = ModeConverter.class,
      description =
          "chained (default), fedavg (data parallel: rounds of LOCAL and AGGREGATE) or"
              + " model-parallel (the model's layers cut into --stages node processes).")
  DemoMode mode;

  @Option(
      names = "--stages",
      defaultValue = "2",
      description =
          "model-parallel: stage node processes; the layers are cut into as many ranges of equal"
              + " length. Default: ${DEFAULT-VALUE}.")
  int stages;

  @Option(
      names = "--micro-batches",
      defaultValue = "4",
      description =
          "model-parallel: micro-batches per batch, so stages work at once (1: bit for bit as one"
              + " node). Default: ${DEFAULT-VALUE}.")
  int microBatches;

  @Option(
      names = "--async",
      description = "fedavg: asynchronous FedBuff (staleness-weighted buffer) instead of rounds.")
  boolean async;

  @Option(
      names = "--clients",
      defaultValue = "3",
      description = "fedavg: clients (node processes). Default: ${DEFAULT-VALUE}.")
  int clients;

  @Option(
      names = "--in-process",
      description =
          "fedavg: simulate the coordinator and clients in this process on a virtual clock (allows"
              + " --byzantine and many clients) instead of separate node processes over gRPC.")
  boolean inProcess;

  @Option(
      names = "--round-timeout",
      defaultValue = "300",
      paramLabel = "SECONDS",
      description =
          "fedavg with processes: how long a round waits for its nodes. Default: ${DEFAULT-VALUE}.")
  long roundTimeout;

  @Option(
      names = "--rounds",
      defaultValue = "5",
      description = "fedavg: rounds (or FedBuff aggregations). Default: ${DEFAULT-VALUE}.")
  int rounds;

  @Option(
      names = "--lr-schedule",
      defaultValue = "constant",
      paramLabel = "constant|cosine",
      description =
          "fedavg: How the learning rate changes over the rounds: cosine decays it towards zero"
              + " by the last round. Default: ${DEFAULT-VALUE}.")
  String lrSchedule;

  @Option(
      names = "--strategy",
      defaultValue = "fedavg",
      description =
          "fedavg: aggregation, fedavg|fednova|median|trimmed-mean:BETA|krum:F. Default:"
              + " ${DEFAULT-VALUE}.")
  String strategy;

  @Option(
      names = "--byzantine",
      description =
          "fedavg: N:ATTACK, the first N clients attack: scale (x-10 deltas), flip (sign-flipped"
              + " deltas), free-ride (the global model back with noise) or label-flip (trained on"
              + " labels y -> 9-y).")
  String byzantine;

  @Option(
      names = "--dirichlet",
      defaultValue = "0",
      description = "fedavg: non-IID shards with this Dirichlet alpha (0: IID). Default: IID.")
  double dirichlet;

  @Option(
      names = "--fraction",
      defaultValue = "1.0",
      description = "fedavg: fraction of clients sampled per round. Default: ${DEFAULT-VALUE}.")
  double fraction;

  @Option(
      names = "--deadline",
      defaultValue = "2.0",
      description =
          "fedavg: leave out clients slower than this many times the median client (0: wait for"
              + " all). Default: ${DEFAULT-VALUE}.")
  double deadline;

  @Option(
      names = "--buffer",
      defaultValue = "3",
      description = "fedavg --async: updates per aggregation (K). Default: ${DEFAULT-VALUE}.")
  int buffer;

  @Option(
      names = "--slow",
      defaultValue = "0",
      description = "fedavg: the last N clients are 5x slower. Default: ${DEFAULT-VALUE}.")
  int slow;

  static final class ModeConverter implements picocli.CommandLine.ITypeConverter<DemoMode> {
    @Override
    public DemoMode convert(String value) {
      return switch (value) {
        case "chained" -> DemoMode.CHAINED;
        case "fedavg" -> DemoMode.FEDAVG;
        case "model-parallel" -> DemoMode.MODEL_PARALLEL;
        default ->
            throw new picocli.CommandLine.TypeConversionException(
                "--mode must be chained, fedavg or model-parallel, got '" + value + "'");
      };
    }
  }

  @Override
  public Integer call() throws Exception {
    Architecture.Init how = init.scheme(); // a typo is refused before anything starts
    if (mode == DemoMode.FEDAVG) {
      return fedAvg();
    }
    if (mode == DemoMode.MODEL_PARALLEL) {
      return modelParallel();
    }
    if (owners > 0 && !spec.commandLine().getParseResult().hasMatchedOption("--nodes")) {
      nodes = 2;
    }
    if (nodes < 1 || nodes > 20) {
      throw new IllegalArgumentException("--nodes must be 1..20, got " + nodes);
    }
    if (owners != 0 && (owners < nodes || owners > 40)) {
      throw new IllegalArgumentException(
          "--owners must be 0 or from --nodes (" + nodes + ") to 40, got " + owners);
    }
    PrintWriter out = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    Path home = home();
    Architecture a = Architectures.get(Args.architecture(arch));
    // two local epochs by default: one reaches ~0.853 test accuracy after 3 hops, too close to 0.85
    if (!spec.commandLine().getParseResult().hasMatchedOption("--epochs")) {
      training.epochs = 2;
    }
    TrainingConfig config = training.config();
    DataSource data = DataSource.open(this.data, a.inputShape());
    out.printf(
        "FedChain demo: %d nodes, %s, %d epoch(s) each, in %s%n",
        nodes, a.name(), config.epochs(), home);

    Keystore ks = Keystore.at(home.resolve("keystore"));
    EthereumIdentity coordinator = identity(ks, "coordinator");
    EthereumIdentity validator = identity(ks, "validator");
    List<EthereumIdentity> nodeIds = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      nodeIds.add(identity(ks, "node" + i));
    }
    List<EthereumIdentity> ownerIds = new ArrayList<>();
    for (int i = 1; i <= owners; i++) {
      ownerIds.add(identity(ks, "owner" + i));
    }
    ChainedRun.Lending lending =
        owners == 0
            ? null
            : new ChainedRun.Lending(
                ownerIds, 5_000, identity(ks, "modeler"), 500, identity(ks, "author"), 200);
    out.printf(
        "wallets (password '%s', light scrypt: demo only) in %s%n", new String(PASSWORD), ks.dir());

    BlobStore store = BlobStore.open(home.resolve("store"));
    // the embedded ledger in the demo folder, unless --ledger names another (e.g. ethereum on
    // anvil); on embedded the coordinator is the mint authority
    String ledgerUri =
        main.ledger != null ? main.ledgerUri() : "embedded:" + home.resolve("ledger.db");
    try (Ledger ledger =
        main.ledger != null
            ? main.openLedger()
            : Ledgers.open(ledgerUri, Main.asSender(coordinator))) {
      out.println("ledger " + ledgerUri);
      ledger.mint(coordinator.address(), BigInteger.TEN.pow(21)); // 1000 VNX
      // commit-reveal where others see transactions before they are recorded
      ChainedRun.Settings settings =
          ChainedRun.Settings.demo(a, how, config, !ledgerUri.startsWith("embedded:"));
      out.printf(
          "coordinator %s opens a run with a %d VNX budget for %d admitted nodes%s%n",
          coordinator.address(),
          settings.budgetVnx(),
          nodes,
          settings.commitReveal() ? ", commit-reveal" : "");
      String rule = "-".repeat(118);
      out.println(rule);
      out.printf(
          "%-4s %-42s %-16s %8s %8s %8s %12s%n",
          "hop", "node", "model", "val acc", "test acc", "train s", "reward VNX");
      out.println(rule);
      ChainedRun.Result r =
          ChainedRun.run(
              ledger,
              store,
              coordinator,
              validator,
              nodeIds,
              data,
              settings,
              lending,
              shard -> new Progress(out, "node" + shard.shard() + " training " + shard),
              h -> {
                out.printf(
                    "%-4d %-42s %-16s %8.4f %8.4f %8.1f %12s%n",
                    h.update().receipt().seq(),
                    h.node().address(),
                    h.update().receipt().model().hex().substring(0, 16),
                    h.training().training().validation().accuracy(),
                    h.testMetric(),
                    h.training().training().seconds(),
                    h.reward() != null
                        ? BalanceCommand.vnx(h.reward())
                        : "0 (" + h.unpaidReason() + ")");
                out.flush();
              });
      out.println(rule);
      r.audit().print(out);
      boolean logOk =
          !(ledger instanceof LogAudit local) || LedgerCommand.print(out, local.auditLog());
      out.printf(
          "final model: test accuracy %.4f on %d images; demo took %.0f s%n",
          r.finalMetric(), data.test().orElseThrow().size(), (System.nanoTime() - t0) / 1e9);
      for (EthereumIdentity n : nodeIds) {
        out.printf(
            "  balance %s %s VNX%n", n.address(), BalanceCommand.vnx(ledger.balance(n.address())));
      }
      if (lending != null) {
        for (int i = 0; i < owners; i++) {
          Address o = ownerIds.get(i).address();
          out.printf(
              "  balance %s %s VNX (owner%d, data owner)%n",
              o, BalanceCommand.vnx(ledger.balance(o)), i + 1);
        }
        Address mo = lending.modeler().address();
        out.printf(
            "  balance %s %s VNX (modeler, genesis model royalty)%n",
            mo, BalanceCommand.vnx(ledger.balance(mo)));
        Address au = lending.author().address();
        out.printf(
            "  balance %s %s VNX (author, model spec royalty)%n",
            au, BalanceCommand.vnx(ledger.balance(au)));
      }
      out.println("run id: " + r.runId().hex());
      out.println(
          "files:  "
              + home
              + " (keystore/, store/sha256/"
              + (main.ledger == null ? ", ledger.db)" : ")"));
      printNext(out, home, ledgerUri, r.runId());
      return r.audit().ok() && logOk ? 0 : Main.FAILED;
    }
  }

  private static void printNext(PrintWriter out, Path home, String ledgerUri, Hash32 runId) {
    out.println(
        "next:   ./fedchain --home "
            + home
            + " --ledger '"
            + ledgerUri
            + "' audit --run "
            + runId.hex()
            + " --json");
  }

  private Path home() {
    return dir != null
        ? dir
        : main.home()
            .resolve("demos")
            .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
  }

  private int fedAvg() throws Exception {
    if (!(dirichlet >= 0) || Double.isInfinite(dirichlet)) {
      throw new IllegalArgumentException(
          "--dirichlet must be a positive alpha, or 0 for IID; got " + dirichlet);
    }
    if (!inProcess) {
      return fedAvgProcesses();
    }
    if (clients < 1 || clients > 100) {
      throw new IllegalArgumentException("--clients must be 1..100, got " + clients);
    }
    int bad = 0;
    FedAvgFlow.Behaviour attack = FedAvgFlow.Behaviour.HONEST;
    if (byzantine != null) {
      String[] p = byzantine.split(":", 2);
      try {
        bad = Integer.parseInt(p[0]);
      } catch (NumberFormatException e) {
        bad = -1;
      }
      java.util.Map<String, FedAvgFlow.Behaviour> attacks =
          java.util.Map.of(
              "scale", FedAvgFlow.Behaviour.SCALE,
              "flip", FedAvgFlow.Behaviour.FLIP,
              "free-ride", FedAvgFlow.Behaviour.FREE_RIDE,
              "label-flip", FedAvgFlow.Behaviour.LABEL_FLIP);
      if (p.length != 2 || bad < 0 || !attacks.containsKey(p[1])) {
        throw new IllegalArgumentException(
            "--byzantine must be N:scale, N:flip, N:free-ride or N:label-flip (e.g. 2:flip), got '"
                + byzantine
                + "'");
      }
      attack = attacks.get(p[1]);
    }
    PrintWriter out = spec.commandLine().getOut();
    Path home = home();
    Architecture a = Architectures.get(Args.architecture(arch));
    FedAvgRun.Settings settings =
        new FedAvgRun.Settings(
            a,
            init.scheme(),
            training.config(),
            RoundSchedule.parse(lrSchedule),
            Strategies.parse(strategy),
            clients,
            rounds,
            async,
            fraction,
            deadline,
            buffer,
            bad,
            attack,
            slow,
            5.0,
            dirichlet,
            DataSpec.PARTITION_SEED,
            null);
    out.printf("FedChain data-parallel demo in %s%n", home);
    Keystore ks = Keystore.at(home.resolve("keystore"));
    EthereumIdentity coordinator = identity(ks, "coordinator");
    List<EthereumIdentity> ids = new ArrayList<>();
    for (int i = 1; i <= clients; i++) {
      ids.add(identity(ks, "client" + i));
    }
    BlobStore store = BlobStore.open(home.resolve("store"));
    String ledgerUri =
        main.ledger != null ? main.ledgerUri() : "embedded:" + home.resolve("ledger.db");
    try (Ledger ledger = main.ledger != null ? main.openLedger() : Ledgers.open(ledgerUri)) {
      out.println("ledger " + ledgerUri);
      FedAvgRun.Result r =
          FedAvgRun.run(
              out,
              ledger,
              store,
              coordinator,
              ids,
              DataSource.open(this.data, a.inputShape()),
              settings);
      boolean logOk =
          !(ledger instanceof LogAudit local) || LedgerCommand.print(out, local.auditLog());
      out.printf(
          "final model: test accuracy %.4f; demo took %.0f s%n",
          r.accuracy().get(r.accuracy().size() - 1), r.seconds());
      out.println("run id: " + r.runId().hex());
      printNext(out, home, ledgerUri, r.runId());
      return r.audit().ok() && logOk ? 0 : Main.FAILED;
    }
  }

  /**
   * The data-parallel demo as it runs for real: a coordinator process and one process per node,
   * talking gRPC on loopback; every node has its own home (wallet, store) and shard.
   */
  private int fedAvgProcesses() throws Exception {
    if (clients < 1 || clients > 16) {
      throw new IllegalArgumentException("--clients must be 1..16 with processes, got " + clients);
    }
    if (byzantine != null) {
      throw new IllegalArgumentException("--byzantine needs --in-process (simulated clients)");
    }
    // refused here, not by the coordinator process it starts
    Args.options(
        () ->
            new CoordinatorService.Settings(
                clients,
                rounds,
                async,
                buffer,
                fraction,
                Duration.ofSeconds(roundTimeout),
                Duration.ofSeconds(roundTimeout),
                training.config(),
                RoundSchedule.parse(lrSchedule),
                CoordinatorService.Settings.MAX_SAMPLES),
        "nodes=--clients",
        "rounds=--rounds",
        "buffer=--buffer",
        "fraction=--fraction");
    Strategies.parse(strategy, async);
    PrintWriter out = spec.commandLine().getOut();
    Path home = home();
    long t0 = System.nanoTime();
    Map<String, String> env = new HashMap<>();
    env.put("FEDCHAIN_PASSWORD", new String(PASSWORD));
    List<String> common = new ArrayList<>();
    String ledgerUri =
        main.ledger != null ? main.ledgerUri() : "embedded:" + home.resolve("ledger.db");
    out.printf(
        "FedChain data-parallel demo: a coordinator and %d node processes on loopback gRPC, in %s%n",
        clients, home);
    wallet(Keystore.at(home.resolve("coordinator/keystore")), "coordinator");
    List<String> admitted = new ArrayList<>(); // the run admits the demo's nodes only
    for (int i = 1; i <= clients; i++) {
      String name = "node" + i;
      admitted.add(wallet(Keystore.at(home.resolve(name).resolve("keystore")), name).toString());
    }
    List<String> coordArgs = new ArrayList<>(common);
    coordArgs.addAll(
        List.of(
            "--home=" + home.resolve("coordinator"),
            "--ledger=" + ledgerUri,
            "coordinator",
            "serve",
            "--wallet=coordinator",
            "--port=0",
            "--nodes=" + clients,
            "--admit=" + String.join(",", admitted),
            "--rounds=" + rounds,
            "--buffer=" + buffer,
            "--fraction=" + fraction,
            "--strategy=" + strategy,
            "--round-timeout=" + roundTimeout,
            "--model=" + arch,
            "--test=" + data,
            "--epochs=" + training.epochs,
            "--batch-size=" + training.batchSize,
            "--lr=" + training.lr,
            "--momentum=" + training.momentum,
            "--weight-decay=" + training.weightDecay,
            "--local-schedule=" + training.localSchedule,
            "--validation=" + training.validation,
            "--lr-schedule=" + lrSchedule,
            "--init=" + init.init,
            "--seed=" + training.seed));
    if (async) {
      coordArgs.add("--async");
    }
    if (training.balancedSoftmax != 0) {
      coordArgs.add("--balanced-softmax=" + training.balancedSoftmax);
    }
    if (main.sender != null) {
      coordArgs.add("--sender=" + main.sender);
    }
    List<LocalProcess> nodesRunning = new ArrayList<>();
    Hash32 runId;
    try (LocalProcess coordinator =
        LocalProcess.start(List.of(), coordArgs, env, home.resolve("coordinator.log"), out, "")) {
      var started = coordinator.awaitLine("coordinator: run (\\S+) on port (\\d+)", 120);
      runId = Hash32.parse(started.group(1));
      String port = started.group(2);
      try {
        for (int i = 1; i <= clients; i++) {
          String name = "node" + i;
          List<String> nodeArgs = new ArrayList<>(common);
          nodeArgs.addAll(
              List.of(
                  "--home=" + home.resolve(name),
                  "node",
                  "serve",
                  "--port=0",
                  "--coordinator=127.0.0.1:" + port,
                  "--wallet=" + name,
                  "--data="
                      + new DataSpec(
                          data, i, clients, dirichlet, DataSpec.PARTITION_SEED, null, false),
                  "--threads=" + training.threads,
                  "--slowdown=" + (i > clients - slow ? 5 : 1)));
          nodesRunning.add(
              LocalProcess.start(List.of(), nodeArgs, env, home.resolve(name + ".log"), out, "  "));
        }
        // a node that fails (bad data, crash) would leave the coordinator waiting for it: stop
        while (!coordinator.waitFor(Duration.ofSeconds(2))) {
          for (int i = 0; i < nodesRunning.size(); i++) {
            LocalProcess n = nodesRunning.get(i);
            int exit = n.isAlive() ? 0 : n.waitFor();
            if (exit != 0) {
              out.printf(
                  "node%d exited with %d; stopping the demo (logs in %s)%n", i + 1, exit, home);
              return Main.FAILED;
            }
          }
        }
        int code = coordinator.waitFor();
        for (LocalProcess n : nodesRunning) {
          n.waitFor();
        }
        if (code != 0) {
          out.println("coordinator exited with " + code + "; logs in " + home);
          return Main.FAILED;
        }
      } finally {
        for (LocalProcess n : nodesRunning) {
          n.close();
        }
      }
    }
    try (Ledger ledger = main.ledger != null ? main.openLedger() : Ledgers.open(ledgerUri)) {
      RunAudit audit =
          new Verifier(ledger, BlobStore.open(home.resolve("coordinator/store"))).audit(runId);
      out.println(
          audit.ok()
              ? "audit OK: " + audit.updates().size() + " updates verified"
              : "audit FAILED: " + audit);
      out.printf("demo took %.0f s%n", (System.nanoTime() - t0) / 1e9);
      printNext(out, home.resolve("coordinator"), ledgerUri, runId);
      return audit.ok() ? 0 : Main.FAILED;
    }
  }

  /**
   * Model parallelism as it runs for real: one process per stage, each with its own home (wallet,
   * store), serving gRPC on loopback; this process is the coordinator, which holds the data.
   */
  private int modelParallel() throws Exception {
    Architecture a = Architectures.get(Args.architecture(arch));
    org.fedchain.trainer.Stages cut =
        org.fedchain.trainer.Stages.even(stages, a.spec().layerCount());
    TrainingConfig config = training.config();
    DataSource source = DataSource.open(this.data, a.inputShape());
    PrintWriter out = spec.commandLine().getOut();
    Path home = home();
    long t0 = System.nanoTime();
    out.printf(
        "FedChain model-parallel demo: %s cut into %d stages (%s), one node process each, in %s%n",
        a.name(), stages, cut, home);
    EthereumIdentity coordinator = identity(Keystore.at(home.resolve("keystore")), "coordinator");
    String ledgerUri =
        main.ledger != null ? main.ledgerUri() : "embedded:" + home.resolve("ledger.db");
    Map<String, String> env = new HashMap<>();
    env.put("FEDCHAIN_PASSWORD", new String(PASSWORD));
    List<LocalProcess> running = new ArrayList<>();
    try (Ledger ledger =
        main.ledger != null
            ? main.openLedger()
            : Ledgers.open(ledgerUri, Main.asSender(coordinator))) {
      List<org.fedchain.core.Address> admitted = new ArrayList<>();
      List<String> endpoints = new ArrayList<>();
      try {
        for (int k = 0; k < stages; k++) {
          String name = "stage" + k;
          admitted.add(wallet(Keystore.at(home.resolve(name).resolve("keystore")), name));
          LocalProcess p =
              LocalProcess.start(
                  List.of(),
                  List.of(
                      "--home=" + home.resolve(name),
                      "--ledger=" + ledgerUri,
                      "node",
                      "serve",
                      "--stage=" + k,
                      "--port=0",
                      "--wallet=" + name,
                      "--threads=" + training.threads),
                  env,
                  home.resolve(name + ".log"),
                  out,
                  "  ");
          running.add(p);
          String port = p.awaitLine("stage " + k + " served by \\S+ on port (\\d+)", 120).group(1);
          endpoints.add("127.0.0.1:" + port);
        }
        boolean ok =
            ModelParallel.run(
                ledger,
                BlobStore.open(home.resolve("store")),
                coordinator,
                a,
                cut,
                config,
                microBatches,
                source,
                endpoints,
                admitted,
                new org.fedchain.node.Peers.Settings(List.of(), null, null, null, false),
                null,
                out);
        out.printf("demo took %.0f s; logs in %s%n", (System.nanoTime() - t0) / 1e9, home);
        return ok ? 0 : Main.FAILED;
      } finally {
        for (LocalProcess p : running) {
          p.close();
        }
      }
    }
  }

  private static org.fedchain.core.Address wallet(Keystore ks, String name) throws Exception {
    return identity(ks, name).address();
  }

  private static EthereumIdentity identity(Keystore ks, String name) throws Exception {
    ks.create(name, PASSWORD, Keystore.Kdf.LIGHT);
    return ks.unlock(name, PASSWORD);
  }
}
