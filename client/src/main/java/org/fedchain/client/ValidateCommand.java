package org.fedchain.client;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Run;
import org.fedchain.node.ChainFlow;
import org.fedchain.node.Peers;
import org.fedchain.node.Shapley;
import org.fedchain.node.Validator;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Samples;
import org.fedchain.wallet.EthereumIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain validate --run ID --wallet V --eval DATA [--follow]}: a validator service.
 * Commits to its held-out set on the ledger, then scores every update of the run it has not scored
 * yet and records each score as an attestation; with {@code --follow}, keeps doing so until the run
 * closes.
 */
@Command(
    name = "validate",
    description =
        "As a validator of a run: commit to your held-out set, then score and attest each new update"
            + " (chained updates one by one, data-parallel rounds by Shapley value).")
final class ValidateCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;
  @Mixin Passwords passwords;
  @Mixin PeerOptions peerOptions;

  @Option(names = "--run", required = true, description = "Run id.")
  String run;

  @Option(names = "--wallet", required = true, description = "Your validator wallet.")
  String wallet;

  @Option(
      names = "--eval",
      paramLabel = "DATA",
      description =
          "Data whose test part is your held-out set (a folder's test/, a CSV's test=F, an npz's"
              + " x_test; default: fashion-mnist for the Fashion-MNIST models); only its"
              + " commitment is published.")
  String eval;

  @Option(
      names = "--eval-samples",
      defaultValue = "2000",
      description = "Held-out samples to use, from the start. Default: ${DEFAULT-VALUE}.")
  int evalSamples;

  @Option(
      names = "--pay",
      defaultValue = "shapley",
      description =
          "What a score is made of: shapley (data-parallel rounds: Shapley value; chained: as"
              + " samples), samples (a point per 10 samples behind quality gates) or gain (the"
              + " metric's gain over the parent). Default: ${DEFAULT-VALUE}.")
  String pay;

  @Option(
      names = "--permutations",
      defaultValue = "8",
      description =
          "Shapley, rounds of more than 10 updates: sampled permutations per update (truncated"
              + " Monte Carlo, GTG-Shapley). Default: ${DEFAULT-VALUE}.")
  int permutations;

  @Option(names = "--follow", description = "Keep scoring new updates until the run is closed.")
  boolean follow;

  @Option(
      names = "--interval",
      defaultValue = "2s",
      description = "With --follow, how often to look for new updates. Default: ${DEFAULT-VALUE}.")
  String interval;

  @Override
  public Integer call() throws Exception {
    Hash32 runId = Args.runId(run);
    Validator.Pay rule =
        switch (pay) {
          case "shapley" -> Validator.Pay.SHAPLEY;
          case "samples" -> Validator.Pay.SAMPLES;
          case "gain" -> Validator.Pay.GAIN;
          default ->
              throw new IllegalArgumentException(
                  "--pay must be shapley, samples or gain, got '" + pay + "'");
        };
    if (permutations < 1) {
      throw new IllegalArgumentException("--permutations must be 1 or more, got " + permutations);
    }
    long every = Args.seconds("--interval", interval);
    if (evalSamples < 1) {
      throw new IllegalArgumentException("--eval-samples must be 1 or more, got " + evalSamples);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (Ledger ledger = main.openLedger();
        Peers peers = Peers.open(peerOptions.settings(), main.store())) {
      ChainFlow flow = new ChainFlow(ledger, main.store());
      Run r = flow.run(runId);
      if (r.config().validators().isEmpty()) {
        throw new IllegalArgumentException(
            "run " + runId + " has no validators: nothing to attest");
      }
      Architecture arch = flow.architecture(r, peers::ensure);
      Samples all =
          TestData.of(eval, arch)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          arch.name() + " is not a Fashion-MNIST model: name --eval DATA"));
      Samples heldOut = all.slice(0, Math.min(evalSamples, all.size()));
      EthereumIdentity me = main.unlock(wallet, passwords);
      if (!r.config().validators().contains(me.address())) {
        throw new IllegalArgumentException(
            me.address()
                + " is not a validator of run "
                + runId
                + "; its validators are "
                + r.config().validators());
      }
      Validator v =
          new Validator(ledger, main.store(), me, heldOut, rule)
              .shapley(new Shapley.Options(10, permutations, 0.01, 1));
      v.commitEvalSet();
      out.printf(
          "validating run %s as %s on %d held-out samples (eval set %s), scoring by %s%n",
          runId.hex(), me.address(), heldOut.size(), heldOut.commitment().hex(), pay);
      out.flush();
      while (true) {
        boolean open = ledger.run(runId).orElseThrow().open();
        fetch(ledger, runId, peers);
        List<Validator.Score> done = v.validate(runId);
        for (Validator.Score s : done) {
          out.printf(
              "attested seq %-3d %-7s %s score %6d (%s %.4f)%n",
              s.update().receipt().seq(),
              s.update().receipt().kind(),
              s.update().contributor(),
              s.score(),
              rule == Validator.Pay.SHAPLEY
                      && s.update().receipt().kind() == org.fedchain.core.receipt.UpdateKind.LOCAL
                  ? "Shapley value"
                  : "held-out",
              s.gain());
        }
        out.flush();
        if (!follow || !open) {
          break;
        }
        Thread.sleep(every * 1000);
      }
      out.println("validated run " + runId.hex());
      return 0;
    }
  }

  /** Brings the run's models and manifests from peers, where any are named. */
  private static void fetch(Ledger ledger, Hash32 runId, Peers peers) throws Exception {
    if (!peers.any()) {
      return;
    }
    for (var u : ledger.updates(runId)) {
      try {
        peers.ensure(u.receipt().manifest());
        peers.ensure(u.receipt().model());
      } catch (org.fedchain.comms.FetchException e) {
        // not served yet: the validator scores it on a later pass
      }
    }
  }
}
