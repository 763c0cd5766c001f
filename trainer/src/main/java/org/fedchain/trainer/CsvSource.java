package org.fedchain.trainer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A CSV file with a header row, named as {@code csv:FILE?target=COL[&key=value...]}:
 *
 * <ul>
 *   <li>{@code target=COL} (required): what to predict. Numbers make a regression; anything else,
 *       or {@code task=classification}, class labels (in sorted order of their values).
 *   <li>{@code features=A,B,...}: the input columns (default: every other column; with a window,
 *       the target's own past is a feature too).
 *   <li>{@code window=W}: time series. Each sample is W consecutive rows of the features, [W, F],
 *       and its target the target column {@code horizon=H} rows after the window's last (default
 *       1). Rows must be in time order.
 *   <li>{@code series=COL}: the column naming the series (a location, a sensor); windows never
 *       cross series, and a node may take whole series ({@code @K/N:series}).
 *   <li>{@code test=F}: the last share F of each series' windows (by time) is kept for testing.
 *   <li>{@code scale=S}: every number (features and a numeric target) is divided by S, so values of
 *       hundreds train at the rates small ones do; errors are then in units of S.
 * </ul>
 *
 * An empty cell, {@code NA} or {@code NaN} is a gap: a window that touches one is left out; in a
 * table without a window, a gap is an error naming the line. Errors name the file and line.
 */
public final class CsvSource implements DataSource {
  private final String text;
  private final Samples train;
  private final Samples test;
  private final int[] series;
  private final int[] testSeries;
  private final List<String> seriesNames;
  private final List<String> classes;

  private CsvSource(
      String text,
      Samples train,
      Samples test,
      int[] series,
      int[] testSeries,
      List<String> seriesNames,
      List<String> classes) {
    this.text = text;
    this.train = train;
    this.test = test;
    this.series = series;
    this.testSeries = testSeries;
    this.seriesNames = seriesNames;
    this.classes = classes;
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
    return series == null ? Optional.empty() : Optional.of(series.clone());
  }

  @Override
  public Optional<int[]> testSeries() {
    return testSeries == null || test == null ? Optional.empty() : Optional.of(testSeries.clone());
  }

  /** The series' names, in the order their numbers follow (sorted). */
  public List<String> seriesNames() {
    return seriesNames;
  }

  /** The class names of a classification, in label order; empty for a regression. */
  public List<String> classes() {
    return classes;
  }

  @Override
  public String describe() {
    return "csv:" + text;
  }

