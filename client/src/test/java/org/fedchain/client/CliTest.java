package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.fedchain.ledger.Ledgers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir Path home;

  Cli.Result run(Map<String, String> env, String... args) {
    return Cli.run(env, List.of("--home", home.toString()), args);
  }

  Cli.Result run(String... args) {
    return run(Map.of(), args);
  }

  Path passwordFile(String pw) throws Exception {
    Path f = home.resolve("pw-" + pw.hashCode());
    Files.writeString(f, pw + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  @Test
  void a_password_file_others_can_read_is_refused() throws Exception {
    Path f = passwordFile("s3cret");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    Cli.Result r = run("wallet", "new", "alice", "--password-file", f.toString());
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err()).contains("can be read by others").contains("chmod 600");
    assertThat(run("wallet", "list").out()).doesNotContain("alice");
  }

  @Test
  void creates_lists_shows_and_exports_a_wallet() throws Exception {
    Cli.Result created =
        run(
            "wallet",
            "new",
            "alice",
            "--light",
            "--password-file",
            passwordFile("s3cret").toString());
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(created.out()).contains("created wallet 'alice' 0x").doesNotContain("s3cret");
    String address = run("wallet", "export-address", "alice").out().strip();
    assertThat(address).matches("0x[0-9a-fA-F]{40}");
    assertThat(run("wallet", "list").out()).contains("alice").contains(address);
    assertThat(run("wallet", "show", "alice").out())
        .contains(address)
        .contains("alice.json")
        .contains("kdf:     scrypt (n=4096, r=8, p=6)");
  }

  @Test
  void takes_the_password_from_the_environment() {
    Cli.Result r = run(Map.of("FEDCHAIN_PASSWORD", "from-env"), "wallet", "new", "bob", "--light");
    assertThat(r.exit()).as(r.err()).isZero();
  }

  @Test
  void wallet_create_is_wallet_new() { // the word the wallet's help uses
    Cli.Result r = run(Map.of("FEDCHAIN_PASSWORD", "pw"), "wallet", "create", "dave", "--light");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(home.resolve("keystore/dave.json")).exists();
  }

  @Test
  void without_any_password_source_it_says_how_to_give_one() {
    Cli.Result r = run("wallet", "new", "carol", "--light");
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err())
        .contains("no password given")
        .contains("--password-file")
        .doesNotContain("\tat ");
    assertThat(home.resolve("keystore/carol.json")).doesNotExist();
  }

  @Test
  void a_node_names_a_malformed_data_spec_before_it_asks_for_a_password() {
    Cli.Result r =
        run(
            "node",
            "serve",
            "--coordinator=127.0.0.1:1",
            "--wallet=nobody",
            "--data=fashion-mnist:1/10:seed=q");
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err())
        .startsWith(
            "fedchain: error: data 'fashion-mnist:1/10:seed=q': seed must be a whole number");
  }

  /** The data is read once the run's model says its shape: an unknown run is named first. */
  @Test
  void an_unknown_run_is_named_before_the_data_is_read_or_the_wallet_unlocked() throws Exception {
    Path shards = home.resolve("shards.txt");
    Files.writeString(shards, "0 1\n2 3\n");
    Cli.Result r =
        run(
            "chain",
            "continue",
            "--run=" + "ab".repeat(32),
            "--wallet=nobody",
            "--data=fashion-mnist:1/3:shards=" + shards);
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err()).startsWith("fedchain: error: no run 0x" + "ab".repeat(32));
  }

  @Test
  void unknown_wallet_fails_with_one_clear_line_and_no_stack_trace() {
    Cli.Result r = run("wallet", "show", "nobody");
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err())
        .startsWith("fedchain: error: no wallet named 'nobody'")
        .doesNotContain("\tat ");
    Cli.Result verbose = run("--verbose", "wallet", "show", "nobody");
    assertThat(verbose.err()).contains("\tat ");
  }

  @Test
  void imports_a_private_key_and_rejects_a_wrong_password_on_reimport() throws Exception {
    Path key = home.resolve("key.txt");
    Files.writeString(key, "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n");
    Cli.Result r =
        run(
            "wallet",
            "import",
            "anvil0",
            "--private-key-file",
            key.toString(),
            "--light",
            "--password-file",
            passwordFile("pw1").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    Path exported = home.resolve("keystore/anvil0.json");
    Cli.Result wrong =
        run(
            "wallet",
            "import",
            "again",
            "--keystore",
            exported.toString(),
            "--password-file",
            passwordFile("nope").toString());
    assertThat(wrong.exit()).isEqualTo(Main.FAILED);
    assertThat(wrong.err()).contains("wrong password");
    assertThat(home.resolve("keystore/again.json")).doesNotExist();
  }

  @Test
  void bad_usage_exits_2_with_help() {
    Cli.Result r = run("wallet", "import", "x");
    assertThat(r.exit()).isEqualTo(Main.USAGE);
    assertThat(r.err()).contains("Missing required argument");
  }

  @Test
  void read_only_commands_on_a_home_without_a_ledger_name_it_and_create_none() {
    String run = "0x" + "ab".repeat(32);
    for (String[] args :
        List.of(
            new String[] {"ledger", "info"},
            new String[] {"ledger", "verify"},
            new String[] {"balance", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"},
            new String[] {"audit", "--run", run},
            new String[] {"run", "show", "--run", run})) {
      Cli.Result r = run(args);
      assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(Main.FAILED);
      assertThat(r.err())
          .contains("no ledger at " + home.resolve("ledger.db"))
          .contains("wrong --home or --ledger?");
    }
    assertThat(home.resolve("ledger.db")).doesNotExist();
    assertThat(home.resolve("store")).doesNotExist();
  }

  @Test
  void coordinator_serve_names_a_bad_setting_before_it_asks_for_a_password() {
    for (String[] bad :
        List.of(
            new String[] {"--rounds", "0", "--rounds must be >= 1, got 0"},
            new String[] {"--buffer", "-1", "--buffer must be >= 1, got -1"},
            new String[] {"--fraction", "1.5", "--fraction must be in (0, 1], got 1.5"})) {
      Cli.Result r =
          run("coordinator", "serve", "--wallet", "nobody", "--port", "0", bad[0], bad[1]);
      assertThat(r.exit()).as(r.err()).isEqualTo(Main.FAILED);
      assertThat(r.err()).contains(bad[2]).doesNotContain("nobody");
    }
    assertThat(home.resolve("ledger.db")).doesNotExist();
  }

  @Test
  void verifies_a_fresh_embedded_ledger_and_reports_a_zero_balance() throws Exception {
    Ledgers.open("embedded:" + home.resolve("ledger.db")).close();
    Cli.Result info = run("ledger", "info");
    assertThat(info.exit()).as(info.err()).isZero();
    assertThat(info.out()).contains("chainId:            0");
    Cli.Result v = run("ledger", "verify");
    assertThat(v.exit()).as(v.err()).isZero();
    assertThat(v.out()).contains("ledger log OK: 0 entries");
    Cli.Result b = run("balance", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    assertThat(b.out()).contains("0 VNX");
  }

  @Test
  void a_malformed_address_is_named() {
    Cli.Result r = run("balance", "0x1234");
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err()).contains("an address has 40 hex digits");
  }

  @Test
  void plaintext_to_a_coordinator_off_this_machine_is_refused_before_any_password() {
    Cli.Result r =
        run(
            "node",
            "serve",
            "--port",
            "0",
            "--coordinator",
            "10.1.2.3:7800",
            "--wallet",
            "alice",
            "--data",
            "fashion-mnist:1/3");
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err())
        .contains("refusing plaintext to 10.1.2.3:7800")
        .contains("--tls-ca")
        .contains("--insecure")
        .doesNotContain("password");
  }
}
