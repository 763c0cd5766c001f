package org.fedchain.core.receipt;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * The EIP-712 domain a receipt is signed in: name "FedChain", version "1", a chain id and the
 * verifying contract. Binding the domain to one ledger makes every signature single-use there.
 */
public record Eip712Domain(
    String name, String version, BigInteger chainId, Address verifyingContract) {
  public static final String NAME = "FedChain";
  public static final String VERSION = "1";
  static final String TYPE =
      "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

  public Eip712Domain {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(verifyingContract, "verifyingContract");
    if (chainId.signum() < 0 || chainId.bitLength() > 256) {
      throw new IllegalArgumentException("chainId out of uint256 range: " + chainId);
    }
  }

  /** Domain of the ContributionRegistry contract on an Ethereum chain. */
  public static Eip712Domain ethereum(long chainId, Address registry) {
    return new Eip712Domain(NAME, VERSION, BigInteger.valueOf(chainId), registry);
  }

  /**
   * Domain of the chaincode on a Fabric channel. {@code network} names the network: the data hash
   * of the channel's genesis block (every network has its own), so a receipt signed on one Fabric
   * network does not replay on another whose channel and chaincode have the same names.
   */
  public static Eip712Domain fabric(Hash32 network, String channel, String chaincode) {
    return new Eip712Domain(
        NAME,
        VERSION,
        new BigInteger(1, network.toBytes()),
        derived("fabric/" + channel + "/" + chaincode));
  }

  /** Domain of an embedded ledger, named by its ledger id. */
  public static Eip712Domain embedded(String ledgerId) {
    return new Eip712Domain(NAME, VERSION, BigInteger.ZERO, derived("embedded/" + ledgerId));
  }

  private static Address derived(String label) {
    byte[] h = Hash32.sha256(label.getBytes(StandardCharsets.UTF_8)).toBytes();
    return Address.of(Arrays.copyOf(h, 20));
  }

  /** {@code hashStruct(EIP712Domain)}. */
  public Hash32 separator() {
    return Hash32.keccak256(
        Eip712.typeHash(TYPE).toBytes(),
        Hash32.keccak256(name.getBytes(StandardCharsets.UTF_8)).toBytes(),
        Hash32.keccak256(version.getBytes(StandardCharsets.UTF_8)).toBytes(),
        Eip712.uint256(chainId),
        Eip712.address(verifyingContract));
  }
}
