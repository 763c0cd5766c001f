package org.fedchain.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.fedchain.core.Hash32;

/**
 * What a model update claims about itself, stored next to the model and content-addressed by {@code
 * manifestHash = SHA-256(bytes)}. Hashes are written as 64 lower-case hex digits; maps are written
 * with sorted keys, so the same manifest always gives the same bytes.
 *
 * @param format always {@link #FORMAT}
 * @param runId the run
 * @param kind GENESIS, CHAINED, LOCAL, AGGREGATE or STAGE
 * @param parents the model hash(es) this update continues from (empty for a genesis)
 * @param model SHA-256 of the canonical model file
 * @param tensors SHA-256 of each tensor's data, by tensor name
 * @param architecture the architecture id, e.g. {@code fmnist-cnn/1}
 * @param hyperparameters learning rate, batch size, optimizer and the like
 * @param seed the training seed
 * @param epochs epochs trained
 * @param steps optimizer steps taken
 * @param dataset commitment (Merkle root) and sample count of the training data
 * @param metrics loss, accuracy and the like on the node's own validation split
 * @param frozen tensors that training did not change (transfer learning)
 * @param inputs for an AGGREGATE, the update ids it aggregates
 * @param software versions of FedChain, DJL, libtorch
 * @param threads intra-op threads used for training
 */
@JsonPropertyOrder(alphabetic = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
    String format,
    String runId,
    String kind,
    List<String> parents,
    String model,
    SortedMap<String, String> tensors,
    String architecture,
    SortedMap<String, String> hyperparameters,
    long seed,
    int epochs,
    long steps,
    Dataset dataset,
    SortedMap<String, Double> metrics,
    List<String> frozen,
    List<String> inputs,
    SortedMap<String, String> software,
    int threads) {

  public static final String FORMAT = "fedchain-manifest/1";

  /** The training data: Merkle root of its sample hashes and how many samples there were. */
  public record Dataset(String commitment, long samples) {}

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  public Manifest {
    Objects.requireNonNull(format, "format");
    if (!format.equals(FORMAT)) {
      throw new IllegalArgumentException(
          "unknown manifest format '" + format + "', expected " + FORMAT);
    }
    checkHash("runId", runId);
    checkHash("model", model);
    parents = List.copyOf(Objects.requireNonNullElse(parents, List.of()));
    parents.forEach(p -> checkHash("parents[]", p));
    tensors = sorted(tensors);
    tensors.forEach((k, v) -> checkHash("tensors." + k, v));
    hyperparameters = sorted(hyperparameters);
    metrics = sorted(metrics);
    frozen = List.copyOf(Objects.requireNonNullElse(frozen, List.of()));
    inputs = List.copyOf(Objects.requireNonNullElse(inputs, List.of()));
    inputs.forEach(p -> checkHash("inputs[]", p));
    software = sorted(software);
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(architecture, "architecture");
    if (epochs < 0 || steps < 0 || threads < 0) {
      throw new IllegalArgumentException(
          "manifest fields epochs, steps and threads must be >= 0, got "
              + epochs
              + ", "
              + steps
              + ", "
              + threads);
    }
  }

  private static <V> SortedMap<String, V> sorted(Map<String, V> m) {
    return java.util.Collections.unmodifiableSortedMap(
        new TreeMap<>(Objects.requireNonNullElse(m, Map.of())));
  }

  private static void checkHash(String field, String hex) {
    if (hex == null
        || hex.length() != 64
        || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException(
          "manifest field " + field + " must be 64 lower-case hex digits, got " + hex);
    }
  }

  /** The per-tensor hashes of a model, as this manifest lists them. */
  public static SortedMap<String, String> tensorHashes(List<Tensor> tensors) {
    SortedMap<String, String> out = new TreeMap<>();
    for (Tensor t : tensors) {
      out.put(t.name(), t.sha256().hex());
    }
    return out;
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest does not serialize", e);
    }
  }

  /** SHA-256 of {@link #toJson()}. */
  public Hash32 hash() {
    return Hash32.sha256(toJson());
  }

  /**
   * Parses a manifest strictly: unknown or duplicate fields, a wrong format or a malformed hash are
   * errors naming the field.
   */
  public static Manifest parse(byte[] json) {
    try {
      return JSON.readValue(json, Manifest.class);
    } catch (JsonProcessingException e) {
      String msg = e.getOriginalMessage();
      Throwable c = e.getCause();
      if (c instanceof IllegalArgumentException iae) {
        msg = iae.getMessage();
      }
      throw new IllegalArgumentException("invalid manifest: " + msg, e);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return new String(toJson(), StandardCharsets.UTF_8);
  }
}
