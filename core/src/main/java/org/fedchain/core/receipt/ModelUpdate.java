package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * The signed receipt of one model update (EIP-712 type {@code ModelUpdate}). {@code seq} and {@code
 * samples} are uint64: Java longs read as unsigned. The receipt names its {@code contributor}, the
 * one account that may sign it and is paid for it: someone who copies the fields and signs them
 * with another key makes another update, with another id.
 *
 * <pre>{@code
 * ModelUpdate u =
 *     new ModelUpdate(runId, 1, UpdateKind.CHAINED, parent, model, manifest, data, 6000, me);
 * Hash32 updateId = u.digest(domain);   // what is signed
 * }</pre>
 */
public record ModelUpdate(
    Hash32 runId,
    long seq,
    UpdateKind kind,
    Hash32 parent,
    Hash32 model,
    Hash32 manifest,
    Hash32 data,
    long samples,
    Address contributor)
    implements Eip712.Struct {
  public static final String TYPE =
      "ModelUpdate(bytes32 runId,uint64 seq,uint8 kind,bytes32 parent,bytes32 model,bytes32 manifest,bytes32 data,uint64 samples,address contributor)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public ModelUpdate {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(contributor, "contributor");
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(
        TYPE_HASH.toBytes(),
        runId.toBytes(),
        Eip712.uint64(seq),
        Eip712.uint8(kind.code()),
        parent.toBytes(),
        model.toBytes(),
        manifest.toBytes(),
        data.toBytes(),
        Eip712.uint64(samples),
        Eip712.address(contributor));
  }

  /** The update id: the EIP-712 digest in this domain. */
  public Hash32 digest(Eip712Domain domain) {
    return Eip712.digest(domain, this);
  }
}
