package org.fedchain.examples;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.ChainedRun;
import org.fedchain.node.DataSpec;
import org.fedchain.node.FedAvgFlow;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelSpec;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * Speech: who is speaking, from recordings of nine men saying the Japanese vowel /ae/ (Kudo, Toyama
 * and Shimbo, 1999; the JapaneseVowels set that sktime's wheel ships): 12 LPC cepstra per frame, 7
 * to 29 frames, 270 utterances to train on and 370 to test. Three nodes each hold a third of the
 * training utterances; an LSTM spec learns the speaker chained (validated, rewarded) and by FedAvg,
 * next to chance and to each node's model of its own third alone.
 */
public final class Speech implements Example {
  static final String NPZ = "examples/speech/vowels.npz";

  @Override
  public String name() {
    return "speech";
  }

  @Override
  public String description() {
    return "which of 9 speakers said a vowel, from LPC cepstra, with an LSTM; a third of the"
        + " recordings per node";
  }

  @Override
  public boolean installed(Path cache) {
    return Files.isRegularFile(cache.resolve(NPZ));
  }

  @Override
  public boolean run(Context c) throws Exception {
    PrintWriter out = c.out();
    Path npz = c.cache().resolve(NPZ);
    if (!installed(c.cache())) {
      throw new IOException(npz + " is missing: install it with scripts/setup.sh example speech");
    }
    Files.createDirectories(c.work());
    Architecture arch = Architecture.of(ModelSpec.parse(Examples.spec(name())));
    DataSource ds = DataSource.open("npz:" + npz, arch.inputShape());
    int nodes = 3;
    int rounds = c.quick() ? 3 : 6;
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(c.quick() ? 4 : 8)
            .batchSize(16)
            .optimizer(TrainingConfig.Optimizer.ADAM)
            .learningRate(0.005f)
            .schedule(TrainingConfig.Schedule.CONSTANT)
            .validationFraction(0)
            .seed(1)
            .build();
    Samples test = ds.test().orElseThrow();
    out.printf(
        "speech: %s, %d training and %d test utterances of %d speakers; %d nodes%n",
        arch.name(), ds.train().size(), test.size(), ds.train().classes(), nodes);
    EthereumIdentity coordinator = Examples.key(name(), "coordinator");
    EthereumIdentity validator = Examples.key(name(), "validator");
    List<EthereumIdentity> ids = new ArrayList<>();
    List<Samples> shards = new ArrayList<>();
    for (int k = 1; k <= nodes; k++) {
      ids.add(Examples.key(name(), "node" + k));
      shards.add(new DataSpec(ds.describe(), k, nodes, 0).load(ds));
    }
    BlobStore store = BlobStore.open(c.work().resolve("store"));
    List<Tensor> genesis = arch.initialTensors(config.seed(), Architecture.Init.PYTORCH);
    List<Tensor> chained;
    List<Tensor> fedAvg;
    boolean ok;
    try (Ledger ledger =
        Ledgers.open("embedded:" + c.work().resolve("ledger.db"), Examples.signer(coordinator))) {
      ledger.mint(coordinator.address(), BigInteger.TEN.pow(21)); // 1000 VNX
      out.println("chained run, validated and rewarded:");
      ChainedRun.Result r =
          ChainedRun.run(
              ledger,
              store,
              coordinator,
              validator,
              ids,
              ds,
              new ChainedRun.Settings(
                  arch,
                  Architecture.Init.PYTORCH,
                  config,
                  100,
                  BigInteger.TEN.pow(16), // 0.01 VNX per basis point of accuracy gained
                  false,
                  false),
              shard -> ProgressListener.NONE,
              h ->
                  out.printf(
                      "  node %s: test accuracy %.4f, paid %s%n",
                      h.node().address(),
                      h.testMetric(),
                      h.reward() != null
                          ? Examples.vnx(h.reward()) + " VNX"
                          : "nothing (" + h.unpaidReason() + ")"));
      chained = r.hops().get(r.hops().size() - 1).training().training().tensors();
      ok = Examples.audited(out, "chained", r.audit());

      FedAvgFlow flow = new FedAvgFlow(ledger, store, arch, config, Strategies.fedAvg());
      UpdateRecord global =
          flow.openRun(
              coordinator,
              genesis,
              "speech example",
              ids.stream().map(EthereumIdentity::address).toList());
      List<FedAvgFlow.Client> clients = new ArrayList<>();
      for (int k = 0; k < nodes; k++) {
        clients.add(
            new FedAvgFlow.Client(
                "node" + (k + 1), ids.get(k), shards.get(k), 1.0, FedAvgFlow.Behaviour.HONEST));
      }
      FedAvgFlow.Aggregation a = null;
      for (int round = 1; round <= rounds; round++) {
        a = flow.round(coordinator, round, global, clients, 1.0, 0, config.seed());
        global = a.global();
      }
      fedAvg = a.tensors();
      ok &=
          Examples.audited(
              out,
              "FedAvg, " + rounds + " rounds",
              AggregateReplay.recomputed(
                  ledger, store, new Verifier(ledger, store).audit(global.receipt().runId())));
    }

    // each node's own held-out recordings: a third of the test utterances
    List<int[]> heldOut = Partition.iid(test.size(), nodes, DataSpec.PARTITION_SEED);
    out.printf(
        "%nAccuracy on each node's own held-out utterances:%n%-6s %10s %8s %9s %8s %8s%n",
        "node", "utterances", "chance", "own data", "chained", "FedAvg");
    int fedBeatsOwn = 0;
    for (int k = 0; k < nodes; k++) {
      Samples mine = test.subset(heldOut.get(k));
      List<Tensor> own =
          LocalTrainer.train(
                  arch,
                  genesis,
                  shards.get(k),
                  config.toBuilder().epochs(config.epochs() * rounds).build(),
                  ProgressListener.NONE)
              .tensors();
      double ownAcc = LocalTrainer.evaluate(arch, own, mine).accuracy();
      double fedAcc = LocalTrainer.evaluate(arch, fedAvg, mine).accuracy();
      fedBeatsOwn += fedAcc > ownAcc ? 1 : 0;
      out.printf(
          "%-6s %10d %8.3f %9.3f %8.3f %8.3f%n",
          "node" + (k + 1),
          mine.size(),
          1.0 / test.classes(),
          ownAcc,
          LocalTrainer.evaluate(arch, chained, mine).accuracy(),
          fedAcc);
    }
    out.printf(
        "FedAvg beats a node's own model on %d of %d nodes; audits %s%n",
        fedBeatsOwn, nodes, ok ? "OK" : "FAILED");
    out.flush();
    return ok;
  }
}
