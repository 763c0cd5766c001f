package org.fedchain.wallet;

import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Secp256k1;

/** Builds signers. The key is copied into the signer and is not reachable from outside it. */
public final class Signers {
  private Signers() {}

  /** A secp256k1 signer over a raw 32-byte private key (copied; wipe your copy). */
  public static EthereumIdentity secp256k1(byte[] privateKey) {
    Address address = Secp256k1.addressOf(privateKey);
    return new EthereumIdentity(address, new Secp256k1Signer(privateKey.clone()));
  }

  /** A NIST P-256 signer for Fabric: SHA-256 digest in, DER low-S signature out. */
  static Signer p256(PrivateKey key) {
    return new P256Signer(key);
  }

  private static final class Secp256k1Signer implements Signer {
    private final byte[] key;

    Secp256k1Signer(byte[] key) {
      this.key = key;
    }

    @Override
    public byte[] sign(Hash32 digest) {
      return Secp256k1.sign(digest, key);
    }

    @Override
    public String toString() {
      return "Secp256k1Signer[key hidden]";
    }
  }

  private static final class P256Signer implements Signer {
    private static final java.math.BigInteger N =
        new java.math.BigInteger(
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private final PrivateKey key;

    P256Signer(PrivateKey key) {
      this.key = key;
    }

    @Override
    public byte[] sign(Hash32 digest) {
      try {
        // NONEwithECDSA signs the digest as given: Fabric hashes the proposal itself
        Signature s = Signature.getInstance("NONEwithECDSA");
        s.initSign(key);
        s.update(digest.toBytes());
        return lowS(s.sign());
      } catch (java.security.GeneralSecurityException | java.io.IOException e) {
        throw new IllegalStateException("P-256 signing failed: " + e.getMessage(), e);
      }
    }

    /** Fabric rejects high-S signatures; re-encode s as n - s when needed. */
    private static byte[] lowS(byte[] der) throws java.io.IOException {
      org.bouncycastle.asn1.ASN1Sequence seq = org.bouncycastle.asn1.ASN1Sequence.getInstance(der);
      java.math.BigInteger r =
          org.bouncycastle.asn1.ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
      java.math.BigInteger s =
          org.bouncycastle.asn1.ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
      if (s.compareTo(N.shiftRight(1)) <= 0) {
        return der;
      }
      return new org.bouncycastle.asn1.DERSequence(
              new org.bouncycastle.asn1.ASN1Encodable[] {
                new org.bouncycastle.asn1.ASN1Integer(r),
                new org.bouncycastle.asn1.ASN1Integer(N.subtract(s))
              })
          .getEncoded();
    }

    @Override
    public String toString() {
      return "P256Signer[key hidden]";
    }
  }

  static void wipe(byte[] b) {
    Arrays.fill(b, (byte) 0);
  }
}
