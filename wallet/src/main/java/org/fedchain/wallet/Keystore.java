package org.fedchain.wallet;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.fedchain.core.Address;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Wallet;
import org.web3j.crypto.WalletFile;
import org.web3j.crypto.exception.CipherException;

/**
 * Named Ethereum keystore V3 files (scrypt) in one directory, {@code <dir>/<name>.json}, mode 600.
 * Files open in geth, ethers and web3j, and theirs open here.
 *
 * <pre>{@code
 * Keystore ks = Keystore.at(home.resolve("keystore"));
 * Address a = ks.create("alice", password, Keystore.Kdf.STANDARD);
 * EthereumIdentity me = ks.unlock("alice", password);
 * }</pre>
 */
public final class Keystore {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** Scrypt cost: STANDARD (N=262144, ~1 s to open) or LIGHT (N=4096, for demos and tests). */
  public enum Kdf {
    STANDARD,
    LIGHT
  }

  /**
   * One keystore file: its name, address, path and key derivation, e.g. {@code scrypt (n=262144,
   * r=8, p=1)}: what each unlock costs, and what a password guess costs an attacker.
   */
  public record Entry(String name, Address address, Path path, String kdf) {}

  private final Path dir;

  private Keystore(Path dir) {
    this.dir = dir;
  }

  public static Keystore at(Path dir) {
    return new Keystore(dir);
  }

  public Path dir() {
    return dir;
  }

  /** Creates a new random key, encrypts it and stores it under {@code name}. */
  public Address create(String name, char[] password, Kdf kdf) throws WalletException, IOException {
    try {
      return store(name, Keys.createEcKeyPair(), password, kdf);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("no secure random source for key generation", e);
    }
  }

  /** Encrypts an existing raw private key (32 bytes) and stores it under {@code name}. */
  public Address importPrivateKey(String name, byte[] privateKey, char[] password, Kdf kdf)
      throws WalletException, IOException {
    if (privateKey.length != 32) {
      throw new WalletException(
          "a private key has 32 bytes (64 hex digits), got " + privateKey.length);
    }
    return store(name, ECKeyPair.create(privateKey), password, kdf);
  }

  /**
   * Imports a keystore V3 file written by another tool (geth, ethers, web3j). The password must
   * open it and the key must match its address field; the file is then copied as it is.
   */
  public Address importKeystore(String name, byte[] json, char[] password)
      throws WalletException, IOException {
    checkName(name);
    WalletFile wf = parse(json, "the imported file");
    Address address = decrypt(wf, password, "the imported keystore").address();
    write(name, json);
    return address;
  }

