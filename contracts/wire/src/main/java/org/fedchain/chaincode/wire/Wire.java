package org.fedchain.chaincode.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Admit;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Citation;
import org.fedchain.core.receipt.CloseRun;
import org.fedchain.core.receipt.DataGrant;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Publication;
import org.fedchain.core.receipt.RevokeGrant;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.Event;
import org.fedchain.ledger.GrantRecord;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;

/**
 * The wire encoding of the FedChain chaincode's arguments, results and events: UTF-8 JSON with a
 * fixed key order, hashes, addresses and signatures as lower-case {@code 0x} hex, 64-bit and
 * 256-bit integers as decimal strings (JavaScript numbers would lose precision), small codes as
 * JSON numbers. Both the chaincode and its clients use it; {@code contracts/chaincode/README.md}
 * lists every shape.
 *
 * <p>Decoding is strict: a missing field, an unknown field or a value of the wrong type throws
 * {@link IllegalArgumentException} naming the field, so a client bug never turns into a silently
 * different receipt (and a different update id).
 *
 * <pre>{@code
 * String arg = Wire.encodeSignedUpdate(signed);        // argument of "submit"
 * UpdateRecord r = Wire.decodeRecord(resultString);    // its result
 * }</pre>
 */
public final class Wire {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The name of the one chaincode event a transaction sets; its payload is {@link #events}. */
  public static final String EVENT_NAME = "fedchain";

  /** The literal a read returns when there is nothing (an absent run or update). */
  public static final String NONE = "null";

  private Wire() {}

  // ---- scalars ----

  public static String hex(Hash32 h) {
    return Hex.prefixed(h.toBytes());
  }

  public static String hex(Address a) {
    return a.lowerHex();
  }

  public static Hash32 hash(String field, String text) {
    try {
      return Hash32.parse(text);
    } catch (IllegalArgumentException e) {
      throw bad(field, "is not a 32-byte hex hash: " + e.getMessage());
    }
  }

  public static Address address(String field, String text) {
    try {
      return Address.parse(text);
    } catch (IllegalArgumentException e) {
      throw bad(field, "is not a 20-byte hex address: " + e.getMessage());
    }
  }

  /** A uint256 as a decimal string. */
  public static BigInteger uint256(String field, String text) {
    BigInteger v;
    try {
      v = new BigInteger(text);
    } catch (NumberFormatException e) {
      throw bad(field, "is not a decimal integer: '" + abbreviate(text) + "'");
    }
    if (v.signum() < 0 || v.bitLength() > 256 || !v.toString().equals(text)) {
      throw bad(field, "must be a uint256 in canonical decimal, got '" + abbreviate(text) + "'");
    }
    return v;
  }

  private static long uint64(String field, String text) {
    BigInteger v = uint256(field, text);
    if (v.bitLength() > 64) {
      throw bad(field, "must be a uint64, got " + text);
    }
    return v.longValue();
  }

  private static long int64(String field, String text) {
    long v;
    try {
      v = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw bad(field, "must be an int64 in decimal, got '" + abbreviate(text) + "'");
    }
    if (!Long.toString(v).equals(text)) {
      throw bad(field, "must be an int64 in canonical decimal, got '" + text + "'");
    }
    return v;
  }

  // ---- arguments ----

  public static String encodeConfig(RunConfig c) {
    return write(config(c));
  }

  public static RunConfig decodeConfig(String json) {
    return config(new Obj("config", parse("config", json)));
  }

  private static ObjectNode config(RunConfig c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("mode", c.mode().name());
    o.put("commitReveal", c.commitReveal());
    ArrayNode vs = o.putArray("validators");
    c.validators().forEach(v -> vs.add(hex(v)));
    ArrayNode as = o.putArray("admitted");
    c.admitted().forEach(a -> as.add(hex(a)));
    o.put("nonce", hex(c.nonce()));
    o.put("quorum", c.quorum());
    o.put("budget", c.budget().toString());
    o.put("rewardPerPoint", c.rewardPerPoint().toString());
    o.put("claimWindow", Long.toString(c.claimWindow()));
    if (c.hasRoyalty()) {
      o.put("royaltyTo", hex(c.royaltyTo()));
      o.put("royalty", c.royalty());
    }
    if (c.hasSpec()) {
      o.put("spec", hex(c.spec()));
      o.put("specRoyalty", c.specRoyalty());
    }
    return o;
  }

