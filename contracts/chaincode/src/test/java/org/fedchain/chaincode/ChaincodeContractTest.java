package org.fedchain.chaincode;

import java.nio.file.Path;
import org.fedchain.ledger.AbstractLedgerContractTest;
import org.fedchain.ledger.Ledger;

/**
 * The shared rule vectors through the chaincode's transactions, the wire encoding and a stub with
 * Fabric's read-committed simulation: the same accepts, rejections and reads as the embedded
 * ledger. Snapshots hold every committed key and event.
 */
class ChaincodeContractTest extends AbstractLedgerContractTest {
  @Override
  protected Ledger newLedger(Path dir) throws Exception {
    return new StubLedger(TestCerts.admin("Org1MSP"));
  }

  @Override
  protected Object snapshot(Ledger ledger) {
    return ((StubLedger) ledger).world.snapshot();
  }
}
