package org.fedchain.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.fedchain.ledger.ethereum.Anvil;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fedchain node anvil}: a local Ethereum development node for trying FedChain out. */
@Command(
    name = "node",
    description = "Serve your model store to other nodes; certificates; local chain nodes.",
    subcommands = {NodeCommand.Serve.class, NodeCommand.Certs.class, NodeCommand.AnvilCmd.class})
final class NodeCommand {
  @ParentCommand Main main;

  @Command(
      name = "serve",
      description =
          "Serve this home's model store over gRPC (Has/Get/Put, hash-verified) until stopped.")
  static final class Serve implements java.util.concurrent.Callable<Integer> {
    @ParentCommand NodeCommand parent;
    @Spec CommandSpec spec;

    @Option(
        names = "--port",
        defaultValue = "7700",
        description = "Port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
        names = "--tls-cert",
        paramLabel = "FILE",
        description = "Server certificate chain (PEM); with --tls-key enables TLS.")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "Server private key (PEM).")
    java.nio.file.Path tlsKey;

    @Option(
        names = "--client-ca",
        paramLabel = "FILE",
        description = "Require client certificates signed by this CA (mutual TLS).")
    java.nio.file.Path clientCa;

    @Override
    public Integer call() throws Exception {
      var b = org.fedchain.comms.ModelStoreServer.newBuilder(parent.main.store()).port(port);
      if (tlsCert != null || tlsKey != null) {
        if (tlsCert == null || tlsKey == null) {
          throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key");
        }
        b.tls(new org.fedchain.comms.PemFiles(tlsCert, tlsKey));
      }
      if (clientCa != null) {
        b.trustRoots(clientCa).clientAuth(org.fedchain.comms.ClientAuth.REQUIRE);
      }
      try (var server = b.build()) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(
            "serving "
                + parent.main.home().resolve("store")
                + " on port "
                + server.port()
                + (tlsCert == null
                    ? " (plaintext)"
                    : clientCa == null ? " (TLS)" : " (mutual TLS)"));
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        server.awaitTermination();
      }
      return 0;
    }
  }

  @Command(
      name = "certs",
      description =
          "Create a CA and node certificates (SAN 127.0.0.1, localhost) for TLS between nodes.")
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

    @Override
    public Integer call() throws Exception {
      var ca = org.fedchain.comms.Certificates.createAuthority(out, "ca");
      PrintWriter w = spec.commandLine().getOut();
      w.println("CA:   " + ca.certificate());
      for (String n : nodes) {
        var node = org.fedchain.comms.Certificates.createNode(out, n, ca);
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
}
