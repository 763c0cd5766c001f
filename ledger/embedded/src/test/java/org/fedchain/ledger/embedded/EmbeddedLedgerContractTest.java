package org.fedchain.ledger.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.ledger.AbstractLedgerContractTest;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.TransactionSigner;

/**
 * The shared rule vectors on the embedded SQLite ledger; snapshots compare every row of every
 * table.
 */
class EmbeddedLedgerContractTest extends AbstractLedgerContractTest {
  @Override
  protected Ledger newLedger(Path dir) throws Exception {
    // the vectors' minter, as the deployer owns the token on Ethereum
    return EmbeddedLedger.open(
        dir.resolve("ledger.db"), TransactionSigner.ofKey(KEYS.get("coordinator")));
  }

  @Override
  protected Object snapshot(Ledger ledger) throws Exception {
    return rows(((EmbeddedLedger) ledger).file());
  }

  /** All rows of all tables, read through a separate connection (what is on disk). */
  static List<String> rows(Path file) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      for (String table : List.of("meta", "kv", "log", "events")) {
        try (ResultSet rs = st.executeQuery("SELECT * FROM " + table + " ORDER BY 1, 2")) {
          int cols = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            StringBuilder row = new StringBuilder(table);
            for (int i = 1; i <= cols; i++) {
              Object o = rs.getObject(i);
              row.append('|')
                  .append(
                      o instanceof byte[] b ? org.fedchain.core.Hex.encode(b) : String.valueOf(o));
            }
            out.add(row.toString());
          }
        }
      }
    }
    return out;
  }
}
