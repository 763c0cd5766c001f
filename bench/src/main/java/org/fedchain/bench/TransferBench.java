package org.fedchain.bench;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.fedchain.comms.Certificates;
import org.fedchain.comms.ModelStoreClient;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.comms.PeerChannels;
import org.fedchain.comms.PemFiles;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;

/**
 * Not a test: measures a 50 MB blob fetched over loopback gRPC (plaintext and TLS) next to raw TCP
 * copies of the same bytes, and prints MB/s (10^6 bytes/s) and ratios. Two raw baselines: bytes
 * read and dropped (the wire alone), and bytes streamed into {@code BlobStore.put} (the same hash +
 * write + fsync a fetch does), which is the fair comparison.
 *
 * <p>Options (system properties): {@code -Dmb=50 -Drounds=5 -Dwarmup=20 -Dchunk=262144
 * -Dwindow=8388608 -Donly=NAME_PART}.
 */
public final class TransferBench {
  /** Seconds of transfers before each measurement ({@code -Dwarmup=S}). */
  private static final double WARMUP_SECONDS =
      Double.parseDouble(System.getProperty("warmup", "20"));

  /** Runs only the measurements whose name contains this ({@code -Donly=TLS}, for profiling). */
  private static final String ONLY = System.getProperty("only", "");

  private TransferBench() {}

  interface Run {
    /** One transfer; {@code target} is an empty directory for a store, deleted afterwards. */
    void once(Path target) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int mb = Integer.getInteger("mb", 50);
    int rounds = Integer.getInteger("rounds", 5);
    int chunk = Integer.getInteger("chunk", 256 << 10); // the stores' default chunk size
    int window = Integer.getInteger("window", 8 << 20);
    int maxMessage = Math.max(2 << 20, chunk + 1024);
    Path dir = Files.createTempDirectory("transfer-bench");
    try {
      byte[] blob = randomBytes(mb * 1_000_000, 42);
      BlobStore source = BlobStore.open(dir.resolve("source"));
      Hash32 hash = source.put(blob);
      PemFiles ca = Certificates.createAuthority(dir.resolve("certs"), "ca");
      PemFiles node = Certificates.createNode(dir.resolve("certs"), "node", ca);
      System.out.printf(
          "blob %d MB, %d rounds (median) after %.0f s of warm-up each, chunk %d B, flow-control"
              + " window %d B, %d cores, %s%n",
          mb,
          rounds,
          WARMUP_SECONDS,
          chunk,
          window,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.vm.version"));

      double rawDrop =
          measure(
              dir,
              "raw TCP, read and drop",
              blob.length,
              rounds,
              target -> rawCopy(blob, null, hash));
      double rawStore =
          measure(
              dir,
              "raw TCP into BlobStore.put",
              blob.length,
              rounds,
              target -> rawCopy(blob, BlobStore.open(target), hash));
      double grpcPlain;
      double grpcTls;
      try (ModelStoreServer plain =
              ModelStoreServer.newBuilder(source)
                  .port(0)
                  .chunkBytes(chunk)
                  .maxMessageBytes(maxMessage)
                  .flowControlWindowBytes(window)
                  .build();
          ModelStoreServer tls =
              ModelStoreServer.newBuilder(source)
                  .port(0)
                  .tls(node)
                  .chunkBytes(chunk)
                  .maxMessageBytes(maxMessage)
                  .flowControlWindowBytes(window)
                  .build()) {
        ManagedChannel plainCh =
            PeerChannels.forTarget("127.0.0.1:" + plain.port())
                .plaintext()
                .maxMessageBytes(maxMessage)
                .flowControlWindowBytes(window)
                .build();
        ManagedChannel tlsCh =
            PeerChannels.forTarget("127.0.0.1:" + tls.port())
                .trustRoots(ca.certificate())
                .maxMessageBytes(maxMessage)
                .flowControlWindowBytes(window)
                .build();
        try {
          grpcPlain =
              measure(
                  dir,
                  "gRPC Get plaintext into BlobStore",
                  blob.length,
                  rounds,
                  target -> fetch(target, maxMessage, plainCh, hash));
          measure(
              dir,
              "gRPC Get plaintext, read and drop",
              blob.length,
              rounds,
              target -> {
                long n = 0;
                var it =
                    org.fedchain.comms.v1.ModelStoreGrpc.newBlockingStub(plainCh)
                        .withMaxInboundMessageSize(maxMessage)
                        .get(
                            org.fedchain.comms.v1.GetRequest.newBuilder()
                                .setHash(com.google.protobuf.ByteString.copyFrom(hash.toBytes()))
                                .build());
                while (it.hasNext()) {
                  n += it.next().getData().size();
                }
                if (n != blob.length) {
                  throw new IOException("short " + n);
                }
              });
          grpcTls =
              measure(
                  dir,
                  "gRPC Get TLS into BlobStore",
                  blob.length,
                  rounds,
                  target -> fetch(target, maxMessage, tlsCh, hash));
          measure(
              dir,
              "gRPC Put plaintext (server stores)",
              blob.length,
              rounds,
              target -> {
                // each round uploads to a fresh server store
                BlobStore store = BlobStore.open(target);
                try (ModelStoreServer s =
                    ModelStoreServer.newBuilder(store)
                        .port(0)
                        .maxMessageBytes(maxMessage)
                        .flowControlWindowBytes(window)
                        .build()) {
                  ManagedChannel ch =
                      PeerChannels.forTarget("127.0.0.1:" + s.port())
                          .plaintext()
                          .maxMessageBytes(maxMessage)
                          .flowControlWindowBytes(window)
                          .build();
                  try {
                    ModelStoreClient.newBuilder(source)
                        .chunkBytes(chunk)
                        .maxMessageBytes(maxMessage)
                        .build()
                        .put(ch, hash);
                  } finally {
                    ch.shutdownNow();
                  }
                }
              });
        } finally {
          plainCh.shutdownNow();
          tlsCh.shutdownNow();
        }
      }
      System.out.printf(
          "%nratio gRPC plaintext / raw TCP into store: %.2fx   gRPC TLS / raw into store: %.2fx%n",
          grpcPlain / rawStore, grpcTls / rawStore);
      System.out.printf(
          "ratio gRPC plaintext / raw TCP read-and-drop: %.2fx   gRPC TLS / read-and-drop: %.2fx%n",
          grpcPlain / rawDrop, grpcTls / rawDrop);
    } finally {
      delete(dir);
    }
  }

