package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fedchain.core.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model trained by FedChain loads in PyTorch (torch and safetensors from PyPI, installed by
 * scripts/setup.sh) into the network PyTorch builds from the spec alone ({@code spec_torch.py}),
 * with {@code load_state_dict(strict=True)}, and gives the same outputs on 100 inputs (max abs
 * difference at most 1e-5, one thread on both sides).
 */
class TorchInteropIT {
  @TempDir Path dir;

  static final String CONV =
      """
      {"format":"fedchain-model/1","name":"conv-test","input":[3,12,12],"output":4,"layers":[
        {"type":"conv2d","out":8,"kernel":3,"padding":1},{"type":"batchnorm2d"},{"type":"relu"},
        {"type":"maxpool2d","kernel":2},{"type":"conv2d","out":8,"kernel":3,"stride":2},
        {"type":"leaky_relu","slope":0.1},{"type":"avgpool2d","kernel":2},{"type":"mean","axis":1},
        {"type":"dropout","p":0.2},
        {"type":"flatten"},{"type":"dense","out":16},{"type":"tanh"},{"type":"dense","out":4}]}
      """;

  static final String LSTM =
      """
      {"format":"fedchain-model/1","name":"lstm-test","input":[12,3],"output":1,"layers":[
        {"type":"lstm","hidden":32,"layers":2},{"type":"dense","out":1}]}
      """;

  static final String SEQUENCE =
      """
      {"format":"fedchain-model/1","name":"sequence-test","input":[4,20],"output":3,"layers":[
        {"type":"conv1d","out":6,"kernel":5},{"type":"batchnorm1d"},{"type":"gelu"},
        {"type":"maxpool1d","kernel":2},
        {"type":"sequential","layers":[{"type":"gru","hidden":10,"last":false},{"type":"sigmoid"}]},
        {"type":"dense","out":3}]}
      """;

  static final String TOKENS =
      """
      {"format":"fedchain-model/1","name":"tokens-test","input":[10],"inputType":"int","output":3,
       "layers":[{"type":"embedding","vocab":50,"dim":8},{"type":"gru","hidden":6},
        {"type":"dense","out":3}]}
      """;

  static Path python() {
    Path p =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"),
            "torch-venv",
            "bin",
            "python");
    assertThat(p).as("torch venv is installed by scripts/setup.sh test").isExecutable();
    return p;
  }

  static byte[] floats(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  static String run(String... args) throws Exception {
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
    return p.exitValue() + " " + out.strip();
  }

  /** Random features of the spec's input shape (for an image spec, byte pixels). */
  static Samples randomSamples(Architecture arch, int n, long seed) {
    Random rng = new Random(seed);
    int width = 1;
    for (long d : arch.inputShape()) {
      width *= (int) d;
    }
    float[] x = new float[n * width];
    for (int i = 0; i < x.length; i++) {
      // token ids for an embedding, else any value
      x[i] = arch.spec().intInput() ? rng.nextInt(50) : (float) rng.nextGaussian();
    }
    long[] out = arch.outputShape();
    if (out.length == 1 && out[0] > 1) {
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = rng.nextInt(arch.outputs());
      }
      return Samples.classified(arch.inputShape(), x, labels, arch.outputs());
    }
    int tw = 1;
    for (long d : out) {
      tw *= (int) d;
    }
    float[] t = new float[n * tw];
    for (int i = 0; i < t.length; i++) {
      t[i] = (float) rng.nextGaussian();
    }
    return Samples.regression(arch.inputShape(), x, out, t);
  }

  @ParameterizedTest
  @ValueSource(strings = {"fmnist-cnn/1", "fmnist-mlp/1", "conv", "lstm", "sequence", "tokens"})
  void pytorch_rebuilds_the_spec_loads_our_file_strictly_and_gives_the_same_outputs(String which)
      throws Exception {
    Architecture arch =
        switch (which) {
          case "conv" -> Architecture.of(ModelSpec.parse(CONV.getBytes(StandardCharsets.UTF_8)));
          case "lstm" -> Architecture.of(ModelSpec.parse(LSTM.getBytes(StandardCharsets.UTF_8)));
          case "sequence" ->
              Architecture.of(ModelSpec.parse(SEQUENCE.getBytes(StandardCharsets.UTF_8)));
          case "tokens" ->
              Architecture.of(ModelSpec.parse(TOKENS.getBytes(StandardCharsets.UTF_8)));
          default -> Architectures.get(which);
        };
    boolean regression = arch.outputs() == 1 || arch.outputShape().length > 1;
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(1)
            .seed(3)
            .loss(regression ? Task.Loss.MSE : Task.Loss.CROSS_ENTROPY)
            .metric(regression ? Task.Metric.RMSE : Task.Metric.ACCURACY)
            .build();
    Samples train =
        which.startsWith("fmnist")
            ? FashionMnist.standard().train().slice(0, 1000)
            : randomSamples(arch, 256, 1);
    // trained, so batch norm's running statistics and every weight differ from their start
    TrainingResult trained =
        LocalTrainer.train(
            arch,
            arch.initialTensors(3, Architecture.Init.PYTORCH),
            train,
            config,
            ProgressListener.NONE);
    List<Tensor> tensors = trained.tensors();
    Samples inputs =
        which.startsWith("fmnist")
            ? FashionMnist.standard().test().slice(0, 100)
            : randomSamples(arch, 100, 2);
    Files.write(dir.resolve("spec.json"), arch.spec().canonical());
    Files.write(dir.resolve("model.safetensors"), ModelCodec.write(tensors));
    Files.write(dir.resolve("inputs.f32"), floats(inputs.floatFeatures()));
    Files.write(dir.resolve("outputs.f32"), floats(LocalTrainer.logits(arch, tensors, inputs)));

    String out =
        run(
            python().toString(),
            "src/test/python/spec_torch.py",
            dir.resolve("spec.json").toString(),
            dir.resolve("model.safetensors").toString(),
            dir.resolve("inputs.f32").toString(),
            dir.resolve("outputs.f32").toString());
    System.out.println(which + ": " + out);
    assertThat(out).startsWith("0 ").contains("max_abs_diff").contains("n 100");
  }

  @Test
  void the_python_reference_passes_its_own_tests() throws Exception {
    String out = run(python().toString(), "src/test/python/test_spec_torch.py");
    assertThat(out).as(out).startsWith("0 ");
  }

  @Test
  void pytorch_names_the_same_tensors_as_the_spec() throws Exception {
    Architecture arch = Architecture.of(ModelSpec.parse(SEQUENCE.getBytes(StandardCharsets.UTF_8)));
    Files.write(dir.resolve("spec.json"), arch.spec().canonical());
    String out =
        run(
            python().toString(),
            "src/test/python/spec_torch.py",
            "--names",
            dir.resolve("spec.json").toString());
    StringBuilder expected = new StringBuilder("0");
    for (Architecture.TensorSpec t : arch.tensors()) {
      expected
          .append(expected.length() == 1 ? " " : "\n")
          .append(t.name())
          .append(t.dtype() == org.fedchain.core.model.DType.I64 ? " int64 " : " float32 ")
          .append(java.util.Arrays.toString(t.shape()));
    }
    assertThat(out).isEqualTo(expected.toString());
  }
}
