package org.fedchain.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.rules.Rules;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategy;
import org.fedchain.verifier.UpdateCheck;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * A validator of a run: scores updates on the validator's held-out samples by the run's metric
 * (accuracy points, or error reduced; see {@link org.fedchain.trainer.Task.Metric#gain}), in basis
 * points, and signs and records each score as an attestation naming the held-out set's commitment.
 * It commits to that set on the ledger before its first score ({@link #commitEvalSet}; the ledger
 * refuses an attestation whose eval set was not committed in an earlier block), so it cannot pick
 * its samples after seeing an update. The run's reward rule turns attested scores into VNX when the
 * contributor claims.
 *
 * <pre>{@code
 * Validator v = new Validator(ledger, store, me, heldOut, Validator.Pay.SAMPLES);
 * v.commitEvalSet();
 * List<Validator.Score> done = v.validate(runId);   // every update it has not scored yet
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
    SAMPLES,
    /**
     * Data-parallel rounds: each LOCAL update's Shapley value among its round (the LOCAL updates
     * continuing the same global model), the value of a set of updates being the loss the global
     * model loses on the validator's set when moved by their updates alone, each at its weight in
     * the round's FedAvg, computed from the recorded models without retraining ({@link Shapley}).
     * Equal updates earn equal pay; one that adds nothing (the global model sent back, with noise)
     * earns about nothing; one that harms the model earns below zero. Chained updates are scored as
     * {@link #SAMPLES}.
     */
    SHAPLEY
  }

  public static final int SAMPLES_PER_POINT = 10;

  /**
   * What the validator measured and recorded for one update.
   *
   * @param gain the update's metric as a gain (its accuracy, or its error negated); by {@link
   *     Pay#SHAPLEY}, its Shapley value in the metric's units
   * @param parentGain its parent's (0 by {@link Pay#SHAPLEY})
   * @param score the basis points recorded
   * @param report the hash the attestation names as its evaluation report
   */
  public record Score(
      UpdateRecord update, double gain, double parentGain, long score, Hash32 report) {}

  private final Ledger ledger;
  private final BlobStore store;
  private final EthereumIdentity me;
  private final Samples heldOut;
  private final Pay pay;
  private final java.util.Map<Hash32, HeldOutGain> byRun = new java.util.HashMap<>();
  private Shapley.Options shapley = Shapley.Options.DEFAULT;
  private boolean committed;

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

  /** These Shapley settings for data-parallel rounds instead of {@link Shapley.Options#DEFAULT}. */
  public Validator shapley(Shapley.Options o) {
    this.shapley = o;
    return this;
  }

  /**
   * Records this validator's commitment to its held-out set, {@code keccak256(evalSet, validator)},
   * unless it is already on the ledger. Do it before the updates it will score are recorded, so
   * that anyone can see the set was fixed before them.
   */
  public void commitEvalSet() throws LedgerException {
    if (committed) {
      return;
    }
    Commitments.record(ledger, heldOut.commitment(), me.address());
    committed = true;
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
    Hash32 report = Hash32.sha256(("eval " + acc).getBytes(UTF_8));
    return new Score(update, acc, parent, record(update, raw, report), report);
  }

  /**
   * The Shapley values of one data-parallel round and the scores recorded for them.
   *
   * @param global the global model the round's updates continue
   * @param players the round's LOCAL updates
   * @param values each one's Shapley value in the metric's units
   * @param scores each one's score in basis points, or null where this validator recorded none (its
   *     own update, or one it had scored before)
   * @param report the stored JSON report (method, permutations, evaluations, values) whose hash
   *     each attestation names
   */
  public record Round(
      UpdateRecord global,
      List<UpdateRecord> players,
      double[] values,
      Long[] scores,
      Shapley.Result result,
      Hash32 report) {}

  /**
   * Scores the LOCAL updates continuing {@code global} by their Shapley values ({@link
   * Pay#SHAPLEY}) and records an attestation for each it may still attest. An update whose model or
   * manifest does not check out plays no part and scores zero.
   */
  public Round attestRound(UpdateRecord global) throws IOException, LedgerException {
    ChainFlow flow = new ChainFlow(ledger, store);
    Run run = flow.run(global.receipt().runId());
    Architecture arch = flow.architecture(run);
    HeldOutGain gains = gains(flow, run);
    List<UpdateRecord> players = new ArrayList<>();
    List<Strategy.Input> inputs = new ArrayList<>();
    List<UpdateRecord> broken = new ArrayList<>();
    Verifier verifier = new Verifier(ledger, store);
    for (UpdateRecord u : ledger.children(global.updateId())) {
      if (u.receipt().kind() != UpdateKind.LOCAL) {
        continue;
      }
      UpdateCheck c = verifier.check(u);
      if (!c.ok()) {
        broken.add(u);
        continue;
      }
      players.add(u);
      // in the architecture's tensor order, as the aggregation reads them
      List<Tensor> model = ModelCodec.read(arch, store.get(u.receipt().model()));
      inputs.add(new Strategy.Input(model, u.receipt().samples(), 1));
    }
    List<Tensor> start = ModelCodec.read(arch, store.get(global.receipt().model()));
    // the loss, not the metric: smooth where accuracy moves in steps of one sample, so updates
    // of equal worth get equal value on a held-out set of a few thousand samples
    double base = LocalTrainer.evaluate(arch, start, gains.samples(), gains.task()).loss();
    Shapley.Result r =
        Shapley.of(
            players.size(),
            mask ->
                mask == 0
                    ? 0
                    : base
                        - LocalTrainer.evaluate(
                                arch, partial(start, inputs, mask), gains.samples(), gains.task())
                            .loss(),
            shapley);
    Hash32 report = store.put(report(global, players, r));
    Long[] scores = new Long[players.size()];
    for (int i = 0; i < players.size(); i++) {
      if (mayAttest(players.get(i))) {
        scores[i] = record(players.get(i), Math.round(r.values()[i] * 10_000), report);
      }
    }
    for (UpdateRecord u : broken) {
      if (mayAttest(u)) {
        record(u, 0, report);
      }
    }
    return new Round(global, players, r.values(), scores, r, report);
  }

  /**
   * The global model moved by the updates in {@code mask} only, each at the weight (samples) it has
   * in the whole round: {@code global + sum over i in mask of w_i / W (model_i - global)}, so the
   * whole round is its FedAvg aggregate. Not renormalised over the subset: with a subset's own
   * average, an update that adds nothing would earn credit for diluting a harmful one (measured: a
   * free-rider scored 52% of an honest client beside a label flipper).
   */
  private static List<Tensor> partial(List<Tensor> global, List<Strategy.Input> inputs, long mask) {
    double total = 0;
    for (Strategy.Input in : inputs) {
      total += in.samples();
    }
    List<Tensor> out = new ArrayList<>();
    for (int t = 0; t < global.size(); t++) {
      Tensor g = global.get(t);
      if (g.dtype() != org.fedchain.core.model.DType.F32) {
        out.add(g);
        continue;
      }
      float[] base = g.floats();
      double[] sum = new double[base.length];
      for (int i = 0; i < inputs.size(); i++) {
        if ((mask & (1L << i)) != 0) {
          double w = inputs.get(i).samples() / total;
          float[] m = inputs.get(i).tensors().get(t).floats();
          for (int k = 0; k < sum.length; k++) {
            sum[k] += w * (m[k] - base[k]);
          }
        }
      }
      float[] v = new float[base.length];
      for (int k = 0; k < v.length; k++) {
        v[k] = (float) (base[k] + sum[k]);
      }
      out.add(Tensor.ofFloats(g.name(), g.shape(), v));
    }
    return out;
  }

  /**
   * One pass over a run: scores every update this validator may still attest (not its own, not
   * scored before): chained updates one by one, and data-parallel rounds by {@link Pay#SHAPLEY}
   * once their global model's AGGREGATE is recorded (the round is closed; by another rule, each
   * LOCAL update alone against its global model). An update whose model or manifest is not in the
   * store yet waits for a later pass (an attestation is final); one that fails its checks scores
   * zero. Stage updates of model-parallel runs are not scored (a stage alone has no metric).
   * Returns what it recorded.
   */
  public List<Score> validate(Hash32 runId) throws IOException, LedgerException {
    commitEvalSet();
    List<Score> done = new ArrayList<>();
    List<UpdateRecord> all = ledger.updates(runId);
    Verifier verifier = new Verifier(ledger, store);
    for (UpdateRecord u : all) {
      UpdateKind kind = u.receipt().kind();
      if (!store.has(u.receipt().model()) || !store.has(u.receipt().manifest())) {
        continue;
      }
      boolean alone =
          kind == UpdateKind.CHAINED || (kind == UpdateKind.LOCAL && pay != Pay.SHAPLEY);
      if (alone && mayAttest(u)) {
        UpdateCheck c = verifier.check(u);
        if (c.ok()) {
          done.add(attest(u));
        } else {
          Hash32 report = store.put(String.join("\n", c.problems()).getBytes(UTF_8));
          done.add(new Score(u, 0, 0, record(u, 0, report), report));
        }
      } else if (kind == UpdateKind.GENESIS || kind == UpdateKind.AGGREGATE) {
        if (pay == Pay.SHAPLEY && roundClosed(u) && hasPending(u) && available(u)) {
          Round round = attestRound(u);
          for (int i = 0; i < round.players().size(); i++) {
            if (round.scores()[i] != null) {
              done.add(
                  new Score(
                      round.players().get(i),
                      round.values()[i],
                      0,
                      round.scores()[i],
                      round.report()));
            }
          }
        }
      }
    }
    return done;
  }

  /** Whether every LOCAL update of the round continuing {@code global} is in the store. */
  private boolean available(UpdateRecord global) throws LedgerException {
    for (UpdateRecord c : ledger.children(global.updateId())) {
      if (c.receipt().kind() == UpdateKind.LOCAL
          && !(store.has(c.receipt().model()) && store.has(c.receipt().manifest()))) {
        return false;
      }
    }
    return true;
  }

  private boolean roundClosed(UpdateRecord global) throws LedgerException {
    for (UpdateRecord c : ledger.children(global.updateId())) {
      if (c.receipt().kind() == UpdateKind.AGGREGATE) {
        return true;
      }
    }
    return false;
  }

  private boolean hasPending(UpdateRecord global) throws LedgerException {
    for (UpdateRecord c : ledger.children(global.updateId())) {
      if (c.receipt().kind() == UpdateKind.LOCAL && mayAttest(c)) {
        return true;
      }
    }
    return false;
  }

  /** Not its own update (the ledger refuses that) and not one it already scored. */
  private boolean mayAttest(UpdateRecord u) throws LedgerException {
    return !u.contributor().equals(me.address())
        && !ledger.attestations(u.updateId()).containsKey(me.address());
  }

  /** Signs and records {@code raw} basis points, clamped to the ledger's bound; returns it. */
  private long record(UpdateRecord update, long raw, Hash32 report) throws LedgerException {
    commitEvalSet();
    // within the ledger's bound (a metric not in [0, 1] could leave it)
    long score = Math.max(-Rules.MAX_SCORE, Math.min(Rules.MAX_SCORE, raw));
    Attestation a = new Attestation(update.updateId(), score, heldOut.commitment(), report);
    ledger.attest(new Signed<>(a, me.address(), me.signer().sign(a.digest(ledger.domain()))));
    return score;
  }

  private byte[] report(UpdateRecord global, List<UpdateRecord> players, Shapley.Result r) {
    com.fasterxml.jackson.databind.node.ObjectNode o =
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    o.put("global", global.updateId().hex());
    o.put("evalSet", heldOut.commitment().hex());
    o.put("method", r.exact() ? "exact" : "gtg-shapley");
    o.put("permutations", r.permutations());
    o.put("evaluations", r.evaluations());
    o.put("tolerance", shapley.tolerance());
    o.put("seed", shapley.seed());
    com.fasterxml.jackson.databind.node.ArrayNode ps = o.putArray("players");
    for (int i = 0; i < players.size(); i++) {
      ps.addObject().put("update", players.get(i).updateId().hex()).put("value", r.values()[i]);
    }
    return o.toString().getBytes(UTF_8);
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
