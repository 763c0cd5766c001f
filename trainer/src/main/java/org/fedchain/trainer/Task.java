package org.fedchain.trainer;

import java.util.Locale;

/**
 * What a run optimises and how it is judged: a {@link Loss} that training minimises and a {@link
 * Metric} that evaluation, validators' scores, {@code watch} and the audit report. Both come from
 * the run's terms (its genesis manifest) and every update's manifest repeats them.
 */
public final class Task {
  private Task() {}

  /** The manifest hyperparameters that carry a run's task. */
  public static final String LOSS = "loss";

  public static final String METRIC = "metric";

  /**
   * A run's loss and metric, as its genesis manifest records them.
   *
   * <pre>{@code
   * Task.Terms t = Task.Terms.of(genesis.hyperparameters());
   * TrainingConfig c = t.apply(TrainingConfig.builder().epochs(2)).build();
   * }</pre>
   */
  public record Terms(Loss loss, Metric metric) {
    public Terms {
      if (loss.classification() != metric.classification()) {
        throw new IllegalArgumentException(
            "loss " + loss.id() + " and metric " + metric.id() + " do not fit one task");
      }
    }

    /**
     * What a run of this architecture optimises unless its terms say otherwise: cross entropy and
     * accuracy for one score per class, else mean squared error judged by mean absolute error.
     */
    public static Terms defaultFor(Architecture arch) {
      long[] out = arch.outputShape();
      return out.length == 1 && out[0] > 1
          ? new Terms(Loss.CROSS_ENTROPY, Metric.ACCURACY)
          : new Terms(Loss.MSE, Metric.MAE);
    }

    /** The terms a manifest's hyperparameters record (cross entropy and accuracy if none). */
    public static Terms of(java.util.Map<String, String> hyperparameters) {
      String l = hyperparameters.get(LOSS);
      String m = hyperparameters.get(METRIC);
      return new Terms(
          l == null ? Loss.CROSS_ENTROPY : Loss.parse(l),
          m == null ? Metric.ACCURACY : Metric.parse(m));
    }

    /** These terms as manifest hyperparameters. */
    public java.util.Map<String, String> hyperparameters() {
      return java.util.Map.of(LOSS, loss.id(), METRIC, metric.id());
    }

    /** {@code b} with this loss and metric. */
    public TrainingConfig.Builder apply(TrainingConfig.Builder b) {
      return b.loss(loss).metric(metric);
    }

    /** {@code c} with this loss and metric (and no balanced softmax for a regression). */
    public TrainingConfig apply(TrainingConfig c) {
      TrainingConfig.Builder b = c.toBuilder();
      if (!loss.classification()) {
        b.balancedSoftmax(0);
      }
      return apply(b).build();
    }
  }

  /** The training loss. */
  public enum Loss {
    /** Softmax cross entropy over class logits (with a balanced-softmax offset if tau > 0). */
    CROSS_ENTROPY,
    /** Mean squared error over every target value, as {@code nn.MSELoss()}. */
    MSE,
    /** Mean absolute error over every target value, as {@code nn.L1Loss()}. */
    MAE;

    /** Whether this loss trains on class labels (else on regression targets). */
    public boolean classification() {
      return this == CROSS_ENTROPY;
    }

    public static Loss parse(String name) {
      return Task.parse(Loss.class, name, "cross_entropy, mse or mae");
    }

    /** The name manifests record: {@code cross_entropy}, {@code mse}, {@code mae}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How a model is judged; lower-is-better metrics are turned into a gain by {@link #gain}. */
  public enum Metric {
    ACCURACY(true, true),
    /**
     * The mean over classes of F1 (a class absent from both labels and predictions is left out).
     */
    MACRO_F1(true, true),
    MAE(false, false),
    RMSE(false, false);

    private final boolean classification;
    private final boolean higherIsBetter;

    Metric(boolean classification, boolean higherIsBetter) {
      this.classification = classification;
      this.higherIsBetter = higherIsBetter;
    }

    public boolean classification() {
      return classification;
    }

    public boolean higherIsBetter() {
      return higherIsBetter;
    }

    /**
     * The value as a gain, where higher is better everywhere: the value itself for accuracy and F1,
     * its negation for errors. A score or a tolerance compares gains.
     */
    public double gain(double value) {
      return higherIsBetter ? value : -value;
    }

    public static Metric parse(String name) {
      return Task.parse(Metric.class, name, "accuracy, macro_f1, mae or rmse");
    }

    /** The name manifests record: {@code accuracy}, {@code macro_f1}, {@code mae}, {@code rmse}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static <E extends Enum<E>> E parse(Class<E> type, String name, String choices) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(name.replace('-', '_'))) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "unknown "
            + type.getSimpleName().toLowerCase(Locale.ROOT)
            + " '"
            + name
            + "'; expected "
            + choices);
  }

  /**
   * The metric of outputs against class labels: accuracy or macro-F1 over the argmax of each row.
   */
  static double classify(Metric m, float[] logits, int classes, int[] labels) {
    int n = labels.length;
    if (n == 0) {
      return 0;
    }
    int[] tp = new int[classes];
    int[] predicted = new int[classes];
    int[] actual = new int[classes];
    int correct = 0;
    for (int r = 0; r < n; r++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (logits[r * classes + c] > logits[r * classes + best]) {
          best = c;
        }
      }
      predicted[best]++;
      actual[labels[r]]++;
      if (best == labels[r]) {
        correct++;
        tp[best]++;
      }
    }
    if (m == Metric.ACCURACY) {
      return (double) correct / n;
    }
    double sum = 0;
    int counted = 0;
    for (int c = 0; c < classes; c++) {
      if (predicted[c] + actual[c] == 0) {
        continue;
      }
      sum += 2.0 * tp[c] / (predicted[c] + actual[c]);
      counted++;
    }
    return counted == 0 ? 0 : sum / counted;
  }

  /** MAE or RMSE of predictions against targets, over every value. */
  static double regress(Metric m, float[] predictions, float[] targets) {
    if (targets.length == 0) {
      return 0;
    }
    double sum = 0;
    for (int i = 0; i < targets.length; i++) {
      double d = (double) predictions[i] - targets[i];
      sum += m == Metric.MAE ? Math.abs(d) : d * d;
    }
    double mean = sum / targets.length;
    return m == Metric.MAE ? mean : Math.sqrt(mean);
  }
}
