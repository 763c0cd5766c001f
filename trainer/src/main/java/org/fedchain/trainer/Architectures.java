package org.fedchain.trainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.fedchain.core.Hash32;

/**
 * The architectures FedChain ships, as spec files (resources {@code org/fedchain/trainer/specs}),
 * and the way to any other: a manifest names its model's architecture by the spec's hash, and the
 * spec's bytes are in the content store beside the model.
 *
 * <pre>{@code
 * Architecture cnn = Architectures.get("fmnist-cnn/1");
 * Architecture any = Architectures.resolve(manifest.architecture(), store::find);
 * }</pre>
 */
public final class Architectures {
  private static final Map<String, Architecture> BUILT_IN = new LinkedHashMap<>();

  static {
    for (String file : List.of("fmnist-mlp-1.json", "fmnist-cnn-1.json")) {
      Architecture a = Architecture.of(ModelSpec.parse(resource("specs/" + file)));
      BUILT_IN.put(a.name(), a);
    }
  }

  private Architectures() {}

  private static byte[] resource(String name) {
    try (InputStream in = Architectures.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A built-in architecture by name ({@code fmnist-cnn/1}) or spec hash.
   *
   * @throws IllegalArgumentException naming the built-in ones if there is none
   */
  public static Architecture get(String nameOrHash) {
    return builtIn(nameOrHash)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown architecture '"
                        + nameOrHash
                        + "' (built in: "
                        + String.join(", ", BUILT_IN.keySet())
                        + "; any other is a spec file or the hash of a stored spec)"));
  }

  private static Optional<Architecture> builtIn(String nameOrHash) {
    Architecture a = BUILT_IN.get(nameOrHash);
    if (a != null) {
      return Optional.of(a);
    }
    return BUILT_IN.values().stream().filter(b -> b.id().equals(nameOrHash)).findFirst();
  }

  /**
   * The architecture a manifest names: a built-in one, or the spec stored under that hash in {@code
   * store} (which checks the bytes against the hash).
   *
   * @throws IllegalArgumentException as {@link #resolve(String, Function)}
   * @throws IOException if the store cannot be read
   */
  public static Architecture resolve(String ref, org.fedchain.core.store.BlobStore store)
      throws IOException {
    Optional<byte[]> spec = Optional.empty();
    if (builtIn(ref).isEmpty()) {
      try {
        spec = store.find(Hash32.parse(ref));
      } catch (IllegalArgumentException notAHash) {
        // resolve names the built-in ones
      }
    }
    Optional<byte[]> found = spec;
    return resolve(ref, h -> found);
  }

  /**
   * The architecture a manifest names: a built-in one, or the spec whose hash it is, read with
   * {@code fetch} (for instance from the content store, which checks the bytes against the hash).
   *
   * @throws IllegalArgumentException if it is neither, or the stored spec does not parse
   */
  public static Architecture resolve(String ref, Function<Hash32, Optional<byte[]>> fetch) {
    Optional<Architecture> known = builtIn(ref);
    if (known.isPresent()) {
      return known.get();
    }
    Hash32 h;
    try {
      h = Hash32.parse(ref);
    } catch (IllegalArgumentException e) {
      return get(ref); // the error that names the built-in ones
    }
    byte[] bytes =
        fetch
            .apply(h)
            .orElseThrow(
                () -> new IllegalArgumentException("model spec " + ref + " is not in the store"));
    ModelSpec spec = ModelSpec.parse(bytes);
    if (!spec.hash().equals(h)) {
      // a stored spec must be in canonical form, or the hash would not name what was recorded
      throw new IllegalArgumentException(
          "model spec " + ref + " is not canonical: its canonical form hashes to " + spec.hash());
    }
    return Architecture.of(spec);
  }

  /** The built-in names, in a stable order. */
  public static List<String> names() {
    return List.copyOf(BUILT_IN.keySet());
  }
}
