package org.fedchain.client;

import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.comms.UploadGate;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.ethereum.Anvil;
import org.fedchain.ledger.fabric.FabricNetwork;
import org.fedchain.node.DataSpec;
import org.fedchain.node.NodeWorker;
import org.fedchain.node.Peers;
import org.fedchain.node.StageService;
import org.fedchain.node.StageWorker;
import org.fedchain.wallet.EthereumIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain node serve|certs|anvil|fabric}: serve a store and take tasks; TLS material; local
 * chain nodes (anvil, a Fabric consortium) for trying FedChain out.
 */
@Command(
    name = "node",
    description = "Serve your model store to other nodes; certificates; local chain nodes.",
    subcommands = {
      NodeCommand.Serve.class,
      NodeCommand.Certs.class,
      NodeCommand.AnvilCmd.class,
      NodeCommand.FabricCmd.class
    })
final class NodeCommand {
  @ParentCommand Main main;

  @Command(
      name = "serve",
      description =
          "Serve this home's model store over gRPC (Has/Get/Put, hash-verified); with --coordinator,"
              + " also take training tasks until the coordinator's run is done.")
  static final class Serve implements Callable<Integer> {
    @ParentCommand NodeCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;
    @Mixin ServerTls serverTls;

    @Option(
        names = "--port",
        defaultValue = "7700",
        description = "Port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
        names = "--tls-ca",
        paramLabel = "FILE",
        description =
            "Trust roots for the coordinator's and peers' certificates (without: plaintext).")
    Path tlsCa;

    @Option(
        names = "--coordinator",
        paramLabel = "HOST:PORT",
        description = "Take training tasks from this coordinator (fedchain coordinator serve).")
    String coordinator;

    @Option(names = "--run", description = "Run id to join (default: the coordinator's run).")
    String run;

    @Option(
        names = "--wallet",
        description = "Your wallet (signs your updates); with --coordinator.")
    String wallet;

    @Option(names = "--data", paramLabel = "DATA", description = Args.DATA_HELP)
    String data;

    @Option(
        names = "--advertise",
        paramLabel = "HOST:PORT",
        description = "Where peers reach your store. Default: 127.0.0.1:<port>.")
    String advertise;

    @Option(
        names = "--threads",
        defaultValue = "1",
        description = "Training threads. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(
        names = "--stage",
        paramLabel = "K",
        description =
            "Serve stage K of model-parallel runs (fedchain coordinator serve --mode"
                + " model-parallel): hold its layers, train them as the coordinator drives, sign them"
                + " with --wallet. Reads the ledger (--ledger) to check each run.")
    Integer stage;

    @Option(
        names = "--slowdown",
        defaultValue = "1",
        description =
            "Emulate a machine this many times slower (waits after training; for demos and tests"
                + " of stragglers). Default: ${DEFAULT-VALUE}.")
    double slowdown;

    @Override
    public Integer call() throws Exception {
      Main main = parent.main;
      if (coordinator != null && (wallet == null || data == null)) {
        throw new IllegalArgumentException("--coordinator needs --wallet and --data");
      }
      if (stage != null) {
        return serveStage(main);
      }
      if (!(slowdown >= 1)) {
        throw new IllegalArgumentException("--slowdown must be >= 1, got " + slowdown);
      }
      Peers.Settings tls =
          new Peers.Settings(
              List.of(),
              tlsCa,
              tlsCa == null ? null : serverTls.cert,
              tlsCa == null ? null : serverTls.key,
              serverTls.insecure);
      if (coordinator != null) {
        PeerOptions.check(tls, coordinator);
      }
      // a malformed data spec should not cost a password prompt; the data is read once the run's
      // model says what shape its samples take
      DataSpec spec0 = coordinator == null ? null : DataSpec.parse(data);
      EthereumIdentity me = coordinator == null ? null : main.unlock(wallet, passwords);
      BlobStore store = main.store();
      // a node's store only serves: nobody has a reason to write into it
      var b =
          serverTls.configure(
              ModelStoreServer.newBuilder(store).port(port).uploadGate(UploadGate.CLOSED));
      try (ModelStoreServer server = b.build()) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(
            "serving "
                + main.home().resolve("store")
                + " on port "
                + server.port()
                + " ("
                + serverTls.label()
                + ")");
        out.flush();
        if (coordinator == null) {
          Runtime.getRuntime().addShutdownHook(new Thread(server::close));
          server.awaitTermination();
          return 0;
        }
        ManagedChannel channel = Peers.channel(tls, coordinator);
        try {
          return new NodeWorker(
                  channel,
                  tls,
                  store,
                  me,
                  spec0::load,
                  wallet,
                  advertise != null ? advertise : "127.0.0.1:" + server.port(),
                  threads,
                  slowdown,
                  out)
              .run(run == null ? null : Args.runId(run));
        } finally {
          Peers.close(channel);
        }
      }
    }

