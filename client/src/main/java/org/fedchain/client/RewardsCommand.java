package org.fedchain.client;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Signed;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.rules.Rules;
import org.fedchain.wallet.EthereumIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain rewards attest|claim|balance|mint}: validators score updates, contributors get
 * paid.
 */
@Command(
    name = "rewards",
    description = "Attest updates, claim VNX rewards, read balances.",
    subcommands = {
      RewardsCommand.CommitEval.class,
      RewardsCommand.Attest.class,
      RewardsCommand.Claim.class,
      RewardsCommand.Balance.class,
      RewardsCommand.Mint.class
    })
final class RewardsCommand {
  @ParentCommand Main main;

  static Hash32 updateId(String text) {
    try {
      return Hash32.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--update must be an update id of 64 hex digits (see 'fedchain audit'): "
              + e.getMessage());
    }
  }

  static Hash32 evalSet(String text) {
    try {
      return Hash32.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--eval-set must be the hash of your held-out set, 64 hex digits: " + e.getMessage());
    }
  }

  @Command(
      name = "commit-eval",
      description =
          "As a validator, record your commitment to a held-out set before the updates you will"
              + " score on it are recorded (the ledger refuses scores on an uncommitted set;"
              + " 'fedchain validate' does this itself).")
  static final class CommitEval implements Callable<Integer> {
    @ParentCommand RewardsCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Option(names = "--eval-set", required = true, description = "Hash of your held-out set.")
    String evalSet;

    @Option(names = "--wallet", required = true, description = "Your validator wallet.")
    String wallet;

    @Override
    public Integer call() throws Exception {
      Hash32 eval = evalSet(evalSet);
      Address me = parent.main.address(wallet);
      try (Ledger ledger = parent.main.openLedger()) {
        ledger.commit(Rules.commitment(eval, me));
        spec.commandLine().getOut().println("committed to eval set " + eval + " as " + me);
      }
      return 0;
    }
  }

  @Command(
      name = "attest",
      description =
          "As a validator of the run, sign and record your score of an update, evaluated on a"
              + " held-out set you committed to earlier (rewards commit-eval).")
  static final class Attest implements Callable<Integer> {
    @ParentCommand RewardsCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Option(names = "--update", required = true, description = "Update id.")
    String update;

    @Option(
        names = "--score",
        required = true,
        description =
            "Your score: the metric's gain in basis points, -10000 to 10000 (may be negative).")
    long score;

    @Option(names = "--wallet", required = true, description = "Your validator wallet.")
    String wallet;

    @Option(
        names = "--eval-set",
        required = true,
        description = "Hash of the held-out set you evaluated on, committed earlier.")
    String evalSet;

    @Option(
        names = "--report",
        paramLabel = "FILE",
        description = "Your evaluation report; its SHA-256 is recorded.")
    Path report;

    @Override
    public Integer call() throws Exception {
      Main main = parent.main;
      Hash32 id = updateId(update);
      Hash32 eval = evalSet(evalSet);
      Hash32 rep = report == null ? Hash32.ZERO : Hash32.sha256(Files.readAllBytes(report));
      EthereumIdentity me = main.unlock(wallet, passwords);
      try (Ledger ledger = main.openLedger()) {
        Attestation a = new Attestation(id, score, eval, rep);
        ledger.attest(new Signed<>(a, me.address(), me.signer().sign(a.digest(ledger.domain()))));
        spec.commandLine()
            .getOut()
            .println("attested update " + id + " with score " + score + " as " + me.address());
      }
      return 0;
    }
  }

  @Command(
      name = "claim",
      description = "Pay an attested update's reward to its contributor (anyone may send this).")
  static final class Claim implements Callable<Integer> {
    @ParentCommand RewardsCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--update", required = true, description = "Update id.")
    String update;

    @Override
    public Integer call() throws Exception {
      try (Ledger ledger = parent.main.openLedger()) {
        Hash32 id = updateId(update);
        BigInteger paid = ledger.claim(id);
        UpdateRecord u = ledger.update(id).orElseThrow();
        var terms = ledger.run(u.receipt().runId()).orElseThrow().config();
        // the parts as the ledger split them: royalties, data owners, the contributor the rest
        BigInteger cut = Rules.royalty(paid, terms.royalty());
        BigInteger specCut = Rules.royalty(paid, terms.specRoyalty());
        StringBuilder others = new StringBuilder();
        BigInteger own = paid.subtract(cut).subtract(specCut);
        if (cut.signum() > 0) {
          others.append(" and a royalty of ").append(BalanceCommand.vnx(cut));
          others.append(" VNX to ").append(terms.royaltyTo());
        }
        if (specCut.signum() > 0) {
          others.append(" and ").append(BalanceCommand.vnx(specCut)).append(" VNX to spec author ");
          others.append(ledger.authorOf(terms.spec()).map(Object::toString).orElse("?"));
        }
        for (var c : ledger.citations(id)) {
          own = own.subtract(c.paid());
          others.append(" and ").append(BalanceCommand.vnx(c.paid()));
          others.append(" VNX to data owner ").append(c.owner());
        }
        spec.commandLine()
            .getOut()
            .println("paid " + BalanceCommand.vnx(own) + " VNX to " + u.contributor() + others);
      }
      return 0;
    }
  }

  @Command(
      name = "balance",
      description = "VNX balance of a wallet or address, and the attestations of an update.")
  static final class Balance implements Callable<Integer> {
    @ParentCommand RewardsCommand parent;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "WALLET|ADDRESS")
    String who;

    @Override
    public Integer call() throws Exception {
      Address a = parent.main.address(who);
      try (Ledger ledger = parent.main.openLedger()) {
        spec.commandLine()
            .getOut()
            .println(a + " " + BalanceCommand.vnx(ledger.balance(a)) + " VNX");
      }
      return 0;
    }
  }

  @Command(
      name = "mint",
      description =
          "Create VNX for an account (the ledger's authority only: on Ethereum the token owner, on Fabric a minter organisation, on embedded the --sender wallet that minted first).")
  static final class Mint implements Callable<Integer> {
    @ParentCommand RewardsCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--to", required = true, description = "Wallet or address.")
    String to;

    @Option(names = "--amount", required = true, description = "VNX.")
    String amount;

    @Override
    public Integer call() throws Exception {
      Address a = parent.main.address(to);
      BigInteger wei = Args.vnx("--amount", amount);
      try (Ledger ledger = parent.main.openLedger()) {
        ledger.mint(a, wei);
        PrintWriter out = spec.commandLine().getOut();
        out.println(
            "minted "
                + BalanceCommand.vnx(wei)
                + " VNX to "
                + a
                + "; balance "
                + BalanceCommand.vnx(ledger.balance(a))
                + " VNX");
      }
      return 0;
    }
  }
}
