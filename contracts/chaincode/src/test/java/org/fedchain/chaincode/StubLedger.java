package org.fedchain.chaincode;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
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
import org.fedchain.ledger.UpdateRecord;
import org.hyperledger.fabric.shim.ChaincodeException;
import org.hyperledger.fabric.shim.ChaincodeStub;

/**
 * A {@link Ledger} that drives the chaincode's {@link Transactions} through the {@link Wire}
 * encoding on a {@link FakeWorld}, one committed transaction per write, and maps refusals back the
 * way a client does: the payload names the {@link Reason}, the message after "REASON: " is the
 * detail.
 */
final class StubLedger implements Ledger {
  final FakeWorld world = new FakeWorld();
  private final Transactions tx =
      new Transactions(FakeWorld.NETWORK, stub -> "fedchain", Minters.parse(Minters.DEFAULT));
  private final Caller minter;

  StubLedger(Caller minter) {
    this.minter = minter;
  }

  private <T> T write(Function<ChaincodeStub, T> call) throws LedgerException {
    FakeWorld.Tx t = world.tx();
    T result;
    try {
      result = call.apply(t.stub);
    } catch (ChaincodeException e) {
      throw mapped(e);
    }
    t.commit();
    return result;
  }

  private <T> T read(Function<ChaincodeStub, T> call) throws LedgerException {
    try {
      return call.apply(world.tx().stub);
    } catch (ChaincodeException e) {
      throw mapped(e);
    }
  }

  static LedgerException mapped(ChaincodeException e) {
    String code = new String(e.getPayload(), java.nio.charset.StandardCharsets.UTF_8);
    String prefix = code + ": ";
    String detail =
        e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : "";
    for (Reason r : Reason.values()) {
      if (r.name().equals(code)) {
        return new RejectedException(r, detail);
      }
    }
    return new LedgerException(e.getMessage());
  }

  @Override
  public Eip712Domain domain() {
    return Wire.decodeDomain(Wire.encodeDomain(tx.domain(world.tx().stub)));
  }

  @Override
  public UpdateRecord openRun(RunConfig config, Signed<ModelUpdate> genesis)
      throws LedgerException {
    String c = Wire.encodeConfig(config);
    String g = Wire.encodeSignedUpdate(genesis);
    return Wire.decodeRecord(write(s -> tx.openRun(s, c, g)));
  }

  @Override
  public UpdateRecord submit(Signed<ModelUpdate> update) throws LedgerException {
    String u = Wire.encodeSignedUpdate(update);
    return Wire.decodeRecord(write(s -> tx.submit(s, u)));
  }

  @Override
  public void commit(Hash32 commitment) throws LedgerException {
    write(
        s -> {
          tx.commit(s, Wire.hex(commitment));
          return null;
        });
  }

  @Override
  public void attest(Signed<Attestation> attestation) throws LedgerException {
    String a = Wire.encodeSignedAttestation(attestation);
    write(
        s -> {
          tx.attest(s, a);
          return null;
        });
  }

  @Override
  public BigInteger claim(Hash32 updateId) throws LedgerException {
    String paid = write(s -> tx.claim(s, Wire.hex(updateId)));
    return new BigInteger(paid);
  }

  @Override
  public void publish(Signed<Publication> publication) throws LedgerException {
    String p = Wire.encodeSignedPublication(publication);
    write(
        s -> {
          tx.publish(s, p);
          return null;
        });
  }

  @Override
  public Optional<Address> authorOf(Hash32 spec) throws LedgerException {
    String a = read(s -> tx.authorOf(s, Wire.hex(spec)));
    return a.equals(Wire.NONE) ? Optional.empty() : Optional.of(Wire.address("author", a));
  }

  @Override
  public Hash32 grant(Signed<DataGrant> grant) throws LedgerException {
    String g = Wire.encodeSignedGrant(grant);
    return Wire.hash("grantId", write(s -> tx.grant(s, g)));
  }

  @Override
  public void revokeGrant(Signed<RevokeGrant> revoke) throws LedgerException {
    String r = Wire.encodeSignedRevoke(revoke);
    write(
        s -> {
          tx.revokeGrant(s, r);
          return null;
        });
  }

