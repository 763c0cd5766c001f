package org.fedchain.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.fedchain.core.Hash32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {
  @TempDir Path dir;

  static long files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void stores_by_sha256_and_reads_back() throws IOException {
    BlobStore store = BlobStore.open(dir);
    byte[] data = "model bytes".getBytes();
    Hash32 h = store.put(data);
    assertThat(h).isEqualTo(Hash32.sha256(data));
    assertThat(store.path(h))
        .isEqualTo(dir.resolve("sha256/" + h.hex().substring(0, 2) + "/" + h.hex()));
    assertThat(store.get(h)).isEqualTo(data);
    assertThat(store.put(data)).isEqualTo(h);
    assertThat(files(dir)).isEqualTo(1);
  }

  @Test
  void refuses_a_blob_whose_bytes_were_altered_on_disk() throws IOException {
    BlobStore store = BlobStore.open(dir);
    Hash32 h = store.put(new byte[] {1, 2, 3});
    Files.write(store.path(h), new byte[] {1, 2, 4});
    assertThatThrownBy(() -> store.get(h))
        .isInstanceOf(CorruptBlobException.class)
        .hasMessageContaining(h.hex());
  }

  @Test
  void keeps_a_streamed_blob_only_if_it_hashes_to_the_expected_hash() throws IOException {
    BlobStore store = BlobStore.open(dir);
    byte[] data = new byte[100_000];
    new java.util.Random(3).nextBytes(data);
    Hash32 h = Hash32.sha256(data);
    byte[] truncated = java.util.Arrays.copyOf(data, 99_999);
    assertThatThrownBy(() -> store.put(new ByteArrayInputStream(truncated), h))
        .isInstanceOf(CorruptBlobException.class);
    assertThat(store.has(h)).isFalse();
    assertThat(files(dir)).isZero();
    assertThat(store.put(new ByteArrayInputStream(data), h)).isEqualTo(h);
    assertThat(store.get(h)).isEqualTo(data);
  }

  @Test
  void a_stream_that_fails_midway_leaves_nothing_behind() throws IOException {
    BlobStore store = BlobStore.open(dir);
    InputStream broken =
        new InputStream() {
          int n;

          @Override
          public int read() throws IOException {
            if (n++ > 1000) {
              throw new IOException("peer went away");
            }
            return 7;
          }
        };
    assertThatThrownBy(() -> store.put(broken, Hash32.ZERO)).hasMessageContaining("peer went away");
    assertThat(files(dir)).isZero();
  }

  @Test
  void a_missing_blob_is_reported_as_missing() throws IOException {
    BlobStore store = BlobStore.open(dir);
    assertThat(store.find(Hash32.ZERO)).isEmpty();
    assertThatThrownBy(() -> store.get(Hash32.ZERO)).isInstanceOf(NoSuchFileException.class);
  }
}
