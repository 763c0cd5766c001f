package org.fedchain.client;

import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.fedchain.trainer.ProgressListener;

/**
 * Training progress as people see it: a progress bar (me.tongfei:progressbar) when standard output
 * is a terminal, and a plain line at each quarter when it is not (CI logs, pipes, tests), so logs
 * hold no carriage returns.
 */
final class Progress implements ProgressListener {
  private final PrintWriter out;
  private final String label;
  private final boolean terminal;
  private ProgressBar bar;
  private int lastQuarter;

  Progress(PrintWriter out, String label) {
    this.out = out;
    this.label = label;
    this.terminal = System.console() != null && System.getenv("CI") == null;
  }

  @Override
  public void onStep(int epoch, long step, long totalSteps, float loss) {
    if (terminal) {
      if (bar == null) {
        out.flush(); // the bar writes to the terminal directly: keep what came before above it
        bar =
            new ProgressBarBuilder()
                .setTaskName(label)
                .setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .clearDisplayOnFinish()
                .build();
      }
      bar.stepTo(step);
      bar.setExtraMessage(String.format("epoch %d loss %.3f", epoch, loss));
      if (step == totalSteps) {
        bar.close();
        bar = null;
      }
      return;
    }
    int quarter = (int) (4.0 * step / totalSteps);
    if (quarter > lastQuarter) {
      lastQuarter = quarter;
      out.printf(
          "%s %d%% (step %d/%d, epoch %d, loss %.3f)%n",
          label, quarter * 25, step, totalSteps, epoch, loss);
      out.flush();
    }
  }
}
