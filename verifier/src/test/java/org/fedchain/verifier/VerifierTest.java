package org.fedchain.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.SafeTensors;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier on a real embedded ledger and store, with small hand-made models. */
class VerifierTest {
  static final byte[] COORD =
      Hex.decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  static final byte[] ALICE =
      Hex.decode("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  static final RunConfig TERMS = RunConfig.unrewarded(Mode.CHAINED);
  static final Hash32 RUN = TERMS.runId(Secp256k1.addressOf(COORD));

  @TempDir Path dir;
  Ledger ledger;
  BlobStore store;
  List<UpdateRecord> chain = new ArrayList<>();

  static List<Tensor> model(float bias, float head) {
    return List.of(
        Tensor.ofFloats("0.bias", new long[] {2}, new float[] {bias, bias}),
        Tensor.ofFloats("0.weight", new long[] {2, 2}, new float[] {1, 2, 3, 4}),
        Tensor.ofFloats("2.weight", new long[] {1, 2}, new float[] {head, head}));
  }

  /** The network these tensors are the parameters of, stored as the runs' model spec. */
  static final org.fedchain.trainer.ModelSpec SPEC =
      org.fedchain.trainer.ModelSpec.parse(
          ("{\"format\":\"fedchain-model/1\",\"input\":[2],\"output\":1,\"layers\":["
                  + "{\"type\":\"dense\",\"out\":2},{\"type\":\"relu\"},"
                  + "{\"type\":\"dense\",\"out\":1,\"bias\":false}]}")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));

  UpdateRecord record(
      UpdateKind kind,
      long seq,
      Hash32 parent,
      List<Tensor> tensors,
      byte[] key,
      List<String> frozen)
      throws Exception {
    Hash32 modelHash = store.put(SafeTensors.write(tensors));
    store.put(SPEC.canonical());
    Hash32 data =
        kind == UpdateKind.GENESIS ? TERMS.hash() : Hash32.sha256(("data" + seq).getBytes());
    Manifest.Builder b =
        Manifest.builder()
            .runId(RUN)
            .kind(kind)
            .parents(parent.isZero() ? List.of() : List.of(parent))
            .model(modelHash)
            .tensors(tensors)
            .architecture(SPEC.hash().hex())
            .seed(1)
            .epochs(1)
            .steps(10)
            .metrics(Map.of("accuracy", 0.5))
            .frozen(frozen)
            .threads(1);
    if (kind != UpdateKind.GENESIS) {
      b.dataset(data, 100);
    }
    Manifest m = b.build();
    Hash32 manifestHash = store.put(m.toJson());
    ModelUpdate u =
        new ModelUpdate(
            RUN,
            seq,
            kind,
            parent,
            modelHash,
            manifestHash,
            data,
            kind == UpdateKind.GENESIS ? 0 : 100,
            Secp256k1.addressOf(key));
    Signed<ModelUpdate> s =
        new Signed<>(u, Secp256k1.addressOf(key), Secp256k1.sign(u.digest(ledger.domain()), key));
    UpdateRecord r = kind == UpdateKind.GENESIS ? ledger.openRun(TERMS, s) : ledger.submit(s);
    chain.add(r);
    return r;
  }

  @BeforeEach
  void chainOfThree() throws Exception {
    ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"));
    store = BlobStore.open(dir.resolve("store"));
    UpdateRecord g = record(UpdateKind.GENESIS, 0, Hash32.ZERO, model(0, 0), COORD, List.of());
    UpdateRecord m1 =
        record(UpdateKind.CHAINED, 1, g.receipt().model(), model(1, 1), ALICE, List.of());
    record(UpdateKind.CHAINED, 2, m1.receipt().model(), model(2, 2), ALICE, List.of("0.weight"));
  }

  @AfterEach
  void close() throws Exception {
    ledger.close();
  }

