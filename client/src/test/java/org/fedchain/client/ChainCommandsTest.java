package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.ModelCodec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chained flow through the CLI: real DJL training on small real Fashion-MNIST shards (MLP). */
class ChainCommandsTest {
  static final Map<String, String> ENV = Map.of("FEDCHAIN_PASSWORD", "pw");
  @TempDir Path home;
  String run;

  Cli.Result run(String... args) {
    return Cli.run(ENV, List.of("--home", home.toString()), args);
  }

  Cli.Result ok(String... args) {
    return Cli.ok(ENV, List.of("--home", home.toString()), args);
  }

  Cli.Result hop(String wallet, String shard) {
    return run(
        "chain", "continue", "--run", run, "--data", "fashion-mnist:" + shard, "--wallet", wallet);
  }

  List<UpdateRecord> updates() throws Exception {
    try (Ledger l = Ledgers.open("embedded:" + home.resolve("ledger.db"))) {
      return l.updates(Hash32.parse(run));
    }
  }

  String logState() {
    return ok("ledger", "verify").out();
  }

  @BeforeEach
  void chainOfTwo() {
    for (String w : List.of("coord", "n1", "n2", "n3")) {
      ok("wallet", "new", w, "--light");
    }
    Matcher m =
        Pattern.compile("run ([0-9a-f]{64})")
            .matcher(ok("run", "open", "--wallet", "coord", "--arch", "mlp").out());
    assertThat(m.find()).isTrue();
    run = m.group(1);
    assertThat(hop("n1", "1/30").exit()).isZero();
    assertThat(hop("n2", "2/30").exit()).isZero();
  }

  @Test
  void init_pytorch_opens_a_run_from_pytorchs_default_initialisation() throws Exception {
    Matcher m =
        Pattern.compile("run ([0-9a-f]{64})")
            .matcher(
                ok("run", "open", "--wallet", "coord", "--arch", "mlp", "--init", "pytorch").out());
    assertThat(m.find()).isTrue();
    Hash32 genesis;
    try (Ledger l = Ledgers.open("embedded:" + home.resolve("ledger.db"))) {
      genesis = l.updates(Hash32.parse(m.group(1))).get(0).receipt().model();
    }
    Architecture mlp = Architectures.get("fmnist-mlp/1");
    assertThat(genesis)
        .isEqualTo(
            Hash32.sha256(ModelCodec.write(mlp.initialTensors(1, Architecture.Init.PYTORCH))))
        .isNotEqualTo(updates().get(0).receipt().model()); // the default, kaiming, same seed
  }

  @Test
  void stored_models_hash_with_sha256sum_to_what_the_ledger_holds_and_the_audit_passes()
      throws Exception {
    List<UpdateRecord> us = updates();
    assertThat(us).hasSize(3);
    BlobStore store = BlobStore.open(home.resolve("store"));
    for (UpdateRecord u : us) {
      Process p =
          new ProcessBuilder("sha256sum", store.path(u.receipt().model()).toString()).start();
      String printed =
          new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split(" ")[0];
      assertThat(p.waitFor()).isZero();
      assertThat(printed).isEqualTo(u.receipt().model().hex());
    }
    assertThat(ok("audit", "--run", run).out()).contains("audit OK: 3 updates verified");
    assertThat(us.get(2).receipt().seq()).isEqualTo(2);
    assertThat(us.get(2).receipt().parent()).isEqualTo(us.get(1).receipt().model());
  }

  @Test
  void refuses_to_continue_from_a_model_with_a_flipped_byte_and_the_audit_names_it()
      throws Exception {
    UpdateRecord head = updates().get(2);
    Path file = BlobStore.open(home.resolve("store")).path(head.receipt().model());
    byte[] b = Files.readAllBytes(file);
    b[b.length / 2] ^= 0x40;
    Files.write(file, b);
    String before = logState();

    Cli.Result r = hop("n3", "3/30");
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err())
        .contains("refusing model")
        .contains(head.updateId().toString())
        .contains("was altered")
        .contains("nothing was recorded");
    assertThat(logState()).isEqualTo(before);
    assertThat(updates()).hasSize(3);