  public List<Entry> list() throws IOException {
    List<Entry> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : files) {
        String name = f.getFileName().toString().replaceFirst("\\.json$", "");
        try {
          out.add(entry(name));
        } catch (WalletException e) {
          // listed with a zero address so the user sees the broken file instead of losing it
          out.add(new Entry(name, Address.ZERO, f, "unreadable"));
        }
      }
    }
    out.sort(java.util.Comparator.comparing(Entry::name));
    return out;
  }

  /** The address of a keystore, read without the password. */
  public Entry entry(String name) throws WalletException, IOException {
    Parsed p = read(name);
    return new Entry(name, p.address, file(name), kdf(p.file));
  }

  private static String kdf(WalletFile wf) {
    Object params = wf.getCrypto().getKdfparams();
    if (params instanceof WalletFile.ScryptKdfParams s) {
      return "scrypt (n=" + s.getN() + ", r=" + s.getR() + ", p=" + s.getP() + ")";
    }
    if (params instanceof WalletFile.Aes128CtrKdfParams a) {
      return "pbkdf2 (c=" + a.getC() + ", " + a.getPrf() + ")";
    }
    return String.valueOf(wf.getCrypto().getKdf());
  }

  /** Decrypts a keystore. */
  public EthereumIdentity unlock(String name, char[] password) throws WalletException, IOException {
    Parsed p = read(name);
    return decrypt(p.file, password, "keystore '" + name + "' (" + p.address + ")");
  }

  private record Parsed(WalletFile file, Address address) {}

  private Parsed read(String name) throws WalletException, IOException {
    checkName(name);
    byte[] json;
    try {
      json = Files.readAllBytes(file(name));
    } catch (NoSuchFileException e) {
      throw new WalletException("no wallet named '" + name + "' in " + dir + known());
    }
    WalletFile wf = parse(json, file(name).toString());
    try {
      return new Parsed(wf, Address.parse(wf.getAddress()));
    } catch (RuntimeException e) {
      throw new WalletException(file(name) + " has no valid address field: " + e.getMessage());
    }
  }

  private String known() throws IOException {
    List<String> names = new ArrayList<>();
    for (Entry e : list()) {
      names.add(e.name);
    }
    return names.isEmpty()
        ? " (there are none: create one with 'fedchain wallet new')"
        : " (known: " + String.join(", ", names) + ")";
  }

  private static WalletFile parse(byte[] json, String what) throws WalletException {
    try {
      WalletFile wf = JSON.readValue(json, WalletFile.class);
      if (wf.getCrypto() == null || wf.getVersion() != 3) {
        throw new WalletException(
            what + " is not an Ethereum keystore V3 file (version 3 with a crypto section)");
      }
      return wf;
    } catch (IOException e) {
      throw new WalletException(what + " is not valid keystore JSON: " + e.getMessage(), e);
    }
  }

  private static EthereumIdentity decrypt(WalletFile wf, char[] password, String what)
      throws WalletException {
    ECKeyPair pair;
    try {
      pair = Wallet.decrypt(new String(password), wf);
    } catch (CipherException e) {
      if (String.valueOf(e.getMessage()).contains("Invalid password")) {
        throw new WrongPasswordException("wrong password for " + what);
      }
      throw new WalletException("cannot open " + what + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new WalletException(
          "cannot open " + what + ": malformed crypto parameters (" + e + ")", e);
    }
    byte[] key = toBytes32(pair.getPrivateKey());
    try {
      EthereumIdentity id = Signers.secp256k1(key);
      if (wf.getAddress() != null
          && !wf.getAddress().isEmpty()
          && !id.address().equals(Address.parse(wf.getAddress()))) {
        throw new WalletException(
            what + ": the key does not match the file's address field " + wf.getAddress());
      }
      return id;
    } finally {
      Signers.wipe(key);
    }
  }

  private Address store(String name, ECKeyPair pair, char[] password, Kdf kdf)
      throws WalletException, IOException {
    checkName(name);
    if (Files.exists(file(name))) {
      throw new WalletException("a wallet named '" + name + "' already exists: " + file(name));
    }
    if (password.length == 0) {
      throw new WalletException("refusing an empty password");
    }
    WalletFile wf;
    try {
      wf =
          kdf == Kdf.LIGHT
              ? Wallet.createLight(new String(password), pair)
              : Wallet.createStandard(new String(password), pair);
    } catch (CipherException e) {
      throw new WalletException("cannot encrypt the key: " + e.getMessage(), e);
    }
    write(name, JSON.writeValueAsBytes(wf));
    return Address.parse(wf.getAddress());
  }

  private Path file(String name) {
    return dir.resolve(name + ".json");
  }

  private static void checkName(String name) throws WalletException {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new WalletException(
          "wallet name '"
              + name
              + "' is not allowed: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
    }
  }

  /** Writes a new keystore file atomically with mode 600; never overwrites. */
  private void write(String name, byte[] json) throws WalletException, IOException {
    Files.createDirectories(
        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path dest = file(name);
    if (Files.exists(dest)) {
      throw new WalletException("a wallet named '" + name + "' already exists: " + dest);
    }
    Path tmp =
        Files.createTempFile(
            dir,
            "." + name,
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(json));
        ch.force(true);
      }
      try {
        Files.createLink(dest, tmp); // fails if dest appeared meanwhile: never overwrite a key
      } catch (FileAlreadyExistsException e) {
        throw new WalletException("a wallet named '" + name + "' already exists: " + dest);
      } catch (UnsupportedOperationException e) {
        Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static byte[] toBytes32(BigInteger k) {
    byte[] raw = k.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, 32 - n, n);
    Signers.wipe(raw);
    return out;
  }
}
