package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.fedchain.core.DatasetCommitment;
import org.fedchain.core.Hash32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  @TempDir Path dir;

  @Test
  void reads_the_real_training_and_test_sets() {
    Samples train = RealData.train();
    Samples test = RealData.test();
    assertThat(train.size()).isEqualTo(60_000);
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(train.classCounts()).containsOnly(6000);
    assertThat(test.classCounts()).containsOnly(1000);
    // the first training image is an ankle boot (class 9), the first test image too
    assertThat(train.label(0)).isEqualTo(9);
    assertThat(test.label(0)).isEqualTo(9);
  }

  @Test
  void normalises_pixels_like_pytorch_to_tensor() {
    Samples s = RealData.test().slice(0, 3);
    float[] f = s.floatFeatures();
    assertThat(f).hasSize(3 * Samples.PIXELS);
    byte[] p = s.pixels(2);
    for (int i = 0; i < Samples.PIXELS; i++) {
      assertThat(f[2 * Samples.PIXELS + i]).isEqualTo((float) (p[i] & 0xff) / 255.0f);
    }
    assertThat(f).contains(1.0f).contains(0.0f);
  }

  @Test
  void sample_hash_is_sha256_of_label_then_pixels() throws Exception {
    Samples s = RealData.test();
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update((byte) s.label(5));
    md.update(s.pixels(5));
    assertThat(s.sampleHash(5)).isEqualTo(Hash32.of(md.digest()));
  }

  @Test
  void slice_and_subset_keep_samples_and_their_hashes() {
    Samples s = RealData.test();
    Samples slice = s.slice(100, 110);
    Samples subset = s.subset(new int[] {105, 100, 105});
    assertThat(slice.size()).isEqualTo(10);
    assertThat(slice.sampleHash(5)).isEqualTo(s.sampleHash(105));
    assertThat(subset.labels()).containsExactly(s.label(105), s.label(100), s.label(105));
    assertThat(subset.pixels(1)).isEqualTo(s.pixels(100));
    assertThat(slice.commitment()).isEqualTo(DatasetCommitment.root(slice.sampleHashes()));
    assertThat(slice.commitment()).isNotEqualTo(s.slice(100, 109).commitment());
    assertThatThrownBy(() -> s.slice(5, 10_001)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> s.subset(new int[] {-1}))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void reads_a_small_copy_written_to_disk() throws IOException {
    Path images = write("i.gz", idxImages(3, 28, 28, payload(3 * 784)));
    Path labels = write("l.gz", idxLabels(3, new byte[] {0, 9, 4}));
    Samples s = FashionMnist.read(images, labels);
    assertThat(s.labels()).containsExactly(0, 9, 4);
    assertThat(s.pixels(1)).isEqualTo(Arrays.copyOfRange(payload(3 * 784), 784, 2 * 784));
  }

  @Test
  void rejects_truncated_image_file() throws IOException {
    byte[] full =
        gunzip(Files.readAllBytes(FashionMnist.DEFAULT_DIR.resolve("t10k-images-idx3-ubyte.gz")));
    Path images = write("t10k-images.gz", Arrays.copyOf(full, full.length - 1000));
    assertThatThrownBy(() -> FashionMnist.readIdx(images, FashionMnist.IMAGES_MAGIC))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(images.toString())
        .hasMessageContaining("truncated")
        .hasMessageContaining("10000 items");
  }

  @Test
  void rejects_gzip_stream_cut_short() throws IOException {
    byte[] gz = Files.readAllBytes(FashionMnist.DEFAULT_DIR.resolve("t10k-labels-idx1-ubyte.gz"));
    Path labels = dir.resolve("cut.gz");
    Files.write(labels, Arrays.copyOf(gz, gz.length / 2));
    assertThatThrownBy(() -> FashionMnist.readIdx(labels, FashionMnist.LABELS_MAGIC))
        .isInstanceOf(DatasetException.class)
        .hasMessageStartingWith(labels.toString())
        .hasMessageContaining("truncated");
  }

  @Test
  void rejects_corrupt_gzip_checksum() throws IOException {
    byte[] gz = Files.readAllBytes(FashionMnist.DEFAULT_DIR.resolve("t10k-labels-idx1-ubyte.gz"));
    gz[gz.length - 6] ^= 0x55; // inside the CRC-32 of the gzip trailer
    Path labels = dir.resolve("crc.gz");
    Files.write(labels, gz);
    assertThatThrownBy(() -> FashionMnist.readIdx(labels, FashionMnist.LABELS_MAGIC))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(labels.toString())
        .hasMessageContaining("corrupt gzip");
  }

  @Test
  void rejects_a_file_that_is_not_gzip() throws IOException {
    Path plain = dir.resolve("plain");
    Files.write(plain, idxLabels(2, new byte[] {1, 2}));
    assertThatThrownBy(() -> FashionMnist.readIdx(plain, FashionMnist.LABELS_MAGIC))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(plain.toString())
        .hasMessageContaining("corrupt gzip");
  }

  @Test
  void rejects_labels_where_images_are_expected() throws IOException {
    Path labels = write("l.gz", idxLabels(2, new byte[] {1, 2}));
    assertThatThrownBy(() -> FashionMnist.read(labels, labels))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("bad magic number 0x00000801, expected 0x00000803");
  }

  @Test
  void rejects_images_of_the_wrong_size() throws IOException {
    Path images = write("i.gz", idxImages(1, 32, 32, payload(32 * 32)));
    assertThatThrownBy(() -> FashionMnist.readIdx(images, FashionMnist.IMAGES_MAGIC))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("images are 32x32, expected 28x28");
  }

  @Test
  void rejects_trailing_bytes_after_the_items() throws IOException {
    byte[] idx = idxLabels(2, new byte[] {1, 2});
    Path labels = write("l.gz", Arrays.copyOf(idx, idx.length + 1));
    assertThatThrownBy(() -> FashionMnist.readIdx(labels, FashionMnist.LABELS_MAGIC))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("trailing bytes");
  }

  @Test
  void rejects_header_cut_inside_the_count() throws IOException {
    Path labels = write("l.gz", new byte[] {0, 0, 8, 1, 0, 0});
    assertThatThrownBy(() -> FashionMnist.readIdx(labels, FashionMnist.LABELS_MAGIC))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("ends inside the header (item count)");
  }

  @Test
  void rejects_image_and_label_counts_that_differ() throws IOException {
    Path images = write("i.gz", idxImages(2, 28, 28, payload(2 * 784)));
    Path labels = write("l.gz", idxLabels(3, new byte[] {1, 2, 3}));
    assertThatThrownBy(() -> FashionMnist.read(images, labels))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("has 3 labels but")
        .hasMessageContaining("has 2 images");
  }

  @Test
  void rejects_label_outside_the_ten_classes() throws IOException {
    Path images = write("i.gz", idxImages(2, 28, 28, payload(2 * 784)));
    Path labels = write("l.gz", idxLabels(2, new byte[] {1, 10}));
    assertThatThrownBy(() -> FashionMnist.read(images, labels))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("label 10 of item 1 is not in 0..9");
  }

  @Test
  void missing_directory_says_which_package_to_install() {
    Path missing = dir.resolve("nowhere");
    assertThatThrownBy(() -> FashionMnist.at(missing))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("apt-get install dataset-fashion-mnist");
  }

  @Test
  void missing_file_is_named() {
    FashionMnist empty = FashionMnist.at(dir);
    assertThatThrownBy(empty::test)
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("t10k-images-idx3-ubyte.gz")
        .hasMessageContaining("not found");
  }

  private static byte[] payload(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31);
    }
    return b;
  }

  private static byte[] idxImages(int count, int rows, int cols, byte[] payload) {
    return ByteBuffer.allocate(16 + payload.length)
        .putInt(FashionMnist.IMAGES_MAGIC)
        .putInt(count)
        .putInt(rows)
        .putInt(cols)
        .put(payload)
        .array();
  }

  private static byte[] idxLabels(int count, byte[] labels) {
    return ByteBuffer.allocate(8 + labels.length)
        .putInt(FashionMnist.LABELS_MAGIC)
        .putInt(count)
        .put(labels)
        .array();
  }

  private Path write(String name, byte[] raw) throws IOException {
    Path p = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(raw);
    }
    return p;
  }

  private static byte[] gunzip(byte[] gz) throws IOException {
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    }
  }
}
