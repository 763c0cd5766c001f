package org.fedchain.verifier;

import java.util.List;
import org.fedchain.core.Hash32;

/** Every update of a run, checked, in seq order. */
public record RunAudit(Hash32 runId, List<UpdateCheck> updates) {
  public RunAudit {
    updates = List.copyOf(updates);
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
      for (String p : c.problems()) {
        out.println("      - " + p);
      }
    }
    out.println(ok() ? "audit OK: " + updates.size() + " updates verified" : "audit FAILED");
  }
}
