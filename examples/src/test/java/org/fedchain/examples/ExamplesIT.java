package org.fedchain.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every example's quick mode on its real data (installed by scripts/test.sh through
 * scripts/setup.sh example NAME): it runs end to end, every run it records audits clean, and it
 * prints its table next to its baselines.
 */
class ExamplesIT {
  @TempDir Path dir;

  /** What each example's output must say besides its audits. */
  static final Map<String, List<String>> SAYS =
      Map.of(
          "gas-levels",
              List.of("FedAvg, 2 rounds run: audit OK", "last day", "node2 ", "MAE per station in"),
          "defects",
              List.of(
                  "poly factory, features frozen",
                  "transfer run: audit OK",
                  "frozen feature tensors are the mono factory's: verified",
                  "majority class"),
          "speech", List.of("FedAvg, 3 rounds run: audit OK", "chance", "node3 "),
          "accents", List.of("FedAvg, 2 rounds run: audit OK", "chance", "en-gb-scotland"));

  @ParameterizedTest
  @ValueSource(strings = {"gas-levels", "defects", "speech", "accents"})
  void the_quick_mode_runs_end_to_end_and_audits_clean(String name) throws Exception {
    Path cache =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"));
    Example example = Examples.get(name);
    assertThat(example.installed(cache))
        .as("scripts/setup.sh example %s installs its data in %s", name, cache)
        .isTrue();
    StringWriter text = new StringWriter();
    boolean ok =
        example.run(new Example.Context(cache, dir.resolve(name), new PrintWriter(text), true));
    System.out.println(text);
    assertThat(ok).as(text.toString()).isTrue();
    assertThat(text.toString()).doesNotContain("audit FAILED").contains("audits OK");
    for (String s : SAYS.get(name)) {
      assertThat(text.toString()).as(name).contains(s);
    }
  }
}