  private static RunConfig config(Obj o) {
    o.only(
        "mode",
        "commitReveal",
        "validators",
        "admitted",
        "nonce",
        "quorum",
        "budget",
        "rewardPerPoint",
        "claimWindow",
        "royaltyTo",
        "royalty",
        "spec",
        "specRoyalty");
    String modeName = o.text("mode");
    Mode mode;
    try {
      mode = Mode.valueOf(modeName);
    } catch (IllegalArgumentException e) {
      throw bad(o.path("mode"), "is not one of " + List.of(Mode.values()) + ": " + modeName);
    }
    List<Address> validators = addresses(o, "validators");
    List<Address> admitted = addresses(o, "admitted");
    int quorum = o.smallInt("quorum", 255);
    try {
      return new RunConfig(
          mode,
          o.bool("commitReveal"),
          validators,
          quorum,
          uint256(o.path("budget"), o.text("budget")),
          uint256(o.path("rewardPerPoint"), o.text("rewardPerPoint")),
          uint64(o.path("claimWindow"), o.text("claimWindow")),
          o.has("royaltyTo") ? o.address("royaltyTo") : Address.ZERO,
          o.has("royalty") ? o.smallInt("royalty", 0xFFFF) : 0,
          o.has("spec") ? o.hash("spec") : Hash32.ZERO,
          o.has("specRoyalty") ? o.smallInt("specRoyalty", 0xFFFF) : 0,
          admitted,
          o.hash("nonce"));
    } catch (IllegalArgumentException e) {
      throw bad("config", e.getMessage());
    }
  }

  private static List<Address> addresses(Obj o, String field) {
    List<Address> out = new ArrayList<>();
    JsonNode vs = o.node(field);
    if (!vs.isArray()) {
      throw bad(o.path(field), "must be an array of addresses");
    }
    for (int i = 0; i < vs.size(); i++) {
      String p = o.path(field) + "[" + i + "]";
      if (!vs.get(i).isTextual()) {
        throw bad(p, "must be a hex string");
      }
      out.add(address(p, vs.get(i).asText()));
    }
    return out;
  }

  /** A signed {@link ModelUpdate}: its nine fields, then {@code signer} and {@code signature}. */
  public static String encodeSignedUpdate(Signed<ModelUpdate> s) {
    ObjectNode o = update(s.message());
    o.put("signer", hex(s.signer()));
    o.put("signature", Hex.prefixed(s.signature()));
    return write(o);
  }

  public static Signed<ModelUpdate> decodeSignedUpdate(String json) {
    Obj o = new Obj("update", parse("update", json));
    o.only(
        "runId",
        "seq",
        "kind",
        "parent",
        "model",
        "manifest",
        "data",
        "samples",
        "contributor",
        "signer",
        "signature");
    return new Signed<>(update(o), o.address("signer"), o.bytes("signature"));
  }

  private static ObjectNode update(ModelUpdate u) {
    ObjectNode o = JSON.createObjectNode();
    o.put("runId", hex(u.runId()));
    o.put("seq", Long.toUnsignedString(u.seq()));
    o.put("kind", u.kind().code());
    o.put("parent", hex(u.parent()));
    o.put("model", hex(u.model()));
    o.put("manifest", hex(u.manifest()));
    o.put("data", hex(u.data()));
    o.put("samples", Long.toUnsignedString(u.samples()));
    o.put("contributor", hex(u.contributor()));
    return o;
  }

  private static ModelUpdate update(Obj o) {
    int code = o.smallInt("kind", 255);
    UpdateKind kind;
    try {
      kind = UpdateKind.fromCode(code);
    } catch (IllegalArgumentException e) {
      throw bad(o.path("kind"), "is not an update kind: " + code);
    }
    return new ModelUpdate(
        o.hash("runId"),
        uint64(o.path("seq"), o.text("seq")),
        kind,
        o.hash("parent"),
        o.hash("model"),
        o.hash("manifest"),
        o.hash("data"),
        uint64(o.path("samples"), o.text("samples")),
        o.address("contributor"));
  }

  public static String encodeSignedAttestation(Signed<Attestation> s) {
    Attestation a = s.message();
    ObjectNode o = JSON.createObjectNode();
    o.put("updateId", hex(a.updateId()));
    o.put("score", Long.toString(a.score()));
    o.put("evalSet", hex(a.evalSet()));
    o.put("report", hex(a.report()));
    o.put("signer", hex(s.signer()));
    o.put("signature", Hex.prefixed(s.signature()));
    return write(o);
  }

