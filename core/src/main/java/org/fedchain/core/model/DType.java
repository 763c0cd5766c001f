package org.fedchain.core.model;

/** Tensor element types of the safetensors format, with their size in bytes. */
public enum DType {
  BOOL(1),
  U8(1),
  I8(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  I64(8),
  U64(8),
  F64(8);

  private final int size;

  DType(int size) {
    this.size = size;
  }

  public int size() {
    return size;
  }

  /** Looks up a dtype by its safetensors name; the error lists the names we know. */
  public static DType parse(String name) {
    for (DType d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown dtype '" + name + "' (known: " + java.util.Arrays.toString(values()) + ")");
  }
}
