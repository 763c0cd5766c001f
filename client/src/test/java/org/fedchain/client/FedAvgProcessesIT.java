package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.verifier.AggregateReplay;
import org.fedchain.verifier.RunAudit;
import org.fedchain.verifier.Verifier;
import org.fedchain.wallet.Keystore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data parallelism with the coordinator and each node in its own JVM, talking gRPC on loopback: a
 * node killed mid-round (SIGKILL) is left out and the round completes; in FedBuff a 5x slower node
 * never holds the others up.
 */
class FedAvgProcessesIT {
  static final Map<String, String> ENV = Map.of("FEDCHAIN_PASSWORD", "it");

  @TempDir Path dir;
  final StringWriter output = new StringWriter();
  final PrintWriter out = new PrintWriter(output, true);

  @Test
  void a_node_killed_mid_round_is_left_out_and_the_round_completes() throws Exception {
    LocalProcess coordinator = coordinator("--rounds=2", "--round-timeout=25");
    String port = port(coordinator);
    List<LocalProcess> nodes = new ArrayList<>();
    try {
      for (int i = 1; i <= 3; i++) {
        nodes.add(node(i, port));
      }
      // node3 gets its round-2 task, starts training, and dies without a word
      nodes.get(2).awaitLine("round 2: training from", 180);
      nodes.get(2).kill();
      Cli.Result status =
          Cli.run(Map.of(), List.of(), "coordinator", "status", "--coordinator=127.0.0.1:" + port);
      assertThat(status.out()).as(status.err()).contains("1 of 2 aggregations, 3 node(s)");
      assertThat(coordinator.waitFor()).as(output.toString()).isZero();
    } finally {
      close(coordinator, nodes);
    }
    String log = output.toString();
    assertThat(log)
        .contains("round 1: aggregated 3 update(s)")
        .contains("round 2: left out (no update by the deadline): node3")
        .contains("round 2: aggregated 2 update(s)");
    Map<String, Integer> kinds = auditedKinds();
    assertThat(kinds).containsEntry("LOCAL", 5).containsEntry("AGGREGATE", 2);
    // nothing half-written in the coordinator's store: every file there is a complete blob
    try (Stream<Path> files = Files.walk(dir.resolve("coordinator/store"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(Hash32.sha256(f).hex()).as(f.toString()).isEqualTo(f.getFileName().toString());
      }
    }
  }

  @Test
  void a_killed_coordinator_resumes_its_run_and_the_nodes_rejoin() throws Exception {
    String[] training = {
      "--rounds=3",
      "--lr-schedule=cosine",
      "--local-schedule=constant",
      "--momentum=0.5",
      "--weight-decay=1e-4",
      "--balanced-softmax=0.5",
      "--validation=0"
    };
    LocalProcess first = coordinator(training);
    Matcher started =
        Pattern.compile("run (\\S+) on port (\\d+)")
            .matcher(first.awaitLine("coordinator: run \\S+ on port \\d+", 120).group());
    assertThat(started.find()).isTrue();
    String run = started.group(1);
    String port = started.group(2);
    List<LocalProcess> nodes = new ArrayList<>();
    LocalProcess second = null;
    try {
      for (int i = 1; i <= 3; i++) {
        nodes.add(node(i, port));
      }
      first.awaitLine("round 1: aggregated 3 update", 180);
      first.kill(); // SIGKILL: no shutdown hook, nothing flushed on purpose
      second =
          coordinator(
              false,
              Stream.concat(Stream.of(training), Stream.of("--resume=" + run, "--port=" + port))
                  .toArray(String[]::new));
      assertThat(second.waitFor()).as(output.toString()).isZero();
      for (LocalProcess n : nodes) {
        assertThat(n.waitFor()).as(output.toString()).isZero();
      }
    } finally {
      close(first, nodes);
      if (second != null) {
        second.close();
      }
    }
    String log = output.toString();
    assertThat(log).containsPattern("resuming after round [12] from global");
    assertThat(log).contains("joining again").contains("round 3: aggregated 3 update(s)");
    assertThat(auditedKinds()).containsEntry("AGGREGATE", 3).containsEntry("LOCAL", 9);
    // lr 0.05 on a cosine over 3 rounds, carried by each task across the restart: the nodes
    // trained (and their signed manifests say) 0.05, then 0.0375, then 0.0125
    List<Map<String, String>> locals = localHyperparameters();
    assertThat(counts(locals, "learning_rate"))
        .isEqualTo(Map.of("0.0125", 3, "0.0375", 3, "0.05", 3));
    // the coordinator's local training settings, not the nodes' defaults (0.9, 0, plain softmax,
    // COSINE, 0.1)
    assertThat(counts(locals, "momentum")).isEqualTo(Map.of("0.5", 9));
    assertThat(counts(locals, "weight_decay")).isEqualTo(Map.of("1.0E-4", 9));
    assertThat(counts(locals, "loss")).isEqualTo(Map.of("cross_entropy", 9));
    assertThat(counts(locals, "balanced_softmax_tau")).isEqualTo(Map.of("0.5", 9));
    assertThat(counts(locals, "schedule")).isEqualTo(Map.of("CONSTANT", 9));
    assertThat(counts(locals, "validation_fraction")).isEqualTo(Map.of("0.0", 9));
  }

  /** The hyperparameters of every LOCAL update of the run, from the manifests it recorded. */
  List<Map<String, String>> localHyperparameters() throws Exception {
    Hash32 runId = runId(output.toString());
    BlobStore store = BlobStore.open(dir.resolve("coordinator/store"));
    List<Map<String, String>> out = new ArrayList<>();
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      for (UpdateRecord u : ledger.updates(runId)) {
        if (u.receipt().kind() == UpdateKind.LOCAL) {
          out.add(Manifest.parse(store.get(u.receipt().manifest())).hyperparameters());
        }
      }
    }
    return out;
  }

