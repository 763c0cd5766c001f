package org.fedchain.comms;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A PEM certificate (chain) file and the PEM (PKCS#8) private key file that goes with it, as the
 * server and channel builders take them and {@link Certificates} writes them.
 */
public record PemFiles(Path certificate, Path privateKey) {
  public PemFiles {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
  }
}
