package org.fedchain.comms;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.Optional;
import org.fedchain.core.Hash32;

/**
 * Who may upload what to a model store. A coordinator takes blobs only from the nodes it admitted
 * to a round, within the size a model of its run can have; a node's own store takes none. The
 * uploader names itself by the session token its join gave it, sent as the {@value #HEADER} header
 * ({@link #attach}).
 */
@FunctionalInterface
public interface UploadGate {
  /** The header that carries the uploader's session token. */
  String HEADER = "fedchain-session-bin";

  Metadata.Key<byte[]> SESSION = Metadata.Key.of(HEADER, Metadata.BINARY_BYTE_MARSHALLER);

  /** Takes every upload (a plain store: benchmarks, tests, a peer's own tools). */
  UploadGate OPEN = (session, hash, size) -> Optional.empty();

  /** Takes none: the store only serves. */
  UploadGate CLOSED = (session, hash, size) -> Optional.of("this store takes no uploads");

  /**
   * Why an upload of {@code size} bytes of blob {@code hash} is refused, or empty to take it.
   *
   * @param session the uploader's session token, or null when it sent none
   */
  Optional<String> refuse(byte[] session, Hash32 hash, long size);

  /** {@code channel} with every call carrying {@code session}: uploads as that session. */
  static Channel attach(Channel channel, byte[] session) {
    Metadata headers = new Metadata();
    headers.put(SESSION, session.clone());
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }
}
