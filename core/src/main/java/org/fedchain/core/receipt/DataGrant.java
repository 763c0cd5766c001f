package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * A data owner's signed loan of a dataset to nodes (EIP-712 type {@code DataGrant}): only the
 * dataset's commitment is public; the data goes to the node by whatever means the owner likes. An
 * update that used it cites it ({@link Citation}), and when that update's reward is claimed the
 * owner receives {@code share} of it, pro rata to the samples used. Its id is its EIP-712 digest.
 *
 * @param owner who lends the data and is paid; must be the signer
 * @param dataset the dataset's commitment: Merkle root over its samples' hashes
 * @param samples how many samples it holds
 * @param node the node it is lent to, or the zero address for any node the run admits
 * @param runId the run it is lent for, or zero for any run
 * @param share basis points (0..10000) of the pay of an update that used all its samples
 * @param expiry unix seconds after which updates can no longer cite it
 * @param nonce makes two grants of the same terms distinct
 */
public record DataGrant(
    Address owner,
    Hash32 dataset,
    long samples,
    Address node,
    Hash32 runId,
    int share,
    long expiry,
    Hash32 nonce)
    implements Eip712.Struct {
  public static final String TYPE =
      "DataGrant(address owner,bytes32 dataset,uint64 samples,address node,bytes32 runId,"
          + "uint16 share,uint64 expiry,bytes32 nonce)";
  private static final Hash32 TYPE_HASH = Eip712.typeHash(TYPE);

  public DataGrant {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(nonce, "nonce");
    if (share < 0 || share > 0xFFFF) {
      throw new IllegalArgumentException("share must be a uint16 of basis points, got " + share);
    }
  }

  @Override
  public String typeString() {
    return TYPE;
  }

  @Override
  public Hash32 structHash() {
    return Hash32.keccak256(
        TYPE_HASH.toBytes(),
        Eip712.address(owner),
        dataset.toBytes(),
        Eip712.uint64(samples),
        Eip712.address(node),
        runId.toBytes(),
        Eip712.uint64(share),
        Eip712.uint64(expiry),
        nonce.toBytes());
  }

  /** The EIP-712 digest in {@code domain}: what is signed (and, for a grant, its id). */
  public Hash32 digest(Eip712Domain domain) {
    return Eip712.digest(domain, this);
  }
}
