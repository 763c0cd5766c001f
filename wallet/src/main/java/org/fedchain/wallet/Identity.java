package org.fedchain.wallet;

/** Who signs: an Ethereum account or a Fabric X.509 identity, each with its signer. */
public sealed interface Identity permits EthereumIdentity, FabricIdentity {
  /** A short human-readable id: the checksummed address, or {@code mspId:subject}. */
  String id();

  Signer signer();
}
