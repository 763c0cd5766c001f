package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.Certificates;
import org.fedchain.comms.PemFiles;
import org.fedchain.wallet.Keystore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator and two nodes as separate hosts: each in its own network namespace with its own
 * address on a private bridge (made here with ip netns and veth pairs, removed afterwards), talking
 * gRPC with mutual TLS over real addresses. Needs root (CI runs as root).
 */
class NetnsFedAvgIT {
  static final String SUBNET = "10.231.7.";
  // short, unique names: interface names have at most 15 characters
  final String tag = Long.toString(ProcessHandle.current().pid() % 100000, 36);
  final String sw = "fcsw" + tag;
  final List<String> namespaces = new ArrayList<>();

  @TempDir Path dir;
  final StringWriter output = new StringWriter();
  final PrintWriter out = new PrintWriter(output, true);

  @Test
  void coordinator_and_nodes_in_separate_namespaces_train_over_mutual_tls() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name"))
            && (Files.isExecutable(Path.of("/usr/sbin/ip"))
                || Files.isExecutable(Path.of("/sbin/ip"))),
        "needs root and iproute2 (CI runs as root)");
    String coordinatorNs = host("c", 1);
    String node1Ns = host("a", 2);
    String node2Ns = host("b", 3);

    Path certs = dir.resolve("certs");
    PemFiles ca = Certificates.createAuthority(certs, "ca");
    PemFiles coordinatorCert =
        Certificates.createNode(certs, "coordinator", ca, List.of(SUBNET + "1"));
    Keystore.at(dir.resolve("coordinator/keystore"))
        .create("coordinator", "it".toCharArray(), Keystore.Kdf.LIGHT);
    Map<String, String> env = Map.of("FEDCHAIN_PASSWORD", "it");
    LocalProcess coordinator =
        LocalProcess.start(
            List.of("ip", "netns", "exec", coordinatorNs),
            List.of(
                "--home=" + dir.resolve("coordinator"),
                "--ledger=embedded:" + dir.resolve("ledger.db"),
                "coordinator",
                "serve",
                "--wallet=coordinator",
                "--port=7800",
                "--tls-cert=" + coordinatorCert.certificate(),
                "--tls-key=" + coordinatorCert.privateKey(),
                "--client-ca=" + ca.certificate(),
                "--nodes=2",
                "--rounds=2",
                "--arch=mlp",
                "--no-eval"),
            env,
            null,
            out,
            "");
    List<LocalProcess> nodes = new ArrayList<>();
    try {
      coordinator.awaitLine("on port 7800 \\(mutual TLS\\)", 120);
      String[] spaces = {node1Ns, node2Ns};
      for (int i = 1; i <= 2; i++) {
        String name = "node" + i;
        String ip = SUBNET + (i + 1);
        PemFiles cert = Certificates.createNode(certs, name, ca, List.of(ip));
        Keystore.at(dir.resolve(name + "/keystore"))
            .create(name, "it".toCharArray(), Keystore.Kdf.LIGHT);
        nodes.add(
            LocalProcess.start(
                List.of("ip", "netns", "exec", spaces[i - 1]),
                List.of(
                    "--home=" + dir.resolve(name),
                    "node",
                    "serve",
                    "--port=7700",
                    "--tls-cert=" + cert.certificate(),
                    "--tls-key=" + cert.privateKey(),
                    "--client-ca=" + ca.certificate(),
                    "--tls-ca=" + ca.certificate(),
                    "--coordinator=" + SUBNET + "1:7800",
                    "--advertise=" + ip + ":7700",
                    "--wallet=" + name,
                    "--data=fashion-mnist:" + i + "/6"),
                env,
                null,
                out,
                "  "));
      }
      assertThat(coordinator.waitFor()).as(output.toString()).isZero();
      for (LocalProcess n : nodes) {
        assertThat(n.waitFor()).as(output.toString()).isZero();
      }
    } finally {
      for (LocalProcess n : nodes) {
        n.close();
      }
      coordinator.close();
    }
    String log = output.toString();
    assertThat(log)
        .contains("(store " + SUBNET + "2:7700)", "(store " + SUBNET + "3:7700)")
        .contains("round 2: aggregated 2 update(s)");
    // genesis, then 2 rounds of 2 LOCAL + 1 AGGREGATE
    assertThat(FedAvgProcessesIT.auditedKinds(log, dir))
        .containsExactly(entry("AGGREGATE", 2), entry("GENESIS", 1), entry("LOCAL", 4));
  }

  /** A namespace with address SUBNET.n on the test's bridge; returns its name. */
  String host(String name, int n) throws Exception {
    if (namespaces.isEmpty()) {
      namespaces.add(sw);
      must("ip", "netns", "add", sw);
      must("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
      must("ip", "-n", sw, "link", "set", "br0", "up");
    }
    String ns = "fc" + name + tag;
    namespaces.add(ns);
    must("ip", "netns", "add", ns);
    must("ip", "-n", ns, "link", "set", "lo", "up");
    // veth pair: eth0 inside the host, its peer on the bridge
    must("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "p" + name + tag);
    must("ip", "-n", ns, "link", "set", "p" + name + tag, "netns", sw);
    must("ip", "-n", sw, "link", "set", "p" + name + tag, "master", "br0", "up");
    must("ip", "-n", ns, "addr", "add", SUBNET + n + "/24", "dev", "eth0");
    must("ip", "-n", ns, "link", "set", "eth0", "up");
    return ns;
  }

  @AfterEach
  void removeNamespaces() throws Exception {
    for (String ns : namespaces) {
      run("ip", "netns", "del", ns);
    }
  }

  static void must(String... cmd) throws Exception {
    int code = run(cmd);
    if (code != 0) {
      throw new IOException(String.join(" ", cmd) + " exited with " + code);
    }
  }

  static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " did not finish");
    }
    if (p.exitValue() != 0) {
      System.err.println(String.join(" ", cmd) + ": " + text);
    }
    return p.exitValue();
  }
}
