package org.fedchain.chaincode;

import java.math.BigInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.fedchain.chaincode.wire.Wire;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
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
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.rules.Rules;
import org.hyperledger.fabric.shim.ChaincodeException;
import org.hyperledger.fabric.shim.ChaincodeStub;

/**
 * The chaincode's transactions on a bare {@link ChaincodeStub}: decode the {@link Wire} arguments,
 * run the {@link Rules} over a {@link StubState}, write only if they accept, encode the result.
 * {@link FedChainContract} is the thin contract-API face of this class.
 *
 * <p>Every refusal is a {@link ChaincodeException} whose message starts with a code and a colon and
 * whose payload is that code alone: a {@link org.fedchain.ledger.Reason} name when the rules
 * refused ({@code "NO_COMMIT: run 0x.. requires commit-reveal ..."}), {@value #BAD_REQUEST} when an
 * argument does not decode, {@value #UNAUTHORIZED} when the caller may not mint.
 */
final class Transactions {
  static final String BAD_REQUEST = "BAD_REQUEST";
  static final String UNAUTHORIZED = "UNAUTHORIZED";

  private final Hash32 network;
  private final Function<ChaincodeStub, String> chaincodeName;
  private final Minters minters;

  /**
   * {@code network}: the data hash of the channel's genesis block; {@code chaincodeName}: the name
   * a transaction invoked the chaincode under.
   */
  Transactions(Hash32 network, Function<ChaincodeStub, String> chaincodeName, Minters minters) {
    this.network = network;
    this.chaincodeName = chaincodeName;
    this.minters = minters;
  }

  /**
   * As deployed: the network from the channel's genesis block at {@code FEDCHAIN_CHANNEL_BLOCK}
   * (chaincode cannot query the ledger's blocks itself: the peer refuses qscc from chaincode), the
   * chaincode name from each transaction's proposal, the minters from {@code FEDCHAIN_MINTERS}.
   */
  static Transactions fromEnvironment() {
    String minters = System.getenv().getOrDefault("FEDCHAIN_MINTERS", Minters.DEFAULT);
    return new Transactions(
        GenesisBlock.network(System.getenv("FEDCHAIN_CHANNEL_BLOCK")),
        ChaincodeName::of,
        Minters.parse(minters));
  }

  Eip712Domain domain(ChaincodeStub stub) {
    return Eip712Domain.fabric(network, stub.getChannelId(), chaincodeName.apply(stub));
  }

  private Rules rules(ChaincodeStub stub) {
    return new Rules(domain(stub));
  }

  interface Write<T> {
    T apply(Rules rules, StubState state) throws RejectedException;
  }

  private <T> T write(ChaincodeStub stub, Write<T> call) {
    StubState state = new StubState(stub);
    T result;
    try {
      result = call.apply(rules(stub), state);
    } catch (RejectedException e) {
      throw new ChaincodeException(e.getMessage(), e.reason().name());
    }
    state.flush();
    return result;
  }

  private static <A> A arg(Supplier<A> decode) {
    try {
      return decode.get();
    } catch (IllegalArgumentException e) {
      throw new ChaincodeException(BAD_REQUEST + ": " + e.getMessage(), BAD_REQUEST);
    }
  }

  // ---- writes ----

  String openRun(ChaincodeStub stub, String config, String genesis) {
    RunConfig c = arg(() -> Wire.decodeConfig(config));
    Signed<ModelUpdate> g = arg(() -> Wire.decodeSignedUpdate(genesis));
    return Wire.encodeRecord(write(stub, (r, s) -> r.openRun(s, c, g)));
  }

  String submit(ChaincodeStub stub, String update) {
    Signed<ModelUpdate> u = arg(() -> Wire.decodeSignedUpdate(update));
    return Wire.encodeRecord(write(stub, (r, s) -> r.submit(s, u)));
  }

