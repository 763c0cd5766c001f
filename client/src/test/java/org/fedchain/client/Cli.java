package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Runs the fedchain command line in-process, as a user would, and captures what it prints. */
final class Cli {
  /** Exit code and what went to standard output and standard error. */
  record Result(int exit, String out, String err) {}

  private Cli() {}

  static Result run(Map<String, String> env, List<String> prefix, String... args) {
    CommandLine cl = Main.commandLine(env);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(prefix);
    all.addAll(List.of(args));
    return new Result(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
  }

  /** Like {@link #run} but fails the test, showing both outputs, unless the exit code is 0. */
  static Result ok(Map<String, String> env, List<String> prefix, String... args) {
    Result r = run(env, prefix, args);
    assertThat(r.exit()).as("%s\n%s", r.out(), r.err()).isZero();
    return r;
  }
}
