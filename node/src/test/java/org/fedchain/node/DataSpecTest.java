package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.fedchain.trainer.DataSource;
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
  void any_source_takes_a_shard_after_an_at_sign_and_whole_series_on_request(@TempDir Path dir)
      throws IOException {
    DataSpec whole = DataSpec.parse("csv:/data/gas.csv?target=pm10&window=3");
    assertThat(whole.shards()).isZero();
    assertThat(whole.toString()).isEqualTo("csv:/data/gas.csv?target=pm10&window=3");
    DataSpec bySite = DataSpec.parse("csv:/data/a@b.csv?target=pm10&window=3@2/3:series");
    assertThat(bySite.dataset()).isEqualTo("csv:/data/a@b.csv?target=pm10&window=3");
    assertThat(bySite.bySeries()).isTrue();
    assertThat(DataSpec.parse(bySite.toString())).isEqualTo(bySite);

    // three sites, one node takes sites 0 and 2 of them (i mod 2 = 0), the other site 1
    StringBuilder csv = new StringBuilder("site,v\n");
    for (String site : new String[] {"a", "b", "c"}) {
      for (int t = 0; t < 6; t++) {
        csv.append(site).append(',').append(t).append('\n');
      }
    }
    Path f = dir.resolve("s.csv");
    Files.writeString(f, csv.toString());
    String src = "csv:" + f + "?target=v&series=site&window=2";
    long[] shape = {2, 1};
    int all = DataSpec.parse(src).load(shape).size();
    int first = DataSpec.parse(src + "@1/2:series").load(shape).size();
    int second = DataSpec.parse(src + "@2/2:series").load(shape).size();
    assertThat(all).isEqualTo(12);
    assertThat(first).isEqualTo(8);
    assertThat(second).isEqualTo(4);
    assertThatThrownBy(
            () -> DataSpec.parse("fashion-mnist@1/2:series").load(new long[] {1, 28, 28}))
        .hasMessageContaining("has no series to shard by");
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
            "is not of the form SOURCE[@K/N[:iid|:dirichlet=ALPHA|:series][:seed=S]]");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:iid:iid"))
        .hasMessageContaining("is not of the form");
    assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:1/3:iid:seed=1:x"))
        .hasMessageContaining("is not of the form");
  }

  @Test
  void a_named_seed_draws_another_partition() {
    DataSource data = FashionMnist.standard().named("fashion-mnist");
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
    DataSource data = FashionMnist.standard().named("fashion-mnist");
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