  @Test
  void an_untouched_run_verifies() throws Exception {
    RunAudit a = new Verifier(ledger, store).audit(RUN);
    assertThat(a.failing()).isEmpty();
    assertThat(a.updates()).hasSize(3);
    // each check hands back the model it read, so callers need not read it again
    assertThat(a.updates().get(2).model()).isEqualTo(model(2, 2));
    new Verifier(ledger, store).requireVerifiedLineage(chain.get(2));
  }

  /** A data owner's grant of {@code dataset} to alice for the run, cited for all 100 samples. */
  private void citeGrantOf(Hash32 dataset, UpdateRecord u, String owner) throws Exception {
    byte[] key = Hash32.sha256(owner.getBytes()).toBytes();
    var grant =
        new org.fedchain.core.receipt.DataGrant(
            Secp256k1.addressOf(key),
            dataset,
            100,
            Secp256k1.addressOf(ALICE),
            RUN,
            5000,
            System.currentTimeMillis() / 1000 + 3600,
            Hash32.sha256(owner.getBytes()));
    Hash32 id =
        ledger.grant(
            new Signed<>(
                grant,
                Secp256k1.addressOf(key),
                Secp256k1.sign(grant.digest(ledger.domain()), key)));
    var c = new org.fedchain.core.receipt.Citation(u.updateId(), id, 100);
    ledger.cite(
        new Signed<>(
            c, Secp256k1.addressOf(ALICE), Secp256k1.sign(c.digest(ledger.domain()), ALICE)));
  }

  @Test
  void an_update_citing_one_grant_for_all_its_samples_must_commit_to_the_grants_dataset()
      throws Exception {
    // the honest case: the grant lends exactly the data update 1 commits to
    citeGrantOf(chain.get(1).receipt().data(), chain.get(1), "carol");
    RunAudit ok = new Verifier(ledger, store).audit(RUN);
    assertThat(ok.failing()).isEmpty();
    assertThat(ok.citations().get(chain.get(1).updateId())).hasSize(1);
    // update 2 pays an owner whose dataset is not the data it committed to
    citeGrantOf(Hash32.sha256("other data".getBytes()), chain.get(2), "dave");
    RunAudit a = new Verifier(ledger, store).audit(RUN);
    assertThat(a.updates().get(2).problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("for all its samples but commits to data")
                    .contains("not the grant's dataset"));
  }

  @Test
  void a_flipped_byte_in_a_stored_model_fails_that_update_and_blocks_training_on_its_children()
      throws Exception {
    Path file = store.path(chain.get(1).receipt().model());
    byte[] b = Files.readAllBytes(file);
    b[b.length - 1] ^= 1;
    Files.write(file, b);
    RunAudit a = new Verifier(ledger, store).audit(RUN);
    assertThat(a.updates().get(0).ok()).isTrue();
    assertThat(a.updates().get(1).model()).isEmpty();
    assertThat(a.updates().get(1).problems())
        .anySatisfy(p -> assertThat(p).contains("model blob").contains("was altered"));
    // the child declares a frozen tensor, which can no longer be checked against the altered parent
    assertThat(a.updates().get(2).problems())
        .containsExactly(
            "cannot check frozen tensor '0.weight': the parent's model is unavailable");
    assertThatThrownBy(() -> new Verifier(ledger, store).requireVerifiedLineage(chain.get(2)))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining(chain.get(1).updateId().toString());
  }

