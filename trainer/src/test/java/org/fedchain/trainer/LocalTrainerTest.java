package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.Tensor;
import org.junit.jupiter.api.Test;

class LocalTrainerTest {
  private final Architecture cnn = Architectures.get("fmnist-cnn/1");
  private final Architecture mlp = Architectures.get("fmnist-mlp/1");

  @Test
  void same_seed_and_threads_give_byte_identical_model_files() {
    Samples shard = RealData.train().slice(0, 1000);
    TrainingConfig config = TrainingConfig.builder().seed(99).build();
    Hash32 first = Hash32.sha256(ModelCodec.write(train(cnn, 1, shard, config).tensors()));
    Hash32 second = Hash32.sha256(ModelCodec.write(train(cnn, 1, shard, config).tensors()));
    Hash32 otherSeed =
        Hash32.sha256(
            ModelCodec.write(train(cnn, 1, shard, config.toBuilder().seed(100).build()).tensors()));
    assertThat(second).isEqualTo(first);
    assertThat(otherSeed).isNotEqualTo(first);
  }

  @Test
  void an_lstm_learns_a_regression_judged_by_its_error() {
    Architecture lstm =
        Architecture.of(
            ModelSpec.parse(
                ("{\"format\":\"fedchain-model/1\",\"input\":[8,1],\"output\":1,\"layers\":["
                        + "{\"type\":\"lstm\",\"hidden\":16},{\"type\":\"dense\",\"out\":1}]}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    // next value of a sine from the eight before it
    int n = 512;
    float[] x = new float[n * 8];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 8; k++) {
        x[i * 8 + k] = (float) Math.sin(0.3 * (i + k));
      }
      y[i] = (float) Math.sin(0.3 * (i + 8));
    }
    Samples s = Samples.regression(new long[] {8, 1}, x, new long[] {1}, y);
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(20)
            .batchSize(32)
            .learningRate(0.05f)
            .loss(Task.Loss.MSE)
            .metric(Task.Metric.MAE)
            .validationFraction(0)
            .seed(1)
            .build();
    var start = lstm.initialTensors(1, Architecture.Init.PYTORCH);
    Evaluation before = LocalTrainer.evaluate(lstm, start, s, config);
    TrainingResult r = LocalTrainer.train(lstm, start, s, config, ProgressListener.NONE);
    Evaluation after = LocalTrainer.evaluate(lstm, r.tensors(), s, config);
    assertThat(after.metric()).isEqualTo(Task.Metric.MAE);
    assertThat(after.value()).isLessThan(before.value() / 4).isLessThan(0.1);
    assertThat(after.gain()).isEqualTo(-after.value());
    // class labels with a regression loss do not fit: named, before any training
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                LocalTrainer.train(
                    mlp,
                    mlp.initialTensors(1),
                    RealData.train().slice(0, 10),
                    config,
                    ProgressListener.NONE))
        .hasMessageContaining("the samples have class labels but the loss is mse");
  }

  @Test
  void frozen_tensors_stay_bit_for_bit_while_the_rest_learns() {
    Samples shard = RealData.train().slice(0, 300);
    List<org.fedchain.core.model.Tensor> start = cnn.initialTensors(4);
    List<String> features = List.of("0.weight", "0.bias", "3.weight", "3.bias");
    TrainingConfig config =
        TrainingConfig.builder().epochs(1).seed(4).weightDecay(1e-4f).frozen(features).build();
    List<org.fedchain.core.model.Tensor> after =
        LocalTrainer.train(cnn, start, shard, config, ProgressListener.NONE).tensors();
    for (int i = 0; i < start.size(); i++) {
      if (features.contains(start.get(i).name())) {
        assertThat(after.get(i)).as(start.get(i).name()).isEqualTo(start.get(i));
      } else {
        assertThat(after.get(i)).as(start.get(i).name()).isNotEqualTo(start.get(i));
      }
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                LocalTrainer.train(
                    cnn,
                    start,
                    shard,
                    config.toBuilder().frozen(List.of("99.weight")).build(),
                    ProgressListener.NONE))
        .hasMessageContaining("cannot freeze [99.weight]");
  }

  @Test
  void adam_training_is_deterministic_too() {
    Samples shard = RealData.train().slice(0, 500);
    TrainingConfig config =
        TrainingConfig.builder()
            .optimizer(TrainingConfig.Optimizer.ADAM)
            .learningRate(1e-3f)
            .seed(5)
            .build();
    assertThat(train(mlp, 2, shard, config).tensors())
        .containsExactlyElementsOf(train(mlp, 2, shard, config).tensors());
  }

