package org.fedchain.trainer.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fedchain.core.model.DType;
import org.fedchain.core.model.Tensor;

/**
 * The aggregation strategies: FedAvg (weighted mean), FedNova (FedAvg with each client's change
 * normalised by its local step count, for non-IID data), and the Byzantine-robust coordinate-wise
 * median, trimmed mean and Krum, which bound the influence of a minority of bad clients.
 */
public final class Strategies {
  private Strategies() {}

  /** FedAvg: the mean weighted by {@code samples x weight}. */
  public static Strategy fedAvg() {
    return new Coordinatewise(
        "fedavg",
        (values, weights) -> {
          double sum = 0;
          double w = 0;
          for (int i = 0; i < values.length; i++) {
            sum += values[i] * weights[i];
            w += weights[i];
          }
          return (float) (sum / w);
        });
  }

  /** Coordinate-wise median (unweighted): robust to fewer than half bad clients. */
  public static Strategy median() {
    return new Coordinatewise(
        "median",
        (values, weights) -> {
          float[] v = values.clone();
          Arrays.sort(v);
          int n = v.length;
          return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        });
  }

  /**
   * Coordinate-wise trimmed mean: drops the {@code beta} fraction of largest and of smallest
   * values.
   */
  public static Strategy trimmedMean(double beta) {
    if (!(beta >= 0 && beta < 0.5)) {
      throw new IllegalArgumentException("trimmed-mean beta must be in [0, 0.5), got " + beta);
    }
    return new Coordinatewise(
        "trimmed-mean(" + beta + ")",
        (values, weights) -> {
          float[] v = values.clone();
          Arrays.sort(v);
          int k = (int) Math.floor(beta * v.length);
          double sum = 0;
          for (int i = k; i < v.length - k; i++) {
            sum += v[i];
          }
          return (float) (sum / (v.length - 2 * k));
        });
  }

