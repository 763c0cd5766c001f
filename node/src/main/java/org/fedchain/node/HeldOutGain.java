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

/**
 * The accuracy of stored models on one set of held-out samples, each model evaluated once: what a
 * validator scores and what a node judges a chain's heads by.
 */
final class HeldOutAccuracy {
  private final BlobStore store;
  private final Samples heldOut;
  private final Map<Hash32, Double> known = new HashMap<>();

  HeldOutAccuracy(BlobStore store, Samples heldOut) {
    this.store = store;
    this.heldOut = heldOut;
  }

  Samples samples() {
    return heldOut;
  }

  double of(Architecture arch, Hash32 model) throws IOException {
    Double a = known.get(model);
    if (a == null) {
      a = LocalTrainer.evaluate(arch, ModelCodec.read(arch, store.get(model)), heldOut).accuracy();
      known.put(model, a);
    }
    return a;
  }
}
