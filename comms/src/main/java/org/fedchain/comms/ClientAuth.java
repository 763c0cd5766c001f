package org.fedchain.comms;

/** Whether a TLS server demands a client certificate signed by one of its trust roots. */
public enum ClientAuth {
  /** Plain TLS: the server proves who it is, clients stay anonymous. */
  NONE,
  /** Mutual TLS: a client without a certificate from a trusted CA fails the handshake. */
  REQUIRE
}
