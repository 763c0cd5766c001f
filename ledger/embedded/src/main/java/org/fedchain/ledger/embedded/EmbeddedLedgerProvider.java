package org.fedchain.ledger.embedded;

import java.nio.file.Path;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.LedgerProvider;

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
    String path = uri.substring("embedded:".length());
    if (path.isBlank()) {
      throw new LedgerException("embedded ledger URI needs a file: embedded:<path/to/ledger.db>");
    }
    return EmbeddedLedger.open(Path.of(path));
  }
}
