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
 * @param claimWindow seconds after the close during which contributors claim; after it, anyone may
 *     return the unpaid budget to the coordinator ({@link Ledger#reclaim})
 * @param royaltyTo the genesis model's owner, paid {@code royalty} of every claimed reward (zero:
 *     nobody)
 * @param royalty basis points of each claimed reward that go to {@code royaltyTo} (the ledger
 *     refuses more than 10000, or a royalty without a payee)
 * @param spec the published model spec the run trains ({@code fedchain spec publish}), whose author
 *     is paid {@code specRoyalty}; zero: none named
 * @param specRoyalty basis points of each claimed reward that go to the spec's author (the ledger
 *     refuses it without a spec, an unpublished spec, or royalties above 10000 together)
 * @param admitted who may contribute besides the coordinator; empty: anyone
 * @param nonce makes the terms, and so the run id, unique: {@link #runId} is derived from the
 *     coordinator and the terms' hash, so nobody else can open a run under that id
 */
public record RunConfig(
    Mode mode,
    boolean commitReveal,
    List<Address> validators,
    int quorum,
    BigInteger budget,
    BigInteger rewardPerPoint,
    long claimWindow,
    Address royaltyTo,
    int royalty,
    Hash32 spec,
    int specRoyalty,
    List<Address> admitted,
    Hash32 nonce) {

  /** The claim window runs get unless their terms say otherwise: a week. */
  public static final long DEFAULT_CLAIM_WINDOW = java.time.Duration.ofDays(7).toSeconds();

  public RunConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(nonce, "nonce");
    Objects.requireNonNull(royaltyTo, "royaltyTo");
    Objects.requireNonNull(spec, "spec");
    if (royalty < 0 || royalty > 0xFFFF || specRoyalty < 0 || specRoyalty > 0xFFFF) {
      throw new IllegalArgumentException(
          "royalties must be uint16 basis points, got " + royalty + " and " + specRoyalty);
    }
    validators = List.copyOf(validators);
    admitted = List.copyOf(admitted);
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
    if (claimWindow < 0) {
      throw new IllegalArgumentException(
          "claimWindow must be 0 or more seconds, got " + claimWindow);
    }
  }

  /** A run anyone may contribute to, with a fresh random nonce and the default claim window. */
  public RunConfig(
      Mode mode,
      boolean commitReveal,
      List<Address> validators,
      int quorum,
      BigInteger budget,
      BigInteger rewardPerPoint) {
    this(
        mode,
        commitReveal,
        validators,
        quorum,
        budget,
        rewardPerPoint,
        DEFAULT_CLAIM_WINDOW,
        Address.ZERO,
        0,
        Hash32.ZERO,
        0,
        List.of(),
        freshNonce());
  }

  private static Hash32 freshNonce() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Hash32.of(b);
  }

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /**
   * The id of the run a coordinator opens with these terms: {@code
   * keccak256(abi.encodePacked(coordinator, hash()))}. The ledger refuses any other (BAD_RUN_ID),
   * so someone who copies a pending genesis opens a run of its own instead of taking this id.
   */
  public Hash32 runId(Address coordinator) {
    return Hash32.keccak256(coordinator.toBytes(), hash().toBytes());
  }

  /** A run without validators or rewards, open to anyone. */
  public static RunConfig unrewarded(Mode mode) {
    return new RunConfig(mode, false, List.of(), 0, BigInteger.ZERO, BigInteger.ZERO);
  }

  /** These terms, with only {@code nodes} (and the coordinator) admitted to contribute. */
  public RunConfig admitting(List<Address> nodes) {
    return new RunConfig(
        mode,
        commitReveal,
        validators,
        quorum,
        budget,
        rewardPerPoint,
        claimWindow,
        royaltyTo,
        royalty,
        spec,
        specRoyalty,
        nodes,
        nonce);
  }

  /** These terms, with commit-reveal on or off. */
  public RunConfig withCommitReveal(boolean on) {
    return new RunConfig(
        mode,
        on,
        validators,
        quorum,
        budget,
        rewardPerPoint,
        claimWindow,
        royaltyTo,
        royalty,
        spec,
        specRoyalty,
        admitted,
        nonce);
  }

  /** These terms, with a claim window of {@code seconds}. */
  public RunConfig withClaimWindow(long seconds) {
    return new RunConfig(
        mode,
        commitReveal,
        validators,
        quorum,
        budget,
        rewardPerPoint,
        seconds,
        royaltyTo,
        royalty,
        spec,
        specRoyalty,
        admitted,
        nonce);
  }

  /** These terms, paying {@code basisPoints} of every claimed reward to {@code owner}. */
  public RunConfig withRoyalty(Address owner, int basisPoints) {
    return new RunConfig(
        mode,
        commitReveal,
        validators,
        quorum,
        budget,
        rewardPerPoint,
        claimWindow,
        owner,
        basisPoints,
        spec,
        specRoyalty,
        admitted,
        nonce);
  }

  /** These terms, naming a published spec whose author is paid {@code basisPoints}. */
  public RunConfig withSpec(Hash32 publishedSpec, int basisPoints) {
    return new RunConfig(
        mode,
        commitReveal,
        validators,
        quorum,
        budget,
        rewardPerPoint,
        claimWindow,
        royaltyTo,
        royalty,
        publishedSpec,
        basisPoints,
        admitted,
        nonce);
  }

  /** Whether these terms pay a royalty to the genesis model's owner. */
  public boolean hasRoyalty() {
    return !royaltyTo.isZero() || royalty != 0;
  }

  /** Whether these terms name a spec or a royalty for its author. */
  public boolean hasSpec() {
    return !spec.equals(Hash32.ZERO) || specRoyalty != 0;
  }

  /** Whether {@code a} may contribute to a run of these terms opened by {@code coordinator}. */
  public boolean admits(Address a, Address coordinator) {
    return admitted.isEmpty() || a.equals(coordinator) || admitted.contains(a);
  }

  /**
   * {@code keccak256(abi.encode(mode, commitReveal, quorum, budget, rewardPerPoint, claimWindow,
   * royaltyTo, royalty, spec, specRoyalty, keccak256(abi.encodePacked(validators)),
   * keccak256(abi.encodePacked(admitted)), nonce))}, so Solidity computes the same value. Terms
   * without a royalty leave out its two words, and terms without a spec its two, so runs opened
   * before either existed keep their ids.
   */
  public Hash32 hash() {
    List<byte[]> words = new java.util.ArrayList<>();
    words.add(word(BigInteger.valueOf(mode.ordinal())));
    words.add(word(commitReveal ? BigInteger.ONE : BigInteger.ZERO));
    words.add(word(BigInteger.valueOf(quorum)));
    words.add(word(budget));
    words.add(word(rewardPerPoint));
    words.add(word(BigInteger.valueOf(claimWindow)));
    if (hasRoyalty()) {
      words.add(word(new BigInteger(1, royaltyTo.toBytes())));
      words.add(word(BigInteger.valueOf(royalty)));
    }
    if (hasSpec()) {
      words.add(spec.toBytes());
      words.add(word(BigInteger.valueOf(specRoyalty)));
    }
    words.add(packed(validators));
    words.add(packed(admitted));
    words.add(nonce.toBytes());
    return Hash32.keccak256(words.toArray(byte[][]::new));
  }

  /** {@code keccak256(abi.encodePacked(address[]))}: each address left-padded to a word. */
  private static byte[] packed(List<Address> as) {
    byte[] packed = new byte[32 * as.size()];
    for (int i = 0; i < as.size(); i++) {
      System.arraycopy(as.get(i).toBytes(), 0, packed, 32 * i + 12, 20);
    }
    return Hash32.keccak256(packed).toBytes();
  }

  private static byte[] word(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, 32 - n, n);
    return out;
  }
}
