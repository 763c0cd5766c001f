package org.fedchain.verifier;

import java.util.List;
import org.fedchain.core.model.Tensor;
import org.fedchain.ledger.UpdateRecord;

/**
 * The result of checking one recorded update: empty {@code problems} means it verified.
 *
 * @param model the update's model tensors as read (hash-checked) from the store, so a caller that
 *     goes on to use the model need not read it again; empty if the model could not be read
 * @param layers for a STAGE update, the layers its manifest says it holds ({@code 0-2}); else empty
 */
public record UpdateCheck(
    UpdateRecord update, List<String> problems, List<Tensor> model, String layers) {
  public UpdateCheck {
    problems = List.copyOf(problems);
    model = List.copyOf(model);
    layers = layers == null ? "" : layers;
  }

  public UpdateCheck(UpdateRecord update, List<String> problems, List<Tensor> model) {
    this(update, problems, model, "");
  }

  public boolean ok() {
    return problems.isEmpty();
  }
}
