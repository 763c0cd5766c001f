package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.CoordinatorMessages;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.comms.v1.ChallengeRequest;
import org.fedchain.comms.v1.CoordinatorGrpc;
import org.fedchain.comms.v1.JoinRequest;
import org.fedchain.comms.v1.JoinResponse;
import org.fedchain.comms.v1.SubmitRequest;
import org.fedchain.comms.v1.Task;
import org.fedchain.comms.v1.TaskRequest;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FedAvg with ten admitted clients over loopback gRPC, four of them hostile: one claims 10^12
 * samples, one sends a model holding NaN, one sends 50 LOCALs a round, and one computes the round's
 * average from the recorded LOCALs and records it first as its own. Each is refused or ignored with
 * its reason, the coordinator stays up, the run audits clean, and the final model is within 0.01 of
 * a run with the same honest clients and no attack.
 */
class RoundAttacksTest {
  static final int CLIENTS = 10;
  static final int ROUNDS = 2;
  static final int PER_CLIENT = 1000;

  @TempDir Path dir;
  final Architecture arch = Architectures.get("fmnist-mlp/1");
  final TrainingConfig config =
      TrainingConfig.builder().epochs(1).batchSize(32).learningRate(0.05f).seed(7).build();
  final Samples train = FashionMnist.standard().train();
  final Samples test = FashionMnist.standard().test().slice(0, 2000);

  static EthereumIdentity key(String name) {
    return Signers.secp256k1(Hash32.sha256(name.getBytes(StandardCharsets.UTF_8)).toBytes());
  }

  Samples shard(int i) {
    return train.slice(i * PER_CLIENT, (i + 1) * PER_CLIENT);
  }

  /** What one run ended with. */
  record Outcome(
      double accuracy,
      RunAudit audit,
      List<String> log,
      Map<String, String> refusals,
      List<Integer> aggregated) {}

  @Test
  void four_hostile_clients_are_refused_or_ignored_and_the_run_ends_as_a_clean_one()
      throws Exception {
    Outcome clean = run("clean", false);
    Outcome attacked = run("attacked", true);
    String summary =
        String.format(
            "final test accuracy: clean %.4f, attacked %.4f; inputs per aggregate: clean %s,"
                + " attacked %s%nrefusals: %s",
            clean.accuracy(),
            attacked.accuracy(),
            clean.aggregated(),
            attacked.aggregated(),
            attacked.refusals());
    System.out.println(summary);

    assertThat(attacked.refusals().get("greedy")).as(summary).contains("1000000000000");
    assertThat(attacked.refusals().get("poisoner")).as(summary).contains("NaN");
    assertThat(attacked.refusals().get("spammer"))
        .as(summary)
        .contains(ROUNDS * 49 + " refused") // all but the first of 50, every round
        .contains("one update per node");
    assertThat(attacked.refusals().get("copier")).as(summary).contains("recorded the average");
    // seven LOCALs accepted a round; the copy of their average changes nothing: the coordinator
    // records its own AGGREGATE of all seven, of the same model as the copy
    assertThat(clean.aggregated()).as(summary).containsExactly(7, 7);
    assertThat(attacked.aggregated()).as(summary).containsExactly(7, 7);
    assertThat(attacked.audit().ok()).as("%s", attacked.audit().failing()).isTrue();
    assertThat(clean.audit().ok()).isTrue();
    assertThat(attacked.accuracy()).as(summary).isCloseTo(clean.accuracy(), within(0.01));
  }

