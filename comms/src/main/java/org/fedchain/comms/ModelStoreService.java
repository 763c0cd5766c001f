package org.fedchain.comms;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fedchain.comms.v1.BlobHeader;
import org.fedchain.comms.v1.Chunk;
import org.fedchain.comms.v1.GetRequest;
import org.fedchain.comms.v1.HasRequest;
import org.fedchain.comms.v1.HasResponse;
import org.fedchain.comms.v1.ModelStoreGrpc;
import org.fedchain.comms.v1.PutResult;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.core.store.CorruptBlobException;

/** The gRPC {@code ModelStore} service over one {@link BlobStore}. */
final class ModelStoreService extends ModelStoreGrpc.ModelStoreImplBase {
  private static final int MAX_VERIFIED = 4096;

  private final BlobStore store;
  private final Executor writers;
  private final int chunkBytes;
  private final long maxBlobBytes;
  private final int bufferChunks;

  /**
   * Uploads being written now. Each holds a writer thread and a temp file until its last byte: a
   * peer that opens many and sends slowly is refused past this bound instead of exhausting them.
   */
  private final java.util.concurrent.Semaphore uploads;

  private final int maxUploads;
  private final UploadGate gate;

  /** The uploader's session token (the {@link UploadGate#HEADER} header), per call. */
  private static final io.grpc.Context.Key<byte[]> SESSION = io.grpc.Context.key("session");

