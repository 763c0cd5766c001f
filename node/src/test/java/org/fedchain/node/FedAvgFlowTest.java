package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Partition;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.trainer.aggregate.Strategy;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data-parallel flows with real DJL training (MLP) on small real Fashion-MNIST slices. */
class FedAvgFlowTest {
  static final Architecture MLP = Architectures.get("fmnist-mlp/1");
  static final TrainingConfig CONFIG = TrainingConfig.builder().epochs(1).batchSize(32).build();
  static Samples train;
  static Samples test;

  @TempDir Path dir;

  @BeforeAll
  static void data() {
    FashionMnist d = FashionMnist.standard();
    train = d.train().slice(0, 4000);
    test = d.test().slice(0, 1000);
  }

  static EthereumIdentity key(String name) {
    return Signers.secp256k1(
        Hash32.sha256(("fedavg test " + name).getBytes(StandardCharsets.UTF_8)).toBytes());
  }

  static List<FedAvgFlow.Client> clients(
      int n, int perClient, Map<Integer, FedAvgFlow.Behaviour> bad, Map<Integer, Double> slow) {
    List<int[]> shards = Partition.iid(n * perClient, n, 11);
    List<FedAvgFlow.Client> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new FedAvgFlow.Client(
              "client" + i,
              key("client" + i),
              train.subset(shards.get(i)),
              slow.getOrDefault(i, 1.0),
              bad.getOrDefault(i, FedAvgFlow.Behaviour.HONEST)));
    }
    return out;
  }

  static double accuracy(List<Tensor> model) {
    return LocalTrainer.evaluate(MLP, model, test).accuracy();
  }

  record Outcome(List<FedAvgFlow.Aggregation> rounds, RunAudit audit, double accuracy) {}

  Outcome sync(String name, Strategy strategy, List<FedAvgFlow.Client> clients, int rounds)
      throws Exception {
    EthereumIdentity coordinator = key("coordinator");
    BlobStore store = BlobStore.open(dir.resolve(name).resolve("store"));
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve(name + ".db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, strategy);
      UpdateRecord global = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      List<FedAvgFlow.Aggregation> out = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        FedAvgFlow.Aggregation a = flow.round(coordinator, r, global, clients, 1.0, 0, 5);
        out.add(a);
        global = a.global();
      }
      RunAudit audit = new Verifier(ledger, store).audit(global.receipt().runId());
      return new Outcome(out, audit, accuracy(out.get(out.size() - 1).tensors()));
    }
  }

  @Test
  void synchronous_fedavg_improves_accuracy_and_every_aggregate_lists_its_signed_inputs()
      throws Exception {
    List<FedAvgFlow.Client> clients = clients(4, 500, Map.of(), Map.of());
    double before = accuracy(MLP.initialTensors(1));
    EthereumIdentity coordinator = key("coordinator");
    BlobStore store = BlobStore.open(dir.resolve("store"));
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedAvg());
      UpdateRecord global = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      Hash32 runId = global.receipt().runId();
      List<Double> acc = new ArrayList<>();
      for (int r = 1; r <= 3; r++) {
        FedAvgFlow.Aggregation a = flow.round(coordinator, r, global, clients, 1.0, 0, 5);
        assertThat(a.inputs()).hasSize(4);
        assertThat(a.global().receipt().kind()).isEqualTo(UpdateKind.AGGREGATE);
        assertThat(a.global().receipt().seq()).isEqualTo(r);
        assertThat(a.global().contributor()).isEqualTo(coordinator.address());
        Manifest m = Manifest.parse(store.get(a.global().receipt().manifest()));
        assertThat(m.inputs())
            .containsExactlyElementsOf(
                a.inputs().stream().map(l -> l.update().updateId()).toList());
        assertThat(m.weights()).containsExactly(1.0, 1.0, 1.0, 1.0);
        assertThat(m.parents()).containsExactly(global.receipt().model());
        for (FedAvgFlow.Local l : a.inputs()) {
          assertThat(l.update().receipt().kind()).isEqualTo(UpdateKind.LOCAL);
          assertThat(l.update().receipt().parent()).isEqualTo(global.receipt().model());
          assertThat(l.update().receipt().seq()).isEqualTo(r);
        }
        acc.add(accuracy(a.tensors()));
        global = a.global();
      }
      assertThat(acc.get(2)).as("accuracy per round %s, before %s", acc, before).isGreaterThan(0.6);
      assertThat(acc.get(2)).isGreaterThan(before + 0.3);
      RunAudit audit = new Verifier(ledger, store).audit(runId);
      assertThat(audit.ok()).as("%s", audit).isTrue();
      assertThat(audit.updates()).hasSize(1 + 3 * 5);
      assertThat(AggregateReplay.recomputed(ledger, store, audit).ok()).isTrue();
    }
  }

  @Test
  void verifier_rejects_an_aggregate_whose_data_is_not_the_root_of_its_inputs() throws Exception {
    List<FedAvgFlow.Client> clients = clients(2, 100, Map.of(), Map.of());
    BlobStore store = BlobStore.open(dir.resolve("store"));
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedAvg());
      UpdateRecord g0 = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      FedAvgFlow.Local l =
          flow.train(clients.get(0), g0, MLP.initialTensors(1), 0, flow.configFor(1, 3));
      List<Tensor> model = MLP.initialTensors(2);
      Hash32 modelHash = store.put(org.fedchain.trainer.ModelCodec.write(model));
      Manifest m =
          Manifest.builder()
              .runId(g0.receipt().runId())
              .kind(UpdateKind.AGGREGATE)
              .parents(List.of(g0.receipt().model()))
              .model(modelHash)
              .tensors(model)
              .architecture(MLP.id())
              .inputs(List.of(l.update().updateId()), null)
              .build();
      var receipt =
          new org.fedchain.core.receipt.ModelUpdate(
              g0.receipt().runId(),
              1,
              UpdateKind.AGGREGATE,
              g0.receipt().model(),
              modelHash,
              store.put(m.toJson()),
              Hash32.sha256(new byte[] {1}),
              100,
              coordinator.address());
      UpdateRecord bad =
          ledger.submit(
              new org.fedchain.core.receipt.Signed<>(
                  receipt,
                  coordinator.address(),
                  coordinator.signer().sign(receipt.digest(ledger.domain()))));
      var check = new Verifier(ledger, store).check(bad);
      assertThat(check.problems())
          .containsExactly("AGGREGATE data field is not the Merkle root of the manifest's inputs");
    }
  }

  /** The hash of the FedAvg of a round's inputs. */
  private static Hash32 fedAvgOf(FedAvgFlow.Aggregation round) {
    List<Strategy.Input> in = new ArrayList<>();
    for (FedAvgFlow.Local l : round.inputs()) {
      in.add(new Strategy.Input(l.tensors(), l.update().receipt().samples(), 1));
    }
    List<Tensor> avg = Strategies.fedAvg().aggregate(List.of(), in);
    return Hash32.sha256(org.fedchain.trainer.ModelCodec.write(avg));
  }

  @Test
  void fednova_aggregates_replay_from_the_ledger_and_a_mislabelled_aggregate_is_caught()
      throws Exception {
    // unequal shards take unequal step counts, so FedNova's weights differ from FedAvg's
    List<FedAvgFlow.Client> clients = new ArrayList<>();
    int[] bounds = {0, 900, 1200, 1500};
    for (int i = 0; i < 3; i++) {
      clients.add(
          new FedAvgFlow.Client(
              "client" + i,
              key("client" + i),
              train.slice(bounds[i], bounds[i + 1]),
              1.0,
              FedAvgFlow.Behaviour.HONEST));
    }
    Outcome nova = sync("fednova", Strategies.fedNova(), clients, 2);
    assertThat(nova.accuracy()).isGreaterThan(accuracy(MLP.initialTensors(1)) + 0.3);
    BlobStore store = BlobStore.open(dir.resolve("fednova").resolve("store"));
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("fednova.db"))) {
      RunAudit replayed = AggregateReplay.recomputed(ledger, store, nova.audit());
      assertThat(replayed.ok()).as("%s", replayed).isTrue();
      UpdateRecord last = nova.rounds().get(1).global();
      assertThat(Manifest.parse(store.get(last.receipt().manifest())).hyperparameters())
          .containsEntry("strategy", "fednova");
      // the same inputs under FedAvg give another model: FedNova changed the weights
      assertThat(fedAvgOf(nova.rounds().get(1))).isNotEqualTo(last.receipt().model());
    }

    // a coordinator that records one strategy and computes another is caught by the replay
    Strategy median = Strategies.median();
    Strategy mislabelled =
        new Strategy() {
          @Override
          public String id() {
            return "fedavg";
          }

          @Override
          public List<Tensor> aggregate(List<Tensor> global, List<Input> inputs) {
            return median.aggregate(global, inputs);
          }
        };
    Outcome forged = sync("forged", mislabelled, clients, 1);
    assertThat(forged.audit().ok()).as("signatures and lineage are fine").isTrue();
    BlobStore forgedStore = BlobStore.open(dir.resolve("forged").resolve("store"));
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("forged.db"))) {
      RunAudit replayed = AggregateReplay.recomputed(ledger, forgedStore, forged.audit());
      assertThat(replayed.failing()).hasSize(1);
      assertThat(replayed.failing().get(0).problems().get(0))
          .isEqualTo(
              "recomputed: model "
                  + forged.rounds().get(0).global().receipt().model().hex()
                  + " is not fedavg of the inputs its manifest lists (they give "
                  + fedAvgOf(forged.rounds().get(0)).hex()
                  + ")");
    }
  }

  @Test
  void verifier_refuses_a_local_update_whose_manifest_records_no_training_steps() throws Exception {
    List<FedAvgFlow.Client> clients = clients(2, 100, Map.of(), Map.of());
    BlobStore store = BlobStore.open(dir.resolve("store"));
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedNova());
      UpdateRecord g0 = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      FedAvgFlow.Local l =
          flow.train(clients.get(0), g0, MLP.initialTensors(1), 0, flow.configFor(1, 3));
      assertThat(new Verifier(ledger, store).check(l.update()).ok()).isTrue();
      // the same client's claim with a model it did not record and no steps
      Manifest real = Manifest.parse(store.get(l.update().receipt().manifest()));
      List<Tensor> model = MLP.initialTensors(2);
      Hash32 modelHash = store.put(org.fedchain.trainer.ModelCodec.write(model));
      Manifest m =
          new Manifest(
              real.format(),
              real.runId(),
              real.kind(),
              real.parents(),
              modelHash,
              Manifest.tensorHashes(model),
              real.architecture(),
              real.hyperparameters(),
              real.seed(),
              real.epochs(),
              0,
              real.dataset(),
              real.metrics(),
              real.frozen(),
              real.inputs(),
              real.weights(),
              real.software(),
              real.threads(),
              real.grants());
      var r = l.update().receipt();
      var receipt =
          new org.fedchain.core.receipt.ModelUpdate(
              r.runId(),
              r.seq(),
              UpdateKind.LOCAL,
              r.parent(),
              modelHash,
              store.put(m.toJson()),
              r.data(),
              r.samples(),
              clients.get(0).identity().address());
      EthereumIdentity client = clients.get(0).identity();
      UpdateRecord bad =
          ledger.submit(
              new org.fedchain.core.receipt.Signed<>(
                  receipt,
                  client.address(),
                  client.signer().sign(receipt.digest(ledger.domain()))));
      assertThat(new Verifier(ledger, store).check(bad).problems())
          .containsExactly("LOCAL manifest records 0 optimizer steps");
    }
  }

  @Test
  void krum_records_its_pick_as_the_coordinators_aggregate() throws Exception {
    Outcome o = sync("krum", Strategies.krum(1), clients(5, 100, Map.of(), Map.of()), 2);
    for (FedAvgFlow.Aggregation a : o.rounds()) {
      assertThat(a.global().receipt().kind()).isEqualTo(UpdateKind.AGGREGATE);
      // the same model as one input, recorded again as a global model by the coordinator
      assertThat(a.inputs())
          .extracting(l -> l.update().receipt().model())
          .contains(a.global().receipt().model());
    }
    assertThat(o.rounds().get(1).global().receipt().seq()).isEqualTo(2);
    assertThat(o.audit().ok()).as("%s", o.audit()).isTrue();
  }

  @Test
  void a_client_slower_than_the_deadline_is_left_out_of_the_round() throws Exception {
    List<FedAvgFlow.Client> clients = clients(4, 200, Map.of(), Map.of(2, 5.0));
    BlobStore store = BlobStore.open(dir.resolve("store"));
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedAvg());
      UpdateRecord g0 = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      FedAvgFlow.Aggregation a = flow.round(coordinator, 1, g0, clients, 1.0, 2.0, 5);
      assertThat(a.stragglers()).extracting(FedAvgFlow.Client::name).containsExactly("client2");
      assertThat(a.inputs()).extracting(l -> l.client().name()).doesNotContain("client2");
      assertThat(a.inputs()).hasSize(3);
    }
  }

  @Test
  void fedbuff_aggregates_without_waiting_for_a_five_times_slower_client() throws Exception {
    List<FedAvgFlow.Client> clients = clients(4, 300, Map.of(), Map.of(3, 5.0));
    BlobStore store = BlobStore.open(dir.resolve("store"));
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedAvg());
      UpdateRecord g0 = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      List<FedAvgFlow.Aggregation> seen = new ArrayList<>();
      List<FedAvgFlow.Aggregation> aggs =
          flow.runAsync(coordinator, g0, clients, 3, 6, 5, seen::add);
      assertThat(aggs).hasSize(6).isEqualTo(seen);
      Map<String, Long> contributions =
          aggs.stream()
              .flatMap(a -> a.inputs().stream())
              .collect(Collectors.groupingBy(l -> l.client().name(), Collectors.counting()));
      long slow = contributions.getOrDefault("client3", 0L);
      for (int i = 0; i < 3; i++) {
        assertThat(contributions.get("client" + i)).as("%s", contributions).isGreaterThan(slow);
      }
      // each aggregate continues the previous one; stale inputs keep their older parent
      for (int v = 0; v < aggs.size(); v++) {
        UpdateRecord parent = v == 0 ? g0 : aggs.get(v - 1).global();
        assertThat(aggs.get(v).global().receipt().parent()).isEqualTo(parent.receipt().model());
        assertThat(aggs.get(v).global().receipt().seq()).isEqualTo(v + 1);
      }
      assertThat(
              aggs.stream()
                  .flatMap(a -> a.inputs().stream())
                  .anyMatch(l -> l.startVersion() < aggs.indexOf(findAgg(aggs, l))))
          .as("some update was stale")
          .isTrue();
      assertThat(accuracy(aggs.get(5).tensors())).isGreaterThan(accuracy(g0Tensors()) + 0.3);
      RunAudit audit = new Verifier(ledger, store).audit(g0.receipt().runId());
      assertThat(audit.ok()).as("%s", audit).isTrue();
      // the staleness weights are recorded, so each aggregate recomputes
      RunAudit replayed = AggregateReplay.recomputed(ledger, store, audit);
      assertThat(replayed.ok()).as("%s", replayed).isTrue();
    }
  }

  private static FedAvgFlow.Aggregation findAgg(
      List<FedAvgFlow.Aggregation> aggs, FedAvgFlow.Local l) {
    return aggs.stream().filter(a -> a.inputs().contains(l)).findFirst().orElseThrow();
  }

  private static List<Tensor> g0Tensors() {
    return MLP.initialTensors(1);
  }

  @Test
  void median_keeps_accuracy_near_the_clean_run_when_two_of_eight_clients_attack()
      throws Exception {
    int rounds = 3;
    Map<Integer, FedAvgFlow.Behaviour> none = Map.of();
    Map<Integer, FedAvgFlow.Behaviour> flip =
        Map.of(0, FedAvgFlow.Behaviour.FLIP, 5, FedAvgFlow.Behaviour.FLIP);
    Map<Integer, FedAvgFlow.Behaviour> scale =
        Map.of(0, FedAvgFlow.Behaviour.SCALE, 5, FedAvgFlow.Behaviour.SCALE);
    double clean =
        sync("clean", Strategies.fedAvg(), clients(8, 250, none, Map.of()), rounds).accuracy();
    Outcome medianFlip =
        sync("median-flip", Strategies.median(), clients(8, 250, flip, Map.of()), rounds);
    Outcome fedavgFlip =
        sync("fedavg-flip", Strategies.fedAvg(), clients(8, 250, flip, Map.of()), rounds);
    Outcome fedavgScale =
        sync("fedavg-scale", Strategies.fedAvg(), clients(8, 250, scale, Map.of()), rounds);
    String all =
        String.format(
            "clean %.4f, median/flip %.4f, fedavg/flip %.4f, fedavg/scale %.4f",
            clean, medianFlip.accuracy(), fedavgFlip.accuracy(), fedavgScale.accuracy());
    System.out.println(all);
    assertThat(medianFlip.audit().ok()).isTrue();
    assertThat(fedavgScale.audit().ok()).isTrue();
    assertThat(medianFlip.accuracy()).as(all).isGreaterThan(clean - 0.05);
    // training is deterministic (fixed seeds and thread count), so these margins do not flake
    assertThat(fedavgFlip.accuracy()).as(all).isLessThan(medianFlip.accuracy() - 0.02);
    assertThat(fedavgFlip.accuracy()).as(all).isLessThan(clean);
    assertThat(fedavgScale.accuracy()).as(all).isLessThan(clean - 0.3);
  }

  /**
   * With a norm bound, a client that scales its update ten times is left out of FedAvg's round and
   * named in the aggregate's manifest; the audit repeats the split from the ledger and catches an
   * aggregate that took the scaled update while recording the bound.
   */
  @Test
  void a_norm_bound_leaves_a_scaled_update_out_and_the_audit_repeats_it() throws Exception {
    EthereumIdentity coordinator = key("coordinator");
    BlobStore store = BlobStore.open(dir.resolve("store"));
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedAvg());
      UpdateRecord g0 = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      List<FedAvgFlow.Client> clients =
          clients(4, 200, Map.of(2, FedAvgFlow.Behaviour.SCALE), Map.of());
      FedAvgFlow.Aggregation unbounded = flow.round(coordinator, 1, g0, clients, 1.0, 0, 5);
      List<Aggregator.Input> in = new ArrayList<>();
      for (FedAvgFlow.Local l : unbounded.inputs()) {
        in.add(new Aggregator.Input(l.update(), l.tensors(), 1.0));
      }
      UpdateRecord bounded =
          new Aggregator(ledger, store, MLP, Strategies.fedAvg(), 3.0)
              .aggregate(coordinator, g0, in);
      Manifest m = Manifest.parse(store.get(bounded.receipt().manifest()));
      Hash32 scaled =
          unbounded.inputs().stream()
              .filter(l -> l.client().name().equals("client2"))
              .findFirst()
              .orElseThrow()
              .update()
              .updateId();
      assertThat(m.inputs()).hasSize(3).doesNotContain(scaled);
      assertThat(m.hyperparameters())
          .containsEntry("norm_bound", "3.0")
          .containsEntry("left_out", scaled.hex());
      assertThat(AggregateReplay.check(ledger, store, bounded, Map.of())).isEmpty();
      assertThat(accuracy(ModelCodec.read(MLP, store.get(bounded.receipt().model()))))
          .isGreaterThan(accuracy(unbounded.tensors()) + 0.2);

      // the unbounded aggregate of all four, as if its manifest had recorded the bound
      Manifest all = Manifest.parse(store.get(unbounded.global().receipt().manifest()));
      Map<String, String> hyper = new java.util.TreeMap<>(all.hyperparameters());
      hyper.put("norm_bound", "3.0");
      Manifest lying =
          Manifest.builder()
              .runId(all.runId())
              .kind(all.kind())
              .parents(all.parents())
              .model(all.model())
              .tensors(unbounded.tensors())
              .architecture(all.architecture())
              .hyperparameters(hyper)
              .dataset(all.dataset().commitment(), all.dataset().samples())
              .inputs(all.inputs(), all.weights())
              .build();
      ModelUpdate r = unbounded.global().receipt();
      ModelUpdate claimed =
          new ModelUpdate(
              r.runId(),
              r.seq(),
              r.kind(),
              r.parent(),
              r.model(),
              store.put(lying.toJson()),
              r.data(),
              r.samples(),
              r.contributor());
      UpdateRecord forged = new UpdateRecord(Hash32.ZERO, claimed, new byte[65], 0);
      assertThat(AggregateReplay.check(ledger, store, forged, Map.of()))
          .get()
          .asString()
          .contains(scaled.hex())
          .contains("was taken but is beyond 3.0 times the round's median change");
    }
  }

  /**
   * The audit repeats the coordinator's checks of what it aggregated: an aggregate that took a
   * LOCAL holding NaN (which the coordinator refuses, but a careless or dishonest one might take)
   * fails.
   */
  @Test
  void the_audit_refuses_an_aggregate_that_took_a_nan_update() throws Exception {
    List<FedAvgFlow.Client> clients = clients(1, 100, Map.of(), Map.of());
    BlobStore store = BlobStore.open(dir.resolve("store"));
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedAvg());
      UpdateRecord g0 = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      FedAvgFlow.Local honest =
          flow.train(clients.get(0), g0, MLP.initialTensors(1), 0, flow.configFor(1, 0));
      List<Tensor> poisoned = new ArrayList<>(MLP.initialTensors(9));
      float[] v = poisoned.get(0).floats();
      v[0] = Float.NaN;
      poisoned.set(0, Tensor.ofFloats(poisoned.get(0).name(), poisoned.get(0).shape(), v));
      TrainingResult r =
          LocalTrainer.train(
              MLP,
              MLP.initialTensors(1),
              clients.get(0).shard().slice(0, 32),
              CONFIG,
              ProgressListener.NONE);
      UpdateRecord nan =
          ledger.submit(
              TrainedUpdates.sign(
                  ledger,
                  key("mallory"),
                  TrainedUpdates.store(
                      store,
                      key("mallory").address(),
                      UpdateKind.LOCAL,
                      g0.receipt(),
                      MLP,
                      CONFIG,
                      r,
                      poisoned,
                      clients.get(0).shard())));
      UpdateRecord bad =
          new Aggregator(ledger, store, MLP, Strategies.fedAvg())
              .aggregate(
                  coordinator,
                  g0,
                  List.of(
                      new Aggregator.Input(honest.update(), honest.tensors(), 1),
                      new Aggregator.Input(nan, poisoned, 1)));
      assertThat(AggregateReplay.check(ledger, store, bad, Map.of()))
          .get()
          .asString()
          .contains("input " + nan.updateId().hex() + " is unsound")
          .contains("NaN");
    }
  }

  /**
   * After a coordinator crash, resume takes the last global model the coordinator made: a LOCAL
   * someone stacked on another LOCAL (so that one looks like a parent) is no global model.
   */
  @Test
  void resume_never_takes_a_local_stacked_on_a_local_for_the_global_model() throws Exception {
    List<FedAvgFlow.Client> clients = clients(2, 100, Map.of(), Map.of());
    BlobStore store = BlobStore.open(dir.resolve("store"));
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedAvg());
      UpdateRecord g0 = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      UpdateRecord g1 = flow.round(coordinator, 1, g0, clients, 1.0, 0, 5).global();
      TrainingResult r =
          LocalTrainer.train(
              MLP,
              MLP.initialTensors(1),
              clients.get(0).shard().slice(0, 32),
              CONFIG,
              ProgressListener.NONE);
      UpdateRecord onGlobal =
          ledger.submit(
              TrainedUpdates.sign(
                  ledger,
                  key("mallory"),
                  TrainedUpdates.store(
                      store,
                      key("mallory").address(),
                      UpdateKind.LOCAL,
                      g1.receipt(),
                      MLP,
                      CONFIG,
                      r,
                      MLP.initialTensors(7),
                      clients.get(0).shard())));
      var onLocal =
          TrainedUpdates.sign(
              ledger,
              key("eve"),
              TrainedUpdates.store(
                  store,
                  key("eve").address(),
                  UpdateKind.LOCAL,
                  onGlobal.receipt(),
                  MLP,
                  CONFIG,
                  r,
                  MLP.initialTensors(8),
                  clients.get(0).shard()));
      assertThatThrownBy(() -> ledger.submit(onLocal))
          .isInstanceOfSatisfying(
              org.fedchain.ledger.RejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(org.fedchain.ledger.Reason.PARENT_NOT_GLOBAL));
      assertThat(CoordinatorService.latestGlobal(ledger, g0.receipt().runId()).updateId())
          .isEqualTo(g1.updateId());
    }
  }

  /**
   * A node that computes the round's average from the recorded LOCAL blobs and records it first, as
   * its own LOCAL, must not own the round: the coordinator records the same model as its own
   * AGGREGATE of all the inputs (globals are indexed apart from contributions), that AGGREGATE is
   * the run's global model, and the audit recomputes it.
   */
  @Test
  void the_coordinator_never_adopts_an_aggregate_someone_else_recorded_first() throws Exception {
    List<FedAvgFlow.Client> clients = clients(3, 100, Map.of(), Map.of());
    BlobStore store = BlobStore.open(dir.resolve("store"));
    EthereumIdentity coordinator = key("coordinator");
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      FedAvgFlow flow = new FedAvgFlow(ledger, store, MLP, CONFIG, Strategies.fedAvg());
      UpdateRecord g0 = flow.openRun(coordinator, MLP.initialTensors(1), "test");
      List<FedAvgFlow.Local> locals = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        locals.add(flow.train(clients.get(i), g0, MLP.initialTensors(1), 0, flow.configFor(1, i)));
      }
      List<Strategy.Input> in = new ArrayList<>();
      for (FedAvgFlow.Local l : locals) {
        in.add(AggregateReplay.strategyInput(store, l.update(), l.tensors(), 1));
      }
      List<Tensor> average = Strategies.fedAvg().aggregate(MLP.initialTensors(1), in);
      // mallory records the average on the global model before the coordinator does
      FedAvgFlow.Client mallory =
          new FedAvgFlow.Client(
              "mallory", key("mallory"), clients.get(0).shard(), 1.0, FedAvgFlow.Behaviour.HONEST);
      TrainingResult r =
          LocalTrainer.train(
              MLP,
              MLP.initialTensors(1),
              mallory.shard().slice(0, 32),
              CONFIG,
              ProgressListener.NONE);
      var receipt =
          TrainedUpdates.store(
              store,
              mallory.identity().address(),
              UpdateKind.LOCAL,
              g0.receipt(),
              MLP,
              CONFIG,
              r,
              average,
              mallory.shard());
      UpdateRecord stolen = ledger.submit(TrainedUpdates.sign(ledger, mallory.identity(), receipt));

      UpdateRecord next = flow.aggregate(coordinator, g0, locals, List.of(1.0, 1.0, 1.0));
      assertThat(next.updateId()).isNotEqualTo(stolen.updateId());
      assertThat(next.receipt().model()).isEqualTo(stolen.receipt().model());
      assertThat(next.receipt().kind()).isEqualTo(UpdateKind.AGGREGATE);
      assertThat(next.contributor()).isEqualTo(coordinator.address());
      assertThat(Manifest.parse(store.get(next.receipt().manifest())).inputs())
          .containsExactlyElementsOf(locals.stream().map(l -> l.update().updateId()).toList());
      assertThat(ledger.updateOfModel(g0.receipt().runId(), next.receipt().model())).contains(next);
      assertThat(CoordinatorService.latestGlobal(ledger, g0.receipt().runId())).isEqualTo(next);
      assertThat(AggregateReplay.check(ledger, store, next, Map.of())).isEmpty();
    }
  }
}
