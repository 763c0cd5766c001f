package org.fedchain.client;

import java.io.PrintWriter;
import org.fedchain.trainer.ProgressListener;

/** Training progress: a redrawn bar on a terminal, a line per quarter otherwise (logs, CI). */
final class Progress implements ProgressListener {
  private final PrintWriter out;
  private final String label;
  private final boolean terminal;
  private final long started = System.nanoTime();
  private int lastQuarter;
  private long lastDraw;

  Progress(PrintWriter out, String label) {
    this.out = out;
    this.label = label;
    this.terminal = System.console() != null && System.getenv("CI") == null;
  }

  @Override
  public void onStep(int epoch, long step, long totalSteps, float loss) {
    double frac = (double) step / totalSteps;
    if (terminal) {
      long now = System.nanoTime();
      if (now - lastDraw < 100_000_000L && step != totalSteps) {
        return;
      }
      lastDraw = now;
      int width = 30;
      int filled = (int) Math.round(frac * width);
      out.printf(
          "\r%s [%s%s] %3d%% epoch %d loss %.3f %5.1fs",
          label,
          "#".repeat(filled),
          " ".repeat(width - filled),
          (int) (frac * 100),
          epoch,
          loss,
          (now - started) / 1e9);
      if (step == totalSteps) {
        out.print("\r\033[K");
      }
      out.flush();
    } else {
      int quarter = (int) (frac * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        out.printf(
            "%s %d%% (step %d/%d, epoch %d, loss %.3f)%n",
            label, quarter * 25, step, totalSteps, epoch, loss);
        out.flush();
      }
    }
  }
}
