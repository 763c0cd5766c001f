package org.fedchain.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.assertj.core.groups.Tuple;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Secp256k1;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeystoreTest {
  @TempDir Path dir;
  static final char[] PW = "correct horse".toCharArray();

  @Test
  void creates_a_keystore_with_mode_600_that_unlocks_to_the_same_address() throws Exception {
    Keystore ks = Keystore.at(dir.resolve("keystore"));
    Address a = ks.create("alice", PW, Keystore.Kdf.LIGHT);
    Path f = dir.resolve("keystore/alice.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())))
        .isEqualTo("rwx------");
    assertThat(Files.readString(f)).doesNotContain(new String(PW));
    EthereumIdentity id = ks.unlock("alice", PW);
    assertThat(id.address()).isEqualTo(a);
    Hash32 d = Hash32.keccak256("x".getBytes());
    assertThat(Secp256k1.recover(d, id.signer().sign(d))).isEqualTo(a);
    assertThat(ks.list()).extracting(Keystore.Entry::name).containsExactly("alice");
    assertThat(id.toString()).doesNotContain("key=").contains(a.toString());
    assertThat(id.signer().toString()).contains("hidden");
  }

  @Test
  void a_wrong_password_fails_with_a_clear_message() throws Exception {
    Keystore ks = Keystore.at(dir);
    ks.create("bob", PW, Keystore.Kdf.LIGHT);
    assertThatThrownBy(() -> ks.unlock("bob", "wrong".toCharArray()))
        .isInstanceOf(WrongPasswordException.class)
        .hasMessageStartingWith("wrong password for keystore 'bob'");
  }

  @Test
  void unknown_names_list_the_known_ones() throws Exception {
    Keystore ks = Keystore.at(dir);
    ks.create("carol", PW, Keystore.Kdf.LIGHT);
    assertThatThrownBy(() -> ks.unlock("dave", PW))
        .hasMessageContaining("no wallet named 'dave'")
        .hasMessageContaining("known: carol");
  }

  @Test
  void never_overwrites_an_existing_wallet() throws Exception {
    Keystore ks = Keystore.at(dir);
    Address first = ks.create("erin", PW, Keystore.Kdf.LIGHT);
    byte[] before = Files.readAllBytes(dir.resolve("erin.json"));
    assertThatThrownBy(() -> ks.create("erin", PW, Keystore.Kdf.LIGHT))
        .hasMessageContaining("already exists");
    assertThat(Files.readAllBytes(dir.resolve("erin.json"))).isEqualTo(before);
    assertThat(ks.entry("erin").address()).isEqualTo(first);
    try (var s = Files.list(dir)) {
      assertThat(s.count()).isEqualTo(1);
    }
  }

  @Test
  void an_entry_names_its_key_derivation_and_cost() throws Exception {
    Keystore ks = Keystore.at(dir);
    ks.create("light", PW, Keystore.Kdf.LIGHT);
    assertThat(ks.entry("light").kdf()).isEqualTo("scrypt (n=4096, r=8, p=6)");
    // the pbkdf2 vector of the Web3 Secret Storage definition, as geth may still write it
    Files.writeString(
        dir.resolve("geth.json"),
        """
        {"address":"008aeeda4d805471df9b2a5b0f38a0c3bcba786b","version":3,
         "id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","crypto":{"cipher":"aes-128-ctr",
         "cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},
         "ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
         "kdf":"pbkdf2","kdfparams":{"c":262144,"dklen":32,"prf":"hmac-sha256",
         "salt":"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
         "mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"}}
        """);
    assertThat(ks.entry("geth").kdf()).isEqualTo("pbkdf2 (c=262144, hmac-sha256)");
    Files.writeString(dir.resolve("broken.json"), "{not json");
    assertThat(ks.list())
        .extracting(Keystore.Entry::name, Keystore.Entry::kdf)
        .contains(Tuple.tuple("broken", "unreadable"));
  }

  @Test
  void rejects_names_that_could_escape_the_directory() {
    Keystore ks = Keystore.at(dir);
    assertThatThrownBy(() -> ks.create("../evil", PW, Keystore.Kdf.LIGHT))
        .hasMessageContaining("is not allowed");
  }

  @Test
  void imports_a_raw_private_key() throws Exception {
    Keystore ks = Keystore.at(dir);
    byte[] key = Hex.decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    Address a = ks.importPrivateKey("anvil0", key, PW, Keystore.Kdf.LIGHT);
    assertThat(a.toString()).isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assertThat(ks.unlock("anvil0", PW).address()).isEqualTo(a);
  }

  @Test
  void a_corrupt_keystore_file_is_named_in_the_error() throws Exception {
    Keystore ks = Keystore.at(dir);
    Files.writeString(dir.resolve("broken.json"), "{not json");
    assertThatThrownBy(() -> ks.unlock("broken", PW))
        .isInstanceOf(WalletException.class)
        .hasMessageContaining("broken.json");
    assertThatThrownBy(() -> ks.importKeystore("x", "{\"version\":3}".getBytes(), PW))
        .hasMessageContaining("not an Ethereum keystore V3");
    assertThat(Files.exists(dir.resolve("x.json"))).isFalse();
  }
}
