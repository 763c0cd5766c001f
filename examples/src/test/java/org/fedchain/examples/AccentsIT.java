package org.fedchain.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The accents example's quick mode on its synthesised recordings (installed by scripts/test.sh
 * through scripts/setup.sh example accents): it runs end to end, both runs audit clean, and it
 * prints its table next to the baselines.
 */
class AccentsIT {
  @TempDir Path dir;

  @Test
  void the_quick_mode_runs_end_to_end_and_audits_clean() throws Exception {
    Path cache =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"));
    Accents example = new Accents();
    assertThat(example.installed(cache))
        .as("scripts/setup.sh example accents installs %s", cache.resolve(Accents.DIR))
        .isTrue();
    StringWriter text = new StringWriter();
    boolean ok =
        example.run(new Example.Context(cache, dir.resolve("run"), new PrintWriter(text), true));
    System.out.println(text);
    assertThat(ok).as(text.toString()).isTrue();
    assertThat(text.toString())
        .contains("chained run: audit OK")
        .contains("FedAvg, 2 rounds run: audit OK")
        .contains("chance")
        .contains("node3 ");
  }
}
