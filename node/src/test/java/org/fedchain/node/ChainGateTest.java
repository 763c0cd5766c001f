package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
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
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chain that a contributor poisons: its recorded model holds a NaN (as a node training at a
 * learning rate of 5 records). The next node passes that head over, says why, and continues from
 * the last sound one; before, it trained on the NaN head, produced the same NaN bytes and was
 * refused with MODEL_EXISTS, so one bad update ended the run.
 */
class ChainGateTest {
  @TempDir Path dir;
  final Architecture arch = Architectures.get("fmnist-mlp/1");
  final TrainingConfig config = TrainingConfig.builder().epochs(1).seed(3).threads(1).build();

  static EthereumIdentity key(String name) {
    return Signers.secp256k1(Hash32.sha256(name.getBytes(StandardCharsets.UTF_8)).toBytes());
  }

  @Test
  void a_head_holding_nan_is_passed_over_and_the_chain_goes_on_from_the_last_sound_one()
      throws Exception {
    Samples train = FashionMnist.standard().train();
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      BlobStore store = BlobStore.open(dir.resolve("store"));
      ChainFlow flow = new ChainFlow(ledger, store);
      Hash32 run =
          flow.openRun(
                  key("coordinator"),
                  arch,
                  arch.initialTensors(1),
                  RunConfig.unrewarded(Mode.CHAINED),
                  "test")
              .receipt()
              .runId();
      ChainFlow.Hop alice =
          flow.continueChain(run, key("alice"), train.slice(0, 600), config, ProgressListener.NONE);
      assertThat(alice.skipped()).isEmpty();

      UpdateRecord poisoned = recordNan(ledger, store, alice.update(), key("mallory"));
      assertThat(flow.head(run).updateId()).isEqualTo(poisoned.updateId());

      ChainFlow.Hop bob =
          flow.continueChain(
              run, key("bob"), train.slice(600, 1200), config, ProgressListener.NONE);
      assertThat(bob.from().updateId()).isEqualTo(alice.update().updateId());
      assertThat(bob.update().receipt().parent()).isEqualTo(alice.update().receipt().model());
      assertThat(bob.skipped())
          .singleElement()
          .asString()
          .contains(poisoned.updateId().toString())
          .contains(key("mallory").address().toString())
          .contains("NaN");
      for (Tensor t : ModelCodec.read(arch, store.get(bob.update().receipt().model()))) {
        assertThat(t.isFinite()).as(t.name()).isTrue();
      }
    }
  }

  /**
   * Commit-reveal: someone who sees a node's pending commitment records it first. The commitment
   * binds the update to that node, so the node carries on and its update is recorded as its own.
   */
  @Test
  void a_node_whose_commitment_someone_replayed_first_carries_on() throws Exception {
    try (Ledger real = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      Ledger ledger =
          (Ledger)
              java.lang.reflect.Proxy.newProxyInstance(
                  Ledger.class.getClassLoader(),
                  new Class<?>[] {Ledger.class},
                  (proxy, method, args) -> {
                    try {
                      if (method.getName().equals("commit")) {
                        method.invoke(real, args); // the copier's replay lands first
                      }
                      return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
      BlobStore store = BlobStore.open(dir.resolve("store"));
      ChainFlow flow = new ChainFlow(ledger, store);
      RunConfig commitReveal =
          new RunConfig(
              Mode.CHAINED,
              true,
              List.of(),
              0,
              java.math.BigInteger.ZERO,
              java.math.BigInteger.ZERO);
      Hash32 run =
          flow.openRun(key("coordinator"), arch, arch.initialTensors(1), commitReveal, "test")
              .receipt()
              .runId();
      ChainFlow.Hop alice =
          flow.continueChain(
              run,
              key("alice"),
              FashionMnist.standard().train().slice(0, 300),
              config,
              ProgressListener.NONE);
      assertThat(alice.update().contributor()).isEqualTo(key("alice").address());
      assertThat(real.updates(run)).hasSize(2);
    }
  }

  /**
   * A finite but junk update (random weights, as wild training leaves them), and an update someone
   * built on it, are both passed over by the next honest node, which continues from the last good
   * model; its chain ends exactly where a chain without the attack ends.
   */
  @Test
  void junk_and_what_is_built_on_it_are_passed_over_and_the_chain_ends_as_a_clean_one()
      throws Exception {
    Samples train = FashionMnist.standard().train();
    Samples test = FashionMnist.standard().test().slice(0, 2000);
    double[] finalAccuracy = new double[2];
    for (int attacked = 0; attacked < 2; attacked++) {
      try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve(attacked + "/ledger.db"))) {
        BlobStore store = BlobStore.open(dir.resolve(attacked + "/store"));
        ChainFlow flow = new ChainFlow(ledger, store);
        Hash32 run =
            flow.openRun(
                    key("coordinator"),
                    arch,
                    arch.initialTensors(1),
                    RunConfig.unrewarded(Mode.CHAINED),
                    "test")
                .receipt()
                .runId();
        ChainFlow.Hop alice =
            flow.continueChain(
                run, key("alice"), train.slice(0, 600), config, ProgressListener.NONE);
        UpdateRecord junk = null;
        if (attacked == 1) {
          junk = record(ledger, store, alice.update(), key("mallory"), arch.initialTensors(99));
          List<Tensor> onJunk =
              new ArrayList<>(ModelCodec.read(arch, store.get(junk.receipt().model())));
          onJunk.set(0, nudged(onJunk.get(0)));
          UpdateRecord eve = record(ledger, store, junk, key("eve"), onJunk);
          assertThat(flow.head(run).updateId()).isEqualTo(eve.updateId());
        }
        ChainFlow.Hop bob =
            flow.continueChain(
                run, key("bob"), train.slice(600, 1200), config, ProgressListener.NONE);
        assertThat(bob.from().updateId()).isEqualTo(alice.update().updateId());
        if (attacked == 1) {
          assertThat(bob.skipped()).hasSize(2);
          assertThat(bob.skipped().get(0))
              .contains(key("eve").address().toString())
              .contains("builds on seq 2 " + junk.updateId())
              .contains("held-out");
          assertThat(bob.skipped().get(1))
              .contains(junk.updateId().toString())
              .contains("its parent's");
        }
        finalAccuracy[attacked] =
            org.fedchain.trainer.LocalTrainer.evaluate(
                    arch, ModelCodec.read(arch, store.get(bob.update().receipt().model())), test)
                .accuracy();
      }
    }
    assertThat(finalAccuracy[1])
        .isCloseTo(finalAccuracy[0], org.assertj.core.data.Offset.offset(0.01));
  }

  private static Tensor nudged(Tensor t) {
    float[] v = t.floats();
    v[0] += 0.001f;
    return Tensor.ofFloats(t.name(), t.shape(), v);
  }

  /** Records, as {@code who}, a CHAINED update on {@code parent} whose model holds a NaN. */
  private UpdateRecord recordNan(
      Ledger ledger, BlobStore store, UpdateRecord parent, EthereumIdentity who) throws Exception {
    List<Tensor> tensors =
        new ArrayList<>(ModelCodec.read(arch, store.get(parent.receipt().model())));
    float[] v = tensors.get(0).floats();
    v[v.length / 2] = Float.NaN;
    tensors.set(0, Tensor.ofFloats(tensors.get(0).name(), tensors.get(0).shape(), v));
    return record(ledger, store, parent, who, tensors);
  }

  /** Records, as {@code who}, a CHAINED update on {@code parent} with these tensors. */
  private UpdateRecord record(
      Ledger ledger,
      BlobStore store,
      UpdateRecord parent,
      EthereumIdentity who,
      List<Tensor> tensors)
      throws Exception {
    Hash32 model = store.put(ModelCodec.write(tensors));
    Hash32 data = Hash32.sha256("mallory's data".getBytes(StandardCharsets.UTF_8));
    Manifest m =
        Manifest.builder()
            .runId(parent.receipt().runId())
            .kind(UpdateKind.CHAINED)
            .parents(List.of(parent.receipt().model()))
            .model(model)
            .tensors(tensors)
            .architecture(arch.id())
            .epochs(1)
            .steps(1)
            .dataset(data, 600)
            .build();
    ModelUpdate u =
        new ModelUpdate(
            parent.receipt().runId(),
            parent.receipt().seq() + 1,
            UpdateKind.CHAINED,
            parent.receipt().model(),
            model,
            store.put(m.toJson()),
            data,
            600,
            who.address());
    return ledger.submit(TrainedUpdates.sign(ledger, who, u));
  }
}
