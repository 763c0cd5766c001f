package org.fedchain.ledger.fabric;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.InvalidKeyException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.GrantRecord;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UnavailableException;
import org.fedchain.ledger.UpdateRecord;
import org.hyperledger.fabric.client.CommitException;
import org.hyperledger.fabric.client.CommitStatusException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.GatewayException;
import org.hyperledger.fabric.client.Hash;
import org.hyperledger.fabric.client.SubmitException;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;

/**
 * The {@link Ledger} on Fabric: each call is one transaction of the FedChain chaincode through a
 * peer's Gateway service, arguments and results in the chaincode's {@link Wire} encoding. A
 * chaincode refusal ({@code REASON: detail}) becomes a {@link RejectedException} with that {@link
 * Reason}; a transport failure an {@link UnavailableException} (a write's outcome may be unknown).
 * Open it with {@link org.fedchain.ledger.Ledgers#open}; cast to this class for the two Fabric-only
 * operations, {@link #stateDigest} and {@link #ping}.
 */
public final class FabricLedger implements Ledger {
  private static final Pattern REFUSAL = Pattern.compile("\\b([A-Z][A-Z_]+): (.*)", Pattern.DOTALL);

  private final ManagedChannel channel;
  private final Gateway gateway;
  private final Contract contract;
  private final Eip712Domain domain;

  private FabricLedger(ManagedChannel channel, Gateway gateway, Contract contract, Eip712Domain d) {
    this.channel = channel;
    this.gateway = gateway;
    this.contract = contract;
    this.domain = d;
  }

  static FabricLedger open(FabricUri u) throws LedgerException {
    ManagedChannel ch;
    try {
      ch =
          Grpc.newChannelBuilder(
                  u.target(),
                  TlsChannelCredentials.newBuilder().trustManager(u.tlsCa().toFile()).build())
              .build();
    } catch (IOException e) {
      throw new LedgerException(
          "cannot read the peer TLS CA " + u.tlsCa() + ": " + e.getMessage(), e);
    }
    try (Reader certIn = Files.newBufferedReader(u.cert(), StandardCharsets.UTF_8);
        Reader keyIn = Files.newBufferedReader(u.key(), StandardCharsets.UTF_8)) {
      Gateway gw =
          Gateway.newInstance()
              .identity(new X509Identity(u.mspId(), Identities.readX509Certificate(certIn)))
              .signer(Signers.newPrivateKeySigner(Identities.readPrivateKey(keyIn)))
              .hash(Hash.SHA256)
              .connection(ch)
              .evaluateOptions(o -> o.withDeadlineAfter(10, TimeUnit.SECONDS))
              .endorseOptions(o -> o.withDeadlineAfter(30, TimeUnit.SECONDS))
              .submitOptions(o -> o.withDeadlineAfter(10, TimeUnit.SECONDS))
              .commitStatusOptions(o -> o.withDeadlineAfter(60, TimeUnit.SECONDS))
              .connect();
      org.hyperledger.fabric.client.Network net = gw.getNetwork(u.channel());
      Contract c = net.getContract(u.chaincode());
      FabricLedger l =
          new FabricLedger(
              ch,
              gw,
              c,
              Eip712Domain.fabric(network(net, u.channel()), u.channel(), u.chaincode()));
      Eip712Domain onChain = Wire.decodeDomain(l.evaluate("domain"));
      if (!onChain.equals(l.domain)) {
        l.close();
        throw new LedgerException(
            "the chaincode signs in domain "
                + onChain
                + ", not "
                + l.domain
                + ": is it committed as '"
                + u.chaincode()
                + "' on channel '"
                + u.channel()
                + "', and was it given this channel's genesis block"
                + " (FEDCHAIN_CHANNEL_BLOCK)?");
      }
      return l;
    } catch (IOException | CertificateException | InvalidKeyException e) {
      ch.shutdownNow();
      throw new LedgerException(
          "cannot read the identity " + u.cert() + " / " + u.key() + ": " + e.getMessage(), e);
    } catch (LedgerException e) {
      ch.shutdownNow();
      throw e;
    }
  }

