package org.fedchain.trainer;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fedchain.core.DatasetCommitment;
import org.fedchain.core.Hash32;

/**
 * An immutable in-memory set of 28x28 grey-scale images with labels 0..9.
 *
 * <p>The raw pixel bytes are kept (a quarter of the memory of floats, and what a sample hash is
 * taken over); {@link #floatImages} gives float32 values normalised like PyTorch's {@code
 * ToTensor()}, {@code x / 255}. {@link #sampleHash} is {@code SHA-256(label byte || 784 pixel
 * bytes)}, the leaf value of a {@link DatasetCommitment}.
 */
public final class Samples {
  /** Pixels per image (28 x 28). */
  public static final int PIXELS = 28 * 28;

  /** Number of classes; labels are 0..CLASSES-1. */
  public static final int CLASSES = 10;

  private final byte[] pixels;
  private final byte[] labels;

  private Samples(byte[] pixels, byte[] labels) {
    this.pixels = pixels;
    this.labels = labels;
  }

  /** Wraps arrays the caller has checked and will not change. */
  static Samples wrap(byte[] pixels, byte[] labels) {
    if (pixels.length != labels.length * PIXELS) {
      throw new IllegalArgumentException(
          pixels.length + " pixel bytes do not make " + labels.length + " images of " + PIXELS);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= CLASSES) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " of sample " + i + " is not 0..9");
      }
    }
    return new Samples(pixels, labels);
  }

  /** Samples from raw pixel bytes (row-major, one image after the other) and labels; copied in. */
  public static Samples of(byte[] pixels, byte[] labels) {
    return wrap(pixels.clone(), labels.clone());
  }

  public int size() {
    return labels.length;
  }

  public int label(int i) {
    return labels[checkIndex(i)];
  }

  /** All labels, copied out. */
  public int[] labels() {
    int[] out = new int[labels.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = labels[i];
    }
    return out;
  }

  /** The 784 raw pixel bytes (0..255) of one image, copied out. */
  public byte[] pixels(int i) {
    int from = checkIndex(i) * PIXELS;
    return Arrays.copyOfRange(pixels, from, from + PIXELS);
  }

  /** All images as float32 {@code x / 255}, row-major, {@code size() * 784} values. */
  public float[] floatImages() {
    float[] out = new float[pixels.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (pixels[i] & 0xff) / 255f;
    }
    return out;
  }

  /**
   * Writes the normalised pixels of the given samples into {@code dst}, one image after another.
   */
  void writeFloats(int[] indices, int from, int to, float[] dst) {
    int o = 0;
    for (int k = from; k < to; k++) {
      int base = indices[k] * PIXELS;
      for (int p = 0; p < PIXELS; p++) {
        dst[o++] = (pixels[base + p] & 0xff) / 255f;
      }
    }
  }

  /** Samples {@code from} (inclusive) to {@code to} (exclusive). */
  public Samples slice(int from, int to) {
    if (from < 0 || to > size() || from > to) {
      throw new IndexOutOfBoundsException(
          "slice [" + from + ", " + to + ") of " + size() + " samples");
    }
    return new Samples(
        Arrays.copyOfRange(pixels, from * PIXELS, to * PIXELS),
        Arrays.copyOfRange(labels, from, to));
  }

  /** The samples at these indices, in this order (an index may repeat). */
  public Samples subset(int[] indices) {
    byte[] p = new byte[indices.length * PIXELS];
    byte[] l = new byte[indices.length];
    for (int k = 0; k < indices.length; k++) {
      int i = checkIndex(indices[k]);
      System.arraycopy(pixels, i * PIXELS, p, k * PIXELS, PIXELS);
      l[k] = labels[i];
    }
    return new Samples(p, l);
  }

  /** {@code SHA-256(label byte || 784 raw pixel bytes)} of sample {@code i}. */
  public Hash32 sampleHash(int i) {
    MessageDigest md = Hash32.sha256Digest();
    md.update(labels[checkIndex(i)]);
    md.update(pixels, i * PIXELS, PIXELS);
    return Hash32.of(md.digest());
  }

  /** The hashes of all samples, in order. */
  public List<Hash32> sampleHashes() {
    List<Hash32> out = new ArrayList<>(size());
    for (int i = 0; i < size(); i++) {
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
    int[] counts = new int[CLASSES];
    for (byte l : labels) {
      counts[l]++;
    }
    return counts;
  }

  private int checkIndex(int i) {
    if (i < 0 || i >= labels.length) {
      throw new IndexOutOfBoundsException("sample " + i + " of " + labels.length);
    }
    return i;
  }

  @Override
  public String toString() {
    return "Samples[" + size() + "]";
  }
}
