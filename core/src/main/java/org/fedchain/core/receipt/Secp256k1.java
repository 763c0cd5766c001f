package org.fedchain.core.receipt;

import java.math.BigInteger;
import java.util.Arrays;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * secp256k1 signatures as Ethereum uses them: 65 bytes r||s||v, v 27 or 28, low s. Backed by
 * libsecp256k1 (ACINQ's JNI binding), which is about 3x faster at recovery than pure Java.
 */
public final class Secp256k1 {
  /** The curve order n. */
  public static final BigInteger N =
      new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

  public static final BigInteger HALF_N = N.shiftRight(1);

  private static final fr.acinq.secp256k1.Secp256k1 LIB = fr.acinq.secp256k1.Secp256k1.get();

  private Secp256k1() {}

  /**
   * Checks a signature by the rules every FedChain ledger applies and returns the signer.
   *
   * @throws SignatureException naming the broken rule
   */
  public static Address recover(Hash32 digest, byte[] signature) throws SignatureException {
    if (signature.length != 65) {
      throw new SignatureException(
          SignatureException.Problem.BAD_LENGTH,
          "signature must be 65 bytes r||s||v, got " + signature.length);
    }
    int v = signature[64] & 0xff;
    if (v != 27 && v != 28) {
      throw new SignatureException(
          SignatureException.Problem.BAD_V, "signature v must be 27 or 28, got " + v);
    }
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    // same order as OpenZeppelin's ECDSA.tryRecover: the s bound first, then ecrecover
    if (s.compareTo(HALF_N) > 0) {
      throw new SignatureException(
          SignatureException.Problem.HIGH_S, "signature s is above n/2 (malleable high-S form)");
    }
    if (r.signum() == 0 || s.signum() == 0 || r.compareTo(N) >= 0) {
      throw new SignatureException(
          SignatureException.Problem.OUT_OF_RANGE,
          "signature r or s is zero or not below the curve order");
    }
    byte[] pub;
    try {
      pub = LIB.ecdsaRecover(Arrays.copyOf(signature, 64), digest.toBytes(), v - 27);
    } catch (RuntimeException e) {
      throw new SignatureException(
          SignatureException.Problem.UNRECOVERABLE, "no public key recovers from this signature");
    }
    Address a = Address.fromPublicKey(Arrays.copyOfRange(pub, 1, 65));
    if (a.isZero()) {
      throw new SignatureException(
          SignatureException.Problem.UNRECOVERABLE, "signature recovers the zero address");
    }
    return a;
  }

  /**
   * Signs a 32-byte digest (RFC 6979, low s) and returns r||s||v with v 27 or 28. Callers keep the
   * key; the wallet's signers are the only production callers.
   */
  public static byte[] sign(Hash32 digest, byte[] privateKey) {
    byte[] rs = LIB.sign(digest.toBytes(), privateKey, null);
    byte[] pub = LIB.pubkeyCreate(privateKey);
    for (int recId = 0; recId < 2; recId++) {
      byte[] candidate = LIB.ecdsaRecover(rs, digest.toBytes(), recId);
      if (Arrays.equals(candidate, pub)) {
        byte[] out = Arrays.copyOf(rs, 65);
        out[64] = (byte) (27 + recId);
        return out;
      }
    }
    throw new IllegalStateException("no recovery id reproduces the signing key");
  }

  /** The address of a private key. */
  public static Address addressOf(byte[] privateKey) {
    if (privateKey.length != 32 || !LIB.secKeyVerify(privateKey)) {
      throw new IllegalArgumentException("not a valid secp256k1 private key");
    }
    byte[] pub = LIB.pubkeyCreate(privateKey);
    return Address.fromPublicKey(Arrays.copyOfRange(pub, 1, 65));
  }
}
