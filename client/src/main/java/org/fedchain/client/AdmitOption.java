package org.fedchain.client;

import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.Address;
import picocli.CommandLine.Option;

/** {@code --admit}, of the commands that open a run: who may contribute to it. */
final class AdmitOption {
  @Option(
      names = "--admit",
      split = ",",
      paramLabel = "WALLET|ADDRESS",
      description =
          "Who may contribute updates besides the coordinator (the ledger refuses anyone else:"
              + " NOT_ADMITTED; 'run admit' adds more later). Without it, anyone may.")
  List<String> admit = new ArrayList<>();

  /** The admitted addresses: wallets of the home's keystore or addresses. */
  List<Address> addresses(Main main) throws Exception {
    List<Address> out = new ArrayList<>();
    for (String n : admit) {
      out.add(main.address(n));
    }
    return out;
  }
}
