package org.fedchain.ledger.embedded;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Admit;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Citation;
import org.fedchain.core.receipt.CloseRun;
import org.fedchain.core.receipt.DataGrant;
import org.fedchain.core.receipt.Eip712;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.Mint;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Publication;
import org.fedchain.core.receipt.RevokeGrant;
import org.fedchain.core.receipt.Signed;
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.Event;
import org.fedchain.ledger.GrantRecord;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.LogAudit;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.TransactionSigner;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.rules.Rules;
import org.fedchain.ledger.rules.State;
import org.sqlite.SQLiteConfig;

/**
 * The reference ledger: the rules on SQLite (WAL, synchronous=FULL, one transaction per call). Each
 * accepted call is appended to a log whose entry hash covers the previous entry's hash; the head
 * hash can be anchored on a chain. Writes are buffered and applied only if the rules accept.
 */
final class EmbeddedLedger implements Ledger, LogAudit {
  private static final int SCHEMA = 2;

  private final Path file;
  private final Connection db;
  private final Rules rules;
  private final TransactionSigner minter;

  private EmbeddedLedger(Path file, Connection db, Rules rules, TransactionSigner minter) {
    this.file = file;
    this.db = db;
    this.rules = rules;
    this.minter = minter;
  }

  /**
   * Opens (or creates) the ledger file. {@code minter} signs mint orders (null: this handle cannot
   * mint); the first account to mint on a new ledger becomes its only mint authority.
   */
  static EmbeddedLedger open(Path file, TransactionSigner minter) throws LedgerException {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new LedgerException(
          "cannot create the folder of ledger " + file + ": " + e.getMessage(), e);
    }
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    cfg.setBusyTimeout(15_000);
    cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    Connection c = null;
    try {
      c = DriverManager.getConnection("jdbc:sqlite:" + file, cfg.toProperties());
      String id;
      try (Statement st = c.createStatement()) {
        st.executeUpdate(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        st.executeUpdate(
            "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID");
        st.executeUpdate(
            "CREATE TABLE IF NOT EXISTS log (n INTEGER PRIMARY KEY, op TEXT NOT NULL, call BLOB NOT NULL, prev BLOB NOT NULL, hash BLOB NOT NULL)");
        st.executeUpdate(
            "CREATE TABLE IF NOT EXISTS events (n INTEGER NOT NULL, i INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (n, i))");
        st.executeUpdate("INSERT OR IGNORE INTO meta VALUES ('schema', '" + SCHEMA + "')");
        byte[] fresh = new byte[16];
        new SecureRandom().nextBytes(fresh);
        st.executeUpdate(
            "INSERT OR IGNORE INTO meta VALUES ('ledger-id', '" + Hex.encode(fresh) + "')");
      }
      id = meta(c, "ledger-id");
      String schema = meta(c, "schema");
      if (!String.valueOf(SCHEMA).equals(schema)) {
        throw new LedgerException(
            "ledger " + file + " has schema " + schema + "; this FedChain reads schema " + SCHEMA);
      }
      return new EmbeddedLedger(file, c, new Rules(Eip712Domain.embedded(id)), minter);
    } catch (SQLException e) {
      close(c);
      throw new LedgerException("cannot open ledger " + file + ": " + e.getMessage(), e);
    } catch (LedgerException e) {
      close(c);
      throw e;
    }
  }

