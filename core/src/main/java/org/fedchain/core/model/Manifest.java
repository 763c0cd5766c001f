package org.fedchain.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.UpdateKind;

/**
 * What a model update claims about itself, stored next to the model and content-addressed by {@code
 * manifestHash = SHA-256(bytes)}. Hashes are written as 64 lower-case hex digits; maps are written
 * with sorted keys, so the same manifest always gives the same bytes. Build one with {@link
 * #builder()}.
 *
 * @param format always {@link #FORMAT}
 * @param runId the run
 * @param kind what kind of update the model is
 * @param parents the model hash(es) this update continues from (empty for a genesis)
 * @param model SHA-256 of the canonical model file
 * @param tensors SHA-256 of each tensor's data, by tensor name
 * @param architecture the architecture id, e.g. {@code fmnist-cnn/1}
 * @param hyperparameters learning rate, batch size, optimizer, an aggregate's strategy and the like
 * @param seed the training seed
 * @param epochs epochs trained
 * @param steps optimizer steps taken
 * @param dataset commitment (Merkle root) and sample count of the training data
 * @param metrics loss, accuracy and the like on the node's own validation split
 * @param frozen tensors that training did not change (transfer learning)
 * @param inputs for an AGGREGATE, the update ids it aggregates
 * @param weights for an AGGREGATE, the weight the coordinator gave each input, in input order
 *     (absent: 1 each)
 * @param software versions of FedChain, DJL, libtorch
 * @param threads intra-op threads used for training
 * @param grants the data owners' grants the training data came from, by grant id (hex), with the
 *     samples used of each; null (absent) when the node trained on data of its own
 */
