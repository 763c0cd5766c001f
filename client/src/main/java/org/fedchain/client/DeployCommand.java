package org.fedchain.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.fedchain.ledger.ethereum.EthereumDeployment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain deploy --rpc URL --sender WALLET}: puts VNXToken and ContributionRegistry on a
 * chain.
 */
@Command(
    name = "deploy",
    description =
        "Deploy the VNX token and the ContributionRegistry to an Ethereum node; prints the ledger URI.")
final class DeployCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(
      names = "--rpc",
      defaultValue = "http://127.0.0.1:8545",
      description = "Node RPC URL. Default: ${DEFAULT-VALUE}.")
  String rpc;

  @Override
  public Integer call() throws Exception {
    if (main.sender == null) {
      throw new IllegalArgumentException(
          "deploy needs --sender WALLET: the account that pays for and owns the contracts");
    }
    EthereumDeployment.Deployed d =
        EthereumDeployment.deploy(rpc, main.transactionSigner(main.sender));
    PrintWriter out = spec.commandLine().getOut();
    out.println("VNXToken             " + d.token());
    out.println("ContributionRegistry " + d.registry() + " (block " + d.block() + ")");
    out.println("ledger URI: " + d.uri());
    out.println("use it:     fedchain --ledger '" + d.uri() + "' --sender WALLET ...");
    return 0;
  }
}
