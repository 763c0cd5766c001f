package org.fedchain.wallet;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A Hyperledger Fabric identity: MSP id, X.509 certificate and a P-256 signer, loaded from an MSP
 * folder as cryptogen or a Fabric CA writes it ({@code signcerts/*.pem}, {@code keystore/*}).
 */
public record FabricIdentity(String mspId, X509Certificate certificate, Signer signer)
    implements Identity {
  @Override
  public String id() {
    return mspId + ":" + certificate.getSubjectX500Principal().getName();
  }

  @Override
  public String toString() {
    return "FabricIdentity[" + id() + "]";
  }

  /**
   * Loads {@code <mspDir>/signcerts/} and {@code <mspDir>/keystore/}, each holding one PEM file.
   */
  public static FabricIdentity load(String mspId, Path mspDir) throws WalletException, IOException {
    Path certFile = single(mspDir.resolve("signcerts"), "certificate");
    Path keyFile = single(mspDir.resolve("keystore"), "private key");
    X509Certificate cert = readCertificate(certFile);
    PrivateKey key = readPrivateKey(keyFile);
    if (!"EC".equals(key.getAlgorithm())) {
      throw new WalletException(
          keyFile + " holds a " + key.getAlgorithm() + " key; Fabric identities use EC P-256");
    }
    Signer signer = Signers.p256(key);
    return new FabricIdentity(mspId, cert, signer);
  }

  private static Path single(Path dir, String what) throws WalletException, IOException {
    if (!Files.isDirectory(dir)) {
      throw new WalletException("MSP folder has no " + dir.getFileName() + "/ directory: " + dir);
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (Files.isRegularFile(p)) {
          files.add(p);
        }
      }
    }
    if (files.size() != 1) {
      throw new WalletException(
          "expected exactly one " + what + " file in " + dir + ", found " + files.size());
    }
    return files.get(0);
  }

  static X509Certificate readCertificate(Path file) throws WalletException, IOException {
    try (Reader r = Files.newBufferedReader(file);
        PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      if (!(o instanceof X509CertificateHolder h)) {
        throw new WalletException(file + " is not a PEM certificate");
      }
      return new JcaX509CertificateConverter().getCertificate(h);
    } catch (CertificateException e) {
      throw new WalletException(file + " holds an unreadable certificate: " + e.getMessage(), e);
    }
  }

  static PrivateKey readPrivateKey(Path file) throws WalletException, IOException {
    try (Reader r = Files.newBufferedReader(file);
        PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      JcaPEMKeyConverter c = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return c.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return c.getKeyPair(pair).getPrivate();
      }
      throw new WalletException(file + " is not an unencrypted PEM private key");
    }
  }
}
