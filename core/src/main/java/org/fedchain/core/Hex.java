package org.fedchain.core;

import java.util.HexFormat;

/** Lower-case hex with an optional {@code 0x} prefix on input. */
public final class Hex {
  private static final HexFormat HEX = HexFormat.of();

  private Hex() {}

  public static String encode(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  public static String prefixed(byte[] bytes) {
    return "0x" + HEX.formatHex(bytes);
  }

  /**
   * Decodes hex, with or without {@code 0x}.
   *
   * @throws IllegalArgumentException naming the bad input when it is not even-length hex
   */
  public static byte[] decode(String hex) {
    String s = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
    if (s.length() % 2 != 0) {
      throw new IllegalArgumentException("hex has an odd number of digits: " + abbreviate(hex));
    }
    try {
      return HEX.parseHex(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not hex: " + abbreviate(hex), e);
    }
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? "'" + s + "'" : "'" + s.substring(0, 77) + "...'";
  }
}