  @Override
  public void cite(Signed<Citation> citation) throws LedgerException {
    String c = Wire.encodeSignedCitation(citation);
    write(
        s -> {
          tx.cite(s, c);
          return null;
        });
  }

  @Override
  public Optional<GrantRecord> grant(Hash32 grantId) throws LedgerException {
    return Wire.decodeGrants(read(s -> tx.grantOf(s, Wire.hex(grantId)))).stream().findFirst();
  }

  @Override
  public List<GrantRecord> grantsOf(Address owner) throws LedgerException {
    return Wire.decodeGrants(read(s -> tx.grantsOf(s, Wire.hex(owner))));
  }

  @Override
  public List<CitationRecord> citations(Hash32 updateId) throws LedgerException {
    return Wire.decodeCitations(read(s -> tx.citations(s, Wire.hex(updateId))));
  }

  @Override
  public List<CitationRecord> citationsOf(Hash32 grantId) throws LedgerException {
    return Wire.decodeCitations(read(s -> tx.citationsOf(s, Wire.hex(grantId))));
  }

  @Override
  public void admit(Signed<Admit> admission) throws LedgerException {
    String a = Wire.encodeSignedAdmit(admission);
    write(
        s -> {
          tx.admit(s, a);
          return null;
        });
  }

  @Override
  public void closeRun(Signed<CloseRun> close) throws LedgerException {
    String c = Wire.encodeSignedClose(close);
    write(
        s -> {
          tx.closeRun(s, c);
          return null;
        });
  }

  @Override
  public BigInteger reclaim(Hash32 runId) throws LedgerException {
    String returned = write(s -> tx.reclaim(s, Wire.hex(runId)));
    return new BigInteger(returned);
  }

  @Override
  public void mint(Address to, BigInteger amount) throws LedgerException {
    write(
        s -> {
          tx.mint(s, minter, Wire.hex(to), amount.toString());
          return null;
        });
  }

  @Override
  public Optional<Run> run(Hash32 runId) throws LedgerException {
    return Wire.decodeRun(read(s -> tx.run(s, Wire.hex(runId))));
  }

  @Override
  public Optional<UpdateRecord> update(Hash32 updateId) throws LedgerException {
    return Wire.decodeOptionalRecord(read(s -> tx.update(s, Wire.hex(updateId))));
  }

  @Override
  public Optional<UpdateRecord> updateOfModel(Hash32 runId, Hash32 model) throws LedgerException {
    return Wire.decodeOptionalRecord(
        read(s -> tx.updateOfModel(s, Wire.hex(runId), Wire.hex(model))));
  }

  @Override
  public List<UpdateRecord> updates(Hash32 runId) throws LedgerException {
    return Wire.decodeRecords(read(s -> tx.updates(s, Wire.hex(runId))));
  }

  @Override
  public List<UpdateRecord> children(Hash32 updateId) throws LedgerException {
    return Wire.decodeRecords(read(s -> tx.children(s, Wire.hex(updateId))));
  }

  @Override
  public List<UpdateRecord> heads(Hash32 runId) throws LedgerException {
    return Wire.decodeRecords(read(s -> tx.heads(s, Wire.hex(runId))));
  }

  @Override
  public List<UpdateRecord> lineage(Hash32 updateId) throws LedgerException {
    return Wire.decodeRecords(read(s -> tx.lineage(s, Wire.hex(updateId))));
  }

  @Override
  public Map<Address, Long> attestations(Hash32 updateId) throws LedgerException {
    return Wire.decodeAttestations(read(s -> tx.attestations(s, Wire.hex(updateId))));
  }

  @Override
  public boolean admits(Hash32 runId, Address who) throws LedgerException {
    return Boolean.parseBoolean(read(s -> tx.admits(s, Wire.hex(runId), Wire.hex(who))));
  }

  @Override
  public BigInteger balance(Address account) throws LedgerException {
    String v = read(s -> tx.balance(s, Wire.hex(account)));
    return new BigInteger(v);
  }

  @Override
  public void close() {}
}
