package org.fedchain.ledger;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
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

/**
 * A ledger that records signed model updates under the rules of DESIGN.md; the same rules on every
 * backend. Writes either apply completely or throw {@link RejectedException} (nothing changed) or
 * {@link UnavailableException} (outcome may be unknown).
 *
 * <pre>{@code
 * try (Ledger ledger = Ledgers.open("embedded:" + home.resolve("ledger.db"))) {
 *   ModelUpdate u = ...;
 *   byte[] sig = me.signer().sign(u.digest(ledger.domain()));
 *   UpdateRecord r = ledger.submit(new Signed<>(u, me.address(), sig));
 * }
 * }</pre>
 */
public interface Ledger extends AutoCloseable {
  /** The EIP-712 domain receipts must be signed in for this ledger. */
  Eip712Domain domain();

  /** Opens a run with the coordinator's signed GENESIS receipt and escrows the budget. */
  UpdateRecord openRun(RunConfig config, Signed<ModelUpdate> genesis) throws LedgerException;

  /** Records a signed update. */
  UpdateRecord submit(Signed<ModelUpdate> update) throws LedgerException;

  /** Records {@code keccak256(updateId || contributor)} ahead of a commit-reveal submit. */
  void commit(Hash32 commitment) throws LedgerException;

  /** Records a validator's signed score of an update. */
  void attest(Signed<Attestation> attestation) throws LedgerException;

  /** Pays an attested update's contributor; returns the amount paid. */
  BigInteger claim(Hash32 updateId) throws LedgerException;

  /**
   * Admits a node to a run (the coordinator's signed {@link Admit}): in a run whose terms admit a
   * list of contributors, the ledger then accepts that node's updates too.
   */
  void admit(Signed<Admit> admission) throws LedgerException;

  /**
   * Whether {@code who} may contribute to the run: it admits anyone, or {@code who} is its
   * coordinator, on its admitted list or admitted since. False for an unknown run.
   */
  boolean admits(Hash32 runId, Address who) throws LedgerException;

  /** Closes a run (signed by its coordinator); it accepts no more updates. */
  void closeRun(Signed<CloseRun> close) throws LedgerException;

  /**
   * Returns a closed run's unpaid budget to its coordinator once its claim window has passed since
   * the close; returns the amount. Anyone may call it.
   */
  BigInteger reclaim(Hash32 runId) throws LedgerException;

  /**
   * Records a data owner's signed grant of a dataset to nodes (anyone may send it: the signature is
   * the owner's consent); returns the grant's id.
   */
  Hash32 grant(Signed<DataGrant> grant) throws LedgerException;

  /** Ends a grant for future citations (signed by its owner). */
  void revokeGrant(Signed<RevokeGrant> revoke) throws LedgerException;

  /**
   * Records that an update used samples of a grant (signed by the update's contributor); its claim
   * then pays the grant's owner its share.
   */
  void cite(Signed<Citation> citation) throws LedgerException;

  /**
   * Records a spec's first author (its signed publication), after the author committed {@code
   * keccak256(spec, author)} in an earlier block.
   */
  void publish(Signed<Publication> publication) throws LedgerException;

  /** Who published a spec first, if anyone did. */
  Optional<Address> authorOf(Hash32 spec) throws LedgerException;

  /** Creates VNX for an account. Only the ledger's authority may (on a chain, the token owner). */
  void mint(Address to, BigInteger amount) throws LedgerException;

  Optional<Run> run(Hash32 runId) throws LedgerException;

  Optional<UpdateRecord> update(Hash32 updateId) throws LedgerException;

  /** The update that recorded this model in this run. */
  Optional<UpdateRecord> updateOfModel(Hash32 runId, Hash32 model) throws LedgerException;

  /** Every update of a run, genesis first, in seq order (ties in record order). */
  List<UpdateRecord> updates(Hash32 runId) throws LedgerException;

  List<UpdateRecord> children(Hash32 updateId) throws LedgerException;

  /** Updates of a run that have no children yet (the tips of its chain or tree). */
  List<UpdateRecord> heads(Hash32 runId) throws LedgerException;

  /** The path from an update back to its run's genesis, the update first. */
  List<UpdateRecord> lineage(Hash32 updateId) throws LedgerException;

  /** Scores attested for an update, by validator. */
  java.util.Map<Address, Long> attestations(Hash32 updateId) throws LedgerException;

  BigInteger balance(Address account) throws LedgerException;

  Optional<GrantRecord> grant(Hash32 grantId) throws LedgerException;

  /** The grants an owner recorded. */
  List<GrantRecord> grantsOf(Address owner) throws LedgerException;

  /** An update's citations, in the order they were recorded, with what each owner was paid. */
  List<CitationRecord> citations(Hash32 updateId) throws LedgerException;

  /** Every update's citation of a grant. */
  List<CitationRecord> citationsOf(Hash32 grantId) throws LedgerException;

  @Override
  void close() throws LedgerException;
}
