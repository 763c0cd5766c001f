package org.fedchain.comms;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Hands the data chunks of one {@code Put} from gRPC's callback thread to the thread that writes
 * them through {@code BlobStore.put(InputStream, expected)}. Memory stays bounded because the
 * service asks gRPC for one more message only when the writer has taken one (see {@code
 * requestOne}). A stream that ends short of the announced size, or is cancelled, makes {@link
 * #read} throw, so the store drops its temp file.
 */
final class UploadPipe extends InputStream {
  private static final Object END = new Object();
  private static final Object ABORT = new Object();

  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final long announced;
  private final Runnable requestOne;
  private ByteBuffer current;
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

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (current == null || !current.hasRemaining()) {
      if (ended) {
        return -1;
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
        return -1;
      }
      current = ((ByteString) o).asReadOnlyByteBuffer();
      requestOne.run();
    }
    int n = Math.min(len, current.remaining());
    current.get(b, off, n);
    consumed += n;
    return n;
  }
}
