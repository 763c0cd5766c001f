package org.fedchain.trainer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Fashion-MNIST read from the four IDX {@code .gz} files of Debian's {@code dataset-fashion-mnist}
 * package (DJL's own dataset class downloads from the internet, which a node must not need).
 *
 * <p>The reader is strict: magic numbers, counts, image size, label range, gzip checksums and the
 * absence of trailing bytes are all checked, and a problem raises {@link DatasetException} naming
 * the file.
 *
 * <pre>{@code
 * Samples train = FashionMnist.standard().train();   // 60,000 samples
 * Samples test = FashionMnist.at(dir).test();        // 10,000 samples
 * }</pre>
 */
public final class FashionMnist {
  /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;
  static final int SIDE = 28;

  private final Path dir;

  private FashionMnist(Path dir) {
    this.dir = dir;
  }

  /** The data set in {@link #DEFAULT_DIR}. */
  public static FashionMnist standard() {
    return at(DEFAULT_DIR);
  }

  /** The data set in {@code dir}; fails now if the directory is missing. */
  public static FashionMnist at(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(
          dir,
          "Fashion-MNIST directory not found; install it with `apt-get install"
              + " dataset-fashion-mnist` or point to a directory holding"
              + " {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz");
    }
    return new FashionMnist(dir);
  }

  public Path dir() {
    return dir;
  }

  /** The 60,000 training samples. */
  public Samples train() {
    return read(
        dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"));
  }

  /** This data set as a {@link DataSource} named {@code text}; each part is read once. */
  public DataSource named(String text) {
    return new DataSource() {
      private Samples train;
      private Samples test;

      @Override
      public synchronized Samples train() {
        if (train == null) {
          train = FashionMnist.this.train();
        }
        return train;
      }

      @Override
      public synchronized Optional<Samples> test() {
        if (test == null) {
          test = FashionMnist.this.test();
        }
        return Optional.of(test);
      }

      @Override
      public String describe() {
        return text;
      }
    };
  }

  /** The 10,000 test samples. */
  public Samples test() {
    return read(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
  }

  /** Reads a pair of gzipped IDX files (images, labels) that must hold the same number of items. */
  public static Samples read(Path imagesGz, Path labelsGz) {
    byte[] pixels = readIdx(imagesGz, IMAGES_MAGIC);
    byte[] labels = readIdx(labelsGz, LABELS_MAGIC);
    int images = pixels.length / (SIDE * SIDE);
    if (images != labels.length) {
      throw new DatasetException(
          labelsGz,
          "has " + labels.length + " labels but " + imagesGz + " has " + images + " images");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= Samples.CLASSES) {
        throw new DatasetException(
            labelsGz, "label " + (labels[i] & 0xff) + " of item " + i + " is not in 0..9");
      }
    }
    return Samples.of(pixels, labels);
  }

  /** The payload of one gzipped IDX file of unsigned bytes, after checking its header. */
  static byte[] readIdx(Path file, int magic) {
    String what = magic == IMAGES_MAGIC ? "IDX image file (magic 0x00000803)" : "IDX label file";
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
      int m = readInt(in, file, "magic number");
      if (m != magic) {
        throw new DatasetException(
            file,
            String.format("bad magic number 0x%08x, expected 0x%08x for an %s", m, magic, what));
      }
      int count = readInt(in, file, "item count");
      if (count < 0) {
        throw new DatasetException(file, "negative item count " + count);
      }
      long size = count;
      if (magic == IMAGES_MAGIC) {
        int rows = readInt(in, file, "row count");
        int cols = readInt(in, file, "column count");
        if (rows != SIDE || cols != SIDE) {
          throw new DatasetException(
              file, "images are " + rows + "x" + cols + ", expected " + SIDE + "x" + SIDE);
        }
        size *= SIDE * SIDE;
      }
      if (size > Integer.MAX_VALUE - 8) {
        throw new DatasetException(file, "item count " + count + " is too large");
      }
      byte[] data = new byte[(int) size];
      int n = in.readNBytes(data, 0, data.length);
      if (n < data.length) {
        throw new DatasetException(
            file,
            "truncated: header promises "
                + count
                + " items ("
                + data.length
                + " data bytes), file ends after "
                + n);
      }
      if (in.read() != -1) {
        throw new DatasetException(
            file, "trailing bytes after the " + count + " items the header promises");
      }
      return data;
    } catch (NoSuchFileException e) {
      throw new DatasetException(
          file, "file not found (install with `apt-get install dataset-fashion-mnist`)", e);
    } catch (EOFException e) {
      throw new DatasetException(
          file, "truncated: gzip stream ends early (" + e.getMessage() + ")", e);
    } catch (ZipException e) {
      throw new DatasetException(file, "corrupt gzip data (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read (" + e + ")", e);
    }
  }

  private static int readInt(InputStream in, Path file, String field) throws IOException {
    byte[] b = in.readNBytes(4);
    if (b.length < 4) {
      throw new DatasetException(file, "truncated: file ends inside the header (" + field + ")");
    }
    return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
  }
}
