package org.fedchain.trainer;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fedchain.core.model.DType;

/**
 * One layer of a {@link ModelSpec}, mirrored one to one by a {@code torch.nn} module and a DJL
 * block, so that a layer's position is its index in {@code torch.nn.Sequential} and its parameters
 * carry the names of that module's {@code state_dict()}. A layer's input size (channels, features)
 * is not written in the spec: it follows from the shape that reaches it.
 */
sealed interface Layer {
  /** The spec's name of this layer type, e.g. {@code conv2d}. */
  String type();

  /**
   * The shape of one sample after this layer, given the shape that reaches it (no batch axis).
   *
   * @throws IllegalArgumentException if the layer cannot take that shape
   */
  long[] out(long[] in);

  /** The DJL block computing this layer on input of shape {@code in}. */
  Block block(long[] in);

  /** The layer as a {@code torch.nn} constructor call. */
  String pytorch(long[] in);

  /** Parameters, named as PyTorch names them within the layer, with their DJL home. */
  default List<Param> params(long[] in) {
    return List.of();
  }

  /** The layer's fields with every default written out: what the spec's hash covers. */
  default ObjectNode json() {
    return JsonNodeFactory.instance.objectNode().put("type", type());
  }

  /** How a fresh parameter is drawn (see {@link Architecture#initialTensors}). */
  enum Init {
    /** A weight: uniform in a bound set by the fan-in and the initialisation scheme. */
    WEIGHT,
    /** A bias: zero with Kaiming, uniform in 1/sqrt(fan-in) with PyTorch's default. */
    BIAS,
    /** Uniform in 1/sqrt(fan-in) under either scheme (PyTorch's recurrent layers). */
    UNIFORM,
    ONES,
    ZEROS,
    /** Standard normal (PyTorch's embedding). */
    NORMAL
  }

  /**
   * One parameter tensor.
   *
   * @param name PyTorch's name within the layer ({@code weight}, {@code weight_ih_l0}, {@code
   *     0.bias} inside a nested sequential)
   * @param path child indices from the layer's DJL block to the block holding it
   * @param djl the DJL parameter's name there; null for a tensor DJL does not keep (BatchNorm's
   *     {@code num_batches_tracked}), which stays as initialised
   */
  record Param(
      String name, int[] path, String djl, DType dtype, long[] shape, long fanIn, Init init) {
    public Param {
      path = path.clone();
      shape = shape.clone();
    }

    Param under(int index) {
      int[] p = new int[path.length + 1];
      p[0] = index;
      System.arraycopy(path, 0, p, 1, path.length);
      return new Param(index + "." + name, p, djl, dtype, shape, fanIn, init);
    }
  }

  private static Param f32(String name, String djl, long fanIn, Init init, long... shape) {
    return new Param(name, new int[0], djl, DType.F32, shape, fanIn, init);
  }

  private static long product(long[] s, int from) {
    long n = 1;
    for (int i = from; i < s.length; i++) {
      n = Math.multiplyExact(n, s[i]);
    }
    return n;
  }

  private static void rank(String type, long[] in, int... ranks) {
    for (int r : ranks) {
      if (in.length == r) {
        return;
      }
    }
    throw new IllegalArgumentException(
        type + " takes input of rank " + Arrays.toString(ranks) + ", got " + Arrays.toString(in));
  }

  /** {@code floor((size + 2 padding - kernel) / stride) + 1}, refusing a window larger than it. */
  private static long slide(String type, long size, int kernel, int stride, int padding) {
    long span = size + 2L * padding - kernel;
    if (span < 0) {
      throw new IllegalArgumentException(
          type + " kernel " + kernel + " is larger than its input " + size + " (+ padding)");
    }
    return span / stride + 1;
  }

  /** {@code nn.Linear(in, out, bias)} on the last axis: weight [out, in], bias [out]. */
  record Dense(int units, boolean bias) implements Layer {
    public String type() {
      return "dense";
    }

    public long[] out(long[] in) {
      long[] o = in.clone();
      o[o.length - 1] = units;
      return o;
    }

    public Block block(long[] in) {
      return Linear.builder().setUnits(units).optBias(bias).build();
    }

    public String pytorch(long[] in) {
      return "nn.Linear(" + in[in.length - 1] + ", " + units + (bias ? "" : ", bias=False") + ")";
    }