  /** How many of {@code updates} were trained with each value of the hyperparameter {@code key}. */
  static Map<String, Integer> counts(List<Map<String, String>> updates, String key) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Map<String, String> h : updates) {
      counts.merge(h.get(key), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void fedbuff_finishes_without_waiting_for_a_five_times_slower_node() throws Exception {
    LocalProcess coordinator = coordinator("--async", "--buffer=2", "--rounds=3");
    String port = port(coordinator);
    List<LocalProcess> nodes = new ArrayList<>();
    try {
      nodes.add(node(1, port));
      nodes.add(node(2, port));
      nodes.add(node(3, port, "--slowdown=5"));
      assertThat(coordinator.waitFor()).as(output.toString()).isZero();
    } finally {
      close(coordinator, nodes);
    }
    String log = output.toString();
    assertThat(log).contains("aggregation 3: aggregated 2 update(s)");
    int slowAccepted = count(log, "coordinator: node3: update \\S+ \\(\\d+ samples\\) accepted");
    int fastAccepted = count(log, "coordinator: node[12]: update \\S+ \\(\\d+ samples\\) accepted");
    assertThat(fastAccepted).as(log).isGreaterThanOrEqualTo(5);
    assertThat(slowAccepted).as(log).isLessThanOrEqualTo(1);
    assertThat(auditedKinds()).containsEntry("AGGREGATE", 3);
  }

  LocalProcess coordinator(String... extra) throws Exception {
    return coordinator(true, extra);
  }

  LocalProcess coordinator(boolean fresh, String... extra) throws Exception {
    if (fresh) {
      Keystore.at(dir.resolve("coordinator/keystore"))
          .create("coordinator", "it".toCharArray(), Keystore.Kdf.LIGHT);
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "--home=" + dir.resolve("coordinator"),
                "--ledger=embedded:" + dir.resolve("ledger.db"),
                "coordinator",
                "serve",
                "--wallet=coordinator",
                "--nodes=3",
                "--join-timeout=120",
                "--arch=mlp",
                "--no-eval"));
    if (List.of(extra).stream().noneMatch(a -> a.startsWith("--port="))) {
      args.add("--port=0");
    }
    args.addAll(List.of(extra));
    return LocalProcess.start(List.of(), args, ENV, null, out, "");
  }

  static String port(LocalProcess coordinator) throws Exception {
    return coordinator.awaitLine("coordinator: run \\S+ on port (\\d+)", 120).group(1);
  }

  LocalProcess node(int i, String port, String... extra) throws Exception {
    String name = "node" + i;
    Keystore.at(dir.resolve(name).resolve("keystore"))
        .create(name, "it".toCharArray(), Keystore.Kdf.LIGHT);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--home=" + dir.resolve(name),
                "node",
                "serve",
                "--port=0",
                "--coordinator=127.0.0.1:" + port,
                "--wallet=" + name,
                "--data=fashion-mnist:" + i + "/6"));
    args.addAll(List.of(extra));
    return LocalProcess.start(List.of(), args, ENV, null, out, "  ");
  }

  Map<String, Integer> auditedKinds() throws Exception {
    return auditedKinds(output.toString(), dir);
  }

  /**
   * Audits the run the coordinator announced in {@code log} (ledger and store under {@code dir}, as
   * the coordinator of these tests keeps them), recomputing each AGGREGATE, and counts its updates
   * by kind.
   */
  static Map<String, Integer> auditedKinds(String log, Path dir) throws Exception {
    Hash32 runId = runId(log);
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      BlobStore store = BlobStore.open(dir.resolve("coordinator/store"));
      // every AGGREGATE must also recompute from the inputs the nodes sent over gRPC
      RunAudit audit =
          AggregateReplay.recomputed(ledger, store, new Verifier(ledger, store).audit(runId));
      assertThat(audit.ok()).as(audit.toString()).isTrue();
      Map<String, Integer> kinds = new TreeMap<>();
      for (UpdateRecord u : ledger.updates(runId)) {
        kinds.merge(u.receipt().kind().name(), 1, Integer::sum);
      }
      return kinds;
    }
  }

  /** The run the coordinator announced in {@code log}. */
  static Hash32 runId(String log) {
    Matcher m = Pattern.compile("coordinator: run (\\S+) on port").matcher(log);
    assertThat(m.find()).as("the coordinator announced its run").isTrue();
    return Hash32.parse(m.group(1));
  }

  static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  static void close(LocalProcess coordinator, List<LocalProcess> nodes)
      throws InterruptedException, IOException {
    for (LocalProcess n : nodes) {
      n.close();
    }
    coordinator.close();
  }
}
