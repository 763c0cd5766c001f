package org.fedchain.chaincode;

import org.fedchain.chaincode.wire.Wire;
import org.hyperledger.fabric.contract.ClientIdentity;
import org.hyperledger.fabric.contract.Context;
import org.hyperledger.fabric.contract.ContractInterface;
import org.hyperledger.fabric.contract.annotation.Contract;
import org.hyperledger.fabric.contract.annotation.Default;
import org.hyperledger.fabric.contract.annotation.Info;
import org.hyperledger.fabric.contract.annotation.Transaction;

/**
 * The FedChain ledger as a Fabric contract (name {@code fedchain}, the default contract, so {@code
 * submit} and {@code fedchain:submit} both route here). Arguments and results are strings in the
 * {@link Wire} encoding; refusals are {@link org.hyperledger.fabric.shim.ChaincodeException}s whose
 * payload is the reason code (see {@link Transactions}).
 *
 * <p>Run it as a service: {@code CHAINCODE_SERVER_ADDRESS=127.0.0.1:9999
 * CORE_CHAINCODE_ID_NAME=<package id> java -cp <classpath>
 * org.hyperledger.fabric.contract.ContractRouter}. The EIP-712 domain names the channel and the
 * chaincode definition each transaction came through ({@link ChaincodeName}), so one process may
 * serve several definitions.
 */
@Contract(
    name = "fedchain",
    info = @Info(title = "FedChain ledger", description = "Signed model updates", version = "1"))
@Default
public final class FedChainContract implements ContractInterface {
  private final Transactions tx = Transactions.fromEnvironment();

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String openRun(Context ctx, String config, String genesis) {
    return tx.openRun(ctx.getStub(), config, genesis);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String submit(Context ctx, String update) {
    return tx.submit(ctx.getStub(), update);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void commit(Context ctx, String commitment) {
    tx.commit(ctx.getStub(), commitment);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void attest(Context ctx, String attestation) {
    tx.attest(ctx.getStub(), attestation);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String claim(Context ctx, String updateId) {
    return tx.claim(ctx.getStub(), updateId);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void admit(Context ctx, String admission) {
    tx.admit(ctx.getStub(), admission);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void publish(Context ctx, String publication) {
    tx.publish(ctx.getStub(), publication);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String authorOf(Context ctx, String spec) {
    return tx.authorOf(ctx.getStub(), spec);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String grant(Context ctx, String grant) {
    return tx.grant(ctx.getStub(), grant);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void revokeGrant(Context ctx, String revoke) {
    tx.revokeGrant(ctx.getStub(), revoke);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void cite(Context ctx, String citation) {
    tx.cite(ctx.getStub(), citation);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String grantOf(Context ctx, String grantId) {
    return tx.grantOf(ctx.getStub(), grantId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String grantsOf(Context ctx, String owner) {
    return tx.grantsOf(ctx.getStub(), owner);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String citations(Context ctx, String updateId) {
    return tx.citations(ctx.getStub(), updateId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String citationsOf(Context ctx, String grantId) {
    return tx.citationsOf(ctx.getStub(), grantId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String admits(Context ctx, String runId, String who) {
    return tx.admits(ctx.getStub(), runId, who);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void closeRun(Context ctx, String close) {
    tx.closeRun(ctx.getStub(), close);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String reclaim(Context ctx, String runId) {
    return tx.reclaim(ctx.getStub(), runId);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void mint(Context ctx, String to, String amount) {
    ClientIdentity id = ctx.getClientIdentity();
    tx.mint(ctx.getStub(), new Caller(id.getMSPID(), id.getX509Certificate()), to, amount);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String run(Context ctx, String runId) {
    return tx.run(ctx.getStub(), runId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String update(Context ctx, String updateId) {
    return tx.update(ctx.getStub(), updateId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String updateOfModel(Context ctx, String runId, String model) {
    return tx.updateOfModel(ctx.getStub(), runId, model);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String updates(Context ctx, String runId) {
    return tx.updates(ctx.getStub(), runId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String children(Context ctx, String updateId) {
    return tx.children(ctx.getStub(), updateId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String heads(Context ctx, String runId) {
    return tx.heads(ctx.getStub(), runId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String lineage(Context ctx, String updateId) {
    return tx.lineage(ctx.getStub(), updateId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String attestations(Context ctx, String updateId) {
    return tx.attestations(ctx.getStub(), updateId);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String balance(Context ctx, String account) {
    return tx.balance(ctx.getStub(), account);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String domain(Context ctx) {
    return Wire.encodeDomain(tx.domain(ctx.getStub()));
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String stateDigest(Context ctx) {
    return tx.stateDigest(ctx.getStub());
  }

  /**
   * Reads and writes nothing: the cost of a transaction's trip through both organisations'
   * endorsement, ordering and commit, the baseline a verified submit is measured against.
   */
  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public void ping(Context ctx) {}
}