  /**
   * Opens {@code FILE?options} for a model taking samples of {@code inputShape}.
   *
   * @throws IllegalArgumentException for bad options
   * @throws DatasetException naming the file and line at fault
   */
  public static CsvSource open(String text, long[] inputShape) {
    int q = text.indexOf('?');
    Path file = Path.of(q < 0 ? text : text.substring(0, q));
    Map<String, String> opt = options(text, q < 0 ? "" : text.substring(q + 1));
    String target = opt.get("target");
    if (target == null) {
      throw new IllegalArgumentException(
          "csv:" + text + " needs ?target=COLUMN (the column to predict)");
    }
    Table t = Table.read(file);
    int targetCol = t.column(target);
    int seriesCol = opt.containsKey("series") ? t.column(opt.get("series")) : -1;
    int window = positive(opt, "window", 0);
    int horizon = positive(opt, "horizon", 1);
    double testShare = share(opt);
    float scale = scale(opt);
    List<Integer> features = new ArrayList<>();
    if (opt.containsKey("features")) {
      for (String f : opt.get("features").split(",")) {
        features.add(t.column(f.strip()));
      }
    } else {
      for (int c = 0; c < t.header.size(); c++) {
        if (c != seriesCol && (c != targetCol || window > 0)) {
          features.add(c);
        }
      }
    }
    boolean classify =
        "classification".equals(opt.get("task"))
            || !t.numeric(targetCol) && !"regression".equals(opt.get("task"));
    List<String> classes = classify ? t.distinct(targetCol) : List.of();
    long[] shape = window > 0 ? new long[] {window, features.size()} : new long[] {features.size()};
    if (!Arrays.equals(shape, inputShape)) {
      throw new IllegalArgumentException(
          "csv:"
              + text
              + " gives samples of shape "
              + Arrays.toString(shape)
              + " ("
              + (window > 0 ? window + " rows of " : "")
              + features.size()
              + " feature columns); the model takes "
              + Arrays.toString(inputShape));
    }
    Builder train = new Builder(shape, classes);
    Builder test = new Builder(shape, classes);
    // rows grouped by series, in file order within each
    TreeMap<String, List<Integer>> groups = new TreeMap<>();
    for (int r = 0; r < t.rows.size(); r++) {
      groups
          .computeIfAbsent(seriesCol < 0 ? "" : t.cell(r, seriesCol), k -> new ArrayList<>())
          .add(r);
    }
    List<String> names = new ArrayList<>(groups.keySet());
    List<Integer> seriesOfTrain = new ArrayList<>();
    List<Integer> seriesOfTest = new ArrayList<>();
    for (int g = 0; g < names.size(); g++) {
      List<Integer> rows = groups.get(names.get(g));
      List<float[]> xs = new ArrayList<>();
      List<Object> ys = new ArrayList<>();
      if (window == 0) {
        for (int r : rows) {
          float[] x = new float[features.size()];
          for (int k = 0; k < x.length; k++) {
            x[k] = t.number(r, features.get(k), true) / scale;
          }
          xs.add(x);
          ys.add(
              classify
                  ? (Object) classes.indexOf(t.cell(r, targetCol))
                  : t.number(r, targetCol, true) / scale);
        }
      } else {
        for (int end = window - 1; end + horizon < rows.size(); end++) {
          float[] x = new float[window * features.size()];
          boolean gap = false;
          for (int w = 0; w < window && !gap; w++) {
            int r = rows.get(end - window + 1 + w);
            for (int k = 0; k < features.size() && !gap; k++) {
              float v = t.number(r, features.get(k), false) / scale;
              gap = Float.isNaN(v);
              x[w * features.size() + k] = v;
            }
          }
          int yr = rows.get(end + horizon);
          Object y;
          if (classify) {
            String c = t.cell(yr, targetCol);
            gap |= Table.missing(c);
            y = classes.indexOf(c);
          } else {
            float v = t.number(yr, targetCol, false) / scale;
            gap |= Float.isNaN(v);
            y = v;
          }
          if (!gap) {
            xs.add(x);
            ys.add(y);
          }
        }
      }
      int testCount = (int) Math.floor(xs.size() * testShare);
      for (int i = 0; i < xs.size(); i++) {
        boolean isTest = i >= xs.size() - testCount;
        (isTest ? test : train).add(xs.get(i), ys.get(i));
        (isTest ? seriesOfTest : seriesOfTrain).add(g);
      }
    }
    if (train.size() == 0) {
      throw new DatasetException(file, "gives no training samples with these options: " + opt);
    }
    return new CsvSource(
        text,
        train.build(),
        test.size() == 0 ? null : test.build(),
        seriesCol < 0 ? null : seriesOfTrain.stream().mapToInt(Integer::intValue).toArray(),
        seriesCol < 0 ? null : seriesOfTest.stream().mapToInt(Integer::intValue).toArray(),
        seriesCol < 0 ? List.of() : List.copyOf(names),
        classes);
  }

