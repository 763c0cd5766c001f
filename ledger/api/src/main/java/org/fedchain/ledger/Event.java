package org.fedchain.ledger;

import java.math.BigInteger;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/** What the ledger announces for every change it makes. */
public sealed interface Event {
  record RunOpened(Hash32 runId, Address coordinator, Hash32 genesisModel) implements Event {}

  record UpdateRecorded(
      Hash32 runId,
      Hash32 updateId,
      long seq,
      int kind,
      Address contributor,
      Hash32 model,
      Hash32 parent)
      implements Event {}

  record Attested(Hash32 updateId, Address validator, long score) implements Event {}

  record RewardClaimed(Hash32 updateId, Address contributor, BigInteger amount) implements Event {}

  /** The genesis model owner's share of a claimed reward, by the run's terms. */
  record RoyaltyPaid(Hash32 updateId, Address to, BigInteger amount) implements Event {}

  /** The published spec's author's share of a claimed reward, by the run's terms. */
  record AuthorPaid(Hash32 updateId, Address author, BigInteger amount) implements Event {}

  /** An author published a model spec (its hash). */
  record SpecPublished(Hash32 spec, Address author) implements Event {}

  /** A data owner lent a dataset ({@link org.fedchain.core.receipt.DataGrant}). */
  record GrantRecorded(Hash32 grantId, Address owner, Address node) implements Event {}

  /** A data owner ended a grant. */
  record GrantRevoked(Hash32 grantId) implements Event {}

  /** An update's contributor declared that it used {@code samples} samples of a grant. */
  record Cited(Hash32 updateId, Hash32 grantId, Address owner, long samples) implements Event {}

  /** A data owner's share of a claimed reward, for a grant the update cited. */
  record DataPaid(Hash32 updateId, Hash32 grantId, Address owner, BigInteger amount)
      implements Event {}

  record RunClosed(Hash32 runId) implements Event {}

  record Admitted(Hash32 runId, Address node) implements Event {}

  /** A closed run's unpaid budget went back to its coordinator after the claim window. */
  record BudgetReturned(Hash32 runId, Address coordinator, BigInteger amount) implements Event {}

  record Committed(Hash32 commitment, long height) implements Event {}

  record Minted(Address to, BigInteger amount) implements Event {}
}
