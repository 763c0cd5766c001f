package org.fedchain.client;

import java.nio.file.Path;
import org.fedchain.comms.ClientAuth;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.comms.PemFiles;
import picocli.CommandLine.Option;

/**
 * The TLS options of a command that serves gRPC ({@code node serve}, {@code coordinator serve}).
 */
final class ServerTls {
  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "Your certificate chain (PEM): with --tls-key the server speaks TLS, and it is shown to"
              + " servers that require mutual TLS.")
  Path cert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "Your private key (PEM).")
  Path key;

  @Option(
      names = "--client-ca",
      paramLabel = "FILE",
      description = "Require client certificates signed by this CA (mutual TLS).")
  Path clientCa;

  @Option(
      names = "--insecure",
      description =
          "Serve plaintext on every interface. Without TLS (--tls-cert) the server otherwise"
              + " listens on loopback only: off this machine, traffic and joins can be read.")
  boolean insecure;

  /**
   * Applies the options to {@code b}: TLS with --tls-cert, else plaintext on loopback only unless
   * --insecure.
   */
  ModelStoreServer.Builder configure(ModelStoreServer.Builder b) {
    if (cert != null || key != null) {
      if (cert == null || key == null) {
        throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key");
      }
      b.tls(new PemFiles(cert, key));
    } else if (!insecure) {
      b.loopbackOnly();
    }
    if (clientCa != null) {
      b.trustRoots(clientCa).clientAuth(ClientAuth.REQUIRE);
    }
    return b;
  }

  /** How the server listens, for the startup line. */
  String label() {
    if (cert == null) {
      return insecure ? "plaintext, every interface" : "plaintext, loopback only";
    }
    return clientCa == null ? "TLS" : "mutual TLS";
  }
}
