package org.fedchain.client;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.node.Peers;
import picocli.CommandLine.Option;

/** The command-line options of peers and their TLS ({@link Peers.Settings}). */
final class PeerOptions {
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

  @Option(
      names = "--insecure",
      description =
          "Talk plaintext to peers off this machine (without --tls-ca that is refused: the"
              + " traffic could be read and changed).")
  boolean insecure;

  Peers.Settings settings() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("mutual TLS needs both --tls-cert and --tls-key");
    }
    Peers.Settings s = new Peers.Settings(peers, tlsCa, tlsCert, tlsKey, insecure);
    for (String peer : peers) {
      check(s, peer);
    }
    return s;
  }

  /** Refuses plaintext to {@code target} off this machine, naming the options that allow it. */
  static void check(Peers.Settings s, String target) {
    try {
      s.check(target);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage() + ": give --tls-ca FILE, or --insecure to accept that", e);
    }
  }
}
