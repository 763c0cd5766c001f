package org.fedchain.ledger;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * What a run is opened with. Its {@link #hash()} goes into the genesis receipt's {@code data}
 * field, so the coordinator's signature covers the configuration too.
 *
 * @param mode chained, data-parallel or model-parallel
 * @param commitReveal whether submits need an earlier commit (against front-running)
 * @param validators who may attest updates
 * @param quorum attestations needed before a reward is paid (0 when there is no budget)
 * @param budget VNX (in wei, 18 decimals) escrowed from the coordinator for rewards
 * @param rewardPerPoint VNX wei paid per point of mean attested score
 */
public record RunConfig(
    Mode mode,
    boolean commitReveal,
    List<Address> validators,
    int quorum,
    BigInteger budget,
    BigInteger rewardPerPoint) {

  public RunConfig {
    Objects.requireNonNull(mode, "mode");
    validators = List.copyOf(validators);
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(rewardPerPoint, "rewardPerPoint");
    if (quorum < 0 || quorum > 255) {
      throw new IllegalArgumentException("quorum must be 0..255, got " + quorum);
    }
    if (budget.signum() < 0 || budget.bitLength() > 256) {
      throw new IllegalArgumentException("budget must be a uint256, got " + budget);
    }
    if (rewardPerPoint.signum() < 0 || rewardPerPoint.bitLength() > 256) {
      throw new IllegalArgumentException("rewardPerPoint must be a uint256, got " + rewardPerPoint);
    }
  }

  /** A run without validators or rewards. */
  public static RunConfig unrewarded(Mode mode) {
    return new RunConfig(mode, false, List.of(), 0, BigInteger.ZERO, BigInteger.ZERO);
  }

  /**
   * {@code keccak256(abi.encode(mode, commitReveal, quorum, budget, rewardPerPoint,
   * keccak256(abi.encodePacked(validators))))}, so Solidity computes the same value.
   */
  public Hash32 hash() {
    byte[] packed = new byte[32 * validators.size()];
    for (int i = 0; i < validators.size(); i++) {
      System.arraycopy(validators.get(i).toBytes(), 0, packed, 32 * i + 12, 20);
    }
    return Hash32.keccak256(
        word(BigInteger.valueOf(mode.ordinal())),
        word(commitReveal ? BigInteger.ONE : BigInteger.ZERO),
        word(BigInteger.valueOf(quorum)),
        word(budget),
        word(rewardPerPoint),
        Hash32.keccak256(packed).toBytes());
  }

  private static byte[] word(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, 32 - n, n);
    return out;
  }
}
