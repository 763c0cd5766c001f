package org.fedchain.trainer;

import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.Tensor;

/**
 * How a model is cut for model parallelism: consecutive ranges of its top-level layers, one per
 * stage, covering every layer once. Written {@code 0-3,4-7,8-} (inclusive layer indices; the last
 * range may leave its end open). A tensor belongs to the stage of the top-level layer its PyTorch
 * name starts with ({@code 5.weight} is layer 5's); inside a stage it is named from the stage's
 * first layer ({@code 1.weight} in a stage starting at layer 4).
 *
 * @param from each stage's first layer
 * @param to each stage's end (exclusive)
 */
public record Stages(int[] from, int[] to) {
  /**
   * The manifest hyperparameter of a STAGE update naming its layers, inclusive ({@code 4-7}); the
   * restacked AGGREGATE's strategy is {@link #RESTACK}.
   */
  public static final String LAYERS = "stage_layers";

  public static final String RESTACK = "restack";

  public Stages {
    from = from.clone();
    to = to.clone();
  }

  public int[] from() {
    return from.clone();
  }

  public int[] to() {
    return to.clone();
  }

  /** The number of stages. */
  public int count() {
    return from.length;
  }

  /** Stage {@code k}'s first layer. */
  public int from(int k) {
    return from[k];
  }

  /** Stage {@code k}'s end (exclusive). */
  public int to(int k) {
    return to[k];
  }

