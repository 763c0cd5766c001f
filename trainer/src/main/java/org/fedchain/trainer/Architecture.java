package org.fedchain.trainer;

import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.fedchain.core.model.DType;
import org.fedchain.core.model.Tensor;

/**
 * A network built from a {@link ModelSpec}: its parameter tensors, named as PyTorch's {@code
 * state_dict()} names them for the equivalent module, and the DJL block that computes it.
 *
 * <p>{@link #id} is the spec's hash, which manifests record; {@link #name} is its label for people.
 * Built-in architectures are found with {@link Architectures#get}, any other from its spec.
 */
public final class Architecture {
  private final ModelSpec spec;
  private final List<Layer.Param> params;
  private final List<TensorSpec> tensors;

  /** The name, dtype and shape of one parameter tensor. */
  public record TensorSpec(String name, DType dtype, long[] shape) {
    public TensorSpec {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }

  private Architecture(ModelSpec spec) {
    this.spec = spec;
    this.params = spec.layers().params(spec.input());
    List<TensorSpec> specs = new ArrayList<>();
    for (Layer.Param p : params) {
      specs.add(new TensorSpec(p.name(), p.dtype(), p.shape()));
    }
    this.tensors = List.copyOf(specs);
  }

  /** The network a spec describes. */
  public static Architecture of(ModelSpec spec) {
    return new Architecture(spec);
  }

  public ModelSpec spec() {
    return spec;
  }

  /** The spec's hash in hex: what manifests and joins name the architecture by. */
  public String id() {
    return spec.hash().hex();
  }

  /** The spec's label ({@code fmnist-cnn/1}), else its short hash: for people. */
  public String name() {
    return spec.name().orElse("spec " + id().substring(0, 12));
  }

  public String description() {
    return spec.description().orElse("");
  }

  /** One sample's input shape, without the batch axis (e.g. [1, 28, 28]). */
  public long[] inputShape() {
    return spec.input();
  }

  /** The size of the output's last axis: classes (logits) or regression targets. */
  public int outputs() {
    return Math.toIntExact(spec.output());
  }

  /** The shape of one sample's output (e.g. [10]; [time, 1] for a whole-sequence model). */
  public long[] outputShape() {
    return spec.layers().out(spec.input());
  }

  /** The parameter tensors, in layer order. */
  public List<TensorSpec> tensors() {
    return tensors;
  }

  /** Total number of parameters. */
  public long parameterCount() {
    long n = 0;
    for (TensorSpec t : tensors) {
      long e = 1;
      for (long d : t.shape) {
        e *= d;
      }
      n += e;
    }
    return n;
  }

  /**
   * The equivalent PyTorch model, as Python source: an {@code nn.Sequential} whose recurrent layers
   * are {@code LSTM}/{@code GRU} classes that return the output sequence (or its last step).
   */
  public String pytorchSource() {
    StringBuilder sb = new StringBuilder("nn.Sequential(\n");
    long[] s = spec.input();
    List<Layer> layers = spec.layers().layers();
    for (int i = 0; i < layers.size(); i++) {
      sb.append("    ").append(layers.get(i).pytorch(s)).append(",  # ").append(i).append('\n');
      s = layers.get(i).out(s);
    }
    return sb.append(')').toString();
  }

  /**
   * One line per top-level layer: its index, its {@code torch.nn} equivalent and the shape of one
   * sample after it, e.g. {@code "3 nn.Conv2d(6, 16, 5) -> [16, 8, 8]"}.
   */
  public List<String> layerSummary() {
    List<String> out = new ArrayList<>();
    long[] s = spec.input();
    List<Layer> layers = spec.layers().layers();
    for (int i = 0; i < layers.size(); i++) {
      String torch = layers.get(i).pytorch(s);
      s = layers.get(i).out(s);
      out.add(String.format("%-3d %-44s -> %s", i, torch, Arrays.toString(s)));
    }
    return out;
  }

  /** How fresh parameters are drawn. */
  public enum Init {
    /**
     * Weights uniform in +-sqrt(6/fan_in) (PyTorch's {@code kaiming_uniform_(w,
     * nonlinearity="relu")}), zero biases: our default, it trains the CNN markedly faster in the
     * first epoch than PyTorch's default.
     */
    KAIMING,
    /**
     * PyTorch's default for {@code nn.Linear} and {@code nn.Conv2d}: weights and biases uniform in
     * +-1/sqrt(fan_in), what baselines written in PyTorch (NIID-Bench) start from.
     */
    PYTORCH;

    /** The scheme named {@code name} (any case), or a clear error naming the choices. */
    public static Init parse(String name) {
      for (Init i : values()) {
        if (i.name().equalsIgnoreCase(name)) {
          return i;
        }
      }
      throw new IllegalArgumentException(
          "unknown initialisation '" + name + "'; expected kaiming or pytorch");
    }
  }

  /** {@link #initialTensors(long, Init)} with {@link Init#KAIMING}. */
  public List<Tensor> initialTensors(long seed) {
    return initialTensors(seed, Init.KAIMING);
  }

  /**
   * Fresh parameters from a seed, drawn as {@code init} says for weights and biases (recurrent
   * layers always as PyTorch does, batch norm at ones and zeros). The values come from {@link
   * Random}, so the same seed gives the same genesis model on every machine, independent of
   * libtorch.
   */
  public List<Tensor> initialTensors(long seed, Init init) {
    Random rng = new Random(seed);
    List<Tensor> out = new ArrayList<>();
    for (Layer.Param p : params) {
      long n = 1;
      for (long d : p.shape()) {
        n *= d;
      }
      if (p.dtype() == DType.I64) { // a counter (num_batches_tracked): zero
        out.add(Tensor.of(p.name(), DType.I64, p.shape(), new byte[Math.toIntExact(8 * n)]));
        continue;
      }
      float[] v = new float[Math.toIntExact(n)];
      switch (p.init()) {
        case WEIGHT, BIAS, UNIFORM -> {
          boolean draw = p.init() != Layer.Init.BIAS || init == Init.PYTORCH;
          if (draw) {
            double bound =
                p.init() == Layer.Init.UNIFORM || init == Init.PYTORCH
                    ? 1 / Math.sqrt(p.fanIn())
                    : Math.sqrt(6.0 / p.fanIn());
            for (int k = 0; k < v.length; k++) {
              v[k] = (2 * rng.nextFloat() - 1) * (float) bound;
            }
          }
        }
        case ONES -> Arrays.fill(v, 1f);
        case ZEROS -> {}
        case NORMAL -> {
          for (int k = 0; k < v.length; k++) {
            v[k] = (float) rng.nextGaussian();
          }
        }
      }
      out.add(Tensor.ofFloats(p.name(), p.shape(), v));
    }
    return List.copyOf(out);
  }

  /** The parameters with their homes in the DJL block. */
  List<Layer.Param> params() {
    return params;
  }

  /** A new, uninitialised DJL block; child {@code i} is layer {@code i}. */
  SequentialBlock newBlock() {
    return (SequentialBlock) spec.layers().block(spec.input());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Architecture a && spec.equals(a.spec);
  }

  @Override
  public int hashCode() {
    return spec.hashCode();
  }

  @Override
  public String toString() {
    return name();
  }
}
