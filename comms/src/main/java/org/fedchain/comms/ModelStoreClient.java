package org.fedchain.comms;

import io.grpc.Channel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;

/**
 * Talks to peers' model stores on behalf of a local {@link BlobStore}. Peers are untrusted: {@link
 * #fetch} hashes every byte while it writes and keeps a blob only if it hashes to the requested
 * hash, trying the next peer when one serves an altered, truncated or missing blob. Every call
 * carries a deadline.
 *
 * <pre>{@code
 * ModelStoreClient client = ModelStoreClient.newBuilder(store).build();
 * ManagedChannel a = PeerChannels.forTarget("10.0.0.5:7070").trustRoots(ca).build();
 * Path model = client.fetch(headHash, List.of(a, b));   // verified, stored locally
 * client.put(a, myUpdateHash);                          // upload from the local store
 * }</pre>
 *
 * <p>It takes {@link Channel}s so callers own channel lifetimes (and tests can pass in-process
 * channels). Thread-safe; one client serves many calls.
 */
public interface ModelStoreClient {

  static Builder newBuilder(BlobStore local) {
    return new Builder(local);
  }

  /** What a peer did with an uploaded blob. */
  enum PutOutcome {
    /** The peer verified the bytes and stored them. */
    STORED,
    /** The peer already held the blob; no bytes needed to be sent. */
    ALREADY_PRESENT
  }

  /** Whether {@code peer} holds {@code hash} (it may still serve wrong bytes: fetch verifies). */
  boolean has(Channel peer, Hash32 hash) throws ModelStoreException;

  /**
   * Returns the local path of {@code hash}, downloading it from the first of {@code peers} that
   * serves bytes hashing to it. A blob already in the local store is returned without a call.
   *
   * @throws FetchException when no peer delivered a verified blob; lists every peer's failure
   */
  Path fetch(Hash32 hash, List<? extends Channel> peers) throws FetchException;

  /**
   * Uploads {@code hash} from the local store to {@code peer}, which verifies it before keeping it.
   */
  PutOutcome put(Channel peer, Hash32 hash) throws ModelStoreException;

  /** Configures a {@link ModelStoreClient}; setters check their argument. */
  final class Builder {
    final BlobStore local;
    Duration callDeadline = Duration.ofSeconds(10);
    Duration transferDeadline = Duration.ofMinutes(10);
    int chunkBytes = Limits.DEFAULT_CHUNK_BYTES;
    int maxMessageBytes = Limits.DEFAULT_MAX_MESSAGE_BYTES;
    long maxBlobBytes = Limits.DEFAULT_MAX_BLOB_BYTES;

    private Builder(BlobStore local) {
      this.local = Objects.requireNonNull(local, "local");
    }

    /** Deadline of {@code Has}; default 10 s. */
    public Builder callDeadline(Duration d) {
      this.callDeadline = positive("callDeadline", d);
      return this;
    }

    /** Deadline of one whole {@code Get} or {@code Put} stream; default 10 min. */
    public Builder transferDeadline(Duration d) {
      this.transferDeadline = positive("transferDeadline", d);
      return this;
    }

    /** Data bytes per chunk sent by {@code put}; default 256 KiB. */
    public Builder chunkBytes(int bytes) {
      this.chunkBytes = Limits.positive("chunkBytes", bytes);
      return this;
    }

    /** Largest message accepted from a peer; default 2 MiB (a 1 MiB chunk plus framing). */
    public Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = Limits.positive("maxMessageBytes", bytes);
      return this;
    }

    /** Largest blob {@code fetch} accepts; a peer announcing more is skipped. Default 2 GiB. */
    public Builder maxBlobBytes(long bytes) {
      this.maxBlobBytes = Limits.positive("maxBlobBytes", bytes);
      return this;
    }

    public ModelStoreClient build() {
      Limits.checkChunkFits(chunkBytes, maxMessageBytes);
      return new ModelStoreClientImpl(this);
    }

    private static Duration positive(String what, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