  /**
   * Krum (Blanchard et al. 2017): picks the one client model whose squared distance to its {@code n
   * - f - 2} nearest others is smallest, tolerating up to {@code f} bad clients.
   */
  public static Strategy krum(int f) {
    if (f < 0) {
      throw new IllegalArgumentException("krum f must be >= 0, got " + f);
    }
    return new Strategy() {
      @Override
      public String id() {
        return "krum(" + f + ")";
      }

      @Override
      public List<Tensor> aggregate(List<Tensor> global, List<Input> inputs) {
        check(inputs);
        int n = inputs.size();
        if (n < 2 * f + 3) {
          throw new IllegalArgumentException(
              "krum with f=" + f + " needs at least " + (2 * f + 3) + " clients, got " + n);
        }
        float[][] flat = new float[n][];
        for (int i = 0; i < n; i++) {
          flat[i] = flatten(inputs.get(i).tensors());
        }
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
          for (int j = i + 1; j < n; j++) {
            double s = 0;
            for (int k = 0; k < flat[i].length; k++) {
              double diff = flat[i][k] - flat[j][k];
              s += diff * diff;
            }
            d[i][j] = s;
            d[j][i] = s;
          }
        }
        int best = -1;
        double bestScore = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
          double[] others = new double[n - 1];
          for (int j = 0, o = 0; j < n; j++) {
            if (j != i) {
              others[o++] = d[i][j];
            }
          }
          Arrays.sort(others);
          double score = 0;
          for (int k = 0; k < n - f - 2; k++) {
            score += others[k];
          }
          if (score < bestScore) {
            bestScore = score;
            best = i;
          }
        }
        return inputs.get(best).tensors();
      }
    };
  }

  /**
   * FedNova (Wang et al. 2020), as NIID-Bench runs it: each client's change {@code global - w_i} is
   * divided by its momentum-corrected step count {@code a_i = (tau_i - rho (1 - rho^tau_i) / (1 -
   * rho)) / (1 - rho)}, the normalised changes are averaged with FedAvg's weights {@code p_i}, and
   * the global model moves by that average times {@code sum p_i a_i}. With equal local epochs a
   * client with more data takes more steps and drifts further towards its own optimum; FedAvg lets
   * it pull the global model that much harder, FedNova does not. Stateless: the result is a
   * function of the parent model and the inputs (their steps and momentum are in the LOCAL
   * manifests).
   */
  public static Strategy fedNova() {
    return new Strategy() {
      @Override
      public String id() {
        return "fednova";
      }

      @Override
      public List<Tensor> aggregate(List<Tensor> global, List<Input> inputs) {
        check(inputs);
        global = inOrderOf(inputs.get(0).tensors(), global);
        int n = inputs.size();
        double[] p = new double[n];
        double[] a = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
          Input in = inputs.get(i);
          if (in.steps() == 0) {
            throw new IllegalArgumentException(
                "fednova needs each client's local step count; client " + i + " has none");
          }
          p[i] = in.samples() * in.weight();
          a[i] = normalizer(in.steps(), in.momentum());
          total += p[i];
        }
        if (!(total > 0)) {
          throw new IllegalArgumentException("all clients have zero weight (samples x weight)");
        }
        double coeff = 0;
        for (int i = 0; i < n; i++) {
          p[i] /= total;
          coeff += p[i] * a[i];
        }
        List<Tensor> out = new ArrayList<>();
        for (int t = 0; t < global.size(); t++) {
          float[] g = global.get(t).floats();
          double[] step = new double[g.length];
          for (int i = 0; i < n; i++) {
            float[] w = inputs.get(i).tensors().get(t).floats();
            double scale = coeff * p[i] / a[i];
            for (int k = 0; k < g.length; k++) {
              step[k] += scale * (g[k] - w[k]);
            }
          }
          float[] result = new float[g.length];
          for (int k = 0; k < g.length; k++) {
            result[k] = (float) (g[k] - step[k]);
          }
          out.add(Tensor.ofFloats(global.get(t).name(), global.get(t).shape(), result));
        }
        return out;
      }
    };
  }

  /**
   * {@code global}'s tensors in the order of {@code clientModel}'s (a model file lists them by
   * name, a trainer in layer order), checked to have the same names and shapes.
   */
  private static List<Tensor> inOrderOf(List<Tensor> clientModel, List<Tensor> global) {
    Map<String, Tensor> byName = new HashMap<>();
    global.forEach(t -> byName.put(t.name(), t));
    List<Tensor> out = new ArrayList<>();
    for (Tensor c : clientModel) {
      Tensor g = byName.get(c.name());
      if (g == null || !Arrays.equals(g.shape(), c.shape()) || g.dtype() != DType.F32) {
        throw new IllegalArgumentException(
            "the clients' models do not match the global model (at tensor " + c + ")");
      }
      out.add(g);
    }
    if (global.size() != clientModel.size()) {
      throw new IllegalArgumentException(
          "the global model has " + global.size() + " tensors, the clients' " + clientModel.size());
    }
    return out;
  }

  /**
   * Refuses a strategy that cannot aggregate FedBuff's stale updates: FedNova measures each change
   * from the global model it is given, and a stale update started from an older one.
   */
  public static void checkAsync(Strategy s) {
    if (s.id().equals("fednova")) {
      throw new IllegalArgumentException(
          "fednova needs every update trained from the current global model, which asynchronous"
              + " (FedBuff) updates are not: use it with rounds, or another strategy with --async");
    }
  }

  /** FedNova's {@code a_i}: the effective step count of {@code steps} SGD steps with momentum. */
  static double normalizer(long steps, double momentum) {
    if (momentum == 0) {
      return steps;
    }
    double rho = momentum;
    return (steps - rho * (1 - Math.pow(rho, steps)) / (1 - rho)) / (1 - rho);
  }

  /**
   * {@link #parse(String)}, refusing with {@link #checkAsync} what asynchronous runs cannot use.
   */
  public static Strategy parse(String text, boolean async) {
    Strategy s = parse(text);
    if (async) {
      checkAsync(s);
    }
    return s;
  }

  /**
   * Parses a strategy as the CLI takes it (fedavg, fednova, median, trimmed-mean:0.2, krum:2) or as
   * {@link Strategy#id} writes it (trimmed-mean(0.2), krum(2)).
   */
  public static Strategy parse(String text) {
    // an id as a manifest records it, e.g. krum(2), reads as krum:2
    String[] p = text.replaceFirst("^([a-z-]+)\\((.*)\\)$", "$1:$2").split(":", 2);
    try {
      return switch (p[0]) {
        case "fedavg" -> fedAvg();
        case "fednova" -> fedNova();
        case "median" -> median();
        case "trimmed-mean" -> trimmedMean(p.length > 1 ? Double.parseDouble(p[1]) : 0.2);
        case "krum" -> krum(p.length > 1 ? Integer.parseInt(p[1]) : 1);
        default ->
            throw new IllegalArgumentException(
                "unknown strategy '"
                    + text
                    + "' (fedavg, fednova, median, trimmed-mean[:BETA], krum[:F])");
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("strategy '" + text + "' has a bad parameter");
    }
  }

  interface Combine {
    float apply(float[] values, double[] weights);
  }

  /** Applies a per-coordinate rule to every parameter. */
  private static final class Coordinatewise implements Strategy {
    private final String id;
    private final Combine combine;

    Coordinatewise(String id, Combine combine) {
      this.id = id;
      this.combine = combine;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public List<Tensor> aggregate(List<Tensor> global, List<Input> inputs) {
      check(inputs);
      int n = inputs.size();
      double[] weights = new double[n];
      double total = 0;
      for (int i = 0; i < n; i++) {
        weights[i] = inputs.get(i).samples() * inputs.get(i).weight();
        total += weights[i];
      }
      if (!(total > 0)) {
        throw new IllegalArgumentException("all clients have zero weight (samples x weight)");
      }
      List<Tensor> out = new ArrayList<>();
      List<Tensor> first = inputs.get(0).tensors();
      float[] column = new float[n];
      for (int t = 0; t < first.size(); t++) {
        float[][] values = new float[n][];
        for (int i = 0; i < n; i++) {
          values[i] = inputs.get(i).tensors().get(t).floats();
        }
        float[] result = new float[values[0].length];
        for (int k = 0; k < result.length; k++) {
          for (int i = 0; i < n; i++) {
            column[i] = values[i][k];
          }
          result[k] = combine.apply(column, weights);
        }
        out.add(Tensor.ofFloats(first.get(t).name(), first.get(t).shape(), result));
      }
      return out;
    }
  }

  /**
   * {@code strategy} over a model's learned (F32) tensors; other tensors (batch norm's {@code
   * num_batches_tracked} counter, which DJL does not keep) are carried over from {@code global}
   * unchanged. What the coordinator aggregates and the audit recomputes.
   */
  public static List<Tensor> aggregateModel(
      Strategy strategy, List<Tensor> global, List<Strategy.Input> inputs) {
    java.util.function.Predicate<Tensor> learned = t -> t.dtype() == DType.F32;
    if (inputs.isEmpty() || inputs.get(0).tensors().stream().allMatch(learned)) {
      return strategy.aggregate(global, inputs);
    }
    List<Strategy.Input> floats = new ArrayList<>();
    for (Strategy.Input in : inputs) {
      floats.add(
          new Strategy.Input(
              in.tensors().stream().filter(learned).toList(),
              in.samples(),
              in.weight(),
              in.steps(),
              in.momentum()));
    }
    Map<String, Tensor> result = new HashMap<>();
    strategy
        .aggregate(global.stream().filter(learned).toList(), floats)
        .forEach(t -> result.put(t.name(), t));
    global.stream().filter(learned.negate()).forEach(t -> result.put(t.name(), t));
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : inputs.get(0).tensors()) {
      Tensor r = result.get(t.name());
      if (r == null) {
        throw new IllegalArgumentException("the global model has no tensor " + t.name());
      }
      out.add(r);
    }
    return out;
  }

  static void check(List<Strategy.Input> inputs) {
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("nothing to aggregate");
    }
    List<Tensor> ref = inputs.get(0).tensors();
    for (int i = 0; i < inputs.size(); i++) {
      List<Tensor> ts = inputs.get(i).tensors();
      if (ts.size() != ref.size()) {
        throw new IllegalArgumentException(
            "client " + i + " has " + ts.size() + " tensors, client 0 has " + ref.size());
      }
      for (int t = 0; t < ts.size(); t++) {
        Tensor a = ref.get(t);
        Tensor b = ts.get(t);
        if (!a.name().equals(b.name())
            || !Arrays.equals(a.shape(), b.shape())
            || b.dtype() != DType.F32) {
          throw new IllegalArgumentException(
              "client " + i + " tensor " + b + " does not match " + a + " (F32 expected)");
        }
      }
    }
  }

  private static float[] flatten(List<Tensor> ts) {
    int n = 0;
    for (Tensor t : ts) {
      n += (int) t.elementCount();
    }
    float[] out = new float[n];
    int o = 0;
    for (Tensor t : ts) {
      float[] v = t.floats();
      System.arraycopy(v, 0, out, o, v.length);
      o += v.length;
    }
    return out;
  }
}
