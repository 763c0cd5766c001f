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
    description = "Run local chain nodes for trying FedChain out.",
    subcommands = {NodeCommand.AnvilCmd.class})
final class NodeCommand {
  @ParentCommand Main main;

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
