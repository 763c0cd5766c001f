package org.fedchain.ledger.ethereum;

import java.util.HashMap;
import java.util.Map;
import org.fedchain.core.Address;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.LedgerProvider;
import org.fedchain.ledger.TransactionSigner;

/**
 * Opens {@code ethereum:<rpc-url>?registry=0x...[&from-block=N]}: the ContributionRegistry at that
 * address, through the node at the RPC URL. Reads need no account; writes need a sender.
 */
public final class EthereumLedgerProvider implements LedgerProvider {
  @Override
  public String scheme() {
    return "ethereum";
  }

  @Override
  public String artifact() {
    return "org.fedchain:fedchain-ledger-ethereum";
  }

  @Override
  public Ledger open(String uri) throws LedgerException {
    return open(uri, null);
  }

  @Override
  public Ledger open(String uri, TransactionSigner sender) throws LedgerException {
    Parsed p = parse(uri);
    return EthereumLedger.open(p.rpcUrl, p.registry, sender, p.fromBlock);
  }

  record Parsed(String rpcUrl, Address registry, long fromBlock) {}

  static Parsed parse(String uri) throws LedgerException {
    String rest = uri.substring("ethereum:".length());
    int q = rest.indexOf('?');
    String url = q < 0 ? rest : rest.substring(0, q);
    Map<String, String> params = new HashMap<>();
    if (q >= 0) {
      for (String kv : rest.substring(q + 1).split("&")) {
        int eq = kv.indexOf('=');
        params.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
      }
    }
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new LedgerException(
          "ethereum ledger URI needs an http(s) RPC URL: ethereum:http://127.0.0.1:8545?registry=0x..., got '"
              + uri
              + "'");
    }
    String registry = params.get("registry");
    if (registry == null) {
      throw new LedgerException(
          "ethereum ledger URI needs ?registry=<ContributionRegistry address> (printed by 'fedchain deploy')");
    }
    try {
      return new Parsed(
          url, Address.parse(registry), Long.parseLong(params.getOrDefault("from-block", "0")));
    } catch (IllegalArgumentException e) {
      throw new LedgerException("ethereum ledger URI '" + uri + "': " + e.getMessage());
    }
  }
}
