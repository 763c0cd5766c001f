package org.fedchain.trainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Labelled recordings in a folder, as {@code audio:DIR}: one sub-folder per class of 16-bit PCM WAV
 * files, classes in sorted order of their names; or {@code DIR/train/CLASS} and {@code
 * DIR/test/CLASS}. Each recording becomes a log-mel spectrogram of the model's input shape {@code
 * [frames, bands]}: Hann windows of 512 samples every 256, power spectrum, {@code bands} triangular
 * mel filters from 0 Hz to half the sample rate, natural log, standardised over the recording; cut
 * to {@code frames} or padded with silence. A file that is not such a WAV fails the whole load,
 * naming the file. Each sample's series is its class, so {@code @K/N:series} gives every node whole
 * classes (one accent group per node).
 */
public final class AudioFolder implements DataSource {
  static final int FFT = 512;
  static final int HOP = 256;

  private final Path dir;
  private final List<String> classes;
  private final Samples train;
  private final Samples test;

  private AudioFolder(Path dir, List<String> classes, Samples train, Samples test) {
    this.dir = dir;
    this.classes = List.copyOf(classes);
    this.train = train;
    this.test = test;
  }

  /**
   * Reads the folder for a model taking [frames, bands] samples.
   *
   * @throws DatasetException naming the folder or file at fault
   */
  public static AudioFolder open(Path dir, long[] inputShape) {
    // [frames, bands] for a recurrent model, [1, frames, bands] for a convolutional one
    boolean image = inputShape.length == 3 && inputShape[0] == 1;
    if (inputShape.length != 2 && !image) {
      throw new IllegalArgumentException(
          "an audio folder gives [frames, mel bands] or [1, frames, mel bands] samples; the model"
              + " takes "
              + java.util.Arrays.toString(inputShape));
    }
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(dir, "audio folder not found");
    }
    Path trainDir = dir.resolve("train");
    Path testDir = dir.resolve("test");
    boolean split = Files.isDirectory(trainDir) && Files.isDirectory(testDir);
    List<String> classes = ImageFolder.classes(split ? trainDir : dir);
    if (split && !ImageFolder.classes(testDir).equals(classes)) {
      throw new DatasetException(testDir, "has other classes than " + trainDir + ": " + classes);
    }
    int frames = Math.toIntExact(inputShape[image ? 1 : 0]);
    int bands = Math.toIntExact(inputShape[image ? 2 : 1]);
    Samples train = read(split ? trainDir : dir, classes, inputShape, frames, bands);
    Samples test = split ? read(testDir, classes, inputShape, frames, bands) : null;
    return new AudioFolder(dir, classes, train, test);
  }

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
  public Optional<int[]> series() {
    return Optional.of(train.labels());
  }

  @Override
  public Optional<int[]> testSeries() {
    return test == null ? Optional.empty() : Optional.of(test.labels());
  }

  @Override
  public String describe() {
    return "audio:" + dir;
  }

  private static Samples read(Path dir, List<String> classes, long[] shape, int frames, int bands) {
    List<float[]> xs = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      Path classDir = dir.resolve(classes.get(c));
      List<Path> files = new ArrayList<>();
      try (Stream<Path> s = Files.list(classDir)) {
        s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav"))
            .sorted()
            .forEach(files::add);
      } catch (IOException e) {
        throw new DatasetException(classDir, "cannot list: " + e.getMessage(), e);
      }
      for (Path f : files) {
        xs.add(logMel(f, frames, bands));
        labels.add(c);
      }
    }
    if (xs.isEmpty()) {
      throw new DatasetException(dir, "holds no .wav recordings");
    }
    int width = frames * bands;
    float[] all = new float[xs.size() * width];
    for (int i = 0; i < xs.size(); i++) {
      System.arraycopy(xs.get(i), 0, all, i * width, width);
    }
    return Samples.classified(
        shape, all, labels.stream().mapToInt(Integer::intValue).toArray(), classes.size());
  }

  /** A 16-bit PCM WAV file's samples (channels averaged) in [-1, 1] and its sample rate. */
  record Pcm(float[] samples, int rate) {}

  static Pcm wav(Path file) {
    byte[] b;
    try {
      b = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e.getMessage(), e);
    }
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    if (b.length < 12
        || !new String(b, 0, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("RIFF")
        || !new String(b, 8, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("WAVE")) {
      throw new DatasetException(file, "is not a RIFF WAVE file");
    }
    int channels = 0;
    int rate = 0;
    int bits = 0;
    int pos = 12;
    while (pos + 8 <= b.length) {
      String id = new String(b, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
      long size = buf.getInt(pos + 4) & 0xffffffffL;
      int body = pos + 8;
      if (id.equals("fmt ")) {
        if (size < 16 || body + 16 > b.length) {
          throw new DatasetException(file, "has a truncated fmt chunk");
        }
        int format = buf.getShort(body) & 0xffff;
        channels = buf.getShort(body + 2) & 0xffff;
        rate = buf.getInt(body + 4);
        bits = buf.getShort(body + 14) & 0xffff;
        if (format != 1 || bits != 16 || channels < 1) {
          throw new DatasetException(
              file, "is not 16-bit PCM (format " + format + ", " + bits + " bits)");
        }
      } else if (id.equals("data")) {
        if (channels == 0) {
          throw new DatasetException(file, "has its data before its fmt chunk");
        }
        // a recorder that never finished its header writes 0 or more than there is: take the rest
        long available = b.length - body;
        int bytes = (int) Math.min(size == 0 ? available : size, available);
        int n = bytes / (2 * channels);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          int sum = 0;
          for (int ch = 0; ch < channels; ch++) {
            sum += buf.getShort(body + 2 * (i * channels + ch));
          }
          out[i] = sum / (32768f * channels);
        }
        if (rate <= 0) {
          throw new DatasetException(file, "has sample rate " + rate);
        }
        return new Pcm(out, rate);
      }
      pos = (int) Math.min(Integer.MAX_VALUE, body + size + (size & 1));
    }
    throw new DatasetException(file, "has no data chunk (truncated?)");
  }

  /** The recording's log-mel spectrogram, [frames, bands] row-major (see the class comment). */
  static float[] logMel(Path file, int frames, int bands) {
    Pcm pcm = wav(file);
    double[][] filters = melFilters(bands, pcm.rate());
    double[] window = new double[FFT];
    for (int i = 0; i < FFT; i++) {
      window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / FFT);
    }
    float[] out = new float[frames * bands];
    double[] re = new double[FFT];
    double[] im = new double[FFT];
    int heard = 0;
    for (int f = 0; f < frames; f++) {
      int start = f * HOP;
      if (start + FFT > pcm.samples().length) {
        break; // the recording ended: zeros from here on
      }
      heard++;
      for (int i = 0; i < FFT; i++) {
        re[i] = pcm.samples()[start + i] * window[i];
        im[i] = 0;
      }
      fft(re, im);
      for (int m = 0; m < bands; m++) {
        double e = 0;
        for (int k = 0; k <= FFT / 2; k++) {
          e += filters[m][k] * (re[k] * re[k] + im[k] * im[k]);
        }
        out[f * bands + m] = (float) Math.log(e + 1e-10);
      }
    }
    // standardised over the frames heard (mean 0, variance 1), as speech front ends normalise
    // away loudness and the recording chain; frames after the end stay 0
    int n = heard * bands;
    if (n > 0) {
      double mean = 0;
      for (int i = 0; i < n; i++) {
        mean += out[i];
      }
      mean /= n;
      double var = 0;
      for (int i = 0; i < n; i++) {
        var += (out[i] - mean) * (out[i] - mean);
      }
      double sd = Math.sqrt(var / n) + 1e-6;
      for (int i = 0; i < n; i++) {
        out[i] = (float) ((out[i] - mean) / sd);
      }
    }
    return out;
  }

  /** Triangular filters on the HTK mel scale, 0 Hz to {@code rate / 2}, over FFT bins. */
  static double[][] melFilters(int bands, int rate) {
    double top = mel(rate / 2.0);
    double[] edges = new double[bands + 2];
    for (int i = 0; i < edges.length; i++) {
      double hz = 700 * (Math.pow(10, top * i / (bands + 1) / 2595) - 1);
      edges[i] = hz * FFT / rate; // in bins
    }
    double[][] f = new double[bands][FFT / 2 + 1];
    for (int m = 0; m < bands; m++) {
      for (int k = 0; k <= FFT / 2; k++) {
        double up = (k - edges[m]) / (edges[m + 1] - edges[m]);
        double down = (edges[m + 2] - k) / (edges[m + 2] - edges[m + 1]);
        f[m][k] = Math.max(0, Math.min(up, down));
      }
    }
    return f;
  }

  static double mel(double hz) {
    return 2595 * Math.log10(1 + hz / 700);
  }

  /** In-place iterative radix-2 FFT of a power-of-two length. */
  static void fft(double[] re, double[] im) {
    int n = re.length;
    for (int i = 1, j = 0; i < n; i++) {
      int bit = n >> 1;
      for (; (j & bit) != 0; bit >>= 1) {
        j ^= bit;
      }
      j ^= bit;
      if (i < j) {
        double t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (int len = 2; len <= n; len <<= 1) {
      double angle = -2 * Math.PI / len;
      double wr = Math.cos(angle);
      double wi = Math.sin(angle);
      for (int i = 0; i < n; i += len) {
        double cr = 1;
        double ci = 0;
        for (int k = 0; k < len / 2; k++) {
          int a = i + k;
          int b = a + len / 2;
          double xr = re[b] * cr - im[b] * ci;
          double xi = re[b] * ci + im[b] * cr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
          double nr = cr * wr - ci * wi;
          ci = cr * wi + ci * wr;
          cr = nr;
        }
      }
    }
  }
}
