package org.fedchain.trainer.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.model.Tensor;
import org.junit.jupiter.api.Test;

class StrategiesTest {
  static Strategy.Input client(long samples, float... w) {
    return new Strategy.Input(
        List.of(Tensor.ofFloats("w", new long[] {w.length}, w)), samples, 1.0);
  }

  static float[] w(List<Tensor> ts) {
    return ts.get(0).floats();
  }

  @Test
  void fedavg_weights_by_sample_count() {
    List<Tensor> g =
        Strategies.fedAvg().aggregate(List.of(), List.of(client(3, 1, 10), client(1, 5, 2)));
    assertThat(w(g)).containsExactly(2f, 8f);
  }

  @Test
  void fedavg_applies_the_extra_weight_for_staleness() {
    Strategy.Input fresh = client(1, 0);
    Strategy.Input stale = new Strategy.Input(client(1, 4).tensors(), 1, 0.25);
    assertThat(w(Strategies.fedAvg().aggregate(List.of(), List.of(fresh, stale))))
        .containsExactly(0.8f);
  }

  @Test
  void median_ignores_a_minority_of_huge_values() {
    List<Strategy.Input> in =
        List.of(client(1, 1), client(1, 2), client(1, 3), client(1, 1e6f), client(1, -1e6f));
    assertThat(w(Strategies.median().aggregate(List.of(), in))).containsExactly(2f);
    assertThat(
            w(
                Strategies.fedAvg()
                    .aggregate(List.of(), List.of(client(1, 1), client(1, 2), client(1, 1e6f))))[0])
        .isGreaterThan(1000f);
  }

  @Test
  void trimmed_mean_drops_both_tails() {
    List<Strategy.Input> in =
        List.of(client(1, 100), client(1, 1), client(1, 2), client(1, 3), client(1, -100));
    assertThat(w(Strategies.trimmedMean(0.2).aggregate(List.of(), in))).containsExactly(2f);
  }

