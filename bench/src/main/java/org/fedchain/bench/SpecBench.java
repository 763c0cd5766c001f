package org.fedchain.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.fedchain.core.model.Tensor;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ModelSpec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;

/**
 * DJL's training speed for a model spec (an LSTM by default), for {@code scripts/bench.sh lstm},
 * which then trains the same spec on the same samples with PyTorch ({@code bench/spec_speed.py})
 * and prints both. Writes the spec, the start model and the samples into DIR for that.
 *
 * <p>Args: DIR [SAMPLES [EPOCHS [THREADS [BATCH]]]]; one warm-up epoch is not timed.
 */
public final class SpecBench {
  private SpecBench() {}

  static final String LSTM =
      "{\"format\":\"fedchain-model/1\",\"name\":\"bench-lstm\",\"input\":[24,4],\"output\":1,"
          + "\"layers\":[{\"type\":\"lstm\",\"hidden\":64},{\"type\":\"dense\",\"out\":1}]}";

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
    int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    int batch = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    byte[] specBytes =
        System.getProperty("spec") != null
            ? Files.readAllBytes(Path.of(System.getProperty("spec")))
            : LSTM.getBytes(StandardCharsets.UTF_8);
    Architecture arch = Architecture.of(ModelSpec.parse(specBytes));
    long[] in = arch.inputShape();
    int width = 1;
    for (long d : in) {
      width *= (int) d;
    }
    Random rng = new Random(1);
    float[] x = new float[n * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = x[i * width] * 0.5f + x[i * width + width - 1] * 0.25f; // something to learn
    }
    Samples s = Samples.regression(in, x, new long[] {1}, y);
    TrainingConfig config =
        TrainingConfig.builder()
            .batchSize(batch)
            .learningRate(0.05f)
            .schedule(TrainingConfig.Schedule.CONSTANT)
            .validationFraction(0)
            .loss(Task.Loss.MSE)
            .metric(Task.Metric.MAE)
            .threads(threads)
            .seed(1)
            .build();
    List<Tensor> start = arch.initialTensors(1, Architecture.Init.PYTORCH);
    Files.createDirectories(dir);
    Files.write(dir.resolve("spec.json"), arch.spec().canonical());
    Files.write(dir.resolve("start.safetensors"), ModelCodec.write(start));
    Files.write(dir.resolve("x.f32"), floats(x));
    Files.write(dir.resolve("y.f32"), floats(y));
    // warm-up: libtorch's first steps allocate and pick kernels
    LocalTrainer.train(arch, start, s, config.toBuilder().epochs(1).build(), ProgressListener.NONE);
    TrainingResult r =
        LocalTrainer.train(
            arch, start, s, config.toBuilder().epochs(epochs).build(), ProgressListener.NONE);
    System.out.printf(
        Locale.ROOT,
        "djl %s samples %d batch %d epochs %d threads %d seconds %.2f samples_per_s %.0f loss %.5f%n",
        arch.name(),
        n,
        batch,
        epochs,
        threads,
        r.seconds(),
        (double) n * epochs / r.seconds(),
        r.trainLoss());
  }

  static byte[] floats(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }
}
