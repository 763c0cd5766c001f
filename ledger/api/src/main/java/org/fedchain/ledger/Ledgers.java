package org.fedchain.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Opens ledgers by URI: {@code embedded:<file>}, {@code ethereum:<rpc-url>?registry=0x..}, {@code
 * fabric:...}.
 */
public final class Ledgers {
  /** Backends we ship, so a missing one can be named. */
  private static final Map<String, String> KNOWN =
      Map.of(
          "embedded", "org.fedchain:fedchain-ledger-embedded",
          "ethereum", "org.fedchain:fedchain-ledger-ethereum",
          "fabric", "org.fedchain:fedchain-ledger-fabric");

  private Ledgers() {}

  public static Ledger open(String uri) throws LedgerException {
    return open(uri, null);
  }

  /**
   * Opens a ledger whose transactions {@code sender} signs and pays for (null: the backend's
   * default).
   */
  public static Ledger open(String uri, TransactionSigner sender) throws LedgerException {
    int colon = uri.indexOf(':');
    if (colon <= 0) {
      throw new LedgerException(
          "ledger URI '"
              + uri
              + "' has no scheme; use embedded:<file>, ethereum:<url> or fabric:<...>");
    }
    String scheme = uri.substring(0, colon);
    List<String> found = new ArrayList<>();
    for (LedgerProvider p : ServiceLoader.load(LedgerProvider.class)) {
      if (p.scheme().equals(scheme)) {
        return sender == null ? p.open(uri) : p.open(uri, sender);
      }
      found.add(p.scheme());
    }
    String artifact = KNOWN.get(scheme);
    throw new LedgerException(
        "no ledger backend for '"
            + scheme
            + ":'"
            + (artifact != null ? "; add " + artifact + " to the classpath" : "")
            + " (available: "
            + String.join(", ", found)
            + ")");
  }
}
