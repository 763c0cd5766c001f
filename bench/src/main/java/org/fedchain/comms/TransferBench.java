package org.fedchain.comms;

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
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;

/**
 * Not a test: measures a 50 MB blob fetched over loopback gRPC (plaintext and TLS) next to raw TCP
 * copies of the same bytes, and prints MB/s (10^6 bytes/s) and ratios. Two raw baselines: bytes
 * read and dropped (the wire alone), and bytes streamed into {@code BlobStore.put} (the same hash +
 * write + fsync a fetch does), which is the fair comparison.
 *
 * <p>Options (system properties): {@code -Dmb=50 -Drounds=5 -Dchunk=262144 -Dwindow=8388608}.
 */
public final class TransferBench {
  private TransferBench() {}

  interface Run {
    void once(int round) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int mb = Integer.getInteger("mb", 50);
    int rounds = Integer.getInteger("rounds", 5);
    int chunk = Integer.getInteger("chunk", Limits.DEFAULT_CHUNK_BYTES);
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
          "blob %d MB, %d rounds (median), chunk %d B, flow-control window %d B, %d cores, %s%n",
          mb,
          rounds,
          chunk,
          window,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.vm.version"));

      double rawDrop =
          measure("raw TCP, read and drop", blob.length, rounds, r -> rawCopy(blob, null, hash));
      double rawStore =
          measure(
              "raw TCP into BlobStore.put",
              blob.length,
              rounds,
              r -> rawCopy(blob, BlobStore.open(dir.resolve("raw-" + r)), hash));
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
                  "gRPC Get plaintext into BlobStore",
                  blob.length,
                  rounds,
                  r -> fetch(dir.resolve("plain-" + r), maxMessage, plainCh, hash));
          measure(
              "gRPC Get plaintext, read and drop",
              blob.length,
              rounds,
              r -> {
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
                  "gRPC Get TLS into BlobStore",
                  blob.length,
                  rounds,
                  r -> fetch(dir.resolve("tls-" + r), maxMessage, tlsCh, hash));
          measure(
              "gRPC Put plaintext (server stores)",
              blob.length,
              rounds,
              r -> {
                // each round uploads to a fresh server store
                BlobStore target = BlobStore.open(dir.resolve("put-" + r));
                try (ModelStoreServer s =
                    ModelStoreServer.newBuilder(target)
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
      try (var s = Files.walk(dir)) {
        s.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
      }
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

  private static double measure(String name, long bytes, int rounds, Run run) throws Exception {
    run.once(-1); // warm-up
    run.once(-2);
    List<Double> mbs = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      run.once(r);
      long t1 = System.nanoTime();
      mbs.add(bytes / 1e6 / ((t1 - t0) / 1e9));
    }
    Collections.sort(mbs);
    double median = mbs.get(mbs.size() / 2);
    System.out.printf(
        "%-36s median %7.1f MB/s   (min %7.1f, max %7.1f)%n",
        name, median, mbs.get(0), mbs.get(mbs.size() - 1));
    return median;
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }
}
