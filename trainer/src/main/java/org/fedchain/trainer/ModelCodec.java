package org.fedchain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.SafeTensors;
import org.fedchain.core.model.Tensor;

/**
 * Converts between a model's parameters and FedChain's canonical safetensors file.
 *
 * <p>Names and layouts are PyTorch's (tensor {@code i.weight} belongs to layer {@code i} of the
 * {@code nn.Sequential}; Linear weights are [out, in], Conv2d weights [out, in, kh, kw]), which are
 * also DJL's layouts, so no transposition happens. Loading checks that the tensors are exactly the
 * architecture's: every expected name present with its dtype and shape, nothing else.
 *
 * <pre>{@code
 * byte[] file = ModelCodec.write(tensors);          // canonical bytes; SHA-256 = model hash
 * List<Tensor> back = ModelCodec.read(arch, file);  // checked against the architecture
 * }</pre>
 */
public final class ModelCodec {
  private ModelCodec() {}

  /**
   * Why a model cannot be trained on or aggregated: its first tensor holding a NaN or an infinity
   * ("tensor fc.weight holds NaN or infinite values"), or empty when every value is finite.
   */
  public static java.util.Optional<String> nonFinite(List<Tensor> tensors) {
    return tensors.stream()
        .filter(t -> !t.isFinite())
        .findFirst()
        .map(t -> "tensor " + t.name() + " holds NaN or infinite values");
  }

  /** The canonical safetensors bytes of these tensors. */
  public static byte[] write(List<Tensor> tensors) {
    return SafeTensors.write(tensors);
  }

  /**
   * Reads a canonical model file and checks it against the architecture.
   *
   * @throws ModelFormatException if the file is not canonical or its tensors do not fit
   */
  public static List<Tensor> read(Architecture arch, byte[] file) {
    List<Tensor> tensors = SafeTensors.read(file, SafeTensors.Form.CANONICAL);
    check(arch, tensors);
    return tensors;
  }

  /**
   * Checks that the tensors are exactly those of the architecture.
   *
   * @throws ModelFormatException naming the first missing, extra or mis-shaped tensor
   */
  public static void check(Architecture arch, List<Tensor> tensors) {
    Map<String, Tensor> byName = new HashMap<>();
    for (Tensor t : tensors) {
      if (byName.put(t.name(), t) != null) {
        throw new ModelFormatException("duplicate tensor '" + t.name() + "'");
      }
    }
    for (Architecture.TensorSpec spec : arch.tensors()) {
      Tensor t = byName.remove(spec.name());
      if (t == null) {
        throw new ModelFormatException(
            "tensor '"
                + spec.name()
                + "' of "
                + arch.name()
                + " is missing (expected "
                + describe(spec)
                + ")");
      }
      if (t.dtype() != spec.dtype()) {
        throw new ModelFormatException(
            "tensor '"
                + spec.name()
                + "' is "
                + t.dtype()
                + ", "
                + arch.name()
                + " expects "
                + spec.dtype());
      }
      if (!Arrays.equals(t.shape(), spec.shape())) {
        throw new ModelFormatException(
            "tensor '"
                + spec.name()
                + "' has shape "
                + Arrays.toString(t.shape())
                + ", "
                + arch.name()
                + " expects "
                + Arrays.toString(spec.shape()));
      }
    }
    if (!byName.isEmpty()) {
      List<String> extra = new ArrayList<>(byName.keySet());
      extra.sort(SafeTensors.NAME_ORDER);
      List<String> known = new ArrayList<>();
      arch.tensors().forEach(s -> known.add(s.name()));
      throw new ModelFormatException(
          "unexpected tensor '" + extra.get(0) + "' (" + arch.name() + " has only " + known + ")");
    }
  }

  private static String describe(Architecture.TensorSpec spec) {
    return spec.dtype() + Arrays.toString(spec.shape());
  }

  /**
   * A DJL block of the architecture whose parameters will be initialised to these tensors when the
   * block (or a trainer over it) is initialised. The tensors are checked first.
   */
  static SequentialBlock block(Architecture arch, List<Tensor> tensors) {
    check(arch, tensors);
    Map<String, Tensor> byName = new HashMap<>();
    tensors.forEach(t -> byName.put(t.name(), t));
    SequentialBlock block = arch.newBlock();
    for (Layer.Param p : arch.params()) {
      if (p.djl() == null) {
        continue; // kept by PyTorch only (num_batches_tracked): carried over unchanged
      }
      Tensor t = byName.get(p.name());
      float[] values = t.floats();
      long[] expected = t.shape();
      String name = p.name();
      parameter(block, p, arch)
          .setInitializer(
              (manager, shape, dataType) -> {
                if (!Arrays.equals(shape.getShape(), expected) || dataType != DataType.FLOAT32) {
                  throw new ModelFormatException(
                      "DJL infers "
                          + dataType
                          + shape
                          + " for '"
                          + name
                          + "', the model has F32"
                          + Arrays.toString(expected));
                }
                return manager.create(values, new Shape(expected));
              });
    }
    return block;
  }

  /**
   * Stops gradients to the named tensors, so the optimizer leaves them exactly as they are.
   *
   * @throws IllegalArgumentException naming a tensor the architecture does not have
   */
  static void freeze(Architecture arch, Block block, List<String> names) {
    java.util.Set<String> left = new java.util.TreeSet<>(names);
    for (Layer.Param p : arch.params()) {
      if (left.remove(p.name()) && p.djl() != null) {
        parameter(block, p, arch).freeze(true);
      }
    }
    if (!left.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot freeze " + left + ": " + arch.name() + " has no such tensors");
    }
  }

  /** The DJL parameter that holds {@code p}, found by its path of child indices. */
  private static Parameter parameter(Block root, Layer.Param p, Architecture arch) {
    Block b = root;
    for (int i : p.path()) {
      b = b.getChildren().valueAt(i);
    }
    Parameter found = b.getParameters().get(p.djl());
    if (found == null) {
      throw new IllegalStateException(
          "DJL block of "
              + arch.name()
              + " has no parameter '"
              + p.djl()
              + "' for '"
              + p.name()
              + "' (it has "
              + b.getParameters().keys()
              + ")");
    }
    return found;
  }

  /**
   * The current parameter values of an initialised block, named as PyTorch names them; tensors DJL
   * does not keep are taken from {@code start}, the tensors the block was built from.
   */
  static List<Tensor> extract(Architecture arch, Block block, List<Tensor> start) {
    Map<String, Tensor> carried = new HashMap<>();
    start.forEach(t -> carried.put(t.name(), t));
    List<Tensor> out = new ArrayList<>();
    for (Layer.Param p : arch.params()) {
      if (p.djl() == null) {
        out.add(carried.get(p.name()));
        continue;
      }
      NDArray a = parameter(block, p, arch).getArray();
      out.add(Tensor.ofFloats(p.name(), a.getShape().getShape(), a.toFloatArray()));
    }
    check(arch, out);
    return List.copyOf(out);
  }
}
