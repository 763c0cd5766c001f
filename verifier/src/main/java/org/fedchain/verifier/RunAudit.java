package org.fedchain.verifier;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.CitationRecord;

/**
 * Every update of a run, checked, in seq order, and the people behind them besides the
 * contributors: the data owners each update cites and the genesis model's author, paid a royalty.
 *
 * @param citations by update id, the grants it cites (updates without any are absent)
 * @param modeler the genesis model's owner paid {@code royalty} basis points of each reward (zero:
 *     none)
 * @param author the author of the model spec the terms name, paid {@code specRoyalty} (zero: none)
 */
public record RunAudit(
    Hash32 runId,
    List<UpdateCheck> updates,
    Map<Hash32, List<CitationRecord>> citations,
    Address modeler,
    int royalty,
    Address author,
    int specRoyalty) {
  public RunAudit {
    updates = List.copyOf(updates);
    citations = Map.copyOf(citations);
  }

  /** An audit without data owners or author. */
  public RunAudit(Hash32 runId, List<UpdateCheck> updates) {
    this(runId, updates, Map.of(), Address.ZERO, 0, Address.ZERO, 0);
  }

  /** This audit with other checks (the same people behind them). */
  public RunAudit withUpdates(List<UpdateCheck> checks) {
    return new RunAudit(runId, checks, citations, modeler, royalty, author, specRoyalty);
  }

  private static String percent(int basisPoints) {
    return new BigDecimal(basisPoints).movePointLeft(2).stripTrailingZeros().toPlainString() + "%";
  }

  public boolean ok() {
    return updates.stream().allMatch(UpdateCheck::ok);
  }

  public List<UpdateCheck> failing() {
    return updates.stream().filter(c -> !c.ok()).toList();
  }

  /** The audit as people read it: a line per update, its problems under it, a verdict last. */
  public void print(java.io.PrintWriter out) {
    out.println("audit of run " + runId.hex());
    if (!modeler.isZero()) {
      out.println("  genesis model owner " + modeler + ": " + percent(royalty) + " of each reward");
    }
    if (!author.isZero()) {
      out.println(
          "  model spec author " + author + ": " + percent(specRoyalty) + " of each reward");
    }
    for (UpdateCheck c : updates) {
      var u = c.update();
      out.printf(
          "  seq %-3d %-9s %s model %s  %s%s%n",
          u.receipt().seq(),
          u.receipt().kind(),
          u.contributor(),
          u.receipt().model().hex().substring(0, 16),
          c.ok() ? "OK" : "FAIL",
          c.layers().isEmpty() ? "" : "  layers " + c.layers());
      for (CitationRecord d : citations.getOrDefault(u.updateId(), List.of())) {
        out.printf(
            "      data of %s: %d samples (grant %s)%n",
            d.owner(), d.samples(), d.grantId().hex().substring(0, 16));
      }
      for (String p : c.problems()) {
        out.println("      - " + p);
      }
    }
    out.println(ok() ? "audit OK: " + updates.size() + " updates verified" : "audit FAILED");
  }
}
