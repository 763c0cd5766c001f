package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fedchain demo --mode fedavg} end to end, small: MLP, few clients per round. */
class FedAvgDemoTest {
  @TempDir Path home;

  record Result(int exit, String out, String err) {}

  Result demo(String... args) {
    CommandLine cl = Main.commandLine(Map.of());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 4];
    all[0] = "--home";
    all[1] = home.toString();
    all[2] = "demo";
    all[3] = "--dir=" + home.resolve("d" + System.nanoTime());
    System.arraycopy(args, 0, all, 4, args.length);
    return new Result(cl.execute(all), out.toString(), err.toString());
  }

  @Test
  void synchronous_demo_prints_a_row_per_round_and_passes_the_audit() {
    Result r =
        demo(
            "--mode",
            "fedavg",
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
    Result r =
        demo(
            "--mode",
            "fedavg",
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
    Result r = demo("--mode", "fedavg", "--byzantine", "two:flip");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("--byzantine must be N:scale or N:flip");
  }
}