  /** Puts the session header of each call into its context, where {@link Upload} reads it. */
  static final io.grpc.ServerInterceptor SESSION_HEADER =
      new io.grpc.ServerInterceptor() {
        @Override
        public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
            io.grpc.ServerCall<Q, R> call,
            io.grpc.Metadata headers,
            io.grpc.ServerCallHandler<Q, R> next) {
          io.grpc.Context ctx =
              io.grpc.Context.current().withValue(SESSION, headers.get(UploadGate.SESSION));
          return io.grpc.Contexts.interceptCall(ctx, call, headers, next);
        }
      };

  /**
   * Blobs this server has hashed in full while serving them and found intact, with the file's stamp
   * at the time. A coordinator serves each global model to every node of a round: it hashes it
   * once, not once per node (one SHA-256 pass less per Get; measured in TransferBench, where the
   * sender shares the receiver's 2 cores). A file rewritten or replaced since is hashed again; a
   * bit flipped in place under an unchanged stamp is not caught here, but every receiver hashes
   * what it fetches before keeping it.
   */
  private final Map<Hash32, FileStamp> verified = new ConcurrentHashMap<>();

  ModelStoreService(
      BlobStore store,
      Executor writers,
      int chunkBytes,
      long maxBlobBytes,
      int bufferChunks,
      int maxUploads,
      UploadGate gate) {
    this.store = store;
    this.writers = writers;
    this.chunkBytes = chunkBytes;
    this.maxBlobBytes = maxBlobBytes;
    this.bufferChunks = bufferChunks;
    this.maxUploads = maxUploads;
    this.gate = gate;
    this.uploads = new java.util.concurrent.Semaphore(maxUploads);
  }

  static Hash32 hashOf(ByteString bytes) {
    if (bytes.size() != 32) {
      throw Status.INVALID_ARGUMENT
          .withDescription("a blob hash is 32 bytes (SHA-256), got " + bytes.size())
          .asRuntimeException();
    }
    return Hash32.of(bytes.toByteArray());
  }

  @Override
  public void has(HasRequest request, StreamObserver<HasResponse> response) {
    Hash32 hash;
    try {
      hash = hashOf(request.getHash());
    } catch (RuntimeException e) {
      response.onError(e);
      return;
    }
    HasResponse.Builder r = HasResponse.newBuilder();
    try {
      r.setPresent(true).setSize(Files.size(store.path(hash)));
    } catch (NoSuchFileException e) {
      r.setPresent(false).setSize(0);
    } catch (IOException e) {
      response.onError(
          Status.INTERNAL
              .withDescription("cannot read blob " + hash.hex() + ": " + e.getMessage())
              .asRuntimeException());
      return;
    }
    response.onNext(r.build());
    response.onCompleted();
  }

  @Override
  public void get(GetRequest request, StreamObserver<Chunk> response) {
    Hash32 hash;
    try {
      hash = hashOf(request.getHash());
    } catch (RuntimeException e) {
      response.onError(e);
      return;
    }
    FileChannel file;
    FileStamp stamp;
    try {
      stamp = FileStamp.of(store.path(hash));
      file = FileChannel.open(store.path(hash), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      response.onError(
          Status.NOT_FOUND
              .withDescription("this peer holds no blob " + hash.hex())
              .asRuntimeException());
      return;
    } catch (IOException e) {
      response.onError(
          Status.INTERNAL
              .withDescription("cannot open blob " + hash.hex() + ": " + e.getMessage())
              .asRuntimeException());
      return;
    }
    ServerCallStreamObserver<Chunk> call = (ServerCallStreamObserver<Chunk>) response;
    // keep several chunks queued in the transport: with gRPC's 32 KiB default a 1 MiB chunk
    // waits for the previous one to drain completely, halving loopback throughput
    call.setOnReadyThreshold(Limits.readyAheadBytes(chunkBytes));
    long size = stamp.size();
    Download d = new Download(call, hash, file, stamp);
    call.setOnCancelHandler(d::close);
    call.setOnReadyHandler(d);
    call.onNext(
        Chunk.newBuilder()
            .setHeader(BlobHeader.newBuilder().setHash(request.getHash()).setSize(size))
            .build());
    d.run();
  }

  /** A blob file's identity on disk: any rewrite or replacement changes it. */
  private record FileStamp(long size, FileTime modified, Object fileKey) {
    static FileStamp of(Path file) throws IOException {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new FileStamp(a.size(), a.lastModifiedTime(), a.fileKey());
    }
  }

  /**
   * Streams one blob while the transport is ready. Unless this server already hashed the same file
   * in full, it hashes what it sends and ends with DATA_LOSS if its own copy is corrupt.
   */
  private final class Download implements Runnable {
    private final ServerCallStreamObserver<Chunk> call;
    private final Hash32 hash;
    private final FileChannel file;
    private final FileStamp stamp;
    private final long size;
    private final MessageDigest digest;
    private long sent;
    private boolean done;

    Download(ServerCallStreamObserver<Chunk> call, Hash32 hash, FileChannel file, FileStamp stamp) {
      this.call = call;
      this.hash = hash;
      this.file = file;
      this.stamp = stamp;
      this.size = stamp.size();
      this.digest = stamp.equals(verified.get(hash)) ? null : Hash32.sha256Digest();
    }

    @Override
    public synchronized void run() {
      try {
        while (!done && call.isReady()) {
          int n = (int) Math.min(chunkBytes, size - sent);
          if (n == 0) {
            close();
            Hash32 got = digest == null ? hash : Hash32.of(digest.digest());
            if (got.equals(hash)) {
              remember(hash, stamp);
              call.onCompleted();
            } else {
              verified.remove(hash);
              call.onError(
                  Status.DATA_LOSS
                      .withDescription(
                          "this peer's copy of blob "
                              + hash.hex()
                              + " is corrupt (its bytes hash to "
                              + got.hex()
                              + "); fetch it elsewhere")
                      .asRuntimeException());
            }
            return;
          }
          byte[] buf = new byte[n];
          ByteBuffer bb = ByteBuffer.wrap(buf);
          while (bb.hasRemaining()) {
            if (file.read(bb, sent + bb.position()) < 0) {
              throw new IOException("blob shrank while being served");
            }
          }
          if (digest != null) {
            digest.update(buf);
          }
          sent += n;
          call.onNext(Chunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(buf)).build());
        }
      } catch (IOException e) {
        close();
        call.onError(
            Status.INTERNAL
                .withDescription("cannot read blob " + hash.hex() + ": " + e.getMessage())
                .asRuntimeException());
      }
    }

    synchronized void close() {
      if (!done) {
        done = true;
        try {
          file.close();
        } catch (IOException ignored) {
          // read-only file: nothing was written that could be lost
        }
      }
    }
  }

  private void remember(Hash32 hash, FileStamp stamp) {
    if (verified.size() >= MAX_VERIFIED) {
      verified.clear(); // a bound, not an LRU: re-hashing a blob is only a cost
    }
    verified.put(hash, stamp);
  }

  @Override
  public StreamObserver<Chunk> put(StreamObserver<PutResult> response) {
    ServerCallStreamObserver<PutResult> call = (ServerCallStreamObserver<PutResult>) response;
    call.disableAutoRequest();
    call.request(1); // the header
    return new Upload(call);
  }

  /**
   * One {@code Put}. gRPC delivers messages on one thread at a time; the blob is written on a
   * writer thread; {@link #finished} makes sure exactly one of them answers.
   */
  private final class Upload implements StreamObserver<Chunk> {
    private final ServerCallStreamObserver<PutResult> call;
    private final byte[] session =
        SESSION.get(); // the calling context's, read when the call starts
    private final AtomicBoolean finished = new AtomicBoolean();
    private Hash32 expected;
    private long announced;
    private long received;
    private UploadPipe pipe;

    Upload(ServerCallStreamObserver<PutResult> call) {
      this.call = call;
    }

    @Override
    public void onNext(Chunk chunk) {
      if (finished.get()) {
        return;
      }
      if (expected == null) {
        start(chunk);
        return;
      }
      if (!chunk.hasData()) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                "Put of blob " + expected.hex() + ": only the first message may be a header"));
        return;
      }
      received += chunk.getData().size();
      if (received > announced) {
        fail(
            Status.DATA_LOSS.withDescription(
                "Put of blob "
                    + expected.hex()
                    + ": received "
                    + received
                    + " bytes, more than the announced "
                    + announced
                    + "; nothing was stored"));
        return;
      }
      pipe.offer(chunk.getData());
    }

    private void start(Chunk chunk) {
      if (!chunk.hasHeader()) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                "the first message of a Put must be the header (hash and size), got data"));
        return;
      }
      BlobHeader h = chunk.getHeader();
      if (h.getHash().size() != 32) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                "a blob hash is 32 bytes (SHA-256), got " + h.getHash().size()));
        return;
      }
      Hash32 hash = Hash32.of(h.getHash().toByteArray());
      if (h.getSize() < 0 || h.getSize() > maxBlobBytes) {
        fail(
            Status.RESOURCE_EXHAUSTED.withDescription(
                "blob "
                    + hash.hex()
                    + " announces "
                    + Long.toUnsignedString(h.getSize())
                    + " bytes; this peer accepts at most "
                    + maxBlobBytes));
        return;
      }
      java.util.Optional<String> refused = gate.refuse(session, hash, h.getSize());
      if (refused.isPresent()) {
        fail(
            Status.PERMISSION_DENIED.withDescription(
                "upload of blob " + hash.hex() + " refused: " + refused.get()));
        return;
      }
      expected = hash;
      announced = h.getSize();
      if (store.has(hash)) {
        answer(PutResult.Outcome.ALREADY_PRESENT);
        return;
      }
      if (!uploads.tryAcquire()) {
        fail(
            Status.RESOURCE_EXHAUSTED.withDescription(
                "this peer is already writing "
                    + maxUploads
                    + " uploads; try blob "
                    + hash.hex()
                    + " again later"));
        return;
      }
      pipe = new UploadPipe(announced, () -> call.request(1));
      try {
        writers.execute(this::write);
      } catch (RejectedExecutionException e) {
        uploads.release();
        fail(Status.UNAVAILABLE.withDescription("the model store server is shutting down"));
        return;
      }
      call.request(bufferChunks);
    }

    private void write() {
      try {
        writeToStore();
      } finally {
        uploads.release();
      }
    }

    private void writeToStore() {
      try {
        store.put(pipe, expected);
        answer(PutResult.Outcome.STORED);
      } catch (CorruptBlobException e) {
        fail(
            Status.DATA_LOSS.withDescription(
                "Put of blob "
                    + expected.hex()
                    + ": the bytes hash to "
                    + e.actual().hex()
                    + ", not to the announced hash; nothing was stored"));
      } catch (UploadPipe.TruncatedException e) {
        fail(
            Status.DATA_LOSS.withDescription(
                "Put of blob " + expected.hex() + ": " + e.getMessage() + "; nothing was stored"));
      } catch (UploadPipe.AbortedException e) {
        finished.set(true); // the call is gone; the store already dropped its temp file
      } catch (IOException e) {
        fail(
            Status.INTERNAL.withDescription(
                "Put of blob " + expected.hex() + ": cannot store it: " + e.getMessage()));
      }
    }

    private void answer(PutResult.Outcome outcome) {
      if (finished.compareAndSet(false, true)) {
        call.onNext(
            PutResult.newBuilder()
                .setHash(ByteString.copyFrom(expected.toBytes()))
                .setSize(announced)
                .setOutcome(outcome)
                .build());
        call.onCompleted();
      }
    }

    private void fail(Status status) {
      if (pipe != null) {
        pipe.abort();
      }
      if (finished.compareAndSet(false, true)) {
        call.onError(status.asRuntimeException());
      }
    }

    @Override
    public void onError(Throwable t) {
      // the client cancelled or the connection broke: drop the partial upload
      finished.set(true);
      if (pipe != null) {
        pipe.abort();
      }
    }

    @Override
    public void onCompleted() {
      if (finished.get()) {
        return;
      }
      if (pipe == null) {
        fail(Status.INVALID_ARGUMENT.withDescription("a Put needs a header message; got none"));
        return;
      }
      pipe.finish();
    }
  }
}
