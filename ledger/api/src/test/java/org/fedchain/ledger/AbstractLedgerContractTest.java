package org.fedchain.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
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
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Publication;
import org.fedchain.core.receipt.RevokeGrant;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.rules.Rules;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger rules as JSON vectors ({@code ledger-rules.json}), run against one backend per
 * subclass. Each vector sets up state with calls, makes one more call, expects it accepted or
 * rejected with a {@link Reason}, and checks reads after. A rejected call must leave the state as
 * it was ({@link #snapshot}).
 */
public abstract class AbstractLedgerContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Test keys (the first accounts of anvil's default mnemonic, so chains can fund them). */
  protected static final Map<String, byte[]> KEYS =
      Map.of(
          "coordinator",
              Hex.decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
          "alice", Hex.decode("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
          "bob", Hex.decode("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"),
          "v1", Hex.decode("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"),
          "v2", Hex.decode("47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"),
          "v3", Hex.decode("92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e"),
          "v4", Hex.decode("4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"),
          "mallory", Hex.decode("8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"),
          "carol", Hex.decode("dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"),
          "dave", Hex.decode("2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"));

  @TempDir protected Path tempDir;

  /** A fresh, empty ledger for one vector. */
  protected abstract Ledger newLedger(Path dir) throws Exception;

  /**
   * Everything the backend stores, comparable with equals; used to prove rejections change nothing.
   */
  protected abstract Object snapshot(Ledger ledger) throws Exception;

  protected static Address address(String actor) {
    if (actor.equals("zero")) {
      return Address.ZERO;
    }
    return Secp256k1.addressOf(key(actor));
  }

  private static String actorOf(Address a) {
    return KEYS.keySet().stream()
        .filter(k -> address(k).equals(a))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no actor has address " + a));
  }

  private static byte[] key(String actor) {
    byte[] k = KEYS.get(actor);
    if (k == null) {
      throw new IllegalArgumentException("unknown actor " + actor);
    }
    return k;
  }

  protected static Hash32 h(String label) {
    return Hash32.sha256(label.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @TestFactory
  Stream<DynamicTest> rule_vectors() throws Exception {
    JsonNode vectors;
    try (InputStream in =
        AbstractLedgerContractTest.class.getResourceAsStream("ledger-rules.json")) {
      vectors = JSON.readTree(in).get("vectors");
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode v : vectors) {
      tests.add(DynamicTest.dynamicTest(v.get("name").asText(), () -> runVector(v)));
    }
    tests.add(DynamicTest.dynamicTest("the outcome table", () -> outcomeTable(vectors)));
    return tests.stream();
  }

  /** Per vector: the reason this backend gave (or "ok") and whether a refusal left state alone. */
  private final Map<String, String> outcomes = new java.util.LinkedHashMap<>();

  /**
   * Prints what this backend did with every refused call (the tamper matrix, one column of it) and
   * writes it to {@code target/rule-outcomes.tsv}, which {@code scripts/rule-matrix.sh} joins
   * across backends.
   */
  private void outcomeTable(JsonNode vectors) throws Exception {
    StringBuilder tsv = new StringBuilder();
    StringBuilder table =
        new StringBuilder(String.format("%-66s %-22s %s%n", "refused call", "reason", "state"));
    int refusals = 0;
    for (JsonNode v : vectors) {
      String name = v.get("name").asText();
      String got = outcomes.get(name);
      assertThat(got).as("outcome of %s (did it run?)", name).isNotNull();
      tsv.append(name).append('\t').append(got).append('\n');
      if (!v.get("expect").asText().equals("ok")) {
        refusals++;
        String[] g = got.split(" ", 2);
        table.append(String.format("%-66s %-22s %s%n", name, g[0], g[1]));
      }
    }
    table.append(refusals).append(" refused calls, each with its reason and the state unchanged");
    System.out.println(getClass().getSimpleName() + "\n" + table);
    java.nio.file.Files.createDirectories(Path.of("target"));
    java.nio.file.Files.writeString(Path.of("target", "rule-outcomes.tsv"), tsv);
  }

  private void runVector(JsonNode v) throws Exception {
    try (Ledger ledger = newLedger(tempDir.resolve(v.get("name").asText()))) {
      Harness hx = new Harness(ledger);
      for (JsonNode call : v.path("setup")) {
        try {
          hx.call(call);
        } catch (RejectedException e) {
          fail("setup call " + call + " was rejected: " + e.getMessage());
        }
      }
      String expect = v.get("expect").asText();
      Object before = snapshot(ledger);
      Optional<RejectedException> rejected = Optional.empty();
      try {
        hx.call(v.get("call"));
      } catch (RejectedException e) {
        rejected = Optional.of(e);
      }
      if (expect.equals("ok")) {
        assertThat(rejected).as("call %s", v.get("call")).isEmpty();
      } else {
        assertThat(rejected)
            .as("call %s should be rejected with %s", v.get("call"), expect)
            .isPresent();
        assertThat(rejected.get().reason().name())
            .as(rejected.get().getMessage())
            .isEqualTo(expect);
        assertThat(snapshot(ledger)).as("state after a rejected call").isEqualTo(before);
      }
      outcomes.put(
          v.get("name").asText(),
          rejected.map(e -> e.reason().name() + " unchanged").orElse("ok changed"));
      for (JsonNode check : v.path("after")) {
        hx.check(check);
      }
    }
  }

  /** Turns vector calls into signed ledger calls in the ledger's own domain. */
  protected static final class Harness {
    private final Ledger ledger;
    private final Map<String, RunConfig> configs = new HashMap<>();
    private final Map<String, Hash32> runIds = new HashMap<>();
    private final Map<String, Hash32> grantIds = new HashMap<>();

    /** The grant a vector names: the id its grant call derived, else SHA-256("grant:" + name). */
    Hash32 grantId(String name) {
      return grantIds.getOrDefault(name, h("grant:" + name));
    }

    /**
     * The run a vector names: the id its last openRun derived, or SHA-256("run:" + name) for a run
     * never opened.
     */
    Hash32 runId(String name) {
      return runIds.getOrDefault(name, h("run:" + name));
    }

    Harness(Ledger ledger) {
      this.ledger = ledger;
    }

    void call(JsonNode c) throws LedgerException {
      switch (c.get("op").asText()) {
        case "mint" ->
            ledger.mint(address(c.get("to").asText()), new BigInteger(c.get("amount").asText()));
        case "openRun" -> openRun(c);
        case "submit" -> ledger.submit(sign(c, update(c)));
        case "commit" -> {
          String who = c.path("for").asText(c.get("signer").asText());
          Hash32 what =
              c.has("eval")
                  ? h(c.get("eval").asText())
                  : c.has("spec") ? h(c.get("spec").asText()) : update(c).digest(ledger.domain());
          ledger.commit(Rules.commitment(what, address(who)));
        }
        case "attest" -> {
          Hash32 updateId = updateId(c);
          Hash32 eval = h(c.path("eval").asText("eval"));
          ledger.attest(
              sign(c, new Attestation(updateId, c.get("score").asLong(), eval, h("report"))));
        }
        case "claim" -> ledger.claim(updateId(c));
        case "close" -> ledger.closeRun(sign(c, new CloseRun(runId(c.get("run").asText()))));
        case "reclaim" -> ledger.reclaim(runId(c.get("run").asText()));
        case "grant" -> {
          String name = c.get("grant").asText();
          DataGrant g =
              new DataGrant(
                  address(c.path("owner").asText(c.get("signer").asText())),
                  h(c.path("dataset").asText("d1")),
                  c.path("samples").asLong(100),
                  c.has("node") ? address(c.get("node").asText()) : Address.ZERO,
                  c.has("run") ? runId(c.get("run").asText()) : Hash32.ZERO,
                  c.path("share").asInt(10_000),
                  System.currentTimeMillis() / 1000 + c.path("expiresIn").asLong(3600),
                  h("grant:" + name));
          grantIds.put(name, g.digest(ledger.domain()));
          ledger.grant(sign(c, g));
        }
        case "publish" ->
            ledger.publish(
                sign(
                    c,
                    new Publication(
                        h(c.get("spec").asText()),
                        address(c.path("author").asText(c.get("signer").asText())))));
        case "revoke" ->
            ledger.revokeGrant(sign(c, new RevokeGrant(grantId(c.get("grant").asText()))));
        case "cite" -> {
          // the recorded update of the run and model: a cite's "samples" are the citation's
          Hash32 updateId =
              ledger
                  .updateOfModel(runId(c.get("run").asText()), h(c.get("model").asText()))
                  .map(UpdateRecord::updateId)
                  .orElse(h("no such update"));
          JsonNode signed = c;
          if (!c.has("signer")) { // the update's contributor
            Address who = ledger.update(updateId).orElseThrow().contributor();
            signed =
                ((com.fasterxml.jackson.databind.node.ObjectNode) c.deepCopy())
                    .put("signer", actorOf(who));
          }
          ledger.cite(
              sign(
                  signed,
                  new Citation(
                      updateId, grantId(c.get("grant").asText()), c.path("samples").asLong(0))));
        }
        case "admit" ->
            ledger.admit(
                sign(c, new Admit(runId(c.get("run").asText()), address(c.get("node").asText()))));
        default -> throw new IllegalArgumentException("unknown op " + c.get("op"));
      }
    }

    private void openRun(JsonNode c) throws LedgerException {
      RunConfig config =
          new RunConfig(
              Mode.valueOf(c.path("mode").asText("CHAINED")),
              c.path("commitReveal").asBoolean(false),
              addresses(c.path("validators")),
              c.path("quorum").asInt(0),
              new BigInteger(c.path("budget").asText("0")),
              new BigInteger(c.path("rate").asText("0")),
              Long.parseLong(c.path("window").asText("0")),
              c.has("royaltyTo") ? address(c.get("royaltyTo").asText()) : Address.ZERO,
              c.path("royalty").asInt(0),
              c.has("spec") ? h(c.get("spec").asText()) : Hash32.ZERO,
              c.path("specRoyalty").asInt(0),
              addresses(c.path("admitted")),
              h("run:" + c.get("run").asText()));
      String run = c.get("run").asText();
      configs.put(run, config);
      // derived from the signer and the terms, unless the vector names an id outright
      runIds.put(
          run,
          c.has("runId")
              ? h("run:" + c.get("runId").asText())
              : config.runId(address(c.get("signer").asText())));
      Hash32 data =
          switch (c.path("genesisData").asText("config")) {
            case "config" -> config.hash();
            default -> h(c.get("genesisData").asText());
          };
      ModelUpdate g =
          new ModelUpdate(
              runId(run),
              c.path("genesisSeq").asLong(0),
              UpdateKind.valueOf(c.path("genesisKind").asText("GENESIS")),
              c.has("genesisParent") ? h(c.get("genesisParent").asText()) : Hash32.ZERO,
              h(c.path("genesis").asText("g")),
              h("manifest:config"),
              data,
              0,
              contributor(c));
      ledger.openRun(config, sign(c, g));
    }

    private static List<Address> addresses(JsonNode names) {
      List<Address> out = new ArrayList<>();
      names.forEach(n -> out.add(address(n.asText())));
      return out;
    }

    /** The receipt's contributor: the vector's {@code contributor}, else its signer. */
    private static Address contributor(JsonNode c) {
      return address(c.path("contributor").asText(c.path("signer").asText()));
    }

    private ModelUpdate update(JsonNode c) {
      String model = c.get("model").asText();
      return new ModelUpdate(
          runId(c.get("run").asText()),
          c.path("seq").asLong(1),
          UpdateKind.valueOf(c.path("kind").asText("CHAINED")),
          h(c.path("parent").asText("g")),
          h(model),
          h("manifest:" + model),
          h("data:" + model),
          c.path("samples").asLong(100),
          contributor(c));
    }

    /**
     * The id of the update a call names: the recorded update of its run and model, or, when the
     * call names a {@code contributor} or {@code samples}, a variant of that receipt with those
     * fields (which is no recorded update unless it is the very receipt).
     */
    private Hash32 updateId(JsonNode c) throws LedgerException {
      Hash32 run = runId(c.get("run").asText());
      Optional<UpdateRecord> u = ledger.updateOfModel(run, h(c.get("model").asText()));
      if (u.isEmpty()) {
        return h("no such update");
      }
      if (!c.has("contributor") && !c.has("samples")) {
        return u.get().updateId();
      }
      ModelUpdate r = u.get().receipt();
      return new ModelUpdate(
              r.runId(),
              r.seq(),
              r.kind(),
              r.parent(),
              r.model(),
              r.manifest(),
              r.data(),
              c.path("samples").asLong(r.samples()),
              c.has("contributor") ? address(c.get("contributor").asText()) : r.contributor())
          .digest(ledger.domain());
    }

    /** Signs in the ledger's domain, then applies the vector's signature mutation. */
    private <T extends Eip712.Struct> Signed<T> sign(JsonNode c, T message) {
      String signer = c.get("signer").asText();
      String mode = c.path("sig").asText("valid");
      Eip712Domain d = ledger.domain();
      Eip712Domain domain =
          switch (mode) {
            case "wrong-chain" ->
                new Eip712Domain(
                    d.name(), d.version(), d.chainId().add(BigInteger.ONE), d.verifyingContract());
            case "wrong-contract" ->
                new Eip712Domain(d.name(), d.version(), d.chainId(), address("mallory"));
            default -> d;
          };
      byte[] sig =
          Secp256k1.sign(
              Eip712.digest(domain, message), key(mode.equals("wrong-key") ? "mallory" : signer));
      T sent = message;
      switch (mode) {
        case "valid", "wrong-chain", "wrong-contract", "wrong-key" -> {}
        case "short" -> sig = java.util.Arrays.copyOf(sig, 64);
        case "v-raw" -> sig[64] -= 27;
        case "zero-r" -> java.util.Arrays.fill(sig, 0, 32, (byte) 0);
        case "high-s" -> {
          BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
          byte[] hs = Secp256k1.N.subtract(s).toByteArray();
          java.util.Arrays.fill(sig, 32, 64, (byte) 0);
          int n = Math.min(hs.length, 32);
          System.arraycopy(hs, hs.length - n, sig, 64 - n, n);
          sig[64] = (byte) (sig[64] == 27 ? 28 : 27);
        }
        case "tampered" -> sent = tamper(message);
        default -> throw new IllegalArgumentException("unknown sig mode " + mode);
      }
      return new Signed<>(sent, address(signer), sig);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Eip712.Struct> T tamper(T m) {
      if (m instanceof ModelUpdate u) {
        return (T)
            new ModelUpdate(
                u.runId(),
                u.seq(),
                u.kind(),
                u.parent(),
                u.model(),
                u.manifest(),
                u.data(),
                u.samples() + 1,
                u.contributor());
      }
      if (m instanceof DataGrant g) {
        return (T)
            new DataGrant(
                g.owner(),
                g.dataset(),
                g.samples() + 1,
                g.node(),
                g.runId(),
                g.share(),
                g.expiry(),
                g.nonce());
      }
      if (m instanceof Citation x) {
        return (T) new Citation(x.updateId(), x.grantId(), x.samples() + 1);
      }
      if (m instanceof Attestation a) {
        return (T) new Attestation(a.updateId(), a.score() + 1, a.evalSet(), a.report());
      }
      throw new IllegalArgumentException("cannot tamper with " + m);
    }

    void check(JsonNode c) throws LedgerException {
      if (c.has("balance")) {
        assertThat(ledger.balance(address(c.get("balance").asText())))
            .as("balance of %s", c.get("balance").asText())
            .isEqualTo(new BigInteger(c.get("is").asText()));
      } else if (c.has("heads")) {
        assertThat(models(ledger.heads(runId(c.get("heads").asText()))))
            .as("heads")
            .isEqualTo(names(c.get("are")));
      } else if (c.has("recorded")) {
        JsonNode r = c.get("recorded");
        assertThat(
                ledger
                    .updateOfModel(runId(r.get("run").asText()), h(r.get("model").asText()))
                    .filter(
                        u ->
                            !r.has("contributor")
                                || u.contributor().equals(address(r.get("contributor").asText())))
                    .isPresent())
            .as("recorded %s", r)
            .isEqualTo(c.get("is").asBoolean());
      } else if (c.has("paid")) {
        assertThat(ledger.run(runId(c.get("paid").asText())).orElseThrow().paid())
            .isEqualTo(new BigInteger(c.get("is").asText()));
      } else if (c.has("open")) {
        assertThat(ledger.run(runId(c.get("open").asText())).orElseThrow().open())
            .isEqualTo(c.get("is").asBoolean());
      } else if (c.has("lineage")) {
        assertThat(models(ledger.lineage(updateId(c.get("lineage")))))
            .as("lineage")
            .isEqualTo(names(c.get("is")));
      } else if (c.has("children")) {
        assertThat(models(ledger.children(updateId(c.get("children")))))
            .as("children")
            .containsExactlyInAnyOrderElementsOf(names(c.get("are")));
      } else if (c.has("author")) {
        assertThat(ledger.authorOf(h(c.get("author").asText())).orElse(Address.ZERO))
            .as("author of %s", c.get("author"))
            .isEqualTo(address(c.get("is").asText()));
      } else if (c.has("citations")) {
        assertThat(ledger.citations(updateId(c.get("citations")))).hasSize(c.get("count").asInt());
      } else if (c.has("attestations")) {
        assertThat(ledger.attestations(updateId(c.get("attestations"))))
            .hasSize(c.get("count").asInt());
      } else if (c.has("updates")) {
        assertThat(models(ledger.updates(runId(c.get("updates").asText()))))
            .as("updates")
            .isEqualTo(names(c.get("are")));
      } else if (c.has("admitted")) {
        JsonNode a = c.get("admitted");
        assertThat(ledger.admits(runId(a.get("run").asText()), address(a.get("who").asText())))
            .as("admitted %s", a)
            .isEqualTo(c.get("is").asBoolean());
      } else if (c.has("coordinator")) {
        assertThat(ledger.run(runId(c.get("coordinator").asText())).orElseThrow().coordinator())
            .isEqualTo(address(c.get("is").asText()));
      } else if (c.has("contributor")) {
        UpdateRecord u = ledger.update(updateId(c.get("contributor"))).orElseThrow();
        assertThat(u.contributor()).isEqualTo(address(c.get("is").asText()));
      } else {
        throw new IllegalArgumentException("unknown check " + c);
      }
    }

    private static List<Hash32> models(List<UpdateRecord> rs) {
      return rs.stream().map(r -> r.receipt().model()).toList();
    }

    private static List<Hash32> names(JsonNode arr) {
      List<Hash32> out = new ArrayList<>();
      arr.forEach(n -> out.add(h(n.asText())));
      return out;
    }
  }
}
