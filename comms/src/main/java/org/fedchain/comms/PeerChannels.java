package org.fedchain.comms;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Opens channels to peers over Netty with the same limits as {@link ModelStoreServer}: a maximum
 * inbound message size, a large flow-control window, and TLS checked against the deployment's own
 * CA (a client certificate added for mutual TLS). Plaintext must be asked for by name.
 *
 * <pre>{@code
 * ManagedChannel ch = PeerChannels.forTarget("127.0.0.1:7070")
 *     .trustRoots(ca.certificate())          // TLS; the server's cert must chain to this CA
 *     .clientCertificate(node)               // mutual TLS
 *     .build();
 * }</pre>
 */
public final class PeerChannels {
  private PeerChannels() {}

  /** A channel to {@code host:port} (or any gRPC target string). */
  public static Builder forTarget(String target) {
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("peer target must be host:port, got " + target);
    }
    return new Builder(target);
  }

  /** How the channel protects its bytes. */
  public enum Security {
    /** No encryption; only for loopback tests and benchmarks. */
    PLAINTEXT,
    /** TLS, server checked against {@link Builder#trustRoots}. */
    TLS
  }

  /** Configures a channel; setters check their argument, {@link #build()} the combination. */
  public static final class Builder {
    private final String target;
    private Security security;
    private Path trustRoots;
    private PemFiles clientCertificate;
    private int maxMessageBytes = Limits.DEFAULT_MAX_MESSAGE_BYTES;
    private int flowControlWindowBytes = Limits.DEFAULT_FLOW_CONTROL_WINDOW;
    private String authorityOverride;

    private Builder(String target) {
      this.target = target;
    }

    /** No TLS. */
    public Builder plaintext() {
      this.security = Security.PLAINTEXT;
      return this;
    }

    /** TLS; the server's certificate must chain to a CA in this PEM file. */
    public Builder trustRoots(Path caCertificates) {
      Objects.requireNonNull(caCertificates, "caCertificates");
      if (!Files.isRegularFile(caCertificates)) {
        throw new IllegalArgumentException("trust roots file does not exist: " + caCertificates);
      }
      this.security = Security.TLS;
      this.trustRoots = caCertificates;
      return this;
    }

    /** Presents this certificate chain and key to servers that require mutual TLS. */
    public Builder clientCertificate(PemFiles keyCertChain) {
      Objects.requireNonNull(keyCertChain, "keyCertChain");
      if (!Files.isRegularFile(keyCertChain.certificate())
          || !Files.isRegularFile(keyCertChain.privateKey())) {
        throw new IllegalArgumentException(
            "client certificate files do not exist: " + keyCertChain);
      }
      this.clientCertificate = keyCertChain;
      return this;
    }

    /** Largest message accepted from the peer; default 2 MiB. */
    public Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = Limits.positive("maxMessageBytes", bytes);
      return this;
    }

    /** HTTP/2 flow-control window per stream; default 8 MiB. */
    public Builder flowControlWindowBytes(int bytes) {
      this.flowControlWindowBytes = Limits.positive("flowControlWindowBytes", bytes);
      return this;
    }

    /** Checks the server's certificate against this name instead of the target's host. */
    public Builder authorityOverride(String authority) {
      if (authority == null || authority.isBlank()) {
        throw new IllegalArgumentException("authority must not be blank");
      }
      this.authorityOverride = authority;
      return this;
    }

    public ManagedChannel build() throws IOException {
      if (security == null) {
        throw new IllegalStateException(
            "choose trustRoots(caFile) for TLS or plaintext() for an unencrypted channel to "
                + target);
      }
      if (security == Security.PLAINTEXT && clientCertificate != null) {
        throw new IllegalStateException(
            "clientCertificate(...) needs TLS: call trustRoots(caFile) instead of plaintext()");
      }
      ChannelCredentials creds;
      if (security == Security.PLAINTEXT) {
        creds = InsecureChannelCredentials.create();
      } else {
        TlsChannelCredentials.Builder tls =
            TlsChannelCredentials.newBuilder().trustManager(trustRoots.toFile());
        if (clientCertificate != null) {
          tls.keyManager(
              clientCertificate.certificate().toFile(), clientCertificate.privateKey().toFile());
        }
        creds = tls.build();
      }
      NettyChannelBuilder b =
          NettyChannelBuilder.forTarget(target, creds)
              .maxInboundMessageSize(maxMessageBytes)
              .flowControlWindow(flowControlWindowBytes);
      if (authorityOverride != null) {
        b.overrideAuthority(authorityOverride);
      }
      return b.build();
    }
  }
}