    public List<Param> params(long[] in) {
      long fanIn = in[in.length - 1];
      Param w = f32("weight", "weight", fanIn, Init.WEIGHT, units, fanIn);
      return bias ? List.of(w, f32("bias", "bias", fanIn, Init.BIAS, units)) : List.of(w);
    }

    public ObjectNode json() {
      return Layer.super.json().put("out", units).put("bias", bias);
    }
  }

  /** {@code nn.Conv1d} / {@code nn.Conv2d} ({@code dims} 1 or 2): weight [out, in, k(, k)]. */
  record Conv(int dims, int filters, int kernel, int stride, int padding) implements Layer {
    public String type() {
      return "conv" + dims + "d";
    }

    public long[] out(long[] in) {
      rank(type(), in, dims + 1);
      long[] o = new long[dims + 1];
      o[0] = filters;
      for (int d = 1; d <= dims; d++) {
        o[d] = slide(type(), in[d], kernel, stride, padding);
      }
      return o;
    }

    public Block block(long[] in) {
      return dims == 1
          ? Conv1d.builder()
              .setKernelShape(new Shape(kernel))
              .optStride(new Shape(stride))
              .optPadding(new Shape(padding))
              .setFilters(filters)
              .build()
          : Conv2d.builder()
              .setKernelShape(new Shape(kernel, kernel))
              .optStride(new Shape(stride, stride))
              .optPadding(new Shape(padding, padding))
              .setFilters(filters)
              .build();
    }

    public String pytorch(long[] in) {
      return "nn.Conv"
          + dims
          + "d("
          + in[0]
          + ", "
          + filters
          + ", "
          + kernel
          + (stride != 1 ? ", stride=" + stride : "")
          + (padding != 0 ? ", padding=" + padding : "")
          + ")";
    }

    public List<Param> params(long[] in) {
      long fanIn = in[0] * (dims == 1 ? kernel : (long) kernel * kernel);
      long[] w =
          dims == 1
              ? new long[] {filters, in[0], kernel}
              : new long[] {filters, in[0], kernel, kernel};
      return List.of(
          f32("weight", "weight", fanIn, Init.WEIGHT, w),
          f32("bias", "bias", fanIn, Init.BIAS, filters));
    }

    public ObjectNode json() {
      return Layer.super
          .json()
          .put("out", filters)
          .put("kernel", kernel)
          .put("stride", stride)
          .put("padding", padding);
    }
  }

  /** {@code nn.MaxPool1d/2d} or {@code nn.AvgPool1d/2d}, no padding. */
  record PoolLayer(int dims, boolean max, int kernel, int stride) implements Layer {
    public String type() {
      return (max ? "maxpool" : "avgpool") + dims + "d";
    }

    public long[] out(long[] in) {
      rank(type(), in, dims + 1);
      long[] o = in.clone();
      for (int d = 1; d <= dims; d++) {
        o[d] = slide(type(), in[d], kernel, stride, 0);
      }
      return o;
    }

    public Block block(long[] in) {
      Shape k = dims == 1 ? new Shape(kernel) : new Shape(kernel, kernel);
      Shape s = dims == 1 ? new Shape(stride) : new Shape(stride, stride);
      Shape p = dims == 1 ? new Shape(0) : new Shape(0, 0);
      if (max) {
        return dims == 1 ? Pool.maxPool1dBlock(k, s, p) : Pool.maxPool2dBlock(k, s, p);
      }
      return dims == 1 ? Pool.avgPool1dBlock(k, s, p) : Pool.avgPool2dBlock(k, s, p);
    }

    public String pytorch(long[] in) {
      return "nn."
          + (max ? "Max" : "Avg")
          + "Pool"
          + dims
          + "d("
          + kernel
          + (stride != kernel ? ", stride=" + stride : "")
          + ")";
    }

    public ObjectNode json() {
      return Layer.super.json().put("kernel", kernel).put("stride", stride);
    }
  }

  /**
   * {@code nn.BatchNorm1d/2d} over axis 1 (channels): weight, bias, running_mean, running_var, and
   * PyTorch's {@code num_batches_tracked}, which DJL does not keep (it stays 0; PyTorch reads it
   * only when momentum is None).
   */
  record Norm(int dims, double eps, double momentum) implements Layer {
    public String type() {
      return "batchnorm" + dims + "d";
    }

    public long[] out(long[] in) {
      rank(type(), in, dims == 1 ? new int[] {1, 2} : new int[] {3});
      return in.clone();
    }

