package org.fedchain.core.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes safetensors files; writes only the canonical form of DESIGN.md.
 *
 * <pre>{@code
 * byte[] file = SafeTensors.write(tensors);          // canonical bytes; SHA-256 = model hash
 * List<Tensor> back = SafeTensors.read(file, Form.CANONICAL);
 * }</pre>
 */
public final class SafeTensors {
  /** Largest header we accept; our headers are a few KiB, so anything near this is hostile. */
  public static final long MAX_HEADER_BYTES = 16L << 20;

  private static final String METADATA = "__metadata__";
  private static final ObjectMapper JSON =
      JsonMapper.builder(
              JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .build();

  /** Which files the reader accepts. */
  public enum Form {
    /** Exactly the bytes {@link #write} would produce: what a model hash is taken over. */
    CANONICAL,
    /** Any valid safetensors file (for importing models written by other tools). */
    ANY
  }

  private SafeTensors() {}

  /** Orders names by their UTF-8 bytes, unsigned, as the canonical form requires. */
  public static final Comparator<String> NAME_ORDER =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  /** The canonical file bytes of these tensors (in any order; they are sorted here). */
  public static byte[] write(Collection<Tensor> tensors) {
    List<Tensor> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparing(Tensor::name, NAME_ORDER));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
        throw new ModelFormatException("duplicate tensor name '" + sorted.get(i).name() + "'");
      }
    }
    long[] begins = new long[sorted.size()];
    long offset = 0;
    for (int i = 0; i < sorted.size(); i++) {
      begins[i] = offset;
      offset += sorted.get(i).byteSize();
    }
    byte[] header = header(sorted, begins);
    if (offset + header.length + 8 > Integer.MAX_VALUE - 8) {
      throw new ModelFormatException("model is larger than 2 GiB: " + offset + " bytes of data");
    }
    ByteBuffer out =
        ByteBuffer.allocate(8 + header.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(header.length).put(header);
    for (Tensor t : sorted) {
      t.writeTo(out);
    }
    return out.array();
  }

  private static byte[] header(List<Tensor> sorted, long[] begins) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.getFactory().createGenerator(bytes)) {
      g.writeStartObject();
      for (int i = 0; i < sorted.size(); i++) {
        Tensor t = sorted.get(i);
        g.writeObjectFieldStart(t.name());
        g.writeStringField("dtype", t.dtype().name());
        g.writeArrayFieldStart("shape");
        for (long d : t.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(begins[i]);
        g.writeNumber(begins[i] + t.byteSize());
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    while (bytes.size() % 8 != 0) {
      bytes.write(' ');
    }
    return bytes.toByteArray();
  }

  private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

  /**
   * Reads a safetensors file strictly. Tensors come back in name order.
   *
   * @throws ModelFormatException naming the first problem found
   */
  public static List<Tensor> read(byte[] file, Form form) {
    if (file.length < 8) {
      throw new ModelFormatException(
          "file too short for a safetensors header: " + file.length + " bytes");
    }
    long headerLen = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
      throw new ModelFormatException(
          "header length "
              + Long.toUnsignedString(headerLen)
              + " is out of bounds (2.."
              + MAX_HEADER_BYTES
              + ")");
    }
    if (headerLen > file.length - 8) {
      throw new ModelFormatException(
          "header length "
              + headerLen
              + " runs past the end of the file ("
              + file.length
              + " bytes)");
    }
    int dataStart = 8 + (int) headerLen;
    long dataLen = file.length - dataStart;
    List<Entry> entries = parseHeader(file, (int) headerLen, form);

    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long expected = 0;
    for (Entry e : byOffset) {
      if (e.begin < expected) {
        throw new ModelFormatException(
            "tensor '"
                + e.name
                + "' overlaps the previous tensor (data starts at "
                + e.begin
                + ", expected "
                + expected
                + ")");
      }
      if (e.begin > expected) {
        throw new ModelFormatException(
            "gap of "
                + (e.begin - expected)
                + " bytes before tensor '"
                + e.name
                + "' at offset "
                + expected);
      }
      if (e.end > dataLen) {
        throw new ModelFormatException(
            "tensor '" + e.name + "' ends at " + e.end + ", past the data (" + dataLen + " bytes)");
      }
      long need;
      try {
        need = Math.multiplyExact(Tensor.elementCount(e.name, e.shape), (long) e.dtype.size());
      } catch (ArithmeticException overflow) {
        throw new ModelFormatException(
            "tensor '" + e.name + "': shape " + Arrays.toString(e.shape) + " overflows");
      }
      if (need != e.end - e.begin) {
        throw new ModelFormatException(
            "tensor '"
                + e.name
                + "': shape "
                + Arrays.toString(e.shape)
                + " of "
                + e.dtype
                + " needs "
                + need
                + " bytes, data_offsets give "
                + (e.end - e.begin));
      }
      expected = e.end;
    }
    if (expected != dataLen) {
      throw new ModelFormatException(
          (dataLen - expected)
              + " trailing bytes after the last tensor (data "
              + dataLen
              + " bytes, tensors cover "
              + expected
              + ")");
    }

    List<Entry> byName = new ArrayList<>(entries);
    byName.sort(Comparator.comparing(Entry::name, NAME_ORDER));
    List<Tensor> out = new ArrayList<>(byName.size());
    for (Entry e : byName) {
      byte[] data = Arrays.copyOfRange(file, dataStart + (int) e.begin, dataStart + (int) e.end);
      out.add(Tensor.wrap(e.name, e.dtype, e.shape, data));
    }
    if (form == Form.CANONICAL) {
      checkCanonical(file, (int) headerLen, entries, out);
    }
    return List.copyOf(out);
  }

  private static void checkCanonical(
      byte[] file, int headerLen, List<Entry> inFileOrder, List<Tensor> byName) {
    for (int i = 1; i < inFileOrder.size(); i++) {
      if (NAME_ORDER.compare(inFileOrder.get(i - 1).name, inFileOrder.get(i).name) > 0) {
        throw new ModelFormatException(
            "not canonical: header lists '"
                + inFileOrder.get(i).name
                + "' after '"
                + inFileOrder.get(i - 1).name
                + "' (names must be in UTF-8 byte order)");
      }
    }
    long offset = 0;
    for (Entry e : inFileOrder) {
      if (e.begin != offset) {
        throw new ModelFormatException(
            "not canonical: data of '" + e.name + "' is not laid out in name order");
      }
      offset = e.end;
    }
    long[] begins = new long[byName.size()];
    for (int i = 0; i < begins.length; i++) {
      begins[i] = inFileOrder.get(i).begin;
    }
    byte[] canonical = header(byName, begins);
    if (canonical.length != headerLen
        || !Arrays.equals(file, 8, 8 + headerLen, canonical, 0, canonical.length)) {
      throw new ModelFormatException(
          "not canonical: header bytes differ from the canonical form (whitespace, key order, metadata or padding)");
    }
  }

  private static List<Entry> parseHeader(byte[] file, int headerLen, Form form) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(file, 8, headerLen))
              .toString();
    } catch (CharacterCodingException e) {
      throw new ModelFormatException("header is not valid UTF-8", e);
    }
    JsonNode root;
    try (JsonParser p = JSON.getFactory().createParser(text)) {
      root = JSON.readTree(p);
      if (p.nextToken() != null) {
        throw new ModelFormatException("header has content after its JSON object");
      }
    } catch (JsonProcessingException e) {
      throw new ModelFormatException("header is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelFormatException("header is not a JSON object");
    }
    List<Entry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Map.Entry<String, JsonNode> f : root.properties()) {
      String name = f.getKey();
      if (name.equals(METADATA)) {
        if (form == Form.CANONICAL) {
          throw new ModelFormatException("not canonical: header has __metadata__");
        }
        checkMetadata(f.getValue());
        continue;
      }
      if (name.isEmpty()) {
        throw new ModelFormatException("a tensor has an empty name");
      }
      if (!seen.add(name)) {
        throw new ModelFormatException("duplicate tensor name '" + name + "'");
      }
      entries.add(entry(name, f.getValue()));
    }
    return entries;
  }

  private static void checkMetadata(JsonNode meta) {
    if (!meta.isObject()) {
      throw new ModelFormatException("__metadata__ is not an object");
    }
    meta.properties()
        .forEach(
            m -> {
              if (!m.getValue().isTextual()) {
                throw new ModelFormatException(
                    "__metadata__ value of '" + m.getKey() + "' is not a string");
              }
            });
  }

  private static Entry entry(String name, JsonNode n) {
    if (!n.isObject()) {
      throw new ModelFormatException("tensor '" + name + "': entry is not an object");
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
        throw new ModelFormatException("tensor '" + name + "': unknown key '" + k + "'");
      }
    }
    JsonNode dtype = n.get("dtype");
    if (dtype == null || !dtype.isTextual()) {
      throw new ModelFormatException("tensor '" + name + "': dtype missing or not a string");
    }
    DType d;
    try {
      d = DType.parse(dtype.asText());
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException("tensor '" + name + "': " + e.getMessage());
    }
    long[] shape = longs(name, "shape", n.get("shape"), -1);
    long[] offsets = longs(name, "data_offsets", n.get("data_offsets"), 2);
    if (offsets[0] > offsets[1]) {
      throw new ModelFormatException(
          "tensor '"
              + name
              + "': data_offsets ["
              + offsets[0]
              + ","
              + offsets[1]
              + "] run backwards");
    }
    return new Entry(name, d, shape, offsets[0], offsets[1]);
  }

  private static long[] longs(String name, String key, JsonNode n, int size) {
    if (n == null || !n.isArray() || (size >= 0 && n.size() != size)) {
      throw new ModelFormatException(
          "tensor '"
              + name
              + "': "
              + key
              + " missing or not an array"
              + (size >= 0 ? " of " + size : ""));
    }
    long[] out = new long[n.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = n.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
        throw new ModelFormatException(
            "tensor '" + name + "': " + key + "[" + i + "] is not a non-negative integer: " + v);
      }
      out[i] = v.asLong();
    }
    return out;
  }
}
