package org.fedchain.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The defects example's quick mode on its real images (installed by scripts/test.sh through
 * scripts/setup.sh example defects): transfer with frozen features, FedAvg, audits clean, the table
 * next to the majority class.
 */
class DefectsIT {
  @TempDir Path dir;

  @Test
  void the_quick_mode_runs_end_to_end_and_audits_clean() throws Exception {
    Path cache =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"));
    Defects example = new Defects();
    assertThat(example.installed(cache))
        .as("scripts/setup.sh example defects installs %s", cache.resolve(Defects.DIR))
        .isTrue();
    StringWriter text = new StringWriter();
    boolean ok =
        example.run(new Example.Context(cache, dir.resolve("run"), new PrintWriter(text), true));
    System.out.println(text);
    assertThat(ok).as(text.toString()).isTrue();
    assertThat(text.toString())
        .contains("poly factory, features frozen")
        .contains("transfer run: audit OK")
        .contains("frozen feature tensors are the mono factory's: verified")
        .contains("FedAvg, 2 rounds run: audit OK")
        .contains("majority class");
  }
}
