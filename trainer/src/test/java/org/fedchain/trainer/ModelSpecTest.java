package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelSpecTest {
  static ModelSpec parse(String json) {
    return ModelSpec.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  static final String LSTM =
      "{\"format\":\"fedchain-model/1\",\"input\":[12,3],\"output\":1,"
          + "\"layers\":[{\"type\":\"lstm\",\"hidden\":32,\"layers\":2},{\"type\":\"dense\",\"out\":1}]}";

  @Test
  void the_same_network_written_differently_has_one_hash() {
    ModelSpec a = parse(LSTM);
    ModelSpec b =
        parse(
            """
            {
              "layers": [
                {"last": true, "type": "lstm", "layers": 2, "hidden": 32},
                {"type": "dense", "bias": true, "out": 1}
              ],
              "output": 1, "input": [12, 3], "format": "fedchain-model/1", "inputType": "float"
            }
            """);
    assertThat(b.hash()).isEqualTo(a.hash());
    assertThat(new String(a.canonical(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"format\":\"fedchain-model/1\",\"input\":[12,3],\"inputType\":\"float\","
                + "\"layers\":[{\"hidden\":32,\"last\":true,\"layers\":2,\"type\":\"lstm\"},"
                + "{\"bias\":true,\"out\":1,\"type\":\"dense\"}],\"output\":1}");
    // the canonical bytes parse to themselves
    assertThat(ModelSpec.parse(a.canonical()).canonical()).isEqualTo(a.canonical());
    // another hidden size is another network
    assertThat(parse(LSTM.replace("32", "16")).hash()).isNotEqualTo(a.hash());
  }

  @Test
  void lstm_tensors_carry_pytorchs_names_and_shapes() {
    Architecture arch = Architecture.of(parse(LSTM));
    assertThat(arch.tensors())
        .extracting(t -> t.name() + java.util.Arrays.toString(t.shape()))
        .containsExactly(
            "0.weight_ih_l0[128, 3]",
            "0.weight_hh_l0[128, 32]",
            "0.bias_ih_l0[128]",
            "0.bias_hh_l0[128]",
            "0.weight_ih_l1[128, 32]",
            "0.weight_hh_l1[128, 32]",
            "0.bias_ih_l1[128]",
            "0.bias_hh_l1[128]",
            "1.weight[1, 32]",
            "1.bias[1]");
    assertThat(arch.outputShape()).containsExactly(1);
    assertThat(arch.pytorchSource()).contains("LSTM(3, 32, num_layers=2, last=True),  # 0");
    // recurrent layers start as PyTorch's do, uniform in 1/sqrt(hidden), under either scheme
    float bound = (float) (1 / Math.sqrt(32));
    for (float v : arch.initialTensors(1).get(0).floats()) {
      assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
    }
  }

  @Test
  void batch_norm_keeps_pytorchs_counter_and_starts_at_one_and_zero() {
    Architecture arch =
        Architecture.of(
            parse(
                "{\"format\":\"fedchain-model/1\",\"input\":[2,8],\"output\":2,\"layers\":["
                    + "{\"type\":\"batchnorm1d\"},{\"type\":\"flatten\"},{\"type\":\"dense\",\"out\":2}]}"));
    assertThat(arch.tensors())
        .extracting(t -> t.name() + " " + t.dtype())
        .startsWith(
            "0.weight F32",
            "0.bias F32",
            "0.running_mean F32",
            "0.running_var F32",
            "0.num_batches_tracked I64");
    var t = arch.initialTensors(1);
    assertThat(t.get(0).floats()).containsOnly(1f);
    assertThat(t.get(1).floats()).containsOnly(0f);
    assertThat(t.get(3).floats()).containsOnly(1f);
  }

  @Test
  void an_embedding_comes_first_on_token_ids() {
    String tokens =
        "{\"format\":\"fedchain-model/1\",\"input\":[7],\"inputType\":\"int\",\"output\":2,"
            + "\"layers\":[{\"type\":\"embedding\",\"vocab\":30,\"dim\":4},{\"type\":\"lstm\","
            + "\"hidden\":5},{\"type\":\"dense\",\"out\":2}]}";
    Architecture a = Architecture.of(parse(tokens));
    assertThat(a.tensors().get(0).name()).isEqualTo("0.weight");
    assertThat(a.tensors().get(0).shape()).containsExactly(30, 4);
    assertThat(a.layerSummary().get(0)).contains("nn.Embedding(30, 4)").contains("-> [7, 4]");
    assertThatThrownBy(() -> parse(tokens.replace(",\"inputType\":\"int\"", "")))
        .hasMessageContaining("an embedding takes token ids");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"format\":\"fedchain-model/1\",\"input\":[7],\"inputType\":\"int\","
                        + "\"output\":2,\"layers\":[{\"type\":\"dense\",\"out\":2}]}"))
        .hasMessageContaining("an embedding takes token ids");
  }

  @Test
  void errors_name_the_field_or_layer() {
    assertThatThrownBy(() -> parse("{\"format\":\"fedchain-model/1\"}"))
        .hasMessageContaining("spec.input must be an array");
    assertThatThrownBy(() -> parse(LSTM.replace("\"lstm\"", "\"lstm2\"")))
        .hasMessageContaining("spec.layers[0].type 'lstm2' is not a layer type");
    assertThatThrownBy(() -> parse(LSTM.replace("\"hidden\"", "\"hiden\"")))
        .hasMessageContaining("spec.layers[0] has unknown field 'hiden'");
    assertThatThrownBy(() -> parse(LSTM.replace("\"output\":1", "\"output\":2")))
        .hasMessageContaining(
            "the layers give shape [1] per sample; spec.output says the last axis is 2");
    assertThatThrownBy(() -> parse(LSTM.replace("[12,3]", "[12]")))
        .hasMessageContaining("layer 0: lstm takes input of rank [2], got [12]");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"format\":\"fedchain-model/1\",\"input\":[1,4,4],\"output\":2,\"layers\":["
                        + "{\"type\":\"conv2d\",\"out\":2,\"kernel\":5}]}"))
        .hasMessageContaining("conv2d kernel 5 is larger than its input 4");
    assertThatThrownBy(() -> parse("[1,2]")).hasMessageContaining("a spec is a JSON object");
    // a spec too large for any node's memory (or for a long) is refused before anything allocates
    assertThatThrownBy(() -> parse(LSTM.replace("\"hidden\":32", "\"hidden\":100000")))
        .hasMessageContaining("a spec may have at most 1000000000");
    assertThatThrownBy(() -> parse(LSTM.replace("[12,3]", "[12,3000000000000]")))
        .isInstanceOf(ModelSpec.SpecException.class);
    assertThatThrownBy(() -> parse("{\"format\":\"fedchain-model/1\","))
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> parse(LSTM.replace("\"format\"", "\"format\":1,\"format\"")))
        .hasMessageContaining("not JSON");
  }

  @Test
  void a_stored_spec_resolves_by_its_hash_and_a_non_canonical_one_is_refused() {
    ModelSpec spec = parse(LSTM);
    java.util.Map<org.fedchain.core.Hash32, byte[]> store = new java.util.HashMap<>();
    store.put(spec.hash(), spec.canonical());
    Architecture a =
        Architectures.resolve(spec.hash().hex(), h -> java.util.Optional.ofNullable(store.get(h)));
    assertThat(a.spec()).isEqualTo(spec);
    assertThat(Architectures.resolve("fmnist-cnn/1", h -> java.util.Optional.empty()).name())
        .isEqualTo("fmnist-cnn/1");
    byte[] pretty = spec.pretty().getBytes(StandardCharsets.UTF_8);
    org.fedchain.core.Hash32 prettyHash = org.fedchain.core.Hash32.sha256(pretty);
    store.put(prettyHash, pretty);
    assertThatThrownBy(
            () ->
                Architectures.resolve(
                    prettyHash.hex(), h -> java.util.Optional.ofNullable(store.get(h))))
        .hasMessageContaining("is not canonical");
    assertThatThrownBy(
            () -> Architectures.resolve("ab".repeat(32), h -> java.util.Optional.empty()))
        .hasMessageContaining("is not in the store");
  }
}
