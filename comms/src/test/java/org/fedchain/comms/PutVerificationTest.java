package org.fedchain.comms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.TestPeers.RawPut;
import org.fedchain.comms.v1.PutResult;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PutVerificationTest {
  @TempDir Path dir;
  private final TestPeers peers = new TestPeers();
  private final byte[] blob = TestPeers.randomBytes(4 * 1024 * 1024, 3);
  private final Hash32 hash = Hash32.sha256(blob);
  private BlobStore store;
  private ModelStoreServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    store = BlobStore.open(dir.resolve("server"));
    server =
        ModelStoreServer.newBuilder(store)
            .port(0)
            .maxMessageBytes(2 * 1024 * 1024)
            .maxBlobBytes(64L * 1024 * 1024)
            .build();
    channel = peers.track(PeerChannels.forTarget("127.0.0.1:" + server.port()).plaintext().build());
  }

  @AfterEach
  void stop() {
    peers.close();
    server.close();
  }

  private long filesIn(Path d) throws Exception {
    try (var s = Files.walk(d)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  private static Status statusOf(RawPut put) {
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> put.result.get(30, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) e.getCause()).getStatus();
  }

  private RawPut sendAll(Hash32 announced, long size, byte[] bytes) {
    RawPut put = new RawPut(channel).send(TestPeers.header(announced, size));
    for (int off = 0; off < bytes.length; off += 1 << 20) {
      put.send(TestPeers.data(bytes, off, Math.min(1 << 20, bytes.length - off)));
    }
    put.requests.onCompleted();
    return put;
  }

  @Test
  void uploads_past_the_servers_bound_are_refused_until_one_ends() throws Exception {
    BlobStore oneStore = BlobStore.open(dir.resolve("one"));
    try (ModelStoreServer one =
            ModelStoreServer.newBuilder(oneStore).port(0).maxConcurrentUploads(1).build();
        WatchService watch = FileSystems.getDefault().newWatchService()) {
      oneStore.root().resolve("tmp").register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      ManagedChannel ch =
          peers.track(PeerChannels.forTarget("127.0.0.1:" + one.port()).plaintext().build());
      // a slow peer: announces a blob, sends half of it, and waits
      RawPut slow = new RawPut(ch).send(TestPeers.header(hash, blob.length));
      slow.send(TestPeers.data(blob, 0, 1 << 20));
      // its writer holds a temp file: the one upload slot is taken
      assertThat(watch.poll(30, TimeUnit.SECONDS)).as("the slow upload's temp file").isNotNull();
      byte[] other = TestPeers.randomBytes(1024, 5);
      RawPut refused = new RawPut(ch).send(TestPeers.header(Hash32.sha256(other), other.length));
      Status s = statusOf(refused);
      assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(s.getDescription()).contains("already writing 1 uploads");

      for (int off = 1 << 20; off < blob.length; off += 1 << 20) {
        slow.send(TestPeers.data(blob, off, Math.min(1 << 20, blob.length - off)));
      }
      slow.requests.onCompleted();
      assertThat(slow.result.get(30, TimeUnit.SECONDS).getOutcome())
          .isEqualTo(PutResult.Outcome.STORED);
      RawPut later = new RawPut(ch).send(TestPeers.header(Hash32.sha256(other), other.length));
      later.send(TestPeers.data(other, 0, other.length));
      later.requests.onCompleted();
      assertThat(later.result.get(30, TimeUnit.SECONDS).getOutcome())
          .isEqualTo(PutResult.Outcome.STORED);
    }
  }

  @Test
  void a_put_whose_bytes_do_not_match_the_hash_leaves_no_blob_and_no_temp_file() throws Exception {
    byte[] altered = blob.clone();
    altered[12345] ^= (byte) 0x80;

    Status s = statusOf(sendAll(hash, blob.length, altered));

    assertThat(s.getCode()).isEqualTo(Status.Code.DATA_LOSS);
    assertThat(s.getDescription())
        .contains(hash.hex())
        .contains(Hash32.sha256(altered).hex())
        .contains("nothing was stored");
    server.close(); // waits for the writer: the temp file must be gone too
    assertThat(store.has(hash)).isFalse();
    assertThat(filesIn(store.root())).isZero();
  }

  @Test
  void a_put_that_ends_short_of_its_announced_size_is_data_loss() throws Exception {
    byte[] half = java.util.Arrays.copyOf(blob, blob.length / 2);

    Status s = statusOf(sendAll(hash, blob.length, half));

    assertThat(s.getCode()).isEqualTo(Status.Code.DATA_LOSS);
    assertThat(s.getDescription()).contains(half.length + " of " + blob.length);
    server.close();
    assertThat(filesIn(store.root())).isZero();
  }

  @Test
  void a_put_without_a_header_or_with_a_short_hash_is_invalid_argument() throws Exception {
    RawPut noHeader = new RawPut(channel).send(TestPeers.data(blob, 0, 10));
    assertThat(statusOf(noHeader).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

    RawPut shortHash =
        new RawPut(channel)
            .send(
                org.fedchain.comms.v1.Chunk.newBuilder()
                    .setHeader(
                        org.fedchain.comms.v1.BlobHeader.newBuilder()
                            .setHash(com.google.protobuf.ByteString.copyFrom(new byte[31]))
                            .setSize(1))
                    .build());
    Status s = statusOf(shortHash);
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).contains("32 bytes").contains("31");
  }

  @Test
  void a_client_cancelled_mid_put_leaves_no_partial_blob() throws Exception {
    Path tmp = store.root().resolve("tmp");
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      tmp.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      RawPut put = new RawPut(channel).send(TestPeers.header(hash, blob.length));
      put.send(TestPeers.data(blob, 0, 1 << 20)).send(TestPeers.data(blob, 1 << 20, 1 << 20));

      WatchKey key = watch.poll(30, TimeUnit.SECONDS); // the server began writing a temp file
      assertThat(key).as("server started writing the upload").isNotNull();
      ((ClientCallStreamObserver<?>) put.requests).cancel("client killed", null);

      assertThat(statusOf(put).getCode()).isEqualTo(Status.Code.CANCELLED);
    }
    server.close(); // returns once the writer has given up and removed its temp file
    assertThat(store.has(hash)).isFalse();
    assertThat(filesIn(store.root())).isZero();
  }

  @Test
  void a_message_over_the_servers_size_limit_is_resource_exhausted() throws Exception {
    byte[] big = TestPeers.randomBytes(3 * 1024 * 1024, 4);
    RawPut put =
        new RawPut(channel)
            .send(TestPeers.header(Hash32.sha256(big), big.length))
            .send(TestPeers.data(big, 0, big.length));
    put.requests.onCompleted();

    assertThat(statusOf(put).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    server.close();
    assertThat(filesIn(store.root())).isZero();
  }

  @Test
  void a_blob_over_the_servers_size_limit_is_refused_before_any_byte_is_sent() throws Exception {
    RawPut put = new RawPut(channel).send(TestPeers.header(hash, 65L * 1024 * 1024));

    Status s = statusOf(put);

    assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(s.getDescription()).contains("at most " + 64L * 1024 * 1024);
  }

  @Test
  void the_client_maps_a_refused_put_to_a_reason() throws Exception {
    BlobStore local = BlobStore.open(dir.resolve("local"));
    Hash32 h = local.put(blob);
    ModelStoreClient client = ModelStoreClient.newBuilder(local).build();
    assertThat(client.put(channel, h)).isEqualTo(ModelStoreClient.PutOutcome.STORED);

    ModelStoreClient noSuchBlob = ModelStoreClient.newBuilder(local).build();
    Hash32 missing = Hash32.sha256(new byte[] {1});
    assertThatThrownBy(() -> noSuchBlob.put(channel, missing))
        .isInstanceOfSatisfying(
            ModelStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(ModelStoreException.Reason.NOT_FOUND));
  }
}
