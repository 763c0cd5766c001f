package org.fedchain.client;

import java.util.List;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.Samples;

/**
 * A node's training data named on the command line: {@code fashion-mnist:K/N} is shard K of N of
 * the Fashion-MNIST training set, IID; {@code fashion-mnist:K/N:dirichlet=0.5} is a non-IID shard.
 * Shards are reproducible: the partition is drawn from a seed ({@link #PARTITION_SEED} unless
 * {@code :seed=S} names another), so nodes that name the same seed agree on them without talking.
 */
record DataSpec(String dataset, int shard, int shards, double dirichletAlpha, long seed) {
  static final long PARTITION_SEED = 2026;

  private static final String FORM =
      "fashion-mnist:K/N[:iid|:dirichlet=ALPHA][:seed=S] (e.g. fashion-mnist:1/3)";

  /** Shard {@code shard} of {@code shards}, partitioned from the default seed. */
  DataSpec(String dataset, int shard, int shards, double dirichletAlpha) {
    this(dataset, shard, shards, dirichletAlpha, PARTITION_SEED);
  }

  static DataSpec parse(String text) {
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

  Samples load(FashionMnist data) {
    Samples train = data.train();
    List<int[]> parts =
        dirichletAlpha > 0
            ? Partition.dirichlet(train.labels(), shards, dirichletAlpha, seed)
            : Partition.iid(train.size(), shards, seed);
    return train.subset(parts.get(shard - 1));
  }

  @Override
  public String toString() {
    return dataset
        + ":"
        + shard
        + "/"
        + shards
        + (dirichletAlpha > 0 ? ":dirichlet=" + dirichletAlpha : ":iid")
        + (seed != PARTITION_SEED ? ":seed=" + seed : "");
  }
}
