package org.fedchain.trainer;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.fedchain.core.model.Tensor;

/**
 * One stage of a model-parallel training: a slice of a model's layers ({@link Stages}) that runs
 * forward on the activations it is given, keeps what backward needs per micro-batch, runs backward
 * on the gradients it is given, and steps its own optimizer once per mini-batch. The last stage
 * also holds the loss.
 *
 * <p>Every call runs on the stage's own thread: libtorch records gradients per thread, and a stage
 * is called from whichever thread its caller (a gRPC server, a pipeline) uses. The operations are
 * exactly those {@link LocalTrainer} runs on the same layers, so a pipeline of stages without
 * micro-batches trains bit for bit as one node would.
 */
public final class StageTrainer implements StageLink, AutoCloseable {
  /** What the last stage returns for a micro-batch: its loss and the gradient of its input. */
  public record LossResult(float loss, float[] inputGradient) {}

  private final Architecture arch;
  private final List<Tensor> start;
  private final boolean first;
  private final boolean last;
  private final TrainingConfig config;
  private final ExecutorService thread;
  private final Map<Long, Pending> pending = new HashMap<>();
  private long busyNanos;
  private Model model;
  private Trainer trainer;
  private Loss loss;

  private record Pending(NDManager manager, NDArray input, NDArray output) {}

