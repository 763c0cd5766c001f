package org.fedchain.client;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import org.fedchain.core.Address;
import org.fedchain.ledger.Ledger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fedchain balance WALLET|ADDRESS}: VNX held on the ledger. */
@Command(name = "balance", description = "Print the VNX balance of a wallet or address.")
final class BalanceCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "WALLET|ADDRESS")
  String who;

  @Override
  public Integer call() throws Exception {
    Address a = main.address(who);
    try (Ledger ledger = main.readLedger()) {
      spec.commandLine().getOut().println(a + " " + vnx(ledger.balance(a)) + " VNX");
    }
    return 0;
  }

  /** VNX has 18 decimals, as ERC-20 tokens usually do. */
  static String vnx(BigInteger wei) {
    return new BigDecimal(wei, 18).stripTrailingZeros().toPlainString();
  }
}
