package org.fedchain.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * A 32-byte hash (SHA-256 of a model file or manifest, a Keccak-256 digest, a run id). Immutable:
 * bytes are copied in and out.
 */
public final class Hash32 implements Comparable<Hash32> {
  public static final Hash32 ZERO = new Hash32(new byte[32]);

  private final byte[] bytes;

  private Hash32(byte[] bytes) {
    this.bytes = bytes;
  }

  public static Hash32 of(byte[] bytes) {
    if (bytes.length != 32) {
      throw new IllegalArgumentException("a hash has 32 bytes, got " + bytes.length);
    }
    return new Hash32(bytes.clone());
  }

  /** Parses 64 hex digits, with or without {@code 0x}. */
  public static Hash32 parse(String hex) {
    byte[] b = Hex.decode(hex.strip());
    if (b.length != 32) {
      throw new IllegalArgumentException(
          "a hash has 64 hex digits, got " + b.length * 2 + ": " + Hex.abbreviate(hex));
    }
    return new Hash32(b);
  }

  public static Hash32 sha256(byte[] data) {
    return new Hash32(sha256Digest().digest(data));
  }

  public static Hash32 sha256(Path file) throws IOException {
    MessageDigest md = sha256Digest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return new Hash32(md.digest());
  }

  public static Hash32 keccak256(byte[]... parts) {
    KeccakDigest d = new KeccakDigest(256);
    for (byte[] p : parts) {
      d.update(p, 0, p.length);
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return new Hash32(out);
  }

  public static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  public boolean isZero() {
    return equals(ZERO);
  }

  /** 64 lower-case hex digits, no prefix (what {@code sha256sum} prints). */
  public String hex() {
    return Hex.encode(bytes);
  }

  /** {@code 0x}-prefixed hex, as Ethereum tools print a bytes32. */
  @Override
  public String toString() {
    return Hex.prefixed(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hash32 h && Arrays.equals(bytes, h.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(Hash32 o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }
}
