package org.fedchain.node;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;

/**
 * How stored models do on one set of held-out samples by the run's metric, as a gain (higher is
 * better: accuracy, or a negated error; see {@link org.fedchain.trainer.Task.Metric#gain}), each
 * model evaluated once: what a validator scores and what a node judges a chain's heads by.
 */
final class HeldOutGain {
  private final BlobStore store;
  private final Samples heldOut;
  private final TrainingConfig task;
  private final Map<Hash32, Double> known = new HashMap<>();

  HeldOutGain(BlobStore store, Samples heldOut, TrainingConfig task) {
    this.store = store;
    this.heldOut = heldOut;
    this.task = task;
  }

  TrainingConfig task() {
    return task;
  }

  Samples samples() {
    return heldOut;
  }

  double of(Architecture arch, Hash32 model) throws IOException {
    Double a = known.get(model);
    if (a == null) {
      a =
          LocalTrainer.evaluate(arch, ModelCodec.read(arch, store.get(model)), heldOut, task)
              .gain();
      known.put(model, a);
    }
    return a;
  }
}
