package org.fedchain.trainer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fedchain.core.DatasetCommitment;
import org.fedchain.core.Hash32;

/**
 * An immutable in-memory set of samples of one shape, each with a class label (classification) or a
 * vector of targets (regression).
 *
 * <p>Features are kept either as raw bytes (images: a quarter of the memory of floats, normalised
 * like PyTorch's {@code ToTensor()}, {@code x / 255}, when read) or as float32. {@link #sampleHash}
 * is the leaf of a {@link DatasetCommitment}: {@code SHA-256(label byte || raw bytes)} for byte
 * features with up to 256 classes (Fashion-MNIST's commitments since the first version), else
 * {@code SHA-256(kind byte || label or targets || features)} with little-endian int32 and float32
 * values (kind 1: class label, 2: targets).
 */
public final class Samples {
  /** Pixels per Fashion-MNIST image (28 x 28). */
  public static final int PIXELS = 28 * 28;

  /** Fashion-MNIST's classes; labels are 0..9. */
  public static final int CLASSES = 10;

  private final long[] shape;
  private final int width;
  private final byte[] bytes; // byte features, or null
  private final float[] floats; // float features, or null
  private final int classes; // 0: regression
  private final int[] labels; // classification
  private final long[] targetShape; // regression
  private final int targetWidth;
  private final float[] targets;
  private final int size;

  private Samples(
      long[] shape,
      byte[] bytes,
      float[] floats,
      int classes,
      int[] labels,
      long[] targetShape,
      float[] targets,
      int size) {
    this.shape = shape.clone();
    this.width = width(shape);
    this.bytes = bytes;
    this.floats = floats;
    this.classes = classes;
    this.labels = labels;
    this.targetShape = targetShape == null ? null : targetShape.clone();
    this.targetWidth = targetShape == null ? 0 : width(targetShape);
    this.targets = targets;
    this.size = size;
  }

