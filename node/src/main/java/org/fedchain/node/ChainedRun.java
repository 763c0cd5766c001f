package org.fedchain.node;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.VerificationException;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * A whole chained run with rewards, through the same roles a user calls one by one: the coordinator
 * opens a rewarded run that admits the given nodes only, each node continues the chain on its own
 * disjoint shard, a validator scores every update on held-out images, the node claims its reward,
 * and the run is audited. {@code fedchain demo} prints it as a table.
 */
public final class ChainedRun {
  private ChainedRun() {}

  /** VNX has 18 decimals. */
  private static final BigInteger VNX = BigInteger.TEN.pow(18);

  /**
   * What to run.
   *
   * @param budgetVnx the run's reward budget in whole VNX, escrowed from the coordinator (who must
   *     hold it)
   * @param rewardPerPoint VNX wei paid per point of score (see {@link Validator.Pay})
   * @param commitReveal whether nodes commit before they reveal (where others see pending
   *     transactions)
   * @param bySeries whether each node takes whole series of the data (a source that has them), else
   *     an IID shard
   */
  public record Settings(
      Architecture arch,
      Architecture.Init init,
      TrainingConfig config,
      long budgetVnx,
      BigInteger rewardPerPoint,
      boolean commitReveal,
      boolean bySeries,
      Validator.Pay pay) {
    /** Terms whose validator scores by the metric's gain. */
    public Settings(
        Architecture arch,
        Architecture.Init init,
        TrainingConfig config,
        long budgetVnx,
        BigInteger rewardPerPoint,
        boolean commitReveal,
        boolean bySeries) {
      this(
          arch,
          init,
          config,
          budgetVnx,
          rewardPerPoint,
          commitReveal,
          bySeries,
          Validator.Pay.GAIN);
    }

    /**
     * The demo's terms: 100 VNX, 0.01 VNX per point, a point per 10 samples of an update that
     * trained and did not regress: its nodes hold equal shares of the data, so they earn equal pay
     * (by the gain, the first node took about 113 times the last's).
     */
    public static Settings demo(
        Architecture arch, Architecture.Init init, TrainingConfig config, boolean commitReveal) {
      return new Settings(
          arch,
          init,
          config,
          100,
          VNX.divide(BigInteger.valueOf(100)),
          commitReveal,
          false,
          Validator.Pay.SAMPLES);
    }
  }

  /**
   * One node's turn: its update, the run's metric on the test part (accuracy, or an error) and what
   * it was paid (null: nothing, and why).
   */
  public record Hop(
      EthereumIdentity node,
      UpdateRecord update,
      ChainFlow.Hop training,
      double testMetric,
      BigInteger reward,
      String unpaidReason) {}

  /** The run, its hops and its audit. */
  public record Result(Hash32 runId, List<Hop> hops, RunAudit audit, double seconds) {
    /** The run's metric of the last model on the test part. */
    public double finalMetric() {
      return hops.isEmpty() ? 0 : hops.get(hops.size() - 1).testMetric();
    }
  }

  /**
   * Runs the chain: node {@code i} trains on shard {@code i+1/N} of {@code data}; the validator
   * holds out the first half of the test images, the accuracy reported is on all of them.
   *
   * @param progress how each node reports its training (given its 0-based index and shard)
   * @param onHop called after every hop, e.g. to print a table row
   */
  public static Result run(
      Ledger ledger,
      BlobStore store,
      EthereumIdentity coordinator,
      EthereumIdentity validator,
      List<EthereumIdentity> nodes,
      DataSource data,
      Settings s,
      Function<DataSpec, ProgressListener> progress,
      Consumer<Hop> onHop)
      throws IOException, LedgerException, VerificationException {
    long t0 = System.nanoTime();
    Samples test = FedAvgRun.testPart(data);
    Architecture a = s.arch();
    BigInteger budget = VNX.multiply(BigInteger.valueOf(s.budgetVnx()));
    RunConfig terms =
        new RunConfig(
                Mode.CHAINED,
                s.commitReveal(),
                List.of(validator.address()),
                1,
                budget,
                s.rewardPerPoint())
            .admitting(nodes.stream().map(EthereumIdentity::address).toList());
    ChainFlow flow = new ChainFlow(ledger, store);
    TrainingConfig config = s.config();
    UpdateRecord genesis =
        flow.openRun(
            coordinator,
            a,
            a.initialTensors(config.seed(), s.init()),
            terms,
            ChainFlow.freshOrigin(config.seed(), s.init()),
            new Task.Terms(config.loss(), config.metric()));
    Hash32 runId = genesis.receipt().runId();
    Validator scorer =
        new Validator(ledger, store, validator, test.slice(0, test.size() / 2), s.pay());
    scorer.commitEvalSet(); // before any update it will score is recorded
    List<Hop> hops = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      DataSpec shard =
          new DataSpec(
              data.describe(), i + 1, nodes.size(), 0, DataSpec.PARTITION_SEED, null, s.bySeries());
      ChainFlow.Hop hop =
          flow.continueChain(runId, nodes.get(i), shard.load(data), config, progress.apply(shard));
      UpdateRecord u = hop.update();
      scorer.attest(u);
      double testMetric =
          LocalTrainer.evaluate(a, ModelCodec.read(a, store.get(u.receipt().model())), test, config)
              .value();
      BigInteger reward = null;
      String unpaid = null;
      try {
        reward = ledger.claim(u.updateId());
      } catch (RejectedException e) {
        unpaid = e.reason().name();
      }
      Hop h = new Hop(nodes.get(i), u, hop, testMetric, reward, unpaid);
      hops.add(h);
      onHop.accept(h);
    }
    RunAudit audit = new Verifier(ledger, store).audit(runId);
    return new Result(runId, List.copyOf(hops), audit, (System.nanoTime() - t0) / 1e9);
  }
}