  public static Signed<Attestation> decodeSignedAttestation(String json) {
    Obj o = new Obj("attestation", parse("attestation", json));
    o.only("updateId", "score", "evalSet", "report", "signer", "signature");
    Attestation a =
        new Attestation(
            o.hash("updateId"),
            int64(o.path("score"), o.text("score")),
            o.hash("evalSet"),
            o.hash("report"));
    return new Signed<>(a, o.address("signer"), o.bytes("signature"));
  }

  public static String encodeSignedAdmit(Signed<Admit> s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("runId", hex(s.message().runId()));
    o.put("node", hex(s.message().node()));
    o.put("signer", hex(s.signer()));
    o.put("signature", Hex.prefixed(s.signature()));
    return write(o);
  }

  public static Signed<Admit> decodeSignedAdmit(String json) {
    Obj o = new Obj("admit", parse("admit", json));
    o.only("runId", "node", "signer", "signature");
    return new Signed<>(
        new Admit(o.hash("runId"), o.address("node")), o.address("signer"), o.bytes("signature"));
  }

  public static String encodeSignedClose(Signed<CloseRun> s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("runId", hex(s.message().runId()));
    o.put("signer", hex(s.signer()));
    o.put("signature", Hex.prefixed(s.signature()));
    return write(o);
  }

  public static Signed<CloseRun> decodeSignedClose(String json) {
    Obj o = new Obj("close", parse("close", json));
    o.only("runId", "signer", "signature");
    return new Signed<>(new CloseRun(o.hash("runId")), o.address("signer"), o.bytes("signature"));
  }

  public static String encodeSignedGrant(Signed<DataGrant> s) {
    ObjectNode o = grant(s.message());
    o.put("signer", hex(s.signer()));
    o.put("signature", Hex.prefixed(s.signature()));
    return write(o);
  }

  public static Signed<DataGrant> decodeSignedGrant(String json) {
    Obj o = new Obj("grant", parse("grant", json));
    o.only(
        "owner",
        "dataset",
        "samples",
        "node",
        "runId",
        "share",
        "expiry",
        "nonce",
        "signer",
        "signature");
    return new Signed<>(grant(o), o.address("signer"), o.bytes("signature"));
  }

  private static ObjectNode grant(DataGrant g) {
    ObjectNode o = JSON.createObjectNode();
    o.put("owner", hex(g.owner()));
    o.put("dataset", hex(g.dataset()));
    o.put("samples", Long.toUnsignedString(g.samples()));
    o.put("node", hex(g.node()));
    o.put("runId", hex(g.runId()));
    o.put("share", g.share());
    o.put("expiry", Long.toUnsignedString(g.expiry()));
    o.put("nonce", hex(g.nonce()));
    return o;
  }

  private static DataGrant grant(Obj o) {
    return new DataGrant(
        o.address("owner"),
        o.hash("dataset"),
        uint64(o.path("samples"), o.text("samples")),
        o.address("node"),
        o.hash("runId"),
        o.smallInt("share", 0xFFFF),
        uint64(o.path("expiry"), o.text("expiry")),
        o.hash("nonce"));
  }

  public static String encodeSignedPublication(Signed<Publication> s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("spec", hex(s.message().spec()));
    o.put("author", hex(s.message().author()));
    o.put("signer", hex(s.signer()));
    o.put("signature", Hex.prefixed(s.signature()));
    return write(o);
  }

  public static Signed<Publication> decodeSignedPublication(String json) {
    Obj o = new Obj("publication", parse("publication", json));
    o.only("spec", "author", "signer", "signature");
    return new Signed<>(
        new Publication(o.hash("spec"), o.address("author")),
        o.address("signer"),
        o.bytes("signature"));
  }

  public static String encodeSignedRevoke(Signed<RevokeGrant> s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("grantId", hex(s.message().grantId()));
    o.put("signer", hex(s.signer()));
    o.put("signature", Hex.prefixed(s.signature()));
    return write(o);
  }

  public static Signed<RevokeGrant> decodeSignedRevoke(String json) {
    Obj o = new Obj("revoke", parse("revoke", json));
    o.only("grantId", "signer", "signature");
    return new Signed<>(
        new RevokeGrant(o.hash("grantId")), o.address("signer"), o.bytes("signature"));
  }

