package org.fedchain.node;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Citation;
import org.fedchain.core.receipt.DataGrant;
import org.fedchain.core.receipt.RevokeGrant;
import org.fedchain.core.receipt.Signed;
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.GrantRecord;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Samples;
import org.fedchain.wallet.EthereumIdentity;

/**
 * The end user's side: a data owner lends a dataset to nodes by signing a grant of its commitment
 * (the data itself goes to the node however the owner likes), a node checks the data it was given
 * against the grant before training and cites the grant after recording its update, and the owner
 * reads where its data went and what it earned.
 *
 * <pre>{@code
 * Hash32 g = DataGrants.grant(ledger, owner, samples, node.address(), runId, 5000, expiry);
 * DataGrants.check(ledger, g, samples, node.address(), runId);   // on the node, before training
 * DataGrants.cite(ledger, node, update, Map.of(g, (long) samples.size()));
 * }</pre>
 */
public final class DataGrants {
  private DataGrants() {}

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The owner's signed grant of {@code data}'s commitment, with a fresh nonce. */
  public static Signed<DataGrant> sign(
      Ledger ledger,
      EthereumIdentity owner,
      Samples data,
      Address node,
      Hash32 runId,
      int share,
      long expiry) {
    byte[] nonce = new byte[32];
    RANDOM.nextBytes(nonce);
    DataGrant g =
        new DataGrant(
            owner.address(),
            data.commitment(),
            data.size(),
            node,
            runId,
            share,
            expiry,
            Hash32.of(nonce));
    return new Signed<>(g, owner.address(), owner.signer().sign(g.digest(ledger.domain())));
  }

  /**
   * Signs and records a grant of {@code data} to {@code node} (zero: any node the run admits) for
   * {@code runId} (zero: any run), for {@code share} basis points; returns its id.
   */
  public static Hash32 grant(
      Ledger ledger,
      EthereumIdentity owner,
      Samples data,
      Address node,
      Hash32 runId,
      int share,
      long expiry)
      throws LedgerException {
    return ledger.grant(sign(ledger, owner, data, node, runId, share, expiry));
  }

  public static void revoke(Ledger ledger, EthereumIdentity owner, Hash32 grantId)
      throws LedgerException {
    RevokeGrant r = new RevokeGrant(grantId);
    ledger.revokeGrant(
        new Signed<>(r, owner.address(), owner.signer().sign(r.digest(ledger.domain()))));
  }

  /**
   * A node's check, before it trains, that {@code data} is what the grant lends it: the grant
   * exists, is live, is lent to {@code node} (or any node) for {@code runId} (or any run), and its
   * commitment and sample count are those of {@code data}. Returns the grant.
   *
   * @throws IllegalArgumentException naming what does not match
   */
  public static GrantRecord check(
      Ledger ledger, Hash32 grantId, Samples data, Address node, Hash32 runId)
      throws LedgerException {
    GrantRecord r =
        ledger
            .grant(grantId)
            .orElseThrow(() -> new IllegalArgumentException("no grant " + grantId + " on ledger"));
    DataGrant g = r.grant();
    String problem = null;
    if (r.revoked()) {
      problem = "its owner revoked it";
    } else if (Long.compareUnsigned(System.currentTimeMillis() / 1000, g.expiry()) >= 0) {
      problem = "it expired at " + java.time.Instant.ofEpochSecond(g.expiry());
    } else if (!g.node().isZero() && !g.node().equals(node)) {
      problem = "it is lent to " + g.node() + ", not " + node;
    } else if (!g.runId().equals(Hash32.ZERO) && !g.runId().equals(runId)) {
      problem = "it is lent for run " + g.runId();
    } else if (!g.dataset().equals(data.commitment()) || g.samples() != data.size()) {
      problem =
          "it lends dataset "
              + g.dataset()
              + " of "
              + g.samples()
              + " samples, but the data given is "
              + data.commitment()
              + " of "
              + data.size()
              + " samples";
    }
    if (problem != null) {
      throw new IllegalArgumentException("grant " + grantId + ": " + problem);
    }
    return r;
  }

  /** The node cites each grant its update used, with the samples it used of each. */
  public static void cite(
      Ledger ledger, EthereumIdentity node, UpdateRecord update, Map<Hash32, Long> samples)
      throws LedgerException {
    for (Map.Entry<Hash32, Long> e : samples.entrySet()) {
      Citation c = new Citation(update.updateId(), e.getKey(), e.getValue());
      ledger.cite(new Signed<>(c, node.address(), node.signer().sign(c.digest(ledger.domain()))));
    }
  }

  /**
   * One grant of an owner and where its data went.
   *
   * @param uses each update that cited it, with the samples and what the owner was paid
   * @param descendants per citing update, the models recorded after it in its run's lineage
   * @param paid what the owner was paid for the grant in all
   */
  public record Usage(
      GrantRecord grant,
      List<CitationRecord> uses,
      Map<Hash32, List<UpdateRecord>> descendants,
      BigInteger paid) {}

  /** Every grant {@code owner} recorded, with its citations and what they paid. */
  public static List<Usage> usage(Ledger ledger, Address owner) throws LedgerException {
    List<Usage> out = new ArrayList<>();
    for (GrantRecord g : ledger.grantsOf(owner)) {
      List<CitationRecord> uses = ledger.citationsOf(g.grantId());
      Map<Hash32, List<UpdateRecord>> below = new java.util.LinkedHashMap<>();
      BigInteger paid = BigInteger.ZERO;
      for (CitationRecord c : uses) {
        below.put(c.updateId(), descendants(ledger, c.updateId()));
        paid = paid.add(c.paid());
      }
      out.add(new Usage(g, uses, below, paid));
    }
    return out;
  }

  /** The updates that continue {@code updateId}, breadth first. */
  private static List<UpdateRecord> descendants(Ledger ledger, Hash32 updateId)
      throws LedgerException {
    List<UpdateRecord> out = new ArrayList<>();
    List<Hash32> todo = new ArrayList<>(List.of(updateId));
    for (int i = 0; i < todo.size(); i++) {
      for (UpdateRecord c : ledger.children(todo.get(i))) {
        out.add(c);
        todo.add(c.updateId());
      }
    }
    return out;
  }
}
