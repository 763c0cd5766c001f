package org.fedchain.examples;

import java.util.List;

/** The examples FedChain ships, by name. */
public final class Examples {
  private static final List<Example> ALL = List.of(new GasLevels());

  private Examples() {}

  public static List<Example> all() {
    return ALL;
  }

  /**
   * The example named {@code name}.
   *
   * @throws IllegalArgumentException naming the examples there are
   */
  public static Example get(String name) {
    return ALL.stream()
        .filter(e -> e.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no example '"
                        + name
                        + "' (there are: "
                        + String.join(", ", ALL.stream().map(Example::name).toList())
                        + ")"));
  }
}