    Cli.Result audit = run("audit", "--run", run);
    assertThat(audit.exit()).isEqualTo(Main.FAILED);
    assertThat(audit.err())
        .contains("audit FAILED for 1 update(s)")
        .contains(head.updateId().toString());
  }

  @Test
  void refuses_a_model_blob_swapped_for_another() throws Exception {
    List<UpdateRecord> us = updates();
    BlobStore store = BlobStore.open(home.resolve("store"));
    Files.copy(
        store.path(us.get(1).receipt().model()),
        store.path(us.get(2).receipt().model()),
        StandardCopyOption.REPLACE_EXISTING);
    String before = logState();
    Cli.Result r = hop("n3", "3/30");
    assertThat(r.exit()).isEqualTo(Main.FAILED);
    assertThat(r.err()).contains(us.get(2).updateId().toString());
    assertThat(logState()).isEqualTo(before);
    assertThat(run("audit", "--run", run).err()).contains(us.get(2).updateId().toString());
  }

  @Test
  void a_third_node_continues_from_the_verified_head() throws Exception {
    ok("chain", "continue", "--run", run, "--data", "fashion-mnist:3/30", "--wallet", "n3");
    List<UpdateRecord> us = updates();
    assertThat(us).hasSize(4);
    assertThat(us.get(3).receipt().parent()).isEqualTo(us.get(2).receipt().model());
  }

  @Test
  void audit_json_carries_each_update_as_typed_data() throws Exception {
    JsonNode j = new ObjectMapper().readTree(ok("audit", "--run", run, "--json").out());
    assertThat(j.get("ok").asBoolean()).isTrue();
    assertThat(j.get("updates")).hasSize(3);
    JsonNode td = j.get("updates").get(1).get("typedData");
    assertThat(td.get("primaryType").asText()).isEqualTo("ModelUpdate");
    assertThat(td.get("message").get("seq").asText()).isEqualTo("1");
  }

  @Test
  void watch_verifies_and_evaluates_each_recorded_update() {
    Cli.Result r =
        ok("watch", "--run", run, "--updates", "3", "--timeout", "120", "--test-samples", "500");
    assertThat(r.out().lines().filter(l -> l.contains("verified") && l.contains("test accuracy")))
        .hasSize(3);
  }

  @Test
  void bad_input_gets_a_clear_error_and_changes_nothing() throws Exception {
    String before = logState();
    assertThat(
            run(
                    "chain",
                    "continue",
                    "--run",
                    "ab".repeat(32),
                    "--data",
                    "fashion-mnist:1/3",
                    "--wallet",
                    "n3")
                .err())
        .contains("no run");
    assertThat(
            run(
                    "chain",
                    "continue",
                    "--run",
                    "xyz",
                    "--data",
                    "fashion-mnist:1/3",
                    "--wallet",
                    "n3")
                .err())
        .contains("--run must be a run id");
    Cli.Result badShard =
        run("chain", "continue", "--run", run, "--data", "fashion-mnist:4/3", "--wallet", "n3");
    assertThat(badShard.exit()).isEqualTo(Main.FAILED);
    assertThat(badShard.err()).contains("out of range");
    assertThat(
            run(
                    "chain",
                    "continue",
                    "--run",
                    run,
                    "--data",
                    "fashion-mnist:1/3",
                    "--wallet",
                    "n3",
                    "--password-file",
                    "/nonexistent")
                .err())
        .contains("no such file");
    Path wrong = home.resolve("wrong-pw");
    Files.writeString(wrong, "nope\n");
    Files.setPosixFilePermissions(
        wrong, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(
            run(
                    "chain",
                    "continue",
                    "--run",
                    run,
                    "--data",
                    "fashion-mnist:3/30",
                    "--wallet",
                    "n3",
                    "--password-file",
                    wrong.toString())
                .err())
        .contains("wrong password");
    Path corrupt = home.resolve("corrupt.safetensors");
    Files.write(corrupt, new byte[] {1, 2, 3});
    assertThat(run("run", "open", "--wallet", "coord", "--genesis", corrupt.toString()).err())
        .contains("--genesis " + corrupt + " is not a safetensors model: ")
        .contains("file too short");
    Cli.Result badInit = run("run", "open", "--wallet", "coord", "--init", "xavier");
    assertThat(badInit.exit()).isEqualTo(Main.FAILED);
    assertThat(badInit.err())
        .contains("unknown initialisation 'xavier'; expected kaiming or pytorch");
    assertThat(logState()).isEqualTo(before);
  }

  List<Path> storedBlobs() throws Exception {
    try (var files = Files.walk(home.resolve("store/sha256"))) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  void a_run_whose_terms_the_ledger_would_refuse_stores_nothing() throws Exception {
    ok("wallet", "new", "val", "--light");
    List<Path> blobs = storedBlobs();
    String before = logState();
    String[] open = {"run", "open", "--wallet", "coord", "--arch", "mlp", "--seed", "7"};
    Cli.Result noQuorum = run(concat(open, "--budget", "10"));
    assertThat(noQuorum.exit()).isEqualTo(Main.FAILED);
    assertThat(noQuorum.err()).contains("--budget pays attested updates only");
    Cli.Result tooFew = run(concat(open, "--validators", "val", "--quorum", "2"));
    assertThat(tooFew.err()).contains("--quorum 2 needs that many --validators, got 1");
    Cli.Result poor = run(concat(open, "--validators", "val", "--quorum", "1", "--budget", "10"));
    assertThat(poor.exit()).isEqualTo(Main.FAILED);
    assertThat(poor.err()).contains("INSUFFICIENT_BALANCE").contains("the budget is");
    assertThat(storedBlobs()).isEqualTo(blobs); // no orphan genesis model or manifest
    assertThat(logState()).isEqualTo(before);
  }

  static String[] concat(String[] head, String... tail) {
    String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }

  /**
   * Opens a run of coord's validated by val (quorum 1) with a 10 VNX budget at 0.01 VNX a point and
   * no claim window, with {@code extra} options; returns its id.
   */
  private String openRewardedRun(String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "run",
                "open",
                "--wallet",
                "coord",
                "--arch",
                "mlp",
                "--validators",
                "val",
                "--quorum",
                "1",
                "--budget",
                "10",
                "--reward-per-point",
                "0.01",
                "--claim-window",
                "0s"));
    args.addAll(List.of(extra));
    Matcher m =
        Pattern.compile("run ([0-9a-f]{64})").matcher(ok(args.toArray(String[]::new)).out());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  void a_validator_attests_and_the_contributor_is_paid_once() throws Exception {
    ok("wallet", "new", "val", "--light");
    assertThat(run("rewards", "mint", "--to", "coord", "--amount", "50").err())
        .contains("NOT_MINTER")
        .contains("--sender");
    assertThat(ok("rewards", "mint", "--to", "coord", "--amount", "50", "--sender", "coord").out())
        .contains("balance 50 VNX");
    // the first minter is the ledger's authority: nobody else mints, signed or not
    assertThat(run("rewards", "mint", "--to", "val", "--amount", "5", "--sender", "val").err())
        .contains("NOT_MINTER")
        .contains("mint authority is");
    assertThat(ok("rewards", "balance", "val").out()).contains(" 0 VNX");
    run = openRewardedRun();
    ok("chain", "continue", "--run", run, "--data", "fashion-mnist:4/30", "--wallet", "n1");
    String update = updates().get(1).updateId().toString();
    String set = "ab".repeat(32);
    String[] attest = {
      "rewards",
      "attest",
      "--update",
      update,
      "--score",
      "250",
      "--eval-set",
      set,
      "--wallet",
      "val"
    };
    // a score on a held-out set the validator never committed to is refused
    assertThat(run(attest).err()).contains("EVAL_SET_NOT_COMMITTED");
    ok("rewards", "commit-eval", "--eval-set", set, "--wallet", "val");
    ok(attest);
    Cli.Result again = run(attest);
    assertThat(again.exit()).isEqualTo(Main.FAILED);
    assertThat(again.err()).contains("ALREADY_ATTESTED");
    assertThat(ok("rewards", "claim", "--update", update).out()).contains("paid 2.5 VNX to");
    assertThat(run("rewards", "claim", "--update", update).err()).contains("ALREADY_CLAIMED");
    assertThat(ok("rewards", "balance", "n1").out()).contains(" 2.5 VNX");
    assertThat(ok("balance", "coord").out()).contains(" 40 VNX");

    // the unpaid 7.5 VNX return to the coordinator once the run is closed and the window passed
    assertThat(run("run", "reclaim", "--run", run).err()).contains("RUN_OPEN");
    ok("run", "close", "--run", run, "--wallet", "coord");
    assertThat(ok("run", "reclaim", "--run", run).out()).contains("returned 7.5 VNX");
    assertThat(ok("balance", "coord").out()).contains(" 47.5 VNX");
    assertThat(run("run", "reclaim", "--run", run).err()).contains("NOTHING_TO_PAY");
    assertThat(ok("run", "show", "--run", run).out())
        .contains("paid 10 of a 10 VNX budget")
        .contains("claim window    0 s, unpaid budget returnable from");
  }

  @Test
  void a_validator_service_scores_each_new_update_and_contributors_claim_without_a_typed_score()
      throws Exception {
    ok("wallet", "new", "val", "--light");
    ok("rewards", "mint", "--to", "coord", "--amount", "50", "--sender", "coord");
    run = openRewardedRun("--royalty", "12.5", "--royalty-to", "n3");
    String[] validate = {
      "validate",
      "--run",
      run,
      "--wallet",
      "val",
      "--eval",
      "fashion-mnist",
      "--eval-samples",
      "300",
      "--pay",
      "samples"
    };
    // before any update: it commits to its held-out set and finds nothing to score
    assertThat(ok(validate).out()).contains("validating run").doesNotContain("attested");
    ok("chain", "continue", "--run", run, "--data", "fashion-mnist:4/30", "--wallet", "n1");
    ok("chain", "continue", "--run", run, "--data", "fashion-mnist:5/30", "--wallet", "n2");
    String scored = ok(validate).out();
    assertThat(scored).contains("attested seq 1").contains("attested seq 2");
    assertThat(ok(validate).out()).doesNotContain("attested"); // each update once
    // 2000 samples each, a point per 10, 0.01 VNX a point: equal data, equal pay, of which the
    // genesis model's owner (n3) gets its 12.5% royalty
    for (int seq = 1; seq <= 2; seq++) {
      String update = updates().get(seq).updateId().toString();
      assertThat(ok("rewards", "claim", "--update", update).out())
          .contains("paid 1.75 VNX to")
          .contains("a royalty of 0.25 VNX to");
    }
    assertThat(ok("rewards", "balance", "n1").out()).contains(" 1.75 VNX");
    assertThat(ok("rewards", "balance", "n3").out()).contains(" 0.5 VNX");
    assertThat(ok("run", "show", "--run", run).out()).contains("royalty         12.5% of each");
    assertThat(
            run(
                    "run",
                    "open",
                    "--wallet",
                    "coord",
                    "--arch",
                    "mlp",
                    "--royalty",
                    "2.555",
                    "--royalty-to",
                    "n3")
                .err())
        .contains("--royalty must be a percentage 0..100 with up to two decimals");
    // only a validator of the run validates
    Cli.Result stranger =
        run(
            "validate",
            "--run",
            run,
            "--wallet",
            "n1",
            "--eval",
            "fashion-mnist",
            "--pay",
            "samples");
    assertThat(stranger.exit()).isEqualTo(Main.FAILED);
    assertThat(stranger.err()).contains("is not a validator of run");
    assertThat(run("validate", "--run", run, "--wallet", "val", "--pay", "best").err())
        .contains("--pay must be shapley, samples or gain");
  }

  @Test
  void a_data_owner_lends_a_shard_sees_its_use_and_is_paid_its_share() throws Exception {
    ok("wallet", "new", "val", "--light");
    ok("wallet", "new", "owner", "--light");
    ok("wallet", "new", "author", "--light");
    ok("rewards", "mint", "--to", "coord", "--amount", "50", "--sender", "coord");
    // the model spec's author publishes it first; a later publisher does not become its author
    assertThat(
            run("run", "open", "--wallet", "coord", "--arch", "mlp", "--spec-royalty", "10").err())
        .contains("SPEC_UNKNOWN");
    assertThat(ok("model", "publish", "mlp", "--wallet", "author").out())
        .contains("published spec");
    Cli.Result second = run("model", "publish", "mlp", "--wallet", "n2");
    assertThat(second.exit()).isEqualTo(Main.FAILED);
    assertThat(second.err()).contains("was published first by");
    assertThat(ok("model", "author", "mlp").out()).contains("published by");
    run = openRewardedRun("--spec-royalty", "10");
    assertThat(ok("run", "show", "--run", run).out())
        .contains("spec author     10% of each reward");
    String shard = "fashion-mnist:4/30";
    String commitment = ok("data", "commit", shard, "--model", "mlp").out();
    assertThat(commitment).contains("2000 samples");
    String granted =
        ok(
                "data",
                "grant",
                shard,
                "--run",
                run,
                "--wallet",
                "owner",
                "--node",
                "n1",
                "--share",
                "50")
            .out();
    Matcher g = Pattern.compile("grant ([0-9a-f]{64})").matcher(granted);
    assertThat(g.find()).as(granted).isTrue();
    String grant = g.group(1);
    assertThat(granted).contains(commitment.split(" ")[1].replace(",", ""));

    // the node checks what it was given against the grant before it trains
    assertThat(
            run(
                    "chain",
                    "continue",
                    "--run",
                    run,
                    "--data",
                    "fashion-mnist:5/30",
                    "--wallet",
                    "n1",
                    "--grant",
                    grant)
                .err())
        .contains("the data given is");
    assertThat(
            run(
                    "chain",
                    "continue",
                    "--run",
                    run,
                    "--data",
                    shard,
                    "--wallet",
                    "n2",
                    "--grant",
                    grant)
                .err())
        .contains("it is lent to");
    assertThat(updates()).hasSize(1); // nothing recorded
    assertThat(
            ok(
                    "chain",
                    "continue",
                    "--run",
                    run,
                    "--data",
                    shard,
                    "--wallet",
                    "n1",
                    "--grant",
                    grant)
                .out())
        .contains("cited grant " + grant + " for 2000 samples");
    ok(
        "validate",
        "--run",
        run,
        "--wallet",
        "val",
        "--eval",
        "fashion-mnist",
        "--eval-samples",
        "300",
        "--pay",
        "samples");
    String update = updates().get(1).updateId().toString();
    // the manifest names the grant its data came from, as the citation does
    var manifest =
        org.fedchain.core.model.Manifest.parse(
            BlobStore.open(home.resolve("store")).get(updates().get(1).receipt().manifest()));
    assertThat(manifest.grants()).containsEntry(grant, 2000L);
    assertThat(ok("rewards", "claim", "--update", update).out())
        .contains("paid 0.9 VNX to")
        .contains("0.2 VNX to spec author")
        .contains("0.9 VNX to data owner");
    // 200 points x 0.01 VNX = 2 VNX: 10% to the spec's author, of the rest half to the owner,
    // whose 2000 samples are all the update's
    assertThat(ok("rewards", "balance", "author").out()).contains(" 0.2 VNX");
    // the pay is split: no citation is added to a claimed update
    assertThat(
            run(
                    "chain",
                    "cite",
                    "--update",
                    update,
                    "--grant",
                    grant,
                    "--samples",
                    "5",
                    "--wallet",
                    "n1")
                .err())
        .contains("ALREADY_CLAIMED");
    assertThat(ok("rewards", "balance", "owner").out()).contains(" 0.9 VNX");
    assertThat(ok("rewards", "balance", "n1").out()).contains(" 0.9 VNX");
    String usage = ok("data", "usage", "--wallet", "owner").out();
    assertThat(usage)
        .contains("grant " + grant)
        .contains("share 50%")
        .contains("used by update " + update.substring(2))
        .contains("2000 samples, paid 0.9 VNX")
        .contains("paid in all: 0.9 VNX");
    assertThat(ok("data", "usage", "--wallet", "owner", "--json").out())
        .contains("\"paidWei\" : \"900000000000000000\"");
    assertThat(ok("audit", "--run", run).out())
        .containsPattern("data of 0x[0-9a-fA-F]{40}: 2000 samples");

    // revoked: no update cites it again; only its owner revokes it
    assertThat(run("data", "revoke", "--grant", grant, "--wallet", "n1").err())
        .contains("NOT_GRANT_OWNER");
    ok("data", "revoke", "--grant", grant, "--wallet", "owner");
    assertThat(
            run(
                    "chain",
                    "continue",
                    "--run",
                    run,
                    "--data",
                    shard,
                    "--wallet",
                    "n1",
                    "--grant",
                    grant)
                .err())
        .contains("its owner revoked it");
    assertThat(ok("data", "usage", "--wallet", "owner").out()).contains("(revoked)");

    // a Merkle proof that one sample is in the lent dataset, and not in another
    Path proof = home.resolve("proof.json");
    ok("data", "prove", shard, "--model", "mlp", "--index", "17", "--out", proof.toString());
    assertThat(ok("data", "verify", proof.toString()).out()).contains("proof OK");
    String other = ok("data", "commit", "fashion-mnist:5/30", "--model", "mlp").out().split(" ")[1];
    Cli.Result wrong = run("data", "verify", proof.toString(), "--root", other.replace(",", ""));
    assertThat(wrong.exit()).isEqualTo(Main.FAILED);
    assertThat(wrong.err()).contains("proof FAILED");
    java.nio.file.Files.writeString(proof, "{\"sample\": 3}");
    assertThat(run("data", "verify", proof.toString()).err())
        .contains("is not a proof written by 'data prove'");
  }

  @Test
  void only_the_coordinator_closes_a_run_and_a_closed_run_takes_no_more_updates() throws Exception {
    String shown = ok("run", "show", "--run", run).out();
    assertThat(shown)
        .contains("run " + run + " (open)")
        .contains("mode            CHAINED")
        .contains("updates         3")
        .contains(
            "head            seq 2 CHAINED model " + updates().get(2).receipt().model().hex());

    String before = logState();
    Cli.Result stranger = run("run", "close", "--run", run, "--wallet", "n1");
    assertThat(stranger.exit()).isEqualTo(Main.FAILED);
    assertThat(stranger.err()).contains("NOT_COORDINATOR");
    Cli.Result unknown = run("run", "close", "--run", "ab".repeat(32), "--wallet", "coord");
    assertThat(unknown.exit()).isEqualTo(Main.FAILED);
    assertThat(unknown.err()).contains("no run " + "ab".repeat(32));
    assertThat(logState()).isEqualTo(before);

    assertThat(ok("run", "close", "--run", run, "--wallet", "coord").out())
        .contains("closed run " + run);
    assertThat(ok("run", "show", "--run", run).out()).contains("(closed)");
    Cli.Result late = hop("n3", "3/30");
    assertThat(late.exit()).isEqualTo(Main.FAILED);
    assertThat(late.err()).contains("run 0x" + run + " is closed");
    assertThat(updates()).hasSize(3);
    assertThat(ok("audit", "--run", run).out()).contains("audit OK: 3 updates verified");
  }

  @Test
  void a_stranger_cannot_continue_a_run_that_admits_its_nodes() throws Exception {
    Matcher m =
        Pattern.compile("run ([0-9a-f]{64})")
            .matcher(
                ok("run", "open", "--wallet", "coord", "--arch", "mlp", "--admit", "n1,n2").out());
    assertThat(m.find()).isTrue();
    run = m.group(1);
    assertThat(ok("run", "show", "--run", run).out())
        .containsPattern("contributors    0x[0-9a-fA-F]{40}, 0x[0-9a-fA-F]{40}");
    assertThat(hop("n1", "1/30").exit()).isZero();

    String before = logState();
    Cli.Result stranger = hop("n3", "3/30");
    assertThat(stranger.exit()).isEqualTo(Main.FAILED);
    assertThat(stranger.err()).contains("NOT_ADMITTED");
    assertThat(logState()).isEqualTo(before);
    assertThat(updates()).hasSize(2);
    assertThat(hop("n2", "2/30").exit()).isZero();
    assertThat(ok("audit", "--run", run).out()).contains("audit OK: 3 updates verified");

    // the coordinator admits n3 later; only it may
    Cli.Result self = run("run", "admit", "--run", run, "--node", "n3", "--wallet", "n3");
    assertThat(self.exit()).isEqualTo(Main.FAILED);
    assertThat(self.err()).contains("NOT_COORDINATOR");
    assertThat(ok("run", "admit", "--run", run, "--node", "n3", "--wallet", "coord").out())
        .contains("admitted ");
    assertThat(hop("n3", "3/30").exit()).isZero();
    assertThat(ok("audit", "--run", run).out()).contains("audit OK: 4 updates verified");
  }
}
