package org.fedchain.trainer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.fedchain.core.Hash32;

/**
 * A network as data: its input shape, its layers (nested sequences allowed) and its output size, as
 * the JSON format {@code fedchain-model/1} writes it (see docs/design.md, "Model spec"). A spec is
 * stored in the content store like a model and named by the SHA-256 of its canonical bytes, so
 * every node, validator and auditor rebuilds the same network from the ledger and the store, with
 * no code shipped and nothing trusted.
 *
 * <pre>{@code
 * ModelSpec spec = ModelSpec.parse(Files.readAllBytes(Path.of("lstm.json")));
 * Hash32 id = spec.hash();                 // SHA-256 of spec.canonical()
 * Architecture arch = Architecture.of(spec);
 * }</pre>
 *
 * <p>The canonical form is RFC 8785's (keys sorted, no whitespace) over the spec with every default
 * written out, so two files that describe the same network have the same hash. Numbers are integers
 * or plain decimals between 1e-6 and 1e21 (where RFC 8785 writes no exponent either).
 */
public final class ModelSpec {
  public static final String FORMAT = "fedchain-model/1";

  /** The most parameters a spec may have (4 GB of float32 weights). */
  public static final long MAX_PARAMETERS = 1_000_000_000L;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final String name;
  private final String description;
  private final long[] input;
  private final boolean intInput;
  private final long output;
  private final Layer.Sequence layers;
  private final byte[] canonical;

  private ModelSpec(
      String name,
      String description,
      long[] input,
      boolean intInput,
      long output,
      Layer.Sequence layers) {
    this.name = name;
    this.description = description;
    this.input = input.clone();
    this.intInput = intInput;
    this.output = output;
    this.layers = layers;
    this.canonical = Canonical.bytes(json());
  }

  /**
   * Parses and checks a spec: known fields only, every layer able to take the shape that reaches
   * it, the last one giving {@code output}.
   *
   * @throws SpecException naming the field or layer at fault
   */
  public static ModelSpec parse(byte[] json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SpecException("not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new SpecException("not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new SpecException("a spec is a JSON object");
    }
    Fields f = new Fields("spec", root);
    f.only("format", "name", "description", "input", "inputType", "output", "layers");
    String format = f.text("format", null);
    if (!FORMAT.equals(format)) {
      throw new SpecException("spec.format must be \"" + FORMAT + "\", got " + root.get("format"));
    }
    long[] input = f.shape("input");
    String inputType = f.text("inputType", "float");
    if (!inputType.equals("float") && !inputType.equals("int")) {
      throw new SpecException("spec.inputType must be \"float\" or \"int\", got " + inputType);
    }
    long output = f.positive("output");
    Layer.Sequence layers = new Layer.Sequence(layers(f.array("layers"), "spec.layers"));
    if (layers.layers().isEmpty()) {
      throw new SpecException("spec.layers is empty");
    }
    // token ids go into an embedding, and only there: it must come first, on "int" input
    boolean first = layers.layers().get(0) instanceof Layer.Embed;
    if (inputType.equals("int") != first || embeddings(layers) > (first ? 1 : 0)) {
      throw new SpecException(
          "an embedding takes token ids: make it the first layer and set spec.inputType to"
              + " \"int\" (and only then)");
    }
    long[] out;
    try {
      out = layers.out(input);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new SpecException("spec.layers: " + e.getMessage());
    }
    long parameters = 0;
    try {
      for (Layer.Param p : layers.params(input)) {
        long n = 1;
        for (long d : p.shape()) {
          n = Math.multiplyExact(n, d);
        }
        parameters = Math.addExact(parameters, n);
      }
    } catch (ArithmeticException e) {
      parameters = Long.MAX_VALUE; // more than any limit
    }
    // a spec comes from whoever opened the run: one that would not fit a node's memory is refused
    // here, not found out by an allocation failing
    if (parameters > MAX_PARAMETERS) {
      throw new SpecException(
          "the layers have "
              + parameters
              + " parameters; a spec may have at most "
              + MAX_PARAMETERS);
    }
    if (out[out.length - 1] != output) {
      throw new SpecException(
          "the layers give shape "
              + Arrays.toString(out)
              + " per sample; spec.output says the last axis is "
              + output);
    }
    return new ModelSpec(
        f.text("name", null),
        f.text("description", null),
        input,
        inputType.equals("int"),
        output,
        layers);
  }

