package org.fedchain.trainer.aggregate;

import java.util.List;
import org.fedchain.core.model.Tensor;

/**
 * Combines client models into a new global model (the coordinator's only real computation in
 * data-parallel mode). Inputs are full models with identical tensor names, shapes and F32 dtype.
 *
 * <pre>{@code
 * List<Tensor> next = Strategies.fedAvg().aggregate(global, List.of(
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
   * @param steps the local optimizer steps that produced it (0 if unknown; FedNova needs it)
   * @param momentum the local SGD momentum (FedNova needs it)
   */
  record Input(List<Tensor> tensors, long samples, double weight, long steps, double momentum) {
    public Input {
      tensors = List.copyOf(tensors);
      if (samples < 0 || !(weight >= 0) || steps < 0 || !(momentum >= 0 && momentum < 1)) {
        throw new IllegalArgumentException(
            "samples, weight and steps must be non-negative and momentum in [0, 1), got "
                + samples
                + ", "
                + weight
                + ", "
                + steps
                + ", "
                + momentum);
      }
    }

    /** An input whose local training is not described (enough for all but FedNova). */
    public Input(List<Tensor> tensors, long samples, double weight) {
      this(tensors, samples, weight, 0, 0);
    }
  }

  /** A short id for manifests and logs, e.g. {@code fedavg}, {@code trimmed-mean(0.2)}. */
  String id();

  /**
   * @param global the global model the clients started from (only FedNova reads it)
   * @param inputs the client models
   */
  List<Tensor> aggregate(List<Tensor> global, List<Input> inputs);
}