    public Block block(long[] in) {
      // DJL's momentum weighs the old running value, PyTorch's the new batch
      return BatchNorm.builder()
          .optEpsilon((float) eps)
          .optMomentum((float) (1 - momentum))
          .build();
    }

    public String pytorch(long[] in) {
      return "nn.BatchNorm" + dims + "d(" + in[0] + ", eps=" + eps + ", momentum=" + momentum + ")";
    }

    public List<Param> params(long[] in) {
      long c = in[0];
      return List.of(
          f32("weight", "gamma", c, Init.ONES, c),
          f32("bias", "beta", c, Init.ZEROS, c),
          f32("running_mean", "runningMean", c, Init.ZEROS, c),
          f32("running_var", "runningVar", c, Init.ONES, c),
          new Param(
              "num_batches_tracked", new int[0], null, DType.I64, new long[0], c, Init.ZEROS));
    }

    public ObjectNode json() {
      return Layer.super.json().put("eps", eps).put("momentum", momentum);
    }
  }

  /** {@code nn.Embedding(vocab, dim)} on token ids: [..., ] to [..., dim]; weight [vocab, dim]. */
  record Embed(int vocab, int dim) implements Layer {
    public String type() {
      return "embedding";
    }

    public long[] out(long[] in) {
      long[] o = java.util.Arrays.copyOf(in, in.length + 1);
      o[in.length] = dim;
      return o;
    }

    public Block block(long[] in) {
      return new EmbeddingBlock(vocab, dim);
    }

    public String pytorch(long[] in) {
      return "nn.Embedding(" + vocab + ", " + dim + ")";
    }

    public List<Param> params(long[] in) {
      return List.of(f32("weight", "weight", dim, Init.NORMAL, vocab, dim));
    }

    public ObjectNode json() {
      return Layer.super.json().put("vocab", vocab).put("dim", dim);
    }
  }

  /** {@code nn.Dropout(p)}: identity outside training. */
  record DropoutLayer(double p) implements Layer {
    public String type() {
      return "dropout";
    }

    public long[] out(long[] in) {
      return in.clone();
    }

    public Block block(long[] in) {
      return Dropout.builder().optRate((float) p).build();
    }

    public String pytorch(long[] in) {
      return "nn.Dropout(" + p + ")";
    }

    public ObjectNode json() {
      return Layer.super.json().put("p", p);
    }
  }

  /** {@code nn.Flatten()}: [N, ...] to [N, product], in row-major order. */
  record Flatten() implements Layer {
    public String type() {
      return "flatten";
    }

    public long[] out(long[] in) {
      return new long[] {product(in, 0)};
    }

    public Block block(long[] in) {
      return Blocks.batchFlattenBlock();
    }

    public String pytorch(long[] in) {
      return "nn.Flatten()";
    }
  }

  /**
   * The average over one axis of a sample, which goes away: on a spectrogram's [channels, time,
   * bands], {@code axis} 1 keeps what is said how, not when.
   */
  record Mean(int axis) implements Layer {
    public String type() {
      return "mean";
    }

    public long[] out(long[] in) {
      if (in.length < 2 || axis >= in.length) {
        throw new IllegalArgumentException(
            "mean over axis " + axis + " of a sample of shape " + java.util.Arrays.toString(in));
      }
      long[] o = new long[in.length - 1];
      for (int i = 0, j = 0; i < in.length; i++) {
        if (i != axis) {
          o[j++] = in[i];
        }
      }
      return o;
    }

    public Block block(long[] in) {
      int batchAxis = axis + 1;
      return new LambdaBlock(
          x -> new NDList(x.singletonOrThrow().mean(new int[] {batchAxis})), "mean");
    }

    public String pytorch(long[] in) {
      return "Mean(" + axis + ")";
    }

    public ObjectNode json() {
      return Layer.super.json().put("axis", axis);
    }
  }

  /** An element-wise activation: relu, tanh, sigmoid, gelu, leaky_relu. */
  record Act(String type, double slope) implements Layer {
    public long[] out(long[] in) {
      return in.clone();
    }

    public Block block(long[] in) {
      return switch (type) {
        case "relu" -> Activation.reluBlock();
        case "tanh" -> Activation.tanhBlock();
        case "sigmoid" -> Activation.sigmoidBlock();
        case "gelu" -> Activation.geluBlock();
        case "leaky_relu" -> Activation.leakyReluBlock((float) slope);
        default -> throw new IllegalStateException(type);
      };
    }

