package org.fedchain.verifier;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.SafeTensors;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;

/**
 * Replay, proof-of-learning style: an update's training is re-run from its parent model, on the
 * samples whose commitment its receipt names, with the settings its manifest records (seed, epochs,
 * batch, optimizer, rate and schedule, loss, validation hold-out, frozen tensors, thread count),
 * and the result must be the recorded model bit for bit: training is deterministic. An update
 * trained on other data than it commits to, or for fewer steps than it claims, gives another model.
 */
public final class Replay {
  private Replay() {}

  /** One update's replay: passed, failed (why), or not replayed (why). */
  public record Outcome(UpdateRecord update, Status status, String detail) {}

  public enum Status {
    PASSED,
    FAILED,
    SKIPPED
  }

  /**
   * Replays the CHAINED and LOCAL updates of {@code audit} that verified, each with probability
   * {@code fraction} (drawn from {@code seed}), finding each one's training data among {@code
   * shards} by its commitment.
   */
  public static List<Outcome> run(
      BlobStore store, RunAudit audit, Map<Hash32, Samples> shards, double fraction, long seed) {
    Random pick = new Random(seed);
    List<Outcome> out = new ArrayList<>();
    for (UpdateCheck c : audit.updates()) {
      UpdateKind k = c.update().receipt().kind();
      if (k != UpdateKind.CHAINED && k != UpdateKind.LOCAL) {
        continue;
      }
      if (pick.nextDouble() >= fraction) {
        continue;
      }
      if (!c.ok()) {
        out.add(new Outcome(c.update(), Status.SKIPPED, "it fails the audit already"));
        continue;
      }
      try {
        out.add(replay(store, c, shards));
      } catch (IOException | RuntimeException e) {
        out.add(new Outcome(c.update(), Status.FAILED, "cannot replay: " + e.getMessage()));
      }
    }
    return out;
  }

  private static Outcome replay(BlobStore store, UpdateCheck c, Map<Hash32, Samples> shards)
      throws IOException {
    UpdateRecord u = c.update();
    Samples data = shards.get(u.receipt().data());
    if (data == null) {
      return new Outcome(
          u,
          Status.SKIPPED,
          "no data given commits to "
              + u.receipt().data().hex()
              + " ("
              + u.receipt().samples()
              + " samples)");
    }
    Manifest m = Manifest.parse(store.get(u.receipt().manifest()));
    Architecture arch = Architectures.resolve(m.architecture(), store);
    List<Tensor> parent = ModelCodec.read(arch, store.get(u.receipt().parent()));
    TrainingConfig config = config(m);
    TrainingResult r = LocalTrainer.train(arch, parent, data, config, ProgressListener.NONE);
    Hash32 replayed = Hash32.sha256(ModelCodec.write(r.tensors()));
    if (replayed.equals(u.receipt().model())) {
      return new Outcome(u, Status.PASSED, "replayed bit for bit (" + r.steps() + " steps)");
    }
    String why =
        r.steps() != m.steps()
            ? "; the recorded settings take "
                + r.steps()
                + " steps, the manifest claims "
                + m.steps()
            : "";
    List<Tensor> recorded =
        SafeTensors.read(store.get(u.receipt().model()), SafeTensors.Form.CANONICAL);
    return new Outcome(
        u,
        Status.FAILED,
        "the replay gives model "
            + replayed.hex().substring(0, 16)
            + ", not the recorded "
            + u.receipt().model().hex().substring(0, 16)
            + " (largest difference "
            + String.format(java.util.Locale.ROOT, "%.3g", largest(r.tensors(), recorded))
            + ")"
            + why
            + ": not trained as it claims on the data it commits to");
  }

  /** The training settings a manifest records (what the node trained with). */
  static TrainingConfig config(Manifest m) {
    return TrainingConfig.fromHyperparameters(m.hyperparameters())
        .seed(m.seed())
        .epochs(m.epochs())
        .threads(Math.max(1, m.threads()))
        .frozen(m.frozen())
        .build();
  }

  private static double largest(List<Tensor> a, List<Tensor> b) {
    Map<String, Tensor> byName = new java.util.HashMap<>();
    b.forEach(t -> byName.put(t.name(), t));
    double max = 0;
    for (Tensor t : a) {
      Tensor o = byName.get(t.name());
      if (o == null) {
        return Double.POSITIVE_INFINITY;
      }
      float[] x = t.floats();
      float[] y = o.floats();
      for (int i = 0; i < Math.min(x.length, y.length); i++) {
        max = Math.max(max, Math.abs(x[i] - y[i]));
      }
    }
    return max;
  }
}
