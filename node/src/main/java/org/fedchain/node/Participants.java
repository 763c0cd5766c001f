package org.fedchain.node;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * Who takes part in a coordinator's run: one participant per address (a node that joins again
 * replaces its old session), their sessions, and which participants' stores hold which blobs. Not
 * thread-safe: {@link TaskSchedule} guards it with its lock.
 */
final class Participants {
  /** A node that joined: its address (proved by its join signature), session and store. */
  static final class Participant {
    final Address address;
    final String name;
    final String endpoint;
    final ByteString session;
    boolean toldDone;

    Participant(Address address, String name, String endpoint, ByteString session) {
      this.address = address;
      this.name = name;
      this.endpoint = endpoint;
      this.session = session;
    }
  }

  private final Map<ByteString, Participant> sessions = new HashMap<>();
  private final Map<Address, Participant> byAddress = new LinkedHashMap<>();
  private final Map<Hash32, Set<String>> locations = new HashMap<>();

  /**
   * Adds {@code p}; returns the participant it replaces (same address, older session), whose
   * session is void from now on, or null.
   */
  Participant join(Participant p) {
    Participant old = byAddress.put(p.address, p);
    if (old != null) {
      sessions.remove(old.session);
    }
    sessions.put(p.session, p);
    return old;
  }

  /** The participant of a session, or null if the session is unknown or was replaced. */
  Participant bySession(ByteString session) {
    return sessions.get(session);
  }

  int size() {
    return byAddress.size();
  }

  Collection<Participant> all() {
    return byAddress.values();
  }

  /** The participants in address order: the same whatever the join order. */
  List<Participant> sorted() {
    List<Participant> out = new ArrayList<>(byAddress.values());
    out.sort((a, b) -> a.address.compareTo(b.address));
    return out;
  }

  /** A participant's position among all sorted by address. */
  int index(Participant p) {
    return (int) byAddress.keySet().stream().filter(a -> a.compareTo(p.address) < 0).count();
  }

  boolean allToldDone() {
    return byAddress.values().stream().allMatch(p -> p.toldDone);
  }

  /** Records that {@code p}'s store holds {@code hash} (nodes without a store are not listed). */
  void holds(Participant p, Hash32 hash) {
    if (!p.endpoint.isBlank()) {
      locations.computeIfAbsent(hash, k -> new LinkedHashSet<>()).add(p.endpoint);
    }
  }

  /** The stores known to hold {@code hash}, first known first. */
  List<String> holders(Hash32 hash) {
    return List.copyOf(locations.getOrDefault(hash, Set.of()));
  }
}
