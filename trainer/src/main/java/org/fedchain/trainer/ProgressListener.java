package org.fedchain.trainer;

/**
 * Told about training progress, so the CLI can draw it however it likes; the trainer itself prints
 * nothing. Called on the training thread after every step: keep it quick.
 */
@FunctionalInterface
public interface ProgressListener {
  /** Does nothing. */
  ProgressListener NONE = (epoch, step, totalSteps, loss) -> {};

  /**
   * @param epoch the current epoch, from 1
   * @param step steps done so far over all epochs, from 1
   * @param totalSteps steps the whole training will take
   * @param loss the mean loss of the step's batch
   */
  void onStep(int epoch, long step, long totalSteps, float loss);
}
