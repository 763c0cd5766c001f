package org.fedchain.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gas-levels example's quick mode on its real data (installed by scripts/test.sh through
 * scripts/setup.sh example gas-levels): it runs end to end, both runs audit clean, and it prints
 * its table next to the baselines.
 */
class GasLevelsIT {
  @TempDir Path dir;

  @Test
  void the_quick_mode_runs_end_to_end_and_audits_clean() throws Exception {
    Path cache =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"));
    GasLevels example = new GasLevels();
    assertThat(example.installed(cache))
        .as("scripts/setup.sh example gas-levels installs %s", cache.resolve(GasLevels.CSV))
        .isTrue();
    StringWriter text = new StringWriter();
    boolean ok =
        example.run(new Example.Context(cache, dir.resolve("run"), new PrintWriter(text), true));
    System.out.println(text);
    assertThat(ok).as(text.toString()).isTrue();
    assertThat(text.toString())
        .contains("chained run: audit OK")
        .contains("FedAvg, 2 rounds run: audit OK")
        .contains("last day")
        .contains("node2 ");
  }

  @Test
  void the_slice_keeps_the_first_stations_and_their_last_days() throws Exception {
    Path csv = dir.resolve("in.csv");
    java.nio.file.Files.writeString(
        csv, "date,station,pm10\nd1,B,1\nd2,B,2\nd3,B,3\nd1,A,4\nd2,A,NA\nd3,C,6\n");
    Path out = GasLevels.slice(csv, dir.resolve("out.csv"), 2, 2);
    assertThat(java.nio.file.Files.readAllLines(out))
        .containsExactly("date,station,pm10", "d1,A,4", "d2,A,NA", "d2,B,2", "d3,B,3");
  }
}
