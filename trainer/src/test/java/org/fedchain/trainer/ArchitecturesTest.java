package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.fedchain.core.model.Tensor;
import org.junit.jupiter.api.Test;

class ArchitecturesTest {
  @Test
  void cnn_tensors_are_named_and_shaped_as_pytorch_sequential_state_dict() {
    Architecture cnn = Architectures.get("fmnist-cnn/1");
    assertThat(cnn.tensors())
        .extracting(t -> t.name() + java.util.Arrays.toString(t.shape()))
        .containsExactly(
            "0.weight[6, 1, 5, 5]",
            "0.bias[6]",
            "3.weight[16, 6, 5, 5]",
            "3.bias[16]",
            "7.weight[120, 256]",
            "7.bias[120]",
            "9.weight[84, 120]",
            "9.bias[84]",
            "11.weight[10, 84]",
            "11.bias[10]");
    assertThat(cnn.parameterCount()).isEqualTo(44_426);
    assertThat(cnn.pytorchSource())
        .contains("nn.Conv2d(1, 6, 5),  # 0")
        .contains("nn.Flatten(),  # 6")
        .contains("nn.Linear(84, 10),  # 11");
  }

  @Test
  void mlp_starts_with_flatten_so_its_linear_layers_are_1_3_5() {
    Architecture mlp = Architectures.get("fmnist-mlp/1");
    assertThat(mlp.tensors())
        .extracting(t -> t.name() + java.util.Arrays.toString(t.shape()))
        .containsExactly(
            "1.weight[256, 784]",
            "1.bias[256]",
            "3.weight[128, 256]",
            "3.bias[128]",
            "5.weight[10, 128]",
            "5.bias[10]");
    assertThat(mlp.parameterCount()).isEqualTo(235_146);
  }

  @Test
  void unknown_id_lists_the_known_ones() {
    assertThatThrownBy(() -> Architectures.get("fmnist-cnn/2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "unknown architecture 'fmnist-cnn/2' (built in: fmnist-mlp/1, fmnist-cnn/1;");
    assertThat(Architectures.names()).containsExactly("fmnist-mlp/1", "fmnist-cnn/1");
  }

  /**
   * The built-in models became spec files; their models must not change. The hashes are those the
   * hard-coded architectures of the previous version gave (commit d6b7e17) for the same seeds.
   */
  @Test
  void built_in_specs_give_the_same_models_as_before() {
    Architecture cnn = Architectures.get("fmnist-cnn/1");
    Architecture mlp = Architectures.get("fmnist-mlp/1");
    assertThat(hash(cnn.initialTensors(1)))
        .isEqualTo("b65e5204e9744d941ef02a824d637d7483b1b32034d91c5aa4f4a60df2b37f88");
    assertThat(hash(cnn.initialTensors(7, Architecture.Init.PYTORCH)))
        .isEqualTo("11a25de8c88704a71bc91c68e063a6893a36118810ff48e762485fcc803da9ce");
    assertThat(hash(mlp.initialTensors(1)))
        .isEqualTo("15f61685ab1734579b8ecaa355c3488c8ca494f523763cbe7876cc29f0f3beeb");
    assertThat(hash(mlp.initialTensors(7, Architecture.Init.PYTORCH)))
        .isEqualTo("b2da06fc45e172daba7e7c7079ef45f41c20d2c706362542b231772d9ab09447");
    // and they are found by their spec hash as well as by name
    assertThat(Architectures.get(cnn.id())).isEqualTo(cnn);
  }

  static String hash(List<Tensor> tensors) {
    return org.fedchain.core.Hash32.sha256(ModelCodec.write(tensors)).hex();
  }

  @Test
  void initial_tensors_are_kaiming_uniform_with_zero_bias_and_follow_the_seed() {
    Architecture cnn = Architectures.get("fmnist-cnn/1");
    List<Tensor> a = cnn.initialTensors(5);
    assertThat(a).isEqualTo(cnn.initialTensors(5));
    assertThat(a).isNotEqualTo(cnn.initialTensors(6));
    float bound = (float) Math.sqrt(6.0 / (6 * 25)); // fan-in of layer 3
    float[] w3 = a.get(2).floats();
    for (float v : w3) {
      assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
    }
    float max = 0;
    for (float v : w3) {
      max = Math.max(max, Math.abs(v));
    }
    assertThat(max).isGreaterThan(0.95f * bound);
    assertThat(a.get(3).floats()).containsOnly(0f); // 3.bias
    ModelCodec.check(cnn, a);
    assertThat(cnn.initialTensors(5, Architecture.Init.KAIMING)).isEqualTo(a);
  }

  @Test
  void pytorch_init_draws_weights_and_biases_within_one_over_root_fan_in() {
    Architecture cnn = Architectures.get("fmnist-cnn/1");
    List<Tensor> a = cnn.initialTensors(5, Architecture.Init.PYTORCH);
    assertThat(a).isEqualTo(cnn.initialTensors(5, Architecture.Init.PYTORCH));
    float bound = (float) (1 / Math.sqrt(6 * 25)); // fan-in of layer 3, for 3.weight and 3.bias
    for (Tensor t : List.of(a.get(2), a.get(3))) {
      float max = 0;
      for (float v : t.floats()) {
        max = Math.max(max, Math.abs(v));
      }
      assertThat(max).as(t.name()).isLessThanOrEqualTo(bound).isGreaterThan(0.8f * bound);
    }
    ModelCodec.check(cnn, a);
    assertThat(Architecture.Init.parse("PyTorch")).isEqualTo(Architecture.Init.PYTORCH);
    assertThatThrownBy(() -> Architecture.Init.parse("xavier"))
        .hasMessage("unknown initialisation 'xavier'; expected kaiming or pytorch");
  }
}
