package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.Samples;
import org.junit.jupiter.api.Test;

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
}
