package org.fedchain.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedchain.core.Address;
import org.fedchain.core.DatasetCommitment;
import org.fedchain.core.Hash32;
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.node.ChainFlow;
import org.fedchain.node.DataGrants;
import org.fedchain.node.DataSpec;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Samples;
import org.fedchain.wallet.EthereumIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fedchain data commit|grant|revoke|usage|prove|verify}: a data owner lends a dataset to
 * nodes without publishing it, sees where it went and what it earned, and proves a sample was in
 * it.
 */
@Command(
    name = "data",
    description = "As a data owner: commit to a dataset, lend it to nodes, see its use and pay.",
    subcommands = {
      DataCommand.Commit.class,
      DataCommand.Grant.class,
      DataCommand.Revoke.class,
      DataCommand.Usage.class,
      DataCommand.Prove.class,
      DataCommand.Verify.class
    })
final class DataCommand {
  @ParentCommand Main main;

  /** How to read a data source: as the samples of a run's model, or of a named model. */
  static final class Shape {
    @Option(
        names = "--run",
        description = "The run the data is for (its model shapes the samples).")
    String run;

    @Option(
        names = "--model",
        description = "Or the model the data is for (a spec file or a built-in name).")
    String model;

    Samples load(Main main, String source) throws Exception {
      Architecture arch;
      if (run != null) {
        try (Ledger ledger = main.readLedger()) {
          ChainFlow flow = new ChainFlow(ledger, main.store());
          arch = flow.architecture(flow.run(Args.runId(run)));
        }
      } else if (model != null) {
        arch = Args.model(model);
      } else {
        throw new IllegalArgumentException(
            "name --run ID or --model SPEC: the model decides how the samples are read and hashed");
      }
      return DataSpec.parse(source).load(arch.inputShape());
    }
  }

