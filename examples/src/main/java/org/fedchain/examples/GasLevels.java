package org.fedchain.examples;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.fedchain.core.model.Tensor;
import org.fedchain.node.DataSpec;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.CsvSource;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;

/**
 * Gas levels at several sites: daily rural-background PM10 at 70 German stations, 1998-2009
 * (Debian's r-cran-spacetime, data set {@code air}), forecast one day ahead by an LSTM from the 14
 * days before. Each node holds a group of stations (whole series) and never shares them. The
 * chained run (validated, rewarded) and a FedAvg run are compared, on each node's own last fifth of
 * days, with a model trained on that node's stations alone and with the last-value and
 * seasonal-naive (same weekday last week) forecasts. About half the values are missing: a window
 * that touches a gap is left out, never filled.
 */
public final class GasLevels implements Example {
  static final String CSV = "examples/gas-levels/pm10.csv";

  /** Values are divided by this for training, so the errors print in µg/m³ after multiplying. */
  static final float SCALE = 100;

  static final int WINDOW = 14;

  @Override
  public String name() {
    return "gas-levels";
  }

  @Override
  public String description() {
    return "next-day PM10 at 70 German stations with an LSTM, one station group per node";
  }

  @Override
  public boolean installed(Path cache) {
    return Files.isRegularFile(cache.resolve(CSV));
  }

  @Override
  public boolean run(Context c) throws Exception {
    PrintWriter out = c.out();
    Path csv = c.cache().resolve(CSV);
    Architecture arch = Examples.prepare(this, c, csv);
    int nodes = c.quick() ? 2 : 5;
    int rounds = c.quick() ? 2 : 12;
    // quick: six stations, the last two years
    Path data = c.quick() ? slice(csv, c.work().resolve("pm10-slice.csv"), 6, 730) : csv;
    String source =
        "csv:"
            + data
            + "?target=pm10&features=pm10&series=station&window="
            + WINDOW
            + "&test=0.2&scale="
            + (int) SCALE;
    CsvSource ds = CsvSource.open(source.substring("csv:".length()), arch.inputShape());
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(1)
            .batchSize(64)
            .optimizer(TrainingConfig.Optimizer.ADAM)
            .learningRate(0.002f)
            .schedule(TrainingConfig.Schedule.COSINE)
            .loss(Task.Loss.MSE)
            .metric(Task.Metric.MAE)
            .seed(1)
            .build();
    out.printf(
        "gas-levels: %s, %d training and %d test windows from %s; %d nodes, one station group"
            + " each%n",
        arch.name(), ds.train().size(), ds.test().orElseThrow().size(), data.getFileName(), nodes);
    List<String> names = new ArrayList<>();
    List<Samples> shards = new ArrayList<>();
    for (int k = 1; k <= nodes; k++) {
      names.add("node" + k);
      shards.add(new DataSpec(source, k, nodes, 0, DataSpec.PARTITION_SEED, null, true).load(ds));
    }
    boolean ok;
    List<Tensor> chained;
    List<Tensor> fedAvg;
    try (Runs runs = new Runs(c, name(), names)) {
      chained =
          runs.chained(ds, arch, config, true, v -> String.format("MAE %.2f µg/m³", v * SCALE));
      fedAvg =
          runs.fedAvg(
              arch,
              config,
              arch.initialTensors(config.seed(), Architecture.Init.PYTORCH),
              shards,
              names,
              rounds,
              "gas-levels example");
      ok = runs.ok();
    }

    // each node's own last fifth of days, its stations only
    Samples test = ds.test().orElseThrow();
    int[] testSeries = ds.testSeries().orElseThrow();
    out.printf(
        "%nMAE in µg/m³ on each node's own held-out days (next-day forecast):%n"
            + "%-6s %8s %10s %9s %10s %10s %8s %8s%n",
        "node", "stations", "windows", "last day", "last week", "own data", "chained", "FedAvg");
    int fedBeatsOwn = 0;
    for (int k = 0; k < nodes; k++) {
      List<Integer> idx = new ArrayList<>();
      TreeSet<Integer> stations = new TreeSet<>();
      for (int i = 0; i < testSeries.length; i++) {
        if (testSeries[i] % nodes == k) {
          idx.add(i);
          stations.add(testSeries[i]);
        }
      }
      Samples mine = test.subset(idx.stream().mapToInt(Integer::intValue).toArray());
      // the node alone: as many epochs on its own stations as FedAvg gave it in all
      List<Tensor> own =
          LocalTrainer.train(
                  arch,
                  arch.initialTensors(config.seed(), Architecture.Init.PYTORCH),
                  shards.get(k),
                  config.toBuilder().epochs(config.epochs() * rounds).build(),
                  ProgressListener.NONE)
              .tensors();
      double ownMae = mae(arch, own, mine, config);
      double fedMae = mae(arch, fedAvg, mine, config);
      fedBeatsOwn += fedMae < ownMae ? 1 : 0;
      out.printf(
          "%-6s %8d %10d %9.2f %10.2f %10.2f %8.2f %8.2f%n",
          "node" + (k + 1),
          stations.size(),
          mine.size(),
          naive(mine, 1) * SCALE,
          naive(mine, 7) * SCALE,
          ownMae * SCALE,
          mae(arch, chained, mine, config) * SCALE,
          fedMae * SCALE);
    }
    Path byStation = c.work().resolve("mae-by-station.csv");
    writeByStation(byStation, ds, arch, config, chained, fedAvg);
    out.printf(
        "FedAvg beats a node's own model on %d of %d nodes; audits %s; MAE per station in %s%n",
        fedBeatsOwn, nodes, ok ? "OK" : "FAILED", byStation);
    out.flush();
    return ok;
  }

