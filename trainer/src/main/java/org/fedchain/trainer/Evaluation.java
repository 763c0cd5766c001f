package org.fedchain.trainer;

/**
 * A model judged on a set of samples: its metric's value and its mean loss (cross entropy for
 * classification, the run's loss for regression). What a manifest records as metrics and what a
 * validator's score is computed from.
 */
public record Evaluation(int samples, Task.Metric metric, double value, double loss) {
  /** The metric's value where higher is better (see {@link Task.Metric#gain}). */
  public double gain() {
    return metric.gain(value);
  }

  /**
   * The accuracy, for a run judged by it.
   *
   * @throws IllegalStateException if the run has another metric
   */
  public double accuracy() {
    if (metric != Task.Metric.ACCURACY) {
      throw new IllegalStateException("this run is judged by " + metric.id() + ", not accuracy");
    }
    return value;
  }
}
