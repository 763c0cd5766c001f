package org.fedchain.ledger.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Mint;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.LogAudit;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.TransactionSigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedLedgerTest {
  static final byte[] KEY =
      Hex.decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  static final RunConfig TERMS = RunConfig.unrewarded(Mode.CHAINED);
  static final Hash32 RUN = TERMS.runId(Secp256k1.addressOf(KEY));
  static final byte[] ALICE =
      Hex.decode("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  @TempDir Path dir;

  static Hash32 h(String s) {
    return Hash32.sha256(s.getBytes());
  }

  static Signed<ModelUpdate> signed(Ledger l, ModelUpdate u, byte[] key) {
    return new Signed<>(u, Secp256k1.addressOf(key), Secp256k1.sign(u.digest(l.domain()), key));
  }

  /** A ledger with a run and two chained updates. */
  Path populated() throws Exception {
    Path file = dir.resolve("ledger.db");
    try (Ledger l = Ledgers.open("embedded:" + file)) {
      RunConfig c = TERMS;
      Hash32 run = RUN;
      l.openRun(
          c,
          signed(
              l,
              new ModelUpdate(
                  run,
                  0,
                  UpdateKind.GENESIS,
                  Hash32.ZERO,
                  h("g"),
                  h("cfg"),
                  c.hash(),
                  0,
                  Secp256k1.addressOf(KEY)),
              KEY));
      l.submit(
          signed(
              l,
              new ModelUpdate(
                  run,
                  1,
                  UpdateKind.CHAINED,
                  h("g"),
                  h("m1"),
                  h("x"),
                  h("d"),
                  10,
                  Secp256k1.addressOf(ALICE)),
              ALICE));
      l.submit(
          signed(
              l,
              new ModelUpdate(
                  run,
                  2,
                  UpdateKind.CHAINED,
                  h("m1"),
                  h("m2"),
                  h("x"),
                  h("d"),
                  10,
                  Secp256k1.addressOf(ALICE)),
              ALICE));
    }
    return file;
  }

  static void sql(Path file, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      st.executeUpdate(statement);
    }
  }

  static LogAudit.Report audit(Path file) throws Exception {
    try (Ledger l = Ledgers.open("embedded:" + file)) {
      return ((LogAudit) l).auditLog();
    }
  }

  @Test
  void an_untouched_log_audits_clean_and_keeps_its_domain_across_reopen() throws Exception {
    Path file = populated();
    LogAudit.Report r = audit(file);
    assertThat(r.ok()).as(r.firstProblem().orElse("")).isTrue();
    assertThat(r.entries()).isEqualTo(3);
    try (Ledger a = Ledgers.open("embedded:" + file);
        Ledger b = Ledgers.open("embedded:" + file)) {
      assertThat(a.domain()).isEqualTo(b.domain());
      assertThat(a.heads(RUN))
          .singleElement()
          .satisfies(u -> assertThat(u.receipt().model()).isEqualTo(h("m2")));
    }
  }

  @Test
  void a_fresh_ledger_has_its_own_domain() throws Exception {
    try (Ledger a = Ledgers.open("embedded:" + dir.resolve("a.db"));
        Ledger b = Ledgers.open("embedded:" + dir.resolve("b.db"))) {
      assertThat(a.domain().verifyingContract()).isNotEqualTo(b.domain().verifyingContract());
    }
  }

  @Test
  void audit_names_an_edited_state_row() throws Exception {
    Path file = populated();
    sql(file, "UPDATE kv SET value = x'00' WHERE key LIKE 'balance/%' OR key LIKE 'head/%'");
    LogAudit.Report r = audit(file);
    assertThat(r.ok()).isFalse();
    assertThat(r.firstProblem())
        .get()
        .asString()
        .contains("state row 'head/")
        .contains("was edited");
  }

  @Test
  void audit_names_the_first_altered_log_entry() throws Exception {
    Path file = populated();
    sql(file, "UPDATE log SET call = call || x'00' WHERE n = 2");
    assertThat(audit(file).firstProblem())
        .get()
        .asString()
        .startsWith("entry 2 (submit) does not hash to the chain");
  }

  @Test
  void audit_names_a_deleted_entry() throws Exception {
    Path file = populated();
    sql(file, "DELETE FROM log WHERE n = 2");
    assertThat(audit(file).firstProblem()).get().asString().contains("entry 2 is missing");
  }

  @Test
  void only_the_first_minter_mints_and_the_log_proves_it() throws Exception {
    Path file = dir.resolve("l.db");
    Address a = Secp256k1.addressOf(ALICE);
    try (Ledger l = Ledgers.open("embedded:" + file)) {
      assertThatThrownBy(() -> l.mint(a, BigInteger.TEN))
          .isInstanceOfSatisfying(
              RejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_MINTER))
          .hasMessageContaining("sender");
    }
    try (Ledger l = Ledgers.open("embedded:" + file, TransactionSigner.ofKey(KEY))) {
      l.mint(a, BigInteger.TEN); // the first minter becomes the authority
    }
    List<String> before = EmbeddedLedgerContractTest.rows(file);
    try (Ledger l = Ledgers.open("embedded:" + file, TransactionSigner.ofKey(ALICE))) {
      assertThatThrownBy(() -> l.mint(a, BigInteger.TEN))
          .isInstanceOfSatisfying(
              RejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_MINTER))
          .hasMessageContaining("mint authority is " + Secp256k1.addressOf(KEY));
    }
    assertThat(EmbeddedLedgerContractTest.rows(file)).isEqualTo(before);
    try (Ledger l = Ledgers.open("embedded:" + file)) {
      assertThat(l.balance(a)).isEqualTo(BigInteger.TEN);
    }
    assertThat(audit(file).ok()).isTrue();

    // someone with the file raises the amount and rehashes the log: the order no longer verifies
    Call.MintVnx order;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT call FROM log WHERE n = 1")) {
      rs.next();
      order = (Call.MintVnx) Call.decode("mint", rs.getBytes(1), 1);
    }
    Mint m = order.order().message();
    Call forged =
        new Call.MintVnx(
            new Signed<>(
                new Mint(m.to(), BigInteger.valueOf(1000), 1),
                order.order().signer(),
                order.order().signature()));
    byte[] call = Call.encode(forged);
    byte[] hash = EmbeddedLedger.entryHash(new byte[32], 1, "mint", call);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.PreparedStatement ps =
            c.prepareStatement("UPDATE log SET call = ?, hash = ? WHERE n = 1")) {
      ps.setBytes(1, call);
      ps.setBytes(2, hash);
      ps.executeUpdate();
    }
    assertThat(audit(file).firstProblem())
        .get()
        .asString()
        .contains("entry 1 (mint) does not replay")
        .contains("not the claimed signer");
  }

  @Test
  void a_file_that_is_not_a_ledger_is_a_clear_error() throws Exception {
    Path file = dir.resolve("junk.db");
    Files.writeString(
        file, "this is not sqlite at all, just text that is long enough to be a header........");
    assertThatThrownBy(() -> Ledgers.open("embedded:" + file))
        .isInstanceOf(LedgerException.class)
        .hasMessageContaining("cannot open ledger")
        .hasMessageContaining("junk.db");
  }

  @Test
  void an_unknown_scheme_names_the_artifact_to_add() {
    assertThatThrownBy(() -> Ledgers.open("fabric:peer0"))
        .hasMessageContaining("no ledger backend for 'fabric:'")
        .hasMessageContaining("fedchain-ledger-fabric");
    assertThatThrownBy(() -> Ledgers.open("nonsense")).hasMessageContaining("has no scheme");
  }

  @Test
  void reads_return_the_recorded_receipt_and_signature() throws Exception {
    Path file = populated();
    try (Ledger l = Ledgers.open("embedded:" + file)) {
      List<org.fedchain.ledger.UpdateRecord> all = l.updates(RUN);
      assertThat(all).hasSize(3);
      for (var u : all) {
        assertThat(u.updateId()).isEqualTo(u.receipt().digest(l.domain()));
        assertThat(Secp256k1.recover(u.updateId(), u.signature())).isEqualTo(u.contributor());
      }
    }
  }
}
