package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.DType;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.Tensor;
import org.junit.jupiter.api.Test;

class ModelCodecTest {
  private final Architecture cnn = Architectures.get("fmnist-cnn/1");
  private final Architecture mlp = Architectures.get("fmnist-mlp/1");

  @Test
  void saved_and_loaded_model_gives_identical_logits_on_real_test_images() {
    Samples images = RealData.test().slice(0, 500);
    List<Tensor> tensors = cnn.initialTensors(21);
    float[] before = LocalTrainer.logits(cnn, tensors, images);
    byte[] file = ModelCodec.write(tensors);
    List<Tensor> loaded = ModelCodec.read(cnn, file);
    assertThat(loaded).containsExactlyInAnyOrderElementsOf(tensors);
    assertThat(LocalTrainer.logits(cnn, loaded, images)).isEqualTo(before);
    assertThat(Hash32.sha256(ModelCodec.write(loaded))).isEqualTo(Hash32.sha256(file));
  }

  @Test
  void tensors_go_through_djl_unchanged() {
    Engines.pytorch(1);
    for (Architecture arch : List.of(cnn, mlp)) {
      List<Tensor> tensors = arch.initialTensors(8);
      try (NDManager m = NDManager.newBaseManager(Engines.PYTORCH)) {
        SequentialBlock block = ModelCodec.block(arch, tensors);
        block.initialize(m, DataType.FLOAT32, new Shape(1, 1, 28, 28));
        assertThat(ModelCodec.extract(arch, block, tensors)).containsExactlyElementsOf(tensors);
      }
    }
  }

  @Test
  void djl_cnn_computes_what_pytorch_layouts_mean() {
    Samples images = RealData.test().slice(0, 5);
    List<Tensor> t = cnn.initialTensors(3);
    float[] djl = LocalTrainer.logits(cnn, t, images);
    float[] x = images.floatFeatures();
    for (int n = 0; n < images.size(); n++) {
      float[] img = java.util.Arrays.copyOfRange(x, n * 784, (n + 1) * 784);
      float[] a =
          Reference.pool2(
              Reference.relu(
                  Reference.conv(img, 1, 28, get(t, "0.weight"), get(t, "0.bias"), 6, 5)),
              6,
              24);
      a =
          Reference.pool2(
              Reference.relu(Reference.conv(a, 6, 12, get(t, "3.weight"), get(t, "3.bias"), 16, 5)),
              16,
              8);
      a = Reference.relu(Reference.linear(a, get(t, "7.weight"), get(t, "7.bias"), 120));
      a = Reference.relu(Reference.linear(a, get(t, "9.weight"), get(t, "9.bias"), 84));
      a = Reference.linear(a, get(t, "11.weight"), get(t, "11.bias"), 10);
      for (int c = 0; c < 10; c++) {
        assertThat(djl[n * 10 + c]).isCloseTo(a[c], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void djl_mlp_computes_what_pytorch_layouts_mean() {
    Samples images = RealData.test().slice(0, 5);
    List<Tensor> t = mlp.initialTensors(4);
    float[] djl = LocalTrainer.logits(mlp, t, images);
    float[] x = images.floatFeatures();
    for (int n = 0; n < images.size(); n++) {
      float[] a = java.util.Arrays.copyOfRange(x, n * 784, (n + 1) * 784);
      a = Reference.relu(Reference.linear(a, get(t, "1.weight"), get(t, "1.bias"), 256));
      a = Reference.relu(Reference.linear(a, get(t, "3.weight"), get(t, "3.bias"), 128));
      a = Reference.linear(a, get(t, "5.weight"), get(t, "5.bias"), 10);
      for (int c = 0; c < 10; c++) {
        assertThat(djl[n * 10 + c]).isCloseTo(a[c], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void rejects_model_missing_a_tensor() {
    List<Tensor> t = new ArrayList<>(cnn.initialTensors(1));
    t.removeIf(x -> x.name().equals("9.bias"));
    assertThatThrownBy(() -> ModelCodec.read(cnn, ModelCodec.write(t)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("tensor '9.bias' of fmnist-cnn/1 is missing (expected F32[84])");
  }

  @Test
  void rejects_tensor_with_the_wrong_shape() {
    List<Tensor> t = new ArrayList<>(cnn.initialTensors(1));
    t.replaceAll(
        x ->
            x.name().equals("7.weight")
                ? Tensor.ofFloats("7.weight", new long[] {256, 120}, x.floats())
                : x);
    assertThatThrownBy(() -> ModelCodec.read(cnn, ModelCodec.write(t)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("tensor '7.weight' has shape [256, 120], fmnist-cnn/1 expects [120, 256]");
  }

  @Test
  void rejects_tensor_with_the_wrong_dtype() {
    List<Tensor> t = new ArrayList<>(cnn.initialTensors(1));
    t.replaceAll(
        x ->
            x.name().equals("0.bias")
                ? Tensor.of("0.bias", DType.I32, new long[] {6}, x.data())
                : x);
    assertThatThrownBy(() -> ModelCodec.read(cnn, ModelCodec.write(t)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("tensor '0.bias' is I32, fmnist-cnn/1 expects F32");
  }

  @Test
  void rejects_extra_tensor() {
    List<Tensor> t = new ArrayList<>(mlp.initialTensors(1));
    t.add(Tensor.ofFloats("6.weight", new long[] {1}, new float[] {0}));
    assertThatThrownBy(() -> ModelCodec.read(mlp, ModelCodec.write(t)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith("unexpected tensor '6.weight' (fmnist-mlp/1 has only [1.weight,");
  }

  @Test
  void rejects_a_model_of_another_architecture() {
    byte[] mlpFile = ModelCodec.write(mlp.initialTensors(1));
    assertThatThrownBy(() -> ModelCodec.read(cnn, mlpFile))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tensor '0.weight' of fmnist-cnn/1 is missing");
  }

  private static float[] get(List<Tensor> tensors, String name) {
    return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().floats();
  }
}
