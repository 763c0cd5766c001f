package org.fedchain.trainer;

import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fedchain.core.model.DType;
import org.fedchain.core.model.Tensor;

/**
 * A named, versioned model architecture: a sequence of layers whose parameter tensors are named as
 * PyTorch's {@code state_dict()} names them for the same {@code torch.nn.Sequential}.
 *
 * <p>The id is what a manifest records; a changed layer list gets a new version, never the same id.
 * Obtain one from {@link Architectures#get}.
 */
public final class Architecture {
  private final String id;
  private final String description;
  private final List<Layer> layers;
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

  Architecture(String id, String description, List<Layer> layers) {
    this.id = id;
    this.description = description;
    this.layers = List.copyOf(layers);
    List<TensorSpec> specs = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      for (Layer.Param p : layers.get(i).params()) {
        specs.add(new TensorSpec(i + "." + p.name(), DType.F32, p.shape()));
      }
    }
    this.tensors = List.copyOf(specs);
  }

  /** The versioned id, e.g. {@code fmnist-cnn/1}. */
  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /** Input shape of one sample: [channels, height, width] = [1, 28, 28]. */
  public long[] inputShape() {
    return new long[] {1, 28, 28};
  }

  /** Number of output classes (logits). */
  public int outputs() {
    return Samples.CLASSES;
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

  /** The equivalent PyTorch model, as Python source. */
  public String pytorchSource() {
    StringBuilder sb = new StringBuilder("nn.Sequential(\n");
    for (int i = 0; i < layers.size(); i++) {
      sb.append("    ").append(layers.get(i).pytorch()).append(",  # ").append(i).append('\n');
    }
    return sb.append(')').toString();
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
   * Fresh parameters from a seed, drawn as {@code init} says. The values come from {@link Random},
   * so the same seed gives the same genesis model on every machine, independent of libtorch.
   */
  public List<Tensor> initialTensors(long seed, Init init) {
    Random rng = new Random(seed);
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      for (Layer.Param p : layers.get(i).params()) {
        long n = 1;
        for (long d : p.shape()) {
          n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        if (p.name().equals("weight") || init == Init.PYTORCH) {
          float bound =
              (float)
                  (init == Init.PYTORCH ? 1 / Math.sqrt(p.fanIn()) : Math.sqrt(6.0 / p.fanIn()));
          for (int k = 0; k < v.length; k++) {
            v[k] = (2 * rng.nextFloat() - 1) * bound;
          }
        }
        out.add(Tensor.ofFloats(i + "." + p.name(), p.shape(), v));
      }
    }
    return List.copyOf(out);
  }

  List<Layer> layers() {
    return layers;
  }

  /** A new, uninitialised DJL block; child {@code i} is layer {@code i}. */
  SequentialBlock newBlock() {
    SequentialBlock block = new SequentialBlock();
    for (Layer l : layers) {
      block.add(l.block());
    }
    return block;
  }

  @Override
  public String toString() {
    return id;
  }
}
