package org.fedchain.trainer;

import java.util.List;
import org.fedchain.core.model.Tensor;

/**
 * A stage as the pipeline that drives it sees it: a {@link StageTrainer} in this process, or one on
 * another node reached over the network. The methods are {@link StageTrainer}'s.
 */
public interface StageLink {
  float[] forward(long id, float[] x, int n);

  StageTrainer.LossResult lossBackward(long id, float[] x, int n, float[] y, float scale);

  float[] backward(long id, float[] gradient);

  void step();

  List<Tensor> tensors();
}
