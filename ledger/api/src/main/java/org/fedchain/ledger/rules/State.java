package org.fedchain.ledger.rules;

import java.util.List;
import java.util.Optional;
import org.fedchain.ledger.Event;

/**
 * The small key-value store the rules run over: a SQLite table on the embedded ledger, the world
 * state on Fabric. Writes must be buffered by the caller's transaction so that a rejected call can
 * be discarded whole.
 */
public interface State {
  Optional<byte[]> get(String key);

  void put(String key, byte[] value);

  void delete(String key);

  /** Keys starting with {@code prefix}, in ascending order. */
  List<String> keys(String prefix);

  /** The height (block number) this call executes at; commits must be from a lower one. */
  long height();

  /** Announces a change; dropped with the transaction if the call is rejected. */
  void emit(Event event);
}
