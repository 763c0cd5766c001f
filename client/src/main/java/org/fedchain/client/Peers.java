package org.fedchain.client;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.FetchException;
import org.fedchain.comms.ModelStoreClient;
import org.fedchain.comms.PeerChannels;
import org.fedchain.comms.PemFiles;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import picocli.CommandLine.Option;

/**
 * Other nodes' model stores to fetch missing blobs from ({@code --peers}). Peers are untrusted: a
 * blob is kept only if it hashes to what the ledger recorded, and the next peer is tried when one
 * serves wrong or truncated bytes.
 */
final class Peers implements AutoCloseable {
  /** The command-line options of peers and their TLS. */
  static final class Options {
    @Option(
        names = "--peers",
        split = ",",
        paramLabel = "HOST:PORT",
        description = "Model stores of other nodes (fedchain node serve), tried in order.")
    List<String> peers = new ArrayList<>();

    @Option(
        names = "--tls-ca",
        paramLabel = "FILE",
        description = "Trust roots for the peers' TLS certificates (without it: plaintext).")
    Path tlsCa;

    @Option(
        names = "--tls-cert",
        paramLabel = "FILE",
        description = "Your certificate, for peers that require mutual TLS.")
    Path tlsCert;

    @Option(
        names = "--tls-key",
        paramLabel = "FILE",
        description = "Your private key, for peers that require mutual TLS.")
    Path tlsKey;
  }

  private final List<ManagedChannel> channels;
  private final ModelStoreClient client;

  private Peers(List<ManagedChannel> channels, ModelStoreClient client) {
    this.channels = channels;
    this.client = client;
  }

  static Peers open(Options o, BlobStore local) throws IOException {
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (String target : o.peers) {
        channels.add(channel(o, target));
      }
    } catch (IOException | RuntimeException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      throw e;
    }
    return new Peers(channels, ModelStoreClient.newBuilder(local).build());
  }

  /** A channel to {@code target} with the TLS settings of {@code o} (plaintext without a CA). */
  static ManagedChannel channel(Options o, String target) throws IOException {
    PeerChannels.Builder b = PeerChannels.forTarget(target);
    if (o.tlsCa == null) {
      b.plaintext();
    } else {
      b.trustRoots(o.tlsCa);
      if (o.tlsCert != null || o.tlsKey != null) {
        if (o.tlsCert == null || o.tlsKey == null) {
          throw new IllegalArgumentException("mutual TLS needs both --tls-cert and --tls-key");
        }
        b.clientCertificate(new PemFiles(o.tlsCert, o.tlsKey));
      }
    }
    return b.build();
  }

  /** Shuts a channel down, waiting briefly. */
  static void close(ManagedChannel c) {
    c.shutdownNow();
    try {
      c.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean any() {
    return !channels.isEmpty();
  }

  /** Makes sure the local store holds {@code hash}, fetching it from a peer if needed. */
  void ensure(Hash32 hash) throws FetchException {
    client.fetch(hash, channels);
  }

  @Override
  public void close() {
    channels.forEach(Peers::close);
  }
}
