package org.fedchain.comms;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

final class ModelStoreServerImpl implements ModelStoreServer {
  private final Server server;
  private final ExecutorService writers;
  private final long graceNanos;

  private ModelStoreServerImpl(Server server, ExecutorService writers, long graceNanos) {
    this.server = server;
    this.writers = writers;
    this.graceNanos = graceNanos;
  }

  static ModelStoreServer start(ModelStoreServer.Builder b) throws IOException {
    ExecutorService writers = Executors.newCachedThreadPool(daemonThreads("modelstore-put-"));
    ModelStoreService service =
        new ModelStoreService(
            b.store,
            writers,
            b.chunkBytes,
            b.maxBlobBytes,
            b.uploadBufferChunks,
            b.maxUploads,
            b.uploadGate);
    io.grpc.ServerBuilder<?> builder =
        b.inProcessName != null
            ? InProcessServerBuilder.forName(b.inProcessName)
            : (b.loopbackOnly
                    ? NettyServerBuilder.forAddress(
                        new java.net.InetSocketAddress(
                            java.net.InetAddress.getLoopbackAddress(), b.port),
                        credentials(b))
                    : NettyServerBuilder.forPort(b.port, credentials(b)))
                .flowControlWindow(b.flowControlWindowBytes);
    builder
        .maxInboundMessageSize(b.maxMessageBytes)
        .addService(
            io.grpc.ServerInterceptors.intercept(service, ModelStoreService.SESSION_HEADER));
    b.extraServices.forEach(builder::addService);
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      writers.shutdownNow();
      throw new IOException(
          "cannot start the model store server on "
              + (b.inProcessName != null ? "in-process " + b.inProcessName : "port " + b.port)
              + ": "
              + e.getMessage(),
          e);
    }
    return new ModelStoreServerImpl(server, writers, b.shutdownGrace.toNanos());
  }

  private static ServerCredentials credentials(ModelStoreServer.Builder b) throws IOException {
    if (b.keyCertChain == null) {
      return InsecureServerCredentials.create();
    }
    TlsServerCredentials.Builder tls =
        TlsServerCredentials.newBuilder()
            .keyManager(
                b.keyCertChain.certificate().toFile(), b.keyCertChain.privateKey().toFile());
    if (b.clientAuth == ClientAuth.REQUIRE) {
      tls.trustManager(b.trustRoots.toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return tls.build();
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public int port() {
    return server.getListenSockets().isEmpty()
            || !(server.getListenSockets().get(0) instanceof java.net.InetSocketAddress)
        ? -1
        : server.getPort();
  }

  @Override
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    boolean interrupted = false;
    server.shutdown();
    try {
      if (!server.awaitTermination(graceNanos, TimeUnit.NANOSECONDS)) {
        server.shutdownNow();
        server.awaitTermination(graceNanos, TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      interrupted = true;
    }
    // uploads still writing were cancelled with their calls: wait until their temp files are gone
    writers.shutdown();
    try {
      if (!writers.awaitTermination(
          graceNanos + TimeUnit.SECONDS.toNanos(10), TimeUnit.NANOSECONDS)) {
        writers.shutdownNow();
      }
    } catch (InterruptedException e) {
      writers.shutdownNow();
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ModelStoreServer[" + server.getListenSockets() + "]";
  }
}
