package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.CoordinatorMessages;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.comms.v1.ChallengeRequest;
import org.fedchain.comms.v1.CoordinatorGrpc;
import org.fedchain.comms.v1.JoinRequest;
import org.fedchain.comms.v1.JoinResponse;
import org.fedchain.comms.v1.Receipt;
import org.fedchain.comms.v1.SubmitRequest;
import org.fedchain.comms.v1.SubmitResult;
import org.fedchain.comms.v1.Task;
import org.fedchain.comms.v1.TaskRequest;
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
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's refusals over a real (in-process) gRPC server: forged joins, unknown sessions,
 * receipts signed by someone else, missing or corrupt blobs, wrong parents. Each refusal names the
 * problem and records nothing.
 */
class CoordinatorServiceTest {
  @TempDir Path dir;
  final Architecture arch = Architectures.get("fmnist-mlp/1");
  final EthereumIdentity coordinator = key("coordinator");
  final EthereumIdentity alice = key("alice");
  final EthereumIdentity mallory = key("mallory");
  Ledger ledger;
  BlobStore store;
  UpdateRecord genesis;
  CoordinatorService service;
  ModelStoreServer server;
  ManagedChannel channel;
  CoordinatorGrpc.CoordinatorBlockingStub stub;
  Thread running;

  @BeforeEach
  void start() throws Exception {
    ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"));
    store = BlobStore.open(dir.resolve("store"));
    // one local epoch in batches of 64: an update of 100 samples takes at most 2 steps
    TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(64).build();
    genesis =
        new FedAvgFlow(ledger, store, arch, config, Strategies.fedAvg())
            .openRun(coordinator, arch.initialTensors(1), "test");
    service =
        new CoordinatorService(
            ledger,
            store,
            new Aggregator(ledger, store, arch, Strategies.fedAvg()),
            coordinator,
            genesis,
            new CoordinatorService.Settings(
                1,
                1,
                false,
                1,
                1.0,
                Duration.ofSeconds(30),
                Duration.ofSeconds(30),
                config,
                RoundSchedule.COSINE,
                CoordinatorService.Settings.MAX_SAMPLES),
            new PrintWriter(new StringWriter()));
    String name = "coordinator-" + System.nanoTime();
    server =
        ModelStoreServer.newBuilder(store)
            .inProcess(name)
            .addService(service)
            .uploadGate(service.uploadGate())
            .build();
    channel = InProcessChannelBuilder.forName(name).build();
    stub = CoordinatorGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    running =
        new Thread(
            () -> {
              try {
                service.run(g -> {});
              } catch (InterruptedException e) {
                // stopped by the test
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    running.start();
  }

  @AfterEach
  void stop() throws Exception {
    running.interrupt();
    running.join(10_000);
    channel.shutdownNow();
    server.close();
    ledger.close();
  }

  /** A join with a fresh nonce from the coordinator's Challenge. */
  JoinRequest join(EthereumIdentity who, EthereumIdentity signer, Hash32 run) {
    Hash32 nonce =
        CoordinatorMessages.hash(
            "nonce", stub.challenge(ChallengeRequest.getDefaultInstance()).getNonce());
    return join(who, signer, run, nonce);
  }

  JoinRequest join(EthereumIdentity who, EthereumIdentity signer, Hash32 run, Hash32 nonce) {
    String endpoint = "10.0.0.1:7700";
    return JoinRequest.newBuilder()
        .setRunId(CoordinatorMessages.bytes(run))
        .setAddress(CoordinatorMessages.bytes(who.address()))
        .setStoreEndpoint(endpoint)
        .setName("n")
        .setNonce(CoordinatorMessages.bytes(nonce))
        .setSignature(
            ByteString.copyFrom(
                signer
                    .signer()
                    .sign(CoordinatorMessages.joinDigest(run, who.address(), endpoint, nonce))))
        .build();
  }

  /**
   * A join someone recorded (on a plaintext connection, from a log) is refused when replayed, and
   * so is one signed over a nonce the coordinator never issued.
   */
  @Test
  void a_recorded_join_cannot_be_replayed() {
    Hash32 run = genesis.receipt().runId();
    JoinRequest recorded = join(alice, alice, run);
    assertThat(stub.join(recorded).getSession()).isNotEmpty();
    assertThatThrownBy(() -> stub.join(recorded))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("unknown, used or expired");
    Hash32 madeUp = Hash32.sha256("a nonce of my own".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> stub.join(join(alice, alice, run, madeUp)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("unknown, used or expired");
  }

  /**
   * The coordinator's store takes blobs only from a joined node with a task it has not delivered,
   * and no larger than a model of the run: a passer-by cannot fill its disk.
   */
  @Test
  void uploads_come_only_from_nodes_with_an_open_task() throws Exception {
    BlobStore mine = BlobStore.open(dir.resolve("alice-store"));
    Hash32 model = mine.put(ModelCodec.write(arch.initialTensors(5)));
    Hash32 huge = mine.put(new byte[5 << 20]);
    org.fedchain.comms.ModelStoreClient client =
        org.fedchain.comms.ModelStoreClient.newBuilder(mine).build();
    assertThatThrownBy(() -> client.put(channel, model))
        .hasMessageContaining("no session: join the run");
    JoinResponse joined = stub.join(join(alice, alice, genesis.receipt().runId()));
    var asAlice = org.fedchain.comms.UploadGate.attach(channel, joined.getSession().toByteArray());
    assertThatThrownBy(() -> client.put(asAlice, model))
        .hasMessageContaining("no open task"); // joined, but no round has given it a task yet
    stub.nextTask(TaskRequest.newBuilder().setSession(joined.getSession()).build());
    assertThat(client.put(asAlice, model)).isNotNull();
    assertThat(store.has(model)).isTrue();
    assertThatThrownBy(() -> client.put(asAlice, huge))
        .hasMessageContaining("is more than a model of " + arch.id());
    assertThat(store.has(huge)).isFalse();
  }

  @Test
  void a_join_signed_by_another_key_or_for_another_run_is_refused() {
    Hash32 run = genesis.receipt().runId();
    assertThatThrownBy(() -> stub.join(join(alice, mallory, run)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("join signature does not prove " + alice.address());
    Hash32 other = Hash32.sha256("other".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> stub.join(join(alice, alice, other)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(
            () ->
                stub.nextTask(
                    TaskRequest.newBuilder().setSession(ByteString.copyFromUtf8("x")).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  @Test
  void bad_submissions_are_refused_by_name_and_record_nothing() throws Exception {
    Hash32 run = genesis.receipt().runId();
    JoinResponse joined = stub.join(join(alice, alice, run));
    Task task = stub.nextTask(TaskRequest.newBuilder().setSession(joined.getSession()).build());
    assertThat(task.getKind()).isEqualTo(Task.Kind.TRAIN);
    // round 1 of a cosine schedule trains at the full rate, and the task says so
    assertThat(task.getLearningRate()).isEqualTo(joined.getLearningRate()).isPositive();
    // the rest of the local training is the coordinator's too (the nodes' defaults otherwise)
    assertThat(joined.hasMomentum()).isTrue();
    assertThat(joined.getMomentum()).isEqualTo(0.9f);
    assertThat(joined.hasWeightDecay()).isTrue();
    assertThat(joined.getWeightDecay()).isZero();
    assertThat(joined.getLocalSchedule()).isEqualTo("COSINE");
    assertThat(joined.hasValidationFraction()).isTrue();
    assertThat(joined.getValidationFraction()).isEqualTo(0.1);
    assertThat(CoordinatorMessages.receipt(task.getGlobal()).message())
        .isEqualTo(genesis.receipt());

    Hash32 junk = store.put("not a model".getBytes(StandardCharsets.UTF_8));
    Hash32 absent = Hash32.sha256("never uploaded".getBytes(StandardCharsets.UTF_8));
    Hash32 model = genesis.receipt().model();
    // someone else's signature on alice's session
    assertRefused(
        joined, local(mallory, model, junk, junk), Status.Code.PERMISSION_DENIED, "is not you");
    // blobs never uploaded
    assertRefused(
        joined,
        local(alice, model, absent, absent),
        Status.Code.FAILED_PRECONDITION,
        "not in the coordinator's store");
    // a parent that is not the task's model
    assertRefused(
        joined, local(alice, absent, junk, junk), Status.Code.INVALID_ARGUMENT, "is not your task");
    // blobs present but not a model and manifest
    assertRefused(
        joined, local(alice, model, junk, junk), Status.Code.INVALID_ARGUMENT, "update refused");
    // a malformed receipt
    Receipt shortSignature =
        local(alice, model, junk, junk).toBuilder()
            .setSignature(ByteString.copyFrom(new byte[3]))
            .build();
    assertRefused(joined, shortSignature, Status.Code.INVALID_ARGUMENT, "65 bytes");

    assertThat(ledger.updates(run)).hasSize(1); // the genesis only
    assertThat(running.isAlive()).as("the round still waits for a valid update").isTrue();
  }

  /**
   * What a dishonest node can try with a LOCAL that is otherwise well formed: its model and
   * manifest uploaded, the manifest consistent with the receipt, the receipt signed by the node
   * itself.
   */
  @Test
  void poisoned_or_greedy_submissions_are_refused_and_one_update_per_round_is_recorded()
      throws Exception {
    Hash32 run = genesis.receipt().runId();
    JoinResponse joined = stub.join(join(alice, alice, run));
    stub.nextTask(TaskRequest.newBuilder().setSession(joined.getSession()).build());
    List<Tensor> sound = arch.initialTensors(2);
    List<Tensor> poisoned = new ArrayList<>(sound);
    float[] v = poisoned.get(0).floats();
    v[0] = Float.NaN;
    poisoned.set(0, Tensor.ofFloats(poisoned.get(0).name(), poisoned.get(0).shape(), v));

    assertRefused(
        joined, crafted(alice, poisoned, 100, 100, 2), Status.Code.INVALID_ARGUMENT, "NaN");
    assertRefused(
        joined,
        crafted(alice, sound, 1_000_000_000_000L, 1_000_000_000_000L, 2),
        Status.Code.INVALID_ARGUMENT,
        "claims 1000000000000 samples");
    // 2^63 as a uint64: once a crash of the coordinator's sums
    assertRefused(
        joined,
        crafted(alice, sound, Long.MIN_VALUE, 1, 2),
        Status.Code.INVALID_ARGUMENT,
        "claims 9223372036854775808 samples");
    assertRefused(
        joined, crafted(alice, sound, 100, 100, 10_000), Status.Code.INVALID_ARGUMENT, "steps");
    assertThat(ledger.updates(run)).hasSize(1);

    SubmitResult first =
        stub.submit(
            SubmitRequest.newBuilder()
                .setSession(joined.getSession())
                .setRound(1)
                .setUpdate(crafted(alice, sound, 100, 100, 2))
                .build());
    assertThat(first.getOutcome()).isEqualTo(SubmitResult.Outcome.ACCEPTED);
    // a second LOCAL for the same round is refused before it reaches the ledger
    assertRefused(
        joined,
        crafted(alice, arch.initialTensors(3), 100, 100, 2),
        Status.Code.FAILED_PRECONDITION,
        "one update per node");
    assertThat(ledger.updates(run).stream().filter(u -> u.receipt().kind() == UpdateKind.LOCAL))
        .hasSize(1);
  }

  /** A LOCAL on the genesis with its blobs in the coordinator's store, signed by {@code who}. */
  Receipt crafted(
      EthereumIdentity who, List<Tensor> tensors, long samples, long manifestSamples, long steps)
      throws Exception {
    Hash32 run = genesis.receipt().runId();
    Hash32 model = store.put(ModelCodec.write(tensors));
    Hash32 data = Hash32.sha256(("data " + model).getBytes(StandardCharsets.UTF_8));
    Manifest m =
        Manifest.builder()
            .runId(run)
            .kind(UpdateKind.LOCAL)
            .parents(List.of(genesis.receipt().model()))
            .model(model)
            .tensors(tensors)
            .architecture(arch.id())
            .epochs(1)
            .steps(steps)
            .dataset(data, manifestSamples)
            .build();
    Hash32 manifest = store.put(m.toJson());
    ModelUpdate u =
        new ModelUpdate(
            run,
            1,
            UpdateKind.LOCAL,
            genesis.receipt().model(),
            model,
            manifest,
            data,
            samples,
            who.address());
    return CoordinatorMessages.receipt(TrainedUpdates.sign(ledger, who, u));
  }

  Receipt local(EthereumIdentity signer, Hash32 parent, Hash32 model, Hash32 manifest) {
    ModelUpdate u =
        new ModelUpdate(
            genesis.receipt().runId(),
            1,
            UpdateKind.LOCAL,
            parent,
            model,
            manifest,
            Hash32.sha256(new byte[] {1}),
            100,
            signer.address());
    return CoordinatorMessages.receipt(TrainedUpdates.sign(ledger, signer, u));
  }

  void assertRefused(JoinResponse joined, Receipt r, Status.Code code, String message) {
    assertThatThrownBy(
            () ->
                stub.submit(
                    SubmitRequest.newBuilder()
                        .setSession(joined.getSession())
                        .setRound(1)
                        .setUpdate(r)
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code))
        .hasMessageContaining(message);
  }

  static EthereumIdentity key(String name) {
    return Signers.secp256k1(Hash32.sha256(name.getBytes(StandardCharsets.UTF_8)).toBytes());
  }
}
