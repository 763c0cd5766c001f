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

  static int[] splitOrder(Samples samples, Random rng) {
    int[] order = Partition.identity(samples.size());
    Partition.shuffle(order, rng);
    return order;
  }

  static int validationSize(Samples samples, TrainingConfig config) {
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
    checkTask(arch, samples, config);
    int batch = config.batchSize();
    long stepsPerEpoch = (trainIdx.length + batch - 1) / batch;
    long totalSteps = stepsPerEpoch * config.epochs();

    synchronized (TRAINING) {
      Engines.pytorch(config.threads());
      // dropout draws from libtorch's generator: seed it, so a training replays bit for bit
      Engines.pytorch().setRandomSeed(Math.toIntExact(Math.floorMod(config.seed(), 1L << 31)));
      try (Model model = Model.newInstance(arch.name(), Device.cpu(), Engines.PYTORCH)) {
        model.setBlock(ModelCodec.block(arch, start));
        DefaultTrainingConfig tc =
            new DefaultTrainingConfig(loss(config, samples, trainIdx, model.getNDManager()))
                .optOptimizer(optimizer(config, totalSteps))
                .optDevices(new Device[] {Device.cpu()});
        try (Trainer trainer = model.newTrainer(tc)) {
          trainer.initialize(batchShape(arch, batch));
          ModelCodec.freeze(arch, model.getBlock(), config.frozen());
          long t0 = System.nanoTime();
          long step = 0;
          double epochLoss = 0;
          int width = samples.featureWidth();
          int targetWidth = samples.classes() > 0 ? 1 : width(samples.targetShape());
          float[] x = new float[batch * width];
          for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            Partition.shuffle(trainIdx, rng);
            epochLoss = 0;
            for (int from = 0; from < trainIdx.length; from += batch) {
              int to = Math.min(trainIdx.length, from + batch);
              int n = to - from;
              float[] bx = n == batch ? x : new float[n * width];
              samples.writeFeatures(trainIdx, from, to, bx);
              float loss;
              try (NDManager bm = trainer.getManager().newSubManager()) {
                NDArray features = bm.create(bx, batchShape(arch, n));
                NDArray labels = targets(bm, samples, trainIdx, from, to, targetWidth);
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
            float[] out = outputs(block, model.getNDManager(), arch, samples, valIdx);
            val = score(out, samples, valIdx, arch, config);
          }
          return new TrainingResult(
              ModelCodec.extract(arch, block, start),
              epochLoss / stepsPerEpoch,
              val,
              trainIdx.length,
              step,
              seconds);
        }
      }
    }
  }

  private static Shape batchShape(Architecture arch, int n) {
    return batchShape(arch.inputShape(), n);
  }

  /** The shape of {@code n} samples of shape {@code sample}: batch first. */
  static Shape batchShape(long[] sample, long n) {
    long[] s = new long[sample.length + 1];
    s[0] = n;
    System.arraycopy(sample, 0, s, 1, sample.length);
    return new Shape(s);
  }

  /** The values in one sample of this shape. */
  static int width(long[] shape) {
    int n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, Math.toIntExact(d));
    }
    return n;
  }

  /** Labels [n] (int64) or targets [n, ...] (float32) of samples {@code idx[from..to)}. */
  private static NDArray targets(
      NDManager m, Samples samples, int[] idx, int from, int to, int targetWidth) {
    int n = to - from;
    if (samples.classes() > 0) {
      long[] y = new long[n];
      for (int k = 0; k < n; k++) {
        y[k] = samples.label(idx[from + k]);
      }
      return m.create(y, new Shape(n));
    }
    float[] t = new float[n * targetWidth];
    samples.writeTargets(idx, from, to, t);
    long[] ts = samples.targetShape();
    long[] s = new long[ts.length + 1];
    s[0] = n;
    System.arraycopy(ts, 0, s, 1, ts.length);
    return m.create(t, new Shape(s));
  }

  /**
   * Refuses samples and a configuration that do not fit the architecture, naming what differs: the
   * feature shape, classes against outputs, targets against the output shape, the loss's kind.
   */
  static void checkTask(Architecture arch, Samples samples, TrainingConfig config) {
    if (!java.util.Arrays.equals(samples.featureShape(), arch.inputShape())) {
      throw new IllegalArgumentException(
          "the samples have shape "
              + java.util.Arrays.toString(samples.featureShape())
              + ", "
              + arch.name()
              + " takes "
              + java.util.Arrays.toString(arch.inputShape()));
    }
    boolean classes = samples.classes() > 0;
    if (classes != config.loss().classification()) {
      throw new IllegalArgumentException(
          "the samples have "
              + (classes ? "class labels" : "regression targets")
              + " but the loss is "
              + config.loss().id());
    }
    long[] out = arch.outputShape();
    if (classes && (out.length != 1 || out[0] < samples.classes())) {
      throw new IllegalArgumentException(
          arch.name()
              + " gives "
              + java.util.Arrays.toString(out)
              + " per sample; "
              + samples.classes()
              + " classes need one output each");
    }
    if (!classes && !java.util.Arrays.equals(out, samples.targetShape())) {
      throw new IllegalArgumentException(
          arch.name()
              + " gives "
              + java.util.Arrays.toString(out)
              + " per sample; the targets are "
              + java.util.Arrays.toString(samples.targetShape()));
    }
  }

  /** Versions of the ML stack, for manifests: DJL and the libtorch it runs. */
  public static java.util.Map<String, String> versions() {
    ai.djl.engine.Engine e = Engines.pytorch();
    return java.util.Map.of(
        "djl", ai.djl.engine.Engine.getDjlVersion(), "libtorch", e.getVersion());
  }

  /**
   * {@link #evaluate(Architecture, List, Samples, TrainingConfig)} for a classification by
   * accuracy.
   */
  public static Evaluation evaluate(Architecture arch, List<Tensor> tensors, Samples samples) {
    return evaluate(arch, tensors, samples, TrainingConfig.defaults());
  }

  /** The run's metric and mean loss of the model on all the samples. */
  public static Evaluation evaluate(
      Architecture arch, List<Tensor> tensors, Samples samples, TrainingConfig config) {
    checkTask(arch, samples, config);
    int[] all = Partition.identity(samples.size());
    return score(logits(arch, tensors, samples), samples, all, arch, config);
  }

  /**
   * The raw outputs (logits before softmax, or predictions) for every sample, row-major {@code
   * [samples, output shape]}: what an interoperability test compares with PyTorch.
   */
  public static float[] logits(Architecture arch, List<Tensor> tensors, Samples samples) {
    Engines.pytorch();
    try (Model model = Model.newInstance(arch.name(), Device.cpu(), Engines.PYTORCH)) {
      Block block = ModelCodec.block(arch, tensors);
      model.setBlock(block);
      block.initialize(model.getNDManager(), DataType.FLOAT32, batchShape(arch, 1));
      return outputs(
          block, model.getNDManager(), arch, samples, Partition.identity(samples.size()));
    }
  }

  private static float[] outputs(
      Block block, NDManager manager, Architecture arch, Samples samples, int[] indices) {
    Engines.pytorch();
    int outWidth = width(arch.outputShape());
    int width = samples.featureWidth();
    float[] out = new float[indices.length * outWidth];
    ParameterStore ps = new ParameterStore(manager, false);
    for (int from = 0; from < indices.length; from += EVAL_BATCH) {
      int to = Math.min(indices.length, from + EVAL_BATCH);
      float[] x = new float[(to - from) * width];
      samples.writeFeatures(indices, from, to, x);
      try (NDManager bm = manager.newSubManager()) {
        NDArray features = bm.create(x, batchShape(arch, to - from));
        NDArray y = block.forward(ps, new NDList(features), false).singletonOrThrow();
        float[] v = y.toFloatArray();
        System.arraycopy(v, 0, out, from * outWidth, v.length);
      }
    }
    return out;
  }

  /** The metric and mean loss of outputs for the samples at {@code indices}. */
  static Evaluation score(
      float[] outputs, Samples samples, int[] indices, Architecture arch, TrainingConfig config) {
    int n = indices.length;
    Task.Metric metric = config.metric();
    if (samples.classes() > 0) {
      int classes = arch.outputs();
      int[] labels = new int[n];
      double loss = 0;
      for (int r = 0; r < n; r++) {
        labels[r] = samples.label(indices[r]);
        int base = r * classes;
        double max = outputs[base];
        for (int c = 1; c < classes; c++) {
          max = Math.max(max, outputs[base + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
          sum += Math.exp(outputs[base + c] - max);
        }
        loss += max + Math.log(sum) - outputs[base + labels[r]];
      }
      return new Evaluation(
          n, metric, Task.classify(metric, outputs, classes, labels), n == 0 ? 0 : loss / n);
    }
    int tw = width(samples.targetShape());
    float[] targets = new float[n * tw];
    samples.writeTargets(indices, 0, n, targets);
    double loss =
        config.loss() == Task.Loss.MAE
            ? Task.regress(Task.Metric.MAE, outputs, targets)
            : Math.pow(Task.regress(Task.Metric.RMSE, outputs, targets), 2);
    return new Evaluation(n, metric, Task.regress(metric, outputs, targets), loss);
  }

  static Loss loss(TrainingConfig c, Samples samples, int[] trainIdx, NDManager manager) {
    switch (c.loss()) {
      case MSE:
        return new ErrorLoss("MSE", true);
      case MAE:
        return new ErrorLoss("MAE", false);
      default:
        break;
    }
    if (c.balancedSoftmax() == 0) {
      return Loss.softmaxCrossEntropyLoss();
    }
    float[] counts = new float[samples.classes()];
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

  /** The mean of squared or absolute errors over every value, as PyTorch's MSELoss and L1Loss. */
  private static final class ErrorLoss extends Loss {
    private final boolean squared;

    ErrorLoss(String name, boolean squared) {
      super(name);
      this.squared = squared;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      NDArray d = predictions.singletonOrThrow().sub(labels.singletonOrThrow());
      return (squared ? d.square() : d.abs()).mean();
    }
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

  static Optimizer optimizer(TrainingConfig c, long totalSteps) {
    // DJL's cosine reaches its final value at the last update, so over a single step it would
    // train at rate 0: one step takes the rate as it is
    Tracker lr =
        switch (totalSteps == 1 ? TrainingConfig.Schedule.CONSTANT : c.schedule()) {
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
