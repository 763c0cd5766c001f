package org.fedchain.wallet;

import org.fedchain.core.Address;

/** An Ethereum account: its address and a signer holding its key. */
public record EthereumIdentity(Address address, Signer signer) implements Identity {
  @Override
  public String id() {
    return address.toString();
  }

  @Override
  public String toString() {
    return "EthereumIdentity[" + address + "]";
  }
}
