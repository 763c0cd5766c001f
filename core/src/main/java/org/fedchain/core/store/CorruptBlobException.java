package org.fedchain.core.store;

import java.io.IOException;
import org.fedchain.core.Hash32;

/** Bytes that do not hash to the name they are stored or announced under. */
public final class CorruptBlobException extends IOException {
  private static final long serialVersionUID = 1L;
  private final transient Hash32 expected;
  private final transient Hash32 actual;

  public CorruptBlobException(Hash32 expected, Hash32 actual) {
    super("blob " + expected.hex() + " is corrupt: its bytes hash to " + actual.hex());
    this.expected = expected;
    this.actual = actual;
  }

  public Hash32 expected() {
    return expected;
  }

  public Hash32 actual() {
    return actual;
  }
}
