package org.fedchain.client;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.SafeTensors;
import org.fedchain.core.model.Tensor;

/** Parsing of command-line values that several commands share; errors name the option. */
final class Args {
  private Args() {}

  static Hash32 runId(String text) {
    try {
      return Hash32.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--run must be a run id of 64 hex digits (as 'run open' printed it): " + e.getMessage());
    }
  }

  /** VNX as a decimal ("12.5") to wei (18 decimals). */
  static BigInteger vnx(String option, String text) {
    try {
      BigDecimal v = new BigDecimal(text);
      if (v.signum() < 0) {
        throw new NumberFormatException();
      }
      return v.movePointRight(18).toBigIntegerExact();
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException(
          option
              + " must be a non-negative VNX amount with at most 18 decimals, got '"
              + text
              + "'");
    }
  }

  /** A duration as whole seconds: a number with a unit s, m, h or d ("7d", "90m", "0s"). */
  static long seconds(String option, String text) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d{1,12})([smhd])").matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          option + " must be a number with a unit s, m, h or d (e.g. 7d, 90m), got '" + text + "'");
    }
    long unit =
        switch (m.group(2)) {
          case "s" -> 1;
          case "m" -> 60;
          case "h" -> 3_600;
          default -> 86_400;
        };
    return Long.parseLong(m.group(1)) * unit;
  }

  /** Short names for the shipped architectures. */
  static String architecture(String text) {
    return switch (text) {
      case "cnn" -> "fmnist-cnn/1";
      case "mlp" -> "fmnist-mlp/1";
      default -> text;
    };
  }

  /** The model of {@code --genesis FILE}; an unreadable model is named with its file. */
  static List<Tensor> genesis(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return SafeTensors.read(bytes, SafeTensors.Form.ANY);
    } catch (ModelFormatException e) {
      throw new IllegalArgumentException(
          "--genesis " + file + " is not a safetensors model: " + e.getMessage(), e);
    }
  }

  /**
   * Builds a library value from options, naming the option when the library refuses one of its
   * settings: with {@code "nodes=--clients"}, its "nodes must be >= 1" becomes "--clients must be
   * >= 1".
   */
  static <T> T options(java.util.function.Supplier<T> make, String... settingToOption) {
    try {
      return make.get();
    } catch (IllegalArgumentException e) {
      String m = String.valueOf(e.getMessage());
      for (String pair : settingToOption) {
        String setting = pair.substring(0, pair.indexOf('='));
        if (m.startsWith(setting + " ")) {
          throw new IllegalArgumentException(
              pair.substring(pair.indexOf('=') + 1) + m.substring(setting.length()), e);
        }
      }
      throw e;
    }
  }
}
