package org.fedchain.comms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.fedchain.core.store.BlobStore;

/**
 * Serves a node's {@link BlobStore} to peers over gRPC ({@code fedchain.comms.v1.ModelStore}):
 * {@code Has}, {@code Get} (streamed in chunks, the size first) and {@code Put} (streamed; the
 * bytes are hashed while written and kept only if they hash to the announced hash, because peers
 * are untrusted). Every message and every blob is size-limited; uploads are back-pressured so a
 * fast sender never makes the server buffer a whole blob.
 *
 * <pre>{@code
 * try (ModelStoreServer server = ModelStoreServer.newBuilder(store)
 *         .port(7070)
 *         .tls(new PemFiles(nodeCert, nodeKey))
 *         .trustRoots(caCert)
 *         .clientAuth(ClientAuth.REQUIRE)          // mutual TLS
 *         .build()) {                              // started
 *   server.awaitTermination();
 * }
 * }</pre>
 *
 * <p>Tests use {@link Builder#inProcess(String)}, reached with {@code
 * InProcessChannelBuilder.forName(name)}.
 */
public interface ModelStoreServer extends AutoCloseable {

  /** A builder for a server over {@code store}; nothing listens until {@link Builder#build()}. */
  static Builder newBuilder(BlobStore store) {
    return new Builder(store);
  }

  /** The TCP port listened on (the bound one when built with port 0), or -1 when in-process. */
  int port();

  /** Blocks until the server has stopped. */
  void awaitTermination() throws InterruptedException;

  /**
   * Stops accepting calls, lets running calls finish for up to the builder's grace period, then
   * cancels the rest; returns once no upload is still writing to the store.
   */
  @Override
  void close();

  /**
   * Configures a {@link ModelStoreServer}; each setter checks its argument, {@link #build()} checks
   * the combination. Not thread-safe; build once.
   */
  final class Builder {
    final BlobStore store;
    int port = -1;
    boolean loopbackOnly;
    String inProcessName;
    PemFiles keyCertChain;
    Path trustRoots;
    ClientAuth clientAuth = ClientAuth.NONE;
    int chunkBytes = Limits.DEFAULT_CHUNK_BYTES;
    int maxMessageBytes = Limits.DEFAULT_MAX_MESSAGE_BYTES;
    long maxBlobBytes = Limits.DEFAULT_MAX_BLOB_BYTES;
    int flowControlWindowBytes = Limits.DEFAULT_FLOW_CONTROL_WINDOW;
    int uploadBufferChunks = 8;
    int maxUploads = 16;
    UploadGate uploadGate = UploadGate.OPEN;
    Duration shutdownGrace = Duration.ofSeconds(5);
    final java.util.List<io.grpc.BindableService> extraServices = new java.util.ArrayList<>();

    private Builder(BlobStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** Listens on this TCP port on all interfaces; 0 picks a free port (see {@link #port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Listens on the loopback interface only, so nothing off this machine can connect: what a
     * plaintext server should do unless its operator chose otherwise.
     */
    public Builder loopbackOnly() {
      this.loopbackOnly = true;
      return this;
    }

    /** Serves in-process under this name instead of on a socket (tests, single-JVM setups). */
    public Builder inProcess(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("in-process server name must not be blank");
      }
      this.inProcessName = name;
      return this;
    }

    /** Serves TLS with this certificate chain and PKCS#8 private key (PEM). */
    public Builder tls(PemFiles keyCertChain) {
      Objects.requireNonNull(keyCertChain, "keyCertChain");
      requireFile("certificate chain", keyCertChain.certificate());
      requireFile("private key", keyCertChain.privateKey());
      this.keyCertChain = keyCertChain;
      return this;
    }

    /** PEM file of the CA certificates that client certificates must chain to (mutual TLS). */
    public Builder trustRoots(Path caCertificates) {
      requireFile("trust roots", caCertificates);
      this.trustRoots = caCertificates;
      return this;
    }

    /** {@link ClientAuth#REQUIRE} for mutual TLS; needs {@link #tls} and {@link #trustRoots}. */
    public Builder clientAuth(ClientAuth clientAuth) {
      this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
      return this;
    }

    /** Data bytes per chunk the server sends in {@code Get}; default 256 KiB. */
    public Builder chunkBytes(int bytes) {
      this.chunkBytes = Limits.positive("chunkBytes", bytes);
      return this;
    }

    /** Largest inbound message; larger ones fail with RESOURCE_EXHAUSTED. Default 2 MiB. */
    public Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = Limits.positive("maxMessageBytes", bytes);
      return this;
    }

    /** Largest blob accepted by {@code Put}; larger announcements fail with RESOURCE_EXHAUSTED. */
    public Builder maxBlobBytes(long bytes) {
      this.maxBlobBytes = Limits.positive("maxBlobBytes", bytes);
      return this;
    }

    /** HTTP/2 flow-control window per stream (sockets only); default 8 MiB. */
    public Builder flowControlWindowBytes(int bytes) {
      this.flowControlWindowBytes = Limits.positive("flowControlWindowBytes", bytes);
      return this;
    }

    /** Chunks of an upload buffered ahead of the disk writer; bounds memory per upload. */
    public Builder uploadBufferChunks(int chunks) {
      this.uploadBufferChunks = Limits.positive("uploadBufferChunks", chunks);
      return this;
    }

    /**
     * Uploads written at once (each a writer thread and a temp file); more are refused with
     * RESOURCE_EXHAUSTED until one ends. Default 16.
     */
    public Builder maxConcurrentUploads(int uploads) {
      this.maxUploads = Limits.positive("maxConcurrentUploads", uploads);
      return this;
    }

    /** Who may upload what (default: anyone, anything within the size limits). */
    public Builder uploadGate(UploadGate gate) {
      this.uploadGate = Objects.requireNonNull(gate, "gate");
      return this;
    }

    /** How long {@link #close()} lets running calls finish before cancelling them. */
    public Builder shutdownGrace(Duration grace) {
      if (grace == null || grace.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace must be zero or positive, got " + grace);
      }
      this.shutdownGrace = grace;
      return this;
    }

    /**
     * Serves another gRPC service on the same port and credentials (the coordinator serves its
     * {@code Coordinator} service next to its store).
     */
    public Builder addService(io.grpc.BindableService service) {
      extraServices.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /** Checks the combination, then starts the server. */
    public ModelStoreServer build() throws IOException {
      if ((port < 0) == (inProcessName == null)) {
        throw new IllegalStateException(
            "set exactly one of port(int) and inProcess(String); got "
                + (port < 0 ? "neither" : "both"));
      }
      if (inProcessName != null && keyCertChain != null) {
        throw new IllegalStateException("an in-process server cannot use TLS; drop tls(...)");
      }
      if (clientAuth == ClientAuth.REQUIRE && (keyCertChain == null || trustRoots == null)) {
        throw new IllegalStateException(
            "clientAuth(REQUIRE) is mutual TLS: it needs tls(...) and trustRoots(...)");
      }
      if (trustRoots != null && clientAuth == ClientAuth.NONE) {
        throw new IllegalStateException(
            "trustRoots(...) only checks client certificates: set clientAuth(REQUIRE) too");
      }
      Limits.checkChunkFits(chunkBytes, maxMessageBytes);
      return ModelStoreServerImpl.start(this);
    }

    private static void requireFile(String what, Path file) {
      Objects.requireNonNull(file, what);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(what + " file does not exist: " + file);
      }
    }
  }
}
