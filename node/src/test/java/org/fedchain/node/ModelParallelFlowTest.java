package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.Certificates;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.comms.PeerChannels;
import org.fedchain.comms.PemFiles;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.Stages;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.UpdateCheck;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model parallelism across stage nodes served over TLS on loopback: each node has its own wallet,
 * store and view of the embedded ledger; the coordinator drives the pipeline, records the signed
 * STAGE updates and their restacked AGGREGATE, and an audit checks it all.
 */
class ModelParallelFlowTest {
  @TempDir Path dir;
  final Architecture cnn = Architectures.get("fmnist-cnn/1");
  final EthereumIdentity coordinator = key("coordinator");
  final List<EthereumIdentity> nodes = List.of(key("s0"), key("s1"), key("s2"));
  final TrainingConfig config =
      TrainingConfig.builder().epochs(1).batchSize(32).learningRate(0.05f).seed(3).build();
  Ledger ledger;
  BlobStore store;
  PemFiles ca;
  final List<ModelStoreServer> servers = new ArrayList<>();
  final List<ManagedChannel> channels = new ArrayList<>();
  final List<StageWorker> workers = new ArrayList<>();

  static EthereumIdentity key(String name) {
    return Signers.secp256k1(Hash32.sha256(name.getBytes(StandardCharsets.UTF_8)).toBytes());
  }

  @BeforeEach
  void start() throws Exception {
    ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"));
    store = BlobStore.open(dir.resolve("coordinator-store"));
    ca = Certificates.createAuthority(dir.resolve("certs"), "ca");
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (ModelStoreServer s : servers) {
      s.close();
    }
    workers.forEach(StageWorker::close);
    ledger.close();
  }

  /** Stage node {@code k} over TLS on loopback; the link the coordinator drives it by. */
  RemoteStage serve(int k, EthereumIdentity who) throws Exception {
    BlobStore mine = BlobStore.open(dir.resolve("stage" + k + "-store"));
    StageWorker worker = new StageWorker(ledger, mine, who);
    workers.add(worker);
    PemFiles cert =
        Certificates.createNode(dir.resolve("certs"), "stage" + k, ca, Certificates.LOOPBACK_HOSTS);
    ModelStoreServer server =
        ModelStoreServer.newBuilder(mine)
            .port(0)
            .loopbackOnly()
            .tls(cert)
            .maxMessageBytes(64 << 20)
            .addService(new StageService(worker, 1))
            .build();
    servers.add(server);
    ManagedChannel channel =
        PeerChannels.forTarget("localhost:" + server.port())
            .trustRoots(ca.certificate())
            .maxMessageBytes(64 << 20)
            .build();
    channels.add(channel);
    return new RemoteStage("stage " + k, channel, Duration.ofSeconds(30));
  }

  UpdateRecord open(ModelParallelFlow flow) throws Exception {
    return flow.openRun(
        coordinator,
        cnn.initialTensors(7),
        nodes.stream().map(EthereumIdentity::address).toList(),
        "test",
        new Task.Terms(Task.Loss.CROSS_ENTROPY, Task.Metric.ACCURACY));
  }

