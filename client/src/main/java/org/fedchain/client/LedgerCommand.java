package org.fedchain.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LogAudit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fedchain ledger verify}: re-checks the embedded ledger's hash-chained log. */
@Command(
    name = "ledger",
    description = "Inspect the ledger.",
    subcommands = {LedgerCommand.Verify.class, LedgerCommand.Info.class})
final class LedgerCommand {
  @ParentCommand Main main;

  @Command(
      name = "verify",
      description =
          "Recompute the embedded ledger's log hash chain and replay it; names the first broken entry.")
  static final class Verify implements Callable<Integer> {
    @ParentCommand LedgerCommand parent;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (Ledger ledger = parent.main.readLedger()) {
        if (!(ledger instanceof LogAudit audit)) {
          throw new IllegalArgumentException(
              "ledger "
                  + parent.main.ledgerUri()
                  + " has no local log to verify (only embedded ledgers do)");
        }
        return print(out, audit.auditLog()) ? 0 : Main.FAILED;
      }
    }
  }

  /**
   * Prints one line on the local log's audit: OK with its head, or BROKEN with the first problem.
   * Returns whether it is OK.
   */
  static boolean print(PrintWriter out, LogAudit.Report r) {
    out.println(
        r.ok()
            ? "ledger log OK: " + r.entries() + " entries, head " + r.head().hex()
            : "ledger log BROKEN after "
                + r.entries()
                + " good entries: "
                + r.firstProblem().get());
    return r.ok();
  }

  @Command(name = "info", description = "Print the ledger URI and its EIP-712 domain.")
  static final class Info implements Callable<Integer> {
    @ParentCommand LedgerCommand parent;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (Ledger ledger = parent.main.readLedger()) {
        var d = ledger.domain();
        out.println("ledger:             " + parent.main.ledgerUri());
        out.println("domain name:        " + d.name() + " v" + d.version());
        out.println("chainId:            " + d.chainId());
        out.println("verifyingContract:  " + d.verifyingContract());
      }
      return 0;
    }
  }
}