@JsonPropertyOrder(alphabetic = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
    String format,
    Hash32 runId,
    UpdateKind kind,
    List<Hash32> parents,
    Hash32 model,
    SortedMap<String, Hash32> tensors,
    String architecture,
    SortedMap<String, String> hyperparameters,
    long seed,
    int epochs,
    long steps,
    Dataset dataset,
    SortedMap<String, Double> metrics,
    List<String> frozen,
    List<Hash32> inputs,
    List<Double> weights,
    SortedMap<String, String> software,
    int threads,
    SortedMap<String, Long> grants) {

  /** Version 2: typed weights of an aggregate's inputs (version 1 wrote them as a string). */
  public static final String FORMAT = "fedchain-manifest/2";

  /** The training data: Merkle root of its sample hashes and how many samples there were. */
  public record Dataset(Hash32 commitment, long samples) {
    public Dataset {
      Objects.requireNonNull(commitment, "dataset.commitment");
      if (samples < 0) {
        throw new IllegalArgumentException("manifest field dataset.samples must be >= 0");
      }
    }
  }

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .addModule(
              new SimpleModule("hashes")
                  .addSerializer(Hash32.class, new HashWriter())
                  .addDeserializer(Hash32.class, new HashReader()))
          .build();

  public Manifest {
    Objects.requireNonNull(format, "format");
    if (!format.equals(FORMAT)) {
      throw new IllegalArgumentException(
          "unknown manifest format '" + format + "', expected " + FORMAT);
    }
    Objects.requireNonNull(runId, "manifest field runId");
    Objects.requireNonNull(kind, "manifest field kind");
    Objects.requireNonNull(model, "manifest field model");
    Objects.requireNonNull(architecture, "manifest field architecture");
    parents = List.copyOf(Objects.requireNonNullElse(parents, List.of()));
    tensors = sorted(tensors);
    hyperparameters = sorted(hyperparameters);
    metrics = sorted(metrics);
    frozen = List.copyOf(Objects.requireNonNullElse(frozen, List.of()));
    inputs = List.copyOf(Objects.requireNonNullElse(inputs, List.of()));
    if (weights != null) {
      weights = List.copyOf(weights);
      if (weights.size() != inputs.size()) {
        throw new IllegalArgumentException(
            "manifest lists "
                + weights.size()
                + " weights for "
                + inputs.size()
                + " inputs: one weight per input");
      }
      for (double w : weights) {
        if (!Double.isFinite(w) || w < 0) {
          throw new IllegalArgumentException(
              "manifest weights must be finite and >= 0, got " + weights);
        }
      }
    }
    software = sorted(software);
    if (grants != null) {
      grants = sorted(grants);
      for (Map.Entry<String, Long> g : grants.entrySet()) {
        hash("grants", g.getKey());
        if (g.getValue() == null || g.getValue() < 1) {
          throw new IllegalArgumentException(
              "manifest grants must each list 1 or more samples, got " + g.getValue());
        }
      }
    }
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

  /** The per-tensor hashes of a model, as this manifest lists them. */
  public static SortedMap<String, Hash32> tensorHashes(List<Tensor> tensors) {
    SortedMap<String, Hash32> out = new TreeMap<>();
    for (Tensor t : tensors) {
      out.put(t.name(), t.sha256());
    }
    return out;
  }

  /** The weight of input {@code i}: as listed, or 1 when the manifest lists none. */
  public double weight(int i) {
    return weights == null ? 1 : weights.get(i);
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
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return new String(toJson(), StandardCharsets.UTF_8);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Fields by name; {@code runId}, {@code kind}, {@code model} and {@code architecture} needed. */
  public static final class Builder {
    private Hash32 runId;
    private UpdateKind kind;
    private List<Hash32> parents = List.of();
    private Hash32 model;
    private SortedMap<String, Hash32> tensors = new TreeMap<>();
    private String architecture;
    private SortedMap<String, String> hyperparameters = new TreeMap<>();
    private long seed;
    private int epochs;
    private long steps;
    private Dataset dataset;
    private SortedMap<String, Double> metrics = new TreeMap<>();
    private List<String> frozen = List.of();
    private List<Hash32> inputs = List.of();
    private List<Double> weights;
    private SortedMap<String, String> software = new TreeMap<>();
    private int threads;
    private SortedMap<String, Long> grants;

    private Builder() {}

    public Builder runId(Hash32 v) {
      runId = v;
      return this;
    }

    public Builder kind(UpdateKind v) {
      kind = v;
      return this;
    }

    public Builder parents(List<Hash32> v) {
      parents = v;
      return this;
    }

    public Builder model(Hash32 v) {
      model = v;
      return this;
    }

    /** The model's tensors: their per-tensor hashes are listed. */
    public Builder tensors(List<Tensor> v) {
      tensors = tensorHashes(v);
      return this;
    }

    public Builder architecture(String v) {
      architecture = v;
      return this;
    }

    public Builder hyperparameters(Map<String, String> v) {
      hyperparameters = new TreeMap<>(v);
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    public Builder steps(long v) {
      steps = v;
      return this;
    }

    public Builder dataset(Hash32 commitment, long samples) {
      dataset = new Dataset(commitment, samples);
      return this;
    }

    public Builder metrics(Map<String, Double> v) {
      metrics = new TreeMap<>(v);
      return this;
    }

    public Builder frozen(List<String> v) {
      frozen = v;
      return this;
    }

    /** An aggregate's inputs (update ids) and the weight given each, in the same order. */
    public Builder inputs(List<Hash32> ids, List<Double> weightsPerInput) {
      inputs = ids;
      weights = weightsPerInput == null ? null : new ArrayList<>(weightsPerInput);
      return this;
    }

    public Builder software(Map<String, String> v) {
      software = new TreeMap<>(v);
      return this;
    }

    public Builder threads(int v) {
      threads = v;
      return this;
    }

    /** The grants the data came from, with the samples used of each (empty: none listed). */
    public Builder grants(Map<Hash32, Long> v) {
      if (v == null || v.isEmpty()) {
        grants = null;
      } else {
        grants = new TreeMap<>();
        v.forEach((id, n) -> grants.put(id.hex(), n));
      }
      return this;
    }

    public Manifest build() {
      return new Manifest(
          FORMAT,
          runId,
          kind,
          parents,
          model,
          tensors,
          architecture,
          hyperparameters,
          seed,
          epochs,
          steps,
          dataset,
          metrics,
          frozen,
          inputs,
          weights,
          software,
          threads,
          grants);
    }
  }

  // ---- hashes as 64 lower-case hex digits, strictly ----

  private static Hash32 hash(String field, String hex) {
    if (hex == null
        || hex.length() != 64
        || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException(
          "manifest field " + field + " must be 64 lower-case hex digits, got " + hex);
    }
    return Hash32.parse(hex);
  }

  private static String field(JsonParser p) {
    StringBuilder b = new StringBuilder();
    for (var ctx = p.getParsingContext(); ctx != null && !ctx.inRoot(); ctx = ctx.getParent()) {
      String part = ctx.inArray() ? "[]" : ctx.getCurrentName();
      b.insert(0, b.length() == 0 || b.charAt(0) == '[' ? part : part + ".");
    }
    return b.toString();
  }

  private static final class HashWriter extends JsonSerializer<Hash32> {
    @Override
    public void serialize(Hash32 h, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeString(h.hex());
    }
  }

  private static final class HashReader extends JsonDeserializer<Hash32> {
    @Override
    public Hash32 deserialize(JsonParser p, DeserializationContext c) throws IOException {
      String field = field(p);
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw JsonMappingException.from(
            p, "manifest field " + field + " must be a string of 64 lower-case hex digits");
      }
      try {
        return hash(field, p.getText());
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, e.getMessage(), e);
      }
    }
  }
}