  static Hash32 id(String option, String text) {
    try {
      return Hash32.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " must be 64 hex digits: " + e.getMessage());
    }
  }

  @Command(
      name = "commit",
      description = "Print a dataset's commitment (Merkle root over its samples) and sample count.")
  static final class Commit implements Callable<Integer> {
    @ParentCommand DataCommand parent;
    @Spec CommandSpec spec;
    @Mixin Shape shape;

    @Parameters(paramLabel = "DATA", description = Args.DATA_HELP)
    String source;

    @Override
    public Integer call() throws Exception {
      Samples s = shape.load(parent.main, source);
      spec.commandLine().getOut().printf("dataset %s, %d samples%n", s.commitment(), s.size());
      return 0;
    }
  }

  @Command(
      name = "grant",
      description =
          "Sign and record a grant of a dataset to a node (or any node the run admits): updates"
              + " that cite it pay you your share, pro rata to the samples they used.")
  static final class Grant implements Callable<Integer> {
    @ParentCommand DataCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;
    @Mixin Shape shape;

    @Parameters(paramLabel = "DATA", description = Args.DATA_HELP)
    String source;

    @Option(names = "--wallet", required = true, description = "Your wallet (the owner).")
    String wallet;

    @Option(
        names = "--node",
        paramLabel = "WALLET|ADDRESS",
        description = "The node you lend it to. Default: any node the run admits.")
    String node;

    @Option(
        names = "--share",
        required = true,
        paramLabel = "PERCENT",
        description =
            "Your share of the pay of an update trained on all of it, in percent (up to two"
                + " decimals), after the genesis model's royalty.")
    String share;

    @Option(
        names = "--expires",
        defaultValue = "30d",
        paramLabel = "DURATION",
        description = "How long nodes may cite it: s, m, h or d. Default: ${DEFAULT-VALUE}.")
    String expires;

    @Override
    public Integer call() throws Exception {
      Main main = parent.main;
      int bps = Args.basisPoints("--share", share);
      long until = System.currentTimeMillis() / 1000 + Args.seconds("--expires", expires);
      Address to = node == null ? Address.ZERO : main.address(node);
      Hash32 runId = shape.run == null ? Hash32.ZERO : Args.runId(shape.run);
      Samples data = shape.load(main, source);
      EthereumIdentity me = main.unlock(wallet, passwords);
      try (Ledger ledger = main.openLedger()) {
        Hash32 id = DataGrants.grant(ledger, me, data, to, runId, bps, until);
        PrintWriter out = spec.commandLine().getOut();
        out.println("grant " + id.hex());
        out.printf(
            "  dataset %s, %d samples, to %s, for %s, %s%% until %s%n",
            data.commitment(),
            data.size(),
            to.isZero() ? "any admitted node" : to,
            runId.equals(Hash32.ZERO) ? "any run" : "run " + runId,
            share,
            java.time.Instant.ofEpochSecond(until));
      }
      return 0;
    }
  }

  @Command(name = "revoke", description = "End a grant: no update can cite it from now on.")
  static final class Revoke implements Callable<Integer> {
    @ParentCommand DataCommand parent;
    @Spec CommandSpec spec;
    @Mixin Passwords passwords;

    @Option(names = "--grant", required = true, description = "Grant id.")
    String grant;

    @Option(names = "--wallet", required = true, description = "Your wallet (the owner).")
    String wallet;

    @Override
    public Integer call() throws Exception {
      Hash32 id = id("--grant", grant);
      EthereumIdentity me = parent.main.unlock(wallet, passwords);
      try (Ledger ledger = parent.main.openLedger()) {
        DataGrants.revoke(ledger, me, id);
      }
      spec.commandLine().getOut().println("revoked grant " + id.hex());
      return 0;
    }
  }

  @Command(
      name = "usage",
      description =
          "Every grant of an owner: the updates that used it, the models descended from them and"
              + " what was paid.")
  static final class Usage implements Callable<Integer> {
    @ParentCommand DataCommand parent;
    @Spec CommandSpec spec;

    @Option(
        names = "--wallet",
        required = true,
        paramLabel = "WALLET|ADDRESS",
        description = "The owner.")
    String wallet;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      Address owner = parent.main.address(wallet);
      PrintWriter out = spec.commandLine().getOut();
      try (Ledger ledger = parent.main.readLedger()) {
        List<DataGrants.Usage> all = DataGrants.usage(ledger, owner);
        if (json) {
          out.println(json(all));
          return 0;
        }
        if (all.isEmpty()) {
          out.println(owner + " has no grants");
        }
        for (DataGrants.Usage u : all) {
          var g = u.grant().grant();
          out.printf(
              "grant %s%s: dataset %s, %d samples, to %s, %s, share %s%%%n",
              u.grant().grantId().hex(),
              u.grant().revoked() ? " (revoked)" : "",
              g.dataset(),
              g.samples(),
              g.node().isZero() ? "any admitted node" : g.node(),
              g.runId().equals(Hash32.ZERO) ? "any run" : "run " + g.runId().hex(),
              Args.percent(g.share()));
          for (CitationRecord c : u.uses()) {
            UpdateRecord up = ledger.update(c.updateId()).orElseThrow();
            List<UpdateRecord> below = u.descendants().get(c.updateId());
            out.printf(
                "  used by update %s (run %s, seq %d, by %s): %d samples, paid %s VNX;"
                    + " %d later model(s) descend from it%n",
                c.updateId().hex(),
                up.receipt().runId().hex().substring(0, 16),
                up.receipt().seq(),
                up.contributor(),
                c.samples(),
                BalanceCommand.vnx(c.paid()),
                below.size());
          }
          out.printf("  paid in all: %s VNX%n", BalanceCommand.vnx(u.paid()));
        }
      }
      return 0;
    }

    private static String json(List<DataGrants.Usage> all) {
      ObjectMapper m = new ObjectMapper();
      ArrayNode a = m.createArrayNode();
      for (DataGrants.Usage u : all) {
        var g = u.grant().grant();
        ObjectNode o = a.addObject();
        o.put("grant", u.grant().grantId().hex());
        o.put("revoked", u.grant().revoked());
        o.put("dataset", g.dataset().hex());
        o.put("samples", g.samples());
        o.put("node", g.node().toString());
        o.put("run", g.runId().hex());
        o.put("shareBasisPoints", g.share());
        o.put("expiry", g.expiry());
        o.put("paidWei", u.paid().toString());
        ArrayNode uses = o.putArray("uses");
        for (CitationRecord c : u.uses()) {
          ObjectNode x = uses.addObject();
          x.put("update", c.updateId().hex());
          x.put("samples", c.samples());
          x.put("paidWei", c.paid().toString());
          ArrayNode d = x.putArray("descendants");
          u.descendants().get(c.updateId()).forEach(r -> d.add(r.updateId().hex()));
        }
      }
      return a.toPrettyString();
    }
  }

  @Command(
      name = "prove",
      description =
          "Write a Merkle proof that one sample is in a dataset's commitment, for a dispute.")
  static final class Prove implements Callable<Integer> {
    @ParentCommand DataCommand parent;
    @Spec CommandSpec spec;
    @Mixin Shape shape;

    @Parameters(paramLabel = "DATA", description = Args.DATA_HELP)
    String source;

    @Option(names = "--index", required = true, description = "The sample, 0-based.")
    int index;

    @Option(names = "--out", required = true, description = "The proof file (JSON).")
    Path outFile;

    @Override
    public Integer call() throws Exception {
      Samples s = shape.load(parent.main, source);
      if (index < 0 || index >= s.size()) {
        throw new IllegalArgumentException(
            "--index " + index + " is not a sample of " + source + " (0.." + (s.size() - 1) + ")");
      }
      List<Hash32> all = s.sampleHashes();
      Hash32 sample = all.get(index);
      ObjectMapper m = new ObjectMapper();
      ObjectNode o = m.createObjectNode();
      o.put("root", s.commitment().hex());
      o.put("sample", sample.hex());
      ArrayNode steps = o.putArray("steps");
      for (DatasetCommitment.Step st : DatasetCommitment.proof(all, sample)) {
        steps.addObject().put("sibling", st.sibling().hex()).put("left", st.siblingOnLeft());
      }
      Files.writeString(outFile, o.toPrettyString());
      spec.commandLine()
          .getOut()
          .printf(
              "sample %d (%s) is in dataset %s: proof of %d steps in %s%n",
              index, sample, s.commitment(), steps.size(), outFile);
      return 0;
    }
  }

  @Command(
      name = "verify",
      description =
          "Check a Merkle proof against a commitment (a grant's dataset or an update's data).")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PROOF", description = "A proof file written by 'data prove'.")
    Path proof;

    @Option(
        names = "--root",
        description = "The commitment to check against. Default: the one the proof names.")
    String root;

    @Override
    public Integer call() throws Exception {
      com.fasterxml.jackson.databind.JsonNode o;
      List<DatasetCommitment.Step> steps = new ArrayList<>();
      Hash32 sample;
      Hash32 named;
      try {
        o = new ObjectMapper().readTree(Files.readAllBytes(proof));
        sample = Hash32.parse(o.get("sample").asText());
        named = Hash32.parse(o.get("root").asText());
        for (var st : o.get("steps")) {
          steps.add(
              new DatasetCommitment.Step(
                  Hash32.parse(st.get("sibling").asText()), st.get("left").asBoolean()));
        }
      } catch (java.io.IOException | RuntimeException e) {
        throw new IllegalArgumentException(
            proof + " is not a proof written by 'data prove': " + e.getMessage());
      }
      Hash32 against = root == null ? named : id("--root", root);
      if (DatasetCommitment.verify(against, sample, steps)) {
        spec.commandLine().getOut().println("proof OK: sample " + sample + " is in " + against);
        return 0;
      }
      spec.commandLine()
          .getErr()
          .println(
              "fedchain: proof FAILED: sample " + sample + " is not shown to be in " + against);
      return Main.FAILED;
    }
  }
}
