package org.fedchain.ledger.ethereum;

import java.util.Arrays;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.TransactionSigner;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.Sign;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.service.TxSignService;

/**
 * Signs transactions (legacy, EIP-155) with a {@link TransactionSigner}; the key never reaches
 * web3j.
 */
final class SenderSignService implements TxSignService {
  private final TransactionSigner sender;

  SenderSignService(TransactionSigner sender) {
    this.sender = sender;
  }

  @Override
  public byte[] sign(RawTransaction tx, long chainId) {
    byte[] payload = TransactionEncoder.encode(tx, chainId);
    byte[] sig = sender.sign(Hash32.keccak256(payload));
    Sign.SignatureData rsv =
        new Sign.SignatureData(
            sig[64], Arrays.copyOfRange(sig, 0, 32), Arrays.copyOfRange(sig, 32, 64));
    return TransactionEncoder.encode(
        tx, TransactionEncoder.createEip155SignatureData(rsv, chainId));
  }

  @Override
  public String getAddress() {
    return sender.address().lowerHex();
  }
}