  private static List<Layer> layers(JsonNode array, String path) {
    List<Layer> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      out.add(layer(array.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  private static Layer layer(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new SpecException(path + " is not an object");
    }
    Fields f = new Fields(path, node);
    String type = f.text("type", null);
    if (type == null) {
      throw new SpecException(path + " has no type");
    }
    Layer l =
        switch (type) {
          case "dense" -> {
            f.only("type", "out", "bias");
            yield new Layer.Dense(f.positiveInt("out"), f.bool("bias", true));
          }
          case "conv1d", "conv2d" -> {
            f.only("type", "out", "kernel", "stride", "padding");
            yield new Layer.Conv(
                type.charAt(4) - '0',
                f.positiveInt("out"),
                f.positiveInt("kernel"),
                f.intOr("stride", 1, 1),
                f.intOr("padding", 0, 0));
          }
          case "maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d" -> {
            f.only("type", "kernel", "stride");
            int kernel = f.positiveInt("kernel");
            yield new Layer.PoolLayer(
                type.charAt(7) - '0', type.startsWith("max"), kernel, f.intOr("stride", kernel, 1));
          }
          case "batchnorm1d", "batchnorm2d" -> {
            f.only("type", "eps", "momentum");
            yield new Layer.Norm(
                type.charAt(9) - '0',
                f.fraction("eps", 1e-5, false),
                f.fraction("momentum", 0.1, false));
          }
          case "dropout" -> {
            f.only("type", "p");
            yield new Layer.DropoutLayer(f.fraction("p", 0.5, true));
          }
          case "flatten" -> {
            f.only("type");
            yield new Layer.Flatten();
          }
          case "mean" -> {
            f.only("type", "axis");
            yield new Layer.Mean(f.intOr("axis", null, 0));
          }
          case "relu", "tanh", "sigmoid", "gelu" -> {
            f.only("type");
            yield new Layer.Act(type, 0);
          }
          case "leaky_relu" -> {
            f.only("type", "slope");
            yield new Layer.Act(type, f.fraction("slope", 0.01, true));
          }
          case "lstm", "gru" -> {
            f.only("type", "hidden", "layers", "last");
            yield new Layer.Recurrent(
                type.equals("lstm"),
                f.positiveInt("hidden"),
                f.intOr("layers", 1, 1),
                f.bool("last", true));
          }
          case "embedding" -> {
            f.only("type", "vocab", "dim");
            yield new Layer.Embed(f.positiveInt("vocab"), f.positiveInt("dim"));
          }
          case "sequential" -> {
            f.only("type", "layers");
            yield new Layer.Sequence(layers(f.array("layers"), path + ".layers"));
          }
          default ->
              throw new SpecException(
                  path
                      + ".type '"
                      + type
                      + "' is not a layer type (dense, conv1d, conv2d, maxpool1d, maxpool2d,"
                      + " avgpool1d, avgpool2d, batchnorm1d, batchnorm2d, dropout, flatten, relu,"
                      + " tanh, sigmoid, gelu, leaky_relu, lstm, gru, embedding, mean,"
                      + " sequential)");
        };
    return l;
  }

  private static int embeddings(Layer l) {
    if (l instanceof Layer.Embed) {
      return 1;
    }
    int n = 0;
    if (l instanceof Layer.Sequence s) {
      for (Layer c : s.layers()) {
        n += embeddings(c);
      }
    }
    return n;
  }

  /** Whether samples are token ids for a first embedding layer, rather than floats. */
  public boolean intInput() {
    return intInput;
  }

  /** The spec as JSON with every default written out (what {@link #canonical} serialises). */
  public ObjectNode json() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("format", FORMAT);
    if (name != null) {
      o.put("name", name);
    }
    if (description != null) {
      o.put("description", description);
    }
    var in = o.putArray("input");
    for (long d : input) {
      in.add(d);
    }
    o.put("inputType", intInput ? "int" : "float");
    o.put("output", output);
    o.set("layers", layers.json().get("layers"));
    return o;
  }

  /**
   * The stage of this network made of its top-level layers {@code [from, to)}: its input is the
   * shape the layers before {@code from} give, its output what layer {@code to - 1} gives. A
   * stage's parameters are named from its own first layer, 0 (see {@link Stages#toStage}).
   *
   * @throws SpecException if the range is empty or outside the layers
   */
  public ModelSpec stage(int from, int to) {
    List<Layer> all = layers.layers();
    if (from < 0 || to > all.size() || from >= to) {
      throw new SpecException(
          "a stage is layers [from, to) with 0 <= from < to <= "
              + all.size()
              + ", got ["
              + from
              + ", "
              + to
              + ")");
    }
    ObjectNode o = json();
    long[] in = shapeBefore(from);
    var shape = o.putArray("input");
    for (long d : in) {
      shape.add(d);
    }
    o.put("inputType", intInput && from == 0 ? "int" : "float");
    long[] out = shapeBefore(to);
    o.put("output", out[out.length - 1]);
    var sub = JsonNodeFactory.instance.arrayNode();
    for (int i = from; i < to; i++) {
      sub.add(o.get("layers").get(i));
    }
    o.set("layers", sub);
    o.remove("name");
    o.put(
        "description",
        "layers " + from + ".." + (to - 1) + " of " + (name != null ? name : hash()));
    return parse(o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The shape of one sample after the first {@code n} top-level layers. */
  long[] shapeBefore(int n) {
    long[] s = input;
    for (int i = 0; i < n; i++) {
      s = layers.layers().get(i).out(s);
    }
    return s;
  }

  /** The number of top-level layers (the unit stages are cut in). */
  public int layerCount() {
    return layers.layers().size();
  }

  /** The canonical bytes: what is stored and hashed. */
  public byte[] canonical() {
    return canonical.clone();
  }

  /** SHA-256 of the canonical bytes: the spec's identity on the ledger. */
  public Hash32 hash() {
    return Hash32.sha256(canonical);
  }

  /** The spec's label (e.g. {@code fmnist-cnn/1}), if it has one. */
  public java.util.Optional<String> name() {
    return java.util.Optional.ofNullable(name);
  }

  public java.util.Optional<String> description() {
    return java.util.Optional.ofNullable(description);
  }

  /** One sample's shape, without the batch axis. */
  public long[] input() {
    return input.clone();
  }

  /** The size of the output's last axis (classes, or regression targets). */
  public long output() {
    return output;
  }

  Layer.Sequence layers() {
    return layers;
  }

  /** The spec's JSON, indented for people. */
  public String pretty() {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec s && Arrays.equals(canonical, s.canonical);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(canonical);
  }

  @Override
  public String toString() {
    return (name != null ? name + " " : "") + "spec " + hash().hex().substring(0, 12);
  }

  /** A spec that does not parse or does not fit together; the message names the field. */
  public static final class SpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SpecException(String message) {
      super(message);
    }
  }

  /** Typed reads of one JSON object's fields, naming {@code path.field} in every error. */
  private record Fields(String path, JsonNode node) {
    void only(String... allowed) {
      Set<String> ok = Set.of(allowed);
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!ok.contains(k)) {
          throw new SpecException(
              path
                  + " has unknown field '"
                  + k
                  + "' (allowed: "
                  + String.join(", ", allowed)
                  + ")");
        }
      }
    }

    String text(String field, String dflt) {
      JsonNode v = node.get(field);
      if (v == null) {
        return dflt;
      }
      if (!v.isTextual()) {
        throw new SpecException(path + "." + field + " must be a string");
      }
      return v.asText();
    }

    boolean bool(String field, boolean dflt) {
      JsonNode v = node.get(field);
      if (v == null) {
        return dflt;
      }
      if (!v.isBoolean()) {
        throw new SpecException(path + "." + field + " must be true or false");
      }
      return v.asBoolean();
    }

    JsonNode array(String field) {
      JsonNode v = node.get(field);
      if (v == null || !v.isArray()) {
        throw new SpecException(path + "." + field + " must be an array");
      }
      return v;
    }

    long positive(String field) {
      JsonNode v = node.get(field);
      if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
        throw new SpecException(path + "." + field + " must be a positive integer, got " + v);
      }
      return v.asLong();
    }

