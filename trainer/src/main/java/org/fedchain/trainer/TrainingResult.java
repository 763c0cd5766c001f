package org.fedchain.trainer;

import java.util.List;
import org.fedchain.core.model.Tensor;

/**
 * What a local training produced: the new parameters (ready for {@link ModelCodec#write}) and the
 * metrics that go into the manifest.
 *
 * @param tensors the trained parameters, named as PyTorch names them
 * @param trainLoss mean loss over the batches of the last epoch
 * @param validation accuracy and loss on the held-out split, or null if none was held out
 * @param trainSamples samples trained on
 * @param steps optimizer steps taken
 * @param seconds wall-clock time of the training loop
 */
public record TrainingResult(
    List<Tensor> tensors,
    double trainLoss,
    Evaluation validation,
    int trainSamples,
    long steps,
    double seconds) {
  public TrainingResult {
    tensors = List.copyOf(tensors);
  }
}
