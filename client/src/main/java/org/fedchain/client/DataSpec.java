package org.fedchain.client;

import java.util.List;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.Samples;

/**
 * A node's training data named on the command line: {@code fashion-mnist:K/N} is shard K of N of
 * the Fashion-MNIST training set, IID; {@code fashion-mnist:K/N:dirichlet=0.5} is a non-IID shard.
 * Shards are reproducible: the partition seed is fixed, so nodes agree on them without talking.
 */
record DataSpec(String dataset, int shard, int shards, double dirichletAlpha) {
  static final long PARTITION_SEED = 2026;

  static DataSpec parse(String text) {
    String[] parts = text.split(":");
    if (parts.length < 2 || parts.length > 3 || !parts[0].equals("fashion-mnist")) {
      throw new IllegalArgumentException(
          "data '"
              + text
              + "' is not of the form fashion-mnist:K/N[:iid|:dirichlet=ALPHA] (e.g. fashion-mnist:1/3)");
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
    if (parts.length == 3 && !parts[2].equals("iid")) {
      if (!parts[2].startsWith("dirichlet=")) {
        throw new IllegalArgumentException(
            "data '" + text + "': partition must be iid or dirichlet=ALPHA");
      }
      alpha = Double.parseDouble(parts[2].substring("dirichlet=".length()));
      if (!(alpha > 0)) {
        throw new IllegalArgumentException("data '" + text + "': dirichlet alpha must be > 0");
      }
    }
    return new DataSpec(parts[0], k, n, alpha);
  }

  Samples load(FashionMnist data) {
    Samples train = data.train();
    List<int[]> parts =
        dirichletAlpha > 0
            ? Partition.dirichlet(train.labels(), shards, dirichletAlpha, PARTITION_SEED)
            : Partition.iid(train.size(), shards, PARTITION_SEED);
    return train.subset(parts.get(shard - 1));
  }

  @Override
  public String toString() {
    return dataset
        + ":"
        + shard
        + "/"
        + shards
        + (dirichletAlpha > 0 ? ":dirichlet=" + dirichletAlpha : ":iid");
  }
}
