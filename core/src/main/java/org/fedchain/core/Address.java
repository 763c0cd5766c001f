package org.fedchain.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/** A 20-byte Ethereum-style account address. Prints with the EIP-55 checksum. */
public final class Address implements Comparable<Address> {
  public static final Address ZERO = new Address(new byte[20]);

  private final byte[] bytes;

  private Address(byte[] bytes) {
    this.bytes = bytes;
  }

  public static Address of(byte[] bytes) {
    if (bytes.length != 20) {
      throw new IllegalArgumentException("an address has 20 bytes, got " + bytes.length);
    }
    return new Address(bytes.clone());
  }

  /**
   * Parses 40 hex digits with or without {@code 0x}. A mixed-case address must carry a valid EIP-55
   * checksum (as ethers demands); all-lower or all-upper case is accepted.
   */
  public static Address parse(String text) {
    String s = text.strip();
    byte[] b = Hex.decode(s);
    if (b.length != 20) {
      throw new IllegalArgumentException(
          "an address has 40 hex digits, got " + b.length * 2 + ": " + Hex.abbreviate(text));
    }
    Address a = new Address(b);
    String digits = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
    boolean mixed =
        !digits.equals(digits.toLowerCase(Locale.ROOT))
            && !digits.equals(digits.toUpperCase(Locale.ROOT));
    if (mixed && !a.toString().substring(2).equals(digits)) {
      throw new IllegalArgumentException(
          "address checksum is wrong (EIP-55): " + text + ", expected " + a);
    }
    return a;
  }

  /** The address of an uncompressed public key X||Y (64 bytes): last 20 bytes of its Keccak. */
  public static Address fromPublicKey(byte[] xy) {
    if (xy.length != 64) {
      throw new IllegalArgumentException("a public key X||Y has 64 bytes, got " + xy.length);
    }
    byte[] h = Hash32.keccak256(xy).toBytes();
    return new Address(Arrays.copyOfRange(h, 12, 32));
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  public boolean isZero() {
    return equals(ZERO);
  }

  /** Lower-case {@code 0x} hex. */
  public String lowerHex() {
    return Hex.prefixed(bytes);
  }

  /** EIP-55 mixed-case checksum form. */
  @Override
  public String toString() {
    String lower = Hex.encode(bytes);
    byte[] h = Hash32.keccak256(lower.getBytes(StandardCharsets.US_ASCII)).toBytes();
    StringBuilder sb = new StringBuilder("0x");
    for (int i = 0; i < 40; i++) {
      char c = lower.charAt(i);
      int nibble = (h[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf;
      sb.append(nibble >= 8 ? Character.toUpperCase(c) : c);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Address a && Arrays.equals(bytes, a.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(Address o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }
}
