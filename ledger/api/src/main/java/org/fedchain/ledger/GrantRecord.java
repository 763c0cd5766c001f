package org.fedchain.ledger;

import java.util.Objects;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.DataGrant;

/**
 * A recorded data grant: its id (the EIP-712 digest), the owner's signed terms, and whether the
 * owner revoked it (a revoked grant takes no new citations; earlier ones still pay).
 */
public record GrantRecord(Hash32 grantId, DataGrant grant, boolean revoked) {
  public GrantRecord {
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(grant, "grant");
  }
}
