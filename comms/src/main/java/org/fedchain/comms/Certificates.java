package org.fedchain.comms;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Writes a small private PKI for a FedChain deployment (what {@code fedchain node certs} will run):
 * one certificate authority, and per node a leaf certificate signed by it that serves as both TLS
 * server and TLS client certificate, so the same files give TLS and mutual TLS. Keys are EC P-256,
 * written as PKCS#8 PEM readable only by the owner.
 *
 * <pre>{@code
 * PemFiles ca = Certificates.createAuthority(dir, "fedchain-ca");
 * PemFiles node = Certificates.createNode(dir, "node1", ca);   // SAN 127.0.0.1, localhost
 * ModelStoreServer.newBuilder(store).tls(node).trustRoots(ca.certificate())
 *     .clientAuth(ClientAuth.REQUIRE).build();
 * }</pre>
 */
public final class Certificates {
  /** Hosts every node certificate names, so loopback tests and single-machine runs work. */
  public static final List<String> LOOPBACK_HOSTS = List.of("127.0.0.1", "localhost");

  private static final Duration AUTHORITY_VALIDITY = Duration.ofDays(3650);
  private static final Duration NODE_VALIDITY = Duration.ofDays(825);
  private static final SecureRandom RANDOM = new SecureRandom();

  private Certificates() {}

  /**
   * Creates a self-signed CA: {@code <dir>/<name>.pem} and {@code <dir>/<name>-key.pem}. Existing
   * files are replaced.
   */
  public static PemFiles createAuthority(Path dir, String name) throws IOException {
    checkName(name);
    KeyPair kp = newKeyPair();
    X500Name subject = new X500Name("CN=" + name + ",O=FedChain");
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(now.plus(AUTHORITY_VALIDITY)),
                  subject,
                  kp.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(kp.getPublic()));
      return write(dir, name, b.build(signer(kp.getPrivate())), kp.getPrivate());
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("the JDK cannot create EC P-256 certificates", e);
    }
  }

  /** Like {@link #createNode(Path, String, PemFiles, List)} for {@link #LOOPBACK_HOSTS}. */
  public static PemFiles createNode(Path dir, String name, PemFiles authority) throws IOException {
    return createNode(dir, name, authority, LOOPBACK_HOSTS);
  }

  /**
   * Creates {@code <dir>/<name>.pem} (leaf then CA certificate) and {@code <dir>/<name>-key.pem},
   * signed by {@code authority}, naming {@code hosts} (IP addresses or DNS names) as subject
   * alternative names and usable for both server and client authentication.
   */
  public static PemFiles createNode(Path dir, String name, PemFiles authority, List<String> hosts)
      throws IOException {
    checkName(name);
    Objects.requireNonNull(authority, "authority");
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException(
          "a node certificate needs at least one host name or IP address; got none");
    }
    X509CertificateHolder caCert = readCertificate(authority.certificate());
    PrivateKey caKey = readPrivateKey(authority.privateKey());
    KeyPair kp = newKeyPair();
    Instant now = Instant.now();
    List<GeneralName> names = new ArrayList<>();
    for (String h : hosts) {
      names.add(
          isIpAddress(h)
              ? new GeneralName(GeneralName.iPAddress, h)
              : new GeneralName(GeneralName.dNSName, h));
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  caCert.getSubject(),
                  serial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(now.plus(NODE_VALIDITY)),
                  new X500Name("CN=" + name + ",O=FedChain"),
                  kp.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(names.toArray(GeneralName[]::new)))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(kp.getPublic()))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(caCert));
      X509CertificateHolder leaf = b.build(signer(caKey));
      return write(dir, name, leaf, caCert, kp.getPrivate());
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("cannot sign a node certificate with " + authority, e);
    }
  }

  private static void checkName(String name) {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException(
          "a certificate name is 1-64 letters, digits, '.', '_' or '-' (it names the files); got "
              + name);
    }
  }

  private static boolean isIpAddress(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no EC P-256 key generator", e);
    }
  }

  private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
    return new JcaContentSignerBuilder("SHA256withECDSA").build(key);
  }

  private static PemFiles write(Path dir, String name, Object... certsThenKey) throws IOException {
    Files.createDirectories(dir);
    Path cert = dir.resolve(name + ".pem");
    Path key = dir.resolve(name + "-key.pem");
    int last = certsThenKey.length - 1;
    writePem(cert, java.util.Arrays.copyOf(certsThenKey, last), false);
    writePem(key, new Object[] {certsThenKey[last]}, true);
    return new PemFiles(cert, key);
  }

  private static void writePem(Path file, Object[] objects, boolean secret) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    try {
      if (secret) {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system: rely on the folder's permissions
        }
      }
      try (Writer w = Files.newBufferedWriter(tmp);
          JcaPEMWriter pem = new JcaPEMWriter(w)) {
        for (Object o : objects) {
          if (o instanceof PrivateKey k) {
            // PKCS#8 ("BEGIN PRIVATE KEY"), the form Netty's TLS reads
            pem.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null));
          } else {
            pem.writeObject(o);
          }
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static X509CertificateHolder readCertificate(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file);
        PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      if (o instanceof X509CertificateHolder h) {
        return h;
      }
      throw new IOException(file + " does not start with a PEM certificate");
    }
  }

  private static PrivateKey readPrivateKey(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file);
        PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return conv.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return conv.getKeyPair(pair).getPrivate();
      }
      throw new IOException(file + " holds no unencrypted PEM private key");
    }
  }
}