  public static String encodeSignedCitation(Signed<Citation> s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("updateId", hex(s.message().updateId()));
    o.put("grantId", hex(s.message().grantId()));
    o.put("samples", Long.toUnsignedString(s.message().samples()));
    o.put("signer", hex(s.signer()));
    o.put("signature", Hex.prefixed(s.signature()));
    return write(o);
  }

  public static Signed<Citation> decodeSignedCitation(String json) {
    Obj o = new Obj("citation", parse("citation", json));
    o.only("updateId", "grantId", "samples", "signer", "signature");
    return new Signed<>(
        new Citation(
            o.hash("updateId"), o.hash("grantId"), uint64(o.path("samples"), o.text("samples"))),
        o.address("signer"),
        o.bytes("signature"));
  }

  // ---- results ----

  public static String encodeGrants(List<GrantRecord> gs) {
    ArrayNode a = JSON.createArrayNode();
    for (GrantRecord g : gs) {
      ObjectNode o = grant(g.grant());
      o.put("grantId", hex(g.grantId()));
      o.put("revoked", g.revoked());
      a.add(o);
    }
    return write(a);
  }

  public static List<GrantRecord> decodeGrants(String json) {
    JsonNode a = parse("grants", json);
    if (!a.isArray()) {
      throw bad("grants", "must be a JSON array");
    }
    List<GrantRecord> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      Obj o = new Obj("grants[" + i + "]", a.get(i));
      o.only(
          "grantId", "revoked", "owner", "dataset", "samples", "node", "runId", "share", "expiry",
          "nonce");
      out.add(new GrantRecord(o.hash("grantId"), grant(o), o.bool("revoked")));
    }
    return out;
  }

  public static String encodeCitations(List<CitationRecord> cs) {
    ArrayNode a = JSON.createArrayNode();
    for (CitationRecord c : cs) {
      ObjectNode o = a.addObject();
      o.put("updateId", hex(c.updateId()));
      o.put("grantId", hex(c.grantId()));
      o.put("owner", hex(c.owner()));
      o.put("share", c.share());
      o.put("samples", Long.toUnsignedString(c.samples()));
      o.put("paid", c.paid().toString());
    }
    return write(a);
  }

