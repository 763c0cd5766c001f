package org.fedchain.comms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.fedchain.comms.ModelStoreException.Reason;
import org.fedchain.comms.TestPeers.Misbehaviour;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FetchFallbackTest {
  @TempDir Path dir;
  private final TestPeers peers = new TestPeers();
  private final byte[] blob = TestPeers.randomBytes(3 * 1024 * 1024 + 7, 2);
  private final Hash32 hash = Hash32.sha256(blob);
  private BlobStore local;
  private BlobStore goodStore;
  private ModelStoreServer good;

  @BeforeEach
  void start() throws Exception {
    local = BlobStore.open(dir.resolve("local"));
    goodStore = BlobStore.open(dir.resolve("good"));
    goodStore.put(blob);
    good = ModelStoreServer.newBuilder(goodStore).inProcess("good-peer").build();
  }

  @AfterEach
  void stop() {
    peers.close();
    good.close();
  }

  private long filesIn(Path d) throws Exception {
    try (var s = Files.walk(d)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void altered_and_truncated_blobs_are_detected_and_the_next_peer_is_used() throws Exception {
    ManagedChannel altered = peers.badPeer("altered", blob, Misbehaviour.ALTERED);
    ManagedChannel truncated = peers.badPeer("truncated", blob, Misbehaviour.TRUNCATED);
    ManagedChannel missing = peers.badPeer("missing", blob, Misbehaviour.MISSING);
    ModelStoreClient client = ModelStoreClient.newBuilder(local).build();

    Path got =
        client.fetch(
            hash, List.of(altered, truncated, missing, peers.inProcessChannel("good-peer")));

    assertThat(Files.readAllBytes(got)).isEqualTo(blob);
    assertThat(local.get(hash)).isEqualTo(blob);
  }

  @Test
  void a_server_whose_copy_is_rewritten_after_serving_it_intact_reports_its_copy_corrupt()
      throws Exception {
    ModelStoreClient client = ModelStoreClient.newBuilder(local).build();
    ManagedChannel ch = peers.inProcessChannel("good-peer");
    client.fetch(hash, List.of(ch)); // served intact: the server skips hashing this file again
    Files.delete(local.path(hash));
    byte[] altered = blob.clone();
    altered[blob.length / 2] ^= 1;
    Path served = goodStore.path(hash);
    FileTime before = Files.getLastModifiedTime(served);
    Files.write(served, altered);
    // a rewrite within the same clock tick keeps the stamp (the receiver still catches it);
    // move the time on so this test is about the server's own check
    Files.setLastModifiedTime(served, FileTime.fromMillis(before.toMillis() + 2000));

    assertThatThrownBy(() -> client.fetch(hash, List.of(ch)))
        .isInstanceOfSatisfying(
            FetchException.class,
            e ->
                assertThat(e.attempts())
                    .singleElement()
                    .satisfies(
                        a -> {
                          assertThat(a.reason()).isEqualTo(Reason.CORRUPT);
                          assertThat(a).hasMessageContaining("this peer's copy of blob");
                        }));
    assertThat(local.has(hash)).isFalse();
  }

  @Test
  void when_every_peer_is_bad_the_error_lists_each_and_nothing_is_stored() throws Exception {
    ManagedChannel altered = peers.badPeer("altered2", blob, Misbehaviour.ALTERED);
    ManagedChannel truncated = peers.badPeer("truncated2", blob, Misbehaviour.TRUNCATED);
    ManagedChannel missing = peers.badPeer("missing2", blob, Misbehaviour.MISSING);
    ModelStoreClient client = ModelStoreClient.newBuilder(local).build();

    assertThatThrownBy(() -> client.fetch(hash, List.of(altered, truncated, missing)))
        .isInstanceOfSatisfying(
            FetchException.class,
            e -> {
              assertThat(e.attempts())
                  .extracting(ModelStoreException::reason)
                  .containsExactly(Reason.CORRUPT, Reason.TRUNCATED, Reason.NOT_FOUND);
              assertThat(e.attempts())
                  .extracting(ModelStoreException::peer)
                  .containsExactly("altered2", "truncated2", "missing2");
              assertThat(e).hasMessageContaining(hash.hex());
            });
    assertThat(local.has(hash)).isFalse();
    assertThat(filesIn(local.root())).isZero();
  }

  @Test
  void a_peer_that_never_answers_fails_with_deadline_exceeded_and_the_next_peer_is_used()
      throws Exception {
    ManagedChannel silent = peers.badPeer("silent", blob, Misbehaviour.SILENT);
    ModelStoreClient client =
        ModelStoreClient.newBuilder(local).transferDeadline(Duration.ofMillis(300)).build();

    assertThatThrownBy(() -> client.fetch(hash, List.of(silent)))
        .isInstanceOfSatisfying(
            FetchException.class,
            e ->
                assertThat(e.attempts())
                    .singleElement()
                    .extracting(ModelStoreException::reason)
                    .isEqualTo(Reason.DEADLINE_EXCEEDED));

    Path got = client.fetch(hash, List.of(silent, peers.inProcessChannel("good-peer")));
    assertThat(Files.readAllBytes(got)).isEqualTo(blob);
  }

  @Test
  void a_chunk_larger_than_the_clients_message_limit_is_refused_as_too_large() throws Exception {
    // in-process transports pass messages without serializing them, so limits need a socket
    try (ModelStoreServer socket =
        ModelStoreServer.newBuilder(BlobStore.open(dir.resolve("good"))).port(0).build()) {
      ManagedChannel ch =
          peers.track(PeerChannels.forTarget("127.0.0.1:" + socket.port()).plaintext().build());
      ModelStoreClient small =
          ModelStoreClient.newBuilder(local)
              .chunkBytes(64 * 1024)
              .maxMessageBytes(128 * 1024)
              .build();
      assertThatThrownBy(() -> small.fetch(hash, List.of(ch)))
          .isInstanceOfSatisfying(
              FetchException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
                assertThat(e).hasMessageContaining("RESOURCE_EXHAUSTED");
              });
    }
    assertThat(filesIn(local.root())).isZero();
  }

  @Test
  void a_blob_larger_than_the_clients_limit_is_not_downloaded() throws Exception {
    ModelStoreClient strict = ModelStoreClient.newBuilder(local).maxBlobBytes(1024).build();
    assertThatThrownBy(() -> strict.fetch(hash, List.of(peers.inProcessChannel("good-peer"))))
        .isInstanceOfSatisfying(
            FetchException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
  }

  @Test
  void has_reports_an_exceeded_deadline_as_such() throws Exception {
    // a deadline that cannot be met, on a peer that would answer
    ModelStoreClient client =
        ModelStoreClient.newBuilder(local).callDeadline(Duration.ofNanos(1)).build();
    assertThatThrownBy(() -> client.has(peers.inProcessChannel("good-peer"), hash))
        .isInstanceOfSatisfying(
            ModelStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED));
  }
}
