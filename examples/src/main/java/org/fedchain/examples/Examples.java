package org.fedchain.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.TransactionSigner;
import org.fedchain.verifier.RunAudit;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;

/** The examples FedChain ships, by name, and what they share. */
public final class Examples {
  private static final List<Example> ALL =
      List.of(new GasLevels(), new Defects(), new Speech(), new Accents());

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

  /**
   * What every example does first: refuses to run without its data ({@code data}, installed by
   * {@code scripts/setup.sh example NAME}), makes its work folder, and builds its model spec.
   */
  static org.fedchain.trainer.Architecture prepare(Example e, Example.Context c, Path data)
      throws IOException {
    if (!e.installed(c.cache())) {
      throw new IOException(
          data + " is missing: install it with scripts/setup.sh example " + e.name());
    }
    java.nio.file.Files.createDirectories(c.work());
    return org.fedchain.trainer.Architecture.of(
        org.fedchain.trainer.ModelSpec.parse(spec(e.name())));
  }

  /** The model spec of example {@code name}: its {@code examples/NAME/model.json}. */
  static byte[] spec(String name) throws IOException {
    try (InputStream in = Examples.class.getResourceAsStream(name + "/model.json")) {
      if (in == null) {
        throw new IOException("the model.json of example " + name + " is not on the classpath");
      }
      return in.readAllBytes();
    }
  }

  /** A wallet of the example's, from its name: an example's keys are for show only. */
  static EthereumIdentity key(String example, String who) {
    return Signers.secp256k1(Hash32.sha256((example + " " + who).getBytes()).toBytes());
  }

  /** {@code id} as the embedded ledger's mint authority. */
  static TransactionSigner signer(EthereumIdentity id) {
    return new TransactionSigner() {
      @Override
      public Address address() {
        return id.address();
      }

      @Override
      public byte[] sign(Hash32 digest) {
        return id.signer().sign(digest);
      }
    };
  }

  static String vnx(BigInteger wei) {
    return new java.math.BigDecimal(wei).movePointLeft(18).stripTrailingZeros().toPlainString();
  }

  /** Prints a run's audit in one line; whether it passed. */
  static boolean audited(PrintWriter out, String what, RunAudit audit) {
    out.printf(
        "%s run: %s, %d updates%n",
        what, audit.ok() ? "audit OK" : "audit FAILED " + audit.failing(), audit.updates().size());
    return audit.ok();
  }
}
