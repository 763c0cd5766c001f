package org.fedchain.ledger;

/**
 * A ledger backend, found by {@link java.util.ServiceLoader} (listed in {@code
 * META-INF/services/org.fedchain.ledger.LedgerProvider}).
 */
public interface LedgerProvider {
  /** The URI scheme this backend opens, e.g. {@code embedded}, {@code ethereum}, {@code fabric}. */
  String scheme();

  /** The Maven artifact that carries this backend, named when it is missing. */
  String artifact();

  /** Opens the ledger at a URI of this backend's scheme. */
  Ledger open(String uri) throws LedgerException;

  /**
   * Opens the ledger with an account that sends (and pays for) its transactions. Backends without
   * transactions of their own ignore it.
   */
  default Ledger open(String uri, TransactionSigner sender) throws LedgerException {
    return open(uri);
  }
}
