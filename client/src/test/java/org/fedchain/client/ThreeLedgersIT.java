package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Eip712;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.TransactionSigner;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.ethereum.Anvil;
import org.fedchain.ledger.ethereum.EthereumDeployment;
import org.fedchain.ledger.fabric.FabricNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One receipt, three backends: the same update fields (the same EIP-712 message bytes) signed by
 * the same key in each ledger's domain are accepted by the embedded ledger, the Solidity contracts
 * on anvil and the chaincode on a two-organisation Fabric network; the same forgeries are refused
 * by all three with the same reason. A signature is bound to its ledger's domain, so the bytes that
 * one ledger accepted are refused, as WRONG_SIGNER, when replayed on another.
 */
class ThreeLedgersIT {
  static final byte[] COORDINATOR = Hex.decode(Anvil.DEV_KEY);
  static final byte[] ALICE =
      Hex.decode("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  static final byte[] MALLORY =
      Hex.decode("8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
  static final RunConfig TERMS = RunConfig.unrewarded(Mode.CHAINED);
  static final Hash32 RUN = TERMS.runId(Secp256k1.addressOf(COORDINATOR));
  static final Hash32 GENESIS_MODEL = h("model:genesis");

  @TempDir Path dir;

  static Hash32 h(String s) {
    return Hash32.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  static <T extends Eip712.Struct> Signed<T> sign(Eip712Domain d, T m, byte[] key, Address as) {
    return new Signed<>(m, as, Secp256k1.sign(Eip712.digest(d, m), key));
  }

  static ModelUpdate update(long seq, Hash32 parent, String model, long samples) {
    return update(seq, parent, model, samples, Secp256k1.addressOf(ALICE));
  }

  static ModelUpdate update(
      long seq, Hash32 parent, String model, long samples, Address contributor) {
    return new ModelUpdate(
        RUN,
        seq,
        UpdateKind.CHAINED,
        parent,
        h("model:" + model),
        h("manifest:" + model),
        h("data:" + model),
        samples,
        contributor);
  }

  /** The honest receipt every backend must accept, and the forgeries each must refuse. */
  static final ModelUpdate HONEST = update(1, GENESIS_MODEL, "alice-1", 600);

  /** A forgery: what is sent to a ledger with this domain, given the domain of another ledger. */
  record Forgery(String name, String reason, Function<Eip712Domain, Signed<ModelUpdate>> make) {}

  static List<Forgery> forgeries(Eip712Domain other) {
    Address alice = Secp256k1.addressOf(ALICE);
    Address mallory = Secp256k1.addressOf(MALLORY);
    return List.of(
        new Forgery("replayed honest receipt", "MODEL_EXISTS", d -> sign(d, HONEST, ALICE, alice)),
        new Forgery(
            "samples raised after signing",
            "WRONG_SIGNER",
            d -> {
              Signed<ModelUpdate> s =
                  sign(d, update(1, GENESIS_MODEL, "alice-2", 600), ALICE, alice);
              return new Signed<>(update(1, GENESIS_MODEL, "alice-2", 601), alice, s.signature());
            }),
        new Forgery(
            "mallory signs as alice",
            "WRONG_SIGNER",
            d -> sign(d, update(1, GENESIS_MODEL, "m-1", 600), MALLORY, alice)),
        new Forgery(
            "mallory signs a receipt naming alice",
            "WRONG_SIGNER",
            d -> sign(d, update(1, GENESIS_MODEL, "m-2", 600), MALLORY, mallory)),
        new Forgery(
            "mallory re-signs alice's receipt as hers",
            "MODEL_EXISTS",
            d -> sign(d, update(1, GENESIS_MODEL, "alice-1", 600, mallory), MALLORY, mallory)),
        new Forgery(
            "signed for another ledger's domain",
            "WRONG_SIGNER",
            d -> sign(other, update(1, GENESIS_MODEL, "alice-3", 600), ALICE, alice)),
        new Forgery(
            "high-S twin of a valid signature",
            "SIGNATURE_HIGH_S",
            d -> {
              Signed<ModelUpdate> s =
                  sign(d, update(1, GENESIS_MODEL, "alice-4", 600), ALICE, alice);
              return new Signed<>(s.message(), alice, highS(s.signature()));
            }),
        new Forgery(
            "64-byte signature",
            "SIGNATURE_LENGTH",
            d -> {
              Signed<ModelUpdate> s =
                  sign(d, update(1, GENESIS_MODEL, "alice-5", 600), ALICE, alice);
              return new Signed<>(s.message(), alice, Arrays.copyOf(s.signature(), 64));
            }),
        new Forgery(
            "seq skips ahead",
            "SEQ_MISMATCH",
            d -> sign(d, update(5, GENESIS_MODEL, "alice-6", 600), ALICE, alice)),
        new Forgery(
            "parent never recorded",
            "PARENT_UNKNOWN",
            d -> sign(d, update(1, h("model:nowhere"), "alice-7", 600), ALICE, alice)));
  }

  static byte[] highS(byte[] sig) {
    byte[] out = sig.clone();
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    byte[] hs = Secp256k1.N.subtract(s).toByteArray();
    Arrays.fill(out, 32, 64, (byte) 0);
    int n = Math.min(hs.length, 32);
    System.arraycopy(hs, hs.length - n, out, 64 - n, n);
    out[64] = (byte) (out[64] == 27 ? 28 : 27);
    return out;
  }

  static TransactionSigner devSender() {
    return TransactionSigner.ofKey(COORDINATOR);
  }

  @Test
  void one_receipt_is_accepted_and_the_same_forgeries_refused_alike_on_all_three()
      throws Exception {
    Map<String, Map<String, String>> outcome = new LinkedHashMap<>();
    try (Anvil anvil = Anvil.start(0);
        FabricNetwork net = FabricNetwork.fresh(300)) {
      TransactionSigner sender = devSender();
      String eth = EthereumDeployment.deploy(anvil.rpcUrl(), sender).uri();
      Map<String, String> uris = new LinkedHashMap<>();
      uris.put("embedded", "embedded:" + dir.resolve("ledger.db"));
      uris.put("ethereum", eth);
      uris.put("fabric", net.uris("fedchain").get(0));
      Map<String, Eip712Domain> domains = new LinkedHashMap<>();
      for (var e : uris.entrySet()) {
        try (Ledger l = Ledgers.open(e.getValue(), sender)) {
          domains.put(e.getKey(), l.domain());
        }
      }
      assertThat(domains.values()).doesNotHaveDuplicates();
      for (var e : uris.entrySet()) {
        String name = e.getKey();
        // the domain of the next backend: its signatures must mean nothing here
        List<String> names = List.copyOf(uris.keySet());
        Eip712Domain other = domains.get(names.get((names.indexOf(name) + 1) % names.size()));
        outcome.put(name, exercise(Ledgers.open(e.getValue(), sender), other));
      }
    }
    StringBuilder table = new StringBuilder(String.format("%-36s", "receipt"));
    outcome.keySet().forEach(b -> table.append(String.format(" %-17s", b)));
    for (String row : outcome.get("embedded").keySet()) {
      table.append(String.format("%n%-36s", row));
      outcome.values().forEach(o -> table.append(String.format(" %-17s", o.get(row))));
    }
    System.out.println(table);

    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("honest receipt", "accepted");
    forgeries(null).forEach(f -> expected.put(f.name(), f.reason()));
    for (var e : outcome.entrySet()) {
      assertThat(e.getValue()).as("%s\n%s", e.getKey(), table).isEqualTo(expected);
    }
  }

  /** Opens the run, submits the honest receipt then each forgery; returns what happened to each. */
  private static Map<String, String> exercise(Ledger ledger, Eip712Domain other) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (ledger) {
      Eip712Domain d = ledger.domain();
      Address coordinator = Secp256k1.addressOf(COORDINATOR);
      RunConfig config = TERMS;
      ModelUpdate genesis =
          new ModelUpdate(
              RUN,
              0,
              UpdateKind.GENESIS,
              Hash32.ZERO,
              GENESIS_MODEL,
              h("manifest:genesis"),
              config.hash(),
              0,
              coordinator);
      ledger.openRun(config, sign(d, genesis, COORDINATOR, coordinator));
      UpdateRecord r = ledger.submit(sign(d, HONEST, ALICE, Secp256k1.addressOf(ALICE)));
      assertThat(r.contributor()).isEqualTo(Secp256k1.addressOf(ALICE));
      assertThat(r.updateId()).isEqualTo(HONEST.digest(d));
      out.put("honest receipt", "accepted");
      for (Forgery f : forgeries(other)) {
        String result;
        try {
          ledger.submit(f.make().apply(d));
          result = "accepted";
        } catch (RejectedException e) {
          result = e.reason().name();
        }
        out.put(f.name(), result);
      }
      assertThat(ledger.updates(RUN)).hasSize(2);
    }
    return out;
  }
}
