package org.fedchain.client;

import io.grpc.ManagedChannel;
import java.nio.file.Path;
import org.fedchain.comms.ModelStoreClient;
import org.fedchain.comms.PeerChannels;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;

/**
 * A child process for {@link TransferKillIT}: uploads blob HASH from store DIR to the model store
 * at HOST:PORT in small chunks, printing "uploading" first.
 */
public final class UploadMain {
  private UploadMain() {}

  public static void main(String[] args) throws Exception {
    BlobStore store = BlobStore.open(Path.of(args[0]));
    ManagedChannel ch = PeerChannels.forTarget(args[2]).plaintext().build();
    System.out.println("uploading");
    System.out.flush();
    ModelStoreClient.newBuilder(store).chunkBytes(16 * 1024).build().put(ch, Hash32.parse(args[1]));
    System.out.println("uploaded");
  }
}
