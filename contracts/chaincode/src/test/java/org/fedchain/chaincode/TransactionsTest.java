package org.fedchain.chaincode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fedchain.chaincode.wire.Wire;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Event;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.rules.Rules;
import org.hyperledger.fabric.shim.ChaincodeException;
import org.junit.jupiter.api.Test;

class TransactionsTest {
  private static final byte[] COORDINATOR =
      Hex.decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  private static final byte[] ALICE =
      Hex.decode("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  private static final Address SOMEONE = Secp256k1.addressOf(ALICE);

  private final FakeWorld world = new FakeWorld();
  private final Transactions tx =
      new Transactions(FakeWorld.NETWORK, stub -> "fedchain", Minters.parse("Org1MSP/admin"));
  private final Eip712Domain domain =
      Eip712Domain.fabric(FakeWorld.NETWORK, FakeWorld.CHANNEL, "fedchain");

  private static String payload(ChaincodeException e) {
    return new String(e.getPayload(), StandardCharsets.UTF_8);
  }

  private static Hash32 h(String s) {
    return Hash32.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  private static <T extends org.fedchain.core.receipt.Eip712.Struct> Signed<T> sign(
      T m, Eip712Domain d, byte[] key) {
    return new Signed<>(
        m,
        Secp256k1.addressOf(key),
        Secp256k1.sign(org.fedchain.core.receipt.Eip712.digest(d, m), key));
  }

  @Test
  void the_domain_binds_the_channel_and_the_chaincode_name() {
    assertThat(tx.domain(world.tx().stub)).isEqualTo(domain);
  }

  @Test
  void an_admin_of_the_minting_msp_mints_and_the_event_says_so() throws Exception {
    FakeWorld.Tx t = world.tx();
    tx.mint(t.stub, TestCerts.admin("Org1MSP"), SOMEONE.lowerHex(), "1000");
    t.commit();
    assertThat(tx.balance(world.tx().stub, SOMEONE.lowerHex())).isEqualTo("1000");
    assertThat(Wire.decodeEvents(world.events().get(0).substring("fedchain=".length())))
        .containsExactly(new Event.Minted(SOMEONE, BigInteger.valueOf(1000)));
  }

  @Test
  void a_client_identity_or_another_msp_may_not_mint() throws Exception {
    for (Caller c : List.of(TestCerts.client("Org1MSP"), TestCerts.admin("Org2MSP"))) {
      FakeWorld.Tx t = world.tx();
      ChaincodeException e =
          catchThrowableOfType(
              ChaincodeException.class, () -> tx.mint(t.stub, c, SOMEONE.lowerHex(), "1000"));
      assertThat(payload(e)).isEqualTo("UNAUTHORIZED");
      assertThat(e.getMessage()).startsWith("UNAUTHORIZED: " + c.mspId()).contains("Org1MSP/admin");
      assertThat(t.writes()).isEmpty();
    }
  }

  @Test
  void an_argument_that_does_not_decode_is_a_bad_request_naming_the_field() {
    ChaincodeException e =
        catchThrowableOfType(ChaincodeException.class, () -> tx.balance(world.tx().stub, "0x1234"));
    assertThat(payload(e)).isEqualTo("BAD_REQUEST");
    assertThat(e.getMessage()).startsWith("BAD_REQUEST: account is not a 20-byte hex address");

    ChaincodeException f =
        catchThrowableOfType(
            ChaincodeException.class, () -> tx.submit(world.tx().stub, "{\"runId\":\"0x00\"}"));
    assertThat(f.getMessage()).startsWith("BAD_REQUEST: update.").contains("is missing");
  }

  @Test
  void a_rejection_carries_the_reason_name_as_payload_and_message_prefix_and_writes_nothing() {
    FakeWorld.Tx t = world.tx();
    ChaincodeException e =
        catchThrowableOfType(
            ChaincodeException.class, () -> tx.claim(t.stub, Wire.hex(h("no such update"))));
    assertThat(payload(e)).isEqualTo("UPDATE_UNKNOWN");
    assertThat(e.getMessage()).startsWith("UPDATE_UNKNOWN: no update 0x");
    assertThat(t.writes()).isEmpty();
    assertThat(t.event()).isNull();
  }

  @Test
  void a_submit_endorsed_in_the_same_block_as_its_commit_is_refused_and_accepted_one_block_later() {
    RunConfig cfg =
        new RunConfig(Mode.CHAINED, true, List.of(), 0, BigInteger.ZERO, BigInteger.ZERO);
    Hash32 run = cfg.runId(Secp256k1.addressOf(COORDINATOR));
    ModelUpdate g =
        new ModelUpdate(
            run,
            0,
            UpdateKind.GENESIS,
            Hash32.ZERO,
            h("m0"),
            h("man0"),
            cfg.hash(),
            0,
            Secp256k1.addressOf(COORDINATOR));
    FakeWorld.Tx open = world.tx();
    tx.openRun(
        open.stub, Wire.encodeConfig(cfg), Wire.encodeSignedUpdate(sign(g, domain, COORDINATOR)));
    open.commit();

    ModelUpdate u =
        new ModelUpdate(
            run,
            1,
            UpdateKind.CHAINED,
            h("m0"),
            h("m1"),
            h("man1"),
            h("d1"),
            10,
            Secp256k1.addressOf(ALICE));
    Signed<ModelUpdate> su = sign(u, domain, ALICE);
    Hash32 commitment = Rules.commitment(u.digest(domain), SOMEONE);

    // both simulated against the same committed state: the commit is not visible to the submit
    FakeWorld.Tx commitTx = world.tx();
    FakeWorld.Tx sameBlock = world.tx();
    tx.commit(commitTx.stub, Wire.hex(commitment));
    ChaincodeException e =
        catchThrowableOfType(
            ChaincodeException.class, () -> tx.submit(sameBlock.stub, Wire.encodeSignedUpdate(su)));
    assertThat(payload(e)).isEqualTo("NO_COMMIT");
    commitTx.commit();

    FakeWorld.Tx later = world.tx();
    String rec = tx.submit(later.stub, Wire.encodeSignedUpdate(su));
    assertThat(Wire.decodeRecord(rec).contributor()).isEqualTo(SOMEONE);
  }

  @Test
  void opening_a_run_sets_one_event_with_every_event_of_the_call() {
    RunConfig cfg = RunConfig.unrewarded(Mode.CHAINED);
    Hash32 run = cfg.runId(Secp256k1.addressOf(COORDINATOR));
    ModelUpdate g =
        new ModelUpdate(
            run,
            0,
            UpdateKind.GENESIS,
            Hash32.ZERO,
            h("g"),
            h("man"),
            cfg.hash(),
            0,
            Secp256k1.addressOf(COORDINATOR));
    FakeWorld.Tx t = world.tx();
    tx.openRun(
        t.stub, Wire.encodeConfig(cfg), Wire.encodeSignedUpdate(sign(g, domain, COORDINATOR)));
    assertThat(t.event()).startsWith("fedchain=[{\"type\":\"UpdateRecorded\"");
    assertThat(Wire.decodeEvents(t.event().substring("fedchain=".length())))
        .extracting(ev -> ev.getClass().getSimpleName())
        .containsExactly("UpdateRecorded", "RunOpened"); // in the order the rules emit them
  }

  @Test
  void minters_must_name_someone() {
    assertThatThrownBy(() -> Minters.parse(" , "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names nobody");
    assertThatThrownBy(() -> Minters.parse("Org1MSP/"))
        .hasMessageContaining("is not MSPID or MSPID/role");
  }

  @Test
  void a_minter_entry_without_a_role_admits_every_identity_of_that_msp() throws Exception {
    Minters m = Minters.parse("BankMSP, Org1MSP/admin");
    assertThat(m.allows(TestCerts.client("BankMSP"))).isTrue();
    assertThat(m.allows(TestCerts.client("Org1MSP"))).isFalse();
    assertThat(m.allows(TestCerts.admin("Org1MSP"))).isTrue();
  }
}