  private static Map<String, String> options(String text, String query) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String kv : query.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "csv:" + text + ": option '" + kv + "' is not key=value");
      }
      String k = kv.substring(0, eq);
      if (!List.of("target", "features", "window", "horizon", "series", "test", "task", "scale")
          .contains(k)) {
        throw new IllegalArgumentException(
            "csv:"
                + text
                + ": unknown option '"
                + k
                + "' (target, features, window, horizon, series, test, task, scale)");
      }
      out.put(k, kv.substring(eq + 1));
    }
    String task = out.get("task");
    if (task != null && !task.equals("classification") && !task.equals("regression")) {
      throw new IllegalArgumentException(
          "csv:" + text + ": task must be classification or regression, got '" + task + "'");
    }
    return out;
  }

  private static int positive(Map<String, String> opt, String key, int dflt) {
    String v = opt.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        key + " must be a whole number of at least 1, got '" + v + "'");
  }

  private static double share(Map<String, String> opt) {
    String v = opt.get("test");
    if (v == null) {
      return 0;
    }
    try {
      double d = Double.parseDouble(v);
      if (d >= 0 && d < 1) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("test must be a share in [0, 1), got '" + v + "'");
  }

  private static float scale(Map<String, String> opt) {
    String v = opt.get("scale");
    if (v == null) {
      return 1;
    }
    try {
      float f = Float.parseFloat(v);
      if (f > 0 && Float.isFinite(f)) {
        return f;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("scale must be a positive number, got '" + v + "'");
  }

  /** Samples as they are found, then built at once. */
  private static final class Builder {
    private final long[] shape;
    private final List<String> classes;
    private final List<float[]> xs = new ArrayList<>();
    private final List<Object> ys = new ArrayList<>();

    Builder(long[] shape, List<String> classes) {
      this.shape = shape;
      this.classes = classes;
    }

    void add(float[] x, Object y) {
      xs.add(x);
      ys.add(y);
    }

    int size() {
      return xs.size();
    }

    Samples build() {
      int w = xs.get(0).length;
      float[] all = new float[xs.size() * w];
      for (int i = 0; i < xs.size(); i++) {
        System.arraycopy(xs.get(i), 0, all, i * w, w);
      }
      if (!classes.isEmpty()) {
        int[] labels = ys.stream().mapToInt(o -> (Integer) o).toArray();
        return Samples.classified(shape, all, labels, classes.size());
      }
      float[] t = new float[ys.size()];
      for (int i = 0; i < t.length; i++) {
        t[i] = (Float) ys.get(i);
      }
      return Samples.regression(shape, all, new long[] {1}, t);
    }
  }

  /** The file's cells, with its line numbers for errors. */
  private static final class Table {
    final Path file;
    final List<String> header;
    final List<String[]> rows = new ArrayList<>();
    final List<Integer> lines = new ArrayList<>();

    private Table(Path file, List<String> header) {
      this.file = file;
      this.header = header;
    }

    static Table read(Path file) {
      if (!Files.isRegularFile(file)) {
        throw new DatasetException(file, "CSV file not found");
      }
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String first = in.readLine();
        if (first == null) {
          throw new DatasetException(file, "is empty (a header row is needed)");
        }
        List<String> header =
            split(file, 1, first.startsWith("\uFEFF") ? first.substring(1) : first);
        if (new TreeSet<>(header).size() != header.size()) {
          throw new DatasetException(file, "line 1: a column name is repeated: " + header);
        }
        Table t = new Table(file, header);
        String line;
        int n = 1;
        while ((line = in.readLine()) != null) {
          n++;
          if (line.isBlank()) {
            continue;
          }
          List<String> cells = split(file, n, line);
          if (cells.size() != header.size()) {
            throw new DatasetException(
                file, "line " + n + " has " + cells.size() + " cells, the header " + header.size());
          }
          t.rows.add(cells.toArray(String[]::new));
          t.lines.add(n);
        }
        return t;
      } catch (java.nio.charset.MalformedInputException e) {
        throw new DatasetException(file, "is not UTF-8 text", e);
      } catch (IOException e) {
        throw new DatasetException(file, "cannot read: " + e.getMessage(), e);
      }
    }

    /** One line's cells: comma separated, double quotes around a cell that holds commas. */
    static List<String> split(Path file, int line, String s) {
      List<String> out = new ArrayList<>();
      StringBuilder cell = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (quoted) {
          if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
            cell.append('"');
            i++;
          } else if (c == '"') {
            quoted = false;
          } else {
            cell.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == ',') {
          out.add(cell.toString().strip());
          cell.setLength(0);
        } else {
          cell.append(c);
        }
      }
      if (quoted) {
        throw new DatasetException(file, "line " + line + " has an unclosed quote");
      }
      out.add(cell.toString().strip());
      return out;
    }

    int column(String name) {
      int i = header.indexOf(name);
      if (i < 0) {
        throw new DatasetException(file, "has no column '" + name + "' (columns: " + header + ")");
      }
      return i;
    }

    String cell(int row, int col) {
      return rows.get(row)[col];
    }

    static boolean missing(String v) {
      return v.isEmpty() || v.equalsIgnoreCase("NA") || v.equalsIgnoreCase("NaN");
    }

    /** The cell as a number; a gap is NaN, or an error naming the line if gaps are not allowed. */
    float number(int row, int col, boolean required) {
      String v = cell(row, col);
      if (missing(v)) {
        if (required) {
          throw new DatasetException(
              file, "line " + lines.get(row) + ": column '" + header.get(col) + "' is empty");
        }
        return Float.NaN;
      }
      try {
        float f = Float.parseFloat(v);
        if (Float.isFinite(f)) {
          return f;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new DatasetException(
          file,
          "line "
              + lines.get(row)
              + ": column '"
              + header.get(col)
              + "' holds '"
              + v
              + "', not a number");
    }

    boolean numeric(int col) {
      for (String[] r : rows) {
        String v = r[col];
        if (!missing(v)) {
          try {
            Double.parseDouble(v);
          } catch (NumberFormatException e) {
            return false;
          }
        }
      }
      return true;
    }

    /** The column's distinct values, sorted (as numbers when they all are). */
    List<String> distinct(int col) {
      TreeSet<String> values = new TreeSet<>();
      for (int r = 0; r < rows.size(); r++) {
        String v = rows.get(r)[col];
        if (missing(v)) {
          throw new DatasetException(
              file,
              "line " + lines.get(r) + ": the class in column '" + header.get(col) + "' is empty");
        }
        values.add(v);
      }
      List<String> out = new ArrayList<>(values);
      if (numeric(col)) {
        out.sort(java.util.Comparator.comparingDouble(Double::parseDouble));
      }
      return out;
    }
  }
}
