package org.fedchain.trainer;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.fedchain.core.model.Tensor;

/**
 * Trains and evaluates FedChain models on one node with DJL's PyTorch engine.
 *
 * <p>A training is a pure function of (architecture, start tensors, samples, configuration, thread
 * count): the validation split and batch order come from the seed through {@link Random}, no
 * libtorch randomness is used, and libtorch runs with a fixed number of intra-op threads, so two
 * runs give byte-identical model files, which an auditor can replay.
 *
 * <pre>{@code
 * Architecture arch = Architectures.get("fmnist-cnn/1");
 * TrainingResult r = LocalTrainer.train(arch, arch.initialTensors(1), shard, TrainingConfig.defaults(),
 *     (epoch, step, total, loss) -> bar.update(step, total));
 * Evaluation test = LocalTrainer.evaluate(arch, r.tensors(), FashionMnist.standard().test());
 * }</pre>
 *
 * <p>libtorch allows one gradient recording per process at a time, so concurrent {@code train}
 * calls run one after the other.
 */
public final class LocalTrainer {
  static final int EVAL_BATCH = 1000;

  private static final Object TRAINING = new Object();

  private LocalTrainer() {}

  private static int[] splitOrder(Samples samples, Random rng) {
    int[] order = Partition.identity(samples.size());
    Partition.shuffle(order, rng);
    return order;
  }

  private static int validationSize(Samples samples, TrainingConfig config) {
    return (int) Math.floor(samples.size() * config.validationFraction());
  }

  /**
   * The samples {@link #train} holds out for validation with this config (none are trained on), or,
   * without a validation split, up to 1,000 of the samples.
   */
  public static Samples heldOut(Samples samples, TrainingConfig config) {
    int validation = validationSize(samples, config);
    if (validation == 0) {
      return samples.slice(0, Math.min(samples.size(), 1000));
    }
    int[] order = splitOrder(samples, new Random(config.seed()));
    return samples.subset(Arrays.copyOfRange(order, 0, validation));
  }

  /** Trains from {@code start} on {@code samples}; see the class comment for what is fixed. */
  public static TrainingResult train(
      Architecture arch,
      List<Tensor> start,
      Samples samples,
      TrainingConfig config,
      ProgressListener listener) {
    ModelCodec.check(arch, start);
    Random rng = new Random(config.seed());
    int[] order = splitOrder(samples, rng);
    int validation = validationSize(samples, config);
    int[] valIdx = Arrays.copyOfRange(order, 0, validation);
    int[] trainIdx = Arrays.copyOfRange(order, validation, order.length);
    if (trainIdx.length == 0) {
      throw new IllegalArgumentException(
          "no samples left to train on: "
              + samples.size()
              + " samples, validationFraction "
              + config.validationFraction());
    }
    int batch = config.batchSize();
    long stepsPerEpoch = (trainIdx.length + batch - 1) / batch;
    long totalSteps = stepsPerEpoch * config.epochs();

    synchronized (TRAINING) {
      Engines.pytorch(config.threads());
      try (Model model = Model.newInstance(arch.id(), Device.cpu(), Engines.PYTORCH)) {
        model.setBlock(ModelCodec.block(arch, start));
        DefaultTrainingConfig tc =
            new DefaultTrainingConfig(loss(config, samples, trainIdx, model.getNDManager()))
                .optOptimizer(optimizer(config, totalSteps))
                .optDevices(new Device[] {Device.cpu()});
        long[] in = arch.inputShape();
        try (Trainer trainer = model.newTrainer(tc)) {
          trainer.initialize(new Shape(batch, in[0], in[1], in[2]));
          long t0 = System.nanoTime();
          long step = 0;
          double epochLoss = 0;
          float[] x = new float[batch * Samples.PIXELS];
          long[] y = new long[batch];
          for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            Partition.shuffle(trainIdx, rng);
            epochLoss = 0;
            for (int from = 0; from < trainIdx.length; from += batch) {
              int to = Math.min(trainIdx.length, from + batch);
              int n = to - from;
              float[] bx = n == batch ? x : new float[n * Samples.PIXELS];
              long[] by = n == batch ? y : new long[n];
              samples.writeFloats(trainIdx, from, to, bx);
              for (int k = 0; k < n; k++) {
                by[k] = samples.label(trainIdx[from + k]);
              }
              float loss;
              try (NDManager bm = trainer.getManager().newSubManager()) {
                NDArray features = bm.create(bx, new Shape(n, in[0], in[1], in[2]));
                NDArray labels = bm.create(by, new Shape(n));
                try (GradientCollector gc = trainer.newGradientCollector()) {
                  NDList out = trainer.forward(new NDList(features));
                  NDArray l = trainer.getLoss().evaluate(new NDList(labels), out);
                  gc.backward(l);
                  loss = l.getFloat();
                }
                trainer.step();
              }
              epochLoss += loss;
              step++;
              listener.onStep(epoch, step, totalSteps, loss);
            }
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          Block block = model.getBlock();
          Evaluation val = null;
          if (valIdx.length > 0) {
            float[] logits = logits(block, model.getNDManager(), arch, samples, valIdx);
            val = score(logits, samples, valIdx);
          }
          return new TrainingResult(
              ModelCodec.extract(arch, block),
              epochLoss / stepsPerEpoch,
              val,
              trainIdx.length,
              step,
              seconds);
        }
      }
    }
  }

