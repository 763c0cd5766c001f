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
}
