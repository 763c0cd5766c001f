package org.fedchain.ledger;

import java.math.BigInteger;
import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * An update's use of a data grant, as recorded: the owner it pays and the share it had when cited,
 * the samples used and what the owner was paid when the update's reward was claimed (zero before).
 */
public record CitationRecord(
    Hash32 updateId, Hash32 grantId, Address owner, int share, long samples, BigInteger paid) {
  public CitationRecord {
    Objects.requireNonNull(updateId, "updateId");
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(paid, "paid");
  }
}
