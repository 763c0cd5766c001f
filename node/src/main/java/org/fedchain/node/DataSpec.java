package org.fedchain.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.Samples;

/**
 * A node's training data named on the command line: {@code fashion-mnist:K/N} is shard K of N of
 * the Fashion-MNIST training set, IID; {@code fashion-mnist:K/N:dirichlet=0.5} is a non-IID shard.
 * Shards are reproducible: the partition is drawn from a seed ({@link #PARTITION_SEED} unless
 * {@code :seed=S} names another), so nodes that name the same seed agree on them without talking.
 * {@code fashion-mnist:K/N:shards=FILE} is line K of a file of index lists (see {@link
 * Partition#read}), for shards drawn elsewhere, e.g. by another framework a run is compared with.
 *
 * @param shardFile the file the shards are read from, or null when they are drawn from the seed
 */
public record DataSpec(
    String dataset, int shard, int shards, double dirichletAlpha, long seed, Path shardFile) {
  public static final long PARTITION_SEED = 2026;

  private static final String FORM =
      "fashion-mnist:K/N[:iid|:dirichlet=ALPHA][:seed=S] or fashion-mnist:K/N:shards=FILE"
          + " (e.g. fashion-mnist:1/3)";

  private static final String SHARDS = ":shards=";

  /** Shard {@code shard} of {@code shards}, partitioned from the default seed. */
  public DataSpec(String dataset, int shard, int shards, double dirichletAlpha) {
    this(dataset, shard, shards, dirichletAlpha, PARTITION_SEED);
  }

  /** Shard {@code shard} of {@code shards}, partitioned from {@code seed}. */
  public DataSpec(String dataset, int shard, int shards, double dirichletAlpha, long seed) {
    this(dataset, shard, shards, dirichletAlpha, seed, null);
  }

  public static DataSpec parse(String text) {
    int file = text.indexOf(SHARDS);
    if (file >= 0) { // the file name runs to the end and may hold colons
      String path = text.substring(file + SHARDS.length());
      String head = text.substring(0, file);
      if (head.split(":").length != 2 || path.isEmpty()) { // the file replaces partition and seed
        throw new IllegalArgumentException("data '" + text + "' is not of the form " + FORM);
      }
      DataSpec base = parse(head);
      return new DataSpec(base.dataset, base.shard, base.shards, 0, PARTITION_SEED, Path.of(path));
    }
    String[] parts = text.split(":");
    if (parts.length < 2 || parts.length > 4 || !parts[0].equals("fashion-mnist")) {
      throw new IllegalArgumentException("data '" + text + "' is not of the form " + FORM);
    }
    String[] kn = parts[1].split("/");
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
    long seed = PARTITION_SEED;
    int next = 2;
    if (next < parts.length && !parts[next].startsWith("seed=")) {
      String partition = parts[next++];
      if (!partition.equals("iid")) {
        if (!partition.startsWith("dirichlet=")) {
          throw new IllegalArgumentException(
              "data '" + text + "': partition must be iid or dirichlet=ALPHA");
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
    return new DataSpec(parts[0], k, n, alpha, seed);
  }

  /**
   * This node's samples of {@code data}'s training set.
   *
   * @throws IllegalArgumentException if the shard file breaks {@link Partition#read}'s rules
   * @throws UncheckedIOException if the shard file cannot be read
   */
  public Samples load(FashionMnist data) {
    Samples train = data.train();
    List<int[]> parts;
    if (shardFile != null) {
      try {
        parts = Partition.read(shardFile, train.size(), shards);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read shard file " + shardFile, e);
      }
    } else if (dirichletAlpha > 0) {
      parts = Partition.dirichlet(train.labels(), shards, dirichletAlpha, seed);
    } else {
      parts = Partition.iid(train.size(), shards, seed);
    }
    return train.subset(parts.get(shard - 1));
  }

  @Override
  public String toString() {
    if (shardFile != null) {
      return dataset + ":" + shard + "/" + shards + SHARDS + shardFile;
    }
    return dataset
        + ":"
        + shard
        + "/"
        + shards
        + (dirichletAlpha > 0 ? ":dirichlet=" + dirichletAlpha : ":iid")
        + (seed != PARTITION_SEED ? ":seed=" + seed : "");
  }
}