    public String pytorch(long[] in) {
      return switch (type) {
        case "relu" -> "nn.ReLU()";
        case "tanh" -> "nn.Tanh()";
        case "sigmoid" -> "nn.Sigmoid()";
        case "gelu" -> "nn.GELU()";
        case "leaky_relu" -> "nn.LeakyReLU(" + slope + ")";
        default -> throw new IllegalStateException(type);
      };
    }

    public ObjectNode json() {
      ObjectNode o = Layer.super.json();
      return type.equals("leaky_relu") ? o.put("slope", slope) : o;
    }
  }

  /**
   * {@code nn.LSTM} or {@code nn.GRU}, batch first, on input [time, features]: the whole output
   * sequence [time, hidden], or with {@code last} only its last step [hidden].
   */
  record Recurrent(boolean lstm, int hidden, int layers, boolean last) implements Layer {
    public String type() {
      return lstm ? "lstm" : "gru";
    }

    public long[] out(long[] in) {
      rank(type(), in, 2);
      return last ? new long[] {hidden} : new long[] {in[0], hidden};
    }

    public Block block(long[] in) {
      Block rnn =
          lstm
              ? LSTM.builder()
                  .setStateSize(hidden)
                  .setNumLayers(layers)
                  .optBatchFirst(true)
                  .optReturnState(false)
                  .build()
              : GRU.builder()
                  .setStateSize(hidden)
                  .setNumLayers(layers)
                  .optBatchFirst(true)
                  .optReturnState(false)
                  .build();
      if (!last) {
        return rnn;
      }
      return new SequentialBlock()
          .add(rnn)
          .add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().get(":, -1, :")), "lastStep"));
    }

    public String pytorch(long[] in) {
      return (lstm ? "LSTM" : "GRU")
          + "("
          + in[1]
          + ", "
          + hidden
          + ", num_layers="
          + layers
          + ", last="
          + (last ? "True" : "False")
          + ")";
    }

    public List<Param> params(long[] in) {
      long gates = (lstm ? 4L : 3L) * hidden;
      int[] path = last ? new int[] {0} : new int[0];
      List<Param> out = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        long inputs = l == 0 ? in[1] : hidden;
        String p = "l_" + l + "_";
        out.add(param("weight_ih_l" + l, path, p + "i2h_WEIGHT", gates, inputs));
        out.add(param("weight_hh_l" + l, path, p + "h2h_WEIGHT", gates, hidden));
        out.add(param("bias_ih_l" + l, path, p + "i2h_BIAS", gates));
        out.add(param("bias_hh_l" + l, path, p + "h2h_BIAS", gates));
      }
      return out;
    }

    private Param param(String name, int[] path, String djl, long... shape) {
      return new Param(name, path, djl, DType.F32, shape, hidden, Init.UNIFORM);
    }

    public ObjectNode json() {
      return Layer.super.json().put("hidden", hidden).put("layers", layers).put("last", last);
    }
  }

  /** {@code nn.Sequential(...)} nested: its layers' parameters are named {@code j.name}. */
  record Sequence(List<Layer> layers) implements Layer {
    public Sequence {
      layers = List.copyOf(layers);
    }

    public String type() {
      return "sequential";
    }

    public long[] out(long[] in) {
      long[] s = in;
      for (int i = 0; i < layers.size(); i++) {
        try {
          s = layers.get(i).out(s);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("layer " + i + ": " + e.getMessage(), e);
        }
      }
      return s;
    }

    public Block block(long[] in) {
      SequentialBlock b = new SequentialBlock();
      long[] s = in;
      for (Layer l : layers) {
        b.add(l.block(s));
        s = l.out(s);
      }
      return b;
    }

    public String pytorch(long[] in) {
      StringBuilder sb = new StringBuilder("nn.Sequential(");
      long[] s = in;
      for (int i = 0; i < layers.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(layers.get(i).pytorch(s));
        s = layers.get(i).out(s);
      }
      return sb.append(')').toString();
    }

    public List<Param> params(long[] in) {
      List<Param> out = new ArrayList<>();
      long[] s = in;
      for (int i = 0; i < layers.size(); i++) {
        for (Param p : layers.get(i).params(s)) {
          out.add(p.under(i));
        }
        s = layers.get(i).out(s);
      }
      return out;
    }

    public ObjectNode json() {
      ObjectNode o = Layer.super.json();
      var a = o.putArray("layers");
      layers.forEach(l -> a.add(l.json()));
      return o;
    }
  }
}
