package org.fedchain.client;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code fedchain} command line. Subcommands are thin: they parse options, call the modules and
 * print. Errors print one line naming the problem (a stack trace only with {@code --verbose}) and
 * exit non-zero.
 */
@Command(
    name = "fedchain",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Federated learning whose every model update is signed, recorded on a ledger and rewarded.",
    subcommands = {
      WalletCommand.class,
      LedgerCommand.class,
      BalanceCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {
  /** Exit codes: 0 ok, 1 the operation failed or was refused, 2 bad usage. */
  static final int FAILED = 1;

  static final int USAGE = 2;

  @Option(
      names = "--home",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "FedChain home (keystore, store, ledger). Default: $FEDCHAIN_HOME or ~/.fedchain")
  Path home;

  @Option(
      names = {"-v", "--verbose"},
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of errors.")
  boolean verbose;

  @Option(
      names = "--ledger",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Ledger URI: embedded:<file> (default: embedded:<home>/ledger.db).")
  String ledger;

  final Map<String, String> env;

  Main(Map<String, String> env) {
    this.env = env;
  }

  /** The home folder: --home, else $FEDCHAIN_HOME, else ~/.fedchain. */
  Path home() {
    if (home != null) {
      return home;
    }
    String h = env.get("FEDCHAIN_HOME");
    return h != null && !h.isBlank()
        ? Path.of(h)
        : Path.of(System.getProperty("user.home"), ".fedchain");
  }

  String ledgerUri() {
    if (ledger == null || ledger.equals("embedded")) {
      return "embedded:" + home().resolve("ledger.db");
    }
    return ledger;
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv()).execute(args));
  }

  static CommandLine commandLine(Map<String, String> env) {
    Main main = new Main(env);
    CommandLine cl = new CommandLine(main);
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          PrintWriter err = cmd.getErr();
          err.println("fedchain: error: " + message(e));
          if (main.verbose) {
            e.printStackTrace(err);
          }
          err.flush();
          return FAILED;
        });
    return cl;
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file: " + m;
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: " + m;
    }
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"fedchain " + (v == null ? "dev" : v)};
    }
  }
}