  public static List<CitationRecord> decodeCitations(String json) {
    JsonNode a = parse("citations", json);
    if (!a.isArray()) {
      throw bad("citations", "must be a JSON array");
    }
    List<CitationRecord> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      Obj o = new Obj("citations[" + i + "]", a.get(i));
      o.only("updateId", "grantId", "owner", "share", "samples", "paid");
      out.add(
          new CitationRecord(
              o.hash("updateId"),
              o.hash("grantId"),
              o.address("owner"),
              o.smallInt("share", 0xFFFF),
              uint64(o.path("samples"), o.text("samples")),
              uint256(o.path("paid"), o.text("paid"))));
    }
    return out;
  }

  public static String encodeRecord(UpdateRecord r) {
    return write(record(r));
  }

  private static ObjectNode record(UpdateRecord r) {
    ObjectNode o = JSON.createObjectNode();
    o.put("updateId", hex(r.updateId()));
    o.setAll(update(r.receipt()));
    o.put("signature", Hex.prefixed(r.signature()));
    o.put("height", Long.toString(r.height()));
    return o;
  }

  public static UpdateRecord decodeRecord(String json) {
    return record(new Obj("record", parse("record", json)));
  }

  private static UpdateRecord record(Obj o) {
    o.only(
        "updateId",
        "runId",
        "seq",
        "kind",
        "parent",
        "model",
        "manifest",
        "data",
        "samples",
        "contributor",
        "signature",
        "height");
    return new UpdateRecord(
        o.hash("updateId"),
        update(o),
        o.bytes("signature"),
        int64(o.path("height"), o.text("height")));
  }

  /** An optional record: the record, or {@link #NONE}. */
  public static String encodeOptionalRecord(Optional<UpdateRecord> r) {
    return r.map(Wire::encodeRecord).orElse(NONE);
  }

  public static Optional<UpdateRecord> decodeOptionalRecord(String json) {
    return NONE.equals(json.strip()) ? Optional.empty() : Optional.of(decodeRecord(json));
  }

  public static String encodeRecords(List<UpdateRecord> rs) {
    ArrayNode a = JSON.createArrayNode();
    rs.forEach(r -> a.add(record(r)));
    return write(a);
  }

  public static List<UpdateRecord> decodeRecords(String json) {
    JsonNode a = parse("records", json);
    if (!a.isArray()) {
      throw bad("records", "must be a JSON array");
    }
    List<UpdateRecord> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      out.add(record(new Obj("records[" + i + "]", a.get(i))));
    }
    return out;
  }

  public static String encodeRun(Optional<Run> run) {
    if (run.isEmpty()) {
      return NONE;
    }
    Run r = run.get();
    ObjectNode o = JSON.createObjectNode();
    o.put("runId", hex(r.runId()));
    o.put("coordinator", hex(r.coordinator()));
    o.set("config", config(r.config()));
    o.put("genesisUpdate", hex(r.genesisUpdate()));
    o.put("genesisModel", hex(r.genesisModel()));
    o.put("paid", r.paid().toString());
    o.put("open", r.open());
    o.put("closedAt", Long.toString(r.closedAt()));
    return write(o);
  }

  public static Optional<Run> decodeRun(String json) {
    if (NONE.equals(json.strip())) {
      return Optional.empty();
    }
    Obj o = new Obj("run", parse("run", json));
    o.only(
        "runId",
        "coordinator",
        "config",
        "genesisUpdate",
        "genesisModel",
        "paid",
        "open",
        "closedAt");
    return Optional.of(
        new Run(
            o.hash("runId"),
            o.address("coordinator"),
            config(new Obj(o.path("config"), o.node("config"))),
            o.hash("genesisUpdate"),
            o.hash("genesisModel"),
            uint256(o.path("paid"), o.text("paid")),
            o.bool("open"),
            uint64(o.path("closedAt"), o.text("closedAt"))));
  }

  /** Scores by validator: {@code {"0x<validator>": "<int64>", ...}} in ascending address order. */
  public static String encodeAttestations(Map<Address, Long> scores) {
    ObjectNode o = JSON.createObjectNode();
    new TreeMap<>(scores).forEach((k, v) -> o.put(hex(k), Long.toString(v)));
    return write(o);
  }

  public static Map<Address, Long> decodeAttestations(String json) {
    JsonNode o = parse("attestations", json);
    if (!o.isObject()) {
      throw bad("attestations", "must be a JSON object");
    }
    Map<Address, Long> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      String p = "attestations." + e.getKey();
      if (!e.getValue().isTextual()) {
        throw bad(p, "must be a decimal string");
      }
      out.put(address(p, e.getKey()), int64(p, e.getValue().asText()));
    }
    return out;
  }

  public static String encodeDomain(Eip712Domain d) {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", d.name());
    o.put("version", d.version());
    o.put("chainId", d.chainId().toString());
    o.put("verifyingContract", hex(d.verifyingContract()));
    return write(o);
  }

  public static Eip712Domain decodeDomain(String json) {
    Obj o = new Obj("domain", parse("domain", json));
    o.only("name", "version", "chainId", "verifyingContract");
    return new Eip712Domain(
        o.text("name"),
        o.text("version"),
        uint256(o.path("chainId"), o.text("chainId")),
        o.address("verifyingContract"));
  }

  /**
   * The payload of the transaction's chaincode event: a JSON array of the rules' events in order,
   * each an object whose first key {@code type} is the {@link Event} record's simple name.
   */
  public static String encodeEvents(List<Event> events) {
    ArrayNode a = JSON.createArrayNode();
    for (Event e : events) {
      ObjectNode o = a.addObject();
      o.put("type", e.getClass().getSimpleName());
      if (e instanceof Event.RunOpened r) {
        o.put("runId", hex(r.runId()));
        o.put("coordinator", hex(r.coordinator()));
        o.put("genesisModel", hex(r.genesisModel()));
      } else if (e instanceof Event.UpdateRecorded r) {
        o.put("runId", hex(r.runId()));
        o.put("updateId", hex(r.updateId()));
        o.put("seq", Long.toUnsignedString(r.seq()));
        o.put("kind", r.kind());
        o.put("contributor", hex(r.contributor()));
        o.put("model", hex(r.model()));
        o.put("parent", hex(r.parent()));
      } else if (e instanceof Event.Attested r) {
        o.put("updateId", hex(r.updateId()));
        o.put("validator", hex(r.validator()));
        o.put("score", Long.toString(r.score()));
      } else if (e instanceof Event.SpecPublished r) {
        o.put("spec", hex(r.spec()));
        o.put("author", hex(r.author()));
      } else if (e instanceof Event.AuthorPaid r) {
        o.put("updateId", hex(r.updateId()));
        o.put("author", hex(r.author()));
        o.put("amount", r.amount().toString());
      } else if (e instanceof Event.GrantRecorded r) {
        o.put("grantId", hex(r.grantId()));
        o.put("owner", hex(r.owner()));
        o.put("node", hex(r.node()));
      } else if (e instanceof Event.GrantRevoked r) {
        o.put("grantId", hex(r.grantId()));
      } else if (e instanceof Event.Cited r) {
        o.put("updateId", hex(r.updateId()));
        o.put("grantId", hex(r.grantId()));
        o.put("owner", hex(r.owner()));
        o.put("samples", Long.toUnsignedString(r.samples()));
      } else if (e instanceof Event.DataPaid r) {
        o.put("updateId", hex(r.updateId()));
        o.put("grantId", hex(r.grantId()));
        o.put("owner", hex(r.owner()));
        o.put("amount", r.amount().toString());
      } else if (e instanceof Event.RoyaltyPaid r) {
        o.put("updateId", hex(r.updateId()));
        o.put("to", hex(r.to()));
        o.put("amount", r.amount().toString());
      } else if (e instanceof Event.RewardClaimed r) {
        o.put("updateId", hex(r.updateId()));
        o.put("contributor", hex(r.contributor()));
        o.put("amount", r.amount().toString());
      } else if (e instanceof Event.RunClosed r) {
        o.put("runId", hex(r.runId()));
      } else if (e instanceof Event.Admitted r) {
        o.put("runId", hex(r.runId()));
        o.put("node", hex(r.node()));
      } else if (e instanceof Event.BudgetReturned r) {
        o.put("runId", hex(r.runId()));
        o.put("coordinator", hex(r.coordinator()));
        o.put("amount", r.amount().toString());
      } else if (e instanceof Event.Committed r) {
        o.put("commitment", hex(r.commitment()));
        o.put("height", Long.toString(r.height()));
      } else if (e instanceof Event.Minted r) {
        o.put("to", hex(r.to()));
        o.put("amount", r.amount().toString());
      } else {
        throw new IllegalStateException("no wire form for event " + e);
      }
    }
    return write(a);
  }

  public static List<Event> decodeEvents(String json) {
    JsonNode a = parse("events", json);
    if (!a.isArray()) {
      throw bad("events", "must be a JSON array");
    }
    List<Event> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      Obj o = new Obj("events[" + i + "]", a.get(i));
      String type = o.text("type");
      Event e =
          switch (type) {
            case "RunOpened" -> {
              o.only("type", "runId", "coordinator", "genesisModel");
              yield new Event.RunOpened(
                  o.hash("runId"), o.address("coordinator"), o.hash("genesisModel"));
            }
            case "UpdateRecorded" -> {
              o.only("type", "runId", "updateId", "seq", "kind", "contributor", "model", "parent");
              yield new Event.UpdateRecorded(
                  o.hash("runId"),
                  o.hash("updateId"),
                  uint64(o.path("seq"), o.text("seq")),
                  o.smallInt("kind", 255),
                  o.address("contributor"),
                  o.hash("model"),
                  o.hash("parent"));
            }
            case "Attested" -> {
              o.only("type", "updateId", "validator", "score");
              yield new Event.Attested(
                  o.hash("updateId"),
                  o.address("validator"),
                  int64(o.path("score"), o.text("score")));
            }
            case "RewardClaimed" -> {
              o.only("type", "updateId", "contributor", "amount");
              yield new Event.RewardClaimed(
                  o.hash("updateId"),
                  o.address("contributor"),
                  uint256(o.path("amount"), o.text("amount")));
            }
            case "SpecPublished" -> {
              o.only("type", "spec", "author");
              yield new Event.SpecPublished(o.hash("spec"), o.address("author"));
            }
            case "AuthorPaid" -> {
              o.only("type", "updateId", "author", "amount");
              yield new Event.AuthorPaid(
                  o.hash("updateId"),
                  o.address("author"),
                  uint256(o.path("amount"), o.text("amount")));
            }
            case "GrantRecorded" -> {
              o.only("type", "grantId", "owner", "node");
              yield new Event.GrantRecorded(
                  o.hash("grantId"), o.address("owner"), o.address("node"));
            }
            case "GrantRevoked" -> {
              o.only("type", "grantId");
              yield new Event.GrantRevoked(o.hash("grantId"));
            }
            case "Cited" -> {
              o.only("type", "updateId", "grantId", "owner", "samples");
              yield new Event.Cited(
                  o.hash("updateId"),
                  o.hash("grantId"),
                  o.address("owner"),
                  uint64(o.path("samples"), o.text("samples")));
            }
            case "DataPaid" -> {
              o.only("type", "updateId", "grantId", "owner", "amount");
              yield new Event.DataPaid(
                  o.hash("updateId"),
                  o.hash("grantId"),
                  o.address("owner"),
                  uint256(o.path("amount"), o.text("amount")));
            }
            case "RoyaltyPaid" -> {
              o.only("type", "updateId", "to", "amount");
              yield new Event.RoyaltyPaid(
                  o.hash("updateId"), o.address("to"), uint256(o.path("amount"), o.text("amount")));
            }
            case "RunClosed" -> {
              o.only("type", "runId");
              yield new Event.RunClosed(o.hash("runId"));
            }
            case "Admitted" -> {
              o.only("type", "runId", "node");
              yield new Event.Admitted(o.hash("runId"), o.address("node"));
            }
            case "BudgetReturned" -> {
              o.only("type", "runId", "coordinator", "amount");
              yield new Event.BudgetReturned(
                  o.hash("runId"),
                  o.address("coordinator"),
                  uint256(o.path("amount"), o.text("amount")));
            }
            case "Committed" -> {
              o.only("type", "commitment", "height");
              yield new Event.Committed(
                  o.hash("commitment"), int64(o.path("height"), o.text("height")));
            }
            case "Minted" -> {
              o.only("type", "to", "amount");
              yield new Event.Minted(o.address("to"), uint256(o.path("amount"), o.text("amount")));
            }
            default -> throw bad(o.path("type"), "is not a known event type: " + type);
          };
      out.add(e);
    }
    return out;
  }

  // ---- helpers ----

  private static String write(JsonNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  private static JsonNode parse(String what, String json) {
    if (json == null) {
      throw bad(what, "is missing");
    }
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw bad(what, "is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static IllegalArgumentException bad(String field, String problem) {
    return new IllegalArgumentException(field + " " + problem);
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }

  /** A JSON object being decoded, with the path of each field for error messages. */
  private static final class Obj {
    private final String path;
    private final JsonNode node;

    Obj(String path, JsonNode node) {
      if (node == null || !node.isObject()) {
        throw bad(path, "must be a JSON object");
      }
      this.path = path;
      this.node = node;
    }

    boolean has(String field) {
      return node.has(field);
    }

    String path(String field) {
      return path + "." + field;
    }

    void only(String... fields) {
      Set<String> allowed = Set.of(fields);
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!allowed.contains(f)) {
          throw bad(path(f), "is not a field of " + path + " (expected " + List.of(fields) + ")");
        }
      }
    }

    JsonNode node(String field) {
      JsonNode n = node.get(field);
      if (n == null || n.isNull()) {
        throw bad(path(field), "is missing");
      }
      return n;
    }

    String text(String field) {
      JsonNode n = node(field);
      if (!n.isTextual()) {
        throw bad(
            path(field),
            "must be a string, got " + n.getNodeType().name().toLowerCase(Locale.ROOT));
      }
      return n.asText();
    }

    boolean bool(String field) {
      JsonNode n = node(field);
      if (!n.isBoolean()) {
        throw bad(path(field), "must be true or false");
      }
      return n.asBoolean();
    }

    int smallInt(String field, int max) {
      JsonNode n = node(field);
      if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > max) {
        throw bad(path(field), "must be an integer 0.." + max + ", got " + n);
      }
      return n.asInt();
    }

    Hash32 hash(String field) {
      return Wire.hash(path(field), text(field));
    }

    Address address(String field) {
      return Wire.address(path(field), text(field));
    }

    byte[] bytes(String field) {
      try {
        return Hex.decode(text(field));
      } catch (IllegalArgumentException e) {
        throw bad(path(field), "is not hex: " + e.getMessage());
      }
    }
  }
}
