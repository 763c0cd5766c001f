package org.fedchain.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.UpdateKind;
import org.junit.jupiter.api.Test;

class ManifestTest {
  static final String H = "ab".repeat(32);

  static Manifest manifest() {
    return new Manifest(
        Manifest.FORMAT,
        Hash32.parse(H),
        UpdateKind.CHAINED,
        List.of(Hash32.parse("cd".repeat(32))),
        Hash32.parse("ef".repeat(32)),
        new TreeMap<>(Map.of("fc.weight", Hash32.parse(H), "fc.bias", Hash32.parse(H))),
        "fmnist-cnn/1",
        new TreeMap<>(Map.of("lr", "0.05", "batch", "64")),
        42,
        1,
        313,
        new Manifest.Dataset(Hash32.parse(H), 20000),
        new TreeMap<>(Map.of("accuracy", 0.86, "loss", 0.41)),
        List.of(),
        List.of(),
        null,
        new TreeMap<>(Map.of("fedchain", "0.1.0")),
        1,
        null);
  }

  @Test
  void lists_the_grants_its_data_came_from_only_when_there_are_any() {
    Manifest m = manifest();
    assertThat(new String(m.toJson(), java.nio.charset.StandardCharsets.UTF_8))
        .doesNotContain("grants"); // manifests of a node's own data hash as before
    Manifest lent =
        Manifest.builder()
            .runId(m.runId())
            .kind(m.kind())
            .model(m.model())
            .architecture(m.architecture())
            .grants(Map.of(Hash32.parse("12".repeat(32)), 600L))
            .build();
    Manifest back = Manifest.parse(lent.toJson());
    assertThat(back.grants()).containsEntry("12".repeat(32), 600L);
    assertThat(back).isEqualTo(lent);
    String bad = new String(lent.toJson(), java.nio.charset.StandardCharsets.UTF_8);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                Manifest.parse(
                    bad.replace("\"" + "12".repeat(32) + "\":600", "\"xyz\":600")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .hasMessageContaining("grants");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                Manifest.parse(
                    bad.replace(":600", ":0").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .hasMessageContaining("1 or more samples");
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

  @Test
  void an_aggregate_lists_its_weights_as_numbers_one_per_input() {
    Hash32 a = Hash32.parse("01".repeat(32));
    Hash32 b = Hash32.parse("02".repeat(32));
    Manifest m =
        Manifest.builder()
            .runId(Hash32.parse(H))
            .kind(UpdateKind.AGGREGATE)
            .model(Hash32.parse(H))
            .architecture("fmnist-mlp/1")
            .inputs(List.of(a, b), List.of(1.0, 0.5))
            .build();
    String text = new String(m.toJson(), StandardCharsets.UTF_8);
    assertThat(text).contains("\"weights\":[1.0,0.5]");
    assertThat(Manifest.parse(m.toJson()).weight(1)).isEqualTo(0.5);
    assertThatThrownBy(
            () ->
                Manifest.parse(text.replace("[1.0,0.5]", "[1.0]").getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("1 weights for 2 inputs");
    assertThatThrownBy(
            () ->
                Manifest.parse(
                    text.replace("[1.0,0.5]", "[1.0,-2.0]").getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("finite and >= 0");
    assertThatThrownBy(
            () ->
                Manifest.parse(
                    text.replace("\"kind\":\"AGGREGATE\"", "\"kind\":\"SELF\"")
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("invalid manifest");
  }
}
