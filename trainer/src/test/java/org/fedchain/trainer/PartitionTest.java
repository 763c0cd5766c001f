package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionTest {
  @Test
  void iid_shards_are_disjoint_cover_everything_and_differ_in_size_by_at_most_one() {
    List<int[]> shards = Partition.iid(1003, 4, 7);
    assertDisjointCover(shards, 1003);
    assertThat(shards).extracting(s -> s.length).containsExactly(251, 251, 251, 250);
  }

  @Test
  void iid_shards_are_reproducible_from_the_seed_and_change_with_it() {
    assertThat(Partition.iid(500, 3, 42))
        .usingRecursiveComparison()
        .isEqualTo(Partition.iid(500, 3, 42));
    assertThat(Partition.iid(500, 3, 42).get(0)).isNotEqualTo(Partition.iid(500, 3, 43).get(0));
    // a shuffle, not a block split
    assertThat(Partition.iid(500, 1, 42).get(0)).isNotEqualTo(Partition.identity(500));
  }

  @Test
  void dirichlet_shards_are_disjoint_non_empty_and_cover_the_real_training_set() {
    int[] labels = RealData.train().labels();
    for (double alpha : new double[] {0.1, 0.5, 100}) {
      List<int[]> shards = Partition.dirichlet(labels, 10, alpha, 3);
      assertDisjointCover(shards, labels.length);
      assertThat(shards).allSatisfy(s -> assertThat(s.length).isGreaterThanOrEqualTo(10));
    }
  }

  @Test
  void dirichlet_shards_are_reproducible_from_the_seed_and_change_with_it() {
    int[] labels = RealData.test().labels();
    assertThat(Partition.dirichlet(labels, 5, 0.5, 11))
        .usingRecursiveComparison()
        .isEqualTo(Partition.dirichlet(labels, 5, 0.5, 11));
    assertThat(Partition.dirichlet(labels, 5, 0.5, 11).get(0))
        .isNotEqualTo(Partition.dirichlet(labels, 5, 0.5, 12).get(0));
  }

  @Test
  void small_alpha_skews_classes_and_large_alpha_does_not() {
    int[] labels = RealData.test().labels();
    assertThat(maxClassShare(labels, Partition.dirichlet(labels, 5, 0.1, 1))).isGreaterThan(0.5);
    assertThat(maxClassShare(labels, Partition.dirichlet(labels, 5, 1000, 1))).isLessThan(0.15);
  }

  @Test
  void dirichlet_gives_every_shard_a_sample_even_when_data_is_scarce() {
    int[] labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1};
    List<int[]> shards = Partition.dirichlet(labels, 4, 0.5, 5);
    assertDisjointCover(shards, labels.length);
    assertThat(shards).allSatisfy(s -> assertThat(s).isNotEmpty());
  }

  @Test
  void rejects_impossible_requests() {
    assertThatThrownBy(() -> Partition.iid(2, 3, 0))
        .hasMessageContaining("cannot split 2 samples into 3 non-empty shards");
    assertThatThrownBy(() -> Partition.iid(2, 0, 0)).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> Partition.dirichlet(new int[] {0, 1}, 2, 0, 0))
        .hasMessageContaining("alpha must be a positive number, got 0.0");
    assertThatThrownBy(() -> Partition.dirichlet(new int[] {0, -1}, 2, 1, 0))
        .hasMessageContaining("label -1 of sample 1");
  }

  @Test
  void dirichlet_samples_sum_to_one() {
    double[] p = Partition.dirichletSample(7, 0.3, new java.util.Random(9));
    assertThat(Arrays.stream(p).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(Arrays.stream(p).allMatch(v -> v >= 0 && v <= 1)).isTrue();
  }

  private static double maxClassShare(int[] labels, List<int[]> shards) {
    double max = 0;
    for (int[] s : shards) {
      int[] counts = new int[10];
      for (int i : s) {
        counts[labels[i]]++;
      }
      max = Math.max(max, (double) Arrays.stream(counts).max().orElseThrow() / s.length);
    }
    return max;
  }

  private static void assertDisjointCover(List<int[]> shards, int n) {
    boolean[] seen = new boolean[n];
    int total = 0;
    for (int[] s : shards) {
      for (int i : s) {
        assertThat(seen[i]).as("sample %d in two shards", i).isFalse();
        seen[i] = true;
        total++;
      }
    }
    assertThat(total).isEqualTo(n);
  }

  @Test
  void shards_read_from_a_file_are_the_lists_written(@TempDir Path dir) throws IOException {
    List<int[]> drawn = Partition.iid(1003, 4, 7);
    Path file = dir.resolve("shards.txt");
    Files.writeString(
        file,
        drawn.stream()
                .map(
                    s ->
                        Arrays.stream(s).mapToObj(String::valueOf).collect(Collectors.joining(" ")))
                .collect(Collectors.joining("\n"))
            + "\n\n");
    assertThat(Partition.read(file, 1003, 4)).usingRecursiveComparison().isEqualTo(drawn);
    // commas do as well as spaces, and a shard may leave samples out
    Files.writeString(file, "3, 1\n0\n");
    assertThat(Partition.read(file, 5, 2))
        .usingRecursiveComparison()
        .isEqualTo(List.of(new int[] {3, 1}, new int[] {0}));
  }

  @Test
  void a_shard_file_that_breaks_the_rules_is_refused_naming_the_fault(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("shards.txt");
    Files.writeString(file, "0 1\n2 3\n");
    assertThatThrownBy(() -> Partition.read(file, 10, 3))
        .hasMessage("shard file " + file + " holds 2 shards, expected 3");
    Files.writeString(file, "0 1\n2 x3\n");
    assertThatThrownBy(() -> Partition.read(file, 10, 2))
        .hasMessage("shard file " + file + ", shard 2: 'x3' is not an index");
    Files.writeString(file, "0 1\n2 10\n");
    assertThatThrownBy(() -> Partition.read(file, 10, 2))
        .hasMessage("shard file " + file + ", shard 2: index 10 is outside the 10 samples (0..9)");
    Files.writeString(file, "0 -1\n");
    assertThatThrownBy(() -> Partition.read(file, 10, 1)).hasMessageContaining("index -1");
    Files.writeString(file, "0 1 4\n2 4\n");
    assertThatThrownBy(() -> Partition.read(file, 10, 2))
        .hasMessage("shard file " + file + ": sample 4 is in shard 1 and again in shard 2");
    Files.writeString(file, "0 1 1\n");
    assertThatThrownBy(() -> Partition.read(file, 10, 1))
        .hasMessage("shard file " + file + ": sample 1 is in shard 1 and again in shard 1");
    Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
    assertThatThrownBy(() -> Partition.read(file, 10, 1))
        .hasMessage("shard file " + file + " is not a text file of indices");
    Path missing = dir.resolve("none.txt");
    assertThatThrownBy(() -> Partition.read(missing, 10, 1))
        .hasMessage("shard file " + missing + " does not exist");
  }
}