  /** Each station's held-out MAE (µg/m³) for the two forecasts and the two joint models. */
  static void writeByStation(
      Path file,
      CsvSource ds,
      Architecture arch,
      TrainingConfig config,
      List<Tensor> chained,
      List<Tensor> fedAvg)
      throws IOException {
    Samples test = ds.test().orElseThrow();
    int[] station = ds.testSeries().orElseThrow();
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      w.write("station,windows,last_day,last_week,chained,fedavg");
      w.newLine();
      for (int s = 0; s < ds.seriesNames().size(); s++) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < station.length; i++) {
          if (station[i] == s) {
            idx.add(i);
          }
        }
        if (idx.isEmpty()) {
          continue; // no window without a gap at this station
        }
        Samples mine = test.subset(idx.stream().mapToInt(Integer::intValue).toArray());
        w.write(
            String.format(
                java.util.Locale.ROOT,
                "%s,%d,%.2f,%.2f,%.2f,%.2f",
                ds.seriesNames().get(s),
                mine.size(),
                naive(mine, 1) * SCALE,
                naive(mine, 7) * SCALE,
                mae(arch, chained, mine, config) * SCALE,
                mae(arch, fedAvg, mine, config) * SCALE));
        w.newLine();
      }
    }
  }

  static double mae(Architecture arch, List<Tensor> model, Samples s, TrainingConfig config) {
    return LocalTrainer.evaluate(arch, model, s, config).value();
  }

  /**
   * The MAE of forecasting the next day by the value {@code lag} days before it: 1 is the last
   * value, 7 the same weekday last week (both inside the 14-day window).
   */
  static double naive(Samples s, int lag) {
    float[] x = s.floatFeatures();
    double sum = 0;
    for (int i = 0; i < s.size(); i++) {
      sum += Math.abs(x[i * WINDOW + WINDOW - lag] - s.targets(i)[0]);
    }
    return s.size() == 0 ? 0 : sum / s.size();
  }

  /** The first {@code stations} stations (sorted) and their last {@code days} days. */
  static Path slice(Path csv, Path out, int stations, int days) throws IOException {
    List<String> header = new ArrayList<>();
    java.util.Map<String, List<String>> rows = new java.util.TreeMap<>();
    try (BufferedReader in = Files.newBufferedReader(csv)) {
      header.add(in.readLine());
      String line;
      while ((line = in.readLine()) != null) {
        String station = line.split(",", 3)[1];
        rows.computeIfAbsent(station, k -> new ArrayList<>()).add(line);
      }
    }
    try (BufferedWriter w = Files.newBufferedWriter(out)) {
      w.write(header.get(0));
      w.newLine();
      int n = 0;
      for (List<String> r : rows.values()) {
        if (n++ == stations) {
          break;
        }
        for (String line : r.subList(Math.max(0, r.size() - days), r.size())) {
          w.write(line);
          w.newLine();
        }
      }
    }
    return out;
  }
}
