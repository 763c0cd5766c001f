package org.fedchain.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.Ledger;
import org.fedchain.node.ChainFlow;
import org.fedchain.node.DataGrants;
import org.fedchain.node.DataSpec;
import org.fedchain.node.Peers;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.verifier.VerificationException;
import org.fedchain.wallet.EthereumIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain chain continue}: verify the run's head, train on it, sign and record the result.
 */
@Command(
    name = "chain",
    description = "Chained training.",
    subcommands = {ChainCommand.Continue.class, ChainCommand.Cite.class})
final class ChainCommand {
  @ParentCommand Main main;

  /** Training options shared by the commands that train. */
  static final class TrainingOptions {
    @Option(
        names = "--epochs",
        defaultValue = "1",
        description = "Local epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(
        names = "--lr",
        defaultValue = "0.05",
        description = "Learning rate (SGD). Default: ${DEFAULT-VALUE}.")
    float lr;

    @Option(
        names = "--momentum",
        defaultValue = "0.9",
        description = "SGD momentum, in [0, 1). Default: ${DEFAULT-VALUE}.")
    float momentum;

    @Option(
        names = "--weight-decay",
        defaultValue = "0",
        paramLabel = "DECAY",
        description =
            "L2 penalty: DECAY * weight is added to every gradient (PyTorch's weight_decay; 0:"
                + " none). Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(
        names = "--balanced-softmax",
        arity = "0..1",
        fallbackValue = "1",
        defaultValue = "0",
        paramLabel = "TAU",
        description =
            "Train with the balanced softmax loss: each logit offset by TAU times the log of its"
                + " class's share of the node's samples, so a shard skewed to a few classes does"
                + " not teach the model its class frequencies (helps FedAvg on non-IID shards)."
                + " TAU in [0, 1]; 1 without a value, 0 (the plain loss) without the option.")
    float balancedSoftmax;

    @Option(
        names = "--local-schedule",
        defaultValue = "cosine",
        paramLabel = "cosine|constant",
        description =
            "The rate over the steps of one local training: cosine decays it to zero by the last"
                + " step. Default: ${DEFAULT-VALUE}.")
    String localSchedule;

    @Option(
        names = "--validation",
        defaultValue = "0.1",
        paramLabel = "FRACTION",
        description =
            "Fraction of each shard held out to report validation accuracy (0: train on all of"
                + " it). Default: ${DEFAULT-VALUE}.")
    double validation;

    @Option(
        names = "--seed",
        defaultValue = "1",
        description = "Training seed (shuffling, validation split). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
        names = "--threads",
        defaultValue = "1",
        description =
            "Intra-op threads; results are reproducible for the same count. Default: ${DEFAULT-VALUE}.")
    int threads;

    TrainingConfig config() {
      return TrainingConfig.builder()
          .epochs(epochs)
          .batchSize(batchSize)
          .learningRate(lr)
          .momentum(momentum)
          .weightDecay(weightDecay)
          .balancedSoftmax(balancedSoftmax)
          .schedule(TrainingConfig.Schedule.parse(localSchedule))
          .validationFraction(validation)
          .seed(seed)
          .threads(threads)
          .build();
    }
  }

  @Command(
      name = "continue",
      description =
          "Fetch the run's head, verify its whole lineage, train on your shard, sign and record the new model.")
  static final class Continue implements Callable<Integer> {
    @ParentCommand ChainCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;
    @Mixin TrainingOptions training;
    @Mixin PeerOptions peerOptions;

    @Option(names = "--run", required = true, description = "Run id.")
    String run;

    @Option(names = "--data", required = true, paramLabel = "DATA", description = Args.DATA_HELP)
    String data;

    @Option(names = "--wallet", required = true, description = "Your wallet (signs the update).")
    String wallet;

    @Option(
        names = "--grant",
        paramLabel = "ID",
        description =
            "The data owner's grant that lends you --data: checked against the data before"
                + " training and cited by the update, so its owner is paid its share.")
    String grant;

    @Override
    public Integer call() throws Exception {
      Main main = parent.main;
      Hash32 runId = Args.runId(run);
      Hash32 grantId = grant == null ? null : DataCommand.id("--grant", grant);
      DataSpec spec0 = DataSpec.parse(data);
      TrainingConfig config = training.config();
      PrintWriter out = spec.commandLine().getOut();
      try (Ledger ledger = main.openLedger()) {
        var store = main.store();
        ChainFlow flow = new ChainFlow(ledger, store);
        ChainFlow.Hop hop;
        try (Peers peers = Peers.open(peerOptions.settings(), store)) {
          // the run's spec says what shape the samples take; a bad file costs no password prompt
          var arch = flow.architecture(flow.run(runId), peers::ensure);
          Samples shard = spec0.load(arch.inputShape());
          EthereumIdentity me = main.unlock(wallet, passwords);
          if (grantId != null) {
            DataGrants.check(ledger, grantId, shard, me.address(), runId);
          }
          hop =
              flow.continueChain(
                  runId,
                  me,
                  shard,
                  config,
                  new Progress(out, "training " + spec0),
                  peers::ensure,
                  grantId == null
                      ? java.util.Map.of()
                      : java.util.Map.of(grantId, (long) shard.size()));
          if (grantId != null) {
            out.println("cited grant " + grantId.hex() + " for " + shard.size() + " samples");
          }
        } catch (VerificationException e) {
          spec.commandLine().getErr().println("fedchain: " + e.getMessage());
          spec.commandLine()
              .getErr()
              .println("fedchain: not training on an unverified model; nothing was recorded");
          return Main.FAILED;
        }
        for (String why : hop.skipped()) {
          out.println("passed over " + why);
        }
        var u = hop.update();
        out.printf("continued from seq %d %s%n", hop.from().receipt().seq(), hop.from().updateId());
        out.printf("recorded seq %d by %s%n", u.receipt().seq(), u.contributor());
        out.printf("  model   %s%n  update  %s%n", u.receipt().model().hex(), u.updateId());
        var val = hop.training().validation();
        out.printf(
            "  %s%d samples, %.1f s%n",
            val == null ? "" : String.format("val %s %.4f, ", val.metric().id(), val.value()),
            hop.training().trainSamples(),
            hop.training().seconds());
      }
      return 0;
    }
  }

  @Command(
      name = "cite",
      description =
          "Cite a data owner's grant for an update you recorded ('continue --grant' does this"
              + " itself): the update's claim then pays the owner its share.")
  static final class Cite implements Callable<Integer> {
    @ParentCommand ChainCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Option(names = "--update", required = true, description = "Your update's id.")
    String update;

    @Option(names = "--grant", required = true, description = "The grant's id.")
    String grant;

    @Option(names = "--samples", required = true, description = "Samples of it the update used.")
    long samples;

    @Option(names = "--wallet", required = true, description = "Your wallet (the contributor).")
    String wallet;

    @Override
    public Integer call() throws Exception {
      Hash32 u = RewardsCommand.updateId(update);
      Hash32 g = DataCommand.id("--grant", grant);
      if (samples < 1) {
        throw new IllegalArgumentException("--samples must be 1 or more, got " + samples);
      }
      EthereumIdentity me = parent.main.unlock(wallet, passwords);
      try (Ledger ledger = parent.main.openLedger()) {
        var rec =
            ledger
                .update(u)
                .orElseThrow(() -> new IllegalArgumentException("no update " + u + " on ledger"));
        DataGrants.cite(ledger, me, rec, java.util.Map.of(g, samples));
      }
      spec.commandLine()
          .getOut()
          .println("cited grant " + g.hex() + " for " + samples + " samples of update " + u);
      return 0;
    }
  }
}
