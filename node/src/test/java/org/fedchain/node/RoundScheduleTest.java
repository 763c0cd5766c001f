package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RoundScheduleTest {
  @Test
  void cosine_starts_at_the_full_rate_halves_midway_and_decays_without_reaching_zero() {
    RoundSchedule c = RoundSchedule.COSINE;
    assertThat(c.rate(0.1f, 1, 50)).isEqualTo(0.1f);
    assertThat(c.rate(0.1f, 26, 50)).isCloseTo(0.05f, within(1e-7f));
    float previous = Float.MAX_VALUE;
    for (int r = 1; r <= 50; r++) {
      float rate = c.rate(0.1f, r, 50);
      assertThat(rate).isLessThan(previous).isPositive();
      previous = rate;
    }
    // the last round: 0.1 * (1 + cos(49 pi / 50)) / 2
    assertThat(c.rate(0.1f, 50, 50)).isCloseTo(9.866e-5f, within(1e-8f));
  }

  @Test
  void constant_is_the_base_rate_in_every_round() {
    assertThat(RoundSchedule.CONSTANT.rate(0.05f, 1, 10)).isEqualTo(0.05f);
    assertThat(RoundSchedule.CONSTANT.rate(0.05f, 10, 10)).isEqualTo(0.05f);
  }

  @Test
  void rounds_outside_the_run_and_unknown_names_are_refused() {
    assertThatThrownBy(() -> RoundSchedule.COSINE.rate(0.1f, 51, 50))
        .hasMessage("round 51 is not in 1..50");
    assertThatThrownBy(() -> RoundSchedule.CONSTANT.rate(0.1f, 0, 50))
        .hasMessage("round 0 is not in 1..50");
    assertThat(RoundSchedule.parse("Cosine")).isEqualTo(RoundSchedule.COSINE);
    assertThatThrownBy(() -> RoundSchedule.parse("linear"))
        .hasMessage("unknown round schedule 'linear'; expected constant or cosine");
  }
}
