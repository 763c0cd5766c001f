package org.fedchain.trainer;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * One layer of a sequential architecture, mirrored one to one by a {@code torch.nn} module and a
 * DJL block, so that the position of a layer is its index in {@code torch.nn.Sequential}.
 */
sealed interface Layer {
  /** The DJL block computing this layer. */
  Block block();

  /** The layer as a {@code torch.nn} constructor call. */
  String pytorch();

  /** Parameter names (as PyTorch and DJL both call them) with PyTorch shapes; empty if none. */
  default List<Param> params() {
    return List.of();
  }

  /** A parameter and the fan-in of its layer, which sets the initialisation bound. */
  record Param(String name, long[] shape, long fanIn) {}

  /** {@code nn.Linear(in, out)}: weight [out, in], bias [out]. */
  record Dense(int in, int out) implements Layer {
    @Override
    public Block block() {
      return Linear.builder().setUnits(out).build();
    }

    @Override
    public String pytorch() {
      return "nn.Linear(" + in + ", " + out + ")";
    }

    @Override
    public List<Param> params() {
      return List.of(
          new Param("weight", new long[] {out, in}, in), new Param("bias", new long[] {out}, in));
    }
  }

  /** {@code nn.Conv2d(in, out, k)}, stride 1, no padding: weight [out, in, k, k], bias [out]. */
  record Conv(int in, int out, int kernel) implements Layer {
    @Override
    public Block block() {
      return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).setFilters(out).build();
    }

    @Override
    public String pytorch() {
      return "nn.Conv2d(" + in + ", " + out + ", " + kernel + ")";
    }

    @Override
    public List<Param> params() {
      long fanIn = (long) in * kernel * kernel;
      return List.of(
          new Param("weight", new long[] {out, in, kernel, kernel}, fanIn),
          new Param("bias", new long[] {out}, fanIn));
    }
  }

  /** {@code nn.ReLU()}. */
  record Relu() implements Layer {
    @Override
    public Block block() {
      return Activation.reluBlock();
    }

    @Override
    public String pytorch() {
      return "nn.ReLU()";
    }
  }

  /** {@code nn.MaxPool2d(k)}: stride k, no padding. */
  record MaxPool(int kernel) implements Layer {
    @Override
    public Block block() {
      return Pool.maxPool2dBlock(new Shape(kernel, kernel));
    }

    @Override
    public String pytorch() {
      return "nn.MaxPool2d(" + kernel + ")";
    }
  }

  /** {@code nn.Flatten()}: [N, C, H, W] to [N, C*H*W] in C, H, W order. */
  record Flatten() implements Layer {
    @Override
    public Block block() {
      return Blocks.batchFlattenBlock();
    }

    @Override
    public String pytorch() {
      return "nn.Flatten()";
    }
  }
}
