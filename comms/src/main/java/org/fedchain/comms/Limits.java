package org.fedchain.comms;

/** Defaults and checks shared by the server and client builders. */
final class Limits {
  /**
   * Data bytes per streamed chunk; on loopback 512 KiB and 1 MiB were no faster once the JIT had
   * warmed up (within the noise), and 32 chunks of 256 KiB fill the flow-control window.
   */
  static final int DEFAULT_CHUNK_BYTES = 256 << 10;

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

  /**
   * Chunks a sender may have queued in the transport (and a receiver may request ahead) before it
   * waits: 32 x 256 KiB = the 8 MiB flow-control window. Each wait is a thread hand-off, and on a
   * busy 2-core machine those hand-offs, not the bytes, limited throughput (4 chunks: TLS 0.45x of
   * raw TCP; 32: 0.64x, same run conditions).
   */
  static final int READY_AHEAD_CHUNKS = 32;

  private Limits() {}

  /** The onReady threshold for a sender of {@code chunkBytes} chunks (bounded memory per call). */
  static int readyAheadBytes(int chunkBytes) {
    return (int) Math.min(Integer.MAX_VALUE / 2, (long) chunkBytes * READY_AHEAD_CHUNKS);
  }

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
