package org.fedchain.comms;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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

  /** The next chunk's bytes as gRPC parsed them, or null at the announced end. */
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
    ByteBuffer chunk = view((ByteString) o);
    consumed += chunk.remaining();
    requestOne.run();
    return chunk;
  }

  /**
   * The chunk's own bytes, not a copy, for the store to read (never write). {@code
   * asReadOnlyByteBuffer} would do for the file write, but MessageDigest copies a read-only buffer
   * again before hashing it; an array-backed view it hashes in place.
   */
  private static ByteBuffer view(ByteString data) throws IOException {
    List<ByteBuffer> pieces = new ArrayList<>(1);
    UnsafeByteOperations.unsafeWriteTo(
        data,
        new ByteOutput() {
          @Override
          public void write(byte value) {
            pieces.add(ByteBuffer.wrap(new byte[] {value}));
          }

          @Override
          public void write(byte[] value, int offset, int length) {
            pieces.add(ByteBuffer.wrap(value, offset, length));
          }

          @Override
          public void writeLazy(byte[] value, int offset, int length) {
            pieces.add(ByteBuffer.wrap(value, offset, length));
          }

          @Override
          public void write(ByteBuffer value) {
            pieces.add(value.duplicate());
          }

          @Override
          public void writeLazy(ByteBuffer value) {
            pieces.add(value.duplicate());
          }
        });
    // a rope of several pieces (not what gRPC parses a chunk into): one buffer, copied
    return pieces.size() == 1 ? pieces.get(0) : data.asReadOnlyByteBuffer();
  }
}
