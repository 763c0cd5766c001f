package org.fedchain.trainer.aggregate;

import java.util.List;
import org.fedchain.core.model.Tensor;

/**
 * Combines client models into a new global model (the coordinator's only real computation in
 * data-parallel mode). Inputs are full models with identical tensor names, shapes and F32 dtype.
 *
 * <pre>{@code
 * List<Tensor> global = Strategies.fedAvg().aggregate(List.of(
 *     new Strategy.Input(clientA, 6000, 1.0), new Strategy.Input(clientB, 4000, 1.0)));
 * }</pre>
 */
public interface Strategy {
  /**
   * One client model.
   *
   * @param tensors the model
   * @param samples how many samples it was trained on (FedAvg weight)
   * @param weight an extra factor, e.g. FedBuff's staleness discount (1 for synchronous rounds)
   */
  record Input(List<Tensor> tensors, long samples, double weight) {
    public Input {
      tensors = List.copyOf(tensors);
      if (samples < 0 || !(weight >= 0)) {
        throw new IllegalArgumentException(
            "samples and weight must be non-negative, got " + samples + ", " + weight);
      }
    }
  }

  /** A short id for manifests and logs, e.g. {@code fedavg}, {@code trimmed-mean(0.2)}. */
  String id();

  List<Tensor> aggregate(List<Input> inputs);
}
