package org.fedchain.trainer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedchain.trainer.Layer.Conv;
import org.fedchain.trainer.Layer.Dense;
import org.fedchain.trainer.Layer.Flatten;
import org.fedchain.trainer.Layer.MaxPool;
import org.fedchain.trainer.Layer.Relu;

/**
 * The architectures FedChain knows, by versioned id. A manifest names its model's architecture by
 * this id, so a model file can be loaded, checked and trained anywhere without shipping code.
 *
 * <pre>{@code
 * Architecture cnn = Architectures.get("fmnist-cnn/1");
 * }</pre>
 */
public final class Architectures {
  private static final Map<String, Architecture> KNOWN = new LinkedHashMap<>();

  static {
    add(
        new Architecture(
            "fmnist-mlp/1",
            "MLP 784-256-128-10 with ReLU for 28x28 grey images",
            List.of(
                new Flatten(),
                new Dense(784, 256),
                new Relu(),
                new Dense(256, 128),
                new Relu(),
                new Dense(128, 10))));
    add(
        new Architecture(
            "fmnist-cnn/1",
            "LeNet-style CNN of NIID-Bench (SimpleCNNMNIST): conv 6@5x5, pool, conv 16@5x5, pool,"
                + " fc 120, fc 84, fc 10",
            List.of(
                new Conv(1, 6, 5),
                new Relu(),
                new MaxPool(2),
                new Conv(6, 16, 5),
                new Relu(),
                new MaxPool(2),
                new Flatten(),
                new Dense(16 * 4 * 4, 120),
                new Relu(),
                new Dense(120, 84),
                new Relu(),
                new Dense(84, 10))));
  }

  private Architectures() {}

  private static void add(Architecture a) {
    KNOWN.put(a.id(), a);
  }

  /**
   * The architecture with this id.
   *
   * @throws IllegalArgumentException naming the known ids if there is none
   */
  public static Architecture get(String id) {
    Architecture a = KNOWN.get(id);
    if (a == null) {
      throw new IllegalArgumentException(
          "unknown architecture '" + id + "' (known: " + String.join(", ", KNOWN.keySet()) + ")");
    }
    return a;
  }

  /** The known ids, in a stable order. */
  public static List<String> ids() {
    return List.copyOf(KNOWN.keySet());
  }
}
