package org.fedchain.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.Samples;

/**
 * A node's training data named on the command line: a {@link DataSource} and, optionally, the shard
 * of it this node takes, as {@code SOURCE@K/N}: {@code csv:gas.csv?target=pm10&window=7@2/5} is
 * shard 2 of 5 of that CSV's windows, IID. Fashion-MNIST keeps its short form, {@code
 * fashion-mnist:K/N}. After K/N: {@code :iid} (the default), {@code :dirichlet=0.5} (a non-IID
 * label skew), {@code :series} (whole series of a source that has them, e.g. one CSV location per
 * node: series i goes to shard i mod N + 1), {@code :seed=S}, or {@code :shards=FILE} (line K of a
 * file of index lists, see {@link Partition#read}, for shards drawn elsewhere). Shards are
 * reproducible: the partition is drawn from a seed ({@link #PARTITION_SEED} unless named), so nodes
 * that name the same seed agree on them without talking.
 *
 * @param dataset the source, as {@link DataSource#open} takes it
 * @param shard 1..shards, or 0 for the whole source
 * @param shardFile the file the shards are read from, or null when they are drawn from the seed
 * @param bySeries whether shards are whole series
 */
public record DataSpec(
    String dataset,
    int shard,
    int shards,
    double dirichletAlpha,
    long seed,
    Path shardFile,
    boolean bySeries) {
  public static final long PARTITION_SEED = 2026;

  private static final String FORM =
      "SOURCE[@K/N[:iid|:dirichlet=ALPHA|:series][:seed=S]] or SOURCE@K/N:shards=FILE, where"
          + " SOURCE is fashion-mnist[:DIR], folder:DIR, csv:FILE?target=COL or npz:FILE"
          + " (e.g. fashion-mnist:1/3, folder:images@2/4)";

  private static final String SHARDS = ":shards=";
  private static final String FMNIST = "fashion-mnist";
  private static final java.util.regex.Pattern LEGACY =
      java.util.regex.Pattern.compile("fashion-mnist:(\\d+/\\d+.*)");

  /** Shard {@code shard} of {@code shards}, partitioned from the default seed. */
  public DataSpec(String dataset, int shard, int shards, double dirichletAlpha) {
    this(dataset, shard, shards, dirichletAlpha, PARTITION_SEED);
  }

  /** Shard {@code shard} of {@code shards}, partitioned from {@code seed}. */
  public DataSpec(String dataset, int shard, int shards, double dirichletAlpha, long seed) {
    this(dataset, shard, shards, dirichletAlpha, seed, null, false);
  }

  public static DataSpec parse(String text) {
    java.util.regex.Matcher legacy = LEGACY.matcher(text);
    if (legacy.matches()) {
      return sharded(text, FMNIST, legacy.group(1));
    }
    int at = text.lastIndexOf('@');
    if (at < 0) {
      if (text.isBlank()) {
        throw new IllegalArgumentException("data '' is not of the form " + FORM);
      }
      return new DataSpec(text, 0, 0, 0, PARTITION_SEED, null, false);
    }
    return sharded(text, text.substring(0, at), text.substring(at + 1));
  }

  private static DataSpec sharded(String text, String source, String shardText) {
    int file = shardText.indexOf(SHARDS);
    if (file >= 0) { // the file name runs to the end and may hold colons
      String path = shardText.substring(file + SHARDS.length());
      String head = shardText.substring(0, file);
      if (head.contains(":") || path.isEmpty()) { // the file replaces partition and seed
        throw new IllegalArgumentException("data '" + text + "' is not of the form " + FORM);
      }
      DataSpec base = sharded(text, source, head);
      return new DataSpec(source, base.shard, base.shards, 0, PARTITION_SEED, Path.of(path), false);
    }
    String[] parts = shardText.split(":");
    String[] kn = parts[0].split("/");
    int k;
    int n;
    try {
      k = Integer.parseInt(kn[0]);
      n = Integer.parseInt(kn[1]);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "data '" + text + "': shard must be K/N with whole numbers, e.g. 2/3");
    }
    if (n < 1 || k < 1 || k > n) {
      throw new IllegalArgumentException(
          "data '" + text + "': shard " + k + "/" + n + " is out of range (1 <= K <= N)");
    }
    double alpha = 0;
    boolean series = false;
    long seed = PARTITION_SEED;
    int next = 1;
    if (next < parts.length && !parts[next].startsWith("seed=")) {
      String partition = parts[next++];
      if (partition.equals("series")) {
        series = true;
      } else if (!partition.equals("iid")) {
        if (!partition.startsWith("dirichlet=")) {
          throw new IllegalArgumentException(
              "data '" + text + "': partition must be iid, series or dirichlet=ALPHA");
        }
        String value = partition.substring("dirichlet=".length());
        try {
          alpha = Double.parseDouble(value);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "data '" + text + "': dirichlet alpha must be a number, got '" + value + "'");
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
          throw new IllegalArgumentException(
              "data '" + text + "': dirichlet alpha must be a positive number");
        }
      }
    }
    if (next < parts.length && parts[next].startsWith("seed=")) {
      String value = parts[next++].substring("seed=".length());
      try {
        seed = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "data '" + text + "': seed must be a whole number, got '" + value + "'");
      }
    }
    if (next < parts.length) {
      throw new IllegalArgumentException("data '" + text + "' is not of the form " + FORM);
    }
    return new DataSpec(source, k, n, alpha, seed, null, series);
  }

  /**
   * Opens the source for a model taking samples of {@code inputShape}.
   *
   * @throws IllegalArgumentException if the text names no known kind of source
   * @throws org.fedchain.trainer.DatasetException naming the file at fault
   */
  public DataSource open(long[] inputShape) {
    return DataSource.open(dataset, inputShape);
  }

  /**
   * This node's samples of {@code data}'s training set: all of them, or its shard.
   *
   * @throws IllegalArgumentException if the shard file breaks {@link Partition#read}'s rules, or
   *     the source has no series to shard by
   * @throws UncheckedIOException if the shard file cannot be read
   */
  public Samples load(DataSource data) {
    Samples train = data.train();
    if (shards == 0) {
      return train;
    }
    List<int[]> parts;
    if (shardFile != null) {
      try {
        parts = Partition.read(shardFile, train.size(), shards);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read shard file " + shardFile, e);
      }
    } else if (bySeries) {
      int[] series =
          data.series()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "data '"
                              + this
                              + "': "
                              + data.describe()
                              + " has no series to shard by"));
      List<Integer> mine = new java.util.ArrayList<>();
      for (int i = 0; i < series.length; i++) {
        if (series[i] % shards == shard - 1) {
          mine.add(i);
        }
      }
      return train.subset(mine.stream().mapToInt(Integer::intValue).toArray());
    } else if (dirichletAlpha > 0) {
      parts = Partition.dirichlet(train.labels(), shards, dirichletAlpha, seed);
    } else {
      parts = Partition.iid(train.size(), shards, seed);
    }
    return train.subset(parts.get(shard - 1));
  }

  /** {@link #load(DataSource)} of the source opened for {@code inputShape}. */
  public Samples load(long[] inputShape) {
    return load(open(inputShape));
  }

  @Override
  public String toString() {
    if (shards == 0) {
      return dataset;
    }
    String head = dataset.equals(FMNIST) ? FMNIST + ":" : dataset + "@";
    if (shardFile != null) {
      return head + shard + "/" + shards + SHARDS + shardFile;
    }
    return head
        + shard
        + "/"
        + shards
        + (bySeries ? ":series" : dirichletAlpha > 0 ? ":dirichlet=" + dirichletAlpha : ":iid")
        + (seed != PARTITION_SEED ? ":seed=" + seed : "");
  }
}