  private static int width(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 1) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has an empty axis");
      }
      n = Math.multiplyExact(n, d);
    }
    return Math.toIntExact(n);
  }

  private static int count(int values, int width, String what) {
    if (values % width != 0) {
      throw new IllegalArgumentException(
          values + " " + what + " values do not make whole samples of " + width);
    }
    return values / width;
  }

  private static void checkLabels(int[] labels, int classes) {
    if (classes < 1) {
      throw new IllegalArgumentException("a classification needs at least 1 class, got " + classes);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " of sample " + i + " is not 0.." + (classes - 1));
      }
    }
  }

  /** Byte features (images: read as {@code x / 255}) of {@code shape} with class labels. */
  public static Samples images(long[] shape, byte[] pixels, int[] labels, int classes) {
    int n = count(pixels.length, width(shape), "feature");
    if (n != labels.length) {
      throw new IllegalArgumentException(n + " samples but " + labels.length + " labels");
    }
    checkLabels(labels, classes);
    return new Samples(shape, pixels.clone(), null, classes, labels.clone(), null, null, n);
  }

  /** Float features of {@code shape} with class labels. */
  public static Samples classified(long[] shape, float[] features, int[] labels, int classes) {
    int n = count(features.length, width(shape), "feature");
    if (n != labels.length) {
      throw new IllegalArgumentException(n + " samples but " + labels.length + " labels");
    }
    checkLabels(labels, classes);
    return new Samples(shape, null, features.clone(), classes, labels.clone(), null, null, n);
  }

  /** Float features of {@code shape} with float targets of {@code targetShape} each. */
  public static Samples regression(
      long[] shape, float[] features, long[] targetShape, float[] targets) {
    int n = count(features.length, width(shape), "feature");
    int t = count(targets.length, width(targetShape), "target");
    if (n != t) {
      throw new IllegalArgumentException(n + " samples but " + t + " targets");
    }
    return new Samples(shape, null, features.clone(), 0, null, targetShape, targets.clone(), n);
  }

  /** Fashion-MNIST-shaped samples: 28x28 grey pixels (row-major) and labels 0..9; copied in. */
  public static Samples of(byte[] pixels, byte[] labels) {
    int[] l = new int[labels.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = labels[i];
    }
    return images(new long[] {1, 28, 28}, pixels, l, CLASSES);
  }

  public int size() {
    return size;
  }

  /** One sample's feature shape, without the batch axis. */
  public long[] featureShape() {
    return shape.clone();
  }

  /** Values per sample. */
  public int featureWidth() {
    return width;
  }

  /** Classes of a classification; 0 for regression. */
  public int classes() {
    return classes;
  }

  /** One sample's target shape (regression), or [] for a class label. */
  public long[] targetShape() {
    return targetShape == null ? new long[0] : targetShape.clone();
  }

  public int label(int i) {
    requireClasses();
    return labels[checkIndex(i)];
  }

  /** All labels, copied out. */
  public int[] labels() {
    requireClasses();
    return labels.clone();
  }

  /** The targets of sample {@code i} (regression), copied out. */
  public float[] targets(int i) {
    if (targets == null) {
      throw new IllegalStateException("these samples have class labels, not targets");
    }
    int from = checkIndex(i) * targetWidth;
    return Arrays.copyOfRange(targets, from, from + targetWidth);
  }

  private void requireClasses() {
    if (labels == null) {
      throw new IllegalStateException("these samples have regression targets, not class labels");
    }
  }

  /** The raw feature bytes of one sample (byte features only), copied out. */
  public byte[] pixels(int i) {
    if (bytes == null) {
      throw new IllegalStateException("these samples have float features");
    }
    int from = checkIndex(i) * width;
    return Arrays.copyOfRange(bytes, from, from + width);
  }

  /** All features as float32 (bytes read as {@code x / 255}), row-major, {@code size * width}. */
  public float[] floatFeatures() {
    float[] out = new float[size * width];
    writeFeatures(Partition.identity(size), 0, size, out);
    return out;
  }

  /**
   * Writes the features of samples {@code indices[from..to)} into {@code dst}, one after another.
   */
  void writeFeatures(int[] indices, int from, int to, float[] dst) {
    int o = 0;
    for (int k = from; k < to; k++) {
      int base = indices[k] * width;
      if (bytes != null) {
        for (int p = 0; p < width; p++) {
          dst[o++] = (bytes[base + p] & 0xff) / 255f;
        }
      } else {
        System.arraycopy(floats, base, dst, o, width);
        o += width;
      }
    }
  }

  /** Writes the targets of samples {@code indices[from..to)} (regression) into {@code dst}. */
  void writeTargets(int[] indices, int from, int to, float[] dst) {
    int o = 0;
    for (int k = from; k < to; k++) {
      System.arraycopy(targets, indices[k] * targetWidth, dst, o, targetWidth);
      o += targetWidth;
    }
  }

  /**
   * The samples of {@code a} then those of {@code b}, which must have the same shape, storage and
   * classes (or target shape).
   */
  public static Samples concat(Samples a, Samples b) {
    if (!Arrays.equals(a.shape, b.shape)
        || (a.bytes == null) != (b.bytes == null)
        || a.classes != b.classes
        || !Arrays.equals(a.targetShape(), b.targetShape())) {
      throw new IllegalArgumentException(
          "cannot join " + a + " and " + b + ": they differ in kind");
    }
    int n = a.size + b.size;
    byte[] bytes = a.bytes == null ? null : join(a.bytes, b.bytes);
    float[] floats = a.floats == null ? null : join(a.floats, b.floats);
    int[] labels = a.labels == null ? null : join(a.labels, b.labels);
    float[] targets = a.targets == null ? null : join(a.targets, b.targets);
    return new Samples(a.shape, bytes, floats, a.classes, labels, a.targetShape, targets, n);
  }

  private static byte[] join(byte[] x, byte[] y) {
    byte[] out = Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, out, x.length, y.length);
    return out;
  }

  private static float[] join(float[] x, float[] y) {
    float[] out = Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, out, x.length, y.length);
    return out;
  }

  private static int[] join(int[] x, int[] y) {
    int[] out = Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, out, x.length, y.length);
    return out;
  }

  /** Samples {@code from} (inclusive) to {@code to} (exclusive). */
  public Samples slice(int from, int to) {
    if (from < 0 || to > size || from > to) {
      throw new IndexOutOfBoundsException(
          "slice [" + from + ", " + to + ") of " + size + " samples");
    }
    int[] idx = new int[to - from];
    for (int k = 0; k < idx.length; k++) {
      idx[k] = from + k;
    }
    return subset(idx);
  }

  /** The samples at these indices, in this order (an index may repeat). */
  /**
   * The same samples with each class label {@code y} replaced by {@code classes - 1 - y}: the data
   * of a label-flipping attacker, for tests and benchmarks of robust aggregation and scoring.
   */
  public Samples flippedLabels() {
    requireClasses();
    int[] l = new int[size];
    for (int i = 0; i < size; i++) {
      l[i] = classes - 1 - labels[i];
    }
    return new Samples(shape, bytes, floats, classes, l, targetShape, targets, size);
  }

  public Samples subset(int[] indices) {
    int n = indices.length;
    byte[] b = bytes == null ? null : new byte[n * width];
    float[] f = floats == null ? null : new float[n * width];
    int[] l = labels == null ? null : new int[n];
    float[] t = targets == null ? null : new float[n * targetWidth];
    for (int k = 0; k < n; k++) {
      int i = checkIndex(indices[k]);
      if (b != null) {
        System.arraycopy(bytes, i * width, b, k * width, width);
      } else {
        System.arraycopy(floats, i * width, f, k * width, width);
      }
      if (l != null) {
        l[k] = labels[i];
      } else {
        System.arraycopy(targets, i * targetWidth, t, k * targetWidth, targetWidth);
      }
    }
    return new Samples(shape, b, f, classes, l, targetShape, t, n);
  }

  /** The leaf hash of sample {@code i} (see the class comment). */
  public Hash32 sampleHash(int i) {
    checkIndex(i);
    MessageDigest md = Hash32.sha256Digest();
    if (bytes != null && labels != null && classes <= 256) {
      md.update((byte) labels[i]);
      md.update(bytes, i * width, width);
      return Hash32.of(md.digest());
    }
    ByteBuffer buf =
        ByteBuffer.allocate(1 + 4 * (labels != null ? 1 : targetWidth) + 4 * width)
            .order(ByteOrder.LITTLE_ENDIAN);
    if (labels != null) {
      buf.put((byte) 1).putInt(labels[i]);
    } else {
      buf.put((byte) 2);
      for (int k = 0; k < targetWidth; k++) {
        buf.putFloat(targets[i * targetWidth + k]);
      }
    }
    for (int k = 0; k < width; k++) {
      buf.putFloat(bytes != null ? (bytes[i * width + k] & 0xff) / 255f : floats[i * width + k]);
    }
    md.update(buf.array());
    return Hash32.of(md.digest());
  }

  /** The hashes of all samples, in order. */
  public List<Hash32> sampleHashes() {
    List<Hash32> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(sampleHash(i));
    }
    return out;
  }

  /** The dataset commitment (Merkle root) of these samples, as recorded in an update. */
  public Hash32 commitment() {
    return DatasetCommitment.root(sampleHashes());
  }

  /** How many samples each class has. */
  public int[] classCounts() {
    requireClasses();
    int[] counts = new int[classes];
    for (int l : labels) {
      counts[l]++;
    }
    return counts;
  }

  private int checkIndex(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("sample " + i + " of " + size);
    }
    return i;
  }

  @Override
  public String toString() {
    return "Samples[" + size + " x " + Arrays.toString(shape) + "]";
  }
}
