package org.fedchain.core.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.fedchain.core.Hash32;

/**
 * One named tensor: dtype, shape and little-endian data. Arrays are copied in and out; the shape
 * must match the data size.
 */
public final class Tensor {
  private final String name;
  private final DType dtype;
  private final long[] shape;
  private final byte[] data;

  private Tensor(String name, DType dtype, long[] shape, byte[] data) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }

  public static Tensor of(String name, DType dtype, long[] shape, byte[] data) {
    check(name, dtype, shape, data.length);
    return new Tensor(name, dtype, shape.clone(), data.clone());
  }

  /** A float32 tensor from Java floats. */
  public static Tensor ofFloats(String name, long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    check(name, DType.F32, shape, b.capacity());
    return new Tensor(name, DType.F32, shape.clone(), b.array());
  }

  /** Trusted constructor for the reader, which has already checked and owns the arrays. */
  static Tensor wrap(String name, DType dtype, long[] shape, byte[] data) {
    return new Tensor(name, dtype, shape, data);
  }

  static void check(String name, DType dtype, long[] shape, long byteSize) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("tensor name is empty");
    }
    long n = elementCount(name, shape);
    if (Math.multiplyExact(n, (long) dtype.size()) != byteSize) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "': shape "
              + Arrays.toString(shape)
              + " of "
              + dtype
              + " needs "
              + n * dtype.size()
              + " bytes, data has "
              + byteSize);
    }
  }

  static long elementCount(String name, long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public String name() {
    return name;
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public byte[] data() {
    return data.clone();
  }

  public int byteSize() {
    return data.length;
  }

  public long elementCount() {
    return elementCount(name, shape);
  }

  /** The values of a float32 tensor. */
  public float[] floats() {
    if (dtype != DType.F32) {
      throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not F32");
    }
    float[] out = new float[data.length / 4];
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /**
   * Whether every value is a finite number: false if a floating-point tensor holds a NaN or an
   * infinity (integer tensors always are). A model with such a value is never a sound update.
   */
  public boolean isFinite() {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> {
        for (int i = 0; i < data.length; i += 4) {
          if (!Float.isFinite(b.getFloat(i))) {
            return false;
          }
        }
      }
      case F64 -> {
        for (int i = 0; i < data.length; i += 8) {
          if (!Double.isFinite(b.getDouble(i))) {
            return false;
          }
        }
      }
      case F16, BF16 -> {
        // all exponent bits set (5 in half precision, 8 in bfloat16) is an infinity or a NaN
        int mask = dtype == DType.F16 ? 0x7C00 : 0x7F80;
        for (int i = 0; i < data.length; i += 2) {
          if ((b.getShort(i) & mask) == mask) {
            return false;
          }
        }
      }
      default -> {}
    }
    return true;
  }

  /** SHA-256 of the raw data bytes, as listed per tensor in the manifest. */
  public Hash32 sha256() {
    return Hash32.sha256(data);
  }

  /** Writes the data bytes to a buffer without copying them first. */
  void writeTo(ByteBuffer out) {
    out.put(data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return name + ":" + dtype + Arrays.toString(shape);
  }
}
