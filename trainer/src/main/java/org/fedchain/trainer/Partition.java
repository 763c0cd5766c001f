package org.fedchain.trainer;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Splits a data set into disjoint shards, one per node, reproducibly from a seed.
 *
 * <p>Randomness comes from {@link java.util.Random}, whose algorithms the Java specification fixes,
 * so the same seed gives the same shards on every JVM. Shards are index arrays into the data set;
 * {@link Samples#subset} turns one into data.
 *
 * <pre>{@code
 * List<int[]> shards = Partition.dirichlet(train.labels(), 3, 0.5, seed);
 * Samples mine = train.subset(shards.get(node));
 * }</pre>
 */
public final class Partition {
  /** NIID-Bench asks each shard to hold at least this many samples when the data allows it. */
  static final int NIID_BENCH_MIN_SIZE = 10;

  static final int MAX_DIRICHLET_TRIES = 10_000;

  private Partition() {}

  /** IID: a seeded shuffle cut into {@code shards} parts whose sizes differ by at most one. */
  public static List<int[]> iid(int samples, int shards, long seed) {
    checkCounts(samples, shards);
    int[] perm = identity(samples);
    shuffle(perm, new Random(seed));
    List<int[]> out = new ArrayList<>(shards);
    int from = 0;
    for (int s = 0; s < shards; s++) {
      int size = samples / shards + (s < samples % shards ? 1 : 0);
      int[] shard = new int[size];
      System.arraycopy(perm, from, shard, 0, size);
      from += size;
      out.add(shard);
    }
    return List.copyOf(out);
  }

  /**
   * Label-skewed non-IID shards, the NIID-Bench scheme (Li et al., "Federated Learning on Non-IID
   * Data Silos", 2022; also Flower's baseline): for each class, draw shard proportions from
   * Dirichlet(alpha), give no more of it to shards already holding {@code samples / shards}, and
   * cut the shuffled class indices at the cumulative proportions; redraw everything until every
   * shard holds at least 10 samples (1 if there are fewer than 10 per shard). Smaller alpha means
   * more skew. Each shard is shuffled at the end.
   *
   * @param labels the class of every sample, 0..classes-1
   * @throws IllegalArgumentException if no draw within 10,000 tries leaves every shard large enough
   */
  public static List<int[]> dirichlet(int[] labels, int shards, double alpha, long seed) {
    checkCounts(labels.length, shards);
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("alpha must be a positive number, got " + alpha);
    }
    int classes = 0;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " of sample " + i + " is negative");
      }
      classes = Math.max(classes, labels[i] + 1);
    }
    int[][] byClass = new int[classes][];
    int[] counts = new int[classes];
    for (int l : labels) {
      counts[l]++;
    }
    for (int c = 0; c < classes; c++) {
      byClass[c] = new int[counts[c]];
      counts[c] = 0;
    }
    for (int i = 0; i < labels.length; i++) {
      byClass[labels[i]][counts[labels[i]]++] = i;
    }
    int n = labels.length;
    int minSize = n >= NIID_BENCH_MIN_SIZE * shards ? NIID_BENCH_MIN_SIZE : 1;
    Random rng = new Random(seed);
    for (int attempt = 0; attempt < MAX_DIRICHLET_TRIES; attempt++) {
      IntList[] parts = new IntList[shards];
      for (int s = 0; s < shards; s++) {
        parts[s] = new IntList();
      }
      for (int c = 0; c < classes; c++) {
        int[] idx = byClass[c].clone();
        shuffle(idx, rng);
        double[] p = dirichletSample(shards, alpha, rng);
        double sum = 0;
        for (int s = 0; s < shards; s++) {
          if (parts[s].size >= (double) n / shards) {
            p[s] = 0;
          }
          sum += p[s];
        }
        if (sum == 0) {
          continue; // cannot happen while a shard is below n / shards; kept as a guard
        }
        double cumulative = 0;
        int from = 0;
        for (int s = 0; s < shards; s++) {
          cumulative += p[s] / sum;
          int to =
              s == shards - 1 ? idx.length : Math.min(idx.length, (int) (cumulative * idx.length));
          to = Math.max(to, from);
          parts[s].addAll(idx, from, to);
          from = to;
        }
      }
      int smallest = Integer.MAX_VALUE;
      for (IntList part : parts) {
        smallest = Math.min(smallest, part.size);
      }
      if (smallest >= minSize) {
        List<int[]> out = new ArrayList<>(shards);
        for (IntList part : parts) {
          int[] shard = part.toArray();
          shuffle(shard, rng);
          out.add(shard);
        }
        return List.copyOf(out);
      }
    }
    throw new IllegalArgumentException(
        "no Dirichlet(alpha="
            + alpha
            + ") draw in "
            + MAX_DIRICHLET_TRIES
            + " tries gave each of "
            + shards
            + " shards at least "
            + minSize
            + " of "
            + n
            + " samples; use a larger alpha or fewer shards");
  }

  /**
   * Shards written out by someone else, e.g. another framework's draw that a comparison must train
   * on: one line per shard, its sample indices separated by spaces or commas. The file must hold
   * exactly {@code shards} non-empty lines, every index must lie in {@code [0, samples)}, and no
   * sample may be in two shards (or twice in one).
   *
   * @throws IllegalArgumentException naming the file, line and value that break these rules
   * @throws IOException if the file cannot be read
   */
  public static List<int[]> read(Path file, int samples, int shards) throws IOException {
    checkCounts(samples, shards);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("shard file " + file + " does not exist");
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException("shard file " + file + " is not a text file of indices");
    }
    List<String> rows = lines.stream().filter(l -> !l.isBlank()).toList();
    if (rows.size() != shards) {
      throw new IllegalArgumentException(
          "shard file " + file + " holds " + rows.size() + " shards, expected " + shards);
    }
    int[] owner = new int[samples]; // 1-based shard holding each sample, 0 for none yet
    List<int[]> out = new ArrayList<>(shards);
    for (int s = 0; s < shards; s++) {
      String[] tokens = rows.get(s).trim().split("[\\s,]+");
      int[] shard = new int[tokens.length];
      for (int i = 0; i < tokens.length; i++) {
        int index;
        try {
          index = Integer.parseInt(tokens[i]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "shard file "
                  + file
                  + ", shard "
                  + (s + 1)
                  + ": '"
                  + tokens[i]
                  + "' is not an index");
        }
        if (index < 0 || index >= samples) {
          throw new IllegalArgumentException(
              "shard file "
                  + file
                  + ", shard "
                  + (s + 1)
                  + ": index "
                  + index
                  + " is outside the "
                  + samples
                  + " samples (0.."
                  + (samples - 1)
                  + ")");
        }
        if (owner[index] != 0) {
          throw new IllegalArgumentException(
              "shard file "
                  + file
                  + ": sample "
                  + index
                  + " is in shard "
                  + owner[index]
                  + " and again in shard "
                  + (s + 1));
        }
        owner[index] = s + 1;
        shard[i] = index;
      }
      out.add(shard);
    }
    return List.copyOf(out);
  }

  private static void checkCounts(int samples, int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, got " + shards);
    }
    if (samples < shards) {
      throw new IllegalArgumentException(
          "cannot split " + samples + " samples into " + shards + " non-empty shards");
    }
  }

  static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  /** Fisher-Yates with {@link Random#nextInt(int)}, the same on every JVM. */
  static void shuffle(int[] a, Random rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** One draw from a symmetric Dirichlet(alpha) over {@code k} components. */
  static double[] dirichletSample(int k, double alpha, Random rng) {
    double[] g = new double[k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      g[i] = gamma(alpha, rng);
      sum += g[i];
    }
    if (sum == 0) { // every draw underflowed (tiny alpha): put all the mass on one component
      g[rng.nextInt(k)] = 1;
      sum = 1;
    }
    for (int i = 0; i < k; i++) {
      g[i] /= sum;
    }
    return g;
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape below 1. */
  static double gamma(double shape, Random rng) {
    if (shape < 1) {
      double u = rng.nextDouble();
      return gamma(shape + 1, rng) * Math.pow(u, 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = rng.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = rng.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  private static final class IntList {
    int[] a = new int[16];
    int size;

    void addAll(int[] src, int from, int to) {
      int n = to - from;
      if (size + n > a.length) {
        a = java.util.Arrays.copyOf(a, Math.max(a.length * 2, size + n));
      }
      System.arraycopy(src, from, a, size, n);
      size += n;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(a, size);
    }
  }
}
