package org.fedchain.ledger.ethereum;

import java.math.BigInteger;
import org.fedchain.core.Address;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.TransactionSigner;
import org.fedchain.ledger.ethereum.contracts.ContributionRegistry;
import org.fedchain.ledger.ethereum.contracts.VNXToken;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.StaticGasProvider;

/**
 * Deploys VNXToken and ContributionRegistry (owned by the sender, which may then mint VNX) and
 * binds the token to the registry. Returns the ledger URI to open them with.
 */
public final class EthereumDeployment {
  /** What was deployed: the addresses, the block to index events from, and the ledger URI. */
  public record Deployed(String uri, Address registry, Address token, long block) {}

  private EthereumDeployment() {}

  public static Deployed deploy(String rpcUrl, TransactionSigner sender) throws LedgerException {
    Web3j web3j = Web3j.build(new HttpService(rpcUrl));
    try {
      long chainId =
          EthereumLedger.rpc(rpcUrl, () -> web3j.ethChainId().send()).getChainId().longValueExact();
      BigInteger gasPrice = EthereumLedger.gasPrice(rpcUrl, web3j);
      var txm = new SenderTransactionManager(web3j, new SenderSignService(sender), chainId);
      var gas =
          new StaticGasProvider(gasPrice.multiply(BigInteger.TWO), BigInteger.valueOf(6_000_000));
      VNXToken token = EthereumLedger.rpc(rpcUrl, () -> VNXToken.deploy(web3j, txm, gas).send());
      ContributionRegistry registry =
          EthereumLedger.rpc(
              rpcUrl,
              () ->
                  ContributionRegistry.deploy(web3j, txm, gas, token.getContractAddress()).send());
      var bound =
          EthereumLedger.rpc(rpcUrl, () -> token.setRegistry(registry.getContractAddress()).send());
      long block = registry.getTransactionReceipt().orElseThrow().getBlockNumber().longValueExact();
      if (!bound.isStatusOK()) {
        throw new LedgerException(
            "binding the token to the registry failed in transaction "
                + bound.getTransactionHash());
      }
      Address r = Address.parse(registry.getContractAddress());
      return new Deployed(
          "ethereum:" + rpcUrl + "?registry=" + r.lowerHex() + "&from-block=" + block,
          r,
          Address.parse(token.getContractAddress()),
          block);
    } finally {
      web3j.shutdown();
    }
  }
}
