package org.fedchain.client;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.CloseRun;
import org.fedchain.core.receipt.Eip712;
import org.fedchain.core.receipt.Signed;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.ChainFlow;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Task;
import org.fedchain.wallet.EthereumIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain run open|show|close}: records a run and its genesis model, signed by the
 * coordinator; shows a run's terms and state; closes it.
 */
@Command(
    name = "run",
    description = "Open, show and close runs.",
    subcommands = {
      RunCommand.Open.class,
      RunCommand.Show.class,
      RunCommand.Admit.class,
      RunCommand.Close.class,
      RunCommand.Reclaim.class
    })
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
        names = {"--model", "--arch"},
        defaultValue = "fmnist-cnn/1",
        paramLabel = "FILE|NAME",
        description = Args.MODEL_HELP)
    String arch;

    @Mixin TaskOptions task;

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
        names = "--claim-window",
        defaultValue = "7d",
        paramLabel = "DURATION",
        description =
            "How long after the close contributors may still claim before anyone may return the"
                + " unpaid budget to the coordinator ('run reclaim'); and how long after an update's"
                + " quorum the other validators may still attest before it can be claimed (a claim"
                + " waits for every validator or this window): s, m, h or d. Default:"
                + " ${DEFAULT-VALUE}.")
    String claimWindow;

    @Option(
        names = "--royalty",
        defaultValue = "0",
        paramLabel = "PERCENT",
        description =
            "Share of every claimed reward paid to the genesis model's owner (--royalty-to), in"
                + " percent with up to two decimals (2.5 is 250 basis points). Default: none.")
    String royalty;

    @Option(
        names = "--royalty-to",
        paramLabel = "WALLET|ADDRESS",
        description = "Who receives the royalty: the genesis model's owner.")
    String royaltyTo;

    @Option(
        names = "--spec-royalty",
        defaultValue = "0",
        paramLabel = "PERCENT",
        description =
            "Share of every claimed reward paid to the author who published the run's model spec"
                + " ('model publish'), in percent with up to two decimals. Default: none.")
    String specRoyalty;

    @Mixin AdmitOption admit;

    @Option(
        names = "--commit-reveal",
        negatable = true,
        description =
            "Require commit-reveal submits, so nobody who sees a pending update can record its"
                + " model first. Default: on for chained runs on Ethereum and Fabric, where others"
                + " see transactions before they are recorded; off on the embedded ledger.")
    Boolean commitReveal;

    @Override
    public Integer call() throws Exception {
      Main main = parent.main;
      Architecture a = Args.model(arch);
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
        vs.add(main.address(v));
      }
      List<Address> admitted = admit.addresses(main);
      BigInteger budgetWei = Args.vnx("--budget", budget);
      if (quorum > vs.size()) {
        throw new IllegalArgumentException(
            "--quorum " + quorum + " needs that many --validators, got " + vs.size());
      }
      if (budgetWei.signum() > 0 && quorum == 0) {
        throw new IllegalArgumentException(
            "--budget pays attested updates only: add --validators and a --quorum of at least 1");
      }
      int royaltyBps = Args.basisPoints("--royalty", royalty);
      int specBps = Args.basisPoints("--spec-royalty", specRoyalty);
      if (royaltyBps > 0 && royaltyTo == null) {
        throw new IllegalArgumentException("--royalty needs --royalty-to: who is paid it");
      }
      Address owner = royaltyTo == null ? Address.ZERO : main.address(royaltyTo);
      boolean shared = !main.ledgerUri().startsWith("embedded:");
      RunConfig config =
          new RunConfig(
                  m,
                  commitReveal != null ? commitReveal : shared && m == Mode.CHAINED,
                  vs,
                  quorum,
                  budgetWei,
                  Args.vnx("--reward-per-point", rewardPerPoint))
              .withClaimWindow(Args.seconds("--claim-window", claimWindow))
              .withRoyalty(owner, royaltyBps)
              .withSpec(specBps > 0 ? Hash32.parse(a.id()) : Hash32.ZERO, specBps)
              .admitting(admitted);
      List<Tensor> tensors;
      String origin;
      if (genesis != null) {
        tensors = Args.genesis(genesis);
        origin = "file " + genesis.getFileName();
      } else {
        Architecture.Init how = init.scheme();
        tensors = a.initialTensors(seed, how);
        origin = ChainFlow.freshOrigin(seed, how);
      }
      EthereumIdentity coordinator = main.unlock(wallet, passwords);
      Task.Terms terms = task.terms(a);
      try (Ledger ledger = main.openLedger()) {
        UpdateRecord g =
            new ChainFlow(ledger, main.store())
                .openRun(coordinator, a, tensors, config, origin, terms);
        PrintWriter out = spec.commandLine().getOut();
        out.println("run " + g.receipt().runId().hex());
        out.println("  model " + a.name() + " (spec " + a.id() + ")");
        out.println(
            "  task "
                + terms.loss().id()
                + ", judged by "
                + terms.metric().id()
                + "; mode "
                + m
                + ", genesis model "
                + g.receipt().model().hex());
        out.println("  coordinator " + coordinator.address() + ", ledger " + main.ledgerUri());
        out.println(
            "  contributors "
                + (admitted.isEmpty()
                    ? "anyone (restrict with --admit)"
                    : admitted.size() + " admitted")
                + (config.commitReveal() ? ", commit-reveal" : ""));
      }
      return 0;
    }
  }

  @Command(
      name = "show",
      description = "Print a run's terms (mode, validators, budget) and state (paid, open, heads).")
  static final class Show implements Callable<Integer> {
    @ParentCommand RunCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--run", required = true, description = "Run id.")
    String run;

    @Override
    public Integer call() throws Exception {
      Hash32 id = Args.runId(run);
      try (Ledger ledger = parent.main.readLedger()) {
        Run r = known(ledger, id);
        RunConfig c = r.config();
        PrintWriter out = spec.commandLine().getOut();
        out.println("run " + id.hex() + (r.open() ? " (open)" : " (closed)"));
        out.println("  coordinator     " + r.coordinator());
        out.println("  mode            " + c.mode() + (c.commitReveal() ? ", commit-reveal" : ""));
        out.println("  genesis model   " + r.genesisModel().hex());
        out.println(
            "  contributors    "
                + (c.admitted().isEmpty()
                    ? "anyone"
                    : String.join(", ", c.admitted().stream().map(Address::toString).toList())));
        out.println(
            "  validators      "
                + (c.validators().isEmpty()
                    ? "none"
                    : String.join(", ", c.validators().stream().map(Address::toString).toList()))
                + ", quorum "
                + c.quorum());
        out.println(
            "  rewards         "
                + BalanceCommand.vnx(c.rewardPerPoint())
                + " VNX per point; paid "
                + BalanceCommand.vnx(r.paid())
                + " of a "
                + BalanceCommand.vnx(c.budget())
                + " VNX budget");
        if (c.hasSpec()) {
          out.println(
              "  spec author     "
                  + Args.percent(c.specRoyalty())
                  + "% of each reward to "
                  + ledger.authorOf(c.spec()).map(Object::toString).orElse("nobody")
                  + " (spec "
                  + c.spec().hex()
                  + ")");
        }
        if (c.hasRoyalty()) {
          out.println(
              "  royalty         "
                  + Args.percent(c.royalty())
                  + "% of each reward to "
                  + c.royaltyTo());
        }
        out.println(
            "  claim window    "
                + c.claimWindow()
                + " s"
                + (r.open()
                    ? " after the close"
                    : ", unpaid budget returnable from "
                        + java.time.Instant.ofEpochSecond(r.closedAt() + c.claimWindow())));
        out.println("  updates         " + ledger.updates(id).size());
        for (UpdateRecord h : ledger.heads(id)) {
          out.println(
              "  head            seq "
                  + h.receipt().seq()
                  + " "
                  + h.receipt().kind()
                  + " model "
                  + h.receipt().model().hex());
        }
      }
      return 0;
    }
  }

  @Command(
      name = "admit",
      description =
          "Admit nodes to a run that admits a list of contributors, signed by its coordinator.")
  static final class Admit implements Callable<Integer> {
    @ParentCommand RunCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Option(names = "--run", required = true, description = "Run id.")
    String run;

    @Option(
        names = "--node",
        required = true,
        split = ",",
        paramLabel = "WALLET|ADDRESS",
        description = "The nodes to admit.")
    List<String> nodes;

    @Option(names = "--wallet", required = true, description = "The run's coordinator's wallet.")
    String wallet;

    @Override
    public Integer call() throws Exception {
      Hash32 id = Args.runId(run);
      List<Address> who = new ArrayList<>();
      for (String n : nodes) {
        who.add(parent.main.address(n));
      }
      try (Ledger ledger = parent.main.openLedger()) {
        known(ledger, id); // an unknown run costs no password prompt
        EthereumIdentity coordinator = parent.main.unlock(wallet, passwords);
        for (Address a : who) {
          org.fedchain.core.receipt.Admit admit = new org.fedchain.core.receipt.Admit(id, a);
          ledger.admit(
              new Signed<>(
                  admit,
                  coordinator.address(),
                  coordinator.signer().sign(Eip712.digest(ledger.domain(), admit))));
          spec.commandLine().getOut().println("admitted " + a + " to run " + id.hex());
        }
      }
      return 0;
    }
  }

  @Command(
      name = "close",
      description =
          "Close a run, signed by its coordinator: the ledger takes no more updates for it (recorded"
              + " ones stay auditable and attested ones claimable).")
  static final class Close implements Callable<Integer> {
    @ParentCommand RunCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Option(names = "--run", required = true, description = "Run id.")
    String run;

    @Option(names = "--wallet", required = true, description = "The run's coordinator's wallet.")
    String wallet;

    @Override
    public Integer call() throws Exception {
      Hash32 id = Args.runId(run);
      try (Ledger ledger = parent.main.openLedger()) {
        known(ledger, id); // an unknown run costs no password prompt
        EthereumIdentity coordinator = parent.main.unlock(wallet, passwords);
        CloseRun close = new CloseRun(id);
        ledger.closeRun(
            new Signed<>(
                close,
                coordinator.address(),
                coordinator.signer().sign(Eip712.digest(ledger.domain(), close))));
        spec.commandLine().getOut().println("closed run " + id.hex());
      }
      return 0;
    }
  }

  @Command(
      name = "reclaim",
      description =
          "Return a closed run's unpaid budget to its coordinator once its claim window has passed"
              + " (anyone may call it; the money only goes to the coordinator).")
  static final class Reclaim implements Callable<Integer> {
    @ParentCommand RunCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--run", required = true, description = "Run id.")
    String run;

    @Override
    public Integer call() throws Exception {
      Hash32 id = Args.runId(run);
      try (Ledger ledger = parent.main.openLedger()) {
        Run r = known(ledger, id);
        BigInteger amount = ledger.reclaim(id);
        spec.commandLine()
            .getOut()
            .println(
                "returned "
                    + BalanceCommand.vnx(amount)
                    + " VNX of run "
                    + id.hex()
                    + " to its coordinator "
                    + r.coordinator());
      }
      return 0;
    }
  }

  /** The run {@code id} on {@code ledger}, or an error naming it. */
  static Run known(Ledger ledger, Hash32 id) throws LedgerException {
    return ledger
        .run(id)
        .orElseThrow(() -> new LedgerException("no run " + id.hex() + " on this ledger"));
  }
}
