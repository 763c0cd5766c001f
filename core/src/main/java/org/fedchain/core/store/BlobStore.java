package org.fedchain.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Optional;
import org.fedchain.core.Hash32;

/**
 * Content-addressed blobs (model files, manifests) under {@code <root>/sha256/ab/<hash>}. Writes go
 * to a temp file, are fsynced and renamed into place, so a crash never leaves a partial blob under
 * a hash name; every read re-hashes the bytes.
 *
 * <pre>{@code
 * BlobStore store = BlobStore.open(home.resolve("store"));
 * Hash32 h = store.put(bytes);
 * byte[] back = store.get(h);    // throws CorruptBlobException if the file was altered
 * }</pre>
 */
public final class BlobStore {
  private static final int WRITE_BYTES = 1 << 20;

  private final Path root;

  private BlobStore(Path root) {
    this.root = root;
  }

  public static BlobStore open(Path root) throws IOException {
    Files.createDirectories(root.resolve("sha256"));
    Files.createDirectories(root.resolve("tmp"));
    return new BlobStore(root);
  }

  public Path root() {
    return root;
  }

  /** Where the blob of this hash lives (it may not exist). */
  public Path path(Hash32 hash) {
    String hex = hash.hex();
    return root.resolve("sha256").resolve(hex.substring(0, 2)).resolve(hex);
  }

  public boolean has(Hash32 hash) {
    return Files.isRegularFile(path(hash));
  }

  /** Stores bytes and returns their SHA-256. Storing the same bytes again is a no-op. */
  public Hash32 put(byte[] bytes) throws IOException {
    Hash32 h = Hash32.sha256(bytes);
    if (has(h)) {
      return h;
    }
    Path tmp = Files.createTempFile(root.resolve("tmp"), "put-", ".part");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      publish(tmp, h);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return h;
  }

  /**
   * Streams a blob in, hashing while writing, and keeps it only if its SHA-256 is {@code expected}
   * (a peer's blob is untrusted until then). A short or altered stream leaves nothing behind.
   *
   * @throws CorruptBlobException if the bytes do not hash to {@code expected}
   */
  public Hash32 put(InputStream in, Hash32 expected) throws IOException {
    if (has(expected)) {
      in.transferTo(OutputStream.nullOutputStream());
      return expected;
    }
    Path tmp = Files.createTempFile(root.resolve("tmp"), "put-", ".part");
    try {
      MessageDigest md = Hash32.sha256Digest();
      // 1 MiB writes: transferTo's 8 KiB pieces made write syscalls the cost of a fetch
      byte[] buf = new byte[WRITE_BYTES];
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
          md.update(buf, 0, n);
          ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
          while (b.hasRemaining()) {
            ch.write(b);
          }
        }
        ch.force(true);
      }
      Hash32 got = Hash32.of(md.digest());
      if (!got.equals(expected)) {
        throw new CorruptBlobException(expected, got);
      }
      publish(tmp, got);
      return got;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void publish(Path tmp, Hash32 h) throws IOException {
    Path dest = path(h);
    Files.createDirectories(dest.getParent());
    try {
      Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      // another writer stored the same content first
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("store " + root + " is on a file system without atomic rename", e);
    }
    fsyncDirectory(dest.getParent());
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // some file systems cannot fsync a directory; the rename itself is still atomic
    }
  }

  /**
   * Reads a blob and checks it still hashes to its name.
   *
   * @throws NoSuchFileException if the store has no such blob
   * @throws CorruptBlobException if the file's bytes no longer hash to {@code hash}
   */
  public byte[] get(Hash32 hash) throws IOException {
    byte[] bytes = Files.readAllBytes(path(hash));
    Hash32 got = Hash32.sha256(bytes);
    if (!got.equals(hash)) {
      throw new CorruptBlobException(hash, got);
    }
    return bytes;
  }

  /** Like {@link #get} but empty when the blob is missing. */
  public Optional<byte[]> find(Hash32 hash) throws IOException {
    try {
      return Optional.of(get(hash));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Opens a blob for streaming; the caller must hash what it reads (as gRPC Get's receiver does).
   */
  public InputStream open(Hash32 hash) throws IOException {
    return Files.newInputStream(path(hash));
  }
}
