package org.fedchain.client;

import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.CoordinatorService;
import org.fedchain.node.ModelParallelFlow;
import org.fedchain.node.Peers;
import org.fedchain.node.RemoteStage;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.DataSource;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.Stages;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.EthereumIdentity;

/**
 * What {@code coordinator serve --mode model-parallel} and {@code demo --mode model-parallel} do:
 * open a model-parallel run admitting the stage nodes, drive them over gRPC through one training,
 * record, audit and print.
 */
final class ModelParallel {
  private ModelParallel() {}

  /** Largest message a stage call carries: the global model in Open, a micro-batch otherwise. */
  static final int MAX_MESSAGE_BYTES = 256 << 20;

  /** Returns whether the audit passed. */
  static boolean run(
      Ledger ledger,
      BlobStore store,
      EthereumIdentity coordinator,
      Architecture arch,
      Stages stages,
      TrainingConfig config,
      int microBatches,
      DataSource data,
      List<String> endpoints,
      List<Address> admitted,
      Peers.Settings tls,
      Hash32 resume,
      PrintWriter out)
      throws Exception {
    if (endpoints.size() != stages.count()) {
      throw new IllegalArgumentException(
          "--stages "
              + stages
              + " has "
              + stages.count()
              + " stages but --stage-nodes names "
              + endpoints.size());
    }
    ModelParallelFlow flow =
        new ModelParallelFlow(ledger, store, arch, stages, config, microBatches);
    UpdateRecord g;
    if (resume == null) {
      g =
          flow.openRun(
              coordinator,
              arch.initialTensors(config.seed()),
              admitted,
              "model-parallel " + stages,
              new Task.Terms(config.loss(), config.metric()));
    } else {
      Run run = RunCommand.known(ledger, resume);
      if (!run.coordinator().equals(coordinator.address())
          || run.config().mode() != Mode.MODEL_PARALLEL) {
        throw new IllegalArgumentException(
            "run " + resume.hex() + " is no model-parallel run of this wallet's");
      }
      g = CoordinatorService.latestGlobal(ledger, resume);
      List<UpdateRecord> pending = flow.unrestacked(g);
      if (!pending.isEmpty()) {
        UpdateRecord a = flow.restack(coordinator, g, pending);
        out.printf(
            "coordinator: restacked the %d STAGE updates recorded before the stop: AGGREGATE %s%n",
            pending.size(), a.updateId());
        return audited(ledger, store, resume, out);
      }
    }
    out.printf(
        "coordinator: model-parallel run %s, %s cut into stages %s, %d micro-batch(es) per batch%n",
        g.receipt().runId().hex(), arch.name(), stages, microBatches);
    List<ManagedChannel> channels = new ArrayList<>();
    List<RemoteStage> links = new ArrayList<>();
    try {
      for (String e : endpoints) {
        ManagedChannel c = Peers.channel(tls, e);
        channels.add(c);
        links.add(new RemoteStage(e, c, Duration.ofMinutes(5)));
      }
      ModelParallelFlow.Result r =
          flow.train(
              coordinator,
              g,
              links,
              data.train(),
              new Progress(out, "training through " + stages.count() + " stages"));
      out.printf(
          "coordinator: %d steps in %.1f s (%.0f samples/s), %.1f MB of activations and gradients"
              + " between stages%n",
          r.training().steps(),
          r.training().seconds(),
          r.training().trainSamples() * config.epochs() / r.training().seconds(),
          r.training().activationBytes() / 1e6);
      for (int k = 0; k < r.stages().size(); k++) {
        out.printf(
            "  stage %d, layers %d-%d: STAGE %s by %s%n",
            k,
            stages.from(k),
            stages.to(k) - 1,
            r.stages().get(k).updateId(),
            r.stages().get(k).contributor());
      }
      out.printf("  restacked: AGGREGATE %s%n", r.aggregate().updateId());
      data.test()
          .ifPresent(
              t ->
                  out.printf(
                      "  test %s %.4f on %d samples%n",
                      config.metric().id(),
                      LocalTrainer.evaluate(arch, r.model(), t, config).value(),
                      t.size()));
    } finally {
      for (ManagedChannel c : channels) {
        Peers.close(c);
      }
    }
    return audited(ledger, store, g.receipt().runId(), out);
  }

  private static boolean audited(Ledger ledger, BlobStore store, Hash32 runId, PrintWriter out)
      throws Exception {
    RunAudit audit =
        AggregateReplay.recomputed(ledger, store, new Verifier(ledger, store).audit(runId));
    audit.print(out);
    out.flush();
    return audit.ok();
  }
}
