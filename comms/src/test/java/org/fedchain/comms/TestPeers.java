package org.fedchain.comms;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.fedchain.comms.v1.BlobHeader;
import org.fedchain.comms.v1.Chunk;
import org.fedchain.comms.v1.GetRequest;
import org.fedchain.comms.v1.ModelStoreGrpc;
import org.fedchain.comms.v1.PutResult;
import org.fedchain.core.Hash32;

/** Shared test helpers: blob bytes, misbehaving peers, raw Put calls. */
final class TestPeers implements AutoCloseable {
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** How a fake peer answers Get. */
  enum Misbehaviour {
    /** Announces the right size, flips one byte in the middle. */
    ALTERED,
    /** Announces the right size, sends half the bytes, completes normally. */
    TRUNCATED,
    /** Says NOT_FOUND. */
    MISSING,
    /** Never answers. */
    SILENT
  }

  /**
   * Starts an in-process peer that serves {@code blob} the way {@code how} says, returns a channel
   * to it.
   */
  ManagedChannel badPeer(String name, byte[] blob, Misbehaviour how) throws IOException {
    ModelStoreGrpc.ModelStoreImplBase svc =
        new ModelStoreGrpc.ModelStoreImplBase() {
          @Override
          public void get(GetRequest request, StreamObserver<Chunk> out) {
            switch (how) {
              case MISSING -> out.onError(Status.NOT_FOUND.asRuntimeException());
              case SILENT -> {}
              case ALTERED, TRUNCATED -> {
                byte[] served = blob.clone();
                int len = served.length;
                if (how == Misbehaviour.ALTERED) {
                  served[len / 2] ^= 1;
                } else {
                  len = len / 2;
                }
                out.onNext(
                    Chunk.newBuilder()
                        .setHeader(
                            BlobHeader.newBuilder().setHash(request.getHash()).setSize(blob.length))
                        .build());
                for (int off = 0; off < len; off += 1 << 20) {
                  int n = Math.min(1 << 20, len - off);
                  out.onNext(
                      Chunk.newBuilder().setData(ByteString.copyFrom(served, off, n)).build());
                }
                out.onCompleted();
              }
            }
          }
        };
    servers.add(
        InProcessServerBuilder.forName(name).directExecutor().addService(svc).build().start());
    return inProcessChannel(name);
  }

  ManagedChannel inProcessChannel(String name) {
    // the in-process name as authority, so errors name the peer
    ManagedChannel ch =
        InProcessChannelBuilder.forName(name).overrideAuthority(name).directExecutor().build();
    channels.add(ch);
    return ch;
  }

  ManagedChannel track(ManagedChannel ch) {
    channels.add(ch);
    return ch;
  }

  static Chunk header(Hash32 hash, long size) {
    return Chunk.newBuilder()
        .setHeader(
            BlobHeader.newBuilder().setHash(ByteString.copyFrom(hash.toBytes())).setSize(size))
        .build();
  }

  static Chunk data(byte[] b, int off, int len) {
    return Chunk.newBuilder().setData(ByteString.copyFrom(b, off, len)).build();
  }

  /** A Put whose messages the test writes itself, as a hostile or broken client would. */
  static final class RawPut implements StreamObserver<PutResult> {
    final CompletableFuture<PutResult> result = new CompletableFuture<>();
    final StreamObserver<Chunk> requests;

    RawPut(io.grpc.Channel ch) {
      requests = ModelStoreGrpc.newStub(ch).put(this);
    }

    RawPut send(Chunk c) {
      requests.onNext(c);
      return this;
    }

    @Override
    public void onNext(PutResult value) {
      result.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {}
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }
}
