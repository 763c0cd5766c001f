package org.fedchain.trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Drives a model-parallel training over its stages, GPipe style: each mini-batch is cut into
 * micro-batches; in the forward phase, at clock tick t stage k runs micro-batch t - k (so stages
 * work at the same time on different micro-batches), the last stage computing the loss and its
 * backward; in the backward phase the gradients flow back the same way; then every stage steps
 * once. Each stage sees its micro-batches in order, so a training is deterministic.
 *
 * <p>The samples, their order and the validation split are {@link LocalTrainer}'s for the same
 * seed: with one micro-batch per mini-batch the stages compute exactly what one node would, bit for
 * bit. With several, a stage adds up the micro-batches' gradients (each scaled by its share of the
 * mini-batch) where one node computes the mini-batch's at once: equal up to float rounding.
 */
public final class Pipeline {
  /**
   * What a pipeline training did.
   *
   * @param activationBytes bytes of activations sent forward and gradients sent back between
   *     stages, in all
   */
  public record Result(
      double meanLoss, long steps, int trainSamples, long activationBytes, double seconds) {}

  /** Thrown when a stage fails: names the stage, so the run can stop and say which. */
  public static final class StageFailure extends RuntimeException {
    private final int stage;

    StageFailure(int stage, Throwable cause) {
      super("stage " + stage + " failed: " + cause.getMessage(), cause);
      this.stage = stage;
    }

    /** The failed stage's index. */
    public int stage() {
      return stage;
    }
  }

  private Pipeline() {}

  /**
   * The optimizer steps a training of {@code samples} samples with {@code config} takes: what each
   * stage is opened with, so its rate schedule ends where the training does.
   */
  public static long totalSteps(int samples, TrainingConfig config) {
    long train = samples - (long) Math.floor(samples * config.validationFraction());
    return (train + config.batchSize() - 1) / config.batchSize() * config.epochs();
  }

  /**
   * Trains the stages {@code links} (stage order) of {@code arch} on {@code samples} with {@code
   * config} (its batch size, epochs, seed and validation split), {@code microBatches} micro-batches
   * per mini-batch.
   *
   * @throws StageFailure naming the first stage that failed
   */
  public static Result train(
      Architecture arch,
      List<? extends StageLink> links,
      Samples samples,
      TrainingConfig config,
      int microBatches,
      ProgressListener listener) {
    if (microBatches < 1 || microBatches > config.batchSize()) {
      throw new IllegalArgumentException(
          "micro-batches must be 1 to the batch size ("
              + config.batchSize()
              + "), got "
              + microBatches);
    }
    LocalTrainer.checkTask(arch, samples, config);
    Random rng = new Random(config.seed());
    int[] order = LocalTrainer.splitOrder(samples, rng);
    int validation = LocalTrainer.validationSize(samples, config);
    int[] trainIdx = Arrays.copyOfRange(order, validation, order.length);
    if (trainIdx.length == 0) {
      throw new IllegalArgumentException("no samples left to train on");
    }
    int batch = config.batchSize();
    long stepsPerEpoch = (trainIdx.length + batch - 1) / batch;
    long totalSteps = stepsPerEpoch * config.epochs();
    int stages = links.size();
    int width = samples.featureWidth();
    boolean classes = samples.classes() > 0;
    int targetWidth = classes ? 1 : LocalTrainer.width(samples.targetShape());
    ExecutorService pool = Executors.newFixedThreadPool(stages);
    long t0 = System.nanoTime();
    long step = 0;
    java.util.concurrent.atomic.AtomicLong floats = new java.util.concurrent.atomic.AtomicLong();
    double epochLoss = 0;
    try {
      for (int epoch = 1; epoch <= config.epochs(); epoch++) {
        Partition.shuffle(trainIdx, rng);
        epochLoss = 0;
        for (int from = 0; from < trainIdx.length; from += batch) {
          int to = Math.min(trainIdx.length, from + batch);
          int n = to - from;
          int m = Math.min(microBatches, n);
          int[] start = new int[m + 1];
          for (int i = 0; i <= m; i++) {
            start[i] = from + (int) ((long) n * i / m);
          }
          // carried[i]: micro-batch i's activations going forward, then its gradients going back
          float[][] carried = new float[m][];
          float[][] y = new float[m][];
          for (int i = 0; i < m; i++) {
            carried[i] = new float[(start[i + 1] - start[i]) * width];
            samples.writeFeatures(trainIdx, start[i], start[i + 1], carried[i]);
            y[i] = new float[(start[i + 1] - start[i]) * targetWidth];
            if (classes) {
              for (int r = start[i]; r < start[i + 1]; r++) {
                y[i][r - start[i]] = samples.label(trainIdx[r]);
              }
            } else {
              samples.writeTargets(trainIdx, start[i], start[i + 1], y[i]);
            }
          }
          float[] losses = new float[m];
          long id0 = step * m;
          // forward: tick t, stage k runs micro-batch t - k; the last stage also runs backward
          for (int t = 0; t < m + stages - 1; t++) {
            List<Future<?>> tick = new ArrayList<>();
            for (int k = 0; k < stages; k++) {
              int i = t - k;
              if (i < 0 || i >= m) {
                continue;
              }
              int size = start[i + 1] - start[i];
              StageLink s = links.get(k);
              boolean last = k == stages - 1;
              tick.add(
                  onStage(
                      pool,
                      k,
                      () -> {
                        if (last) {
                          StageTrainer.LossResult r =
                              s.lossBackward(id0 + i, carried[i], size, y[i], (float) size / n);
                          losses[i] = r.loss();
                          carried[i] = r.inputGradient();
                        } else {
                          carried[i] = s.forward(id0 + i, carried[i], size);
                          floats.addAndGet(2L * carried[i].length); // and its gradient, back
                        }
                      }));
            }
            await(tick);
          }
          // backward: tick t, stage k (from the second last down) runs micro-batch t - (last - k)
          for (int t = 0; t < m + stages - 2; t++) {
            List<Future<?>> tick = new ArrayList<>();
            for (int k = stages - 2; k >= 0; k--) {
              int i = t - (stages - 2 - k);
              if (i < 0 || i >= m) {
                continue;
              }
              StageLink s = links.get(k);
              tick.add(onStage(pool, k, () -> carried[i] = s.backward(id0 + i, carried[i])));
            }
            await(tick);
          }
          List<Future<?>> steps = new ArrayList<>();
          for (int k = 0; k < stages; k++) {
            steps.add(onStage(pool, k, links.get(k)::step));
          }
          await(steps);
          float loss = 0;
          for (int i = 0; i < m; i++) {
            loss += losses[i] * (start[i + 1] - start[i]) / n;
          }
          epochLoss += loss;
          step++;
          listener.onStep(epoch, step, totalSteps, loss);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result(
        epochLoss / stepsPerEpoch,
        step,
        trainIdx.length,
        4 * floats.get(),
        (System.nanoTime() - t0) / 1e9);
  }

  private static void await(List<Future<?>> tick) {
    StageFailure failure = null;
    for (Future<?> f : tick) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (ExecutionException e) {
        if (failure == null && e.getCause() instanceof StageFailure sf) {
          failure = sf;
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Runs {@code work} on the pool; a failure names stage {@code stage}. */
  private static Future<?> onStage(ExecutorService pool, int stage, Runnable work) {
    return pool.submit(
        () -> {
          try {
            work.run();
          } catch (RuntimeException e) {
            throw new StageFailure(stage, e);
          }
        });
  }
}
