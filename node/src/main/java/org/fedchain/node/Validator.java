package org.fedchain.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.rules.Rules;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.wallet.EthereumIdentity;

/**
 * A validator of a run: scores an update by what it gains over its parent on the validator's
 * held-out samples by the run's metric (accuracy points, or error reduced; see {@link
 * org.fedchain.trainer.Task.Metric#gain}), in basis points (a loss scores below zero), and signs
 * and records that score as an attestation naming the held-out set's commitment. The run's reward
 * rule turns attested scores into VNX when the contributor claims.
 *
 * <pre>{@code
 * Validator v = new Validator(ledger, store, me, heldOut);
 * Validator.Score s = v.attest(update);   // recorded on the ledger
 * }</pre>
 */
public final class Validator {
  /** What a score is made of. */
  public enum Pay {
    /**
     * The metric's gain over the parent, in basis points. In a chain, order decides it: the first
     * update takes most of the headroom, whatever the data behind the later ones.
     */
    GAIN,
    /**
     * One point per {@link #SAMPLES_PER_POINT} samples the update commits to, if it trained (its
     * tensors are not its parent's) and does not fall more than the run's tolerance below its
     * parent on the validator's samples; else nothing. Equal data earns equal pay wherever it
     * stands in a chain; replay ({@code audit --replay}) keeps the sample claim honest.
     */
    SAMPLES
  }

  public static final int SAMPLES_PER_POINT = 10;

  /**
   * What the validator measured and recorded for one update.
   *
   * @param gain the update's metric as a gain (its accuracy, or its error negated)
   */
  public record Score(UpdateRecord update, double gain, double parentGain, long score) {}

  private final Ledger ledger;
  private final BlobStore store;
  private final EthereumIdentity me;
  private final Samples heldOut;
  private final Pay pay;
  private final java.util.Map<Hash32, HeldOutGain> byRun = new java.util.HashMap<>();

  /** A validator that scores by the metric's gain. */
  public Validator(Ledger ledger, BlobStore store, EthereumIdentity me, Samples heldOut) {
    this(ledger, store, me, heldOut, Pay.GAIN);
  }

  public Validator(Ledger ledger, BlobStore store, EthereumIdentity me, Samples heldOut, Pay pay) {
    this.ledger = ledger;
    this.store = store;
    this.me = me;
    this.heldOut = heldOut;
    this.pay = pay;
  }

  /** Evaluates {@code update} and its parent, then signs and records the score. */
  public Score attest(UpdateRecord update) throws IOException, LedgerException {
    ChainFlow flow = new ChainFlow(ledger, store);
    Run run = flow.run(update.receipt().runId());
    Architecture arch = flow.architecture(run);
    HeldOutGain gains = gains(flow, run);
    double parent = gains.of(arch, update.receipt().parent());
    double acc = gains.of(arch, update.receipt().model());
    long raw =
        pay == Pay.GAIN
            ? Math.round((acc - parent) * 10_000)
            : trained(arch, update) && acc - parent >= -HeadGate.DEFAULT_TOLERANCE
                ? update.receipt().samples() / SAMPLES_PER_POINT
                : 0;
    // basis points, within the ledger's bound (a metric not in [0, 1] could leave it)
    long score = Math.max(-Rules.MAX_SCORE, Math.min(Rules.MAX_SCORE, raw));
    Attestation a =
        new Attestation(
            update.updateId(),
            score,
            heldOut.commitment(),
            Hash32.sha256(("eval " + acc).getBytes(StandardCharsets.UTF_8)));
    ledger.attest(new Signed<>(a, me.address(), me.signer().sign(a.digest(ledger.domain()))));
    return new Score(update, acc, parent, score);
  }

  /** Whether the update's tensors are not its parent's: it trained (a copy earns nothing). */
  private boolean trained(Architecture arch, UpdateRecord update) throws IOException {
    List<Tensor> mine = ModelCodec.read(arch, store.get(update.receipt().model()));
    List<Tensor> parent = ModelCodec.read(arch, store.get(update.receipt().parent()));
    for (int i = 0; i < mine.size(); i++) {
      float[] a = mine.get(i).floats();
      float[] b = parent.get(i).floats();
      for (int j = 0; j < a.length; j++) {
        if (Math.abs(a[j] - b[j]) > 1e-6f) {
          return true;
        }
      }
    }
    return false;
  }

  private HeldOutGain gains(ChainFlow flow, Run run) throws IOException, LedgerException {
    HeldOutGain g = byRun.get(run.runId());
    if (g == null) {
      g = new HeldOutGain(store, heldOut, flow.task(run).apply(TrainingConfig.defaults()));
      byRun.put(run.runId(), g);
    }
    return g;
  }
}
