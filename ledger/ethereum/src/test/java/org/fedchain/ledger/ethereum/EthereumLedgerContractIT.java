package org.fedchain.ledger.ethereum;

import java.nio.file.Path;
import org.fedchain.core.Hex;
import org.fedchain.ledger.AbstractLedgerContractTest;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.TransactionSigner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared rule vectors against the Solidity contracts on a real anvil node: a fresh deployment
 * per vector, transactions sent by anvil's first account (the vectors' coordinator).
 */
class EthereumLedgerContractIT extends AbstractLedgerContractTest {
  static Anvil anvil;

  @BeforeAll
  static void startAnvil() throws Exception {
    anvil = Anvil.start(0);
  }

  @AfterAll
  static void stopAnvil() {
    if (anvil != null) {
      anvil.close();
    }
  }

  @Override
  protected Ledger newLedger(Path dir) throws Exception {
    TransactionSigner sender = TransactionSigner.ofKey(Hex.decode(Anvil.DEV_KEY));
    EthereumDeployment.Deployed d = EthereumDeployment.deploy(anvil.rpcUrl(), sender);
    return new EthereumLedgerProvider().open(d.uri(), sender);
  }

  @Override
  protected Object snapshot(Ledger ledger) throws Exception {
    return ((EthereumLedger) ledger).stateFingerprint();
  }
}
