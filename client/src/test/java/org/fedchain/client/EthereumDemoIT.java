package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedchain.ledger.ethereum.Anvil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chained demo on a real anvil node through the CLI: deploy, train and record through the
 * contracts, attest, claim; cast (an independent client) reads the same VNX balance.
 */
class EthereumDemoIT {
  @TempDir Path home;
  Anvil anvil;

  @BeforeEach
  void start() throws Exception {
    anvil = Anvil.start(0);
  }

  @AfterEach
  void stop() {
    anvil.close();
  }

  Cli.Result run(String... args) {
    return runIn(home, args);
  }

  Cli.Result runIn(Path dir, String... args) {
    return Cli.ok(Map.of("FEDCHAIN_PASSWORD", "pw"), List.of("--home", dir.toString()), args);
  }

  static String group(String regex, String text) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in\n%s", regex, text).isTrue();
    return m.group(1);
  }

  @Test
  void the_demo_runs_on_anvil_and_cast_reads_the_claimed_balance() throws Exception {
    Path key = home.resolve("dev.key");
    Files.writeString(key, Anvil.DEV_KEY);
    run("wallet", "import", "dev", "--private-key-file", key.toString(), "--light");
    String deployed = run("deploy", "--rpc", anvil.rpcUrl(), "--sender", "dev").out();
    String uri = group("ledger URI: (\\S+)", deployed);
    String token = group("VNXToken\\s+(0x[0-9a-fA-F]{40})", deployed);

    // the demo with its third layer: 4 data owners lend their shards to 2 nodes
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--ledger",
                uri,
                "--sender",
                "dev",
                "demo",
                "--dir",
                home.resolve("demo").toString()));
    args.addAll(OwnersDemo.ARGS);
    String demo = run(args.toArray(String[]::new)).out();
    System.out.println(demo);
    OwnersDemo.check(demo);
    String node = group("balance (0x[0-9a-fA-F]{40}) [1-9][0-9.]* VNX", demo);
    BigDecimal vnx = new BigDecimal(group("balance " + node + " ([0-9.]+) VNX", demo));

    Process cast =
        new ProcessBuilder(
                Anvil.binary().resolveSibling("cast").toString(),
                "call",
                token,
                "balanceOf(address)(uint256)",
                node,
                "--rpc-url",
                anvil.rpcUrl())
            .redirectErrorStream(true)
            .start();
    String printed =
        new String(cast.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(cast.waitFor()).as(printed).isZero();
    assertThat(new BigInteger(printed.split(" ")[0]))
        .isEqualTo(vnx.movePointRight(18).toBigIntegerExact());

    String runId = group("run id: ([0-9a-f]{64})", demo);
    String audit = runIn(home.resolve("demo"), "--ledger", uri, "audit", "--run", runId).out();
    assertThat(audit).contains("audit OK: 3 updates verified").contains("data of ");
  }
}
