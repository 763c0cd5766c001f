package org.fedchain.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.fedchain.core.Hash32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FabricIdentityTest {
  @TempDir Path msp;

  static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }

  KeyPair writeMsp() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=user1,O=org1.example.com");
    var cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        name,
                        BigInteger.ONE,
                        new Date(),
                        new Date(System.currentTimeMillis() + 86_400_000L),
                        name,
                        kp.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    Files.createDirectories(msp.resolve("signcerts"));
    Files.createDirectories(msp.resolve("keystore"));
    Files.writeString(msp.resolve("signcerts/cert.pem"), pem(cert));
    Files.writeString(
        msp.resolve("keystore/priv_sk"),
        pem(
            new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(kp.getPrivate(), null)
                .generate()));
    return kp;
  }

  @Test
  void loads_an_msp_folder_and_signs_low_s_signatures_that_verify() throws Exception {
    KeyPair kp = writeMsp();
    FabricIdentity id = FabricIdentity.load("Org1MSP", msp);
    assertThat(id.id()).startsWith("Org1MSP:").contains("CN=user1");
    BigInteger halfN =
        new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
            .shiftRight(1);
    for (int i = 0; i < 20; i++) {
      Hash32 d = Hash32.sha256(new byte[] {(byte) i});
      byte[] sig = id.signer().sign(d);
      Signature v = Signature.getInstance("NONEwithECDSA");
      v.initVerify(kp.getPublic());
      v.update(d.toBytes());
      assertThat(v.verify(sig)).isTrue();
      BigInteger s =
          ASN1Integer.getInstance(ASN1Sequence.getInstance(sig).getObjectAt(1)).getValue();
      assertThat(s).isLessThanOrEqualTo(halfN);
    }
  }

  @Test
  void a_folder_without_a_key_is_a_clear_error() throws Exception {
    writeMsp();
    Files.delete(msp.resolve("keystore/priv_sk"));
    assertThatThrownBy(() -> FabricIdentity.load("Org1MSP", msp))
        .isInstanceOf(WalletException.class)
        .hasMessageContaining("expected exactly one private key file");
  }
}