  static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  /**
   * One run: clients 0..5 honest workers and, when {@code attacked}, clients 6..9 hostile (else
   * honest too but not counted: the clean run has the same six honest clients plus the spammer's
   * one honest update, which the attacked run also accepts).
   */
  Outcome run(String name, boolean attacked) throws Exception {
    Path home = dir.resolve(name);
    Map<String, String> refusals = new ConcurrentHashMap<>();
    try (Ledger ledger = Ledgers.open("embedded:" + home.resolve("ledger.db"))) {
      BlobStore store = BlobStore.open(home.resolve("coordinator"));
      EthereumIdentity coordinator = key("coordinator");
      List<EthereumIdentity> ids = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        ids.add(key("client" + i));
      }
      UpdateRecord genesis =
          new FedAvgFlow(ledger, store, arch, config, Strategies.fedAvg())
              .openRun(
                  coordinator,
                  arch.initialTensors(1),
                  "attacks",
                  ids.stream().map(EthereumIdentity::address).toList());
      StringWriter logText = new StringWriter();
      PrintWriter log = new PrintWriter(logText, true);
      int nodes = attacked ? CLIENTS : 7;
      CoordinatorService service =
          new CoordinatorService(
              ledger,
              store,
              new Aggregator(ledger, store, arch, Strategies.fedAvg()),
              coordinator,
              genesis,
              new CoordinatorService.Settings(
                  nodes,
                  ROUNDS,
                  false,
                  1,
                  1.0,
                  Duration.ofSeconds(attacked ? 20 : 60),
                  Duration.ofSeconds(60),
                  config,
                  RoundSchedule.CONSTANT,
                  CoordinatorService.Settings.MAX_SAMPLES),
              log);
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      try (ModelStoreServer server =
          ModelStoreServer.newBuilder(store)
              .port(0)
              .addService(service)
              .uploadGate(service.uploadGate())
              .build()) {
        String target = "127.0.0.1:" + server.port();
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          int k = i;
          running.add(pool.submit(() -> honest(target, "client" + k, ids.get(k), shard(k), log)));
        }
        // the spammer's first update is an honest one: the clean run has it too
        running.add(
            pool.submit(
                () ->
                    hostile(
                        target,
                        "spammer",
                        ids.get(6),
                        shard(6),
                        ledger,
                        store,
                        refusals,
                        attacked ? Attack.SPAM : Attack.NONE)));
        if (attacked) {
          running.add(
              pool.submit(
                  () ->
                      hostile(
                          target,
                          "greedy",
                          ids.get(7),
                          shard(7),
                          ledger,
                          store,
                          refusals,
                          Attack.GREEDY)));
          running.add(
              pool.submit(
                  () ->
                      hostile(
                          target,
                          "poisoner",
                          ids.get(8),
                          shard(8),
                          ledger,
                          store,
                          refusals,
                          Attack.NAN)));
          running.add(
              pool.submit(
                  () ->
                      hostile(
                          target,
                          "copier",
                          ids.get(9),
                          shard(9),
                          ledger,
                          store,
                          refusals,
                          Attack.COPY)));
        }
        UpdateRecord last = service.run(g -> {});
        for (Future<?> f : running) {
          f.get(120, TimeUnit.SECONDS);
        }
        assertThat(last.receipt().kind()).isEqualTo(UpdateKind.AGGREGATE);
        double accuracy =
            LocalTrainer.evaluate(
                    arch, ModelCodec.read(arch, store.get(last.receipt().model())), test)
                .accuracy();
        RunAudit audit =
            AggregateReplay.recomputed(
                ledger, store, new Verifier(ledger, store).audit(genesis.receipt().runId()));
        List<Integer> aggregated = new ArrayList<>();
        for (UpdateRecord u : ledger.updates(genesis.receipt().runId())) {
          if (u.receipt().kind() == UpdateKind.AGGREGATE) {
            aggregated.add(
                org.fedchain.core.model.Manifest.parse(store.get(u.receipt().manifest()))
                    .inputs()
                    .size());
          }
        }
        return new Outcome(
            accuracy, audit, List.of(logText.toString().split("\n")), refusals, aggregated);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private Void honest(
      String target, String name, EthereumIdentity me, Samples shard, PrintWriter log)
      throws Exception {
    BlobStore own = BlobStore.open(dir.resolve(name + "-" + System.nanoTime()));
    ManagedChannel channel = Peers.channel(Peers.Settings.none(), target);
    try {
      new NodeWorker(
              channel, Peers.Settings.none(), own, me, x -> shard, name, "127.0.0.1:1", 1, 1, log)
          .run(null);
    } finally {
      Peers.close(channel);
    }
    return null;
  }

  enum Attack {
    NONE,
    SPAM,
    GREEDY,
    NAN,
    COPY
  }

  /**
   * A client that speaks the protocol itself: it trains honestly, then submits what its attack
   * calls for, writing its blobs straight into the coordinator's store (the upload is not what is
   * tested here).
   */
  private Void hostile(
      String target,
      String name,
      EthereumIdentity me,
      Samples shard,
      Ledger ledger,
      BlobStore coordinatorStore,
      Map<String, String> refusals,
      Attack attack)
      throws Exception {
    ManagedChannel channel = Peers.channel(Peers.Settings.none(), target);
    try {
      var stub = CoordinatorGrpc.newBlockingStub(channel);
      Hash32 run =
          CoordinatorMessages.hash(
              "run_id",
              stub.status(org.fedchain.comms.v1.StatusRequest.getDefaultInstance()).getRunId());
      Hash32 nonce =
          CoordinatorMessages.hash(
              "nonce", stub.challenge(ChallengeRequest.getDefaultInstance()).getNonce());
      String endpoint = "127.0.0.1:1";
      JoinResponse joined =
          stub.join(
              JoinRequest.newBuilder()
                  .setRunId(CoordinatorMessages.bytes(run))
                  .setAddress(CoordinatorMessages.bytes(me.address()))
                  .setStoreEndpoint(endpoint)
                  .setName(name)
                  .setNonce(CoordinatorMessages.bytes(nonce))
                  .setSignature(
                      ByteString.copyFrom(
                          me.signer()
                              .sign(
                                  CoordinatorMessages.joinDigest(
                                      run, me.address(), endpoint, nonce))))
                  .build());
      var domain = CoordinatorMessages.domain(joined.getDomain());
      List<String> refused = Collections.synchronizedList(new ArrayList<>());
      while (true) {
        Task task =
            stub.withDeadlineAfter(90, TimeUnit.SECONDS)
                .nextTask(TaskRequest.newBuilder().setSession(joined.getSession()).build());
        if (task.getKind() == Task.Kind.DONE) {
          break;
        }
        if (task.getKind() != Task.Kind.TRAIN) {
          continue;
        }
        Signed<ModelUpdate> global = CoordinatorMessages.receipt(task.getGlobal());
        List<Tensor> start = ModelCodec.read(arch, coordinatorStore.get(global.message().model()));
        TrainingConfig cfg =
            TrainingConfig.builder()
                .epochs(joined.getLocalEpochs())
                .batchSize(joined.getBatchSize())
                .learningRate(task.getLearningRate())
                .momentum(joined.getMomentum())
                .seed(task.getSeed())
                .validationFraction(joined.getValidationFraction())
                .build();
        TrainingResult r = LocalTrainer.train(arch, start, shard, cfg, ProgressListener.NONE);
        List<Tensor> tensors = r.tensors();
        long claim = shard.size();
        if (attack == Attack.NAN) {
          tensors = new ArrayList<>(tensors);
          float[] v = tensors.get(0).floats();
          v[0] = Float.NaN;
          tensors.set(0, Tensor.ofFloats(tensors.get(0).name(), tensors.get(0).shape(), v));
        }
        if (attack == Attack.COPY) {
          refusals.put(name, copyTheAverage(ledger, coordinatorStore, global, me, r, cfg, shard));
          continue; // it never submits to the coordinator, which waits for it until the deadline
        }
        int sends = attack == Attack.SPAM ? 50 : 1;
        for (int s = 0; s < sends; s++) {
          List<Tensor> sent = tensors;
          if (s > 0) { // each one a distinct model, so the ledger alone would take them all
            sent = new ArrayList<>(tensors);
            float[] v = sent.get(0).floats();
            v[1] += s * 1e-4f;
            sent.set(0, Tensor.ofFloats(sent.get(0).name(), sent.get(0).shape(), v));
          }
          ModelUpdate u =
              TrainedUpdates.store(
                  coordinatorStore,
                  me.address(),
                  UpdateKind.LOCAL,
                  global.message(),
                  arch,
                  cfg,
                  r,
                  sent,
                  shard);
          if (attack == Attack.GREEDY) {
            u =
                new ModelUpdate(
                    u.runId(),
                    u.seq(),
                    u.kind(),
                    u.parent(),
                    u.model(),
                    u.manifest(),
                    u.data(),
                    1_000_000_000_000L,
                    u.contributor());
          }
          try {
            stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .submit(
                    SubmitRequest.newBuilder()
                        .setSession(joined.getSession())
                        .setRound(task.getRound())
                        .setUpdate(CoordinatorMessages.receipt(TrainedUpdates.sign(domain, me, u)))
                        .build());
          } catch (StatusRuntimeException e) {
            refused.add(e.getStatus().getDescription());
          }
        }
        if (!refused.isEmpty()) {
          refusals.put(name, refused.size() + " refused, e.g. " + refused.get(refused.size() - 1));
        }
      }
    } finally {
      Peers.close(channel);
    }
    return null;
  }

  /**
   * The copier: waits until the round's other accepted LOCALs are recorded, averages them as the
   * coordinator will, and records the average first as its own LOCAL.
   */
  private String copyTheAverage(
      Ledger ledger,
      BlobStore store,
      Signed<ModelUpdate> global,
      EthereumIdentity me,
      TrainingResult r,
      TrainingConfig cfg,
      Samples shard)
      throws Exception {
    Hash32 run = global.message().runId();
    List<UpdateRecord> locals = List.of();
    for (int i = 0; i < 600 && locals.size() < 7; i++) { // the six honest ones and the spammer's
      Thread.sleep(50);
      locals =
          ledger.updates(run).stream()
              .filter(u -> u.receipt().kind() == UpdateKind.LOCAL)
              .filter(u -> u.receipt().parent().equals(global.message().model()))
              .sorted(java.util.Comparator.comparing(UpdateRecord::contributor)) // as it will
              .toList();
    }
    List<Strategy.Input> in = new ArrayList<>();
    for (UpdateRecord u : locals) {
      in.add(
          AggregateReplay.strategyInput(
              store, u, ModelCodec.read(arch, store.get(u.receipt().model())), 1));
    }
    List<Tensor> parent = ModelCodec.read(arch, store.get(global.message().model()));
    List<Tensor> average = Strategies.fedAvg().aggregate(parent, in);
    ModelUpdate u =
        TrainedUpdates.store(
            store, me.address(), UpdateKind.LOCAL, global.message(), arch, cfg, r, average, shard);
    UpdateRecord copy = ledger.submit(TrainedUpdates.sign(ledger, me, u));
    return "recorded the average of " + locals.size() + " LOCALs first, as " + copy.updateId();
  }
}
