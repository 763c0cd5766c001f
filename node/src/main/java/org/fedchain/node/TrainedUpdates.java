package org.fedchain.node;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fedchain.core.Address;
import org.fedchain.core.DatasetCommitment;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;
import org.fedchain.wallet.EthereumIdentity;

/**
 * What every flow does after local training: store the canonical model and its manifest, and build
 * the receipt that continues {@code parent}. Blobs are stored before the receipt is submitted, so a
 * crash after recording never loses the model the ledger points to.
 */
final class TrainedUpdates {
  private TrainedUpdates() {}

  /**
   * Stores {@code tensors} (normally {@code r.tensors()}) and their manifest; returns the unsigned
   * receipt of {@code contributor}, of kind {@code kind}, continuing the receipt {@code parent}
   * (seq {@code parent.seq + 1}).
   */
  static ModelUpdate store(
      BlobStore store,
      Address contributor,
      UpdateKind kind,
      ModelUpdate parent,
      Architecture arch,
      TrainingConfig config,
      TrainingResult r,
      List<Tensor> tensors,
      Samples shard)
      throws IOException {
    return store(store, contributor, kind, parent, arch, config, r, tensors, shard, Map.of());
  }

  /** As above, the manifest listing the data owners' {@code grants} the shard came from. */
  static ModelUpdate store(
      BlobStore store,
      Address contributor,
      UpdateKind kind,
      ModelUpdate parent,
      Architecture arch,
      TrainingConfig config,
      TrainingResult r,
      List<Tensor> tensors,
      Samples shard,
      Map<Hash32, Long> grants)
      throws IOException {
    Hash32 runId = parent.runId();
    Hash32 modelHash = store.put(ModelCodec.write(tensors));
    Hash32 commitment = shard.commitment();
    Manifest m =
        Manifest.builder()
            .runId(runId)
            .kind(kind)
            .parents(List.of(parent.model()))
            .model(modelHash)
            .tensors(tensors)
            .architecture(arch.id())
            .hyperparameters(config.hyperparameters())
            .seed(config.seed())
            .epochs(config.epochs())
            .steps(r.steps())
            .dataset(commitment, shard.size())
            .metrics(metrics(r))
            .frozen(config.frozen())
            .software(software())
            .threads(config.threads())
            .grants(grants)
            .build();
    Hash32 manifestHash = store.put(m.toJson());
    return new ModelUpdate(
        runId,
        parent.seq() + 1,
        kind,
        parent.model(),
        modelHash,
        manifestHash,
        commitment,
        shard.size(),
        contributor);
  }

  /**
   * Records the coordinator's AGGREGATE continuing {@code global}: {@code tensors} (stored as
   * {@code modelHash}) and a manifest listing the input update ids (with their weights, or null),
   * whose Merkle root is the receipt's data field.
   */
  static UpdateRecord recordAggregate(
      Ledger ledger,
      BlobStore store,
      EthereumIdentity coordinator,
      UpdateRecord global,
      Architecture arch,
      List<Tensor> tensors,
      Hash32 modelHash,
      Map<String, String> hyperparameters,
      List<Hash32> ids,
      List<Double> weights,
      long samples)
      throws IOException, LedgerException {
    Hash32 runId = global.receipt().runId();
    Hash32 data = DatasetCommitment.root(ids);
    Manifest m =
        Manifest.builder()
            .runId(runId)
            .kind(UpdateKind.AGGREGATE)
            .parents(List.of(global.receipt().model()))
            .model(modelHash)
            .tensors(tensors)
            .architecture(arch.id())
            .hyperparameters(hyperparameters)
            .dataset(data, samples)
            .inputs(ids, weights)
            .software(software())
            .build();
    Hash32 manifestHash = store.put(m.toJson());
    ModelUpdate receipt =
        new ModelUpdate(
            runId,
            global.receipt().seq() + 1,
            UpdateKind.AGGREGATE,
            global.receipt().model(),
            modelHash,
            manifestHash,
            data,
            samples,
            coordinator.address());
    return ledger.submit(sign(ledger, coordinator, receipt));
  }

  static Signed<ModelUpdate> sign(Ledger ledger, EthereumIdentity who, ModelUpdate u) {
    return sign(ledger.domain(), who, u);
  }

  static Signed<ModelUpdate> sign(Eip712Domain domain, EthereumIdentity who, ModelUpdate u) {
    return new Signed<>(u, who.address(), who.signer().sign(u.digest(domain)));
  }

  static TreeMap<String, Double> metrics(TrainingResult r) {
    TreeMap<String, Double> metrics = new TreeMap<>();
    metrics.put("train_loss", r.trainLoss());
    if (r.validation() != null) {
      metrics.put("val_" + r.validation().metric().id(), r.validation().value());
      metrics.put("val_loss", r.validation().loss());
    }
    metrics.put("train_samples", (double) r.trainSamples());
    metrics.put("seconds", r.seconds());
    return metrics;
  }

  /** Versions of FedChain, DJL, libtorch and Java, for manifests. */
  static TreeMap<String, String> software() {
    TreeMap<String, String> s = new TreeMap<>(LocalTrainer.versions());
    String v = TrainedUpdates.class.getPackage().getImplementationVersion();
    s.put("fedchain", v == null ? "dev" : v);
    s.put("java", System.getProperty("java.version"));
    return s;
  }
}
