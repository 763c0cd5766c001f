package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;
import org.fedchain.verifier.Replay;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay on a real chained run of real Fashion-MNIST: honest updates replay bit for bit; one
 * trained on other data than it commits to, and one trained for fewer epochs than it claims, do
 * not.
 */
class ReplayTest {
  @TempDir Path dir;
  final Architecture mlp = Architectures.get("fmnist-mlp/1");
  final EthereumIdentity coordinator = ChainGateTest.key("coordinator");
  final EthereumIdentity alice = ChainGateTest.key("alice");
  final EthereumIdentity bob = ChainGateTest.key("bob");
  final EthereumIdentity mallory = ChainGateTest.key("mallory");
  final TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(32).seed(5).build();
  Ledger ledger;
  BlobStore store;
  Samples a;
  Samples b;
  Samples other;

  @BeforeEach
  void start() throws Exception {
    ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"));
    store = BlobStore.open(dir.resolve("store"));
    Samples train = FashionMnist.standard().train();
    a = train.slice(0, 200);
    b = train.slice(200, 400);
    other = train.slice(400, 600);
  }

  @AfterEach
  void stop() throws Exception {
    ledger.close();
  }

  /** Records {@code r} (trained from {@code parent}) as CHAINED, claiming {@code claimed}. */
  UpdateRecord forged(
      EthereumIdentity who,
      UpdateRecord parent,
      TrainingConfig claimed,
      TrainingResult r,
      Samples committed)
      throws Exception {
    ModelUpdate u =
        TrainedUpdates.store(
            store,
            who.address(),
            UpdateKind.CHAINED,
            parent.receipt(),
            mlp,
            claimed,
            r,
            r.tensors(),
            committed);
    return ledger.submit(TrainedUpdates.sign(ledger, who, u));
  }

  @Test
  void honest_updates_replay_bit_for_bit_and_forged_claims_do_not() throws Exception {
    ChainFlow flow = new ChainFlow(ledger, store);
    UpdateRecord g =
        flow.openRun(
            coordinator,
            mlp,
            mlp.initialTensors(1),
            new RunConfig(Mode.CHAINED, false, List.of(), 0, BigInteger.ZERO, BigInteger.ZERO),
            "test",
            new Task.Terms(Task.Loss.CROSS_ENTROPY, Task.Metric.ACCURACY));
    var run = g.receipt().runId();
    UpdateRecord h1 = flow.continueChain(run, alice, a, config, ProgressListener.NONE).update();
    UpdateRecord h2 = flow.continueChain(run, bob, b, config, ProgressListener.NONE).update();
    var start = mlp.initialTensors(1);
    // trained on other samples, committing to alice's
    UpdateRecord otherData =
        forged(
            mallory,
            g,
            config,
            LocalTrainer.train(mlp, start, other, config, ProgressListener.NONE),
            a);
    // trained for one epoch, claiming two
    UpdateRecord fewerSteps =
        forged(
            mallory,
            g,
            config.toBuilder().epochs(2).build(),
            LocalTrainer.train(mlp, start, b, config, ProgressListener.NONE),
            b);
    RunAudit audit = new Verifier(ledger, store).audit(run);
    assertThat(audit.ok()).as(audit.toString()).isTrue(); // every signature and hash is sound

    List<Replay.Outcome> out =
        Replay.run(store, audit, Map.of(a.commitment(), a, b.commitment(), b), 1.0, 1);

    assertThat(out).hasSize(4);
    assertThat(status(out, h1)).isEqualTo(Replay.Status.PASSED);
    assertThat(status(out, h2)).isEqualTo(Replay.Status.PASSED);
    assertThat(status(out, otherData)).isEqualTo(Replay.Status.FAILED);
    Replay.Outcome fewer = outcome(out, fewerSteps);
    assertThat(fewer.status()).isEqualTo(Replay.Status.FAILED);
    assertThat(fewer.detail()).contains("steps, the manifest claims");

    // without the data an update commits to, it is not replayed (and says so)
    List<Replay.Outcome> partial = Replay.run(store, audit, Map.of(a.commitment(), a), 1.0, 1);
    assertThat(status(partial, h2)).isEqualTo(Replay.Status.SKIPPED);
    assertThat(outcome(partial, h2).detail()).contains("no data given commits to");
  }

  static Replay.Status status(List<Replay.Outcome> out, UpdateRecord u) {
    return outcome(out, u).status();
  }

  static Replay.Outcome outcome(List<Replay.Outcome> out, UpdateRecord u) {
    return out.stream()
        .filter(o -> o.update().updateId().equals(u.updateId()))
        .findFirst()
        .orElseThrow();
  }
}
