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

  Peers.Settings settings() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("mutual TLS needs both --tls-cert and --tls-key");
    }
    return new Peers.Settings(peers, tlsCa, tlsCert, tlsKey);
  }
}
