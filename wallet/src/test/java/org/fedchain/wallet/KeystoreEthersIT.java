package org.fedchain.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.fedchain.core.Address;
import org.fedchain.core.Hex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keystores written by ethers open in FedChain and the reverse, with the same address. */
class KeystoreEthersIT {
  @TempDir Path dir;
  static final String PW = "pässword 1";

  record Result(int exit, String out) {}

  static Result ethers(String... args) throws Exception {
    Path nodeModules =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"),
            "node",
            "node_modules");
    assertThat(nodeModules.resolve("ethers"))
        .as("ethers is installed by scripts/setup.sh")
        .isDirectory();
    String[] cmd = new String[args.length + 2];
    cmd[0] = "node";
    cmd[1] = "src/test/js/keystore-ethers.cjs";
    System.arraycopy(args, 0, cmd, 2, args.length);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("NODE_PATH", nodeModules.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  @Test
  void a_keystore_written_by_ethers_unlocks_in_fedchain() throws Exception {
    String key = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    Result r = ethers("encrypt", "0x" + key, PW);
    assertThat(r.exit()).as(r.out()).isZero();
    Keystore ks = Keystore.at(dir);
    assertThatThrownBy(
            () ->
                ks.importKeystore(
                    "fromethers", r.out().getBytes(StandardCharsets.UTF_8), "nope".toCharArray()))
        .isInstanceOf(WrongPasswordException.class);
    Address a =
        ks.importKeystore("fromethers", r.out().getBytes(StandardCharsets.UTF_8), PW.toCharArray());
    assertThat(a.toString()).isEqualTo("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assertThat(ks.unlock("fromethers", PW.toCharArray()).address()).isEqualTo(a);
    assertThat(org.fedchain.core.receipt.Secp256k1.addressOf(Hex.decode(key))).isEqualTo(a);
  }

  @Test
  void a_keystore_written_by_fedchain_unlocks_in_ethers() throws Exception {
    Keystore ks = Keystore.at(dir);
    Address a = ks.create("ours", PW.toCharArray(), Keystore.Kdf.STANDARD);
    Result r = ethers("decrypt", dir.resolve("ours.json").toString(), PW);
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out().strip()).isEqualTo(a.toString());
    Result wrong = ethers("decrypt", dir.resolve("ours.json").toString(), "wrong");
    assertThat(wrong.exit()).isNotZero();
    assertThat(wrong.out()).containsIgnoringCase("incorrect password");
    assertThat(Files.exists(dir.resolve("ours.json"))).isTrue();
  }
}
