package org.fedchain.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data sources on small files made here: what they read, and how they refuse bad input. */
class DataSourcesTest {
  @TempDir Path dir;

  Path csv(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  @Test
  void csv_rows_make_a_regression_or_a_classification() throws Exception {
    Path f = csv("t.csv", "a,b,kind,y\n1,2,cat,0.5\n3,4,dog,1.5\n5,6,cat,2.5\n");
    CsvSource reg = CsvSource.open(f + "?target=y&features=a,b", new long[] {2});
    assertThat(reg.train().size()).isEqualTo(3);
    assertThat(reg.train().floatFeatures()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(reg.train().targets(1)).containsExactly(1.5f);
    assertThat(reg.train().classes()).isZero();

    CsvSource cls = CsvSource.open(f + "?target=kind&features=a,b", new long[] {2});
    assertThat(cls.classes()).containsExactly("cat", "dog");
    assertThat(cls.train().labels()).containsExactly(0, 1, 0);

    // every other column is a feature by default, and "cat" is no number
    assertThatThrownBy(() -> CsvSource.open(f + "?target=y", new long[] {3}))
        .hasMessageContaining("line 2: column 'kind' holds 'cat', not a number");
    assertThatThrownBy(() -> CsvSource.open(f + "?target=z", new long[] {2}))
        .hasMessageContaining("has no column 'z'");
    assertThatThrownBy(() -> CsvSource.open(f + "?target=y&features=a", new long[] {2}))
        .hasMessageContaining("gives samples of shape [1]");
    assertThatThrownBy(() -> CsvSource.open(f + "?target=y&windw=3", new long[] {2}))
        .hasMessageContaining("unknown option 'windw'");
    Path ragged = csv("r.csv", "a,y\n1,2\n3\n");
    assertThatThrownBy(() -> CsvSource.open(ragged + "?target=y", new long[] {1}))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("line 3 has 1 cells, the header 2");
    Path gap = csv("g.csv", "a,y\n1,2\n,3\n");
    assertThatThrownBy(() -> CsvSource.open(gap + "?target=y", new long[] {1}))
        .hasMessageContaining("line 3: column 'a' is empty");
  }

  @Test
  void csv_windows_stay_in_their_series_skip_gaps_and_split_by_time() throws Exception {
    StringBuilder sb = new StringBuilder("site,pm10\n");
    for (int t = 0; t < 10; t++) {
      sb.append("A,").append(t == 4 ? "NA" : String.valueOf(t)).append('\n');
    }
    for (int t = 0; t < 6; t++) {
      sb.append("B,").append(100 + t).append('\n');
    }
    Path f = csv("s.csv", sb.toString());
    CsvSource s =
        CsvSource.open(f + "?target=pm10&series=site&window=3&test=0.25", new long[] {3, 1});
    // A's windows end at rows 2..8 and predict the next row; the four that touch row 4's gap are
    // left out, so A keeps (0,1,2 -> 3), (5,6,7 -> 8), (6,7,8 -> 9); B keeps its three
    Samples train = s.train();
    assertThat(train.size()).isEqualTo(6);
    // a quarter of three windows is none: no test part
    assertThat(s.test()).isEmpty();
    assertThat(s.seriesNames()).containsExactly("A", "B");
    assertThat(s.series().orElseThrow()).containsExactly(0, 0, 0, 1, 1, 1);
    assertThat(train.floatFeatures()).startsWith(0, 1, 2, 5, 6, 7, 6, 7, 8);
    assertThat(train.targets(0)).containsExactly(3f);
    assertThat(train.targets(1)).containsExactly(8f);

    CsvSource half =
        CsvSource.open(f + "?target=pm10&series=site&window=3&test=0.5", new long[] {3, 1});
    assertThat(half.train().size()).isEqualTo(4);
    assertThat(half.test().orElseThrow().targets(0)).containsExactly(9f); // A's last window
    assertThat(half.testSeries().orElseThrow()).containsExactly(0, 1);
    // scale divides features and targets alike
    CsvSource scaled =
        CsvSource.open(
            f + "?target=pm10&series=site&window=3&test=0.5&scale=10", new long[] {3, 1});
    assertThat(scaled.test().orElseThrow().targets(0)).containsExactly(0.9f);
    assertThat(scaled.train().floatFeatures()).startsWith(0f, 0.1f, 0.2f);
  }

  static byte[] npy(String dtype, long[] shape, byte[] data) {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      dims.append(d).append(", ");
    }
    String header =
        "{'descr': '"
            + dtype
            + "', 'fortran_order': False, 'shape': ("
            + dims.toString().strip()
            + "), }";
    int total = 10 + header.length() + 1;
    int pad = (64 - total % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    ByteBuffer b =
        ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
    return b.array();
  }

  static byte[] f4(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  static byte[] i8(long... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long l : v) {
      b.putLong(l);
    }
    return b.array();
  }

  Path npz(String name, Object... entries) throws Exception {
    Path f = dir.resolve(name);
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
      for (int i = 0; i < entries.length; i += 2) {
        z.putNextEntry(new ZipEntry(entries[i] + ".npy"));
        z.write((byte[]) entries[i + 1]);
        z.closeEntry();
      }
    }
    return f;
  }

  @Test
  void numpy_arrays_give_labels_or_targets_and_refuse_what_does_not_fit() throws Exception {
    byte[] x = npy("<f4", new long[] {3, 2}, f4(1, 2, 3, 4, 5, 6));
    Path cls = npz("c.npz", "x", x, "y", npy("<i8", new long[] {3}, i8(0, 2, 1)));
    NumpySource c = NumpySource.open(cls, new long[] {2});
    assertThat(c.train().labels()).containsExactly(0, 2, 1);
    assertThat(c.train().classes()).isEqualTo(3);
    assertThat(c.train().floatFeatures()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(c.test()).isEmpty();

    Path reg =
        npz(
            "r.npz",
            "x",
            x,
            "y",
            npy("<f4", new long[] {3}, f4(0.5f, 1.5f, 2.5f)),
            "x_test",
            npy("<f4", new long[] {1, 2}, f4(7, 8)),
            "y_test",
            npy("<f4", new long[] {1}, f4(3.5f)));
    NumpySource r = NumpySource.open(reg, new long[] {2});
    assertThat(r.train().targets(2)).containsExactly(2.5f);
    assertThat(r.test().orElseThrow().floatFeatures()).containsExactly(7, 8);

    assertThatThrownBy(() -> NumpySource.open(cls, new long[] {3}))
        .hasMessageContaining("array x has shape [3, 2]; the model takes [n, 3]");
    Path truncated =
        npz(
            "t.npz",
            "x",
            java.util.Arrays.copyOf(x, x.length - 4),
            "y",
            npy("<i8", new long[] {3}, i8(0, 1, 1)));
    assertThatThrownBy(() -> NumpySource.open(truncated, new long[] {2}))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("array x: holds 20 data bytes")
        .hasMessageContaining("(truncated)");
    Path noY = npz("n.npz", "x", x);
    assertThatThrownBy(() -> NumpySource.open(noY, new long[] {2}))
        .hasMessageContaining("needs arrays x and y");
    Path notZip = csv("z.npz", "hello");
    assertThatThrownBy(() -> NumpySource.open(notZip, new long[] {2}))
        .hasMessageContaining("is not an .npz file");
  }

  static byte[] wav(int rate, short[] samples) {
    ByteBuffer b = ByteBuffer.allocate(44 + 2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + 2 * samples.length);
    b.put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1);
    b.putShort((short) 1).putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16);
    b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(2 * samples.length);
    for (short v : samples) {
      b.putShort(v);
    }
    return b.array();
  }

