package org.fedchain.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.fedchain.trainer.NumpySource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up converters (Python, standard library only) on tiny wheels made here: what they write,
 * and that a malformed wheel is refused with its file and line named, before anything is written.
 */
class ConvertersTest {
  @TempDir Path dir;

  record Run(int exit, String output) {}

  @Test
  void arrange_makes_one_image_folder_per_cell_type_and_holds_out_every_fifth() throws Exception {
    StringBuilder labels = new StringBuilder();
    Map<String, String> files = new java.util.TreeMap<>();
    for (int i = 1; i <= 5; i++) {
      labels.append(String.format("images/cell%04d.png  %s  mono%n", i, i == 2 ? "0.6667" : "0.0"));
      files.put("elpv_dataset/data/images/cell" + String.format("%04d", i) + ".png", "png" + i);
    }
    labels.append("images/cell0006.png  1.0  poly\n");
    files.put("elpv_dataset/data/images/cell0006.png", "png6");
    files.put("elpv_dataset/data/labels.csv", labels.toString());
    Path out = dir.resolve("out");

    Run r = python("defects/arrange.py", wheel(files), out);

    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("mono: 5 cells, 1 defective", "poly: 1 cells, 1 defective");
    assertThat(tree(out.resolve("mono")))
        .containsExactly(
            "test/ok/cell0005.png",
            "train/defect/cell0002.png",
            "train/ok/cell0001.png",
            "train/ok/cell0003.png",
            "train/ok/cell0004.png");
    assertThat(Files.readString(out.resolve("poly/train/defect/cell0006.png"))).isEqualTo("png6");
  }

  @Test
  void arrange_refuses_a_malformed_labels_file_naming_its_line_and_writes_nothing()
      throws Exception {
    String good = "images/cell0001.png 0.0 mono\n";
    Map<String, String> cases =
        Map.of(
            good + "images/cell0001.png 0.0\n",
            "labels.csv line 2: 2 fields, expected 3",
            good + "images/cell0001.png high mono\n",
            "labels.csv line 2: probability 'high' is not a number",
            good + "images/cell0001.png 1.5 mono\n",
            "labels.csv line 2: probability 1.5 is outside [0, 1]",
            good + "images/cell0009.png 0.0 mono\n",
            "labels.csv line 2: image images/cell0009.png is not in the wheel");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path out = dir.resolve("out");
      Path wheel =
          wheel(
              Map.of(
                  "elpv_dataset/data/labels.csv",
                  c.getKey(),
                  "elpv_dataset/data/images/cell0001.png",
                  "png"));

      Run r = python("defects/arrange.py", wheel, out);

      assertThat(r.exit()).as(c.getKey()).isNotZero();
      assertThat(r.output()).contains(c.getValue()).doesNotContain("Traceback");
      assertThat(out).doesNotExist();
    }
    Run notAWheel = python("defects/arrange.py", Files.writeString(dir.resolve("x.whl"), "x"), dir);
    assertThat(notAWheel.exit()).isNotZero();
    assertThat(notAWheel.output()).contains("x.whl: not a readable wheel");
  }

  @Test
  void convert_pads_utterances_in_front_and_gives_arrays_the_loader_reads() throws Exception {
    // two frames of 12 cepstra, speaker 3; one frame, speaker 9
    String train = "@data\n" + utterance(2, "3") + "\n" + utterance(1, "9") + "\n";
    Path out = dir.resolve("vowels.npz");

    Run r = python("speech/convert.py", vowels(train, "@data\n" + utterance(1, "9")), out);

    assertThat(r.exit()).as(r.output()).isZero();
    NumpySource s = NumpySource.open(out, new long[] {29, 12});
    assertThat(s.train().labels()).containsExactly(2, 8);
    assertThat(s.test().orElseThrow().labels()).containsExactly(8);
    float[] x = s.train().floatFeatures();
    assertThat(x[0]).isZero(); // 27 frames of padding in front
    assertThat(x[27 * 12 - 1]).isZero();
    assertThat(x[27 * 12]).isEqualTo(1f); // the first cepstrum of the first frame
    assertThat(x[28 * 12 + 11]).isEqualTo(13f); // the last cepstrum of the last frame
  }

  @Test
  void convert_refuses_a_malformed_utterance_naming_its_line() throws Exception {
    Map<String, String> cases =
        Map.of(
            "@data\n" + utterance(2, "3").replaceFirst("^[^:]*:", ""),
            "TRAIN.ts line 2: 11 dimensions, expected 12",
            "@data\n" + utterance(2, "3").replace("1.0", "one"),
            "TRAIN.ts line 2: not a number",
            "@data\n" + utterance(2, "10"),
            "TRAIN.ts line 2: speaker 10, expected 1 to 9",
            "@data\n" + utterance(30, "1"),
            "TRAIN.ts line 2: dimensions of [30] frames, expected one length of at most 29",
            "# nothing here\n",
            "TRAIN.ts: no utterances");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path out = dir.resolve("bad.npz");

      Run r = python("speech/convert.py", vowels(c.getKey(), "@data\n" + utterance(1, "1")), out);

      assertThat(r.exit()).as(c.getKey()).isNotZero();
      assertThat(r.output()).contains(c.getValue()).doesNotContain("Traceback");
      assertThat(out).doesNotExist();
    }
  }

  /** One utterance of {@code frames} frames: cepstrum d of frame t is d + t (1-based). */
  static String utterance(int frames, String speaker) {
    List<String> dims = new ArrayList<>();
    for (int d = 0; d < 12; d++) {
      List<String> values = new ArrayList<>();
      for (int t = 0; t < frames; t++) {
        values.add((d + t + 1) + ".0");
      }
      dims.add(String.join(",", values));
    }
    return String.join(":", dims) + ":" + speaker;
  }

  Path vowels(String train, String test) throws IOException {
    String base = "sktime/datasets/data/JapaneseVowels/JapaneseVowels_";
    return wheel(Map.of(base + "TRAIN.ts", train, base + "TEST.ts", test));
  }

  Path wheel(Map<String, String> files) throws IOException {
    Path w = Files.createTempFile(dir, "fixture", ".whl");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(w))) {
      for (Map.Entry<String, String> f : files.entrySet()) {
        z.putNextEntry(new ZipEntry(f.getKey()));
        z.write(f.getValue().getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    }
    return w;
  }

  /** Runs an example's converter (the test runs in the examples module's folder). */
  static Run python(String script, Path in, Path out) throws Exception {
    Process p =
        new ProcessBuilder("python3", Path.of(script).toString(), in.toString(), out.toString())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), text);
  }

  static List<String> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .map(f -> root.relativize(f).toString())
          .sorted()
          .toList();
    }
  }
}
