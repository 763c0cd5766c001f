package org.fedchain.verifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fedchain.core.model.Tensor;

/**
 * A round's norm bound: a LOCAL update whose change to the global model is longer (L2) than {@code
 * bound} times the median change of the round's updates is left out of the aggregate. A node that
 * scales its update to take the round is so ignored, whatever the strategy. The coordinator applies
 * it and records the bound and the left-out updates in the aggregate's manifest; the audit repeats
 * it from the ledger.
 */
public final class NormBound {
  /** The aggregate manifest's hyperparameter holding the bound. */
  public static final String BOUND = "norm_bound";

  /** The aggregate manifest's hyperparameter listing the update ids left out, comma-separated. */
  public static final String LEFT_OUT = "left_out";

  /** Fewer updates than this have no meaningful median: none is left out. */
  static final int MIN_UPDATES = 3;

  private NormBound() {}

  /** The L2 norm of {@code local - global}, over every tensor (matched by name). */
  public static double deltaNorm(List<Tensor> global, List<Tensor> local) {
    java.util.Map<String, Tensor> byName = new java.util.HashMap<>();
    local.forEach(t -> byName.put(t.name(), t));
    double sum = 0;
    for (Tensor gt : global) {
      if (gt.dtype() != org.fedchain.core.model.DType.F32) {
        continue; // a counter (num_batches_tracked), not a learned value
      }
      Tensor lt = byName.get(gt.name());
      if (lt == null || !java.util.Arrays.equals(lt.shape(), gt.shape())) {
        throw new IllegalArgumentException(
            "the update has no tensor " + gt.name() + " of its shape");
      }
      float[] g = gt.floats();
      float[] l = lt.floats();
      for (int i = 0; i < g.length; i++) {
        double d = (double) l[i] - g[i];
        sum += d * d;
      }
    }
    return Math.sqrt(sum);
  }

  /** The indices of the norms above {@code bound} times their median (none for fewer than 3). */
  public static List<Integer> outliers(List<Double> norms, double bound) {
    List<Integer> out = new ArrayList<>();
    if (norms.size() < MIN_UPDATES) {
      return out;
    }
    double[] sorted = norms.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    for (int i = 0; i < norms.size(); i++) {
      if (!(norms.get(i) <= bound * median)) { // a NaN norm is an outlier too
        out.add(i);
      }
    }
    return out;
  }
}
