package org.fedchain.chaincode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.fedchain.core.Address;
import org.fedchain.ledger.Event;
import org.junit.jupiter.api.Test;

class StubStateTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void reads_a_key_the_stub_does_not_hold_as_absent() {
    FakeWorld w = new FakeWorld();
    FakeWorld.Tx t = w.tx();
    assertThat(t.stub.getState("run/x")).isEmpty(); // the real shim returns an empty array
    assertThat(new StubState(t.stub).get("run/x")).isEmpty();
  }

  @Test
  void reads_its_own_buffered_writes_and_deletes_although_the_stub_would_not() {
    FakeWorld w = new FakeWorld();
    w.put("a/1", b("old"));
    FakeWorld.Tx t = w.tx();
    StubState s = new StubState(t.stub);
    s.put("a/2", b("new"));
    s.delete("a/1");
    assertThat(s.get("a/2")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("new")));
    assertThat(s.get("a/1")).isEmpty();
    assertThat(t.stub.getState("a/1")).isEqualTo(b("old"));
    assertThat(t.writes()).isEmpty();
  }

  @Test
  void lists_keys_of_a_prefix_only_merging_committed_and_buffered_keys_in_order() {
    FakeWorld w = new FakeWorld();
    w.put("a/1", b("x"));
    w.put("a/3", b("x"));
    w.put("a0", b("x"));
    w.put("b/1", b("x"));
    StubState s = new StubState(w.tx().stub);
    s.put("a/2", b("y"));
    s.delete("a/3");
    s.put("a1", b("y"));
    assertThat(s.keys("a/")).containsExactly("a/1", "a/2");
  }

  @Test
  void writes_to_the_stub_in_key_order_with_one_event_only_when_flushed() {
    FakeWorld w = new FakeWorld();
    FakeWorld.Tx t = w.tx();
    StubState s = new StubState(t.stub);
    s.put("b", b("2"));
    s.put("a", b("1"));
    s.emit(new Event.Minted(Address.ZERO, BigInteger.TEN));
    s.emit(new Event.RunClosed(org.fedchain.core.Hash32.ZERO));
    assertThat(t.writes()).isEmpty();
    assertThat(t.event()).isNull();
    s.flush();
    assertThat(t.writes().keySet()).containsExactly("a", "b");
    assertThat(t.event())
        .isEqualTo(
            "fedchain=[{\"type\":\"Minted\",\"to\":\"0x0000000000000000000000000000000000000000\",\"amount\":\"10\"},"
                + "{\"type\":\"RunClosed\",\"runId\":\"0x0000000000000000000000000000000000000000000000000000000000000000\"}]");
  }

  @Test
  void sets_no_event_when_the_call_announced_nothing() {
    FakeWorld.Tx t = new FakeWorld().tx();
    StubState s = new StubState(t.stub);
    s.put("k", b("v"));
    s.flush();
    assertThat(t.event()).isNull();
  }

  @Test
  void refuses_an_empty_value_because_fabric_would_store_a_delete() {
    StubState s = new StubState(new FakeWorld().tx().stub);
    assertThatThrownBy(() -> s.put("k", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty value under k");
  }

  @Test
  void height_is_the_transaction_timestamp_in_nanoseconds() {
    assertThat(StubState.height(Instant.ofEpochSecond(1_767_225_600L, 123_456_789)))
        .isEqualTo(1_767_225_600_123_456_789L);
    FakeWorld w = new FakeWorld();
    FakeWorld.Tx t1 = w.tx();
    FakeWorld.Tx t2 = w.tx();
    assertThat(new StubState(t1.stub).height()).isLessThan(new StubState(t2.stub).height());
    assertThat(new StubState(t1.stub).height()).isEqualTo(new StubState(t1.stub).height());
  }

  @Test
  void the_range_end_is_the_prefix_with_its_last_character_incremented() {
    assertThat(StubState.end("seq/ab/")).isEqualTo("seq/ab0");
    assertThat(List.of("seq/ab/ff", "seq/ab0")).allMatch(k -> k.compareTo("seq/ab/") >= 0);
  }
}
