package org.fedchain.ledger.ethereum;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.ledger.Reason;

/**
 * Maps the contracts' custom errors back to {@link Reason}: each reason {@code SIGNATURE_HIGH_S} is
 * the Solidity error {@code SignatureHighS()}, identified by its 4-byte selector.
 */
final class Reverts {
  private static final Map<String, Reason> BY_SELECTOR = new HashMap<>();

  static {
    for (Reason r : Reason.values()) {
      BY_SELECTOR.put(selector(solidityName(r)), r);
    }
  }

  private Reverts() {}

  /** {@code SIGNATURE_HIGH_S} -> {@code SignatureHighS}. */
  static String solidityName(Reason r) {
    StringBuilder sb = new StringBuilder();
    for (String part : r.name().split("_")) {
      sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return sb.toString();
  }

  static String selector(String errorName) {
    return Hex.encode(
        java.util.Arrays.copyOf(
            Hash32.keccak256((errorName + "()").getBytes(StandardCharsets.US_ASCII)).toBytes(), 4));
  }

  /** The reason encoded in revert data ({@code 0x} + selector), if it is one of ours. */
  static Optional<Reason> reason(String revertData) {
    if (revertData == null) {
      return Optional.empty();
    }
    String hex = revertData.startsWith("0x") ? revertData.substring(2) : revertData;
    if (hex.length() < 8) {
      return Optional.empty();
    }
    return Optional.ofNullable(BY_SELECTOR.get(hex.substring(0, 8).toLowerCase(Locale.ROOT)));
  }
}
