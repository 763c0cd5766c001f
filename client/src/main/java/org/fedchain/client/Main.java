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
      RunCommand.class,
      ModelCommand.class,
      ChainCommand.class,
      AuditCommand.class,
      WatchCommand.class,
      BalanceCommand.class,
      RewardsCommand.class,
      ValidateCommand.class,
      DataCommand.class,
      DeployCommand.class,
      NodeCommand.class,
      CoordinatorCommand.class,
      DemoCommand.class,
      ExampleCommand.class,
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
      description =
          "Ledger URI: embedded:<file> (default: embedded:<home>/ledger.db),"
              + " ethereum:<rpc url>?registry=<address> (printed by 'fedchain deploy') or"
              + " fabric:<peer host:port>?msp=<MSP id>&mspdir=<MSP folder>&tlsca=<peer TLS CA>"
              + "[&channel=fedchain&chaincode=fedchain] (printed by 'fedchain node fabric up').")
  String ledger;

  @Option(
      names = "--sender",
      scope = CommandLine.ScopeType.INHERIT,
      paramLabel = "WALLET",
      description =
          "Wallet that sends and pays for chain transactions (Ethereum) and signs mint orders (embedded: the first wallet to mint on a new ledger becomes its mint authority); receipts stay signed by their own wallets.")
  String sender;

  @Option(
      names = "--sender-password-file",
      scope = CommandLine.ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "Password of the --sender wallet (else FEDCHAIN_PASSWORD or a prompt).")
  Path senderPasswordFile;

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

  org.fedchain.wallet.Keystore keystore() {
    return org.fedchain.wallet.Keystore.at(home().resolve("keystore"));
  }

  org.fedchain.core.store.BlobStore store() throws java.io.IOException {
    return org.fedchain.core.store.BlobStore.open(home().resolve("store"));
  }

  /**
   * The ledger for a command that only reads it: an embedded ledger must exist already, so a
   * mistyped {@code --home} or {@code --ledger} is named instead of leaving an empty ledger there.
   */
  org.fedchain.ledger.Ledger readLedger() throws Exception {
    String uri = ledgerUri();
    if (uri.startsWith("embedded:")) {
      Path file = Path.of(uri.substring("embedded:".length()));
      if (!java.nio.file.Files.exists(file)) {
        throw new IllegalArgumentException(
            "no ledger at "
                + file
                + ": nothing has been recorded there (wrong --home or --ledger?)");
      }
    }
    return org.fedchain.ledger.Ledgers.open(uri);
  }

  org.fedchain.ledger.Ledger openLedger() throws Exception {
    return org.fedchain.ledger.Ledgers.open(
        ledgerUri(), sender == null ? null : transactionSigner(sender));
  }

  /**
   * A wallet as the account that sends chain transactions; the password comes as for any wallet.
   */
  org.fedchain.ledger.TransactionSigner transactionSigner(String wallet) throws Exception {
    Passwords p = new Passwords();
    p.passwordFile = senderPasswordFile;
    return asSender(unlock(wallet, p));
  }

  /** An unlocked wallet as a ledger's transaction sender (and, on embedded, mint authority). */
  static org.fedchain.ledger.TransactionSigner asSender(org.fedchain.wallet.EthereumIdentity id) {
    return new org.fedchain.ledger.TransactionSigner() {
      @Override
      public org.fedchain.core.Address address() {
        return id.address();
      }

      @Override
      public byte[] sign(org.fedchain.core.Hash32 digest) {
        return id.signer().sign(digest);
      }
    };
  }

  /** A wallet name of the home's keystore, or an address. */
  org.fedchain.core.Address address(String who) throws Exception {
    return who.startsWith("0x")
        ? org.fedchain.core.Address.parse(who)
        : keystore().entry(who).address();
  }

  /** Unlocks a wallet of the home's keystore with a password from the given source. */
  org.fedchain.wallet.EthereumIdentity unlock(String wallet, Passwords passwords) throws Exception {
    char[] pw = passwords.read(env, "Password for wallet '" + wallet + "'");
    try {
      return keystore().unlock(wallet, pw);
    } finally {
      java.util.Arrays.fill(pw, '\0');
    }
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv()).execute(args));
  }

  static CommandLine commandLine(Map<String, String> env) {
    Main main = new Main(env);
    CommandLine cl = new CommandLine(main);
    addHelpOptions(cl);
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

  /** {@code -h/--help} on every subcommand, as users expect. */
  private static void addHelpOptions(CommandLine cl) {
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (!sub.getCommandSpec().mixinStandardHelpOptions()) {
        sub.getCommandSpec().mixinStandardHelpOptions(true);
      }
      addHelpOptions(sub);
    }
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
