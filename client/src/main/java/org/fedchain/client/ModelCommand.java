package org.fedchain.client;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.fedchain.core.Hash32;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Model specs: what a network is, before anyone trains it. */
@Command(
    name = "model",
    description = "Model specs (networks as data).",
    subcommands = {ModelCommand.Show.class, ModelCommand.Publish.class, ModelCommand.Author.class})
final class ModelCommand {
  @ParentCommand Main main;

  @Command(
      name = "show",
      description =
          "Print a model spec's layers with their output shapes, its parameters, their count, its"
              + " hash (what runs record) and the equivalent PyTorch module.")
  static final class Show implements Callable<Integer> {
    @ParentCommand ModelCommand parent;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(
        paramLabel = "FILE|NAME|HASH",
        description = "A spec file, a built-in name, or the hash of a spec in this home's store.")
    String model;

    @Override
    public Integer call() throws Exception {
      Architecture a;
      if (model.length() == 64 && model.matches("[0-9a-fA-F]+")) {
        var store = parent.main.store();
        a = Architectures.resolve(model, h -> find(store, h));
      } else {
        a = Args.model(model);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(a.name() + (a.description().isEmpty() ? "" : ": " + a.description()));
      out.println("  spec hash   " + a.id());
      out.println("  input       " + Arrays.toString(a.inputShape()) + " per sample");
      out.println("  output      " + Arrays.toString(a.outputShape()) + " per sample");
      out.println("  layers (as torch.nn; LSTM/GRU give their output sequence or last step):");
      for (String line : a.layerSummary()) {
        out.println("    " + line);
      }
      out.printf("  parameters  %,d in %d tensors%n", a.parameterCount(), a.tensors().size());
      for (Architecture.TensorSpec t : a.tensors()) {
        out.printf("    %-28s %s %s%n", t.name(), t.dtype(), Arrays.toString(t.shape()));
      }
      return 0;
    }

    static java.util.Optional<byte[]> find(org.fedchain.core.store.BlobStore s, Hash32 h) {
      try {
        return s.find(h);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Command(
      name = "publish",
      description =
          "Record yourself as a model spec's author (its hash; commit, then reveal): runs that name"
              + " it in their terms ('run open --spec-royalty') pay you a royalty. The first author"
              + " of a spec keeps it.")
  static final class Publish implements Callable<Integer> {
    @ParentCommand ModelCommand parent;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @picocli.CommandLine.Mixin Passwords passwords;

    @Parameters(paramLabel = "FILE|NAME", description = "A spec file or a built-in name.")
    String model;

    @picocli.CommandLine.Option(
        names = "--wallet",
        required = true,
        description = "Your wallet (the author).")
    String wallet;

    @Override
    public Integer call() throws Exception {
      Architecture a = Args.model(model);
      var me = parent.main.unlock(wallet, passwords);
      try (org.fedchain.ledger.Ledger ledger = parent.main.openLedger()) {
        var author = org.fedchain.node.Authors.publish(ledger, me, Hash32.parse(a.id()));
        PrintWriter out = spec.commandLine().getOut();
        if (author.equals(me.address())) {
          out.println("published spec " + a.id() + " (" + a.name() + ") by " + author);
          return 0;
        }
        spec.commandLine()
            .getErr()
            .println("fedchain: spec " + a.id() + " was published first by " + author);
        return Main.FAILED;
      }
    }
  }

  @Command(name = "author", description = "Who published a model spec first, if anyone did.")
  static final class Author implements Callable<Integer> {
    @ParentCommand ModelCommand parent;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(
        paramLabel = "FILE|NAME|HASH",
        description = "A spec file, a built-in name or a hash.")
    String model;

    @Override
    public Integer call() throws Exception {
      Hash32 h =
          model.length() == 64 && model.matches("[0-9a-fA-F]+")
              ? Hash32.parse(model)
              : Hash32.parse(Args.model(model).id());
      try (org.fedchain.ledger.Ledger ledger = parent.main.readLedger()) {
        spec.commandLine()
            .getOut()
            .println(
                "spec "
                    + h.hex()
                    + ": "
                    + ledger.authorOf(h).map(a -> "published by " + a).orElse("not published"));
      }
      return 0;
    }
  }
}