  @Test
  void three_stage_nodes_train_as_one_node_would_and_the_audit_restacks_them() throws Exception {
    Samples data = FashionMnist.standard().train().slice(0, 320);
    Stages cut = Stages.parse("0-2,3-7,8-", cnn.spec().layerCount());
    ModelParallelFlow flow = new ModelParallelFlow(ledger, store, cnn, cut, config, 1);
    UpdateRecord g = open(flow);
    List<RemoteStage> links =
        List.of(serve(0, nodes.get(0)), serve(1, nodes.get(1)), serve(2, nodes.get(2)));

    ModelParallelFlow.Result r = flow.train(coordinator, g, links, data, ProgressListener.NONE);

    List<Tensor> alone =
        LocalTrainer.train(cnn, cnn.initialTensors(7), data, config, ProgressListener.NONE)
            .tensors();
    // bit for bit: the same model file, so the same hash
    assertThat(r.aggregate().receipt().model())
        .isEqualTo(Hash32.sha256(org.fedchain.trainer.ModelCodec.write(alone)));
    assertThat(r.stages()).extracting(u -> u.receipt().kind()).containsOnly(UpdateKind.STAGE);
    assertThat(r.stages())
        .extracting(UpdateRecord::contributor)
        .containsExactlyElementsOf(nodes.stream().map(EthereumIdentity::address).toList());
    assertThat(r.aggregate().receipt().kind()).isEqualTo(UpdateKind.AGGREGATE);
    assertThat(r.training().activationBytes()).isPositive();
    RunAudit audit =
        AggregateReplay.recomputed(
            ledger, store, new Verifier(ledger, store).audit(g.receipt().runId()));
    assertThat(audit.ok()).as(audit.toString()).isTrue();
    assertThat(audit.updates()).hasSize(5);
    assertThat(flow.unrestacked(g)).isEmpty(); // restacked already
  }

  @Test
  void an_aggregate_that_is_not_its_stages_restacked_fails_the_audit_naming_the_stage()
      throws Exception {
    Samples data = FashionMnist.standard().train().slice(0, 96);
    Stages cut = Stages.parse("0-5,6-", cnn.spec().layerCount());
    ModelParallelFlow flow = new ModelParallelFlow(ledger, store, cnn, cut, config, 2);
    UpdateRecord g = open(flow);
    List<RemoteStage> links = List.of(serve(0, nodes.get(0)), serve(1, nodes.get(1)));
    ModelParallelFlow.Result r = flow.train(coordinator, g, links, data, ProgressListener.NONE);

    // a coordinator that records another model as the restack of the same stage updates
    List<Tensor> edited = new ArrayList<>(r.model());
    float[] w = edited.get(edited.size() - 1).floats();
    w[0] += 1;
    Tensor last = edited.get(edited.size() - 1);
    edited.set(edited.size() - 1, Tensor.ofFloats(last.name(), last.shape(), w));
    UpdateRecord forged = restackAs(g, r.stages(), edited);

    RunAudit audit =
        AggregateReplay.recomputed(
            ledger, store, new Verifier(ledger, store).audit(g.receipt().runId()));
    UpdateCheck bad = audit.updates().stream().filter(c -> !c.ok()).findFirst().orElseThrow();
    assertThat(bad.update().updateId()).isEqualTo(forged.updateId());
    assertThat(String.join("; ", bad.problems()))
        .contains("stage of layers 6-11 (" + nodes.get(1).address() + ")")
        .contains("is not the stage's");
    assertThat(audit.updates().stream().filter(c -> !c.ok())).hasSize(1);
  }

  @Test
  void editing_a_stages_tensors_in_the_store_fails_the_audit_on_that_stage() throws Exception {
    Samples data = FashionMnist.standard().train().slice(0, 64);
    Stages cut = Stages.parse("0-5,6-", cnn.spec().layerCount());
    ModelParallelFlow flow = new ModelParallelFlow(ledger, store, cnn, cut, config, 1);
    UpdateRecord g = open(flow);
    List<RemoteStage> links = List.of(serve(0, nodes.get(0)), serve(1, nodes.get(1)));
    ModelParallelFlow.Result r = flow.train(coordinator, g, links, data, ProgressListener.NONE);

    Path blob = store.path(r.stages().get(0).receipt().model());
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length - 1] ^= 1; // one bit of the last tensor's data
    blob.toFile().setWritable(true);
    Files.write(blob, bytes);

