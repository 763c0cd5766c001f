package org.fedchain.ledger.ethereum;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UnavailableException;
import org.junit.jupiter.api.Test;

class EthereumLedgerProviderTest {
  static final String REGISTRY = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

  @Test
  void a_node_that_is_down_is_named_after_retries() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    String uri = "ethereum:http://127.0.0.1:" + port + "?registry=" + REGISTRY;
    assertThatThrownBy(() -> Ledgers.open(uri))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("cannot reach the Ethereum node at http://127.0.0.1:" + port)
        .hasMessageContaining("fedchain node anvil");
  }

  @Test
  void malformed_uris_say_what_is_missing() {
    assertThatThrownBy(() -> Ledgers.open("ethereum:http://127.0.0.1:8545"))
        .isInstanceOf(LedgerException.class)
        .hasMessageContaining("needs ?registry=");
    assertThatThrownBy(() -> Ledgers.open("ethereum:127.0.0.1:8545?registry=" + REGISTRY))
        .hasMessageContaining("needs an http(s) RPC URL");
    assertThatThrownBy(() -> Ledgers.open("ethereum:http://127.0.0.1:8545?registry=0x1234"))
        .hasMessageContaining("an address has 40 hex digits");
  }
}
