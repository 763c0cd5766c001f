package org.fedchain.ledger.ethereum;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A local anvil node (Foundry's development chain), started from the binary that scripts/setup.sh
 * installs under {@code $FEDCHAIN_CACHE/foundry/bin}. For tests and for people trying FedChain out;
 * its first default account's key is public knowledge.
 *
 * <pre>{@code
 * try (Anvil anvil = Anvil.start(0)) {
 *   String url = anvil.rpcUrl();
 * }
 * }</pre>
 */
public final class Anvil implements AutoCloseable {
  /** Anvil's first default account (mnemonic "test test ... junk"): funded, and public. */
  public static final String DEV_KEY =
      "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

  private final Process process;
  private final int port;

  private Anvil(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * The anvil binary: {@code $FEDCHAIN_CACHE/foundry/bin/anvil} (default cache ~/.cache/fedchain).
   */
  public static Path binary() {
    String cache = System.getenv("FEDCHAIN_CACHE");
    if (cache == null || cache.isBlank()) {
      cache =
          System.getProperty(
              "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain");
    }
    return Path.of(cache, "foundry", "bin", "anvil");
  }

  /** Starts anvil on 127.0.0.1 ({@code port} 0 picks a free one) and waits until it answers. */
  public static Anvil start(int port) throws IOException {
    Path bin = binary();
    if (!Files.isExecutable(bin)) {
      throw new IOException("anvil is not installed at " + bin + ": run scripts/setup.sh test");
    }
    int p = port == 0 ? freePort() : port;
    Process proc =
        new ProcessBuilder(
                List.of(
                    bin.toString(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    Integer.toString(p),
                    "--silent"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    Anvil a = new Anvil(proc, p);
    try {
      a.awaitReady(Duration.ofSeconds(30));
    } catch (IOException e) {
      a.close();
      throw e;
    }
    return a;
  }

  public String rpcUrl() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Blocks until the node is stopped (for {@code fedchain node anvil}). */
  public int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  private void awaitReady(Duration timeout) throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(rpcUrl()))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "anvil exited with code " + process.exitValue() + " (port " + port + " in use?)");
      }
      try {
        if (http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for anvil", e);
      }
      try {
        Thread.sleep(20); // polling the RPC port; the condition is checked above
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for anvil", e);
      }
    }
    throw new IOException(
        "anvil did not answer on " + rpcUrl() + " within " + timeout.toSeconds() + " s", last);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
