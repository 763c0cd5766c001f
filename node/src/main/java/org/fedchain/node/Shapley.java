package org.fedchain.node;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongToDoubleFunction;

/**
 * Shapley values of the players of a cooperative game whose value is known for any coalition (a bit
 * mask of players): what each player adds on average over every order in which the players could
 * have joined. Exact for small games (every coalition is evaluated once); for large ones a
 * truncated Monte Carlo estimate in the manner of GTG-Shapley (Liu et al., 2022): permutations are
 * drawn so that each player starts equally often (the first marginal is the largest, so this
 * removes most of the variance), and a permutation stops adding once its coalition is within {@code
 * tolerance} of the grand coalition's value, the rest counting as zero.
 *
 * <pre>{@code
 * Shapley.Result r = Shapley.of(12, mask -> lossReduced(mask), new Shapley.Options(10, 8, 0.01, 7));
 * }</pre>
 */
public final class Shapley {
  private Shapley() {}

  /**
   * How to compute.
   *
   * @param exactUpTo games with at most this many players are solved exactly (2^n coalitions)
   * @param rounds larger games: each round samples one permutation led by each player, so {@code
   *     rounds x players} permutations in all
   * @param tolerance a permutation is truncated once its coalition's value is within this fraction
   *     of |v(all) - v(none)| from v(all)
   * @param seed of the permutation order
   */
  public record Options(int exactUpTo, int rounds, double tolerance, long seed) {
    public Options {
      if (exactUpTo < 0 || exactUpTo > 20 || rounds < 1 || !(tolerance >= 0)) {
        throw new IllegalArgumentException(
            "exactUpTo must be 0..20, rounds >= 1 and tolerance >= 0, got "
                + exactUpTo
                + ", "
                + rounds
                + ", "
                + tolerance);
      }
    }

    /** Exact up to 10 players; else 8 permutations per player, truncated at 1%. */
    public static final Options DEFAULT = new Options(10, 8, 0.01, 1);
  }

  /**
   * The values, in player order.
   *
   * @param exact whether every coalition was evaluated
   * @param permutations permutations sampled (0 when exact)
   * @param evaluations distinct coalitions whose value was computed
   */
  public record Result(double[] values, boolean exact, int permutations, int evaluations) {}

  /**
   * @param players at most 62
   * @param value the value of a coalition given as a bit mask (bit i: player i is in it); called at
   *     most once per coalition
   */
  public static Result of(int players, LongToDoubleFunction value, Options o) {
    if (players < 0 || players > 62) {
      throw new IllegalArgumentException("players must be 0..62, got " + players);
    }
    Map<Long, Double> known = new HashMap<>();
    LongToDoubleFunction v = mask -> known.computeIfAbsent(mask, value::applyAsDouble);
    if (players <= o.exactUpTo()) {
      return new Result(exact(players, v), true, 0, known.size());
    }
    double[] phi = new double[players];
    long all = (1L << players) - 1;
    double none = v.applyAsDouble(0);
    double full = v.applyAsDouble(all);
    double stop = o.tolerance() * Math.abs(full - none);
    Random random = new Random(o.seed());
    int rounds = o.rounds();
    List<Integer> rest = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (int first = 0; first < players; first++) {
        rest.clear();
        for (int p = 0; p < players; p++) {
          if (p != first) {
            rest.add(p);
          }
        }
        Collections.shuffle(rest, random);
        rest.add(0, first);
        long mask = 0;
        double prev = none;
        for (int p : rest) {
          if (Math.abs(full - prev) <= stop) {
            break; // truncated: the rest add (about) nothing
          }
          mask |= 1L << p;
          double cur = v.applyAsDouble(mask);
          phi[p] += cur - prev;
          prev = cur;
        }
      }
    }
    int n = rounds * players;
    for (int p = 0; p < players; p++) {
      phi[p] /= n;
    }
    return new Result(phi, false, n, known.size());
  }

  /** phi_i = sum over coalitions S without i of |S|! (n-|S|-1)! / n! (v(S + i) - v(S)). */
  private static double[] exact(int n, LongToDoubleFunction v) {
    double[] weight = new double[Math.max(n, 1)];
    for (int s = 0; s < n; s++) {
      // |S|! (n-|S|-1)! / n! = 1 / (n * C(n-1, s))
      weight[s] = 1.0 / (n * binomial(n - 1, s));
    }
    double[] phi = new double[n];
    for (long mask = 0; mask < 1L << n; mask++) {
      double here = v.applyAsDouble(mask);
      int size = Long.bitCount(mask);
      for (int i = 0; i < n; i++) {
        if ((mask & (1L << i)) == 0) {
          phi[i] += weight[size] * (v.applyAsDouble(mask | (1L << i)) - here);
        }
      }
    }
    return phi;
  }

  private static double binomial(int n, int k) {
    double c = 1;
    for (int i = 1; i <= k; i++) {
      c = c * (n - k + i) / i;
    }
    return c;
  }
}
