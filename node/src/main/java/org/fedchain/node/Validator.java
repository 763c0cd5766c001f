package org.fedchain.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Samples;
import org.fedchain.wallet.EthereumIdentity;

/**
 * A validator of a run: scores an update by the accuracy it gains over its parent on the
 * validator's held-out samples, in basis points (a loss scores below zero), and signs and records
 * that score as an attestation naming the held-out set's commitment. The run's reward rule turns
 * attested scores into VNX when the contributor claims.
 *
 * <pre>{@code
 * Validator v = new Validator(ledger, store, me, heldOut);
 * Validator.Score s = v.attest(update);   // recorded on the ledger
 * }</pre>
 */
public final class Validator {
  /** What the validator measured and recorded for one update. */
  public record Score(UpdateRecord update, double accuracy, double parentAccuracy, long score) {}

  private final Ledger ledger;
  private final BlobStore store;
  private final EthereumIdentity me;
  private final Samples heldOut;
  private final HeldOutAccuracy accuracies;

  public Validator(Ledger ledger, BlobStore store, EthereumIdentity me, Samples heldOut) {
    this.ledger = ledger;
    this.store = store;
    this.me = me;
    this.heldOut = heldOut;
    this.accuracies = new HeldOutAccuracy(store, heldOut);
  }

  /** Evaluates {@code update} and its parent, then signs and records the score. */
  public Score attest(UpdateRecord update) throws IOException, LedgerException {
    ChainFlow flow = new ChainFlow(ledger, store);
    Architecture arch = flow.architecture(flow.run(update.receipt().runId()));
    double parent = accuracy(arch, update.receipt().parent());
    double acc = accuracy(arch, update.receipt().model());
    long score = Math.round((acc - parent) * 10_000);
    Attestation a =
        new Attestation(
            update.updateId(),
            score,
            heldOut.commitment(),
            Hash32.sha256(("eval " + acc).getBytes(StandardCharsets.UTF_8)));
    ledger.attest(new Signed<>(a, me.address(), me.signer().sign(a.digest(ledger.domain()))));
    return new Score(update, acc, parent, score);
  }

  /** Accuracy of a stored model on the held-out samples; each model is evaluated once. */
  public double accuracy(Architecture arch, Hash32 model) throws IOException {
    return accuracies.of(arch, model);
  }
}