  void commit(ChaincodeStub stub, String commitment) {
    Hash32 c = arg(() -> Wire.hash("commitment", commitment));
    write(
        stub,
        (r, s) -> {
          r.commit(s, c);
          return null;
        });
  }

  void attest(ChaincodeStub stub, String attestation) {
    Signed<Attestation> a = arg(() -> Wire.decodeSignedAttestation(attestation));
    write(
        stub,
        (r, s) -> {
          r.attest(s, a, seconds(stub));
          return null;
        });
  }

  String claim(ChaincodeStub stub, String updateId) {
    Hash32 id = arg(() -> Wire.hash("updateId", updateId));
    return write(stub, (r, s) -> r.claim(s, id, seconds(stub))).toString();
  }

  void admit(ChaincodeStub stub, String admission) {
    Signed<Admit> a = arg(() -> Wire.decodeSignedAdmit(admission));
    write(
        stub,
        (r, s) -> {
          r.admit(s, a);
          return null;
        });
  }

  void publish(ChaincodeStub stub, String publication) {
    Signed<Publication> p = arg(() -> Wire.decodeSignedPublication(publication));
    write(
        stub,
        (r, s) -> {
          r.publish(s, p);
          return null;
        });
  }

  String authorOf(ChaincodeStub stub, String spec) {
    Hash32 id = arg(() -> Wire.hash("spec", spec));
    return rules(stub).authorOf(new StubState(stub), id).map(a -> Wire.hex(a)).orElse(Wire.NONE);
  }

  String grant(ChaincodeStub stub, String grant) {
    Signed<DataGrant> g = arg(() -> Wire.decodeSignedGrant(grant));
    Hash32 id = write(stub, (r, s) -> r.grant(s, g));
    return Wire.hex(id);
  }

  void revokeGrant(ChaincodeStub stub, String revoke) {
    Signed<RevokeGrant> g = arg(() -> Wire.decodeSignedRevoke(revoke));
    write(
        stub,
        (r, s) -> {
          r.revokeGrant(s, g);
          return null;
        });
  }

  void cite(ChaincodeStub stub, String citation) {
    Signed<Citation> c = arg(() -> Wire.decodeSignedCitation(citation));
    write(
        stub,
        (r, s) -> {
          r.cite(s, c, seconds(stub));
          return null;
        });
  }

  String grantOf(ChaincodeStub stub, String grantId) {
    Hash32 id = arg(() -> Wire.hash("grantId", grantId));
    return Wire.encodeGrants(rules(stub).grant(new StubState(stub), id).stream().toList());
  }

  String grantsOf(ChaincodeStub stub, String owner) {
    Address a = arg(() -> Wire.address("owner", owner));
    return Wire.encodeGrants(rules(stub).grantsOf(new StubState(stub), a));
  }

  String citations(ChaincodeStub stub, String updateId) {
    Hash32 id = arg(() -> Wire.hash("updateId", updateId));
    return Wire.encodeCitations(rules(stub).citations(new StubState(stub), id));
  }

  String citationsOf(ChaincodeStub stub, String grantId) {
    Hash32 id = arg(() -> Wire.hash("grantId", grantId));
    return Wire.encodeCitations(rules(stub).citationsOf(new StubState(stub), id));
  }

  String admits(ChaincodeStub stub, String runId, String who) {
    Hash32 id = arg(() -> Wire.hash("runId", runId));
    Address a = arg(() -> Wire.address("who", who));
    return Boolean.toString(rules(stub).admits(new StubState(stub), id, a));
  }

  void closeRun(ChaincodeStub stub, String close) {
    Signed<CloseRun> c = arg(() -> Wire.decodeSignedClose(close));
    write(
        stub,
        (r, s) -> {
          r.closeRun(s, c, seconds(stub));
          return null;
        });
  }

  String reclaim(ChaincodeStub stub, String runId) {
    Hash32 id = arg(() -> Wire.hash("runId", runId));
    return write(stub, (r, s) -> r.reclaim(s, id, seconds(stub))).toString();
  }

