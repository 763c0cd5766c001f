package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network of one's own through the CLI: a spec file shown, opened as a run, continued on a CSV
 * time series by two nodes, audited; and the errors a person meets on the way.
 */
class ModelCommandsTest {
  static final Map<String, String> ENV = Map.of("FEDCHAIN_PASSWORD", "pw");
  @TempDir Path home;

  Cli.Result run(String... args) {
    return Cli.run(ENV, List.of("--home", home.toString()), args);
  }

  Cli.Result ok(String... args) {
    return Cli.ok(ENV, List.of("--home", home.toString()), args);
  }

  static final String SPEC =
      """
      {
        "format": "fedchain-model/1",
        "name": "level-lstm",
        "input": [5, 1],
        "output": 1,
        "layers": [{"type": "lstm", "hidden": 8}, {"type": "dense", "out": 1}]
      }
      """;

  @Test
  void a_spec_file_opens_a_run_that_nodes_continue_on_a_csv_series() throws Exception {
    Path spec = home.resolve("lstm.json");
    Files.writeString(spec, SPEC);
    StringBuilder csv = new StringBuilder("site,level\n");
    for (int s = 0; s < 2; s++) {
      for (int t = 0; t < 60; t++) {
        csv.append("s").append(s).append(',').append(Math.sin(t * 0.5 + s)).append('\n');
      }
    }
    Path data = home.resolve("levels.csv");
    Files.writeString(data, csv.toString());

    String shown = ok("model", "show", spec.toString()).out();
    assertThat(shown)
        .contains("level-lstm")
        .contains("0   LSTM(1, 8, num_layers=1, last=True)")
        .contains("-> [8]")
        .contains("0.weight_ih_l0")
        .contains("parameters  361 in 6 tensors");

    for (String w : List.of("coord", "n1", "n2")) {
      ok("wallet", "new", w, "--light");
    }
    String opened = ok("run", "open", "--wallet", "coord", "--model", spec.toString()).out();
    assertThat(opened).contains("model level-lstm (spec ").contains("task mse, judged by mae");
    Matcher m = Pattern.compile("run ([0-9a-f]{64})").matcher(opened);
    assertThat(m.find()).isTrue();
    String id = m.group(1);
    for (int k = 1; k <= 2; k++) {
      String source = "csv:" + data + "?target=level&series=site&window=5@" + k + "/2:series";
      // enough steps that each node's update beats its parent on the next node's held-out windows
      String out =
          ok(
                  "chain",
                  "continue",
                  "--run",
                  id,
                  "--data",
                  source,
                  "--wallet",
                  "n" + k,
                  "--epochs",
                  "20",
                  "--batch-size",
                  "8")
              .out();
      assertThat(out).contains("recorded seq " + k).contains("val mae");
    }
    assertThat(ok("audit", "--run", id).out()).contains("audit OK: 3 updates verified");

    // the shape the data gives must be the model's: named, nothing recorded
    Cli.Result wrong =
        run(
            "chain",
            "continue",
            "--run",
            id,
            "--data",
            "csv:" + data + "?target=level&series=site&window=4",
            "--wallet",
            "n1");
    assertThat(wrong.exit()).isEqualTo(Main.FAILED);
    assertThat(wrong.err()).contains("gives samples of shape [4, 1]").contains("takes [5, 1]");
  }

  @Test
  void a_bad_spec_is_refused_naming_what_is_wrong() throws Exception {
    Path spec = home.resolve("bad.json");
    Files.writeString(spec, SPEC.replace("\"hidden\"", "\"hiden\""));
    Cli.Result r = run("model", "show", spec.toString());
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err()).contains("spec.layers[0] has unknown field 'hiden'");
    ok("wallet", "new", "coord", "--light");
    Cli.Result open = run("run", "open", "--wallet", "coord", "--model", spec.toString());
    assertThat(open.exit()).isEqualTo(Main.FAILED);
    assertThat(open.err()).contains("--model " + spec).contains("unknown field 'hiden'");
    assertThat(run("model", "show", "nothing.json").err())
        .contains("spec file nothing.json not found");
  }
}
