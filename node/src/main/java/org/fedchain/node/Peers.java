package org.fedchain.node;

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

/**
 * Other nodes' model stores to fetch missing blobs from. Peers are untrusted: a blob is kept only
 * if it hashes to what the ledger recorded, and the next peer is tried when one serves wrong or
 * truncated bytes.
 */
public final class Peers implements AutoCloseable {
  /**
   * Where the peers are and how to reach them: trust roots for their TLS certificates (null:
   * plaintext, which is refused off loopback unless {@code insecure}), and this node's certificate
   * and key for peers that require mutual TLS (both or neither).
   */
  public record Settings(
      List<String> peers, Path tlsCa, Path tlsCert, Path tlsKey, boolean insecure) {
    public Settings {
      peers = List.copyOf(peers);
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new IllegalArgumentException(
            "mutual TLS needs both a certificate and its private key");
      }
    }

    /** No peers; plaintext, on loopback only. */
    public static Settings none() {
      return new Settings(List.of(), null, null, null, false);
    }

    /**
     * Refuses a plaintext connection to {@code target} off this machine unless {@code insecure}:
     * before anything else happens (a password prompt, loading data).
     */
    public void check(String target) {
      if (tlsCa == null && !insecure && !onLoopback(target)) {
        throw new IllegalArgumentException(
            "refusing plaintext to "
                + target
                + ", which is not on this machine: its traffic could be read and changed");
      }
    }
  }

  private final List<ManagedChannel> channels;
  private final ModelStoreClient client;

  private Peers(List<ManagedChannel> channels, ModelStoreClient client) {
    this.channels = channels;
    this.client = client;
  }

  public static Peers open(Settings o, BlobStore local) throws IOException {
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (String target : o.peers()) {
        channels.add(channel(o, target));
      }
    } catch (IOException | RuntimeException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      throw e;
    }
    return new Peers(channels, ModelStoreClient.newBuilder(local).build());
  }

  /** A channel to {@code target} with the TLS settings of {@code o} (plaintext without a CA). */
  public static ManagedChannel channel(Settings o, String target) throws IOException {
    o.check(target);
    PeerChannels.Builder b = PeerChannels.forTarget(target);
    if (o.tlsCa() == null) {
      b.plaintext();
    } else {
      b.trustRoots(o.tlsCa());
      if (o.tlsCert() != null) {
        b.clientCertificate(new PemFiles(o.tlsCert(), o.tlsKey()));
      }
    }
    return b.build();
  }

  /** Whether {@code host:port} names this machine's loopback interface. */
  static boolean onLoopback(String target) {
    int colon = target.lastIndexOf(':');
    String host = colon < 0 ? target : target.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Shuts a channel down, waiting briefly. */
  public static void close(ManagedChannel c) {
    c.shutdownNow();
    try {
      c.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public boolean any() {
    return !channels.isEmpty();
  }

  /** Makes sure the local store holds {@code hash}, fetching it from a peer if needed. */
  public void ensure(Hash32 hash) throws FetchException {
    client.fetch(hash, channels);
  }

  @Override
  public void close() {
    channels.forEach(Peers::close);
  }
}