    int positiveInt(String field) {
      return intOr(field, null, 1);
    }

    int intOr(String field, Integer dflt, int min) {
      JsonNode v = node.get(field);
      if (v == null && dflt != null) {
        return dflt;
      }
      if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min) {
        throw new SpecException(
            path + "." + field + " must be an integer of at least " + min + ", got " + v);
      }
      return v.asInt();
    }

    double fraction(String field, double dflt, boolean zeroOk) {
      JsonNode v = node.get(field);
      if (v == null) {
        return dflt;
      }
      double d = v.isNumber() ? v.asDouble() : Double.NaN;
      if (!(d < 1) || d < 0 || (!zeroOk && d == 0)) {
        throw new SpecException(
            path + "." + field + " must be a number in " + (zeroOk ? "[0, 1)" : "(0, 1)"));
      }
      return d;
    }

    long[] shape(String field) {
      JsonNode a = array(field);
      if (a.isEmpty()) {
        throw new SpecException(path + "." + field + " is empty");
      }
      long[] s = new long[a.size()];
      for (int i = 0; i < s.length; i++) {
        JsonNode v = a.get(i);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
          throw new SpecException(
              path + "." + field + "[" + i + "] must be a positive integer, got " + v);
        }
        s[i] = v.asLong();
      }
      return s;
    }
  }

  /** RFC 8785 serialisation for the values a spec holds. */
  static final class Canonical {
    private Canonical() {}

    static byte[] bytes(JsonNode n) {
      StringBuilder sb = new StringBuilder();
      write(n, sb);
      return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(JsonNode n, StringBuilder sb) {
      if (n.isObject()) {
        TreeMap<String, JsonNode> sorted = new TreeMap<>(); // UTF-16 order, as RFC 8785 sorts
        n.fieldNames().forEachRemaining(k -> sorted.put(k, n.get(k)));
        sb.append('{');
        boolean first = true;
        for (var e : sorted.entrySet()) {
          sb.append(first ? "" : ",");
          first = false;
          string(e.getKey(), sb);
          sb.append(':');
          write(e.getValue(), sb);
        }
        sb.append('}');
      } else if (n.isArray()) {
        sb.append('[');
        for (int i = 0; i < n.size(); i++) {
          sb.append(i == 0 ? "" : ",");
          write(n.get(i), sb);
        }
        sb.append(']');
      } else if (n.isTextual()) {
        string(n.asText(), sb);
      } else if (n.isBoolean()) {
        sb.append(n.asBoolean());
      } else if (n.isIntegralNumber()) {
        sb.append(n.bigIntegerValue());
      } else if (n.isNumber()) {
        sb.append(decimal(n.decimalValue()));
      } else {
        throw new SpecException("null is not a spec value");
      }
    }

    private static String decimal(BigDecimal d) {
      BigDecimal v = d.stripTrailingZeros();
      if (v.signum() != 0
          && (v.abs().compareTo(new BigDecimal("1e-6")) < 0
              || v.abs().compareTo(new BigDecimal("1e21")) >= 0)) {
        throw new SpecException("number " + d + " is outside 1e-6..1e21, which specs do not use");
      }
      return v.scale() <= 0 ? v.toBigIntegerExact().toString() : v.toPlainString();
    }

    private static void string(String s, StringBuilder sb) {
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\b' -> sb.append("\\b");
          case '\f' -> sb.append("\\f");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          case '\t' -> sb.append("\\t");
          default -> {
            if (c < 0x20) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
          }
        }
      }
      sb.append('"');
    }
  }
}
