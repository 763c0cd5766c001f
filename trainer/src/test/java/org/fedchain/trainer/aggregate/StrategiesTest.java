package org.fedchain.trainer.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    List<Tensor> g = Strategies.fedAvg().aggregate(List.of(client(3, 1, 10), client(1, 5, 2)));
    assertThat(w(g)).containsExactly(2f, 8f);
  }

  @Test
  void fedavg_applies_the_extra_weight_for_staleness() {
    Strategy.Input fresh = client(1, 0);
    Strategy.Input stale = new Strategy.Input(client(1, 4).tensors(), 1, 0.25);
    assertThat(w(Strategies.fedAvg().aggregate(List.of(fresh, stale)))).containsExactly(0.8f);
  }

  @Test
  void median_ignores_a_minority_of_huge_values() {
    List<Strategy.Input> in =
        List.of(client(1, 1), client(1, 2), client(1, 3), client(1, 1e6f), client(1, -1e6f));
    assertThat(w(Strategies.median().aggregate(in))).containsExactly(2f);
    assertThat(
            w(Strategies.fedAvg().aggregate(List.of(client(1, 1), client(1, 2), client(1, 1e6f))))[
                0])
        .isGreaterThan(1000f);
  }

  @Test
  void trimmed_mean_drops_both_tails() {
    List<Strategy.Input> in =
        List.of(client(1, 100), client(1, 1), client(1, 2), client(1, 3), client(1, -100));
    assertThat(w(Strategies.trimmedMean(0.2).aggregate(in))).containsExactly(2f);
  }

  @Test
  void krum_picks_a_client_inside_the_honest_cluster() {
    List<Strategy.Input> in = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      in.add(client(1, 1 + i * 0.01f, 1));
    }
    in.add(client(1, 50, -50));
    in.add(client(1, -40, 60));
    float[] chosen = w(Strategies.krum(2).aggregate(in));
    assertThat(chosen[0]).isBetween(1f, 1.06f);
    assertThatThrownBy(() -> Strategies.krum(3).aggregate(in))
        .hasMessageContaining("needs at least 9 clients");
  }

  @Test
  void mismatched_models_are_refused_naming_the_client() {
    assertThatThrownBy(() -> Strategies.fedAvg().aggregate(List.of(client(1, 1, 2), client(1, 1))))
        .hasMessageContaining("client 1");
  }

  @Test
  void parses_strategy_ids() {
    assertThat(Strategies.parse("trimmed-mean:0.1").id()).isEqualTo("trimmed-mean(0.1)");
    assertThat(Strategies.parse("krum:2").id()).isEqualTo("krum(2)");
    assertThatThrownBy(() -> Strategies.parse("mean"))
        .hasMessageContaining("unknown strategy 'mean'");
  }
}
