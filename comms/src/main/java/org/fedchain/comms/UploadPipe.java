package org.fedchain.comms;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import org.fedchain.core.store.BlobStore;

/**
 * Hands the data chunks of one {@code Put} from gRPC's callback thread to the thread that writes
 * them through {@code BlobStore.put(Chunks, expected)}. Memory stays bounded because the service
 * asks gRPC for one more message only when the writer has taken one (see {@code requestOne}). A
 * stream that ends short of the announced size, or is cancelled, makes {@link #next} throw, so the
 * store drops its temp file.
 */
final class UploadPipe implements BlobStore.Chunks {
  private static final Object END = new Object();
  private static final Object ABORT = new Object();

  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final long announced;
  private final Runnable requestOne;
  private long consumed;
  private boolean ended;

  UploadPipe(long announced, Runnable requestOne) {
    this.announced = announced;
    this.requestOne = requestOne;
  }

  /** The stream was cut short of the announced size. */
  static final class TruncatedException extends IOException {
    private static final long serialVersionUID = 1L;
    final long received;

    TruncatedException(long received, long announced) {
      super("the stream ended after " + received + " of " + announced + " announced bytes");
      this.received = received;
    }
  }

  /** The call was cancelled or failed; the writer must give up. */
  static final class AbortedException extends IOException {
    private static final long serialVersionUID = 1L;

    AbortedException() {
      super("the upload was cancelled");
    }
  }

  void offer(ByteString data) {
    queue.add(data);
  }

  void finish() {
    queue.add(END);
  }

  void abort() {
    queue.add(ABORT);
  }

  /** The next chunk's bytes as gRPC parsed them (no copy), or null at the announced end. */
  @Override
  public ByteBuffer next() throws IOException {
    if (ended) {
      return null;
    }
    Object o;
    try {
      o = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for upload data");
    }
    if (o == ABORT) {
      throw new AbortedException();
    }
    if (o == END) {
      if (consumed != announced) {
        throw new TruncatedException(consumed, announced);
      }
      ended = true;
      return null;
    }
    ByteBuffer chunk = ((ByteString) o).asReadOnlyByteBuffer();
    consumed += chunk.remaining();
    requestOne.run();
    return chunk;
  }
}
