package org.fedchain.verifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.ledger.UpdateRecord;

/**
 * An audit as JSON. Each update carries its receipt as {@code eth_signTypedData_v4} typed data
 * (types, primaryType, domain, message; uint64 as decimal strings) with the signature, so any
 * EIP-712 tool can recompute the digest and recover the signer. (ethers' {@code verifyTypedData}
 * wants {@code types} without {@code EIP712Domain}.)
 */
public final class AuditJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AuditJson() {}

  public static String write(RunAudit audit, Eip712Domain domain) {
    ObjectNode root = JSON.createObjectNode();
    root.put("runId", audit.runId().toString());
    root.put("ok", audit.ok());
    ArrayNode updates = root.putArray("updates");
    for (UpdateCheck c : audit.updates()) {
      ObjectNode u = updates.addObject();
      UpdateRecord r = c.update();
      u.put("updateId", r.updateId().toString());
      u.put("seq", Long.toUnsignedString(r.receipt().seq()));
      u.put("kind", r.receipt().kind().name());
      u.put("contributor", r.contributor().toString());
      u.put("ok", c.ok());
      ArrayNode problems = u.putArray("problems");
      c.problems().forEach(problems::add);
      u.set("typedData", typedData(r.receipt(), domain));
      u.put("signature", Hex.prefixed(r.signature()));
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode typedData(ModelUpdate r, Eip712Domain domain) {
    ObjectNode td = JSON.createObjectNode();
    ObjectNode types = td.putObject("types");
    ArrayNode d = types.putArray("EIP712Domain");
    field(d, "name", "string");
    field(d, "version", "string");
    field(d, "chainId", "uint256");
    field(d, "verifyingContract", "address");
    ArrayNode m = types.putArray("ModelUpdate");
    field(m, "runId", "bytes32");
    field(m, "seq", "uint64");
    field(m, "kind", "uint8");
    field(m, "parent", "bytes32");
    field(m, "model", "bytes32");
    field(m, "manifest", "bytes32");
    field(m, "data", "bytes32");
    field(m, "samples", "uint64");
    field(m, "contributor", "address");
    td.put("primaryType", "ModelUpdate");
    ObjectNode dom = td.putObject("domain");
    dom.put("name", domain.name());
    dom.put("version", domain.version());
    dom.put("chainId", domain.chainId().toString());
    dom.put("verifyingContract", domain.verifyingContract().toString());
    ObjectNode msg = td.putObject("message");
    msg.put("runId", r.runId().toString());
    msg.put("seq", Long.toUnsignedString(r.seq()));
    msg.put("kind", String.valueOf(r.kind().code()));
    msg.put("parent", r.parent().toString());
    msg.put("model", r.model().toString());
    msg.put("manifest", r.manifest().toString());
    msg.put("data", r.data().toString());
    msg.put("samples", Long.toUnsignedString(r.samples()));
    msg.put("contributor", r.contributor().lowerHex());
    return td;
  }

  private static void field(ArrayNode a, String name, String type) {
    a.addObject().put("name", name).put("type", type);
  }
}
