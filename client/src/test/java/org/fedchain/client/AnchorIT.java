package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedchain.ledger.ethereum.Anvil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded ledger's log head anchored on a real anvil node: a log rewritten consistently by
 * hand afterwards (a valid hash chain, the same ledger id, other history) passes the log's own
 * check but fails against the anchor; so does a truncated one.
 */
class AnchorIT {
  @TempDir Path home;
  Anvil anvil;

  @BeforeEach
  void start() throws Exception {
    anvil = Anvil.start(0);
  }

  @AfterEach
  void stop() {
    anvil.close();
  }

  Cli.Result ok(Path dir, String... args) {
    return Cli.ok(Map.of("FEDCHAIN_PASSWORD", "pw"), List.of("--home", dir.toString()), args);
  }

  Cli.Result fails(Path dir, String... args) {
    Cli.Result r =
        Cli.run(Map.of("FEDCHAIN_PASSWORD", "pw"), List.of("--home", dir.toString()), args);
    assertThat(r.exit()).as("%s\n%s", r.out(), r.err()).isEqualTo(Main.FAILED);
    return r;
  }

  static String group(String regex, String text) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in\n%s", regex, text).isTrue();
    return m.group(1);
  }

  static String ledgerId(Path db) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT value FROM meta WHERE key = 'ledger-id'")) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  @Test
  void a_log_rewritten_or_truncated_after_anchoring_fails_verify_against_the_anchor()
      throws Exception {
    Path key = home.resolve("dev.key");
    Files.writeString(key, Anvil.DEV_KEY);
    ok(home, "wallet", "import", "dev", "--private-key-file", key.toString(), "--light");
    String uri =
        group(
            "ledger URI: (\\S+)",
            ok(home, "deploy", "--rpc", anvil.rpcUrl(), "--sender", "dev").out());

    // a local embedded ledger with some history: the first mint makes dev its mint authority
    Path local = home.resolve("local");
    ok(home, "wallet", "new", "alice", "--light");
    String alice = "alice";
    String ledger = "--ledger=embedded:" + local.resolve("ledger.db");
    Files.createDirectories(local);
    ok(home, ledger, "--sender", "dev", "rewards", "mint", "--to", alice, "--amount", "5");
    ok(home, ledger, "--sender", "dev", "rewards", "mint", "--to", alice, "--amount", "7");
    String anchored = ok(home, ledger, "ledger", "anchor", "--to", uri, "--wallet", "dev").out();
    assertThat(anchored).contains("anchored log").contains("2 entries");
    String verified =
        ok(home, ledger, "ledger", "verify", "--anchors", uri, "--anchored-by", "dev").out();
    assertThat(verified).contains("ledger log OK: 2 entries").contains("1 checked, OK");

    // rewritten by hand: a fresh file with the same ledger id and a valid chain of other mints
    Path forged = home.resolve("forged");
    Files.createDirectories(forged);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + forged.resolve("ledger.db"));
        Statement st = c.createStatement()) {
      st.executeUpdate("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      st.executeUpdate(
          "INSERT INTO meta VALUES ('ledger-id', '" + ledgerId(local.resolve("ledger.db")) + "')");
    }
    String forgedLedger = "--ledger=embedded:" + forged.resolve("ledger.db");
    ok(home, forgedLedger, "--sender", "dev", "rewards", "mint", "--to", alice, "--amount", "500");
    ok(home, forgedLedger, "--sender", "dev", "rewards", "mint", "--to", alice, "--amount", "700");
    Files.copy(
        forged.resolve("ledger.db"),
        local.resolve("ledger.db"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThat(ok(home, ledger, "ledger", "verify").out()).contains("ledger log OK: 2 entries");
    Cli.Result caught =
        fails(home, ledger, "ledger", "verify", "--anchors", uri, "--anchored-by", "dev");
    assertThat(caught.out()).contains("anchors by").contains("the log was rewritten");

    // truncated: fewer entries than were anchored
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + local.resolve("ledger.db"));
        Statement st = c.createStatement()) {
      st.executeUpdate("DELETE FROM log WHERE n = 2");
    }
    assertThat(
            fails(home, ledger, "ledger", "verify", "--anchors", uri, "--anchored-by", "dev").out())
        .contains("it was truncated");
  }
}
