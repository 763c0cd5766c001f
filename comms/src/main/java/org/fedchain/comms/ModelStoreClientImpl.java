package org.fedchain.comms;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.ModelStoreException.Reason;
import org.fedchain.comms.v1.BlobHeader;
import org.fedchain.comms.v1.Chunk;
import org.fedchain.comms.v1.GetRequest;
import org.fedchain.comms.v1.HasRequest;
import org.fedchain.comms.v1.ModelStoreGrpc;
import org.fedchain.comms.v1.PutResult;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.core.store.CorruptBlobException;

final class ModelStoreClientImpl implements ModelStoreClient {
  private final BlobStore local;
  private final long callDeadlineNanos;
  private final long transferDeadlineNanos;
  private final int chunkBytes;
  private final int maxMessageBytes;
  private final long maxBlobBytes;

  ModelStoreClientImpl(ModelStoreClient.Builder b) {
    this.local = b.local;
    this.callDeadlineNanos = b.callDeadline.toNanos();
    this.transferDeadlineNanos = b.transferDeadline.toNanos();
    this.chunkBytes = b.chunkBytes;
    this.maxMessageBytes = b.maxMessageBytes;
    this.maxBlobBytes = b.maxBlobBytes;
  }

  private static ByteString bytes(Hash32 h) {
    return UnsafeByteOperations.unsafeWrap(h.toBytes());
  }

  @Override
  public boolean has(Channel peer, Hash32 hash) throws ModelStoreException {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(hash, "hash");
    try {
      return ModelStoreGrpc.newBlockingStub(peer)
          .withMaxInboundMessageSize(maxMessageBytes)
          .withDeadlineAfter(callDeadlineNanos, TimeUnit.NANOSECONDS)
          .has(HasRequest.newBuilder().setHash(bytes(hash)).build())
          .getPresent();
    } catch (StatusRuntimeException e) {
      throw fromStatus(hash, peer, "Has", e);
    }
  }

  @Override
  public Path fetch(Hash32 hash, List<? extends Channel> peers) throws FetchException {
    Objects.requireNonNull(hash, "hash");
    List<? extends Channel> tries = List.copyOf(peers);
    if (local.has(hash)) {
      return local.path(hash);
    }
    List<ModelStoreException> failures = new ArrayList<>();
    for (Channel peer : tries) {
      try {
        return fetchFrom(peer, hash);
      } catch (ModelStoreException e) {
        failures.add(e);
        if (e.reason() == Reason.CANCELLED) {
          break; // interrupted: do not go on to the next peer
        }
      }
    }
    throw new FetchException(hash, failures);
  }

  private Path fetchFrom(Channel peer, Hash32 hash) throws ModelStoreException {
    Context.CancellableContext ctx = Context.current().withCancellation();
    Context previous = ctx.attach();
    try {
      Iterator<Chunk> stream =
          ModelStoreGrpc.newBlockingStub(peer)
              .withMaxInboundMessageSize(maxMessageBytes)
              .withDeadlineAfter(transferDeadlineNanos, TimeUnit.NANOSECONDS)
              .get(GetRequest.newBuilder().setHash(bytes(hash)).build());
      if (!stream.hasNext()) {
        throw failure(hash, peer, Reason.TRUNCATED, "the peer closed the stream without a header");
      }
      Chunk first = stream.next();
      if (!first.hasHeader()) {
        throw failure(hash, peer, Reason.INVALID, "the peer's first message is not a header");
      }
      BlobHeader header = first.getHeader();
      if (!header.getHash().equals(bytes(hash))) {
        throw failure(hash, peer, Reason.CORRUPT, "the peer announced a different hash");
      }
      if (header.getSize() < 0 || header.getSize() > maxBlobBytes) {
        throw failure(
            hash,
            peer,
            Reason.TOO_LARGE,
            "the peer announced "
                + Long.toUnsignedString(header.getSize())
                + " bytes; this client accepts at most "
                + maxBlobBytes
                + " (maxBlobBytes)");
      }
      // BlobStore hashes while it writes and publishes only a matching blob
      local.put(new ChunkStream(stream, header.getSize()), hash);
      return local.path(hash);
    } catch (StatusRuntimeException e) {
      throw fromStatus(hash, peer, "Get", e);
    } catch (CorruptBlobException e) {
      throw failure(hash, peer, Reason.CORRUPT, "the peer's bytes hash to " + e.actual().hex(), e);
    } catch (ChunkStream.WrongLengthException e) {
      throw failure(hash, peer, Reason.TRUNCATED, e.getMessage(), e);
    } catch (ModelStoreException e) {
      throw e;
    } catch (IOException e) {
      throw failure(hash, peer, Reason.OTHER, "cannot store it locally: " + e.getMessage(), e);
    } finally {
      ctx.detach(previous);
      ctx.cancel(null); // stops the stream if we gave up part-way
    }
  }

