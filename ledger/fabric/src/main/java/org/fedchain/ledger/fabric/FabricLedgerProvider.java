package org.fedchain.ledger.fabric;

import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.LedgerProvider;

/**
 * Opens {@code fabric:<peer host:port>?channel=..&chaincode=..&msp=..&mspdir=..&tlsca=..}: the
 * FedChain chaincode through a peer's Fabric Gateway. {@code mspdir} is an MSP folder (its {@code
 * signcerts/} certificate and {@code keystore/} key); {@code cert=} and {@code key=} name the two
 * PEM files instead. {@code channel} and {@code chaincode} default to {@code fedchain}.
 */
public final class FabricLedgerProvider implements LedgerProvider {
  @Override
  public String scheme() {
    return "fabric";
  }

  @Override
  public String artifact() {
    return "org.fedchain:fedchain-ledger-fabric";
  }

  @Override
  public Ledger open(String uri) throws LedgerException {
    return FabricLedger.open(FabricUri.parse(uri));
  }
}
