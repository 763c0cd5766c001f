package org.fedchain.chaincode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.fedchain.chaincode.wire.Wire;
import org.fedchain.ledger.Event;
import org.fedchain.ledger.rules.State;
import org.hyperledger.fabric.shim.ChaincodeStub;
import org.hyperledger.fabric.shim.ledger.KeyValue;
import org.hyperledger.fabric.shim.ledger.QueryResultsIterator;

/**
 * The rules' {@link State} over one Fabric transaction's {@link ChaincodeStub}.
 *
 * <ul>
 *   <li><b>Writes are buffered</b> and reach the stub only in {@link #flush()}, after the rules
 *       accepted the call, in ascending key order. Reads see the buffered writes (the stub itself
 *       does not: a Fabric simulation reads committed state only), so the rules behave exactly as
 *       on the embedded ledger.
 *   <li><b>{@link #height()}</b> is the transaction's timestamp in nanoseconds since the epoch,
 *       taken from the signed proposal: every endorser sees the same value, so every endorser
 *       writes the same bytes. Commit-reveal needs "commit in an earlier block": a Fabric
 *       simulation reads only committed state, so a submit sees a commit only if the commit's block
 *       was committed before the submit was endorsed, i.e. in an earlier block; the timestamp
 *       comparison the rules make on top holds for any client whose clock does not run backwards
 *       between its commit and its submit.
 *   <li>A missing key reads as an empty array from the real stub (never null); an empty value would
 *       be a delete on Fabric, so {@link #put} refuses it.
 * </ul>
 */
final class StubState implements State {
  private final ChaincodeStub stub;

  /** Buffered writes; an empty Optional is a delete. */
  private final TreeMap<String, Optional<byte[]>> writes = new TreeMap<>();

  private final List<Event> events = new ArrayList<>();
  private final long height;

  StubState(ChaincodeStub stub) {
    this.stub = stub;
    this.height = height(stub.getTxTimestamp());
  }

  static long height(Instant t) {
    if (t == null) {
      throw new IllegalStateException("the transaction has no timestamp");
    }
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  @Override
  public Optional<byte[]> get(String key) {
    Optional<byte[]> buffered = writes.get(key);
    if (buffered != null) {
      return buffered.map(byte[]::clone);
    }
    byte[] v = stub.getState(key);
    return v == null || v.length == 0 ? Optional.empty() : Optional.of(v);
  }

  @Override
  public void put(String key, byte[] value) {
    checkKey(key);
    if (value.length == 0) {
      throw new IllegalArgumentException(
          "cannot store an empty value under " + key + ": Fabric treats it as a delete");
    }
    writes.put(key, Optional.of(value.clone()));
  }

  @Override
  public void delete(String key) {
    checkKey(key);
    writes.put(key, Optional.empty());
  }

  private static void checkKey(String key) {
    if (key.isEmpty() || key.charAt(0) == '\u0000') {
      throw new IllegalArgumentException("not a simple Fabric key: '" + key + "'");
    }
  }

  @Override
  public List<String> keys(String prefix) {
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException("keys() needs a non-empty prefix");
    }
    String end = end(prefix);
    TreeSet<String> out = new TreeSet<>();
    try (QueryResultsIterator<KeyValue> it = stub.getStateByRange(prefix, end)) {
      for (KeyValue kv : it) {
        out.add(kv.getKey());
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("range query " + prefix + "* failed: " + e.getMessage(), e);
    }
    for (Map.Entry<String, Optional<byte[]>> w : writes.subMap(prefix, end).entrySet()) {
      if (w.getValue().isPresent()) {
        out.add(w.getKey());
      } else {
        out.remove(w.getKey());
      }
    }
    return new ArrayList<>(out);
  }

  /** The smallest key above every key starting with {@code prefix} (range ends are exclusive). */
  static String end(String prefix) {
    char last = prefix.charAt(prefix.length() - 1);
    if (last == Character.MAX_VALUE || Character.isSurrogate(last)) {
      throw new IllegalArgumentException("unsupported key prefix " + prefix);
    }
    return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
  }

  @Override
  public long height() {
    return height;
  }

  @Override
  public void emit(Event event) {
    events.add(event);
  }

  List<Event> events() {
    return List.copyOf(events);
  }

  /**
   * Hands the buffered writes to the stub in key order and sets the transaction's one chaincode
   * event ({@link Wire#EVENT_NAME}, payload {@link Wire#encodeEvents}) if the call announced any.
   */
  void flush() {
    for (Map.Entry<String, Optional<byte[]>> w : writes.entrySet()) {
      if (w.getValue().isPresent()) {
        stub.putState(w.getKey(), w.getValue().get());
      } else {
        stub.delState(w.getKey());
      }
    }
    writes.clear();
    if (!events.isEmpty()) {
      stub.setEvent(
          Wire.EVENT_NAME,
          Wire.encodeEvents(events).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  @Override
  public String toString() {
    return "StubState[" + writes.size() + " buffered writes, " + events.size() + " events]";
  }
}
