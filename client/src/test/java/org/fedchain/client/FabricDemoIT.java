package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedchain.ledger.fabric.FabricNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demos through the command line on a real two-organisation Fabric network that {@code
 * scripts/fabric.sh} starts: the chained demo (audit, rewards, and Fabric's own {@code peer} CLI
 * reading the same balance through the other organisation's peer) and two FedAvg rounds with a
 * coordinator and node processes.
 */
class FabricDemoIT {
  static FabricNetwork net;
  static List<String> uris;
  @TempDir Path home;

  @BeforeAll
  static void up() throws Exception {
    net = FabricNetwork.fresh(200);
    uris = net.uris("fedchain");
  }

  @AfterAll
  static void down() throws Exception {
    if (net != null) {
      net.close();
    }
  }

  static String group(String regex, String text) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in\n%s", regex, text).isTrue();
    return m.group(1);
  }

  @Test
  void the_chained_demo_records_on_fabric_and_the_peer_cli_reads_the_paid_balance()
      throws Exception {
    // the demo with its third layer: 4 data owners lend their shards to 2 nodes
    List<String> args =
        new java.util.ArrayList<>(List.of("demo", "--dir", home.resolve("demo").toString()));
    args.addAll(OwnersDemo.ARGS);
    String demo =
        Cli.ok(
                Map.of(),
                List.of("--home", home.toString(), "--ledger", uris.get(0)),
                args.toArray(String[]::new))
            .out();
    System.out.println(demo);
    OwnersDemo.check(demo);
    String node = group("balance (0x[0-9a-fA-F]{40}) [1-9][0-9.]* VNX", demo);

    // fedchain balance through Org2's peer, then Fabric's own CLI as Org2's admin
    String printed =
        Cli.ok(
                Map.of(),
                List.of("--home", home.toString(), "--ledger", uris.get(1)),
                "balance",
                node)
            .out();
    BigDecimal vnx = new BigDecimal(group(" ([0-9.]+) VNX", printed));
    Map<String, String> env = net.peerEnv(2);
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(env.get("FABRIC_BIN"), "peer").toString(),
                "chaincode",
                "query",
                "-C",
                "fedchain",
                "-n",
                "fedchain",
                "-c",
                "{\"Args\":[\"balance\",\"" + node.toLowerCase(Locale.ROOT) + "\"]}")
            .redirectErrorStream(true);
    pb.environment().putAll(env);
    Process peer = pb.start();
    String queried =
        new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(peer.waitFor()).as(queried).isZero();
    assertThat(new BigInteger(queried)).isEqualTo(vnx.movePointRight(18).toBigIntegerExact());
    assertThat(new BigInteger(queried)).isPositive();

    String runId = group("run id: ([0-9a-f]{64})", demo);
    String audit =
        Cli.ok(
                Map.of(),
                List.of("--home", home.resolve("demo").toString(), "--ledger", uris.get(1)),
                "audit",
                "--run",
                runId)
            .out();
    assertThat(audit).contains("audit OK: 3 updates verified").contains("data of ");
  }

  @Test
  void two_fedavg_rounds_with_node_processes_record_on_fabric() {
    Cli.Result r =
        Cli.ok(
            Map.of(),
            List.of("--home", home.toString(), "--ledger", uris.get(0)),
            "demo",
            "--mode",
            "fedavg",
            "--arch",
            "mlp",
            "--clients",
            "2",
            "--rounds",
            "2",
            "--dir",
            home.resolve("fedavg").toString());
    assertThat(r.out())
        .contains("node1 joined", "node2 joined")
        .contains("round 2: aggregated 2 update(s)")
        .contains("audit OK: 7 updates verified");
  }
}
