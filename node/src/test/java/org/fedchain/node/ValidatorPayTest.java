package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.model.Tensor;
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
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;
import org.fedchain.wallet.EthereumIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pay per sample behind quality gates, on a real chain of real Fashion-MNIST: equal shares score
 * equally wherever they stand (by gain, the first takes most); a near copy of the parent and an
 * update that falls far below it score nothing.
 */
class ValidatorPayTest {
  @TempDir Path dir;
  final Architecture mlp = Architectures.get("fmnist-mlp/1");
  final EthereumIdentity coordinator = ChainGateTest.key("coordinator");
  final EthereumIdentity validator = ChainGateTest.key("validator");
  final EthereumIdentity mallory = ChainGateTest.key("mallory");
  final TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(32).seed(5).build();
  Ledger ledger;
  BlobStore store;

  @BeforeEach
  void start() throws Exception {
    ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"));
    store = BlobStore.open(dir.resolve("store"));
  }

  @AfterEach
  void stop() throws Exception {
    ledger.close();
  }

  @Test
  void equal_shares_score_equally_and_copies_or_regressions_score_nothing() throws Exception {
    Samples train = FashionMnist.standard().train();
    Samples heldOut = FashionMnist.standard().test().slice(0, 500);
    ChainFlow flow = new ChainFlow(ledger, store);
    UpdateRecord g =
        flow.openRun(
            coordinator,
            mlp,
            mlp.initialTensors(1),
            new RunConfig(
                Mode.CHAINED,
                false,
                List.of(validator.address(), ChainGateTest.key("validator2").address()),
                1,
                BigInteger.ZERO,
                BigInteger.ZERO),
            "test",
            new Task.Terms(Task.Loss.CROSS_ENTROPY, Task.Metric.ACCURACY));
    Validator bySamples = new Validator(ledger, store, validator, heldOut, Validator.Pay.SAMPLES);
    Validator byGain =
        new Validator(ledger, store, ChainGateTest.key("validator2"), heldOut, Validator.Pay.GAIN);
    List<Long> samples = new ArrayList<>();
    List<Long> gains = new ArrayList<>();
    UpdateRecord last = g;
    for (int i = 0; i < 3; i++) {
      Samples shard = train.slice(600 * i, 600 * (i + 1));
      last =
          flow.continueChain(
                  g.receipt().runId(),
                  ChainGateTest.key("node" + i),
                  shard,
                  config,
                  ProgressListener.NONE)
              .update();
      samples.add(bySamples.attest(last).score());
      gains.add(byGain.attest(last).score());
    }
    assertThat(samples).containsOnly(60L); // 600 samples, a point per 10
    assertThat(gains.get(0)).isGreaterThan(gains.get(2)); // by gain, order decides it

    // a near copy of the head: nothing
    List<Tensor> head =
        org.fedchain.trainer.ModelCodec.read(mlp, store.get(last.receipt().model()));
    List<Tensor> nudged = new ArrayList<>(head);
    float[] w = nudged.get(0).floats();
    w[0] += 1e-7f;
    nudged.set(0, Tensor.ofFloats(head.get(0).name(), head.get(0).shape(), w));
    assertThat(bySamples.attest(record(last, nudged)).score()).isZero();
    // far below its parent: nothing
    List<Tensor> noise = new ArrayList<>();
    java.util.Random r = new java.util.Random(3);
    for (Tensor t : head) {
      float[] v = t.floats();
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextGaussian();
      }
      noise.add(Tensor.ofFloats(t.name(), t.shape(), v));
    }
    assertThat(bySamples.attest(record(last, noise)).score()).isZero();
  }

  /** Records {@code tensors} as mallory's CHAINED update continuing {@code parent}, 600 samples. */
  private UpdateRecord record(UpdateRecord parent, List<Tensor> tensors) throws Exception {
    Samples claimed = FashionMnist.standard().train().slice(5000, 5600);
    TrainingResult r = new TrainingResult(tensors, 0, null, claimed.size(), 19, 0);
    ModelUpdate u =
        TrainedUpdates.store(
            store,
            mallory.address(),
            UpdateKind.CHAINED,
            parent.receipt(),
            mlp,
            config,
            r,
            tensors,
            claimed);
    return ledger.submit(TrainedUpdates.sign(ledger, mallory, u));
  }
}