  static short[] tone(double hz, int rate, int n) {
    short[] s = new short[n];
    for (int i = 0; i < n; i++) {
      s[i] = (short) (8000 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return s;
  }

  @Test
  void recordings_become_standardised_log_mel_spectrograms_and_a_bad_wav_is_named()
      throws Exception {
    int rate = 16000;
    Path low = dir.resolve("audio/low/a.wav");
    Path high = dir.resolve("audio/high/a.wav");
    Files.createDirectories(low.getParent());
    Files.createDirectories(high.getParent());
    Files.write(low, wav(rate, tone(300, rate, 4000)));
    Files.write(high, wav(rate, tone(5000, rate, 4000)));
    AudioFolder a = AudioFolder.open(dir.resolve("audio"), new long[] {20, 16});
    assertThat(a.classes()).containsExactly("high", "low");
    Samples s = a.train();
    assertThat(s.featureShape()).containsExactly(20, 16);
    float[] x = s.floatFeatures();
    // 4000 samples give (4000 - 512) / 256 + 1 = 14 frames; the rest of the 20 are zeros
    assertThat(x[20 * 16 - 1]).isZero();
    // a 300 Hz tone fills a low mel band, a 5 kHz tone a high one
    int lowBand = argmax(x, 20 * 16, 16);
    int highBand = argmax(x, 0, 16);
    assertThat(lowBand).isLessThan(highBand);
    // the same recordings as one channel of an image, for a convolutional model
    assertThat(
            AudioFolder.open(dir.resolve("audio"), new long[] {1, 20, 16}).train().featureShape())
        .containsExactly(1, 20, 16);

    Files.write(dir.resolve("audio/low/b.wav"), Arrays.copyOf(wav(rate, tone(300, rate, 10)), 30));
    assertThatThrownBy(() -> AudioFolder.open(dir.resolve("audio"), new long[] {20, 16}))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("b.wav");
    Files.writeString(dir.resolve("audio/low/b.wav"), "not a wave");
    assertThatThrownBy(() -> AudioFolder.open(dir.resolve("audio"), new long[] {20, 16}))
        .hasMessageContaining("b.wav: is not a RIFF WAVE file");
  }

  /** The band with the most energy in the first frame of the sample starting at {@code from}. */
  static int argmax(float[] x, int from, int bands) {
    int best = 0;
    for (int m = 1; m < bands; m++) {
      if (x[from + m] > x[from + best]) {
        best = m;
      }
    }
    return best;
  }

  static void png(Path f, int w, int h, int rgb) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, rgb);
      }
    }
    Files.createDirectories(f.getParent());
    ImageIO.write(img, "png", f.toFile());
  }

  @Test
  void an_image_folder_gives_one_class_per_sub_folder_resized_to_the_model() throws Exception {
    png(dir.resolve("imgs/ok/a.png"), 20, 10, 0x808080);
    png(dir.resolve("imgs/ok/b.png"), 8, 8, 0x808080);
    png(dir.resolve("imgs/crack/c.png"), 8, 8, 0xff0000);
    ImageFolder grey = ImageFolder.open(dir.resolve("imgs"), new long[] {1, 4, 4});
    assertThat(grey.classes()).containsExactly("crack", "ok");
    assertThat(grey.train().labels()).containsExactly(0, 1, 1);
    assertThat(grey.train().pixels(1)).containsOnly((byte) 128);
    assertThat(grey.train().pixels(0)).containsOnly((byte) 76); // luma of pure red
    ImageFolder rgb = ImageFolder.open(dir.resolve("imgs"), new long[] {3, 2, 2});
    assertThat(rgb.train().pixels(0))
        .containsExactly(-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0); // R plane 255, G and B 0
    assertThat(rgb.test()).isEmpty();

    Files.writeString(dir.resolve("imgs/ok/broken.png"), "not a png");
    assertThatThrownBy(() -> ImageFolder.open(dir.resolve("imgs"), new long[] {1, 4, 4}))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("broken.png");
    assertThatThrownBy(() -> ImageFolder.open(dir.resolve("nothing"), new long[] {1, 4, 4}))
        .hasMessageContaining("image folder not found");
  }
}
