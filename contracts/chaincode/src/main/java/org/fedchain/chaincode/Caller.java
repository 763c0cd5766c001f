package org.fedchain.chaincode;

import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * Who sent a transaction: the MSP id and X.509 certificate of the proposal's creator (Fabric's
 * {@code ClientIdentity}), reduced to what the mint check needs.
 */
record Caller(String mspId, X509Certificate certificate) {
  Caller {
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(certificate, "certificate");
  }
}
