package org.fedchain.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Eip712;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.TransactionSigner;
import org.fedchain.ledger.ethereum.Anvil;
import org.fedchain.ledger.ethereum.EthereumDeployment;
import org.fedchain.ledger.fabric.FabricLedger;
import org.fedchain.ledger.fabric.FabricNetwork;

/**
 * Verified submits per second and their latency on each ledger backend: the embedded ledger
 * (SQLite, one writer), the Solidity contracts on anvil (one sender, one transaction at a time),
 * and the chaincode on the two-organisation Fabric network of scripts/fabric.sh (both organisations
 * endorse every transaction), next to Fabric's no-op transaction ({@code ping}) on the same network
 * and clients as its baseline. A submit is a LOCAL update of a data-parallel run, signed ahead
 * (signing is the node's work, not the ledger's); the ledger checks the EIP-712 signature and every
 * rule before it records. Usage: {@code scripts/bench.sh ledger [SUBMITS [CLIENTS]]}.
 */
public final class LedgerBench {
  private LedgerBench() {}

  record Row(String backend, String tx, int clients, int n, double perSecond, long[] latencyUs) {
    /** One row of the table docs/benchmarks.md carries, in Markdown. */
    String format() {
      long[] l = latencyUs.clone();
      Arrays.sort(l);
      return String.format(
          "| %s | %s | %d | %d | %.1f | %.1f | %.1f |",
          backend,
          tx,
          clients,
          n,
          perSecond,
          l[l.length / 2] / 1000.0,
          l[(int) Math.min(l.length - 1, Math.round(l.length * 0.95))] / 1000.0);
    }
  }

  interface Call {
    void run(int i) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    byte[] coordinatorKey = Hex.decode(Anvil.DEV_KEY);
    TransactionSigner sender = TransactionSigner.ofKey(coordinatorKey);
    List<Row> rows = new ArrayList<>();

    Path dir = Files.createTempDirectory("fedchain-ledger-bench");
    rows.add(submits("embedded (SQLite)", "embedded:" + dir.resolve("ledger.db"), sender, n, 1));

    try (Anvil anvil = Anvil.start(0)) {
      String uri = EthereumDeployment.deploy(anvil.rpcUrl(), sender).uri();
      rows.add(submits("ethereum (anvil)", uri, sender, Math.min(n, 500), 1));
    }

    System.err.println("starting the Fabric network (scripts/fabric.sh up)...");
    try (FabricNetwork net = FabricNetwork.fresh(400)) {
      String uri = net.uris("fedchain").get(0);
      String backend = "fabric (2 orgs, AND)";
      // the baseline: the same network and clients, a transaction that reads and writes nothing
      for (int c : new int[] {1, clients}) {
        int m = c == 1 ? Math.min(n, 200) : n;
        try (FabricLedger l = (FabricLedger) Ledgers.open(uri)) {
          rows.add(measure(backend, "no-op (`ping`), baseline", c, m, i -> l.ping()));
        }
        rows.add(submits(backend, uri, sender, m, c));
      }
    }

    // the table as docs/benchmarks.md carries it, so it can be pasted as printed
    System.out.println("| backend | transaction | clients | n | tx/s | p50 ms | p95 ms |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|");
    rows.forEach(r -> System.out.println(r.format()));
    System.out.printf(
        "%d cores; Fabric: BatchTimeout 100 ms, MaxMessageCount 100, one orderer (Raft), LevelDB;"
            + " clients are threads sharing one gateway connection to Org1's peer%n",
        Runtime.getRuntime().availableProcessors());
  }

  /** Opens a data-parallel run, then records {@code n} pre-signed LOCAL updates. */
  static Row submits(String backend, String uri, TransactionSigner sender, int n, int clients)
      throws Exception {
    try (Ledger l = Ledgers.open(uri, sender)) {
      Eip712Domain d = l.domain();
      byte[] coordinatorKey = Hex.decode(Anvil.DEV_KEY);
      RunConfig config = RunConfig.unrewarded(Mode.DATA_PARALLEL);
      Hash32 run = config.runId(Secp256k1.addressOf(coordinatorKey));
      Hash32 genesisModel = Hash32.sha256(("genesis " + run).getBytes());
      ModelUpdate g =
          new ModelUpdate(
              run,
              0,
              UpdateKind.GENESIS,
              Hash32.ZERO,
              genesisModel,
              Hash32.ZERO,
              config.hash(),
              0,
              Secp256k1.addressOf(coordinatorKey));
      l.openRun(config, sign(d, g, coordinatorKey));
      List<Signed<ModelUpdate>> receipts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] nodeKey = Hash32.sha256(("bench node " + (i % 16)).getBytes()).toBytes();
        Hash32 model = Hash32.sha256((run + " model " + i).getBytes());
        ModelUpdate u =
            new ModelUpdate(
                run,
                1,
                UpdateKind.LOCAL,
                genesisModel,
                model,
                model,
                model,
                600,
                Secp256k1.addressOf(nodeKey));
        receipts.add(sign(d, u, nodeKey));
      }
      Row r = measure(backend, "verified submit", clients, n, i -> l.submit(receipts.get(i)));
      int recorded = l.updates(run).size() - 1;
      if (recorded != n) {
        throw new IllegalStateException(backend + ": " + recorded + " of " + n + " recorded");
      }
      return r;
    }
  }

  /** Runs {@code n} calls on {@code clients} threads; latency per call, throughput overall. */
  static Row measure(String backend, String tx, int clients, int n, Call call) throws Exception {
    long[] lat = new long[n];
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long t0 = System.nanoTime();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        fs.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    long s = System.nanoTime();
                    call.run(i);
                    lat[i] = (System.nanoTime() - s) / 1000;
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Row r = new Row(backend, tx, clients, n, n / seconds, lat);
    System.err.println(r.format());
    return r;
  }

  static Signed<ModelUpdate> sign(Eip712Domain d, ModelUpdate u, byte[] key) {
    Address a = Secp256k1.addressOf(key);
    return new Signed<>(u, a, Secp256k1.sign(Eip712.digest(d, u), key));
  }
}