  /**
   * The network the channel lives on: the data hash of its genesis block, read from the peer's
   * query system chaincode (the chaincode is given the same block).
   */
  private static Hash32 network(org.hyperledger.fabric.client.Network net, String channel)
      throws LedgerException {
    byte[] block;
    try {
      block = net.getContract("qscc").evaluateTransaction("GetBlockByNumber", channel, "0");
    } catch (org.hyperledger.fabric.client.GatewayException e) {
      throw new LedgerException(
          "cannot read the genesis block of channel '" + channel + "': " + e.getMessage(), e);
    }
    try {
      var header = org.hyperledger.fabric.protos.common.Block.parseFrom(block).getHeader();
      if (header.getNumber() != 0 || header.getDataHash().size() != 32) {
        throw new LedgerException("the peer returned no genesis block for '" + channel + "'");
      }
      return Hash32.of(header.getDataHash().toByteArray());
    } catch (IOException e) { // protobuf's InvalidProtocolBufferException
      throw new LedgerException("the peer returned a block that does not parse: " + e, e);
    }
  }

  @Override
  public Eip712Domain domain() {
    return domain;
  }

  // ---- transport ----

  private String submit(String name, String... args) throws LedgerException {
    try {
      return new String(contract.submitTransaction(name, args), StandardCharsets.UTF_8);
    } catch (EndorseException e) {
      throw refusal(name, e);
    } catch (SubmitException e) {
      throw new UnavailableException(
          name + " was endorsed but not accepted by the orderer (not recorded): " + e.getMessage(),
          e);
    } catch (CommitStatusException e) {
      throw new UnavailableException(
          name
              + " "
              + e.getTransactionId()
              + " was sent; its commit status is unknown: "
              + e.getMessage(),
          e);
    } catch (CommitException e) {
      throw new LedgerException(
          name
              + " "
              + e.getTransactionId()
              + " was not committed: "
              + e.getCode()
              + " (e.g. MVCC_READ_CONFLICT: a concurrent transaction changed what it read; retry)",
          e);
    }
  }

  private String evaluate(String name, String... args) throws LedgerException {
    try {
      return new String(contract.evaluateTransaction(name, args), StandardCharsets.UTF_8);
    } catch (GatewayException e) {
      throw refusal(name, e);
    }
  }

  /** Chaincode refusals carry "CODE: detail" in an error detail; anything else is transport. */
  static LedgerException refusal(String name, GatewayException e) {
    for (var d : e.getDetails()) {
      Matcher m = REFUSAL.matcher(d.getMessage());
      if (m.find()) {
        String code = m.group(1);
        for (Reason r : Reason.values()) {
          if (r.name().equals(code)) {
            return new RejectedException(r, m.group(2));
          }
        }
        return new LedgerException(name + " refused: " + code + ": " + m.group(2), e);
      }
    }
    Status.Code c = e.getStatus().getCode();
    if (c == Status.Code.UNAVAILABLE || c == Status.Code.DEADLINE_EXCEEDED) {
      return new UnavailableException(name + ": the peer did not answer: " + e.getMessage(), e);
    }
    return new LedgerException(name + " failed: " + e.getMessage(), e);
  }

  // ---- writes ----

  @Override
  public UpdateRecord openRun(RunConfig config, Signed<ModelUpdate> genesis)
      throws LedgerException {
    return Wire.decodeRecord(
        submit("openRun", Wire.encodeConfig(config), Wire.encodeSignedUpdate(genesis)));
  }

  @Override
  public UpdateRecord submit(Signed<ModelUpdate> update) throws LedgerException {
    return Wire.decodeRecord(submit("submit", Wire.encodeSignedUpdate(update)));
  }

  @Override
  public void commit(Hash32 commitment) throws LedgerException {
    submit("commit", Wire.hex(commitment));
  }

  @Override
  public void attest(Signed<Attestation> attestation) throws LedgerException {
    submit("attest", Wire.encodeSignedAttestation(attestation));
  }

  @Override
  public BigInteger claim(Hash32 updateId) throws LedgerException {
    return new BigInteger(submit("claim", Wire.hex(updateId)));
  }

  @Override
  public void publish(Signed<Publication> publication) throws LedgerException {
    submit("publish", Wire.encodeSignedPublication(publication));
  }

  @Override
  public Optional<Address> authorOf(Hash32 spec) throws LedgerException {
    String a = evaluate("authorOf", Wire.hex(spec));
    return a.equals(Wire.NONE) ? Optional.empty() : Optional.of(Wire.address("author", a));
  }

  @Override
  public Hash32 grant(Signed<DataGrant> grant) throws LedgerException {
    return Wire.hash("grantId", submit("grant", Wire.encodeSignedGrant(grant)));
  }

