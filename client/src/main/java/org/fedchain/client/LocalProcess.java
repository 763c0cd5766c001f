package org.fedchain.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code fedchain} command in a child JVM on this machine (the data-parallel demo runs the
 * coordinator and each node as separate processes). Its output is copied line by line to a shared
 * writer and kept for {@link #awaitLine}; it is killed when closed.
 */
final class LocalProcess implements AutoCloseable {
  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private Thread pump;

  private LocalProcess(Process process) {
    this.process = process;
  }

  /**
   * Starts {@code fedchain ARGS} with this JVM's Java and class path; {@code prefix} (may be empty)
   * precedes each copied line. {@code command} is an optional launcher prefix, e.g. {@code ip netns
   * exec NAME}.
   */
  static LocalProcess start(
      List<String> command,
      List<String> args,
      Map<String, String> env,
      Path log,
      PrintWriter out,
      String prefix)
      throws IOException {
    return start(command, Main.class.getName(), args, env, log, out, prefix);
  }

  /** As {@link #start(List, List, Map, Path, PrintWriter, String)} for another main class. */
  static LocalProcess start(
      List<String> command,
      String mainClass,
      List<String> args,
      Map<String, String> env,
      Path log,
      PrintWriter out,
      String prefix)
      throws IOException {
    List<String> cmd = new ArrayList<>(command);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    LocalProcess lp = new LocalProcess(p);
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  PrintWriter file =
                      log == null
                          ? null
                          : new PrintWriter(
                              java.nio.file.Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  lp.lines.add(line);
                  if (file != null) {
                    file.println(line);
                    file.flush();
                  }
                  if (out != null) {
                    synchronized (out) {
                      out.println(prefix + line);
                      out.flush();
                    }
                  }
                }
              } catch (IOException e) {
                // the process is gone; its exit code tells the rest
              }
            },
            "output of " + args);
    t.setDaemon(true);
    lp.pump = t;
    t.start();
    return lp;
  }

  /**
   * Waits for a line matching {@code regex} and returns the match; fails when the process exits
   * first or {@code seconds} pass. Lines are consumed as they are read.
   */
  java.util.regex.MatchResult awaitLine(String regex, long seconds)
      throws IOException, InterruptedException {
    Pattern p = Pattern.compile(regex);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      String line = lines.poll(200, TimeUnit.MILLISECONDS);
      if (line != null) {
        Matcher m = p.matcher(line);
        if (m.find()) {
          return m.toMatchResult();
        }
      } else if (!process.isAlive() && lines.isEmpty()) {
        throw new IOException(
            "process exited with " + process.exitValue() + " before printing /" + regex + "/");
      }
    }
    throw new IOException("no line /" + regex + "/ within " + seconds + " s");
  }

  /** Waits for the process to exit and its output to be copied; returns its exit code. */
  int waitFor() throws InterruptedException {
    int code = process.waitFor();
    pump.join(5000);
    return code;
  }

  /** Waits up to {@code timeout}; true when the process has exited (its output copied). */
  boolean waitFor(java.time.Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return false;
    }
    pump.join(5000);
    return true;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Kills the process at once (SIGKILL): no shutdown hooks, as when a machine dies. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
