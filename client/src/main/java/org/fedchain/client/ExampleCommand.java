package org.fedchain.client;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fedchain.examples.Example;
import org.fedchain.examples.Examples;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** The applications FedChain ships (examples/NAME): list them, run one. */
@Command(
    name = "example",
    description = "The applications FedChain ships as examples.",
    subcommands = {ExampleCommand.ListExamples.class, ExampleCommand.Run.class})
final class ExampleCommand {
  @ParentCommand Main main;

  @Command(name = "list", description = "The examples, with what each does.")
  static final class ListExamples implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      for (Example e : Examples.all()) {
        out.printf("%-12s %s%n", e.name(), e.description());
      }
      return 0;
    }
  }

  @Command(
      name = "run",
      description =
          "Run an example end to end on the embedded ledger, installing its data first if needed"
              + " (scripts/setup.sh example NAME): train, record, validate, pay, audit, and print"
              + " its figures next to their baselines.")
  static final class Run implements Callable<Integer> {
    @ParentCommand ExampleCommand parent;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "An example of 'fedchain example list'.")
    String name;

    @Option(names = "--quick", description = "A small slice of the data, in under a minute.")
    boolean quick;

    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description =
            "Where its ledger, store and wallets go (default: a new folder under"
                + " $FEDCHAIN_HOME/examples/).")
    Path dir;

    @Override
    public Integer call() throws Exception {
      Example e = Examples.get(name);
      Main main = parent.main;
      Map<String, String> env = main.env;
      Path cache =
          Path.of(
              env.getOrDefault(
                  "FEDCHAIN_CACHE", System.getProperty("user.home") + "/.cache/fedchain"));
      PrintWriter out = spec.commandLine().getOut();
      if (!e.installed(cache)) {
        install(e, cache, out);
      }
      Path work =
          dir != null
              ? dir
              : main.home().resolve("examples").resolve(name + "-" + System.currentTimeMillis());
      if (Files.exists(work) && Files.list(work).findAny().isPresent()) {
        throw new IllegalArgumentException("--dir " + work + " is not empty");
      }
      long t0 = System.nanoTime();
      boolean ok = e.run(new Example.Context(cache, work, out, quick));
      out.printf("%s took %.0f s; files in %s%n", name, (System.nanoTime() - t0) / 1e9, work);
      return ok ? 0 : Main.FAILED;
    }

    /** Runs {@code scripts/setup.sh example NAME} of the checkout this CLI runs from. */
    private static void install(Example e, Path cache, PrintWriter out) throws Exception {
      String root = System.getProperty("fedchain.root");
      Path script = root == null ? null : Path.of(root, "scripts", "setup.sh");
      if (script == null || !Files.isRegularFile(script)) {
        throw new IllegalStateException(
            "the data of example "
                + e.name()
                + " is not installed in "
                + cache
                + ": run scripts/setup.sh example "
                + e.name()
                + " from a FedChain checkout");
      }
      out.println("installing the data of " + e.name() + " (once)");
      out.flush();
      ProcessBuilder pb =
          new ProcessBuilder(List.of("bash", script.toString(), "example", e.name())).inheritIO();
      pb.environment().put("FEDCHAIN_CACHE", cache.toString());
      int code = pb.start().waitFor();
      if (code != 0 || !e.installed(cache)) {
        throw new IllegalStateException(
            "scripts/setup.sh example " + e.name() + " failed (exit " + code + ")");
      }
    }
  }
}
