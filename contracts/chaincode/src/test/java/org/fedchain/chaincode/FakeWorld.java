package org.fedchain.chaincode;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.fedchain.core.Hex;
import org.hyperledger.fabric.shim.ChaincodeStub;
import org.hyperledger.fabric.shim.ledger.KeyValue;
import org.hyperledger.fabric.shim.ledger.QueryResultsIterator;

/**
 * An in-memory world state with Fabric's simulation semantics, for unit tests: a transaction's stub
 * reads committed state only (never its own writes), a missing key reads as an empty array (as the
 * real shim returns, never null), a range end is exclusive, writes and the one event take effect
 * only when the test commits the transaction, and an empty value is a delete. Every transaction
 * gets a timestamp one millisecond after the previous one (one block per transaction). Stub methods
 * the chaincode must not use throw.
 */
final class FakeWorld {
  static final String CHANNEL = "fedchain";
  static final org.fedchain.core.Hash32 NETWORK =
      org.fedchain.core.Hash32.sha256("a fake network's genesis block".getBytes());

  private final TreeMap<String, byte[]> committed = new TreeMap<>();
  private final List<String> events = new ArrayList<>();
  // now, as a real network's: the rule vectors' grant expiries are relative to the wall clock
  private Instant clock = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

  /** One simulated transaction. */
  final class Tx {
    final ChaincodeStub stub;
    final Instant timestamp;
    private final TreeMap<String, Optional<byte[]>> writes = new TreeMap<>();
    private String event;

    Tx(Instant timestamp) {
      this.timestamp = timestamp;
      this.stub =
          (ChaincodeStub)
              Proxy.newProxyInstance(
                  ChaincodeStub.class.getClassLoader(),
                  new Class<?>[] {ChaincodeStub.class},
                  (proxy, m, args) ->
                      switch (m.getName()) {
                        case "getState" ->
                            committed.getOrDefault((String) args[0], new byte[0]).clone();
                        case "putState" -> {
                          byte[] v = (byte[]) args[1];
                          writes.put(
                              (String) args[0],
                              v.length == 0 ? Optional.empty() : Optional.of(v.clone()));
                          yield null;
                        }
                        case "delState" -> {
                          writes.put((String) args[0], Optional.empty());
                          yield null;
                        }
                        case "getStateByRange" -> range((String) args[0], (String) args[1]);
                        case "getTxTimestamp" -> timestamp;
                        case "getChannelId" -> CHANNEL;
                        case "setEvent" -> {
                          event =
                              args[0] + "=" + new String((byte[]) args[1], StandardCharsets.UTF_8);
                          yield null;
                        }
                        case "toString" -> "FakeStub@" + timestamp;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default ->
                            throw new UnsupportedOperationException(
                                "the fake stub does not implement " + m.getName());
                      });
    }

    /** Applies the writes and keeps the event, as a valid transaction in a block would. */
    void commit() {
      for (Map.Entry<String, Optional<byte[]>> w : writes.entrySet()) {
        if (w.getValue().isPresent()) {
          committed.put(w.getKey(), w.getValue().get());
        } else {
          committed.remove(w.getKey());
        }
      }
      if (event != null) {
        events.add(event);
      }
    }

    Map<String, Optional<byte[]>> writes() {
      return writes;
    }

    String event() {
      return event;
    }
  }

  Tx tx() {
    clock = clock.plusMillis(1);
    return new Tx(clock);
  }

  void put(String key, byte[] value) {
    committed.put(key, value.clone());
  }

  private QueryResultsIterator<KeyValue> range(String start, String end) {
    List<KeyValue> rows = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : committed.subMap(start, end).entrySet()) {
      String k = e.getKey();
      byte[] v = e.getValue().clone();
      rows.add(
          new KeyValue() {
            @Override
            public String getKey() {
              return k;
            }

            @Override
            public byte[] getValue() {
              return v.clone();
            }

            @Override
            public String getStringValue() {
              return new String(v, StandardCharsets.UTF_8);
            }
          });
    }
    return new QueryResultsIterator<>() {
      @Override
      public Iterator<KeyValue> iterator() {
        return rows.iterator();
      }

      @Override
      public void close() {}
    };
  }

  /** The committed state and events, comparable with equals. */
  List<String> snapshot() {
    List<String> out = new ArrayList<>();
    committed.forEach((k, v) -> out.add(k + "=" + Hex.encode(v)));
    out.addAll(events);
    return out;
  }

  List<String> events() {
    return List.copyOf(events);
  }
}
