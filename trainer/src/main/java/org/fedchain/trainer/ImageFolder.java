package org.fedchain.trainer;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Labelled images in a folder: one sub-folder per class ({@code DIR/cat/1.png}), classes numbered
 * in the sorted order of their names; or {@code DIR/train/CLASS} and {@code DIR/test/CLASS} with
 * the same classes. PNG and JPEG files are read, turned grey (1 channel) or RGB (3) as the model's
 * input asks, and resized to its height and width (bilinear, pixel centres aligned); pixels are
 * kept as bytes and read as {@code x / 255}. A file that is not an image fails the whole load,
 * naming the file.
 */
public final class ImageFolder implements DataSource {
  private final Path dir;
  private final List<String> classes;
  private final Samples train;
  private final Samples test;

  private ImageFolder(Path dir, List<String> classes, Samples train, Samples test) {
    this.dir = dir;
    this.classes = List.copyOf(classes);
    this.train = train;
    this.test = test;
  }

  /**
   * Reads the folder for a model taking [channels, height, width] samples.
   *
   * @throws DatasetException naming the folder or file at fault
   */
  public static ImageFolder open(Path dir, long[] inputShape) {
    if (inputShape.length != 3 || (inputShape[0] != 1 && inputShape[0] != 3)) {
      throw new IllegalArgumentException(
          "an image folder gives [1 or 3 channels, height, width] samples; the model takes "
              + java.util.Arrays.toString(inputShape));
    }
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(dir, "image folder not found");
    }
    Path trainDir = dir.resolve("train");
    Path testDir = dir.resolve("test");
    boolean split = Files.isDirectory(trainDir) && Files.isDirectory(testDir);
    List<String> classes = classes(split ? trainDir : dir);
    if (split && !classes(testDir).equals(classes)) {
      throw new DatasetException(
          testDir, "has classes " + classes(testDir) + ", " + trainDir + " has " + classes);
    }
    Samples train = read(split ? trainDir : dir, classes, inputShape);
    Samples test = split ? read(testDir, classes, inputShape) : null;
    return new ImageFolder(dir, classes, train, test);
  }

  /** The class names, in label order. */
  public List<String> classes() {
    return classes;
  }

  @Override
  public Samples train() {
    return train;
  }

  @Override
  public Optional<Samples> test() {
    return Optional.ofNullable(test);
  }

  @Override
  public String describe() {
    return "folder:" + dir;
  }

  /** The class sub-folders of {@code dir}, sorted; at least one. */
  static List<String> classes(Path dir) {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().forEach(out::add);
    } catch (IOException e) {
      throw new DatasetException(dir, "cannot list: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new DatasetException(dir, "has no class sub-folders (DIR/CLASS/image.png)");
    }
    return out;
  }

  private static Samples read(Path dir, List<String> classes, long[] shape) {
    int channels = (int) shape[0];
    int h = Math.toIntExact(shape[1]);
    int w = Math.toIntExact(shape[2]);
    int size = channels * h * w;
    List<byte[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      List<Path> files = new ArrayList<>();
      Path classDir = dir.resolve(classes.get(c));
      try (Stream<Path> s = Files.list(classDir)) {
        s.filter(ImageFolder::isImage).sorted().forEach(files::add);
      } catch (IOException e) {
        throw new DatasetException(classDir, "cannot list: " + e.getMessage(), e);
      }
      for (Path f : files) {
        images.add(pixels(f, channels, h, w));
        labels.add(c);
      }
    }
    if (images.isEmpty()) {
      throw new DatasetException(dir, "holds no .png or .jpg images");
    }
    byte[] all = new byte[images.size() * size];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, all, i * size, size);
    }
    return Samples.images(
        shape, all, labels.stream().mapToInt(Integer::intValue).toArray(), classes.size());
  }

  private static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return Files.isRegularFile(p)
        && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
  }

  /**
   * The image's pixels, channel-major ([C, H, W] as PyTorch), resized to h x w. Sample values are
   * read from the raster, not through Java's colour management, which would re-map grey levels.
   */
  static byte[] pixels(Path file, int channels, int h, int w) {
    BufferedImage src;
    try {
      src = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new DatasetException(file, "is not a readable image: " + e.getMessage(), e);
    }
    if (src == null) {
      throw new DatasetException(file, "is not a PNG or JPEG image");
    }
    int sw = src.getWidth();
    int sh = src.getHeight();
    Raster r = src.getRaster();
    boolean direct =
        src.getColorModel() instanceof java.awt.image.ComponentColorModel
            && r.getSampleModel().getSampleSize(0) == 8
            && (r.getNumBands() == 1 || r.getNumBands() >= 3);
    // [channels][sh * sw] as ints 0..255
    int[][] planes = new int[channels][sh * sw];
    for (int y = 0; y < sh; y++) {
      for (int x = 0; x < sw; x++) {
        int red;
        int green;
        int blue;
        if (direct && r.getNumBands() == 1) {
          red = green = blue = r.getSample(x, y, 0);
        } else if (direct) {
          red = r.getSample(x, y, 0);
          green = r.getSample(x, y, 1);
          blue = r.getSample(x, y, 2);
        } else { // palette or 16-bit: through the colour model
          int rgb = src.getRGB(x, y);
          red = (rgb >> 16) & 0xff;
          green = (rgb >> 8) & 0xff;
          blue = rgb & 0xff;
        }
        int i = y * sw + x;
        if (channels == 1) {
          // ITU-R 601 luma, as PIL's convert("L") computes it
          planes[0][i] =
              red == green && green == blue
                  ? red
                  : (red * 299 + green * 587 + blue * 114 + 500) / 1000;
        } else {
          planes[0][i] = red;
          planes[1][i] = green;
          planes[2][i] = blue;
        }
      }
    }
    byte[] out = new byte[channels * h * w];
    for (int c = 0; c < channels; c++) {
      resize(planes[c], sw, sh, out, c * h * w, w, h);
    }
    return out;
  }

  /** Bilinear resampling with pixel centres aligned (identity when the sizes match). */
  private static void resize(int[] src, int sw, int sh, byte[] dst, int off, int w, int h) {
    for (int y = 0; y < h; y++) {
      double fy = Math.max(0, Math.min(sh - 1, (y + 0.5) * sh / h - 0.5));
      int y0 = (int) fy;
      int y1 = Math.min(sh - 1, y0 + 1);
      double dy = fy - y0;
      for (int x = 0; x < w; x++) {
        double fx = Math.max(0, Math.min(sw - 1, (x + 0.5) * sw / w - 0.5));
        int x0 = (int) fx;
        int x1 = Math.min(sw - 1, x0 + 1);
        double dx = fx - x0;
        double v =
            (src[y0 * sw + x0] * (1 - dx) + src[y0 * sw + x1] * dx) * (1 - dy)
                + (src[y1 * sw + x0] * (1 - dx) + src[y1 * sw + x1] * dx) * dy;
        dst[off + y * w + x] = (byte) Math.round(v);
      }
    }
  }
}
