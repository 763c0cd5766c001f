package org.fedchain.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.fedchain.core.Hash32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  static List<Tensor> sample() {
    Random r = new Random(7);
    float[] w = new float[6];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextFloat();
    }
    return List.of(
        Tensor.ofFloats("fc.weight", new long[] {2, 3}, w),
        Tensor.ofFloats("fc.bias", new long[] {2}, new float[] {0.5f, -1.25f}),
        Tensor.of("step", DType.I64, new long[] {}, new byte[8]),
        Tensor.of("mask", DType.U8, new long[] {3}, new byte[] {1, 0, 1}));
  }

  /** A safetensors file with the given header text and data, as another tool might write it. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length)
        .put(h)
        .put(data)
        .array();
  }

  @Test
  void writes_canonical_form_and_reads_it_back() {
    byte[] bytes = SafeTensors.write(sample());
    List<Tensor> back = SafeTensors.read(bytes, SafeTensors.Form.CANONICAL);
    assertThat(back)
        .extracting(Tensor::name)
        .containsExactly("fc.bias", "fc.weight", "mask", "step");
    assertThat(back).containsExactlyInAnyOrderElementsOf(sample());
    long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLen % 8).isZero();
    String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
    assertThat(header)
        .startsWith("{\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}")
        .doesNotContain("__metadata__");
  }

  @Test
  void the_same_tensors_in_any_order_give_the_same_bytes() {
    List<Tensor> reversed = new java.util.ArrayList<>(sample());
    java.util.Collections.reverse(reversed);
    assertThat(SafeTensors.write(reversed)).isEqualTo(SafeTensors.write(sample()));
  }

  @Test
  void sha256sum_prints_the_same_hash_as_our_code() throws Exception {
    Path f = dir.resolve("model.safetensors");
    Files.write(f, SafeTensors.write(sample()));
    Process p = new ProcessBuilder("sha256sum", f.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    assertThat(out.split(" ")[0]).isEqualTo(Hash32.sha256(f).hex());
    assertThat(Hash32.sha256(f)).isEqualTo(Hash32.sha256(Files.readAllBytes(f)));
  }

  @Test
  void accepts_a_foreign_file_with_metadata_only_in_any_form() {
    byte[] f =
        file(
            "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}  ",
            new byte[] {1, 2});
    assertThat(SafeTensors.read(f, SafeTensors.Form.ANY)).hasSize(1);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.CANONICAL))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("__metadata__");
  }

  @Test
  void rejects_header_longer_than_the_bound() {
    byte[] f = new byte[16];
    ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(SafeTensors.MAX_HEADER_BYTES + 1);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("out of bounds");
  }

  @Test
  void rejects_header_running_past_the_file() {
    byte[] f = new byte[16];
    ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(100);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .hasMessageContaining("runs past the end");
  }

  @Test
  void rejects_a_truncated_model_file() {
    byte[] full = SafeTensors.write(sample());
    byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
    assertThatThrownBy(() -> SafeTensors.read(cut, SafeTensors.Form.CANONICAL))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("past the data");
  }

  @Test
  void rejects_overlapping_offsets() {
    byte[] f =
        file(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}",
            new byte[3]);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .hasMessageContaining("overlaps");
  }

  @Test
  void rejects_gaps_between_tensors() {
    byte[] f =
        file(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[3,4]}}",
            new byte[4]);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .hasMessageContaining("gap of 1 bytes");
  }

  @Test
  void rejects_trailing_bytes_after_the_last_tensor() {
    byte[] f = file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[5]);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .hasMessageContaining("trailing bytes");
  }

  @Test
  void rejects_unknown_dtypes() {
    byte[] f =
        file("{\"a\":{\"dtype\":\"F8_E4M3X\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .hasMessageContaining("unknown dtype 'F8_E4M3X'");
  }

  @Test
  void rejects_shape_that_does_not_match_the_size() {
    byte[] f =
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .hasMessageContaining("needs 12 bytes");
  }

  @Test
  void rejects_duplicate_names() {
    byte[] f =
        file(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
            new byte[2]);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .hasMessageContaining("Duplicate field 'a'");
    assertThatThrownBy(() -> SafeTensors.write(List.of(sample().get(1), sample().get(1))))
        .hasMessageContaining("duplicate tensor name 'fc.bias'");
  }

  @Test
  void rejects_non_canonical_name_order_in_canonical_form() {
    byte[] f =
        file(
            "{\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}"
                .concat(" ".repeat(6)),
            new byte[2]);
    assertThat(SafeTensors.read(f, SafeTensors.Form.ANY))
        .extracting(Tensor::name)
        .containsExactly("a", "b");
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.CANONICAL))
        .hasMessageContaining("not canonical: header lists 'a' after 'b'");
  }

  @Test
  void rejects_whitespace_in_canonical_form() {
    byte[] f =
        file("{ \"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}      ", new byte[1]);
    assertThat(SafeTensors.read(f, SafeTensors.Form.ANY)).hasSize(1);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.CANONICAL))
        .hasMessageContaining("not canonical: header bytes differ");
  }

  @Test
  void rejects_a_header_that_is_not_json() {
    byte[] f = file("{\"a\":[1,2,", new byte[0]);
    assertThatThrownBy(() -> SafeTensors.read(f, SafeTensors.Form.ANY))
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void every_single_byte_flip_in_the_header_is_caught_or_changes_the_hash() throws IOException {
    byte[] good = SafeTensors.write(sample());
    long headerLen = ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    for (int i = 8; i < 8 + headerLen; i++) {
      byte[] bad = good.clone();
      bad[i] ^= 0x01;
      try {
        List<Tensor> t = SafeTensors.read(bad, SafeTensors.Form.CANONICAL);
        // a flip that survives the strict reader must still be a different model
        assertThat(Hash32.sha256(bad)).isNotEqualTo(Hash32.sha256(good));
        assertThat(t).isNotEqualTo(SafeTensors.read(good, SafeTensors.Form.CANONICAL));
      } catch (ModelFormatException expected) {
        // caught
      }
    }
  }
}
