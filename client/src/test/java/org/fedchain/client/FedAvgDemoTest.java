package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedchain demo --mode fedavg} end to end, small: MLP, few clients per round. */
class FedAvgDemoTest {
  @TempDir Path home;

  Cli.Result demo(String... args) {
    return Cli.run(
        Map.of(),
        List.of(
            "--home", home.toString(), "demo", "--dir=" + home.resolve("d" + System.nanoTime())),
        args);
  }

  @Test
  void synchronous_demo_prints_a_row_per_round_and_passes_the_audit() {
    Cli.Result r =
        demo(
            "--mode",
            "fedavg",
            "--in-process",
            "--arch",
            "mlp",
            "--clients",
            "20",
            "--fraction",
            "0.15",
            "--rounds",
            "2",
            "--strategy",
            "median",
            "--byzantine",
            "1:flip");
    assertThat(r.exit()).as("%s\n%s", r.out(), r.err()).isZero();
    assertThat(r.out())
        .contains("synchronous", "median", "recorded updates: {AGGREGATE=2, GENESIS=1, LOCAL=6}");
    assertThat(r.out()).containsPattern("(?m)^2 +3 ");
  }

  @Test
  void asynchronous_demo_runs_fedbuff_with_a_slow_client() {
    Cli.Result r =
        demo(
            "--mode",
            "fedavg",
            "--in-process",
            "--async",
            "--arch",
            "mlp",
            "--clients",
            "20",
            "--buffer",
            "2",
            "--rounds",
            "2",
            "--slow",
            "1",
            "--dirichlet",
            "0.5");
    assertThat(r.exit()).as("%s\n%s", r.out(), r.err()).isZero();
    assertThat(r.out()).contains("FedBuff K=2", "Dirichlet(0.5)", "AGGREGATE=2");
  }

  @Test
  void rejects_a_malformed_byzantine_option() {
    Cli.Result r = demo("--mode", "fedavg", "--in-process", "--byzantine", "two:flip");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("--byzantine must be N:scale or N:flip");
  }

  @Test
  void rejects_bad_local_training_settings_before_starting_any_process() {
    Cli.Result schedule = demo("--mode", "fedavg", "--local-schedule", "step");
    assertThat(schedule.exit()).isEqualTo(Main.FAILED);
    assertThat(schedule.err())
        .contains("unknown local schedule 'step'; expected constant or cosine");
    Cli.Result momentum = demo("--mode", "fedavg", "--momentum", "1");
    assertThat(momentum.exit()).isEqualTo(Main.FAILED);
    assertThat(momentum.err()).contains("momentum must be in [0, 1), got 1.0");
    Cli.Result decay = demo("--mode", "fedavg", "--weight-decay=-1");
    assertThat(decay.exit()).isEqualTo(Main.FAILED);
    assertThat(decay.err()).contains("weightDecay must be zero or positive, got -1.0");
    assertThat(schedule.out() + momentum.out() + decay.out()).doesNotContain("coordinator");
  }
}
