package org.fedchain.ledger.ethereum;

import java.io.IOException;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * Signs with a {@link org.fedchain.ledger.TransactionSigner} and polls for receipts every 2 ms:
 * web3j's default processor sleeps 15 s between polls, which dominates on a local node.
 */
final class SenderTransactionManager extends RawTransactionManager {
  private final PollingTransactionReceiptProcessor receipts;

  SenderTransactionManager(Web3j web3j, SenderSignService signer, long chainId) {
    super(web3j, signer, chainId);
    this.receipts = new PollingTransactionReceiptProcessor(web3j, 2, 15_000);
  }

  PollingTransactionReceiptProcessor receipts() {
    return receipts;
  }

  @Override
  protected TransactionReceipt processResponse(EthSendTransaction sent)
      throws IOException, TransactionException {
    if (sent.hasError()) {
      throw new TransactionException(
          "the node refused the transaction: " + sent.getError().getMessage());
    }
    return receipts.waitForTransactionReceipt(sent.getTransactionHash());
  }
}
