package org.fedchain.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fedchain.core.Hash32;
import org.junit.jupiter.api.Test;

class ManifestTest {
  static final String H = "ab".repeat(32);

  static Manifest manifest() {
    return new Manifest(
        Manifest.FORMAT,
        H,
        "CHAINED",
        List.of("cd".repeat(32)),
        "ef".repeat(32),
        new TreeMap<>(Map.of("fc.weight", H, "fc.bias", H)),
        "fmnist-cnn/1",
        new TreeMap<>(Map.of("lr", "0.05", "batch", "64")),
        42,
        1,
        313,
        new Manifest.Dataset(H, 20000),
        new TreeMap<>(Map.of("accuracy", 0.86, "loss", 0.41)),
        List.of(),
        List.of(),
        new TreeMap<>(Map.of("fedchain", "0.1.0")),
        1);
  }

  @Test
  void round_trips_to_identical_bytes_and_hash() {
    Manifest m = manifest();
    byte[] json = m.toJson();
    Manifest back = Manifest.parse(json);
    assertThat(back).isEqualTo(m);
    assertThat(back.toJson()).isEqualTo(json);
    assertThat(back.hash()).isEqualTo(Hash32.sha256(json));
    String text = new String(json, StandardCharsets.UTF_8);
    assertThat(text).contains("\"hyperparameters\":{\"batch\":\"64\",\"lr\":\"0.05\"}");
    assertThat(text.indexOf("\"format\"")).isLessThan(text.indexOf("\"runId\""));
  }

  @Test
  void rejects_unknown_fields() {
    String json =
        new String(manifest().toJson(), StandardCharsets.UTF_8)
            .replace("{\"format\"", "{\"evil\":1,\"format\"");
    assertThatThrownBy(() -> Manifest.parse(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("invalid manifest")
        .hasMessageContaining("evil");
  }

  @Test
  void rejects_duplicate_fields() {
    String json =
        new String(manifest().toJson(), StandardCharsets.UTF_8)
            .replace("{\"format\"", "{\"seed\":1,\"format\"");
    assertThatThrownBy(() -> Manifest.parse(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("Duplicate field 'seed'");
  }

  @Test
  void rejects_a_malformed_model_hash() {
    String json =
        new String(manifest().toJson(), StandardCharsets.UTF_8)
            .replace("ef".repeat(32), "EF".repeat(32));
    assertThatThrownBy(() -> Manifest.parse(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("model must be 64 lower-case hex digits");
  }

  @Test
  void rejects_a_negative_step_count() {
    String json =
        new String(manifest().toJson(), StandardCharsets.UTF_8)
            .replace("\"steps\":313", "\"steps\":-1");
    assertThatThrownBy(() -> Manifest.parse(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("epochs, steps and threads must be >= 0, got 1, -1, 1");
  }
}