    /** Serves stage {@link #stage} of model-parallel runs until stopped. */
    private int serveStage(Main main) throws Exception {
      if (wallet == null) {
        throw new IllegalArgumentException("--stage needs --wallet (it signs the stage's updates)");
      }
      if (stage < 0) {
        throw new IllegalArgumentException("--stage must be >= 0, got " + stage);
      }
      EthereumIdentity me = main.unlock(wallet, passwords);
      BlobStore store = main.store();
      try (org.fedchain.ledger.Ledger ledger = main.openLedger();
          StageWorker worker = new StageWorker(ledger, store, me, stage)) {
        var b =
            serverTls.configure(
                ModelStoreServer.newBuilder(store)
                    .port(port)
                    .uploadGate(UploadGate.CLOSED)
                    .maxMessageBytes(ModelParallel.MAX_MESSAGE_BYTES)
                    .addService(new StageService(worker, threads)));
        try (ModelStoreServer server = b.build()) {
          PrintWriter out = spec.commandLine().getOut();
          out.println(
              "stage "
                  + stage
                  + " served by "
                  + me.address()
                  + " on port "
                  + server.port()
                  + " ("
                  + serverTls.label()
                  + ")");
          out.flush();
          Runtime.getRuntime().addShutdownHook(new Thread(server::close));
          server.awaitTermination();
          return 0;
        }
      }
    }
  }

  @Command(
      name = "certs",
      description =
          "Create a CA and node certificates for TLS and mutual TLS between nodes and coordinator.")
  static final class Certs implements java.util.concurrent.Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, description = "Folder for the PEM files.")
    java.nio.file.Path out;

    @Option(
        names = "--nodes",
        split = ",",
        defaultValue = "node",
        description = "Node names. Default: ${DEFAULT-VALUE}.")
    java.util.List<String> nodes;

    @Option(
        names = "--hosts",
        split = ",",
        defaultValue = "127.0.0.1,localhost",
        description =
            "Addresses and names the certificates are valid for (subject alternative names)."
                + " Default: ${DEFAULT-VALUE}.")
    java.util.List<String> hosts;

    @Override
    public Integer call() throws Exception {
      var ca = org.fedchain.comms.Certificates.createAuthority(out, "ca");
      PrintWriter w = spec.commandLine().getOut();
      w.println("CA:   " + ca.certificate());
      for (String n : nodes) {
        var node = org.fedchain.comms.Certificates.createNode(out, n, ca, hosts);
        w.println(n + ": " + node.certificate() + " " + node.privateKey());
      }
      return 0;
    }
  }

  @Command(
      name = "anvil",
      description =
          "Start a local anvil node (Ctrl-C stops it). Its first account is funded and its key is public: development only.")
  static final class AnvilCmd implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--port", defaultValue = "8545", description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Override
    public Integer call() throws Exception {
      try (Anvil anvil = Anvil.start(port)) {
        PrintWriter out = spec.commandLine().getOut();
        out.println("anvil running at " + anvil.rpcUrl() + " (chain id 31337)");
        out.println("dev account key (public, funded): 0x" + Anvil.DEV_KEY);
        out.println("import it:  fedchain wallet import dev --private-key-file FILE");
        out.println("then:       fedchain deploy --rpc " + anvil.rpcUrl() + " --sender dev");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(anvil::close));
        return anvil.waitFor();
      }
    }
  }

  @Command(
      name = "fabric",
      description =
          "A local Hyperledger Fabric consortium as plain processes on 127.0.0.1: an orderer, two"
              + " organisations with a peer and a chaincode process each, an endorsement policy"
              + " that needs both. Development only: its keys are generated on this machine.",
      subcommands = {FabricUp.class})
  static final class FabricCmd {
    @Spec CommandSpec spec;

    @Command(name = "status", description = "What runs of the local Fabric network, and its URIs.")
    int status() throws java.io.IOException {
      return script("status");
    }

    @Command(
        name = "down",
        description = "Stop the local Fabric network and delete its data (its ledger is gone).")
    int down() throws java.io.IOException {
      return script("down");
    }

    private int script(String command) throws java.io.IOException {
      return FabricNetwork.run(Map.of(), spec.commandLine().getOut(), command) == 0
          ? 0
          : Main.FAILED;
    }
  }

  @Command(
      name = "up",
      description =
          "Install Fabric if needed (see scripts/fabric.sh install), start the network, deploy and"
              + " start the chaincode, print each organisation's fabric: ledger URI.")
  static final class FabricUp implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      Map<String, String> standard = Map.of();
      int code = FabricNetwork.run(standard, out, "install");
      if (code == 0) {
        code = FabricNetwork.run(standard, out, "up");
      }
      if (code != 0) {
        return Main.FAILED;
      }
      String org1 = FabricNetwork.attach(standard).uris("fedchain").get(0);
      out.println("Org1's admin may mint VNX; try:  fedchain --ledger '" + org1 + "' demo");
      out.println("stop it with:  fedchain node fabric down");
      return 0;
    }
  }
}
