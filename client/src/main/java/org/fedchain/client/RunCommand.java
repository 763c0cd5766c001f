package org.fedchain.client;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedchain.core.Address;
import org.fedchain.core.model.SafeTensors;
import org.fedchain.core.model.Tensor;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.wallet.EthereumIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fedchain run open}: records a run and its genesis model, signed by the coordinator. */
@Command(
    name = "run",
    description = "Open runs.",
    subcommands = {RunCommand.Open.class})
final class RunCommand {
  @ParentCommand Main main;

  @Command(
      name = "open",
      description =
          "Open a run: store its genesis model and record it, signed by the coordinator's wallet.")
  static final class Open implements Callable<Integer> {
    @ParentCommand RunCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Option(names = "--wallet", required = true, description = "The coordinator's wallet.")
    String wallet;

    @Option(
        names = "--arch",
        defaultValue = "fmnist-cnn/1",
        description = "Architecture id (or cnn, mlp). Default: ${DEFAULT-VALUE}.")
    String arch;

    @Option(
        names = "--mode",
        defaultValue = "chained",
        description = "chained, data-parallel or model-parallel. Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(
        names = "--genesis",
        paramLabel = "FILE",
        description =
            "Start from this safetensors model (e.g. one from another run: transfer learning) instead of a fresh one.")
    Path genesis;

    @Mixin InitOption init;

    @Option(
        names = "--seed",
        defaultValue = "1",
        description = "Seed of the fresh genesis model. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
        names = "--validators",
        split = ",",
        paramLabel = "WALLET|ADDRESS",
        description = "Who may attest updates.")
    List<String> validators = new ArrayList<>();

    @Option(
        names = "--quorum",
        defaultValue = "0",
        description = "Attestations needed before a reward is paid.")
    int quorum;

    @Option(
        names = "--budget",
        defaultValue = "0",
        description = "VNX escrowed from the coordinator for rewards.")
    String budget;

    @Option(
        names = "--reward-per-point",
        defaultValue = "0",
        description = "VNX paid per point of mean attested score.")
    String rewardPerPoint;

    @Option(
        names = "--commit-reveal",
        description = "Require commit-reveal submits (against front-running on public chains).")
    boolean commitReveal;

    @Override
    public Integer call() throws Exception {
      Main main = parent.main;
      Architecture a = Architectures.get(Args.architecture(arch));
      Mode m =
          switch (mode) {
            case "chained" -> Mode.CHAINED;
            case "data-parallel" -> Mode.DATA_PARALLEL;
            case "model-parallel" -> Mode.MODEL_PARALLEL;
            default ->
                throw new IllegalArgumentException(
                    "--mode must be chained, data-parallel or model-parallel, got '" + mode + "'");
          };
      List<Address> vs = new ArrayList<>();
      for (String v : validators) {
        vs.add(v.startsWith("0x") ? Address.parse(v) : main.keystore().entry(v).address());
      }
      BigInteger budgetWei = Args.vnx("--budget", budget);
      RunConfig config =
          new RunConfig(
              m,
              commitReveal,
              vs,
              quorum,
              budgetWei,
              Args.vnx("--reward-per-point", rewardPerPoint));
      List<Tensor> tensors;
      String origin;
      if (genesis != null) {
        tensors = SafeTensors.read(Files.readAllBytes(genesis), SafeTensors.Form.ANY);
        origin = "file " + genesis.getFileName();
      } else {
        Architecture.Init how = init.scheme();
        tensors = a.initialTensors(seed, how);
        origin = Args.freshOrigin(seed, how);
      }
      EthereumIdentity coordinator = main.unlock(wallet, passwords);
      try (Ledger ledger = main.openLedger()) {
        UpdateRecord g =
            new ChainFlow(ledger, main.store()).openRun(coordinator, a, tensors, config, origin);
        PrintWriter out = spec.commandLine().getOut();
        out.println("run " + g.receipt().runId().hex());
        out.println(
            "  architecture "
                + a.id()
                + ", mode "
                + m
                + ", genesis model "
                + g.receipt().model().hex());
        out.println("  coordinator " + coordinator.address() + ", ledger " + main.ledgerUri());
      }
      return 0;
    }
  }
}
