package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.model.Tensor;
import org.junit.jupiter.api.Test;

/** Model parallelism in one process: stages of a real CNN trained on real Fashion-MNIST. */
class PipelineTest {
  private final Architecture cnn = Architectures.get("fmnist-cnn/1");
  private final TrainingConfig config =
      TrainingConfig.builder().epochs(1).batchSize(32).learningRate(0.05f).seed(3).build();

  private List<Tensor> pipeline(Stages cut, Samples data, int micro, TrainingConfig c) {
    List<Tensor> start = cnn.initialTensors(7);
    long steps = Pipeline.totalSteps(data.size(), c);
    List<StageTrainer> stages = new ArrayList<>();
    try {
      for (int k = 0; k < cut.count(); k++) {
        stages.add(
            StageTrainer.open(
                cut.architecture(cnn, k),
                cut.toStage(start, k),
                k == 0,
                k == cut.count() - 1,
                c.toBuilder().frozen(cut.namesInStage(c.frozen(), k)).build(),
                steps));
      }
      Pipeline.Result r = Pipeline.train(cnn, stages, data, c, micro, ProgressListener.NONE);
      assertThat(r.steps()).isEqualTo(steps);
      List<List<Tensor>> parts = new ArrayList<>();
      stages.forEach(s -> parts.add(s.tensors()));
      return cut.restack(parts);
    } finally {
      stages.forEach(StageTrainer::close);
    }
  }

  private static float maxDifference(List<Tensor> a, List<Tensor> b) {
    float max = 0;
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).name()).isEqualTo(b.get(i).name());
      float[] x = a.get(i).floats();
      float[] y = b.get(i).floats();
      for (int j = 0; j < x.length; j++) {
        max = Math.max(max, Math.abs(x[j] - y[j]));
      }
    }
    return max;
  }

  @Test
  void two_and_three_stages_train_bit_for_bit_as_one_node() {
    Samples data = RealData.train().slice(0, 320);
    List<Tensor> alone =
        LocalTrainer.train(cnn, cnn.initialTensors(7), data, config, ProgressListener.NONE)
            .tensors();

    List<Tensor> two = pipeline(Stages.parse("0-5,6-", 12), data, 1, config);
    List<Tensor> three = pipeline(Stages.parse("0-2,3-7,8-", 12), data, 1, config);

    assertThat(two).isEqualTo(alone);
    assertThat(three).isEqualTo(alone);
    assertThat(alone).isNotEqualTo(cnn.initialTensors(7)); // it trained
  }

  @Test
  void micro_batches_add_up_to_the_mini_batch_within_float_rounding() {
    Samples data = RealData.train().slice(0, 320);
    List<Tensor> alone =
        LocalTrainer.train(cnn, cnn.initialTensors(7), data, config, ProgressListener.NONE)
            .tensors();

    List<Tensor> micro = pipeline(Stages.parse("0-5,6-", 12), data, 4, config);

    float diff = maxDifference(micro, alone);
    assertThat(diff).isLessThan(1e-5f); // 3.5e-7 measured: the order of float additions
    assertThat(micro).isNotEqualTo(cnn.initialTensors(7));
  }

  @Test
  void frozen_tensors_stay_as_they_were_in_their_stage() {
    Samples data = RealData.train().slice(0, 96);
    TrainingConfig frozen = config.toBuilder().frozen(List.of("0.weight", "0.bias")).build();
    List<Tensor> start = cnn.initialTensors(7);

    List<Tensor> out = pipeline(Stages.parse("0-5,6-", 12), data, 1, frozen);

    assertThat(out.get(0)).isEqualTo(start.get(0));
    assertThat(out.get(1)).isEqualTo(start.get(1));
    assertThat(out.get(2)).isNotEqualTo(start.get(2));
  }

  @Test
  void stage_ranges_must_cover_every_layer_once_in_order() {
    assertThat(Stages.parse("0-3,4-7,8-", 12).toString()).isEqualTo("0-3,4-7,8-11");
    assertThat(Stages.even(3, 12)).isEqualTo(Stages.parse("0-3,4-7,8-11", 12));
    assertThatThrownBy(() -> Stages.parse("0-3,5-", 12))
        .hasMessageContaining("range '5-' starts at layer 5, expected 4");
    assertThatThrownBy(() -> Stages.parse("0-3,4-7", 12))
        .hasMessageContaining("layers 8..11 are in no stage");
    assertThatThrownBy(() -> Stages.parse("0-,4-", 12))
        .hasMessageContaining("only the last range may be open");
    assertThatThrownBy(() -> Stages.parse("0-20", 12)).hasMessageContaining("outside layers 0..11");
    assertThatThrownBy(() -> Stages.parse("a-b", 12)).hasMessageContaining("not a layer range");
    assertThatThrownBy(() -> Stages.even(13, 12)).hasMessageContaining("13 stages");
  }

  @Test
  void a_stage_is_a_spec_of_its_layers_named_from_its_first() {
    Stages cut = Stages.parse("0-5,6-", 12);
    Architecture second = cut.architecture(cnn, 1);
    assertThat(second.inputShape()).containsExactly(16, 4, 4);
    assertThat(second.tensors().get(0).name()).isEqualTo("1.weight"); // layer 7's
    List<Tensor> start = cnn.initialTensors(7);
    assertThat(cut.toStage(start, 1).get(0).name()).isEqualTo("1.weight");
    assertThat(cut.restack(List.of(cut.toStage(start, 0), cut.toStage(start, 1)))).isEqualTo(start);
  }
}
