package org.fedchain.examples;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.ChainedRun;
import org.fedchain.node.FedAvgFlow;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * The runs an example makes, on one embedded ledger in its work folder: its coordinator (who holds
 * 1000 VNX to fund rewards), validator and nodes, a chained run that is validated and rewarded, a
 * FedAvg run; each audited, and whether every audit passed.
 */
final class Runs implements AutoCloseable {
  final Ledger ledger;
  final BlobStore store;
  final EthereumIdentity coordinator;
  final EthereumIdentity validator;
  final List<EthereumIdentity> nodes;
  private final PrintWriter out;
  private boolean ok = true;

  Runs(Example.Context c, String example, List<String> nodeNames) throws Exception {
    this.out = c.out();
    this.store = BlobStore.open(c.work().resolve("store"));
    this.coordinator = Examples.key(example, "coordinator");
    this.validator = Examples.key(example, "validator");
    List<EthereumIdentity> ids = new ArrayList<>();
    nodeNames.forEach(n -> ids.add(Examples.key(example, n)));
    this.nodes = List.copyOf(ids);
    this.ledger =
        Ledgers.open("embedded:" + c.work().resolve("ledger.db"), Examples.signer(coordinator));
    ledger.mint(coordinator.address(), BigInteger.TEN.pow(21));
  }

  /** Whether every run so far audited clean. */
  boolean ok() {
    return ok;
  }

  /** Records an audit's outcome, printed in one line. */
  void audited(String what, org.fedchain.verifier.RunAudit audit) {
    ok &= Examples.audited(out, what, audit);
  }

  /**
   * The chained run: node {@code i} trains on its shard of {@code data} in turn, a validator scores
   * each update on half the test part and the node claims 0.01 VNX per basis point of gain; {@code
   * metric} prints the run's metric. Returns the last model.
   */
  List<Tensor> chained(
      DataSource data,
      Architecture arch,
      TrainingConfig config,
      boolean bySeries,
      DoubleFunction<String> metric)
      throws Exception {
    out.println("chained run, validated and rewarded:");
    ChainedRun.Result r =
        ChainedRun.run(
            ledger,
            store,
            coordinator,
            validator,
            nodes,
            data,
            new ChainedRun.Settings(
                arch,
                Architecture.Init.PYTORCH,
                config,
                100,
                BigInteger.TEN.pow(16), // 0.01 VNX per basis point of the metric's gain
                false,
                bySeries),
            shard -> ProgressListener.NONE,
            h ->
                out.printf(
                    "  node %s: test %s, paid %s%n",
                    h.node().address(),
                    metric.apply(h.testMetric()),
                    h.reward() != null
                        ? Examples.vnx(h.reward()) + " VNX"
                        : "nothing (" + h.unpaidReason() + ")"));
    audited("chained", r.audit());
    return r.hops().get(r.hops().size() - 1).training().training().tensors();
  }

  /** FedAvg over the nodes' shards for {@code rounds} rounds; returns the last global model. */
  List<Tensor> fedAvg(
      Architecture arch,
      TrainingConfig config,
      List<Tensor> genesis,
      List<Samples> shards,
      List<String> names,
      int rounds,
      String origin)
      throws Exception {
    FedAvgFlow flow = new FedAvgFlow(ledger, store, arch, config, Strategies.fedAvg());
    UpdateRecord global =
        flow.openRun(
            coordinator, genesis, origin, nodes.stream().map(EthereumIdentity::address).toList());
    List<FedAvgFlow.Client> clients = new ArrayList<>();
    for (int k = 0; k < nodes.size(); k++) {
      clients.add(
          new FedAvgFlow.Client(
              names.get(k), nodes.get(k), shards.get(k), 1.0, FedAvgFlow.Behaviour.HONEST));
    }
    FedAvgFlow.Aggregation a = null;
    for (int round = 1; round <= rounds; round++) {
      a = flow.round(coordinator, round, global, clients, 1.0, 0, config.seed());
      global = a.global();
    }
    audited(
        "FedAvg, " + rounds + " rounds",
        AggregateReplay.recomputed(
            ledger, store, new Verifier(ledger, store).audit(global.receipt().runId())));
    return a.tensors();
  }

  @Override
  public void close() throws LedgerException {
    ledger.close();
  }
}
