package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskTest {
  @Test
  void metrics_of_outputs_by_hand() {
    // three classes; predictions 0, 1, 1, 2 for labels 0, 1, 2, 2
    float[] logits = {5, 0, 0, 0, 5, 0, 0, 5, 0, 0, 0, 5};
    int[] labels = {0, 1, 2, 2};
    assertThat(Task.classify(Task.Metric.ACCURACY, logits, 3, labels)).isEqualTo(0.75);
    // F1: class 0 = 1, class 1 = 2*1/(2+1) = 2/3, class 2 = 2*1/(1+2) = 2/3
    assertThat(Task.classify(Task.Metric.MACRO_F1, logits, 3, labels))
        .isCloseTo((1 + 2.0 / 3 + 2.0 / 3) / 3, within(1e-12));
    float[] predicted = {1, 2, 4};
    float[] actual = {1, 1, 1};
    assertThat(Task.regress(Task.Metric.MAE, predicted, actual)).isEqualTo(4.0 / 3);
    assertThat(Task.regress(Task.Metric.RMSE, predicted, actual))
        .isCloseTo(Math.sqrt(10.0 / 3), within(1e-12));
    // an error becomes a gain by its negation, so "higher is better" holds everywhere
    assertThat(Task.Metric.MAE.gain(0.3)).isEqualTo(-0.3);
    assertThat(Task.Metric.ACCURACY.gain(0.8)).isEqualTo(0.8);
  }

  @Test
  void terms_come_from_a_manifest_and_must_fit_one_task() {
    assertThat(Task.Terms.of(Map.of()))
        .isEqualTo(new Task.Terms(Task.Loss.CROSS_ENTROPY, Task.Metric.ACCURACY));
    assertThat(Task.Terms.of(Map.of("loss", "mse", "metric", "rmse")))
        .isEqualTo(new Task.Terms(Task.Loss.MSE, Task.Metric.RMSE));
    assertThatThrownBy(() -> new Task.Terms(Task.Loss.MSE, Task.Metric.ACCURACY))
        .hasMessageContaining("loss mse and metric accuracy do not fit one task");
    assertThatThrownBy(() -> Task.Loss.parse("hinge"))
        .hasMessageContaining("unknown loss 'hinge'; expected cross_entropy, mse or mae");
    assertThat(Task.Terms.defaultFor(Architectures.get("fmnist-mlp/1")).metric())
        .isEqualTo(Task.Metric.ACCURACY);
  }
}
