package org.fedchain.client;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.SafeTensors;
import org.fedchain.core.model.Tensor;
import org.fedchain.trainer.Architecture;

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

  /** How a fresh genesis model came to be, as its run records it: "fresh, seed 1, kaiming init". */
  static String freshOrigin(long seed, Architecture.Init init) {
    return "fresh, seed " + seed + ", " + init.name().toLowerCase(Locale.ROOT) + " init";
  }
}
