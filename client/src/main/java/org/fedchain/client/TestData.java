package org.fedchain.client;

import java.util.Arrays;
import java.util.Optional;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.Samples;

/** The samples a command judges models on: the test part of {@code --test DATA}. */
final class TestData {
  private TestData() {}

  /**
   * The test part of {@code source}, or with none named, Fashion-MNIST's for the models that take
   * its images, else nothing.
   *
   * @throws IllegalArgumentException if the source has no test part
   */
  static Optional<Samples> of(String source, Architecture arch) {
    if (source == null) {
      if (!Arrays.equals(arch.inputShape(), new long[] {1, 28, 28}) || arch.outputs() != 10) {
        return Optional.empty();
      }
      source = "fashion-mnist";
    }
    DataSource d = DataSource.open(source, arch.inputShape());
    return Optional.of(
        d.test()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        d.describe()
                            + " has no test part (a folder's test/, a CSV's test=F, an npz's"
                            + " x_test)")));
  }
}