  private static void fetch(Path storeDir, int maxMessage, ManagedChannel ch, Hash32 hash)
      throws Exception {
    BlobStore target = BlobStore.open(storeDir);
    ModelStoreClient.newBuilder(target)
        .maxMessageBytes(maxMessage)
        .build()
        .fetch(hash, List.of(ch));
  }

  /** Copies blob over a loopback socket; the receiver drops the bytes or stores them verified. */
  private static void rawCopy(byte[] blob, BlobStore store, Hash32 hash) throws Exception {
    ExecutorService ex = Executors.newSingleThreadExecutor();
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Future<?> sender =
          ex.submit(
              () -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
                    OutputStream out = s.getOutputStream()) {
                  for (int off = 0; off < blob.length; off += 1 << 20) {
                    out.write(blob, off, Math.min(1 << 20, blob.length - off));
                  }
                }
                return null;
              });
      try (Socket s = ss.accept();
          InputStream in = s.getInputStream()) {
        if (store == null) {
          byte[] buf = new byte[1 << 20];
          long n = 0;
          for (int r; (r = in.read(buf)) > 0; ) {
            n += r;
          }
          if (n != blob.length) {
            throw new IOException("short copy " + n);
          }
        } else {
          store.put(in, hash);
        }
      }
      sender.get();
    } finally {
      ex.shutdownNow();
    }
  }

  /**
   * The median of {@code rounds} transfers after {@code warmupSeconds} of warm-up transfers; also
   * prints the first (cold) transfer. gRPC and Netty are a lot of code for the JIT: on 2 cores the
   * first gigabytes run at half speed while C2 compiles, so the cold and warm numbers differ.
   */
  private static double measure(Path dir, String name, long bytes, int rounds, Run run)
      throws Exception {
    if (!name.contains(ONLY)) {
      return Double.NaN;
    }
    Path target = dir.resolve("target");
    long t = System.nanoTime();
    run.once(target);
    double cold = bytes / 1e6 / ((System.nanoTime() - t) / 1e9);
    long warmupEnd = t + (long) (WARMUP_SECONDS * 1e9);
    delete(target);
    while (System.nanoTime() < warmupEnd) {
      run.once(target);
      delete(target);
    }
    List<Double> mbs = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      run.once(target);
      long t1 = System.nanoTime();
      delete(target);
      mbs.add(bytes / 1e6 / ((t1 - t0) / 1e9));
    }
    Collections.sort(mbs);
    double median = mbs.get(mbs.size() / 2);
    System.out.printf(
        "%-36s median %7.1f MB/s   (min %7.1f, max %7.1f; first, cold: %7.1f)%n",
        name, median, mbs.get(0), mbs.get(mbs.size() - 1), cold);
    return median;
  }

  private static void delete(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var s = Files.walk(dir)) {
        s.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }
}