  @Override
  public void revokeGrant(Signed<RevokeGrant> revoke) throws LedgerException {
    submit("revokeGrant", Wire.encodeSignedRevoke(revoke));
  }

  @Override
  public void cite(Signed<Citation> citation) throws LedgerException {
    submit("cite", Wire.encodeSignedCitation(citation));
  }

  @Override
  public Optional<GrantRecord> grant(Hash32 grantId) throws LedgerException {
    return Wire.decodeGrants(evaluate("grantOf", Wire.hex(grantId))).stream().findFirst();
  }

  @Override
  public List<GrantRecord> grantsOf(Address owner) throws LedgerException {
    return Wire.decodeGrants(evaluate("grantsOf", Wire.hex(owner)));
  }

  @Override
  public List<CitationRecord> citations(Hash32 updateId) throws LedgerException {
    return Wire.decodeCitations(evaluate("citations", Wire.hex(updateId)));
  }

  @Override
  public List<CitationRecord> citationsOf(Hash32 grantId) throws LedgerException {
    return Wire.decodeCitations(evaluate("citationsOf", Wire.hex(grantId)));
  }

  @Override
  public void admit(Signed<Admit> admission) throws LedgerException {
    submit("admit", Wire.encodeSignedAdmit(admission));
  }

  @Override
  public boolean admits(Hash32 runId, Address who) throws LedgerException {
    return Boolean.parseBoolean(evaluate("admits", Wire.hex(runId), Wire.hex(who)));
  }

  @Override
  public void closeRun(Signed<CloseRun> close) throws LedgerException {
    submit("closeRun", Wire.encodeSignedClose(close));
  }

  @Override
  public BigInteger reclaim(Hash32 runId) throws LedgerException {
    return new BigInteger(submit("reclaim", Wire.hex(runId)));
  }

  @Override
  public void mint(Address to, BigInteger amount) throws LedgerException {
    submit("mint", Wire.hex(to), amount.toString());
  }

  // ---- reads ----

  @Override
  public Optional<Run> run(Hash32 runId) throws LedgerException {
    return Wire.decodeRun(evaluate("run", Wire.hex(runId)));
  }

  @Override
  public Optional<UpdateRecord> update(Hash32 updateId) throws LedgerException {
    return Wire.decodeOptionalRecord(evaluate("update", Wire.hex(updateId)));
  }

  @Override
  public Optional<UpdateRecord> updateOfModel(Hash32 runId, Hash32 model) throws LedgerException {
    return Wire.decodeOptionalRecord(evaluate("updateOfModel", Wire.hex(runId), Wire.hex(model)));
  }

  @Override
  public List<UpdateRecord> updates(Hash32 runId) throws LedgerException {
    return Wire.decodeRecords(evaluate("updates", Wire.hex(runId)));
  }

  @Override
  public List<UpdateRecord> children(Hash32 updateId) throws LedgerException {
    return Wire.decodeRecords(evaluate("children", Wire.hex(updateId)));
  }

  @Override
  public List<UpdateRecord> heads(Hash32 runId) throws LedgerException {
    return Wire.decodeRecords(evaluate("heads", Wire.hex(runId)));
  }

  @Override
  public List<UpdateRecord> lineage(Hash32 updateId) throws LedgerException {
    return Wire.decodeRecords(evaluate("lineage", Wire.hex(updateId)));
  }

  @Override
  public Map<Address, Long> attestations(Hash32 updateId) throws LedgerException {
    return Wire.decodeAttestations(evaluate("attestations", Wire.hex(updateId)));
  }

  @Override
  public BigInteger balance(Address account) throws LedgerException {
    return new BigInteger(evaluate("balance", Wire.hex(account)));
  }

  /**
   * SHA-256 over every key and value the chaincode holds, as the peer this ledger talks to sees it:
   * open each organisation's URI to check that their peers hold the same state.
   */
  public Hash32 stateDigest() throws LedgerException {
    return Wire.hash("stateDigest", evaluate("stateDigest"));
  }

  /**
   * A transaction that reads and writes nothing, through both organisations' endorsement, ordering
   * and commit: the network's own cost, the baseline of a recorded update.
   */
  public void ping() throws LedgerException {
    submit("ping");
  }

  @Override
  public void close() {
    gateway.close();
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
