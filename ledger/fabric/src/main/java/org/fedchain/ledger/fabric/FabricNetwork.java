package org.fedchain.ledger.fabric;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A local Fabric consortium (an orderer, two organisations with one peer and one chaincode process
 * each, an endorsement policy that needs both), run by the project's {@code scripts/fabric.sh} as
 * plain processes on 127.0.0.1. For tests and for people trying FedChain out; {@code fedchain node
 * fabric up} is the same thing from the command line.
 *
 * <pre>{@code
 * try (FabricNetwork net = FabricNetwork.up(FabricNetwork.settings(home, 100))) {
 *   String org1 = net.uris("fedchain").get(0);   // fabric:127.0.0.1:7151?...
 *   try (Ledger l = Ledgers.open(org1)) { ... }
 * }
 * }</pre>
 */
public final class FabricNetwork implements AutoCloseable {
  private final Path script;
  private final Map<String, String> env;

  private FabricNetwork(Path script, Map<String, String> env) {
    this.script = script;
    this.env = Map.copyOf(env);
  }

  /**
   * {@code scripts/fabric.sh} of the FedChain checkout: the {@code fedchain.root} system property
   * (the {@code fedchain} launcher and the build set it), else {@code $FEDCHAIN_ROOT}.
   */
  public static Path script() throws IOException {
    String root = System.getProperty("fedchain.root");
    if (root == null || root.isBlank()) {
      root = System.getenv("FEDCHAIN_ROOT");
    }
    if (root == null || root.isBlank()) {
      throw new IOException(
          "cannot find scripts/fabric.sh: run through the fedchain launcher, or set FEDCHAIN_ROOT"
              + " to the FedChain checkout");
    }
    Path s = Path.of(root, "scripts", "fabric.sh");
    if (!Files.isExecutable(s)) {
      throw new IOException(s + " is missing or not executable");
    }
    return s;
  }

  /**
   * Environment for a network of its own: its run folder and a port offset (0 for the standard
   * ports 7051, 8051, ...), so a test network never touches one a person started.
   */
  public static Map<String, String> settings(Path home, int portOffset) {
    Map<String, String> e = new HashMap<>();
    e.put("FEDCHAIN_FABRIC_HOME", home.toString());
    e.put("FEDCHAIN_FABRIC_PORT_OFFSET", Integer.toString(portOffset));
    String cache = System.getProperty("fedchain.cache");
    if (cache != null && !cache.isBlank() && System.getenv("FEDCHAIN_CACHE") == null) {
      e.put("FEDCHAIN_CACHE", cache);
    }
    return e;
  }

  /**
   * A new network for a test: stops whatever a crashed earlier run left in {@code
   * <tmp>/fedchain-fabric-<portOffset>}, deletes it, and starts afresh there.
   */
  public static FabricNetwork fresh(int portOffset) throws IOException {
    Path home = Path.of(System.getProperty("java.io.tmpdir"), "fedchain-fabric-" + portOffset);
    Map<String, String> settings = settings(home, portOffset);
    new FabricNetwork(script(), settings).close();
    return up(settings);
  }

  /** The channel's genesis block file, which every peer joined with and the chaincode is given. */
  public Path genesisBlock() {
    String home = env.get("FEDCHAIN_FABRIC_HOME");
    if (home == null) { // the script's default
      String cache = env.getOrDefault("FEDCHAIN_CACHE", System.getenv("FEDCHAIN_CACHE"));
      return (cache != null
              ? Path.of(cache)
              : Path.of(System.getProperty("user.home"), ".cache", "fedchain"))
          .resolve("fabric-net")
          .resolve("channel.block");
    }
    return Path.of(home, "channel.block");
  }

  /** The network with these settings, whether or not it runs (see {@link #uris}). */
  public static FabricNetwork attach(Map<String, String> settings) throws IOException {
    return new FabricNetwork(script(), settings);
  }

  /**
   * Runs a {@code scripts/fabric.sh} command ({@code install}, {@code up}, {@code status}, {@code
   * down}, ...) with these settings, its output and progress going line by line to {@code out}.
   *
   * @return the script's exit code
   */
  public static int run(Map<String, String> settings, PrintWriter out, String... args)
      throws IOException {
    Process p = command(script(), settings, args).redirectErrorStream(true).start();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        out.println(line);
        out.flush();
      }
      return p.waitFor();
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running scripts/fabric.sh", e);
    }
  }

  /**
   * Starts the network with these settings (installing nothing: {@code scripts/fabric.sh install}
   * must have run) and waits until the chaincode answers.
   */
  public static FabricNetwork up(Map<String, String> settings) throws IOException {
    FabricNetwork n = new FabricNetwork(script(), settings);
    try {
      n.call("up");
    } catch (IOException e) {
      n.close();
      throw e;
    }
    return n;
  }

  /**
   * The {@code fabric:} ledger URI of each organisation's admin (Org1 first) for a chaincode
   * definition name ({@code fedchain} is the one {@link #up} deploys).
   */
  public List<String> uris(String chaincode) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : call("uris", chaincode).split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0 && line.startsWith("org")) {
        out.add(line.substring(sp + 1).strip());
      }
    }
    if (out.size() != 2) {
      throw new IOException("scripts/fabric.sh uris printed no URI per organisation");
    }
    return out;
  }

  /**
   * New chaincode definitions on the running code, endorsed by both organisations: each name is a
   * fresh, empty ledger on the same channel.
   */
  public void define(List<String> names) throws IOException {
    List<String> args = new ArrayList<>(List.of("define"));
    args.addAll(names);
    call(args.toArray(String[]::new));
  }

  /**
   * The peer CLI environment of an organisation's admin (1 or 2), for checks with Fabric's own
   * tools: {@code FABRIC_BIN} is the folder of the {@code peer} binary.
   */
  public Map<String, String> peerEnv(int org) throws IOException {
    Map<String, String> out = new HashMap<>(env);
    for (String line : call("env", Integer.toString(org)).split("\n")) {
      if (line.startsWith("export ") && !line.startsWith("export PATH=")) {
        int eq = line.indexOf('=');
        String v = line.substring(eq + 1);
        if (v.startsWith("'") && v.endsWith("'")) {
          v = v.substring(1, v.length() - 1);
        }
        out.put(line.substring("export ".length(), eq), v);
      }
    }
    return out;
  }

  /** Runs one script command; returns its standard output, or fails with its log's tail. */
  private String call(String... args) throws IOException {
    ProcessBuilder pb = command(script, env, args);
    Path err = Files.createTempFile("fabric-", ".log");
    pb.redirectError(err.toFile());
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      if (code != 0) {
        throw new IOException(
            "scripts/fabric.sh "
                + String.join(" ", args)
                + " failed (exit "
                + code
                + "): "
                + Files.readString(err, StandardCharsets.UTF_8).strip());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running scripts/fabric.sh", e);
    } finally {
      Files.deleteIfExists(err);
    }
  }

  /** {@code scripts/fabric.sh ARGS} with these settings in its environment. */
  private static ProcessBuilder command(Path script, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of(script.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    return pb;
  }

  /** Stops every process of this network and deletes its run folder. */
  @Override
  public void close() throws IOException {
    call("down");
  }
}