  @Test
  void short_training_on_real_slice_beats_chance_by_far() {
    Samples shard = RealData.train().slice(0, 2000);
    Samples test = RealData.test().slice(0, 2000);
    List<Tensor> start = cnn.initialTensors(1);
    double before = LocalTrainer.evaluate(cnn, start, test).accuracy();
    TrainingResult r = train(cnn, 1, shard, TrainingConfig.builder().batchSize(16).seed(1).build());
    Evaluation after = LocalTrainer.evaluate(cnn, r.tensors(), test);
    assertThat(before).isLessThan(0.25);
    assertThat(after.accuracy()).isGreaterThan(0.6);
    assertThat(after.loss()).isLessThan(Math.log(10));
    assertThat(r.trainSamples()).isEqualTo(1800);
    assertThat(r.steps()).isEqualTo(113); // ceil(1800 / 16)
    assertThat(r.validation().samples()).isEqualTo(200);
    assertThat(r.validation().accuracy()).isGreaterThan(0.5);
    assertThat(r.trainLoss()).isLessThan(Math.log(10));
    assertThat(r.seconds()).isPositive();
  }

  @Test
  void continues_from_the_given_start_model() {
    Samples shard = RealData.train().slice(0, 2000);
    Samples test = RealData.test().slice(0, 1000);
    TrainingConfig config = TrainingConfig.builder().seed(2).validationFraction(0).build();
    TrainingResult once =
        LocalTrainer.train(mlp, mlp.initialTensors(3), shard, config, ProgressListener.NONE);
    TrainingResult twice =
        LocalTrainer.train(
            mlp, once.tensors(), RealData.train().slice(2000, 4000), config, ProgressListener.NONE);
    assertThat(once.validation()).isNull();
    assertThat(LocalTrainer.evaluate(mlp, twice.tensors(), test).loss())
        .isLessThan(LocalTrainer.evaluate(mlp, once.tensors(), test).loss());
  }

  @Test
  void listener_sees_every_step_in_order() {
    List<long[]> calls = new ArrayList<>();
    TrainingConfig config =
        TrainingConfig.builder().epochs(2).batchSize(50).validationFraction(0.2).build();
    LocalTrainer.train(
        mlp,
        mlp.initialTensors(1),
        RealData.train().slice(0, 300), // 240 to train: 5 steps per epoch, the last of 40
        config,
        (epoch, step, total, loss) -> {
          assertThat(loss).isPositive();
          calls.add(new long[] {epoch, step, total});
        });
    assertThat(calls).hasSize(10);
    assertThat(calls.get(0)).containsExactly(1, 1, 10);
    assertThat(calls.get(5)).containsExactly(2, 6, 10);
    assertThat(calls.get(9)).containsExactly(2, 10, 10);
  }

