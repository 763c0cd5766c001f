package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UpdateRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes with separate homes share a ledger; the second has none of the blobs and fetches the
 * lineage from peers over real gRPC on loopback. A peer serving altered bytes is detected and the
 * next peer used; with only bad peers nothing is trained or recorded.
 */
class ChainAcrossPeersTest {
  @TempDir Path dir;
  Path homeA;
  Path homeB;
  String ledger;
  String run;
  ModelStoreServer good;
  ModelStoreServer liar;

  Cli.Result run(Path home, String... args) {
    return Cli.run(
        Map.of("FEDCHAIN_PASSWORD", "pw"),
        List.of("--home", home.toString(), "--ledger", ledger),
        args);
  }

  Cli.Result ok(Path home, String... args) {
    return Cli.ok(
        Map.of("FEDCHAIN_PASSWORD", "pw"),
        List.of("--home", home.toString(), "--ledger", ledger),
        args);
  }

  List<UpdateRecord> updates() throws Exception {
    try (Ledger l = Ledgers.open(ledger)) {
      return l.updates(Hash32.parse(run));
    }
  }

  @BeforeEach
  void twoNodesAndTwoPeers() throws Exception {
    homeA = dir.resolve("a");
    homeB = dir.resolve("b");
    ledger = "embedded:" + dir.resolve("shared-ledger.db");
    ok(homeA, "wallet", "new", "coord", "--light");
    ok(homeA, "wallet", "new", "n1", "--light");
    ok(homeB, "wallet", "new", "n2", "--light");
    Matcher m =
        Pattern.compile("run ([0-9a-f]{64})")
            .matcher(ok(homeA, "run", "open", "--wallet", "coord", "--arch", "mlp").out());
    assertThat(m.find()).isTrue();
    run = m.group(1);
    ok(homeA, "chain", "continue", "--run", run, "--data", "fashion-mnist:1/30", "--wallet", "n1");

    // the liar holds the same blobs, but the head model's bytes are altered
    Path liarStore = dir.resolve("liar-store");
    try (Stream<Path> files = Files.walk(homeA.resolve("store/sha256"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path to = liarStore.resolve("sha256").resolve(homeA.resolve("store/sha256").relativize(f));
        Files.createDirectories(to.getParent());
        Files.copy(f, to);
      }
    }
    Hash32 head = updates().get(1).receipt().model();
    Path bad = BlobStore.open(liarStore).path(head);
    byte[] b = Files.readAllBytes(bad);
    b[b.length - 5] ^= 0x10;
    Files.write(bad, b);

    good = ModelStoreServer.newBuilder(BlobStore.open(homeA.resolve("store"))).port(0).build();
    liar = ModelStoreServer.newBuilder(BlobStore.open(liarStore)).port(0).build();
  }

  @AfterEach
  void stop() {
    good.close();
    liar.close();
  }

  @Test
  void a_node_without_the_blobs_fetches_the_lineage_from_peers_and_skips_a_lying_one()
      throws Exception {
    Cli.Result r =
        ok(
            homeB,
            "chain",
            "continue",
            "--run",
            run,
            "--data",
            "fashion-mnist:2/30",
            "--wallet",
            "n2",
            "--peers",
            "127.0.0.1:" + liar.port() + ",127.0.0.1:" + good.port());
    assertThat(r.out()).contains("recorded seq 2");
    List<UpdateRecord> us = updates();
    assertThat(us).hasSize(3);
    BlobStore storeB = BlobStore.open(homeB.resolve("store"));
    for (UpdateRecord u : us) {
      assertThat(storeB.get(u.receipt().model()))
          .isNotEmpty(); // get() re-hashes: only verified bytes
    }
    assertThat(ok(homeB, "audit", "--run", run).out()).contains("audit OK: 3 updates verified");
  }

  @Test
  void with_only_lying_peers_nothing_is_trained_or_recorded() throws Exception {
    Cli.Result r =
        run(
            homeB,
            "chain",
            "continue",
            "--run",
            run,
            "--data",
            "fashion-mnist:2/30",
            "--wallet",
            "n2",
            "--peers",
            "127.0.0.1:" + liar.port());
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err()).contains(updates().get(1).receipt().model().hex());
    assertThat(updates()).hasSize(2);
    BlobStore storeB = BlobStore.open(homeB.resolve("store"));
    assertThat(storeB.has(updates().get(1).receipt().model())).isFalse();
  }
}
