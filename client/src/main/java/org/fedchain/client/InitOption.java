package org.fedchain.client;

import org.fedchain.trainer.Architecture;
import picocli.CommandLine.Option;

/** {@code --init}, of the commands that can open a run from a fresh model. */
final class InitOption {
  @Option(
      names = "--init",
      defaultValue = "kaiming",
      paramLabel = "kaiming|pytorch",
      description =
          "How a fresh genesis model is drawn: kaiming (weights +-sqrt(6/fan_in), zero biases)"
              + " or pytorch (PyTorch's default, +-1/sqrt(fan_in) for weights and biases)."
              + " Default: ${DEFAULT-VALUE}.")
  String init;

  Architecture.Init scheme() {
    return Architecture.Init.parse(init);
  }
}
