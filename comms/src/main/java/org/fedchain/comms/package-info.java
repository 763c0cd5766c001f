/**
 * gRPC between FedChain nodes. Entry points: {@link org.fedchain.comms.ModelStoreServer#newBuilder}
 * serves a node's blob store, {@link org.fedchain.comms.ModelStoreClient#newBuilder} fetches
 * (verified, with fallback across peers) and uploads blobs, {@link
 * org.fedchain.comms.PeerChannels#forTarget} opens TLS or mutual-TLS channels to peers, and {@link
 * org.fedchain.comms.Certificates} writes the CA and node certificates they use. Failures are
 * {@link org.fedchain.comms.ModelStoreException}s with a {@link
 * org.fedchain.comms.ModelStoreException.Reason}.
 *
 * <p>The wire protocol is {@code fedchain/comms/v1/model_store.proto}; its generated classes
 * ({@code org.fedchain.comms.v1}) are an implementation detail, not API.
 */
package org.fedchain.comms;
