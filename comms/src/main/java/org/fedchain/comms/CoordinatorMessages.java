package org.fedchain.comms;

import com.google.protobuf.ByteString;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.fedchain.comms.v1.Domain;
import org.fedchain.comms.v1.Receipt;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;

/**
 * Conversions between the {@code Coordinator} service's messages and core types. Every parse checks
 * lengths and ranges and throws {@link IllegalArgumentException} naming the bad field, so a
 * malformed message from a peer becomes an INVALID_ARGUMENT, never a half-built receipt.
 */
public final class CoordinatorMessages {
  private CoordinatorMessages() {}

  private static final byte[] JOIN_TAG = "FedChain join v2".getBytes(StandardCharsets.UTF_8);

  /**
   * What a node signs to join run {@code runId}: proves it holds the key of {@code address} now,
   * since it signs the coordinator's fresh {@code nonce}.
   */
  public static Hash32 joinDigest(
      Hash32 runId, Address address, String storeEndpoint, Hash32 nonce) {
    return Hash32.keccak256(
        JOIN_TAG,
        runId.toBytes(),
        address.toBytes(),
        storeEndpoint.getBytes(StandardCharsets.UTF_8),
        nonce.toBytes());
  }

  private static final byte[] STAGE_TAG = "FedChain stage v1".getBytes(StandardCharsets.UTF_8);

  /**
   * What a run's coordinator signs to open a stage on a node: the run, the global model it starts
   * from, the spec, which layers, and the training settings ({@code settings}: their serialized
   * bytes), so a node trains only what the coordinator asked.
   */
  public static Hash32 stageDigest(
      Hash32 runId,
      Hash32 parentUpdateId,
      byte[] spec,
      int stage,
      int from,
      int to,
      byte[] settings) {
    return Hash32.keccak256(
        STAGE_TAG,
        runId.toBytes(),
        parentUpdateId.toBytes(),
        Hash32.sha256(spec).toBytes(),
        java.nio.ByteBuffer.allocate(12).putInt(stage).putInt(from).putInt(to).array(),
        Hash32.sha256(settings).toBytes());
  }

  public static ByteString bytes(Hash32 h) {
    return ByteString.copyFrom(h.toBytes());
  }

  public static ByteString bytes(Address a) {
    return ByteString.copyFrom(a.toBytes());
  }

  public static Hash32 hash(String field, ByteString b) {
    if (b.size() != 32) {
      throw new IllegalArgumentException(field + " must be 32 bytes, got " + b.size());
    }
    return Hash32.of(b.toByteArray());
  }

  public static Address address(String field, ByteString b) {
    if (b.size() != 20) {
      throw new IllegalArgumentException(field + " must be 20 bytes, got " + b.size());
    }
    return Address.of(b.toByteArray());
  }

  public static Receipt receipt(Signed<ModelUpdate> s) {
    ModelUpdate u = s.message();
    return Receipt.newBuilder()
        .setRunId(bytes(u.runId()))
        .setSeq(u.seq())
        .setKind(u.kind().code())
        .setParent(bytes(u.parent()))
        .setModel(bytes(u.model()))
        .setManifest(bytes(u.manifest()))
        .setData(bytes(u.data()))
        .setSamples(u.samples())
        .setSigner(bytes(s.signer()))
        .setSignature(ByteString.copyFrom(s.signature()))
        .build();
  }

  public static Signed<ModelUpdate> receipt(Receipt r) {
    if (r.getSignature().size() != 65) {
      throw new IllegalArgumentException(
          "receipt signature must be 65 bytes, got " + r.getSignature().size());
    }
    Address signer = address("receipt signer", r.getSigner());
    ModelUpdate u =
        new ModelUpdate(
            hash("receipt run_id", r.getRunId()),
            r.getSeq(),
            UpdateKind.fromCode(r.getKind()),
            hash("receipt parent", r.getParent()),
            hash("receipt model", r.getModel()),
            hash("receipt manifest", r.getManifest()),
            hash("receipt data", r.getData()),
            r.getSamples(),
            signer); // a receipt on the wire is signed by the contributor it names
    return new Signed<>(u, signer, r.getSignature().toByteArray());
  }

  public static Domain domain(Eip712Domain d) {
    return Domain.newBuilder()
        .setName(d.name())
        .setVersion(d.version())
        .setChainId(ByteString.copyFrom(d.chainId().toByteArray()))
        .setVerifyingContract(bytes(d.verifyingContract()))
        .build();
  }

  public static Eip712Domain domain(Domain d) {
    if (d.getChainId().size() > 33) {
      throw new IllegalArgumentException("domain chain_id exceeds uint256");
    }
    return new Eip712Domain(
        d.getName(),
        d.getVersion(),
        d.getChainId().isEmpty()
            ? BigInteger.ZERO
            : new BigInteger(1, d.getChainId().toByteArray()),
        address("domain verifying_contract", d.getVerifyingContract()));
  }
}
