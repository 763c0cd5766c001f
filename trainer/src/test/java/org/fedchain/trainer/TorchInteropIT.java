package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedchain.core.model.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model saved by FedChain loads in PyTorch (torch and safetensors from PyPI, installed by
 * scripts/setup.sh) into the same architecture written in PyTorch, and gives the same logits on 100
 * real test images.
 */
class TorchInteropIT {
  @TempDir Path dir;

  static byte[] floats(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  @ParameterizedTest
  @ValueSource(strings = {"fmnist-cnn/1", "fmnist-mlp/1"})
  void pytorch_loads_our_model_file_and_gives_the_same_logits(String id) throws Exception {
    Path python =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"),
            "torch-venv",
            "bin",
            "python");
    assertThat(python).as("torch venv is installed by scripts/setup.sh test").isExecutable();
    Architecture arch = Architectures.get(id);
    FashionMnist data = FashionMnist.standard();
    TrainingResult trained =
        LocalTrainer.train(
            arch,
            arch.initialTensors(3),
            data.train().slice(0, 1000),
            TrainingConfig.builder().epochs(1).seed(3).build(),
            ProgressListener.NONE);
    List<Tensor> tensors = trained.tensors();
    Samples images = data.test().slice(0, 100);
    Files.write(dir.resolve("model.safetensors"), ModelCodec.write(tensors));
    Files.writeString(dir.resolve("arch.py"), arch.pytorchSource());
    Files.write(dir.resolve("images.f32"), floats(images.floatImages()));
    Files.write(dir.resolve("logits.f32"), floats(LocalTrainer.logits(arch, tensors, images)));

    Process p =
        new ProcessBuilder(
                python.toString(),
                "src/test/python/torch_interop.py",
                dir.resolve("model.safetensors").toString(),
                dir.resolve("arch.py").toString(),
                dir.resolve("images.f32").toString(),
                dir.resolve("logits.f32").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    System.out.println(id + ": " + out.strip());
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("max_abs_diff").contains("argmax_agree 100");
  }
}