    RunAudit audit =
        AggregateReplay.recomputed(
            ledger, store, new Verifier(ledger, store).audit(g.receipt().runId()));
    List<UpdateCheck> failed = audit.updates().stream().filter(c -> !c.ok()).toList();
    assertThat(failed)
        .extracting(c -> c.update().updateId())
        .contains(r.stages().get(0).updateId());
    UpdateCheck stage0 =
        failed.stream()
            .filter(c -> c.update().updateId().equals(r.stages().get(0).updateId()))
            .findFirst()
            .orElseThrow();
    assertThat(stage0.layers()).isEqualTo("0-5");
    java.io.StringWriter text = new java.io.StringWriter();
    audit.print(new java.io.PrintWriter(text, true));
    assertThat(text.toString()).containsPattern("STAGE .* FAIL  layers 0-5");
  }

  @Test
  void stage_updates_recorded_before_a_crash_are_restacked_on_resume() throws Exception {
    Samples data = FashionMnist.standard().train().slice(0, 64);
    Stages cut = Stages.parse("0-5,6-", cnn.spec().layerCount());
    // a coordinator whose ledger goes away right after the STAGE updates are recorded
    Ledger crashing =
        (Ledger)
            java.lang.reflect.Proxy.newProxyInstance(
                Ledger.class.getClassLoader(),
                new Class<?>[] {Ledger.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("submit")
                      && ((org.fedchain.core.receipt.Signed<?>) args[0]).message()
                          instanceof org.fedchain.core.receipt.ModelUpdate u
                      && u.kind() == UpdateKind.AGGREGATE) {
                    throw new org.fedchain.ledger.UnavailableException(
                        "the coordinator crashed", null);
                  }
                  try {
                    return method.invoke(ledger, args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    ModelParallelFlow before = new ModelParallelFlow(crashing, store, cnn, cut, config, 1);
    UpdateRecord g = open(before);
    List<RemoteStage> links = List.of(serve(0, nodes.get(0)), serve(1, nodes.get(1)));
    assertThatThrownBy(() -> before.train(coordinator, g, links, data, ProgressListener.NONE))
        .hasMessageContaining("the coordinator crashed");
    assertThat(ledger.updates(g.receipt().runId())).hasSize(3); // genesis and two STAGE updates

    ModelParallelFlow after = new ModelParallelFlow(ledger, store, cnn, cut, config, 1);
    List<UpdateRecord> pending = after.unrestacked(g);
    assertThat(pending).hasSize(2);
    UpdateRecord aggregate = after.restack(coordinator, g, pending);

    assertThat(after.unrestacked(g)).isEmpty();
    RunAudit audit =
        AggregateReplay.recomputed(
            ledger, store, new Verifier(ledger, store).audit(g.receipt().runId()));
    assertThat(audit.ok()).as(audit.toString()).isTrue();
    assertThat(aggregate.receipt().parent()).isEqualTo(g.receipt().model());
  }

  /** Asks {@code w} to open layers 0-5 of run {@code g} on {@code model}, signed by {@code who}. */
  byte[] openFirstHalf(StageWorker w, UpdateRecord g, byte[] model, EthereumIdentity who)
      throws Exception {
    Hash32 digest =
        org.fedchain.comms.CoordinatorMessages.stageDigest(
            g.receipt().runId(), g.updateId(), cnn.spec().canonical(), 0, 0, 6, new byte[0]);
    return w.open(
        g.receipt().runId(),
        g.updateId(),
        model,
        cnn.spec().canonical(),
        0,
        0,
        6,
        config,
        2,
        1,
        digest,
        who.signer().sign(digest));
  }

  /** Records {@code tensors} as an AGGREGATE of {@code stages}, as a lying coordinator would. */
  UpdateRecord restackAs(UpdateRecord g, List<UpdateRecord> stages, List<Tensor> tensors)
      throws Exception {
    org.fedchain.core.model.Manifest real =
        org.fedchain.core.model.Manifest.parse(
            store.get(
                ledger.children(g.updateId()).stream()
                    .filter(u -> u.receipt().kind() == UpdateKind.AGGREGATE)
                    .findFirst()
                    .orElseThrow()
                    .receipt()
                    .manifest()));
    Hash32 model = store.put(org.fedchain.trainer.ModelCodec.write(tensors));
    org.fedchain.core.model.Manifest m =
        org.fedchain.core.model.Manifest.builder()
            .runId(real.runId())
            .kind(UpdateKind.AGGREGATE)
            .parents(real.parents())
            .model(model)
            .tensors(tensors)
            .architecture(real.architecture())
            .hyperparameters(real.hyperparameters())
            .dataset(real.dataset().commitment(), real.dataset().samples())
            .inputs(real.inputs(), null)
            .software(real.software())
            .build();
    Hash32 manifest = store.put(m.toJson());
    org.fedchain.core.receipt.ModelUpdate u =
        new org.fedchain.core.receipt.ModelUpdate(
            real.runId(),
            g.receipt().seq() + 1,
            UpdateKind.AGGREGATE,
            g.receipt().model(),
            model,
            manifest,
            real.dataset().commitment(),
            real.dataset().samples(),
            coordinator.address());
    return ledger.submit(TrainedUpdates.sign(ledger, coordinator, u));
  }

  @Test
  void a_stage_that_dies_stops_the_run_naming_it_and_nothing_is_recorded() throws Exception {
    Samples data = FashionMnist.standard().train().slice(0, 96);
    Stages cut = Stages.parse("0-5,6-", cnn.spec().layerCount());
    ModelParallelFlow flow = new ModelParallelFlow(ledger, store, cnn, cut, config, 1);
    UpdateRecord g = open(flow);
    List<RemoteStage> links = List.of(serve(0, nodes.get(0)), serve(1, nodes.get(1)));
    int[] steps = {0};
    ProgressListener killSecondAfterOneStep =
        (epoch, step, total, loss) -> {
          if (++steps[0] == 1) {
            try {
              servers.get(1).close();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        };

    assertThatThrownBy(() -> flow.train(coordinator, g, links, data, killSecondAfterOneStep))
        .isInstanceOf(ModelParallelFlow.StageFailedException.class)
        .hasMessageStartingWith("stage 1: ")
        .hasMessageContaining("UNAVAILABLE")
        .satisfies(
            e -> assertThat(((ModelParallelFlow.StageFailedException) e).stage()).isEqualTo(1));
    assertThat(ledger.updates(g.receipt().runId())).hasSize(1); // the genesis only
  }

  @Test
  void a_stage_node_opens_only_on_the_runs_recorded_model_and_when_admitted() throws Exception {
    Samples data = FashionMnist.standard().train().slice(0, 64);
    Stages cut = Stages.parse("0-5,6-", cnn.spec().layerCount());
    ModelParallelFlow flow = new ModelParallelFlow(ledger, store, cnn, cut, config, 1);
    UpdateRecord g = open(flow);
    List<RemoteStage> stranger = List.of(serve(0, nodes.get(0)), serve(1, key("stranger")));

    assertThatThrownBy(() -> flow.train(coordinator, g, stranger, data, ProgressListener.NONE))
        .isInstanceOf(ModelParallelFlow.StageFailedException.class)
        .hasMessageContaining("stage 1")
        .hasMessageContaining("does not admit this node");

    // a coordinator that sends other start tensors than the run's recorded model
    byte[] other = org.fedchain.trainer.ModelCodec.write(cnn.initialTensors(8));
    StageWorker w = new StageWorker(ledger, BlobStore.open(dir.resolve("w")), nodes.get(0));
    workers.add(w);
    assertThatThrownBy(() -> openFirstHalf(w, g, other, coordinator))
        .isInstanceOf(StageWorker.Refused.class)
        .hasMessageContaining("not the parent's");
    // the run's real model, asked for by someone who is not its coordinator
    byte[] real = store.get(g.receipt().model());
    assertThatThrownBy(() -> openFirstHalf(w, g, real, key("mallory")))
        .isInstanceOf(StageWorker.Refused.class)
        .hasMessageContaining("not signed by run");
    // the coordinator's request opens it; a call without its session is refused
    byte[] session = openFirstHalf(w, g, real, coordinator);
    assertThatThrownBy(() -> w.trainer(new byte[32]))
        .isInstanceOf(StageWorker.Refused.class)
        .hasMessageContaining("not the open training's session");
    assertThat(w.trainer(session).architecture().inputShape()).containsExactly(1, 28, 28);
    assertThat(ledger.updates(g.receipt().runId())).hasSize(1);
  }
}
