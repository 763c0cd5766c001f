package org.fedchain.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.fedchain.ledger.Ledger;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.AuditJson;
import org.fedchain.verifier.AuditReport;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain audit --run ID}: re-verifies every update of a run; non-zero exit names each
 * failure.
 */
@Command(
    name = "audit",
    description =
        "Verify every update of a run (signature, lineage, seq, model and manifest hashes; each"
            + " AGGREGATE recomputed from its inputs); exit 1 naming each failing update.")
final class AuditCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, description = "Run id.")
  String run;

  @Option(
      names = "--json",
      description =
          "Print, per update, its EIP-712 typed data and signature (verifiable by any EIP-712 tool).")
  boolean json;

  @Option(
      names = "--html",
      paramLabel = "FILE",
      description =
          "Also write the audit as one self-contained page: lineage graph, the metric over the"
              + " run, contributors and their reward by the run's rule, every check (failed ones"
              + " highlighted).")
  java.nio.file.Path html;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Ledger ledger = main.readLedger()) {
      RunAudit audit =
          AggregateReplay.recomputed(
              ledger, main.store(), new Verifier(ledger, main.store()).audit(Args.runId(run)));
      if (json) {
        out.println(AuditJson.write(audit, ledger.domain()));
      } else {
        audit.print(out);
      }
      if (html != null) {
        java.nio.file.Path tmp = html.resolveSibling(html.getFileName() + ".part");
        java.nio.file.Files.writeString(tmp, AuditReport.html(ledger, main.store(), audit));
        java.nio.file.Files.move(tmp, html, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        spec.commandLine().getErr().println("fedchain: audit page written to " + html);
      }
      if (!audit.ok()) {
        spec.commandLine()
            .getErr()
            .println(
                "fedchain: audit FAILED for "
                    + audit.failing().size()
                    + " update(s): "
                    + String.join(
                        ", ",
                        audit.failing().stream()
                            .map(
                                c ->
                                    "seq "
                                        + c.update().receipt().seq()
                                        + " "
                                        + c.update().updateId())
                            .toList()));
        return Main.FAILED;
      }
      return 0;
    }
  }
}
