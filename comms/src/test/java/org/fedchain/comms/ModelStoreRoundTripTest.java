package org.fedchain.comms;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreRoundTripTest {
  @TempDir Path dir;

  @Test
  void has_get_and_put_round_trip_a_multi_megabyte_blob_over_loopback() throws Exception {
    BlobStore serverStore = BlobStore.open(dir.resolve("server"));
    BlobStore clientStore = BlobStore.open(dir.resolve("client"));
    byte[] blob = TestPeers.randomBytes(5 * 1024 * 1024 + 123, 1);
    Hash32 hash = Hash32.sha256(blob);
    clientStore.put(blob);
    ModelStoreClient client = ModelStoreClient.newBuilder(clientStore).build();

    try (ModelStoreServer server = ModelStoreServer.newBuilder(serverStore).port(0).build();
        TestPeers peers = new TestPeers()) {
      ManagedChannel ch =
          peers.track(PeerChannels.forTarget("127.0.0.1:" + server.port()).plaintext().build());

      assertThat(client.has(ch, hash)).isFalse();
      assertThat(client.put(ch, hash)).isEqualTo(ModelStoreClient.PutOutcome.STORED);
      assertThat(client.has(ch, hash)).isTrue();
      assertThat(serverStore.get(hash)).isEqualTo(blob);
      assertThat(client.put(ch, hash)).isEqualTo(ModelStoreClient.PutOutcome.ALREADY_PRESENT);

      BlobStore third = BlobStore.open(dir.resolve("third"));
      Path got = ModelStoreClient.newBuilder(third).build().fetch(hash, List.of(ch));
      assertThat(Files.readAllBytes(got)).isEqualTo(blob);
      assertThat(third.get(hash)).isEqualTo(blob);
    }
  }

  @Test
  void an_empty_blob_round_trips_in_process() throws Exception {
    BlobStore serverStore = BlobStore.open(dir.resolve("server"));
    BlobStore clientStore = BlobStore.open(dir.resolve("client"));
    Hash32 empty = clientStore.put(new byte[0]);
    try (ModelStoreServer server =
            ModelStoreServer.newBuilder(serverStore).inProcess("empty-blob").build();
        TestPeers peers = new TestPeers()) {
      ManagedChannel ch = peers.inProcessChannel("empty-blob");
      ModelStoreClient client = ModelStoreClient.newBuilder(clientStore).build();
      assertThat(client.put(ch, empty)).isEqualTo(ModelStoreClient.PutOutcome.STORED);
      BlobStore other = BlobStore.open(dir.resolve("other"));
      Path p = ModelStoreClient.newBuilder(other).build().fetch(empty, List.of(ch));
      assertThat(Files.size(p)).isZero();
      assertThat(server.port()).isEqualTo(-1);
    }
  }
}
