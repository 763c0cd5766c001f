package org.fedchain.client;

import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Task;
import picocli.CommandLine.Option;

/** {@code --loss} and {@code --metric} of the commands that open a run: its task, in its terms. */
final class TaskOptions {
  @Option(
      names = "--loss",
      paramLabel = "cross_entropy|mse|mae",
      description =
          "What training minimises. Default: cross_entropy for a model with one output per class,"
              + " else mse.")
  String loss;

  @Option(
      names = "--metric",
      paramLabel = "accuracy|macro_f1|mae|rmse",
      description =
          "How models are judged (evaluation, validators' scores, the head gate). Default:"
              + " accuracy with cross_entropy, else mae.")
  String metric;

  /** The run's task: what was asked, the architecture's defaults for the rest. */
  Task.Terms terms(Architecture arch) {
    Task.Terms d = Task.Terms.defaultFor(arch);
    Task.Loss l = loss == null ? d.loss() : Task.Loss.parse(loss);
    Task.Metric m =
        metric != null
            ? Task.Metric.parse(metric)
            : l.classification() == d.metric().classification()
                ? d.metric()
                : l.classification() ? Task.Metric.ACCURACY : Task.Metric.MAE;
    return new Task.Terms(l, m);
  }
}