  @Test
  void logits_computed_on_another_thread_are_identical() throws Exception {
    List<Tensor> model = cnn.initialTensors(4);
    Samples images = RealData.test().slice(0, 200);
    float[] here = LocalTrainer.logits(cnn, model, images);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      float[] there = pool.submit(() -> LocalTrainer.logits(cnn, model, images)).get();
      assertThat(there).isEqualTo(here);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void rejects_start_model_of_the_wrong_architecture() {
    assertThatThrownBy(
            () ->
                LocalTrainer.train(
                    cnn,
                    mlp.initialTensors(1),
                    RealData.train().slice(0, 10),
                    TrainingConfig.defaults(),
                    ProgressListener.NONE))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("fmnist-cnn/1");
  }

  @Test
  void balanced_softmax_leaves_the_classes_a_shard_lacks_alone() {
    // a shard of classes 0 and 1 only: the plain loss pushes the other eight logits down, the
    // balanced one gives them (almost exactly) no gradient, so their output rows stay put
    Samples all = RealData.train().slice(0, 2000);
    int[] twoClasses = IntStream.range(0, all.size()).filter(i -> all.label(i) < 2).toArray();
    Samples shard = all.subset(twoClasses);
    List<Tensor> start = mlp.initialTensors(4);
    TrainingConfig plain =
        TrainingConfig.builder()
            .learningRate(0.05f)
            .momentum(0)
            .schedule(TrainingConfig.Schedule.CONSTANT)
            .validationFraction(0)
            .seed(3)
            .build();
    TrainingConfig balanced = plain.toBuilder().balancedSoftmax(1).build();
    TrainingConfig half = plain.toBuilder().balancedSoftmax(0.5f).build();
    List<Tensor> afterPlain =
        LocalTrainer.train(mlp, start, shard, plain, ProgressListener.NONE).tensors();
    List<Tensor> afterBalanced =
        LocalTrainer.train(mlp, start, shard, balanced, ProgressListener.NONE).tensors();
    List<Tensor> afterHalf =
        LocalTrainer.train(mlp, start, shard, half, ProgressListener.NONE).tensors();
    double plainMove = outputRowsMove(start, afterPlain);
    double balancedMove = outputRowsMove(start, afterBalanced);
    assertThat(shard.size()).isGreaterThan(300);
    assertThat(plainMove).isGreaterThan(1e-2);
    assertThat(balancedMove).isLessThan(1e-6);
    // tau 0.5 halves the offsets: an absent class's, 0.5 * log(1e-12 / n), still silences it,
    // while the two present classes' offsets differ from tau 1's, so training does too
    assertThat(outputRowsMove(start, afterHalf)).isLessThan(1e-4);
    assertThat(Hash32.sha256(ModelCodec.write(afterHalf)))
        .isNotEqualTo(Hash32.sha256(ModelCodec.write(afterBalanced)));
    // the classes it has are still learned (an absent class's raw logit may still win some)
    assertThat(LocalTrainer.evaluate(mlp, afterBalanced, shard).accuracy()).isGreaterThan(0.7);
    assertThat(LocalTrainer.evaluate(mlp, afterHalf, shard).accuracy()).isGreaterThan(0.7);
    assertThat(half.toString()).contains("balancedSoftmax=0.5");
  }

  @Test
  void balanced_softmax_tau_outside_zero_to_one_is_refused() {
    TrainingConfig.Builder b = TrainingConfig.builder();
    for (float tau : new float[] {-0.1f, 1.5f, Float.NaN}) {
      assertThatThrownBy(() -> b.balancedSoftmax(tau))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tau must be in [0, 1]");
    }
  }

  /** The largest change of the last layer's weights and biases of classes 2-9. */
  private static double outputRowsMove(List<Tensor> before, List<Tensor> after) {
    double max = 0;
    for (int t = before.size() - 2; t < before.size(); t++) {
      float[] a = before.get(t).floats();
      float[] b = after.get(t).floats();
      int perClass = a.length / Samples.CLASSES;
      for (int i = 2 * perClass; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i] - b[i]));
      }
    }
    return max;
  }

  @Test
  void weight_decay_adds_decay_times_weight_to_the_gradient() {
    // one step (64 samples, batch 64, no hold-out) from the same start: the gradient is the same
    // with and without decay, so the two results differ by exactly lr * wd * w0
    Samples shard = RealData.train().slice(0, 64);
    List<Tensor> start = mlp.initialTensors(4);
    float lr = 0.1f;
    float wd = 0.5f;
    TrainingConfig plain =
        TrainingConfig.builder()
            .learningRate(lr)
            .momentum(0)
            .schedule(TrainingConfig.Schedule.CONSTANT)
            .validationFraction(0)
            .build();
    List<Tensor> without =
        LocalTrainer.train(mlp, start, shard, plain, ProgressListener.NONE).tensors();
    List<Tensor> with =
        LocalTrainer.train(
                mlp, start, shard, plain.toBuilder().weightDecay(wd).build(), ProgressListener.NONE)
            .tensors();
    for (int t = 0; t < start.size(); t++) {
      float[] w0 = start.get(t).floats();
      float[] a = without.get(t).floats();
      float[] b = with.get(t).floats();
      for (int i = 0; i < w0.length; i++) {
        assertThat(a[i] - b[i])
            .as("tensor %d [%d]", t, i)
            .isCloseTo(lr * wd * w0[i], within(1e-5f));
      }
    }
    assertThat(with).isNotEqualTo(without);
    assertThatThrownBy(() -> TrainingConfig.builder().weightDecay(-1e-5f))
        .hasMessage("weightDecay must be zero or positive, got -1.0E-5");
  }

  @Test
  void config_builder_names_the_bad_value() {
    assertThatThrownBy(() -> TrainingConfig.builder().batchSize(0))
        .hasMessage("batchSize must be at least 1, got 0");
    assertThatThrownBy(() -> TrainingConfig.builder().learningRate(Float.NaN))
        .hasMessage("learningRate must be positive, got NaN");
    assertThatThrownBy(() -> TrainingConfig.builder().validationFraction(1))
        .hasMessage("validationFraction must be in [0, 1), got 1.0");
    assertThat(TrainingConfig.Schedule.parse("constant"))
        .isEqualTo(TrainingConfig.Schedule.CONSTANT);
    assertThat(TrainingConfig.Schedule.parse("COSINE")).isEqualTo(TrainingConfig.Schedule.COSINE);
    assertThatThrownBy(() -> TrainingConfig.Schedule.parse("step"))
        .hasMessage("unknown local schedule 'step'; expected constant or cosine");
  }

  private static TrainingResult train(
      Architecture arch, long initSeed, Samples shard, TrainingConfig c) {
    return LocalTrainer.train(arch, arch.initialTensors(initSeed), shard, c, ProgressListener.NONE);
  }
}
