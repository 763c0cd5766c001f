package org.fedchain.verifier;

import java.util.List;
import org.fedchain.ledger.UpdateRecord;

/** The result of checking one recorded update: empty {@code problems} means it verified. */
public record UpdateCheck(UpdateRecord update, List<String> problems) {
  public UpdateCheck {
    problems = List.copyOf(problems);
  }

  public boolean ok() {
    return problems.isEmpty();
  }
}
