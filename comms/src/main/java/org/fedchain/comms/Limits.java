package org.fedchain.comms;

/** Defaults and checks shared by the server and client builders. */
final class Limits {
  /** Data bytes per streamed chunk. */
  static final int DEFAULT_CHUNK_BYTES = 1 << 20;

  /** Largest gRPC message accepted: one chunk plus room for the framing. */
  static final int DEFAULT_MAX_MESSAGE_BYTES = 2 << 20;

  /** Largest blob (model file, manifest) accepted. */
  static final long DEFAULT_MAX_BLOB_BYTES = 2L << 30;

  /**
   * HTTP/2 flow-control window per stream; larger than Netty's 1 MiB so loopback is not starved.
   */
  static final int DEFAULT_FLOW_CONTROL_WINDOW = 8 << 20;

  /** Bytes a message needs beyond its chunk's data (field tags, lengths). */
  static final int MESSAGE_OVERHEAD = 64;

  private Limits() {}

  static int positive(String what, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + value);
    }
    return value;
  }

  static long positive(String what, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + value);
    }
    return value;
  }

  static void checkChunkFits(int chunkBytes, int maxMessageBytes) {
    if ((long) chunkBytes + MESSAGE_OVERHEAD > maxMessageBytes) {
      throw new IllegalStateException(
          "chunkBytes "
              + chunkBytes
              + " does not fit in maxMessageBytes "
              + maxMessageBytes
              + " (a chunk needs "
              + MESSAGE_OVERHEAD
              + " bytes of framing): lower chunkBytes or raise maxMessageBytes");
    }
  }
}
