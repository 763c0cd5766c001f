package org.fedchain.verifier;

import java.util.List;
import org.fedchain.core.model.Tensor;
import org.fedchain.ledger.UpdateRecord;

/**
 * The result of checking one recorded update: empty {@code problems} means it verified.
 *
 * @param model the update's model tensors as read (hash-checked) from the store, so a caller that
 *     goes on to use the model need not read it again; empty if the model could not be read
 */
public record UpdateCheck(UpdateRecord update, List<String> problems, List<Tensor> model) {
  public UpdateCheck {
    problems = List.copyOf(problems);
    model = List.copyOf(model);
  }

  public boolean ok() {
    return problems.isEmpty();
  }
}
