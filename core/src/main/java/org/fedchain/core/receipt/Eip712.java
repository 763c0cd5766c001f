package org.fedchain.core.receipt;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * EIP-712 encoding for FedChain's fixed struct types. Written by hand (not through a generic JSON
 * encoder) so that every field is present and range-checked before anything is hashed.
 */
public final class Eip712 {
  private Eip712() {}

  /** A struct that can be signed as EIP-712 typed data. */
  public interface Struct {
    /** The EIP-712 type string, e.g. {@code ModelUpdate(bytes32 runId,...)}. */
    String typeString();

    /** {@code hashStruct(this)}. */
    Hash32 structHash();
  }

  /** {@code keccak256("\x19\x01" || domainSeparator || hashStruct(message))}. */
  public static Hash32 digest(Eip712Domain domain, Struct message) {
    return Hash32.keccak256(
        new byte[] {0x19, 0x01}, domain.separator().toBytes(), message.structHash().toBytes());
  }

  static Hash32 typeHash(String type) {
    return Hash32.keccak256(type.getBytes(StandardCharsets.US_ASCII));
  }

  static byte[] uint256(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, 32 - n, n);
    return out;
  }

  /** An unsigned 64-bit value (Java's long read as unsigned), left-padded to 32 bytes. */
  static byte[] uint64(long v) {
    byte[] out = new byte[32];
    for (int i = 0; i < 8; i++) {
      out[31 - i] = (byte) (v >>> (8 * i));
    }
    return out;
  }

  /** A signed 64-bit value, sign-extended to 32 bytes (two's complement). */
  static byte[] int64(long v) {
    byte[] out = uint64(v);
    if (v < 0) {
      for (int i = 0; i < 24; i++) {
        out[i] = (byte) 0xff;
      }
    }
    return out;
  }

  static byte[] uint8(int v) {
    if (v < 0 || v > 255) {
      throw new IllegalArgumentException("uint8 out of range: " + v);
    }
    byte[] out = new byte[32];
    out[31] = (byte) v;
    return out;
  }

  static byte[] address(Address a) {
    byte[] out = new byte[32];
    System.arraycopy(a.toBytes(), 0, out, 12, 20);
    return out;
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