  private static void close(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already failing; the first error is the one to report
      }
    }
  }

  private static String meta(Connection c, String key) throws SQLException, LedgerException {
    try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new LedgerException(
              "ledger file has no '" + key + "' entry: not a FedChain ledger?");
        }
        return rs.getString(1);
      }
    }
  }

  Path file() {
    return file;
  }

  @Override
  public Eip712Domain domain() {
    return rules.domain();
  }

  // ---- writes: one transaction each ----

  @Override
  public UpdateRecord openRun(RunConfig config, Signed<ModelUpdate> genesis)
      throws LedgerException {
    return (UpdateRecord) write(new Call.OpenRun(config, genesis));
  }

  @Override
  public UpdateRecord submit(Signed<ModelUpdate> update) throws LedgerException {
    return (UpdateRecord) write(new Call.Submit(update));
  }

  @Override
  public void commit(Hash32 commitment) throws LedgerException {
    write(new Call.Commit(commitment));
  }

  @Override
  public void attest(Signed<Attestation> attestation) throws LedgerException {
    write(new Call.Attest(attestation, now()));
  }

  @Override
  public BigInteger claim(Hash32 updateId) throws LedgerException {
    return (BigInteger) write(new Call.Claim(updateId, now()));
  }

  @Override
  public void closeRun(Signed<CloseRun> close) throws LedgerException {
    write(new Call.Close(close, now()));
  }

  @Override
  public BigInteger reclaim(Hash32 runId) throws LedgerException {
    return (BigInteger) write(new Call.Reclaim(runId, now()));
  }

  /** The ledger's clock: this machine's, in whole seconds, written into the log for replay. */
  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  @Override
  public void publish(Signed<Publication> publication) throws LedgerException {
    write(new Call.Publish(publication));
  }

  @Override
  public synchronized Optional<Address> authorOf(Hash32 spec) throws LedgerException {
    return read(s -> rules.authorOf(s, spec));
  }

  @Override
  public Hash32 grant(Signed<DataGrant> grant) throws LedgerException {
    return (Hash32) write(new Call.Grant(grant));
  }

  @Override
  public void revokeGrant(Signed<RevokeGrant> revoke) throws LedgerException {
    write(new Call.Revoke(revoke));
  }

  @Override
  public void cite(Signed<Citation> citation) throws LedgerException {
    write(new Call.Cite(citation, now()));
  }

  @Override
  public synchronized Optional<GrantRecord> grant(Hash32 grantId) throws LedgerException {
    return read(s -> rules.grant(s, grantId));
  }

  @Override
  public synchronized List<GrantRecord> grantsOf(Address owner) throws LedgerException {
    return read(s -> rules.grantsOf(s, owner));
  }

  @Override
  public synchronized List<CitationRecord> citations(Hash32 updateId) throws LedgerException {
    return read(s -> rules.citations(s, updateId));
  }

  @Override
  public synchronized List<CitationRecord> citationsOf(Hash32 grantId) throws LedgerException {
    return read(s -> rules.citationsOf(s, grantId));
  }

  @Override
  public void admit(Signed<Admit> admission) throws LedgerException {
    write(new Call.AdmitNode(admission));
  }

  @Override
  public synchronized boolean admits(Hash32 runId, Address who) throws LedgerException {
    return read(s -> rules.admits(s, runId, who));
  }

  @Override
  public void mint(Address to, BigInteger amount) throws LedgerException {
    if (minter == null) {
      throw new RejectedException(
          Reason.NOT_MINTER,
          "minting on embedded ledger "
              + file
              + " takes its mint authority's signature: open it with a sender (--sender WALLET)");
    }
    write(
        entry -> {
          Mint order = new Mint(to, amount, entry);
          byte[] sig = minter.sign(Eip712.digest(rules.domain(), order));
          return new Call.MintVnx(new Signed<>(order, minter.address(), sig));
        });
  }

  private Object write(Call call) throws LedgerException {
    return write(entry -> call);
  }

  /** Writes the call made for the log entry it becomes (a mint order is signed for it). */
  private synchronized Object write(java.util.function.LongFunction<Call> make)
      throws LedgerException {
    try {
      db.setAutoCommit(false); // BEGIN IMMEDIATE: takes the write lock, so height is stable
      try {
        long[] last = lastEntry();
        long height = last[0] + 1;
        TxState tx = new TxState(height);
        Call call = make.apply(height);
        Object result = call.apply(rules, tx);
        byte[] callBytes = Call.encode(call);
        byte[] prev = lastHash();
        byte[] hash = entryHash(prev, height, call.op(), callBytes);
        tx.flush();
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO log VALUES (?, ?, ?, ?, ?)")) {
          ps.setLong(1, height);
          ps.setString(2, call.op());
          ps.setBytes(3, callBytes);
          ps.setBytes(4, prev);
          ps.setBytes(5, hash);
          ps.executeUpdate();
        }
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?)")) {
          for (int i = 0; i < tx.events.size(); i++) {
            Event e = tx.events.get(i);
            ps.setLong(1, height);
            ps.setInt(2, i);
            ps.setString(3, e.getClass().getSimpleName());
            ps.setString(4, e.toString());
            ps.addBatch();
          }
          ps.executeBatch();
        }
        db.commit();
        return result;
      } catch (RejectedException | RuntimeException e) {
        db.rollback();
        throw e;
      } catch (SQLException e) {
        db.rollback();
        throw e;
      } finally {
        db.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new LedgerException("ledger " + file + ": " + e.getMessage(), e);
    }
  }

  private long[] lastEntry() throws SQLException {
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT coalesce(max(n), 0) FROM log")) {
      rs.next();
      return new long[] {rs.getLong(1)};
    }
  }

  private byte[] lastHash() throws SQLException {
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT hash FROM log ORDER BY n DESC LIMIT 1")) {
      return rs.next() ? rs.getBytes(1) : new byte[32];
    }
  }

  static byte[] entryHash(byte[] prev, long n, String op, byte[] call) {
    MessageDigest md = Hash32.sha256Digest();
    md.update(prev);
    md.update(java.nio.ByteBuffer.allocate(8).putLong(n).array());
    md.update(op.getBytes(StandardCharsets.UTF_8));
    md.update((byte) 0);
    md.update(call);
    return md.digest();
  }

  // ---- reads ----

  @Override
  public synchronized Optional<Run> run(Hash32 runId) throws LedgerException {
    return read(s -> rules.run(s, runId));
  }

  @Override
  public synchronized Optional<UpdateRecord> update(Hash32 updateId) throws LedgerException {
    return read(s -> rules.update(s, updateId));
  }

  @Override
  public synchronized Optional<UpdateRecord> updateOfModel(Hash32 runId, Hash32 model)
      throws LedgerException {
    return read(s -> rules.updateOfModel(s, runId, model));
  }

  @Override
  public synchronized List<UpdateRecord> updates(Hash32 runId) throws LedgerException {
    return read(s -> rules.updates(s, runId));
  }

  @Override
  public synchronized List<UpdateRecord> children(Hash32 updateId) throws LedgerException {
    return read(s -> rules.children(s, updateId));
  }

  @Override
  public synchronized List<UpdateRecord> heads(Hash32 runId) throws LedgerException {
    return read(s -> rules.heads(s, runId));
  }

  @Override
  public synchronized List<UpdateRecord> lineage(Hash32 updateId) throws LedgerException {
    return read(s -> rules.lineage(s, updateId));
  }

  @Override
  public synchronized Map<Address, Long> attestations(Hash32 updateId) throws LedgerException {
    return read(s -> rules.attestations(s, updateId));
  }

  @Override
  public synchronized BigInteger balance(Address account) throws LedgerException {
    return read(s -> rules.balance(s, account));
  }

  private interface Query<T> {
    T run(State s);
  }

  private <T> T read(Query<T> q) throws LedgerException {
    try {
      return q.run(new TxState(-1));
    } catch (DbError e) {
      throw new LedgerException("ledger " + file + ": " + e.getCause().getMessage(), e.getCause());
    } catch (IllegalStateException e) {
      throw new LedgerException("ledger " + file + " holds a corrupt record: " + e.getMessage(), e);
    }
  }

  // ---- tamper evidence ----

  @Override
  public synchronized Optional<Hash32> entryHash(long n) throws LedgerException {
    try (PreparedStatement st = db.prepareStatement("SELECT hash FROM log WHERE n = ?")) {
      st.setLong(1, n);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.of(Hash32.of(rs.getBytes(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new LedgerException("ledger " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized Report auditLog() throws LedgerException {
    TreeMap<String, byte[]> replayed = new TreeMap<>();
    MemoryState mem = new MemoryState(replayed);
    byte[] prev = new byte[32];
    long n = 0;
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT n, op, call, prev, hash FROM log ORDER BY n")) {
      while (rs.next()) {
        long entry = rs.getLong(1);
        String op = rs.getString(2);
        byte[] call = rs.getBytes(3);
        if (entry != n + 1) {
          return broken(n, prev, "entry " + (n + 1) + " is missing (next is " + entry + ")");
        }
        if (!Arrays.equals(rs.getBytes(4), prev)
            || !Arrays.equals(rs.getBytes(5), entryHash(prev, entry, op, call))) {
          return broken(
              n,
              prev,
              "entry " + entry + " (" + op + ") does not hash to the chain: it was altered");
        }
        try {
          mem.height = entry;
          Call.decode(op, call, entry).apply(rules, mem);
        } catch (IOException | RejectedException | RuntimeException e) {
          return broken(
              n, prev, "entry " + entry + " (" + op + ") does not replay: " + e.getMessage());
        }
        prev = rs.getBytes(5);
        n = entry;
      }
    } catch (SQLException e) {
      throw new LedgerException("ledger " + file + ": " + e.getMessage(), e);
    }
    TreeMap<String, byte[]> stored = new TreeMap<>();
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT key, value FROM kv ORDER BY key")) {
      while (rs.next()) {
        stored.put(rs.getString(1), rs.getBytes(2));
      }
    } catch (SQLException e) {
      throw new LedgerException("ledger " + file + ": " + e.getMessage(), e);
    }
    for (String k : union(stored, replayed)) {
      if (!Arrays.equals(stored.get(k), replayed.get(k))) {
        return broken(
            n,
            prev,
            "state row '" + k + "' differs from what the log replays to: the state was edited");
      }
    }
    return new Report(n, Hash32.of(prev), Optional.empty());
  }

  private static List<String> union(Map<String, byte[]> a, Map<String, byte[]> b) {
    java.util.TreeSet<String> keys = new java.util.TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    return new ArrayList<>(keys);
  }

  private static Report broken(long n, byte[] prev, String problem) {
    return new Report(n, Hash32.of(prev), Optional.of(problem));
  }

  @Override
  public synchronized void close() throws LedgerException {
    try {
      db.close();
    } catch (SQLException e) {
      throw new LedgerException("closing ledger " + file + ": " + e.getMessage(), e);
    }
  }

  /** SQL errors inside the State interface, which cannot throw checked exceptions. */
  private static final class DbError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DbError(SQLException e) {
      super(e);
    }
  }

  /** Reads through to SQLite, buffers writes until {@link #flush()}. */
  private final class TxState implements State {
    private final long height;
    private final TreeMap<String, Optional<byte[]>> writes = new TreeMap<>();
    private final List<Event> events = new ArrayList<>();

    TxState(long height) {
      this.height = height;
    }

    @Override
    public Optional<byte[]> get(String key) {
      Optional<byte[]> w = writes.get(key);
      if (w != null) {
        return w.map(byte[]::clone);
      }
      try (PreparedStatement ps = db.prepareStatement("SELECT value FROM kv WHERE key = ?")) {
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw new DbError(e);
      }
    }

    @Override
    public void put(String key, byte[] value) {
      writes.put(key, Optional.of(value.clone()));
    }

    @Override
    public void delete(String key) {
      writes.put(key, Optional.empty());
    }

    @Override
    public List<String> keys(String prefix) {
      java.util.TreeSet<String> out = new java.util.TreeSet<>();
      try (PreparedStatement ps =
          db.prepareStatement("SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key")) {
        ps.setString(1, prefix);
        ps.setString(2, prefix + Character.MAX_VALUE);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
      } catch (SQLException e) {
        throw new DbError(e);
      }
      for (Map.Entry<String, Optional<byte[]>> w :
          writes.subMap(prefix, prefix + Character.MAX_VALUE).entrySet()) {
        if (w.getValue().isPresent()) {
          out.add(w.getKey());
        } else {
          out.remove(w.getKey());
        }
      }
      return new ArrayList<>(out);
    }

    @Override
    public long height() {
      return height;
    }

    @Override
    public void emit(Event event) {
      events.add(event);
    }

    void flush() throws SQLException {
      try (PreparedStatement put = db.prepareStatement("INSERT OR REPLACE INTO kv VALUES (?, ?)");
          PreparedStatement del = db.prepareStatement("DELETE FROM kv WHERE key = ?")) {
        for (Map.Entry<String, Optional<byte[]>> w : writes.entrySet()) {
          if (w.getValue().isPresent()) {
            put.setString(1, w.getKey());
            put.setBytes(2, w.getValue().get());
            put.addBatch();
          } else {
            del.setString(1, w.getKey());
            del.addBatch();
          }
        }
        put.executeBatch();
        del.executeBatch();
      }
    }
  }

  /** State in memory, for replaying the log. */
  private static final class MemoryState implements State {
    private final TreeMap<String, byte[]> map;
    long height;

    MemoryState(TreeMap<String, byte[]> map) {
      this.map = map;
    }

    @Override
    public Optional<byte[]> get(String key) {
      return Optional.ofNullable(map.get(key)).map(byte[]::clone);
    }

    @Override
    public void put(String key, byte[] value) {
      map.put(key, value.clone());
    }

    @Override
    public void delete(String key) {
      map.remove(key);
    }

    @Override
    public List<String> keys(String prefix) {
      return new ArrayList<>(map.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
    }

    @Override
    public long height() {
      return height;
    }

    @Override
    public void emit(Event event) {
      // replay checks state only
    }
  }
}
