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

  @Option(
      names = "--replay",
      description =
          "Re-run each CHAINED and LOCAL update's training from its parent, on the data it commits"
              + " to (found among --data's shards), with its recorded settings, and require the"
              + " recorded model bit for bit.")
  boolean replay;

  @Option(
      names = "--data",
      paramLabel = "SOURCE",
      description = "--replay: the data the updates trained on (e.g. fashion-mnist).")
  String data;

  @Option(
      names = "--shards",
      defaultValue = "1",
      description =
          "--replay: also try the IID shards 1..N of --data (the partition nodes draw from the"
              + " default seed). Default: ${DEFAULT-VALUE}.")
  int shards;

  @Option(
      names = "--sample",
      defaultValue = "1",
      paramLabel = "P",
      description = "--replay: replay each update with probability P. Default: ${DEFAULT-VALUE}.")
  double sample;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (replay && data == null) {
      throw new IllegalArgumentException("--replay needs --data: the samples to replay on");
    }
    if (!(sample > 0 && sample <= 1) || shards < 1) {
      throw new IllegalArgumentException("--sample must be in (0, 1] and --shards at least 1");
    }
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
      boolean replayed = !replay || replay(audit, out);
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
      return replayed ? 0 : Main.FAILED;
    }
  }

  /** Replays the audited run's trainings; prints one line per update; whether none failed. */
  private boolean replay(RunAudit audit, PrintWriter out) throws Exception {
    java.util.Map<org.fedchain.core.Hash32, org.fedchain.trainer.Samples> candidates =
        new java.util.HashMap<>();
    var arch = runArchitecture(audit);
    for (int k = 1; k <= shards; k++) {
      org.fedchain.node.DataSpec d =
          shards == 1
              ? org.fedchain.node.DataSpec.parse(data)
              : new org.fedchain.node.DataSpec(data, k, shards, 0);
      org.fedchain.trainer.Samples s = d.load(arch.inputShape());
      candidates.put(s.commitment(), s);
    }
    var outcomes = org.fedchain.verifier.Replay.run(main.store(), audit, candidates, sample, 1);
    boolean ok = true;
    for (var o : outcomes) {
      out.printf(
          "replay seq %-3d %s %s: %s%n",
          o.update().receipt().seq(),
          o.update().updateId().hex().substring(0, 16),
          o.status(),
          o.detail());
      ok &= o.status() != org.fedchain.verifier.Replay.Status.FAILED;
    }
    out.println(
        (ok ? "replay OK: " : "replay FAILED: ")
            + outcomes.stream()
                .filter(o -> o.status() == org.fedchain.verifier.Replay.Status.PASSED)
                .count()
            + " of "
            + outcomes.size()
            + " replayed bit for bit");
    return ok;
  }

  /** The run's architecture, from its genesis manifest. */
  private org.fedchain.trainer.Architecture runArchitecture(RunAudit audit) throws Exception {
    var g = audit.updates().get(0).update();
    var m = org.fedchain.core.model.Manifest.parse(main.store().get(g.receipt().manifest()));
    return org.fedchain.trainer.Architectures.resolve(m.architecture(), main.store());
  }
}