  @Test
  void the_html_report_highlights_the_failed_update_and_renders_in_headless_chromium()
      throws Exception {
    String intact = AuditReport.html(ledger, store, new Verifier(ledger, store).audit(RUN));
    assertThat(intact)
        .contains(
            "audit OK: 3 updates verified", "<svg", "<polyline", "accuracy on each", "CHAINED")
        .doesNotContain("class=\"fail\"", "<script");

    Path file = store.path(chain.get(1).receipt().model());
    byte[] b = Files.readAllBytes(file);
    b[b.length - 1] ^= 1;
    Files.write(file, b);
    String page = AuditReport.html(ledger, store, new Verifier(ledger, store).audit(RUN));
    assertThat(page).contains("audit FAILED: 2 of 3 updates fail their checks");
    // the failed update's row is highlighted and names its problem
    String row = page.substring(page.indexOf("<tr class=\"fail\"><td>1</td>"));
    assertThat(row.substring(0, row.indexOf("</tr>"))).contains("was altered");

    // a real browser renders it: a screenshot, and no error on its console
    Path html = dir.resolve("audit.html");
    Files.writeString(html, page);
    Path png = dir.resolve("audit.png");
    Process p =
        new ProcessBuilder(
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--enable-logging=stderr",
                "--user-data-dir=" + dir.resolve("chromium"),
                "--window-size=1200,1400",
                "--screenshot=" + png,
                html.toUri().toString())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String log =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(log).isZero();
    byte[] shot = Files.readAllBytes(png);
    assertThat(shot.length).as(log).isGreaterThan(10_000);
    assertThat(java.util.Arrays.copyOf(shot, 4)).containsExactly(0x89, 'P', 'N', 'G');
    assertThat(log).doesNotContain("Uncaught", "CONSOLE(");
  }

  @Test
  void a_model_blob_swapped_for_another_is_caught() throws Exception {
    Files.copy(
        store.path(chain.get(0).receipt().model()),
        store.path(chain.get(2).receipt().model()),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(new Verifier(ledger, store).audit(RUN).failing())
        .extracting(c -> c.update().updateId())
        .containsExactly(chain.get(2).updateId());
  }

  @Test
  void an_altered_model_spec_fails_every_update_that_names_it() throws Exception {
    Path file = store.path(SPEC.hash());
    Files.writeString(file, Files.readString(file).replace("\"out\":2", "\"out\":3"));
    RunAudit a = new Verifier(ledger, store).audit(RUN);
    assertThat(a.failing()).hasSize(3);
    assertThat(a.failing())
        .allSatisfy(
            c ->
                assertThat(c.problems())
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains("model spec blob " + SPEC.hash().hex())
                                .contains("was altered")));
  }

  @Test
  void a_model_that_does_not_fit_the_runs_spec_is_caught() throws Exception {
    List<Tensor> wrong =
        List.of(
            Tensor.ofFloats("0.bias", new long[] {3}, new float[] {1, 1, 1}),
            Tensor.ofFloats("0.weight", new long[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6}),
            Tensor.ofFloats("2.weight", new long[] {1, 3}, new float[] {1, 1, 1}));
    UpdateRecord r =
        record(UpdateKind.CHAINED, 3, chain.get(2).receipt().model(), wrong, ALICE, List.of());
    assertThat(new Verifier(ledger, store).check(r).problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("the model does not fit its architecture")
                    .contains("'0.weight' has shape [3, 2]"));
  }

  @Test
  void a_missing_blob_is_named() throws Exception {
    Files.delete(store.path(chain.get(2).receipt().manifest()));
    assertThat(new Verifier(ledger, store).audit(RUN).failing().get(0).problems())
        .anySatisfy(p -> assertThat(p).contains("manifest blob").contains("is not in the store"));
  }

  @Test
  void a_changed_tensor_declared_frozen_is_caught() throws Exception {
    UpdateRecord r =
        record(
            UpdateKind.CHAINED,
            3,
            chain.get(2).receipt().model(),
            List.of(
                model(3, 3).get(0),
                Tensor.ofFloats("0.weight", new long[] {2, 2}, new float[] {9, 9, 9, 9}),
                model(3, 3).get(2)),
            ALICE,
            List.of("0.weight"));
    UpdateCheck c = new Verifier(ledger, store).check(r);
    assertThat(c.problems())
        .containsExactly("tensor '0.weight' is declared frozen but differs from the parent's");
  }

  @Test
  void audit_json_carries_typed_data_and_signature() throws Exception {
    String json = AuditJson.write(new Verifier(ledger, store).audit(RUN), ledger.domain());
    assertThat(json)
        .contains("\"primaryType\" : \"ModelUpdate\"")
        .contains("\"EIP712Domain\"")
        .contains("\"signature\" : \"0x");
  }
}