  /** Accuracy and mean cross-entropy of the model on all the samples. */
  /** Versions of the ML stack, for manifests: DJL and the libtorch it runs. */
  public static java.util.Map<String, String> versions() {
    ai.djl.engine.Engine e = Engines.pytorch();
    return java.util.Map.of(
        "djl", ai.djl.engine.Engine.getDjlVersion(), "libtorch", e.getVersion());
  }

  public static Evaluation evaluate(Architecture arch, List<Tensor> tensors, Samples samples) {
    int[] all = Partition.identity(samples.size());
    return score(logits(arch, tensors, samples), samples, all);
  }

  /**
   * The raw outputs (before softmax) for every sample, row-major {@code [samples, 10]}: what an
   * interoperability test compares with PyTorch.
   */
  public static float[] logits(Architecture arch, List<Tensor> tensors, Samples samples) {
    Engines.pytorch();
    try (Model model = Model.newInstance(arch.id(), Device.cpu(), Engines.PYTORCH)) {
      Block block = ModelCodec.block(arch, tensors);
      model.setBlock(block);
      long[] in = arch.inputShape();
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, in[0], in[1], in[2]));
      return logits(block, model.getNDManager(), arch, samples, Partition.identity(samples.size()));
    }
  }

  private static float[] logits(
      Block block, NDManager manager, Architecture arch, Samples samples, int[] indices) {
    Engines.pytorch();
    int classes = arch.outputs();
    long[] in = arch.inputShape();
    float[] out = new float[indices.length * classes];
    ParameterStore ps = new ParameterStore(manager, false);
    for (int from = 0; from < indices.length; from += EVAL_BATCH) {
      int to = Math.min(indices.length, from + EVAL_BATCH);
      float[] x = new float[(to - from) * Samples.PIXELS];
      samples.writeFloats(indices, from, to, x);
      try (NDManager bm = manager.newSubManager()) {
        NDArray features = bm.create(x, new Shape(to - from, in[0], in[1], in[2]));
        NDArray y = block.forward(ps, new NDList(features), false).singletonOrThrow();
        float[] v = y.toFloatArray();
        System.arraycopy(v, 0, out, from * classes, v.length);
      }
    }
    return out;
  }

  static Evaluation score(float[] logits, Samples samples, int[] indices) {
    int classes = Samples.CLASSES;
    int correct = 0;
    double loss = 0;
    for (int r = 0; r < indices.length; r++) {
      int base = r * classes;
      int best = 0;
      double max = logits[base];
      for (int c = 1; c < classes; c++) {
        if (logits[base + c] > max) {
          max = logits[base + c];
          best = c;
        }
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[base + c] - max);
      }
      int label = samples.label(indices[r]);
      loss += max + Math.log(sum) - logits[base + label];
      if (best == label) {
        correct++;
      }
    }
    int n = indices.length;
    return new Evaluation(n, n == 0 ? 0 : (double) correct / n, n == 0 ? 0 : loss / n);
  }

  private static Loss loss(TrainingConfig c, Samples samples, int[] trainIdx, NDManager manager) {
    if (c.balancedSoftmax() == 0) {
      return Loss.softmaxCrossEntropyLoss();
    }
    float[] counts = new float[Samples.CLASSES];
    for (int i : trainIdx) {
      counts[samples.label(i)]++;
    }
    // tau * log(n_c / n) in libtorch's float32, as the PyTorch mirror computes it; the floor gives
    // an absent class a finite offset, log(1e-12 / n), rather than -infinity
    NDArray offsets =
        manager
            .create(counts)
            .maximum(1e-12f)
            .div((float) trainIdx.length)
            .log()
            .mul(c.balancedSoftmax());
    return new BalancedSoftmaxLoss(offsets);
  }

  /** See {@link TrainingConfig#balancedSoftmax()}. */
  private static final class BalancedSoftmaxLoss extends SoftmaxCrossEntropyLoss {
    private final NDArray offsets;

    BalancedSoftmaxLoss(NDArray offsets) {
      super("BalancedSoftmaxCrossEntropy");
      this.offsets = offsets;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      return super.evaluate(labels, new NDList(predictions.singletonOrThrow().add(offsets)));
    }
  }

  private static Optimizer optimizer(TrainingConfig c, long totalSteps) {
    Tracker lr =
        switch (c.schedule()) {
          case CONSTANT -> Tracker.fixed(c.learningRate());
          case COSINE ->
              Tracker.cosine()
                  .setBaseValue(c.learningRate())
                  .optFinalValue(0f)
                  .setMaxUpdates(Math.toIntExact(totalSteps))
                  .build();
        };
    return switch (c.optimizer()) {
      case SGD ->
          Optimizer.sgd()
              .setLearningRateTracker(lr)
              .optMomentum(c.momentum())
              .optWeightDecays(c.weightDecay())
              .build();
      case ADAM ->
          Optimizer.adam().optLearningRateTracker(lr).optWeightDecays(c.weightDecay()).build();
    };
  }
}
