package org.fedchain.comms;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
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
    Receiver rx = new Receiver();
    ModelStoreGrpc.newStub(peer)
        .withMaxInboundMessageSize(maxMessageBytes)
        .withDeadlineAfter(transferDeadlineNanos, TimeUnit.NANOSECONDS)
        .get(GetRequest.newBuilder().setHash(bytes(hash)).build(), rx);
    try {
      BlobHeader header = rx.header.get();
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
      local.put(rx.pipe, hash);
      return local.path(hash);
    } catch (ExecutionException e) {
      throw fromCause(hash, peer, e.getCause());
    } catch (CorruptBlobException e) {
      throw failure(hash, peer, Reason.CORRUPT, "the peer's bytes hash to " + e.actual().hex(), e);
    } catch (UploadPipe.TruncatedException e) {
      throw failure(hash, peer, Reason.TRUNCATED, e.getMessage(), e);
    } catch (UploadPipe.AbortedException e) {
      throw fromCause(hash, peer, rx.error != null ? rx.error : e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(hash, peer, Reason.CANCELLED, "interrupted; nothing was stored", e);
    } catch (ModelStoreException e) {
      throw e;
    } catch (IOException e) {
      throw failure(hash, peer, Reason.OTHER, "cannot store it locally: " + e.getMessage(), e);
    } finally {
      rx.cancel(); // stops the stream if we gave up part-way; no-op once it completed
    }
  }

  private ModelStoreException fromCause(Hash32 hash, Channel peer, Throwable c) {
    if (c instanceof StatusRuntimeException s) {
      return fromStatus(hash, peer, "Get", s);
    }
    if (c instanceof PeerViolation v) {
      return failure(hash, peer, v.reason, v.getMessage(), v);
    }
    return failure(hash, peer, Reason.OTHER, "Get failed: " + c, c);
  }

  /** The peer broke the Get protocol. */
  private static final class PeerViolation extends IOException {
    private static final long serialVersionUID = 1L;
    final transient Reason reason;

    PeerViolation(Reason reason, String message) {
      super(message);
      this.reason = reason;
    }
  }

  /**
   * Receives a Get: the header completes {@link #header}; data chunks go through an {@link
   * UploadPipe} to the thread that stores them, one more requested per chunk taken, so memory stays
   * bounded and the peer is back-pressured by HTTP/2 flow control.
   */
  private final class Receiver implements ClientResponseObserver<GetRequest, Chunk> {
    final CompletableFuture<BlobHeader> header = new CompletableFuture<>();
    private ClientCallStreamObserver<GetRequest> call;
    volatile UploadPipe pipe;
    volatile Throwable error;
    private long announced;
    private long received;
    private boolean overrun;

    @Override
    public void beforeStart(ClientCallStreamObserver<GetRequest> call) {
      this.call = call;
      call.disableAutoRequestWithInitial(1); // the header
    }

    @Override
    public void onNext(Chunk chunk) {
      if (!header.isDone()) {
        if (!chunk.hasHeader()) {
          header.completeExceptionally(
              new PeerViolation(Reason.INVALID, "the peer's first message is not a header"));
          return;
        }
        announced = chunk.getHeader().getSize();
        pipe = new UploadPipe(announced, () -> call.request(1));
        header.complete(chunk.getHeader());
        call.request(Limits.READY_AHEAD_CHUNKS);
        return;
      }
      if (overrun) {
        return;
      }
      received += chunk.getData().size();
      if (!chunk.hasData() || received > announced) {
        // more bytes than announced, or a second header: make the reader fail as truncated
        overrun = true;
        pipe.finish();
        call.cancel("peer sent more than announced", null);
        return;
      }
      pipe.offer(chunk.getData());
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      if (!header.completeExceptionally(t) && pipe != null) {
        pipe.abort();
      }
    }

    @Override
    public void onCompleted() {
      if (!header.completeExceptionally(
          new PeerViolation(Reason.TRUNCATED, "the peer closed the stream without a header"))) {
        pipe.finish();
      }
    }

    void cancel() {
      call.cancel("fetch finished", null);
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
          .withOnReadyThreshold(Limits.readyAheadBytes(chunkBytes))
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
