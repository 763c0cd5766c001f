package org.fedchain.ledger.embedded;

import java.nio.file.Path;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.LedgerProvider;
import org.fedchain.ledger.TransactionSigner;

/** Opens {@code embedded:<file>}: a SQLite ledger file on this machine. */
public final class EmbeddedLedgerProvider implements LedgerProvider {
  @Override
  public String scheme() {
    return "embedded";
  }

  @Override
  public String artifact() {
    return "org.fedchain:fedchain-ledger-api";
  }

  @Override
  public Ledger open(String uri) throws LedgerException {
    return open(uri, null);
  }

  /** {@code sender}, if given, signs mint orders: the ledger's mint authority. */
  @Override
  public Ledger open(String uri, TransactionSigner sender) throws LedgerException {
    String path = uri.substring("embedded:".length());
    if (path.isBlank()) {
      throw new LedgerException("embedded ledger URI needs a file: embedded:<path/to/ledger.db>");
    }
    return EmbeddedLedger.open(Path.of(path), sender);
  }
}
