package org.fedchain.bench;

import java.util.List;
import java.util.Locale;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.Evaluation;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;

/**
 * Measures training speed and accuracy on the full Fashion-MNIST set (not a unit test; run with
 * {@code java -cp ... org.fedchain.trainer.TrainerBench MODE ARCH OPT LR EPOCHS}).
 *
 * <p>Modes: {@code full} trains EPOCHS epochs (one call, one schedule) on the 60k training set less
 * the validation share and evaluates on the 10k test set; {@code chain} trains 3 nodes in turn, 1
 * epoch each on disjoint IID 20k shards.
 */
public final class TrainerBench {
  private TrainerBench() {}

  public static void main(String[] args) {
    String mode = args[0];
    Architecture arch = Architectures.get(args[1]);
    TrainingConfig.Optimizer opt = TrainingConfig.Optimizer.valueOf(args[2]);
    float lr = Float.parseFloat(args[3]);
    int epochs = Integer.parseInt(args[4]);
    double val = args.length > 5 ? Double.parseDouble(args[5]) : 0.1;
    Samples train = FashionMnist.standard().train();
    Samples test = FashionMnist.standard().test();
    TrainingConfig base =
        TrainingConfig.builder()
            .optimizer(opt)
            .learningRate(lr)
            .validationFraction(val)
            .batchSize(Integer.getInteger("batch", 64))
            .schedule(TrainingConfig.Schedule.parse(System.getProperty("schedule", "cosine")))
            .build();
    List<Tensor> model = arch.initialTensors(Long.getLong("init", 1));
    if (mode.equals("full")) {
      TrainingResult r =
          LocalTrainer.train(
              arch, model, train, base.toBuilder().epochs(epochs).build(), ProgressListener.NONE);
      model = r.tensors();
      report(arch, epochs + " epoch(s)", r, LocalTrainer.evaluate(arch, model, test));
    } else {
      List<int[]> shards = Partition.iid(train.size(), 3, Long.getLong("split", 7));
      for (int node = 0; node < 3; node++) {
        TrainingResult r =
            LocalTrainer.train(
                arch,
                model,
                train.subset(shards.get(node)),
                base.toBuilder().seed(node).epochs(epochs).build(),
                ProgressListener.NONE);
        model = r.tensors();
        report(arch, "node " + (node + 1), r, LocalTrainer.evaluate(arch, model, test));
      }
    }
    System.out.println("model sha256 " + Hash32.sha256(ModelCodec.write(model)).hex());
    String out = System.getProperty("out");
    if (out != null) { // model file and the logits of the first 100 test images, for a Python check
      try {
        java.nio.file.Files.write(
            java.nio.file.Path.of(out + ".safetensors"), ModelCodec.write(model));
        float[] logits = LocalTrainer.logits(arch, model, test.slice(0, 100));
        java.nio.ByteBuffer b =
            java.nio.ByteBuffer.allocate(logits.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(logits);
        java.nio.file.Files.write(java.nio.file.Path.of(out + ".logits.f32"), b.array());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  private static void report(Architecture arch, String what, TrainingResult r, Evaluation test) {
    System.out.printf(
        Locale.ROOT,
        "%s %s: %d samples, %d steps in %.2f s = %.1f steps/s; train loss %.4f; val acc %.4f;"
            + " test acc %.4f loss %.4f%n",
        arch.name(),
        what,
        r.trainSamples(),
        r.steps(),
        r.seconds(),
        r.steps() / r.seconds(),
        r.trainLoss(),
        r.validation() == null ? Double.NaN : r.validation().accuracy(),
        test.accuracy(),
        test.loss());
  }
}