  private StageTrainer(
      Architecture arch, List<Tensor> start, boolean first, boolean last, TrainingConfig config) {
    this.arch = arch;
    this.start = List.copyOf(start);
    this.first = first;
    this.last = last;
    this.config = config;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "stage " + arch.name());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * A stage of {@code stageArch} (see {@link Stages#architecture}) starting from {@code start}
   * (named as in the stage), to be trained for {@code totalSteps} optimizer steps with {@code
   * config}'s optimizer, rate schedule, loss and frozen tensors (named as in the stage).
   *
   * @param first whether this stage takes the samples' features (no input gradient is computed)
   * @param last whether this stage ends the model and computes the loss
   * @throws IllegalArgumentException if the tensors do not fit, or the stage would need what a
   *     stage cannot have: token-id input, or a loss that depends on the training set
   */
  public static StageTrainer open(
      Architecture stageArch,
      List<Tensor> start,
      boolean first,
      boolean last,
      TrainingConfig config,
      long totalSteps) {
    ModelCodec.check(stageArch, start);
    if (stageArch.spec().intInput()) {
      throw new IllegalArgumentException(
          "model parallelism takes float input; " + stageArch.name() + " starts with an embedding");
    }
    if (last && config.balancedSoftmax() != 0) {
      throw new IllegalArgumentException(
          "the last stage does not see the training set's class counts: balanced softmax needs"
              + " them; train without it");
    }
    StageTrainer s = new StageTrainer(stageArch, start, first, last, config);
    s.on(
        () -> {
          Engines.pytorch(config.threads());
          JniUtils.setGradMode(true);
          s.model = Model.newInstance(stageArch.name(), Device.cpu(), Engines.PYTORCH);
          s.model.setBlock(ModelCodec.block(stageArch, start));
          s.loss = LocalTrainer.loss(config, null, null, s.model.getNDManager());
          DefaultTrainingConfig tc =
              new DefaultTrainingConfig(s.loss)
                  .optOptimizer(LocalTrainer.optimizer(config, totalSteps))
                  .optDevices(new Device[] {Device.cpu()});
          s.trainer = s.model.newTrainer(tc);
          s.trainer.initialize(LocalTrainer.batchShape(stageArch.inputShape(), config.batchSize()));
          ModelCodec.freeze(stageArch, s.model.getBlock(), config.frozen());
          return null;
        });
    return s;
  }

  /** The stage's architecture. */
  public Architecture architecture() {
    return arch;
  }

  /**
   * Runs micro-batch {@code id} of {@code n} samples forward ({@code x}: the previous stage's
   * activations, or the features) and keeps it for {@link #backward}; returns this stage's output.
   */
  @Override
  public float[] forward(long id, float[] x, int n) {
    if (last) {
      throw new IllegalStateException("the last stage runs forward with its loss: lossBackward");
    }
    return on(() -> run(id, x, n).output().toFloatArray());
  }

  /**
   * The last stage's step for micro-batch {@code id}: forward, the loss against {@code y} (class
   * indices as floats, or targets), and backward from the loss times {@code scale} (1 for a whole
   * mini-batch; a micro-batch's share of it otherwise). Returns the loss and the gradient of the
   * input.
   */
  @Override
  public LossResult lossBackward(long id, float[] x, int n, float[] y, float scale) {
    if (!last) {
      throw new IllegalStateException("only the last stage has the loss");
    }
    return on(
        () -> {
          Pending p = run(id, x, n);
          try {
            NDArray labels;
            if (config.loss().classification()) {
              long[] l = new long[y.length];
              for (int i = 0; i < y.length; i++) {
                l[i] = (long) y[i];
              }
              labels = p.manager().create(l, new Shape(n));
            } else {
              long[] ts = arch.outputShape();
              labels = p.manager().create(y, LocalTrainer.batchShape(ts, n));
            }
            NDArray l = loss.evaluate(new NDList(labels), new NDList(p.output()));
            NDArray seed = p.manager().create(scale).reshape(l.getShape()); // ones when scale is 1
            JniUtils.backward((PtNDArray) l, (PtNDArray) seed, false, false);
            return new LossResult(l.getFloat(), inputGradient(p));
          } finally {
            pending.remove(id);
            p.manager().close();
          }
        });
  }

  /**
   * Runs micro-batch {@code id} backward from {@code gradient} (of this stage's output, from the
   * next stage); returns the gradient of the input (empty for the first stage). Parameter gradients
   * add up until {@link #step}.
   */
  @Override
  public float[] backward(long id, float[] gradient) {
    return on(
        () -> {
          Pending p = pending.remove(id);
          if (p == null) {
            throw new IllegalStateException("no micro-batch " + id + " waits for backward");
          }
          try {
            NDArray g = p.manager().create(gradient, p.output().getShape());
            JniUtils.backward((PtNDArray) p.output(), (PtNDArray) g, false, false);
            return inputGradient(p);
          } finally {
            p.manager().close();
          }
        });
  }

  /** One optimizer step with the gradients of every micro-batch since the last step. */
  @Override
  public void step() {
    on(
        () -> {
          if (!pending.isEmpty()) {
            throw new IllegalStateException(
                pending.size() + " micro-batches still wait for backward: " + pending.keySet());
          }
          if (!arch.tensors().isEmpty()) {
            trainer.step();
          }
          return null;
        });
  }

  /** The stage's tensors now, named as in the stage. */
  @Override
  public List<Tensor> tensors() {
    return on(() -> ModelCodec.extract(arch, model.getBlock(), start));
  }

  private Pending run(long id, float[] x, int n) {
    if (pending.containsKey(id)) {
      throw new IllegalStateException("micro-batch " + id + " is already in this stage");
    }
    if (x.length != (long) LocalTrainer.width(arch.inputShape()) * n) {
      throw new IllegalArgumentException(
          "micro-batch "
              + id
              + ": "
              + x.length
              + " values for "
              + n
              + " samples of "
              + java.util.Arrays.toString(arch.inputShape()));
    }
    NDManager m = trainer.getManager().newSubManager();
    NDArray input = m.create(x, LocalTrainer.batchShape(arch.inputShape(), n));
    if (!first) {
      input.setRequiresGradient(true);
    }
    NDArray out = trainer.forward(new NDList(input)).singletonOrThrow();
    Pending p = new Pending(m, input, out);
    pending.put(id, p);
    return p;
  }

  private float[] inputGradient(Pending p) {
    return first ? new float[0] : p.input().getGradient().toFloatArray();
  }

  /**
   * Seconds this stage has spent computing (on its own thread): what bounds a pipeline's speed when
   * each stage has a machine of its own.
   */
  public synchronized double busySeconds() {
    return busyNanos / 1e9;
  }

  private <T> T on(Callable<T> work) {
    Callable<T> timed =
        () -> {
          long t0 = System.nanoTime();
          try {
            return work.call();
          } finally {
            long dt = System.nanoTime() - t0;
            synchronized (this) {
              busyNanos += dt;
            }
          }
        };
    try {
      return thread.submit(timed).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }

  @Override
  public void close() {
    try {
      on(
          () -> {
            new ArrayList<>(pending.values()).forEach(p -> p.manager().close());
            pending.clear();
            if (trainer != null) {
              trainer.close();
            }
            if (model != null) {
              model.close();
            }
            return null;
          });
    } finally {
      thread.shutdown();
    }
  }
}