  /**
   * The transaction's time in seconds: the timestamp of the signed proposal, the same for every
   * endorser. Fabric does not bound it, so the claim windows are as honest as the clock of whoever
   * submits the attestation, claim, close or reclaim; the endorsement policy is what an
   * organisation trusts.
   */
  private static long seconds(ChaincodeStub stub) {
    return StubState.height(stub.getTxTimestamp()) / 1_000_000_000L;
  }

  void mint(ChaincodeStub stub, Caller caller, String to, String amount) {
    Address a = arg(() -> Wire.address("to", to));
    BigInteger v = arg(() -> Wire.uint256("amount", amount));
    if (!minters.allows(caller)) {
      throw new ChaincodeException(
          UNAUTHORIZED
              + ": "
              + caller.mspId()
              + " identity "
              + caller.certificate().getSubjectX500Principal().getName()
              + " may not mint; minters are "
              + minters,
          UNAUTHORIZED);
    }
    write(
        stub,
        (r, s) -> {
          r.mint(s, a, v);
          return null;
        });
  }

  // ---- reads ----

  String run(ChaincodeStub stub, String runId) {
    Hash32 id = arg(() -> Wire.hash("runId", runId));
    return Wire.encodeRun(rules(stub).run(new StubState(stub), id));
  }

  String update(ChaincodeStub stub, String updateId) {
    Hash32 id = arg(() -> Wire.hash("updateId", updateId));
    return Wire.encodeOptionalRecord(rules(stub).update(new StubState(stub), id));
  }

  String updateOfModel(ChaincodeStub stub, String runId, String model) {
    Hash32 run = arg(() -> Wire.hash("runId", runId));
    Hash32 m = arg(() -> Wire.hash("model", model));
    return Wire.encodeOptionalRecord(rules(stub).updateOfModel(new StubState(stub), run, m));
  }

  String updates(ChaincodeStub stub, String runId) {
    Hash32 id = arg(() -> Wire.hash("runId", runId));
    return Wire.encodeRecords(rules(stub).updates(new StubState(stub), id));
  }

  String children(ChaincodeStub stub, String updateId) {
    Hash32 id = arg(() -> Wire.hash("updateId", updateId));
    return Wire.encodeRecords(rules(stub).children(new StubState(stub), id));
  }

  String heads(ChaincodeStub stub, String runId) {
    Hash32 id = arg(() -> Wire.hash("runId", runId));
    return Wire.encodeRecords(rules(stub).heads(new StubState(stub), id));
  }

  String lineage(ChaincodeStub stub, String updateId) {
    Hash32 id = arg(() -> Wire.hash("updateId", updateId));
    return Wire.encodeRecords(rules(stub).lineage(new StubState(stub), id));
  }

  String attestations(ChaincodeStub stub, String updateId) {
    Hash32 id = arg(() -> Wire.hash("updateId", updateId));
    return Wire.encodeAttestations(rules(stub).attestations(new StubState(stub), id));
  }

  String balance(ChaincodeStub stub, String account) {
    Address a = arg(() -> Wire.address("account", account));
    return rules(stub).balance(new StubState(stub), a).toString();
  }

  /**
   * SHA-256 over every key and value of this chaincode's namespace, in key order (each as a 4-byte
   * big-endian length and its bytes): two peers with equal digests hold the same FedChain state.
   */
  String stateDigest(ChaincodeStub stub) {
    java.security.MessageDigest sha;
    try {
      sha = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (var it = stub.getStateByRange("", "")) {
      for (var kv : it) {
        byte[] k = kv.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] v = kv.getValue();
        sha.update(java.nio.ByteBuffer.allocate(4).putInt(k.length).array());
        sha.update(k);
        sha.update(java.nio.ByteBuffer.allocate(4).putInt(v.length).array());
        sha.update(v);
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(
          "range query over the namespace failed: " + e.getMessage(), e);
    }
    return Wire.hex(Hash32.of(sha.digest()));
  }
}
