package org.fedchain.node;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
   * The end-user layer of a run: data owners who lend their shards to the nodes, the genesis
   * model's owner and the model spec's author, each paid a royalty.
   *
   * @param owners owner {@code j} of {@code M} lends shard {@code j+1/M} of the data to node {@code
   *     j x N / M} (so each node trains on the shards of {@code M / N} owners)
   * @param share each owner's share (basis points) of the pay of an update trained on its data
   * @param modeler the genesis model's owner
   * @param royalty its basis points of every claimed reward
   * @param author who publishes the run's model spec (the first author of it is paid)
   * @param specRoyalty the spec author's basis points of every claimed reward
   */
  public record Lending(
      List<EthereumIdentity> owners,
      int share,
      EthereumIdentity modeler,
      int royalty,
      EthereumIdentity author,
      int specRoyalty) {
    public Lending {
      owners = List.copyOf(owners);
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
    return run(ledger, store, coordinator, validator, nodes, data, s, null, progress, onHop);
  }

  /**
   * As {@link #run(Ledger, BlobStore, EthereumIdentity, EthereumIdentity, List, DataSource,
   * Settings, Function, Consumer)}, with data owners when {@code lending} is not null: each owner
   * signs a grant of its shard to its node for the run, each node checks the data it was given
   * against its grants, trains on all of it and cites every grant, and each claim pays the owners
   * and the author their parts.
   */
  public static Result run(
      Ledger ledger,
      BlobStore store,
      EthereumIdentity coordinator,
      EthereumIdentity validator,
      List<EthereumIdentity> nodes,
      DataSource data,
      Settings s,
      Lending lending,
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
    if (lending != null) {
      Hash32 spec = Hash32.parse(a.id());
      Authors.publish(ledger, lending.author(), spec);
      terms =
          terms
              .withRoyalty(lending.modeler().address(), lending.royalty())
              .withSpec(spec, lending.specRoyalty());
    }
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
    // with owners: each node's grants and the shards they lend it, granted before training
    List<Map<Hash32, Samples>> lent = new ArrayList<>();
    if (lending != null) {
      int m = lending.owners().size();
      long expiry = System.currentTimeMillis() / 1000 + java.time.Duration.ofDays(1).toSeconds();
      nodes.forEach(n -> lent.add(new LinkedHashMap<>()));
      for (int j = 0; j < m; j++) {
        Samples shard = spec(data, j, m, s).load(data);
        int node = j * nodes.size() / m;
        Hash32 g =
            DataGrants.grant(
                ledger,
                lending.owners().get(j),
                shard,
                nodes.get(node).address(),
                runId,
                lending.share(),
                expiry);
        lent.get(node).put(g, shard);
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      DataSpec shard = spec(data, i, nodes.size(), s);
      Samples mine;
      if (lending == null) {
        mine = shard.load(data);
      } else {
        mine = null;
        for (Map.Entry<Hash32, Samples> e : lent.get(i).entrySet()) {
          DataGrants.check(ledger, e.getKey(), e.getValue(), nodes.get(i).address(), runId);
          mine = mine == null ? e.getValue() : Samples.concat(mine, e.getValue());
        }
      }
      Map<Hash32, Long> used = new LinkedHashMap<>();
      if (lending != null) {
        lent.get(i).forEach((g, samples) -> used.put(g, (long) samples.size()));
      }
      ChainFlow.Hop hop =
          flow.continueChain(
              runId,
              nodes.get(i),
              mine,
              config,
              progress.apply(shard),
              ChainFlow.BlobSource.LOCAL,
              used);
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

  /** Shard {@code i+1} of {@code n} of the data (whole series where the settings ask for them). */
  private static DataSpec spec(DataSource data, int i, int n, Settings s) {
    return new DataSpec(data.describe(), i + 1, n, 0, DataSpec.PARTITION_SEED, null, s.bySeries());
  }
}
