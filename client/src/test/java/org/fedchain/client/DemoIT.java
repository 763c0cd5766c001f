package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job with its defaults: 3 nodes on disjoint thirds of the 60k training set. */
class DemoIT {
  @TempDir Path home;

  @Test
  void the_default_demo_reaches_085_test_accuracy_and_audits_clean() {
    Cli.Result r =
        Cli.ok(
            Map.of(),
            List.of("--home", home.toString()),
            "demo",
            "--dir",
            home.resolve("demo").toString());
    String text = r.out();
    System.out.println(text);
    assertThat(text).contains("audit OK: 4 updates verified").contains("ledger log OK");
    Matcher m =
        Pattern.compile("final model: test accuracy ([0-9.]+) on 10000 images").matcher(text);
    assertThat(m.find()).as(text).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isGreaterThanOrEqualTo(0.85);

    // an auditor re-runs every hop's training on the shard it commits to: bit for bit
    Matcher run = Pattern.compile("run id: ([0-9a-f]{64})").matcher(text);
    assertThat(run.find()).as(text).isTrue();
    Path demo = home.resolve("demo");
    String replay =
        Cli.ok(
                Map.of(),
                List.of(
                    "--home", demo.toString(), "--ledger", "embedded:" + demo.resolve("ledger.db")),
                "audit",
                "--run",
                run.group(1),
                "--replay",
                "--data",
                "fashion-mnist",
                "--shards",
                "3")
            .out();
    assertThat(replay).contains("replay OK: 3 of 3 replayed bit for bit");
  }

  @Test
  void four_data_owners_lend_their_shards_to_two_nodes_and_are_paid_pro_rata() {
    List<String> args =
        new java.util.ArrayList<>(List.of("demo", "--dir", home.resolve("owners").toString()));
    args.addAll(OwnersDemo.ARGS);
    String text =
        Cli.ok(Map.of(), List.of("--home", home.toString()), args.toArray(String[]::new)).out();
    System.out.println(text);
    OwnersDemo.check(text);
    assertThat(text)
        .contains("ledger log OK")
        .containsPattern("data of 0x[0-9a-fA-F]{40}: 15000 samples");
  }

  @Test
  void the_data_parallel_demo_runs_a_coordinator_and_node_processes_and_audits_clean() {
    Cli.Result r =
        Cli.ok(
            Map.of(),
            List.of("--home", home.toString()),
            "demo",
            "--mode",
            "fedavg",
            "--arch",
            "mlp",
            "--clients",
            "2",
            "--rounds",
            "2",
            "--dir",
            home.resolve("fedavg").toString());
    assertThat(r.out())
        .contains("node1 joined", "node2 joined")
        .contains("round 2: aggregated 2 update(s)")
        .contains("audit OK: 7 updates verified");
  }

  @Test
  void the_model_parallel_demo_runs_stage_processes_and_the_audit_names_each_stages_layers() {
    Cli.Result r =
        Cli.ok(
            Map.of(),
            List.of("--home", home.toString()),
            "demo",
            "--mode",
            "model-parallel",
            "--stages",
            "3",
            "--dir",
            home.resolve("model-parallel").toString());
    assertThat(r.out())
        .contains("stage 0 served by", "stage 2 served by")
        .containsPattern("STAGE .* OK  layers 0-3")
        .containsPattern("STAGE .* OK  layers 4-7")
        .containsPattern("STAGE .* OK  layers 8-11")
        .contains("audit OK: 5 updates verified");
    Matcher m = Pattern.compile("test accuracy ([0-9.]+) on 10000 samples").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isGreaterThan(0.8); // one epoch of 60,000 images
  }
}
