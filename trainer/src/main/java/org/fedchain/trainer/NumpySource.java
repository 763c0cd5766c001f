package org.fedchain.trainer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * NumPy arrays, so Python users can export anything: a {@code .npz} file as {@code numpy.savez}
 * writes it, holding {@code x} (samples, [n, ...the model's input shape]) and {@code y} (integer
 * class labels [n], or float targets [n] or [n, ...]), and optionally {@code x_test} and {@code
 * y_test}. Features of dtype uint8 are read as {@code x / 255} (as torchvision's {@code ToTensor}),
 * other numeric dtypes as float32. Little-endian, C order; anything else fails naming the file and
 * the array.
 */
public final class NumpySource implements DataSource {
  private final Path file;
  private final Samples train;
  private final Samples test;

  private NumpySource(Path file, Samples train, Samples test) {
    this.file = file;
    this.train = train;
    this.test = test;
  }

  /**
   * Reads the file for a model taking samples of {@code inputShape}.
   *
   * @throws DatasetException naming the file and array at fault
   */
  public static NumpySource open(Path file, long[] inputShape) {
    Map<String, Array> arrays = readNpz(file);
    Samples train = samples(file, arrays, "x", "y", inputShape);
    Samples test =
        arrays.containsKey("x_test") ? samples(file, arrays, "x_test", "y_test", inputShape) : null;
    if (test != null && train.classes() != test.classes()) {
      throw new DatasetException(
          file,
          "y has "
              + train.classes()
              + " classes but y_test has "
              + test.classes()
              + " (labels are 0..classes-1)");
    }
    return new NumpySource(file, train, test);
  }

  @Override
  public Samples train() {
    return train;
  }

  @Override
  public Optional<Samples> test() {
    return Optional.ofNullable(test);
  }

  @Override
  public String describe() {
    return "npz:" + file;
  }

  /** One array: dtype as NumPy writes it ({@code <f4}, {@code |u1}), shape, raw bytes. */
  record Array(String name, String dtype, long[] shape, byte[] data) {
    long count() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    boolean integral() {
      return dtype.charAt(1) == 'i' || dtype.charAt(1) == 'u' || dtype.charAt(1) == 'b';
    }

    /** The values as doubles, whatever the dtype. */
    double[] values(Path file) {
      int n = Math.toIntExact(count());
      double[] out = new double[n];
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        out[i] =
            switch (dtype.substring(1)) {
              case "f4" -> b.getFloat();
              case "f8" -> b.getDouble();
              case "u1", "b1" -> b.get() & 0xff;
              case "i1" -> b.get();
              case "i2" -> b.getShort();
              case "u2" -> b.getShort() & 0xffff;
              case "i4" -> b.getInt();
              case "i8" -> b.getLong();
              default ->
                  throw new DatasetException(
                      file,
                      "array " + name + " has dtype " + dtype + ", which FedChain does not read");
            };
      }
      return out;
    }
  }

  private static Samples samples(
      Path file, Map<String, Array> arrays, String xName, String yName, long[] inputShape) {
    Array x = arrays.get(xName);
    Array y = arrays.get(yName);
    if (x == null || y == null) {
      throw new DatasetException(
          file,
          "needs arrays "
              + xName
              + " and "
              + yName
              + " (numpy.savez(file, x=..., y=...)); it has "
              + arrays.keySet());
    }
    long[] sampleShape = Arrays.copyOfRange(x.shape, 1, x.shape.length);
    if (x.shape.length < 2 || !Arrays.equals(sampleShape, inputShape)) {
      throw new DatasetException(
          file,
          "array "
              + xName
              + " has shape "
              + Arrays.toString(x.shape)
              + "; the model takes [n, "
              + Arrays.toString(inputShape).replaceAll("[\\[\\]]", "")
              + "]");
    }
    int n = Math.toIntExact(x.shape[0]);
    if (y.shape.length < 1 || y.shape[0] != n) {
      throw new DatasetException(
          file,
          "array " + yName + " has shape " + Arrays.toString(y.shape) + ", not [" + n + ", ...]");
    }
    double[] yv = y.values(file);
    for (int i = 0; i < yv.length; i++) {
      if (!Double.isFinite(yv[i])) {
        throw new DatasetException(file, "array " + yName + " holds a non-finite value at " + i);
      }
    }
    if (y.integral() && y.shape.length == 1) {
      int[] labels = new int[n];
      int classes = 0;
      for (int i = 0; i < n; i++) {
        if (yv[i] < 0 || yv[i] > 65_535) {
          throw new DatasetException(
              file, "array " + yName + " holds label " + (long) yv[i] + " at " + i);
        }
        labels[i] = (int) yv[i];
        classes = Math.max(classes, labels[i] + 1);
      }
      if (x.dtype.equals("|u1")) {
        return Samples.images(inputShape, x.data, labels, classes);
      }
      return Samples.classified(inputShape, floats(x.values(file), file, xName), labels, classes);
    }
    long[] targetShape =
        y.shape.length == 1 ? new long[] {1} : Arrays.copyOfRange(y.shape, 1, y.shape.length);
    float[] t = new float[yv.length];
    for (int i = 0; i < t.length; i++) {
      t[i] = (float) yv[i];
    }
    double[] xv = x.values(file);
    if (x.dtype.equals("|u1")) {
      for (int i = 0; i < xv.length; i++) {
        xv[i] /= 255;
      }
    }
    return Samples.regression(inputShape, floats(xv, file, xName), targetShape, t);
  }

  private static float[] floats(double[] v, Path file, String name) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) v[i];
      if (!Float.isFinite(out[i])) {
        throw new DatasetException(file, "array " + name + " holds a non-finite value at " + i);
      }
    }
    return out;
  }

  /** The arrays of an {@code .npz} file (a zip of {@code .npy} files), by name. */
  static Map<String, Array> readNpz(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file, "NumPy file not found");
    }
    Map<String, Array> out = new HashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      List<? extends ZipEntry> entries = new ArrayList<>(zip.stream().toList());
      for (ZipEntry e : entries) {
        String name = e.getName();
        if (!name.endsWith(".npy")) {
          continue;
        }
        String key = name.substring(0, name.length() - 4);
        try (InputStream in = zip.getInputStream(e)) {
          out.put(key, readNpy(file, key, in.readAllBytes()));
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw new DatasetException(file, "is not an .npz file (numpy.savez): " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e.getMessage(), e);
    }
    return out;
  }

  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=][a-z]\\d+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  /** One {@code .npy} payload (format versions 1 to 3), checked against its header. */
  static Array readNpy(Path file, String name, byte[] b) {
    String where = "array " + name + ": ";
    if (b.length < 10
        || (b[0] & 0xff) != 0x93
        || !new String(b, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
      throw new DatasetException(file, where + "not a .npy array (bad magic)");
    }
    int major = b[6];
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen;
    int start;
    if (major == 1) {
      headerLen = buf.getShort(8) & 0xffff;
      start = 10;
    } else if (major == 2 || major == 3) {
      headerLen = buf.getInt(8);
      start = 12;
    } else {
      throw new DatasetException(file, where + ".npy format version " + major + " is unknown");
    }
    if (headerLen < 0 || start + headerLen > b.length) {
      throw new DatasetException(file, where + "truncated header");
    }
    String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    Matcher f = FORTRAN.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !f.find() || !s.find()) {
      throw new DatasetException(file, where + "header is not a NumPy dict: " + header.strip());
    }
    String dtype = d.group(1);
    if (dtype.charAt(0) == '>') {
      throw new DatasetException(file, where + "big-endian dtype " + dtype + " (save it as '<')");
    }
    if (dtype.charAt(0) == '=') {
      dtype = "<" + dtype.substring(1);
    }
    if (f.group(1).equals("True")) {
      throw new DatasetException(
          file, where + "is in Fortran order; save numpy.ascontiguousarray(a)");
    }
    List<Long> dims = new ArrayList<>();
    for (String part : s.group(1).split(",")) {
      if (!part.isBlank()) {
        dims.add(Long.parseLong(part.strip()));
      }
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    int itemSize = Integer.parseInt(dtype.substring(2));
    long count = 1;
    for (long v : shape) {
      count = Math.multiplyExact(count, v);
    }
    long bytes = count * itemSize;
    int dataStart = start + headerLen;
    if (b.length - dataStart != bytes) {
      throw new DatasetException(
          file,
          where
              + "holds "
              + (b.length - dataStart)
              + " data bytes; shape "
              + Arrays.toString(shape)
              + " of "
              + dtype
              + " needs "
              + bytes
              + (b.length - dataStart < bytes ? " (truncated)" : ""));
    }
    return new Array(name, dtype, shape, Arrays.copyOfRange(b, dataStart, b.length));
  }
}
