package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSpecTest {
  @Test
  void the_partition_seed_is_the_default_unless_named_and_survives_a_round_trip() {
    DataSpec plain = DataSpec.parse("fashion-mnist:2/10:dirichlet=0.5");
    assertThat(plain).isEqualTo(new DataSpec("fashion-mnist", 2, 10, 0.5, DataSpec.PARTITION_SEED));
    assertThat(plain.toString()).isEqualTo("fashion-mnist:2/10:dirichlet=0.5");

    DataSpec seeded = DataSpec.parse("fashion-mnist:2/10:dirichlet=0.5:seed=7");
    assertThat(seeded).isEqualTo(new DataSpec("fashion-mnist", 2, 10, 0.5, 7));
    assertThat(DataSpec.parse(seeded.toString())).isEqualTo(seeded);

    // the partition may be left out before the seed: IID
    assertThat(DataSpec.parse("fashion-mnist:1/3:seed=-4"))
        .isEqualTo(new DataSpec("fashion-mnist", 1, 3, 0, -4));
    assertThat(DataSpec.parse("fashion-mnist:1/3:seed=-4").toString())
        .isEqualTo("fashion-mnist:1/3:iid:seed=-4");
  }

  @Test
  void malformed_specs_are_refused_naming_the_part_that_is_wrong() {
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:seed=x"))
        .hasMessage("data 'fashion-mnist:1/3:seed=x': seed must be a whole number, got 'x'");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:dirichlet=lots"))
        .hasMessage(
            "data 'fashion-mnist:1/3:dirichlet=lots': dirichlet alpha must be a number, got 'lots'");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:dirichlet=0"))
        .hasMessage(
            "data 'fashion-mnist:1/3:dirichlet=0': dirichlet alpha must be a positive number");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:dirichlet=Infinity"))
        .hasMessageContaining("dirichlet alpha must be a positive number");
    // the seed comes last, and only once
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:seed=1:iid"))
        .hasMessageContaining(
            "is not of the form fashion-mnist:K/N[:iid|:dirichlet=ALPHA][:seed=S]");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:iid:iid"))
        .hasMessageContaining("is not of the form");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:iid:seed=1:x"))
        .hasMessageContaining("is not of the form");
  }

  @Test
  void a_named_seed_draws_another_partition() {
    FashionMnist data = FashionMnist.standard();
    Samples train = data.train();
    Samples seven = new DataSpec("fashion-mnist", 1, 10, 0.5, 7).load(data);
    assertThat(seven.commitment())
        .isEqualTo(
            train.subset(Partition.dirichlet(train.labels(), 10, 0.5, 7).get(0)).commitment());
    assertThat(seven.commitment())
        .isNotEqualTo(DataSpec.parse("fashion-mnist:1/10:dirichlet=0.5").load(data).commitment());
  }

  @Test
  void a_shard_file_is_named_with_its_path_and_replaces_partition_and_seed() {
    DataSpec spec = DataSpec.parse("fashion-mnist:2/10:shards=runs/a:b.txt");
    assertThat(spec.shardFile()).isEqualTo(Path.of("runs/a:b.txt"));
    assertThat(spec.shard()).isEqualTo(2);
    assertThat(DataSpec.parse(spec.toString())).isEqualTo(spec);
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:2/10:dirichlet=0.5:shards=f.txt"))
        .hasMessageContaining("is not of the form");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:2/10:shards="))
        .hasMessageContaining("is not of the form");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:11/10:shards=f.txt"))
        .hasMessageContaining("out of range");
  }

  @Test
  void a_shard_file_loads_the_samples_on_its_line(@TempDir Path dir) throws IOException {
    FashionMnist data = FashionMnist.standard();
    Samples train = data.train();
    List<int[]> drawn = Partition.dirichlet(train.labels(), 10, 0.5, 7);
    Path file = dir.resolve("shards.txt");
    Files.writeString(
        file,
        drawn.stream()
            .map(s -> Arrays.stream(s).mapToObj(String::valueOf).collect(Collectors.joining(" ")))
            .collect(Collectors.joining("\n")));
    assertThat(DataSpec.parse("fashion-mnist:3/10:shards=" + file).load(data).commitment())
        .isEqualTo(new DataSpec("fashion-mnist", 3, 10, 0.5, 7).load(data).commitment());
    // a file that does not match N is refused when loaded, before any training
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:3/9:shards=" + file).load(data))
        .hasMessageContaining("holds 10 shards, expected 9");
  }
}
