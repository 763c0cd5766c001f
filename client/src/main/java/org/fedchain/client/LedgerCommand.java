package org.fedchain.client;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.LogAnchors;
import org.fedchain.ledger.LogAudit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain ledger verify|anchor|info}: re-checks the embedded ledger's hash-chained log,
 * against heads anchored on a chain too; anchors its head; prints the ledger's domain.
 */
@Command(
    name = "ledger",
    description = "Inspect the ledger.",
    subcommands = {
      LedgerCommand.Verify.class,
      LedgerCommand.AnchorCmd.class,
      LedgerCommand.Info.class
    })
final class LedgerCommand {
  @ParentCommand Main main;

  @Command(
      name = "verify",
      description =
          "Recompute the embedded ledger's log hash chain and replay it; names the first broken entry.")
  static final class Verify implements Callable<Integer> {
    @ParentCommand LedgerCommand parent;
    @Spec CommandSpec spec;

    @Option(
        names = "--anchors",
        paramLabel = "LEDGER_URI",
        description =
            "Also check the log against the heads anchored on this ledger ('ledger anchor'): a"
                + " log rewritten or truncated since is caught.")
    String anchors;

    @Option(
        names = "--anchored-by",
        split = ",",
        paramLabel = "WALLET|ADDRESS",
        description = "--anchors: whose anchors to trust (wallets of this home or addresses).")
    List<String> anchoredBy;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (anchors != null && (anchoredBy == null || anchoredBy.isEmpty())) {
        throw new IllegalArgumentException(
            "--anchors needs --anchored-by: anyone may anchor, so say whose anchors count");
      }
      try (Ledger ledger = parent.main.readLedger()) {
        LogAudit audit = local(ledger, parent.main);
        boolean ok = print(out, audit.auditLog());
        if (anchors == null) {
          return ok ? 0 : Main.FAILED;
        }
        try (Ledger chain = Ledgers.open(anchors)) {
          LogAnchors on = anchorsOf(chain, anchors);
          Hash32 log = LogAnchors.logId(ledger.domain());
          for (String who : anchoredBy) {
            Address a = parent.main.address(who);
            List<LogAnchors.Anchor> list = on.anchors(log, a);
            java.util.Optional<String> problem = LogAnchors.check(audit, list);
            out.println(
                problem.isEmpty()
                    ? "anchors by " + a + ": " + list.size() + " checked, OK"
                    : "anchors by " + a + ": FAILED: " + problem.get());
            ok &= problem.isEmpty();
            if (list.isEmpty()) {
              out.println("  (none found: nothing to check the log against)");
            }
          }
        }
        return ok ? 0 : Main.FAILED;
      }
    }
  }

  @Command(
      name = "anchor",
      description =
          "Record the embedded ledger's log head on another ledger (ethereum:...), so 'ledger verify"
              + " --anchors' later catches a rewritten or truncated local log.")
  static final class AnchorCmd implements Callable<Integer> {
    @ParentCommand LedgerCommand parent;
    @Spec CommandSpec spec;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "LEDGER_URI",
        description =
            "Where the head is recorded, e.g. ethereum:http://127.0.0.1:8545?registry=0x...")
    String to;

    @Option(
        names = "--wallet",
        required = true,
        description = "The anchorer: signs and pays for the transaction; verifiers name it.")
    String wallet;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (Ledger ledger = parent.main.readLedger()) {
        LogAudit.Report r = local(ledger, parent.main).auditLog();
        if (!r.ok()) {
          print(out, r);
          throw new IllegalStateException(
              "the local log is broken; anchoring it would vouch for the damage");
        }
        try (Ledger chain = Ledgers.open(to, parent.main.transactionSigner(wallet))) {
          Hash32 log = LogAnchors.logId(ledger.domain());
          anchorsOf(chain, to).anchor(log, r.entries(), r.head());
          out.println(
              "anchored log "
                  + log.hex()
                  + ": "
                  + r.entries()
                  + " entries, head "
                  + r.head().hex()
                  + ", on "
                  + to);
          return 0;
        }
      }
    }
  }

  private static LogAudit local(Ledger ledger, Main main) {
    if (!(ledger instanceof LogAudit audit)) {
      throw new IllegalArgumentException(
          "ledger " + main.ledgerUri() + " has no local log (only embedded ledgers do)");
    }
    return audit;
  }

  private static LogAnchors anchorsOf(Ledger chain, String uri) {
    if (!(chain instanceof LogAnchors a)) {
      throw new IllegalArgumentException(
          "ledger " + uri + " keeps no anchors (an ethereum: ledger does)");
    }
    return a;
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
