package org.fedchain.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GasLevelsTest {
  @TempDir Path dir;

  @Test
  void the_slice_keeps_the_first_stations_and_their_last_days() throws Exception {
    Path csv = dir.resolve("in.csv");
    Files.writeString(csv, "date,station,pm10\nd1,B,1\nd2,B,2\nd3,B,3\nd1,A,4\nd2,A,NA\nd3,C,6\n");
    Path out = GasLevels.slice(csv, dir.resolve("out.csv"), 2, 2);
    assertThat(Files.readAllLines(out))
        .containsExactly("date,station,pm10", "d1,A,4", "d2,A,NA", "d2,B,2", "d3,B,3");
  }

  @Test
  void an_unknown_example_is_named_with_those_there_are() {
    assertThatThrownBy(() -> Examples.get("nope"))
        .hasMessage("no example 'nope' (there are: gas-levels, defects, speech, accents)");
  }
}