  /** The data chunks of a Get as bytes; fails if they add up to anything but the announced size. */
  static final class ChunkStream extends InputStream {
    private final Iterator<Chunk> chunks;
    private final long announced;
    private ByteBuffer current;
    private long received;

    static final class WrongLengthException extends IOException {
      private static final long serialVersionUID = 1L;

      WrongLengthException(String message) {
        super(message);
      }
    }

    ChunkStream(Iterator<Chunk> chunks, long announced) {
      this.chunks = chunks;
      this.announced = announced;
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
        if (!chunks.hasNext()) {
          if (received != announced) {
            throw new WrongLengthException(
                "the stream ended after " + received + " of " + announced + " announced bytes");
          }
          return -1;
        }
        Chunk c = chunks.next();
        if (!c.hasData()) {
          throw new WrongLengthException("the peer sent a second header mid-stream");
        }
        received += c.getData().size();
        if (received > announced) {
          throw new WrongLengthException(
              "the peer sent more than the " + announced + " announced bytes");
        }
        current = c.getData().asReadOnlyByteBuffer();
      }
      int n = Math.min(len, current.remaining());
      current.get(b, off, n);
      return n;
    }
  }

  @Override
  public PutOutcome put(Channel peer, Hash32 hash) throws ModelStoreException {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(hash, "hash");
    FileChannel file;
    long size;
    try {
      file = FileChannel.open(local.path(hash), StandardOpenOption.READ);
      size = file.size();
    } catch (NoSuchFileException e) {
      throw failure(hash, peer, Reason.NOT_FOUND, "the local store has no such blob to upload", e);
    } catch (IOException e) {
      throw failure(hash, peer, Reason.OTHER, "cannot open the local blob: " + e.getMessage(), e);
    }
    Uploader up = new Uploader(hash, file, size);
    try {
      ModelStoreGrpc.newStub(peer)
          .withMaxInboundMessageSize(maxMessageBytes)
          .withDeadlineAfter(transferDeadlineNanos, TimeUnit.NANOSECONDS)
          .put(up);
      PutResult r = up.result.get();
      return r.getOutcome() == PutResult.Outcome.ALREADY_PRESENT
          ? PutOutcome.ALREADY_PRESENT
          : PutOutcome.STORED;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof StatusRuntimeException s) {
        throw fromStatus(hash, peer, "Put", s);
      }
      if (c instanceof IOException io) {
        throw failure(
            hash, peer, Reason.OTHER, "cannot read the local blob: " + io.getMessage(), io);
      }
      throw failure(hash, peer, Reason.OTHER, "Put failed: " + c, c);
    } catch (InterruptedException e) {
      up.cancel("interrupted");
      Thread.currentThread().interrupt();
      throw failure(
          hash, peer, Reason.CANCELLED, "interrupted; the peer stored nothing partial", e);
    } finally {
      up.closeFile();
    }
  }

  /** Sends header then chunks whenever the transport is ready (back-pressure from the peer). */
  private final class Uploader implements ClientResponseObserver<Chunk, PutResult> {
    final CompletableFuture<PutResult> result = new CompletableFuture<>();
    private final Hash32 hash;
    private final FileChannel file;
    private final long size;
    private ClientCallStreamObserver<Chunk> requests;
    private boolean headerSent;
    private boolean done;
    private long sent;

    Uploader(Hash32 hash, FileChannel file, long size) {
      this.hash = hash;
      this.file = file;
      this.size = size;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Chunk> requests) {
      this.requests = requests;
      requests.setOnReadyHandler(this::pump);
    }

    private synchronized void pump() {
      try {
        while (!done && requests.isReady()) {
          if (!headerSent) {
            headerSent = true;
            requests.onNext(
                Chunk.newBuilder()
                    .setHeader(BlobHeader.newBuilder().setHash(bytes(hash)).setSize(size))
                    .build());
            continue;
          }
          int n = (int) Math.min(chunkBytes, size - sent);
          if (n == 0) {
            done = true;
            requests.onCompleted();
            return;
          }
          byte[] buf = new byte[n];
          ByteBuffer bb = ByteBuffer.wrap(buf);
          while (bb.hasRemaining()) {
            if (file.read(bb, sent + bb.position()) < 0) {
              throw new IOException("local blob " + hash.hex() + " shrank while being sent");
            }
          }
          sent += n;
          requests.onNext(Chunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(buf)).build());
        }
      } catch (IOException e) {
        done = true;
        result.completeExceptionally(e);
        requests.cancel("cannot read the local blob", e);
      }
    }

    synchronized void cancel(String why) {
      done = true;
      if (requests != null) {
        requests.cancel(why, null);
      }
    }

    @Override
    public synchronized void onNext(PutResult value) {
      done = true; // the peer answered (maybe early: it already had the blob)
      result.complete(value);
    }

    @Override
    public synchronized void onError(Throwable t) {
      done = true;
      result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      result.completeExceptionally(
          Status.INTERNAL
              .withDescription("the peer closed Put without a result")
              .asRuntimeException());
    }

    void closeFile() {
      try {
        file.close();
      } catch (IOException ignored) {
        // opened read-only
      }
    }
  }

  private static ModelStoreException failure(
      Hash32 hash, Channel peer, Reason reason, String message) {
    return failure(hash, peer, reason, message, null);
  }

  private static ModelStoreException failure(
      Hash32 hash, Channel peer, Reason reason, String message, Throwable cause) {
    return new ModelStoreException(
        hash,
        peer.authority(),
        reason,
        "blob " + hash.hex() + " from/to " + peer.authority() + ": " + message,
        cause);
  }

  static ModelStoreException fromStatus(
      Hash32 hash, Channel peer, String method, StatusRuntimeException e) {
    Status s = e.getStatus();
    Reason r =
        switch (s.getCode()) {
          case NOT_FOUND -> Reason.NOT_FOUND;
          case DATA_LOSS -> Reason.CORRUPT;
          case RESOURCE_EXHAUSTED -> Reason.TOO_LARGE;
          case INVALID_ARGUMENT -> Reason.INVALID;
          case DEADLINE_EXCEEDED -> Reason.DEADLINE_EXCEEDED;
          case UNAVAILABLE -> Reason.UNAVAILABLE;
          case CANCELLED -> Reason.CANCELLED;
          default -> Reason.OTHER;
        };
    String known =
        method.equals("Put") && r == Reason.DEADLINE_EXCEEDED
            ? " (the peer may still finish storing it: check with has)"
            : "";
    return failure(
        hash,
        peer,
        r,
        method
            + " failed with "
            + s.getCode()
            + (s.getDescription() == null ? "" : ": " + s.getDescription())
            + known,
        e);
  }
}
