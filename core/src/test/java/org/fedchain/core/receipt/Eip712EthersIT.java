package org.fedchain.core.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.junit.jupiter.api.Test;

/**
 * EIP-712 digests, signatures and recovered signers agree with ethers v6 (an independent
 * implementation).
 */
class Eip712EthersIT {
  static final ObjectMapper JSON = new ObjectMapper();

  record Case(Eip712Domain domain, Eip712.Struct message, byte[] key) {}

  static Hash32 h(String label) {
    return Hash32.sha256(label.getBytes());
  }

  static List<Case> cases() {
    byte[] k1 = Hex.decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    byte[] k2 = Hex.decode("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    Address registry = Address.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    List<Case> cs = new ArrayList<>();
    cs.add(
        new Case(
            Eip712Domain.embedded("demo"),
            new ModelUpdate(
                h("run"),
                1,
                UpdateKind.CHAINED,
                h("g"),
                h("m1"),
                h("man1"),
                h("d1"),
                20000,
                Secp256k1.addressOf(k1)),
            k1));
    cs.add(
        new Case(
            Eip712Domain.ethereum(1, registry),
            new ModelUpdate(
                h("run"),
                0,
                UpdateKind.GENESIS,
                Hash32.ZERO,
                h("g"),
                h("cfg"),
                h("cfg"),
                0,
                Secp256k1.addressOf(k2)),
            k2));
    cs.add(
        new Case(
            Eip712Domain.ethereum(31337, registry),
            new ModelUpdate(
                h("run2"),
                -1L,
                UpdateKind.STAGE,
                h("p"),
                h("m"),
                h("x"),
                h("y"),
                -1L,
                Secp256k1.addressOf(k1)),
            k1));
    cs.add(
        new Case(
            Eip712Domain.fabric(h("genesis block"), "fedchain", "fedchain"),
            new ModelUpdate(
                h("run3"),
                7,
                UpdateKind.AGGREGATE,
                h("p"),
                h("m"),
                h("x"),
                h("y"),
                123456789012L,
                Address.parse("0x00000000000000000000000000000000000000ff")),
            k2));
    cs.add(
        new Case(
            Eip712Domain.embedded("x"),
            new Attestation(h("u"), Long.MIN_VALUE, h("e"), h("r")),
            k1));
    cs.add(
        new Case(
            Eip712Domain.ethereum(31337, registry),
            new Attestation(h("u"), Long.MAX_VALUE, h("e"), h("r")),
            k2));
    cs.add(
        new Case(
            Eip712Domain.ethereum(1, registry),
            new Attestation(h("u2"), 0, Hash32.ZERO, h("r")),
            k1));
    return cs;
  }

  static ObjectNode toJson(Case c) {
    ObjectNode o = JSON.createObjectNode();
    ObjectNode d = o.putObject("domain");
    d.put("name", c.domain.name())
        .put("version", c.domain.version())
        .put("chainId", c.domain.chainId().toString())
        .put("verifyingContract", c.domain.verifyingContract().lowerHex());
    ObjectNode m = o.putObject("message");
    if (c.message instanceof ModelUpdate u) {
      o.put("primaryType", "ModelUpdate");
      m.put("runId", u.runId().toString())
          .put("seq", Long.toUnsignedString(u.seq()))
          .put("kind", String.valueOf(u.kind().code()))
          .put("parent", u.parent().toString())
          .put("model", u.model().toString())
          .put("manifest", u.manifest().toString())
          .put("data", u.data().toString())
          .put("samples", Long.toUnsignedString(u.samples()))
          .put("contributor", u.contributor().lowerHex());
    } else if (c.message instanceof Attestation a) {
      o.put("primaryType", "Attestation");
      m.put("updateId", a.updateId().toString())
          .put("score", Long.toString(a.score()))
          .put("evalSet", a.evalSet().toString())
          .put("report", a.report().toString());
    }
    o.put("privateKey", Hex.prefixed(c.key));
    o.put(
        "fedchainSignature",
        Hex.prefixed(Secp256k1.sign(Eip712.digest(c.domain, c.message), c.key)));
    return o;
  }

  @Test
  void digests_signatures_and_signers_match_ethers() throws Exception {
    Path nodeModules =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"),
            "node",
            "node_modules");
    assertThat(nodeModules.resolve("ethers"))
        .as("ethers is installed by scripts/setup.sh under %s", nodeModules)
        .isDirectory();
    List<Case> cases = cases();
    ArrayNode in = JSON.createArrayNode();
    cases.forEach(c -> in.add(toJson(c)));
    ProcessBuilder pb =
        new ProcessBuilder("node", Path.of("src/test/js/eip712-ethers.cjs").toString());
    pb.environment().put("NODE_PATH", nodeModules.toString());
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    p.getOutputStream().write(JSON.writeValueAsBytes(in));
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    JsonNode results = JSON.readTree(out);
    assertThat(results).hasSize(cases.size());
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      JsonNode r = results.get(i);
      Hash32 digest = Eip712.digest(c.domain, c.message);
      byte[] ours = Secp256k1.sign(digest, c.key);
      assertThat(r.get("digest").asText()).as("digest of case %d", i).isEqualTo(digest.toString());
      assertThat(r.get("signature").asText())
          .as("signature of case %d", i)
          .isEqualTo(Hex.prefixed(ours));
      assertThat(r.get("recovered").asText())
          .as("signer ethers recovers, case %d", i)
          .isEqualTo(Secp256k1.addressOf(c.key).toString());
      assertThat(
              Secp256k1.recover(
                  Hash32.parse(r.get("digest").asText()), Hex.decode(r.get("signature").asText())))
          .isEqualTo(Address.parse(r.get("signer").asText()));
    }
  }
}
