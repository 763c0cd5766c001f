package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.ModelCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code fedchain demo --mode fedavg} end to end, small: MLP, few clients per round. */
class FedAvgDemoTest {
  @TempDir Path home;

  Cli.Result demo(String... args) {
    return demoIn(home.resolve("d" + System.nanoTime()), args);
  }

  Cli.Result demoIn(Path dir, String... args) {
    return Cli.run(Map.of(), List.of("--home", home.toString(), "demo", "--dir=" + dir), args);
  }

  @Test
  void synchronous_demo_prints_a_row_per_round_and_passes_the_audit() throws Exception {
    Path dir = home.resolve("sync");
    Cli.Result r =
        demoIn(
            dir,
            "--init",
            "pytorch",
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
    // --init pytorch: the genesis is PyTorch's initialisation from the training seed (1)
    Matcher run = Pattern.compile("run id: ([0-9a-f]{64})").matcher(r.out());
    assertThat(run.find()).isTrue();
    try (Ledger l = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      assertThat(l.updates(Hash32.parse(run.group(1))).get(0).receipt().model())
          .isEqualTo(
              Hash32.sha256(
                  ModelCodec.write(
                      Architectures.get("fmnist-mlp/1")
                          .initialTensors(1, Architecture.Init.PYTORCH))));
    }
  }

  @Test
  void a_fednova_run_passes_the_cli_audit_which_recomputes_each_aggregate() {
    Cli.Result r =
        demo(
            "--mode",
            "fedavg",
            "--in-process",
            "--arch",
            "mlp",
            "--clients",
            "10",
            "--fraction",
            "0.3",
            "--rounds",
            "2",
            "--dirichlet",
            "0.5",
            "--strategy",
            "fednova");
    assertThat(r.exit()).as("%s\n%s", r.out(), r.err()).isZero();
    Matcher next =
        Pattern.compile(
                "next: +\\./fedchain --home (\\S+) --ledger '([^']+)' audit --run ([0-9a-f]{64})")
            .matcher(r.out());
    assertThat(next.find()).as(r.out()).isTrue();
    Cli.Result audit =
        Cli.run(
            Map.of(),
            List.of("--home", next.group(1), "--ledger", next.group(2)),
            "audit",
            "--run",
            next.group(3));
    assertThat(audit.exit()).as("%s\n%s", audit.out(), audit.err()).isZero();
    assertThat(audit.out()).contains("AGGREGATE", "audit OK: 9 updates verified");

    Cli.Result async = demo("--mode", "fedavg", "--in-process", "--async", "--strategy", "fednova");
    assertThat(async.exit()).isEqualTo(Main.FAILED);
    assertThat(async.err())
        .contains("fednova needs every update trained from the current global model");
  }

  @Test
  void the_process_demo_refuses_bad_settings_before_it_starts_anything() {
    for (String[] bad :
        List.of(
            new String[] {"--rounds", "0", "--rounds must be >= 1, got 0"},
            new String[] {"--fraction", "0", "--fraction must be in (0, 1], got 0.0"},
            new String[] {"--strategy", "fednova", "fednova needs every update trained from"})) {
      Path dir = home.resolve("refused");
      Cli.Result r = demoIn(dir, "--mode", "fedavg", "--async", bad[0], bad[1]);
      assertThat(r.exit()).as(r.err()).isEqualTo(Main.FAILED);
      assertThat(r.err()).contains(bad[2]).doesNotContain("process exited");
      assertThat(dir).doesNotExist();
    }
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
    assertThat(r.err())
        .contains("--byzantine must be N:scale, N:flip, N:free-ride or N:label-flip");
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
    Cli.Result init = demo("--mode", "fedavg", "--init", "xavier");
    assertThat(init.exit()).isEqualTo(Main.FAILED);
    assertThat(init.err()).contains("unknown initialisation 'xavier'; expected kaiming or pytorch");
    Cli.Result alpha = demo("--mode", "fedavg", "--dirichlet=-0.5");
    assertThat(alpha.exit()).isEqualTo(Main.FAILED);
    assertThat(alpha.err())
        .contains("--dirichlet must be a positive alpha, or 0 for IID; got -0.5");
    Cli.Result tau = demo("--mode", "fedavg", "--balanced-softmax=2");
    assertThat(tau.exit()).isEqualTo(Main.FAILED);
    assertThat(tau.err()).contains("balanced softmax tau must be in [0, 1], got 2.0");
    assertThat(schedule.out() + momentum.out() + decay.out() + init.out() + alpha.out() + tau.out())
        .doesNotContain("coordinator");
  }

  @Test
  void balanced_softmax_is_tau_one_without_a_value_and_off_without_the_option() {
    assertThat(balancedSoftmax()).isZero();
    assertThat(balancedSoftmax("--balanced-softmax")).isEqualTo(1f);
    assertThat(balancedSoftmax("--balanced-softmax=0.5")).isEqualTo(0.5f);
    assertThat(balancedSoftmax("--balanced-softmax", "--epochs=2")).isEqualTo(1f);
  }

  @Command
  static final class Trains {
    @Mixin ChainCommand.TrainingOptions training;
  }

  private static float balancedSoftmax(String... args) {
    Trains t = new Trains();
    new CommandLine(t).parseArgs(args);
    return t.training.config().balancedSoftmax();
  }
}
