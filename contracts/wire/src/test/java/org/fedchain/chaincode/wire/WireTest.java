package org.fedchain.chaincode.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.CloseRun;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Event;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.junit.jupiter.api.Test;

class WireTest {
  private static final Address A = Address.parse("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  private static final byte[] SIG = new byte[65];

  private static Hash32 h(String s) {
    return Hash32.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  private static final ModelUpdate U =
      new ModelUpdate(h("run"), -1L, UpdateKind.CHAINED, h("p"), h("m"), h("man"), h("d"), -1L, A);

  @Test
  void a_signed_update_has_a_fixed_key_order_and_uint64_as_decimal_strings() {
    String json = Wire.encodeSignedUpdate(new Signed<>(U, A, SIG));
    assertThat(json)
        .startsWith("{\"runId\":\"0x")
        .contains("\"seq\":\"18446744073709551615\",\"kind\":1,\"parent\":\"0x")
        .contains(
            "\"samples\":\"18446744073709551615\",\"contributor\":\""
                + A.lowerHex()
                + "\",\"signer\":\""
                + A.lowerHex()
                + "\"")
        .endsWith("\"signature\":\"0x" + "00".repeat(65) + "\"}");
    assertThat(Wire.decodeSignedUpdate(json)).isEqualTo(new Signed<>(U, A, SIG));
  }

  @Test
  void records_runs_attestations_and_domains_round_trip() {
    UpdateRecord r = new UpdateRecord(h("id"), U, SIG, 1_767_225_600_000_000_001L);
    assertThat(Wire.decodeRecord(Wire.encodeRecord(r))).isEqualTo(r);
    assertThat(Wire.decodeRecords(Wire.encodeRecords(List.of(r, r)))).containsExactly(r, r);
    assertThat(Wire.decodeOptionalRecord(Wire.encodeOptionalRecord(Optional.empty()))).isEmpty();

    RunConfig c =
        new RunConfig(
            Mode.DATA_PARALLEL, true, List.of(A), 1, BigInteger.TEN.pow(30), BigInteger.ONE);
    Run run = new Run(h("run"), A, c, h("g"), h("gm"), BigInteger.TWO, false, 1_700_000_000L);
    assertThat(Wire.decodeRun(Wire.encodeRun(Optional.of(run)))).contains(run);
    assertThat(Wire.encodeRun(Optional.empty())).isEqualTo("null");
    assertThat(Wire.decodeConfig(Wire.encodeConfig(c))).isEqualTo(c);
    RunConfig royal = c.withRoyalty(A, 250);
    assertThat(Wire.decodeConfig(Wire.encodeConfig(royal))).isEqualTo(royal);
    assertThat(royal.hash()).isNotEqualTo(c.hash());
    RunConfig authored = royal.withSpec(h("spec"), 300);
    assertThat(Wire.decodeConfig(Wire.encodeConfig(authored))).isEqualTo(authored);
    assertThat(authored.hash()).isNotEqualTo(royal.hash());

    assertThat(Wire.decodeAttestations(Wire.encodeAttestations(Map.of(A, Long.MIN_VALUE))))
        .containsExactly(Map.entry(A, Long.MIN_VALUE));
    Eip712Domain d = Eip712Domain.fabric(h("network"), "fedchain", "fedchain");
    assertThat(Wire.decodeDomain(Wire.encodeDomain(d))).isEqualTo(d);

    Signed<Attestation> a = new Signed<>(new Attestation(h("u"), -7, h("e"), h("r")), A, SIG);
    assertThat(Wire.decodeSignedAttestation(Wire.encodeSignedAttestation(a))).isEqualTo(a);
    Signed<CloseRun> cl = new Signed<>(new CloseRun(h("run")), A, SIG);
    assertThat(Wire.decodeSignedClose(Wire.encodeSignedClose(cl))).isEqualTo(cl);
  }

  @Test
  void every_event_type_round_trips() {
    List<Event> all =
        List.of(
            new Event.RunOpened(h("r"), A, h("g")),
            new Event.UpdateRecorded(h("r"), h("u"), 3, 2, A, h("m"), h("p")),
            new Event.Attested(h("u"), A, -5),
            new Event.RewardClaimed(h("u"), A, BigInteger.TEN),
            new Event.RunClosed(h("r")),
            new Event.Committed(h("c"), 42),
            new Event.Minted(A, BigInteger.ONE));
    assertThat(Wire.decodeEvents(Wire.encodeEvents(all))).isEqualTo(all);
  }

  @Test
  void decoding_refuses_a_missing_field_naming_it() {
    String json = Wire.encodeSignedUpdate(new Signed<>(U, A, SIG)).replace("\"manifest\"", "\"x\"");
    assertThatThrownBy(() -> Wire.decodeSignedUpdate(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("update.x is not a field of update");
  }

  @Test
  void decoding_refuses_numbers_in_a_form_that_could_change_the_signed_value() {
    String base = Wire.encodeSignedUpdate(new Signed<>(U, A, SIG));
    assertThatThrownBy(
            () ->
                Wire.decodeSignedUpdate(
                    base.replace("\"seq\":\"18446744073709551615\"", "\"seq\":1")))
        .hasMessageContaining("update.seq must be a string");
    assertThatThrownBy(
            () ->
                Wire.decodeSignedUpdate(
                    base.replace(
                        "\"seq\":\"18446744073709551615\"", "\"seq\":\"18446744073709551616\"")))
        .hasMessageContaining("update.seq must be a uint64");
    assertThatThrownBy(
            () ->
                Wire.decodeSignedUpdate(
                    base.replace("\"seq\":\"18446744073709551615\"", "\"seq\":\"01\"")))
        .hasMessageContaining("canonical decimal");
    assertThatThrownBy(() -> Wire.decodeSignedUpdate(base.replace("\"kind\":1", "\"kind\":9")))
        .hasMessageContaining("update.kind is not an update kind: 9");
  }

  @Test
  void decoding_refuses_text_that_is_not_json() {
    assertThatThrownBy(() -> Wire.decodeConfig("{mode"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("config is not valid JSON");
  }
}
