package org.fedchain.node;

import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Publication;
import org.fedchain.core.receipt.Signed;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.wallet.EthereumIdentity;

/**
 * Authors of model specs: publishing records a spec's first author on the ledger, and a run whose
 * terms name the spec pays that author its royalty from every claimed reward.
 */
public final class Authors {
  private Authors() {}

  /**
   * Publishes {@code spec} as {@code author}'s: commits {@code keccak256(spec, author)} in one
   * transaction, then reveals in the next (a copier of the pending publication has no earlier
   * commitment of its own). Returns the spec's author: {@code author}, or whoever published it
   * first.
   */
  public static Address publish(Ledger ledger, EthereumIdentity author, Hash32 spec)
      throws LedgerException {
    java.util.Optional<Address> first = ledger.authorOf(spec);
    if (first.isPresent()) {
      return first.get();
    }
    Commitments.record(ledger, spec, author.address());
    Publication p = new Publication(spec, author.address());
    ledger.publish(
        new Signed<>(p, author.address(), author.signer().sign(p.digest(ledger.domain()))));
    return author.address();
  }
}
