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

  /** What a training command's {@code --data} takes (see {@code DataSpec}). */
  static final String DATA_HELP =
      "Your training data: SOURCE[@K/N[:iid|:dirichlet=A|:series][:seed=S]], SOURCE being"
          + " fashion-mnist[:DIR], folder:DIR (a sub-folder per class), csv:FILE?target=COL"
          + "[&window=W&series=COL...] or npz:FILE (arrays x, y); e.g. fashion-mnist:1/3,"
          + " folder:images@2/4, csv:gas.csv?target=pm10&window=7&series=site@1/3:series."
          + " Every node of a run names the same N, partition and seed; @K/N:shards=FILE takes"
          + " line K of a file of sample indices.";

  /** A duration as whole seconds: a number with a unit s, m, h or d ("7d", "90m", "0s"). */
  /** Basis points as the percentage {@link #basisPoints} reads: 250 is "2.5". */
  static String percent(int basisPoints) {
    return new java.math.BigDecimal(basisPoints)
        .movePointLeft(2)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** A percentage with up to two decimals as basis points, 0..10000 ("2.5" is 250). */
  static int basisPoints(String option, String text) {
    try {
      java.math.BigDecimal bps = new java.math.BigDecimal(text.trim()).movePointRight(2);
      if (bps.signum() < 0 || bps.compareTo(java.math.BigDecimal.valueOf(10_000)) > 0) {
        throw new IllegalArgumentException("not within 0..100");
      }
      return bps.intValueExact();
    } catch (ArithmeticException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          option + " must be a percentage 0..100 with up to two decimals, got '" + text + "'");
    }
  }

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

  /** What {@code --model} takes. */
  static final String MODEL_HELP =
      "The model: a spec file (JSON, format fedchain-model/1), a built-in name (fmnist-cnn/1 or"
          + " cnn, fmnist-mlp/1 or mlp) or a built-in spec's hash. Default: ${DEFAULT-VALUE}.";

  /**
   * The architecture {@code --model} names: a spec file, or a built-in one by name or hash.
   *
   * @throws IllegalArgumentException naming the file and the problem
   */
  static org.fedchain.trainer.Architecture model(String text) throws IOException {
    Path file = Path.of(text);
    if (text.endsWith(".json") || Files.isRegularFile(file)) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--model: spec file " + file + " not found");
      }
      try {
        return org.fedchain.trainer.Architecture.of(
            org.fedchain.trainer.ModelSpec.parse(Files.readAllBytes(file)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--model " + file + ": " + e.getMessage(), e);
      }
    }
    return org.fedchain.trainer.Architectures.get(architecture(text));
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
