package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Shapley values of games whose values are known in closed form. */
class ShapleyTest {
  static final Shapley.Options EXACT = new Shapley.Options(12, 1, 0, 1);

  @Test
  void an_additive_game_pays_each_player_its_own_value_exactly_and_by_sampling() {
    double[] own = {0.3, -0.1, 0.0, 0.25, 0.05};
    LongToDoubleFunction v =
        mask -> {
          double sum = 0;
          for (int i = 0; i < own.length; i++) {
            sum += (mask & (1L << i)) != 0 ? own[i] : 0;
          }
          return sum;
        };
    assertThat(Shapley.of(5, v, EXACT).values()).containsExactly(own, within(1e-12));
    Shapley.Result sampled = Shapley.of(5, v, new Shapley.Options(0, 2, 0, 3));
    assertThat(sampled.exact()).isFalse();
    assertThat(sampled.permutations()).isEqualTo(10);
    assertThat(sampled.values()).containsExactly(own, within(1e-12));
  }

  @Test
  void the_glove_game_gives_the_scarce_glove_two_thirds() {
    // player 0 holds the only left glove; 1 and 2 a right one each: a pair is worth 1
    LongToDoubleFunction v = mask -> (mask & 1) != 0 && (mask & 6) != 0 ? 1 : 0;
    assertThat(Shapley.of(3, v, EXACT).values())
        .containsExactly(new double[] {2.0 / 3, 1.0 / 6, 1.0 / 6}, within(1e-12));
  }

  @Test
  void exact_values_add_up_to_the_grand_coalition_and_each_coalition_is_evaluated_once() {
    Set<Long> seen = new HashSet<>();
    LongToDoubleFunction v =
        mask -> {
          assertThat(seen.add(mask)).as("coalition %s evaluated twice", mask).isTrue();
          return Math.sqrt(Long.bitCount(mask)) + ((mask & 8) != 0 ? -0.5 : 0);
        };
    Shapley.Result r = Shapley.of(7, v, EXACT);
    assertThat(r.evaluations()).isEqualTo(128);
    assertThat(java.util.Arrays.stream(r.values()).sum())
        .isCloseTo(Math.sqrt(7) - 0.5, within(1e-12));
    assertThat(r.values()[3]).isLessThan(r.values()[0]); // the one that subtracts
    assertThat(r.values()[0]).isCloseTo(r.values()[6], within(1e-12)); // symmetric players
  }

  @Test
  void sampling_a_large_game_pays_symmetric_players_alike_and_a_dummy_nothing() {
    // 10 alike players with diminishing returns, a dummy (11) and one that harms (10)
    int n = 12;
    LongToDoubleFunction v =
        mask -> {
          int good = Long.bitCount(mask & 0x3FF);
          return 1 - Math.pow(0.5, good) - ((mask & (1L << 10)) != 0 ? 0.1 : 0);
        };
    Shapley.Result r = Shapley.of(n, v, new Shapley.Options(10, 8, 0.01, 5));
    assertThat(r.exact()).isFalse();
    assertThat(r.permutations()).isEqualTo(96);
    assertThat(r.evaluations()).isLessThan(4096); // truncation and caching
    double mean = java.util.Arrays.stream(r.values(), 0, 10).average().orElseThrow();
    for (int i = 0; i < 10; i++) {
      assertThat(r.values()[i]).isCloseTo(mean, within(0.25 * mean));
    }
    assertThat(r.values()[10]).isLessThan(0);
    assertThat(r.values()[11]).isZero();
    // the exact answer for comparison
    Shapley.Result exact = Shapley.of(n, v, EXACT);
    assertThat(exact.values()[10]).isCloseTo(-0.1, within(1e-9));
    assertThat(mean).isCloseTo(exact.values()[0], within(0.1 * exact.values()[0]));
  }

  @Test
  void refuses_games_it_cannot_represent() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Shapley.of(63, m -> 0, EXACT))
        .hasMessageContaining("players must be 0..62");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Shapley.Options(10, 0, 0, 1))
        .hasMessageContaining("rounds");
  }
}