  @Test
  void krum_picks_a_client_inside_the_honest_cluster() {
    List<Strategy.Input> in = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      in.add(client(1, 1 + i * 0.01f, 1));
    }
    in.add(client(1, 50, -50));
    in.add(client(1, -40, 60));
    float[] chosen = w(Strategies.krum(2).aggregate(List.of(), in));
    assertThat(chosen[0]).isBetween(1f, 1.06f);
    assertThatThrownBy(() -> Strategies.krum(3).aggregate(List.of(), in))
        .hasMessageContaining("needs at least 9 clients");
  }

  @Test
  void mismatched_models_are_refused_naming_the_client() {
    assertThatThrownBy(
            () -> Strategies.fedAvg().aggregate(List.of(), List.of(client(1, 1, 2), client(1, 1))))
        .hasMessageContaining("client 1");
  }

  static Strategy.Input trained(long samples, long steps, double momentum, float... w) {
    return new Strategy.Input(
        List.of(Tensor.ofFloats("w", new long[] {w.length}, w)), samples, 1.0, steps, momentum);
  }

  static List<Tensor> model(float... w) {
    return List.of(Tensor.ofFloats("w", new long[] {w.length}, w));
  }

  @Test
  void fednova_normalises_each_change_by_its_step_count() {
    // p = (3/4, 1/4), a = (3, 1), sum p a = 2.5: 0 + 2.5 (3/4 x 1/3 + 1/4 x 5/1) = 3.75
    List<Tensor> g =
        Strategies.fedNova().aggregate(model(0), List.of(trained(3, 3, 0, 1), trained(1, 1, 0, 5)));
    assertThat(w(g)[0]).isCloseTo(3.75f, within(1e-6f));
  }

  @Test
  void fednova_is_fedavg_when_every_client_takes_the_same_steps() {
    List<Strategy.Input> in =
        List.of(trained(3, 40, 0.9, 1, 10), trained(1, 40, 0.9, 5, 2), trained(2, 40, 0.9, -1, 0));
    float[] nova = w(Strategies.fedNova().aggregate(model(0.5f, 0.5f), in));
    float[] avg = w(Strategies.fedAvg().aggregate(model(0.5f, 0.5f), in));
    assertThat(nova[0]).isCloseTo(avg[0], within(1e-5f));
    assertThat(nova[1]).isCloseTo(avg[1], within(1e-5f));
  }

  @Test
  void fednova_matches_the_global_model_by_tensor_name() {
    // a model file lists its tensors by name; a trainer's output is in layer order
    List<Tensor> global =
        List.of(
            Tensor.ofFloats("a", new long[] {1}, new float[] {1}),
            Tensor.ofFloats("b", new long[] {1}, new float[] {0}));
    Strategy.Input c =
        new Strategy.Input(
            List.of(
                Tensor.ofFloats("b", new long[] {1}, new float[] {2}),
                Tensor.ofFloats("a", new long[] {1}, new float[] {1})),
            1,
            1,
            5,
            0);
    List<Tensor> next = Strategies.fedNova().aggregate(global, List.of(c));
    assertThat(next.get(0).name()).isEqualTo("b");
    assertThat(w(next)).containsExactly(2f);
  }

  @Test
  void fednova_is_refused_for_asynchronous_runs() {
    assertThatThrownBy(() -> Strategies.checkAsync(Strategies.fedNova()))
        .hasMessageContaining("fednova needs every update trained from the current global model");
    Strategies.checkAsync(Strategies.fedAvg()); // FedBuff's own
    assertThatThrownBy(() -> Strategies.parse("fednova", true))
        .hasMessageContaining("fednova needs every update");
    assertThat(Strategies.parse("fednova", false).id()).isEqualTo("fednova");
    assertThat(Strategies.parse("krum:2", true).id()).isEqualTo("krum(2)");
  }

  @Test
  void fednova_counts_momentum_steps_as_pytorch_takes_them() {
    assertThat(Strategies.normalizer(1, 0.9)).isCloseTo(1, within(1e-12));
    assertThat(Strategies.normalizer(2, 0.9))
        .isCloseTo(1 + 1.9, within(1e-12)); // g, then g + 0.9 g
    assertThat(Strategies.normalizer(7, 0)).isEqualTo(7);
  }

  @Test
  void fednova_refuses_inputs_without_a_step_count_or_of_another_model() {
    assertThatThrownBy(
            () -> Strategies.fedNova().aggregate(model(0), List.of(client(1, 1), client(1, 2))))
        .hasMessageContaining("local step count");
    assertThatThrownBy(
            () -> Strategies.fedNova().aggregate(model(0, 0), List.of(trained(1, 1, 0, 1))))
        .hasMessageContaining("do not match the global model");
  }

  @Test
  void parses_strategy_ids() {
    assertThat(Strategies.parse("fednova").id()).isEqualTo("fednova");
    assertThat(Strategies.parse("trimmed-mean:0.1").id()).isEqualTo("trimmed-mean(0.1)");
    assertThat(Strategies.parse("krum:2").id()).isEqualTo("krum(2)");
    for (String id : List.of("fedavg", "fednova", "median", "trimmed-mean(0.1)", "krum(3)")) {
      assertThat(Strategies.parse(id).id()).isEqualTo(id); // a manifest's id reads back
    }
    assertThatThrownBy(() -> Strategies.parse("mean"))
        .hasMessageContaining("unknown strategy 'mean'");
  }

  @Test
  void a_counter_tensor_is_carried_from_the_global_model_and_the_rest_aggregated() {
    Tensor g = Tensor.ofFloats("0.weight", new long[] {2}, new float[] {0, 0});
    Tensor counter =
        Tensor.of(
            "0.num_batches_tracked", org.fedchain.core.model.DType.I64, new long[0], new byte[8]);
    List<Strategy.Input> in =
        List.of(
            new Strategy.Input(
                List.of(Tensor.ofFloats("0.weight", new long[] {2}, new float[] {1, 2}), counter),
                1,
                1),
            new Strategy.Input(
                List.of(Tensor.ofFloats("0.weight", new long[] {2}, new float[] {3, 4}), counter),
                1,
                1));
    List<Tensor> out = Strategies.aggregateModel(Strategies.fedAvg(), List.of(g, counter), in);
    assertThat(out).hasSize(2);
    assertThat(out.get(0).floats()).containsExactly(2, 3);
    assertThat(out.get(1)).isEqualTo(counter);
  }
}