  /**
   * Parses {@code text} for a model of {@code layers} top-level layers.
   *
   * @throws IllegalArgumentException naming the first range that is malformed, leaves a gap,
   *     overlaps or runs past the last layer
   */
  public static Stages parse(String text, int layers) {
    String form =
        " (e.g. 0-3,4-7,8-: inclusive layer indices, in order, covering all " + layers + " layers)";
    String[] parts = text.trim().split(",", -1);
    int[] from = new int[parts.length];
    int[] to = new int[parts.length];
    int next = 0;
    for (int k = 0; k < parts.length; k++) {
      String p = parts[k].trim();
      int dash = p.indexOf('-');
      try {
        if (dash < 0) {
          from[k] = to[k] = Integer.parseInt(p); // a single layer
        } else {
          from[k] = Integer.parseInt(p.substring(0, dash).trim());
          String end = p.substring(dash + 1).trim();
          if (end.isEmpty() && k != parts.length - 1) {
            throw new IllegalArgumentException(
                "stages: only the last range may be open, not '" + p + "'" + form);
          }
          to[k] = end.isEmpty() ? layers - 1 : Integer.parseInt(end);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("stages: '" + p + "' is not a layer range" + form);
      }
      if (from[k] != next) {
        throw new IllegalArgumentException(
            "stages: range '" + p + "' starts at layer " + from[k] + ", expected " + next + form);
      }
      if (to[k] < from[k] || to[k] >= layers) {
        throw new IllegalArgumentException(
            "stages: range '" + p + "' is outside layers 0.." + (layers - 1) + form);
      }
      to[k]++;
      next = to[k];
    }
    if (next != layers) {
      throw new IllegalArgumentException(
          "stages: layers " + next + ".." + (layers - 1) + " are in no stage" + form);
    }
    return new Stages(from, to);
  }

  /** {@code n} stages of as equal a number of top-level layers as can be. */
  public static Stages even(int n, int layers) {
    if (n < 1 || n > layers) {
      throw new IllegalArgumentException(
          "cannot cut " + layers + " layers into " + n + " stages of at least one layer each");
    }
    int[] from = new int[n];
    int[] to = new int[n];
    for (int k = 0; k < n; k++) {
      from[k] = k * layers / n;
      to[k] = (k + 1) * layers / n;
    }
    return new Stages(from, to);
  }

  /** Stage {@code k}'s architecture: layers {@code [from, to)} of {@code model}. */
  public Architecture architecture(Architecture model, int k) {
    return Architecture.of(model.spec().stage(from[k], to[k]));
  }

  /** The top-level layer a tensor of the whole model belongs to. */
  public static int layerOf(String name) {
    int dot = name.indexOf('.');
    try {
      return Integer.parseInt(dot < 0 ? name : name.substring(0, dot));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("tensor '" + name + "' is not named by its layer index");
    }
  }

  /** Stage {@code k}'s tensors of the whole model, named as in the stage. */
  public List<Tensor> toStage(List<Tensor> model, int k) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : model) {
      int layer = layerOf(t.name());
      if (layer >= from[k] && layer < to[k]) {
        out.add(renamed(t, layer - from[k]));
      }
    }
    return out;
  }

  /** Stage {@code k}'s tensors named as in the whole model. */
  public List<Tensor> toModel(List<Tensor> stage, int k) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : stage) {
      out.add(renamed(t, layerOf(t.name()) + from[k]));
    }
    return out;
  }

  /** Stage {@code k}'s names of {@code names} of the whole model (others are left out). */
  public List<String> namesInStage(List<String> names, int k) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      int layer = layerOf(n);
      if (layer >= from[k] && layer < to[k]) {
        out.add((layer - from[k]) + n.substring(n.indexOf('.')));
      }
    }
    return out;
  }

  /**
   * The whole model from every stage's tensors (in stage order, named as in the stages): what the
   * coordinator records after a model-parallel training.
   */
  public List<Tensor> restack(List<List<Tensor>> stages) {
    if (stages.size() != count()) {
      throw new IllegalArgumentException(
          "restacking " + count() + " stages, got tensors of " + stages.size());
    }
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; k < count(); k++) {
      out.addAll(toModel(stages.get(k), k));
    }
    return out;
  }

  /**
   * Parses a STAGE manifest's {@link #LAYERS} value into {@code [from, to)}.
   *
   * @throws IllegalArgumentException if it is not {@code A-B} with {@code 0 <= A <= B}
   */
  public static int[] layers(String value) {
    String[] p = value == null ? new String[0] : value.split("-", -1);
    try {
      if (p.length == 2) {
        int a = Integer.parseInt(p[0]);
        int b = Integer.parseInt(p[1]);
        if (a >= 0 && b >= a) {
          return new int[] {a, b + 1};
        }
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw new IllegalArgumentException("stage layers '" + value + "' are not FROM-TO");
  }

  /**
   * Checks that {@code tensors} are exactly the tensors of layers {@code [from, to)} of {@code
   * arch}, named as in the whole model (in any order), with their shapes and types.
   *
   * @throws ModelFormatException naming the first difference
   */
  public static void checkLayers(Architecture arch, int from, int to, List<Tensor> tensors) {
    String where = "layers " + from + "-" + (to - 1) + " of " + arch.name();
    java.util.Map<String, Tensor> byName = new java.util.HashMap<>();
    tensors.forEach(t -> byName.put(t.name(), t));
    int wanted = 0;
    for (Architecture.TensorSpec w : arch.tensors()) {
      int layer = layerOf(w.name());
      if (layer < from || layer >= to) {
        continue;
      }
      wanted++;
      Tensor t = byName.get(w.name());
      if (t == null) {
        throw new ModelFormatException(where + " have " + w.name() + ", the stage has not");
      }
      if (w.dtype() != t.dtype() || !java.util.Arrays.equals(w.shape(), t.shape())) {
        throw new ModelFormatException(
            where
                + " have "
                + w.name()
                + " "
                + w.dtype()
                + java.util.Arrays.toString(w.shape())
                + ", the stage has "
                + t);
      }
    }
    if (wanted != tensors.size()) {
      throw new ModelFormatException(
          where + " have " + wanted + " tensors, the stage has " + tensors.size());
    }
  }

  private static Tensor renamed(Tensor t, int layer) {
    int dot = t.name().indexOf('.');
    return Tensor.of(layer + t.name().substring(dot), t.dtype(), t.shape(), t.data());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Stages s
        && java.util.Arrays.equals(from, s.from)
        && java.util.Arrays.equals(to, s.to);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(from) + java.util.Arrays.hashCode(to);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < count(); k++) {
      sb.append(k == 0 ? "" : ",").append(from[k]).append('-').append(to[k] - 1);
    }
    return sb.toString();
  }
}
