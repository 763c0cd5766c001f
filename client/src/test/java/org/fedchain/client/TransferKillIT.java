package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fedchain.comms.ModelStoreServer;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node process killed (SIGKILL) in the middle of uploading a 64 MB model over TCP: the receiving
 * store keeps nothing, not even a temp file.
 */
class TransferKillIT {
  @TempDir Path dir;

  @Test
  void a_node_killed_mid_upload_leaves_no_partial_blob() throws Exception {
    byte[] blob = new byte[64_000_000];
    new Random(7).nextBytes(blob);
    BlobStore source = BlobStore.open(dir.resolve("node-store"));
    Hash32 hash = source.put(blob);
    BlobStore target = BlobStore.open(dir.resolve("coordinator-store"));
    Path tmp = target.root().resolve("tmp");
    try (ModelStoreServer server =
            ModelStoreServer.newBuilder(target).port(0).flowControlWindowBytes(64 * 1024).build();
        WatchService watch = FileSystems.getDefault().newWatchService()) {
      tmp.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      LocalProcess node =
          LocalProcess.start(
              List.of(),
              UploadMain.class.getName(),
              List.of(source.root().toString(), hash.hex(), "127.0.0.1:" + server.port()),
              Map.of(),
              null,
              null,
              "");
      try {
        node.awaitLine("uploading", 60);
        // the server has begun writing the upload to a temp file: kill the sender now
        assertThat(watch.poll(60, TimeUnit.SECONDS)).as("upload started").isNotNull();
        node.kill();
      } finally {
        node.close();
      }
    } // close() returns once no upload is still writing
    assertThat(target.has(hash)).isFalse();
    try (Stream<Path> files = Files.walk(target.root())) {
      assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
    }
  }
}
