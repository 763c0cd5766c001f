package org.fedchain.trainer;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a node's samples come from, checked and loaded whole (a bad file fails before anything is
 * trained on): Fashion-MNIST, a folder of labelled images, a CSV file (rows or time-series
 * windows), or NumPy arrays. Named on the command line as
 *
 * <pre>
 * fashion-mnist                    the Debian package's IDX files
 * fashion-mnist:DIR                the same files in DIR
 * folder:DIR                       DIR/CLASS/*.png|jpg (or DIR/train/CLASS and DIR/test/CLASS)
 * audio:DIR                        DIR/CLASS/*.wav as log-mel spectrograms, see {@link AudioFolder}
 * csv:FILE?target=COL[&amp;...]        see {@link CsvSource}
 * npz:FILE                         arrays x, y (and x_test, y_test) as {@code numpy.savez} writes
 * </pre>
 *
 * Samples take the shape the model's spec says: images are resized to it, tables and windows must
 * give it.
 */
public interface DataSource {
  /** The training samples. */
  Samples train();

  /** Samples kept apart for testing, if the source has them. */
  Optional<Samples> test();

  /**
   * Which series (a location, a speaker) each training sample belongs to, numbered from 0, for
   * sources that have them (a CSV's {@code series} column): a node can then take whole series.
   */
  default Optional<int[]> series() {
    return Optional.empty();
  }

  /** The series of each test sample, numbered as {@link #series()} numbers them. */
  default Optional<int[]> testSeries() {
    return Optional.empty();
  }

  /** The source as it was named. */
  String describe();

  /**
   * Opens the source {@code text} names for a model taking samples of {@code inputShape}.
   *
   * @throws IllegalArgumentException if the text names no known kind of source
   * @throws DatasetException naming the file and the problem if the data is bad
   */
  static DataSource open(String text, long[] inputShape) {
    int colon = text.indexOf(':');
    String kind = colon < 0 ? text : text.substring(0, colon);
    String rest = colon < 0 ? "" : text.substring(colon + 1);
    return switch (kind) {
      case "fashion-mnist" ->
          rest.isEmpty()
              ? FashionMnist.standard().named(text)
              : FashionMnist.at(Path.of(rest)).named(text);
      case "folder" -> ImageFolder.open(Path.of(need(text, rest)), inputShape);
      case "audio" -> AudioFolder.open(Path.of(need(text, rest)), inputShape);
      case "csv" -> CsvSource.open(need(text, rest), inputShape);
      case "npz" -> NumpySource.open(Path.of(need(text, rest)), inputShape);
      default ->
          throw new IllegalArgumentException(
              "data source '"
                  + text
                  + "' is not one of fashion-mnist[:DIR], folder:DIR, audio:DIR,"
                  + " csv:FILE?target=COL, npz:FILE");
    };
  }

  private static String need(String text, String rest) {
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("data source '" + text + "' names no file or folder");
    }
    return rest;
  }
}
