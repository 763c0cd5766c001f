package org.fedchain.client;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.fedchain.core.Address;
import org.fedchain.core.Hex;
import org.fedchain.wallet.Keystore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain wallet new|import|list|show|export-address}: Ethereum keystore V3 files under the
 * home.
 */
@Command(
    name = "wallet",
    description =
        "Create, import and list wallets (Ethereum keystore V3 files in <home>/keystore).",
    subcommands = {
      WalletCommand.New.class,
      WalletCommand.Import.class,
      WalletCommand.ListCmd.class,
      WalletCommand.Show.class,
      WalletCommand.ExportAddress.class
    })
final class WalletCommand {
  @ParentCommand Main main;

  Keystore keystore() {
    return Keystore.at(main.home().resolve("keystore"));
  }

  @Command(name = "new", aliases = "create", description = "Create a wallet with a new random key.")
  static final class New implements Callable<Integer> {
    @ParentCommand WalletCommand wallet;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Parameters(
        paramLabel = "NAME",
        description = "Name of the wallet (letters, digits, '_', '.', '-').")
    String name;

    @Option(
        names = "--light",
        description = "Cheaper scrypt (N=4096): opens fast, for demos and tests only.")
    boolean light;

    @Override
    public Integer call() throws Exception {
      char[] pw = passwords.readNew(wallet.main.env, "New password for wallet '" + name + "'");
      try {
        Address a =
            wallet.keystore().create(name, pw, light ? Keystore.Kdf.LIGHT : Keystore.Kdf.STANDARD);
        PrintWriter out = spec.commandLine().getOut();
        out.println("created wallet '" + name + "' " + a);
        out.println("keystore: " + wallet.keystore().dir().resolve(name + ".json"));
        return 0;
      } finally {
        Arrays.fill(pw, '\0');
      }
    }
  }

  @Command(
      name = "import",
      description = "Import a keystore V3 file (geth, ethers, web3j) or a raw private key.")
  static final class Import implements Callable<Integer> {
    @ParentCommand WalletCommand wallet;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Parameters(paramLabel = "NAME", description = "Name to store it under.")
    String name;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
      @Option(
          names = "--keystore",
          paramLabel = "FILE",
          description = "A keystore V3 JSON file; the password must open it.")
      Path keystore;

      @Option(
          names = "--private-key-file",
          paramLabel = "FILE",
          description =
              "A file holding a 64-hex-digit private key; it is encrypted with the password.")
      Path keyFile;
    }

    @Option(
        names = "--light",
        description = "With --private-key-file: cheaper scrypt, for demos and tests only.")
    boolean light;

    @Override
    public Integer call() throws Exception {
      char[] pw = passwords.read(wallet.main.env, "Password for wallet '" + name + "'");
      try {
        Address a;
        if (source.keystore != null) {
          a = wallet.keystore().importKeystore(name, Files.readAllBytes(source.keystore), pw);
        } else {
          byte[] key;
          try {
            key = Hex.decode(Files.readString(source.keyFile).strip());
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "private key file "
                    + source.keyFile
                    + " does not hold hex: expected 64 hex digits");
          }
          try {
            a =
                wallet
                    .keystore()
                    .importPrivateKey(
                        name, key, pw, light ? Keystore.Kdf.LIGHT : Keystore.Kdf.STANDARD);
          } finally {
            Arrays.fill(key, (byte) 0);
          }
        }
        spec.commandLine().getOut().println("imported wallet '" + name + "' " + a);
        return 0;
      } finally {
        Arrays.fill(pw, '\0');
      }
    }
  }

  @Command(name = "list", description = "List wallets with their addresses.")
  static final class ListCmd implements Callable<Integer> {
    @ParentCommand WalletCommand wallet;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      var entries = wallet.keystore().list();
      if (entries.isEmpty()) {
        out.println(
            "no wallets in "
                + wallet.keystore().dir()
                + " (create one with: fedchain wallet new NAME)");
      }
      for (Keystore.Entry e : entries) {
        out.printf(
            "%-20s %s%n",
            e.name(), e.address().isZero() ? "(unreadable: " + e.path() + ")" : e.address());
      }
      return 0;
    }
  }

  @Command(name = "show", description = "Show a wallet's address, file and key-derivation cost.")
  static final class Show implements Callable<Integer> {
    @ParentCommand WalletCommand wallet;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      Keystore.Entry e = wallet.keystore().entry(name);
      PrintWriter out = spec.commandLine().getOut();
      out.println("name:    " + e.name());
      out.println("address: " + e.address());
      out.println("file:    " + e.path());
      out.println("kdf:     " + e.kdf());
      return 0;
    }
  }

  @Command(name = "export-address", description = "Print only the wallet's address (for scripts).")
  static final class ExportAddress implements Callable<Integer> {
    @ParentCommand WalletCommand wallet;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      spec.commandLine().getOut().println(wallet.keystore().entry(name).address());
      return 0;
    }
  }
}
