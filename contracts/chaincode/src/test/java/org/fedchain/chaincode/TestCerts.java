package org.fedchain.chaincode;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed P-256 certificates with a chosen subject, as Fabric's cryptogen issues them. */
final class TestCerts {
  private TestCerts() {}

  static X509Certificate withSubject(String dn) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name(dn);
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    return new JcaX509CertificateConverter()
        .getCertificate(
            new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.ONE,
                    Date.from(now),
                    Date.from(now.plusSeconds(86_400)),
                    name,
                    kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
  }

  static Caller admin(String msp) throws Exception {
    return new Caller(msp, withSubject("C=US,ST=California,OU=admin,CN=Admin@org1.example.com"));
  }

  static Caller client(String msp) throws Exception {
    return new Caller(msp, withSubject("C=US,ST=California,OU=client,CN=User1@org1.example.com"));
  }
}
