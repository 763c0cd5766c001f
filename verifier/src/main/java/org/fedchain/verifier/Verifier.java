package org.fedchain.verifier;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fedchain.core.Address;
import org.fedchain.core.DatasetCommitment;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.SafeTensors;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.SignatureException;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.core.store.CorruptBlobException;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.Stages;

/**
 * Re-checks recorded updates without trusting the ledger backend, the store or the peers that
 * served the blobs: the update id is the EIP-712 digest of the receipt, the signature recovers the
 * contributor, the lineage reaches the genesis with consecutive seq numbers, the model and manifest
 * blobs hash to what was signed, the manifest agrees with the receipt and the model, and frozen
 * tensors are unchanged from the parent.
 *
 * <pre>{@code
 * Verifier v = new Verifier(ledger, store);
 * RunAudit audit = v.audit(runId);
 * v.requireVerifiedLineage(head);   // before training on head's model
 * }</pre>
 */
public final class Verifier {
  private final Ledger ledger;
  private final BlobStore store;
  private final Map<Hash32, String> runArchitectures = new HashMap<>();

  public Verifier(Ledger ledger, BlobStore store) {
    this.ledger = ledger;
    this.store = store;
  }

  /** Checks every update of a run. */
  public RunAudit audit(Hash32 runId) throws LedgerException {
    Run run =
        ledger
            .run(runId)
            .orElseThrow(() -> new LedgerException("no run " + runId + " on this ledger"));
    List<UpdateCheck> out = new ArrayList<>();
    java.util.Map<Hash32, List<org.fedchain.ledger.CitationRecord>> cited =
        new java.util.HashMap<>();
    for (UpdateRecord u : ledger.updates(runId)) {
      out.add(check(run, u));
      List<org.fedchain.ledger.CitationRecord> cs = ledger.citations(u.updateId());
      if (!cs.isEmpty()) {
        cited.put(u.updateId(), cs);
      }
    }
    RunConfig c = run.config();
    Address author =
        c.spec().isZero() ? Address.ZERO : ledger.authorOf(c.spec()).orElse(Address.ZERO);
    return new RunAudit(runId, out, cited, c.royaltyTo(), c.royalty(), author, c.specRoyalty());
  }

  /** Checks one update (not its ancestors). */
  public UpdateCheck check(UpdateRecord u) throws LedgerException {
    Run run =
        ledger
            .run(u.receipt().runId())
            .orElseThrow(() -> new LedgerException("no run " + u.receipt().runId()));
    return check(run, u);
  }

  /**
   * Checks an update and every ancestor back to the genesis; throws naming each failing update.
   * Call this before training on a model fetched from anyone.
   */
  public void requireVerifiedLineage(UpdateRecord head)
      throws LedgerException, VerificationException {
    Run run =
        ledger
            .run(head.receipt().runId())
            .orElseThrow(() -> new LedgerException("no run " + head.receipt().runId()));
    List<UpdateRecord> lineage = ledger.lineage(head.updateId());
    List<String> problems = new ArrayList<>();
    for (UpdateRecord u : lineage) {
      UpdateCheck c = check(run, u);
      for (String p : c.problems()) {
        problems.add("update " + u.updateId() + " (seq " + u.receipt().seq() + "): " + p);
      }
    }
    UpdateRecord last = lineage.isEmpty() ? head : lineage.get(lineage.size() - 1);
    if (last.receipt().kind() != UpdateKind.GENESIS
        || !last.updateId().equals(run.genesisUpdate())) {
      problems.add("the lineage of " + head.updateId() + " does not reach the run's genesis");
    }
    if (!problems.isEmpty()) {
      throw new VerificationException(
          "refusing model "
              + head.receipt().model().hex()
              + ":\n  "
              + String.join("\n  ", problems));
    }
  }

  /**
   * An update that cites a single grant for all its samples trained on that grant's dataset, so its
   * data commitment must be the grant's: else it paid an owner whose data it did not commit to (or
   * trained on other data). Several grants commit to their union, which only their data can check.
   */
  private Optional<String> dataOfOneGrant(UpdateRecord u) throws LedgerException {
    List<org.fedchain.ledger.CitationRecord> cited = ledger.citations(u.updateId());
    if (cited.size() != 1 || cited.get(0).samples() != u.receipt().samples()) {
      return Optional.empty();
    }
    Hash32 grant = cited.get(0).grantId();
    Optional<Hash32> dataset = ledger.grant(grant).map(g -> g.grant().dataset());
    if (dataset.isPresent() && !dataset.get().equals(u.receipt().data())) {
      return Optional.of(
          "cites grant "
              + grant.hex()
              + " for all its samples but commits to data "
              + u.receipt().data().hex()
              + ", not the grant's dataset "
              + dataset.get().hex());
    }
    return Optional.empty();
  }

  private UpdateCheck check(Run run, UpdateRecord u) throws LedgerException {
    List<String> problems = new ArrayList<>();
    ModelUpdate r = u.receipt();
    if (!r.digest(ledger.domain()).equals(u.updateId())) {
      problems.add("update id is not the EIP-712 digest of its receipt in this ledger's domain");
    }
    try {
      if (!Secp256k1.recover(u.updateId(), u.signature()).equals(u.contributor())) {
        problems.add("signature does not recover the recorded contributor " + u.contributor());
      }
    } catch (SignatureException e) {
      problems.add("signature invalid: " + e.getMessage());
    }
    if ((r.kind() == UpdateKind.GENESIS || r.kind() == UpdateKind.AGGREGATE)
        && !u.contributor().equals(run.coordinator())) {
      problems.add(
          r.kind()
              + " signed by "
              + u.contributor()
              + ", not the run's coordinator "
              + run.coordinator());
    }
    if (!ledger.admits(run.runId(), u.contributor())) {
      problems.add("contributor " + u.contributor() + " is not admitted to the run");
    }
    dataOfOneGrant(u).ifPresent(problems::add);
    Optional<UpdateRecord> parent = Optional.empty();
    if (r.kind() == UpdateKind.GENESIS) {
      if (r.seq() != 0 || !r.parent().isZero()) {
        problems.add("genesis must have seq 0 and no parent");
      }
      if (!r.data().equals(run.config().hash())) {
        problems.add("genesis data is not the run configuration hash");
      }
    } else {
      parent = ledger.updateOfModel(r.runId(), r.parent());
      if (parent.isEmpty()) {
        problems.add("parent model " + r.parent().hex() + " is not recorded in the run");
      } else if (r.seq() != parent.get().receipt().seq() + 1) {
        problems.add(
            "seq " + r.seq() + " does not follow the parent's seq " + parent.get().receipt().seq());
      }
    }
    List<Tensor> tensors =
        blob(r.model(), "model", problems).flatMap(bytes -> model(bytes, problems)).orElse(null);
    Manifest manifest =
        blob(r.manifest(), "manifest", problems)
            .flatMap(bytes -> manifest(bytes, problems))
            .orElse(null);
    if (manifest != null) {
      checkManifest(r, manifest, tensors, parent, problems);
      checkArchitecture(run, r, manifest, tensors, problems);
      if (r.kind() == UpdateKind.AGGREGATE) {
        checkInputs(u, manifest, problems);
      }
    }
    String layers =
        r.kind() == UpdateKind.STAGE && manifest != null
            ? manifest.hyperparameters().getOrDefault(Stages.LAYERS, "")
            : "";
    return new UpdateCheck(u, problems, tensors == null ? List.of() : tensors, layers);
  }

  /**
   * An AGGREGATE is traceable: its manifest lists its input update ids, the receipt's {@code data}
   * is their Merkle root, and each is a LOCAL or STAGE update of the same run recorded before it
   * (each input's own signature and blobs are checked as its own update).
   */
  private void checkInputs(UpdateRecord u, Manifest m, List<String> problems)
      throws LedgerException {
    if (m.inputs().isEmpty()) {
      problems.add("AGGREGATE manifest lists no input updates");
      return;
    }
    List<Hash32> ids = new ArrayList<>();
    for (Hash32 id : m.inputs()) {
      String hex = id.hex();
      ids.add(id);
      Optional<UpdateRecord> in = ledger.update(id);
      if (in.isEmpty()) {
        problems.add("AGGREGATE input " + hex + " is not recorded on this ledger");
      } else if (!in.get().receipt().runId().equals(u.receipt().runId())) {
        problems.add("AGGREGATE input " + hex + " belongs to another run");
      } else if (in.get().receipt().kind() != UpdateKind.LOCAL
          && in.get().receipt().kind() != UpdateKind.STAGE) {
        problems.add(
            "AGGREGATE input "
                + hex
                + " is a "
                + in.get().receipt().kind()
                + ", not LOCAL or STAGE");
      } else if (in.get().height() >= u.height()) {
        problems.add("AGGREGATE input " + hex + " was recorded after the aggregate");
      }
    }
    if (!DatasetCommitment.root(ids).equals(u.receipt().data())) {
      problems.add("AGGREGATE data field is not the Merkle root of the manifest's inputs");
    }
  }

  /**
   * The model fits the architecture its manifest names (a built-in one, or the model spec stored
   * under that hash, which must be intact), and that is the run's: the genesis manifest's.
   */
  private void checkArchitecture(
      Run run, ModelUpdate r, Manifest m, List<Tensor> tensors, List<String> problems)
      throws LedgerException {
    if (r.kind() != UpdateKind.GENESIS) {
      String runs = genesisArchitecture(run);
      if (runs != null && !runs.equals(m.architecture())) {
        problems.add("manifest names architecture " + m.architecture() + ", the run's is " + runs);
        return;
      }
    }
    Optional<Architecture> arch = architecture(m.architecture(), problems);
    if (arch.isPresent() && tensors != null) {
      try {
        if (r.kind() == UpdateKind.STAGE) {
          // a stage holds its layers only, named as in the whole model
          int[] layers = Stages.layers(m.hyperparameters().get(Stages.LAYERS));
          Stages.checkLayers(arch.get(), layers[0], layers[1], tensors);
        } else {
          ModelCodec.check(arch.get(), tensors);
        }
      } catch (ModelFormatException | IllegalArgumentException e) {
        problems.add("the model does not fit its architecture: " + e.getMessage());
      }
    }
  }

  private String genesisArchitecture(Run run) throws LedgerException {
    String known = runArchitectures.get(run.runId());
    if (known == null) {
      Optional<UpdateRecord> g = ledger.update(run.genesisUpdate());
      if (g.isEmpty()) {
        return null;
      }
      try {
        known = Manifest.parse(store.get(g.get().receipt().manifest())).architecture();
      } catch (IOException | IllegalArgumentException e) {
        return null; // the genesis's own check reports its manifest
      }
      runArchitectures.put(run.runId(), known);
    }
    return known;
  }

  private Optional<Architecture> architecture(String ref, List<String> problems) {
    try {
      return Optional.of(Architectures.get(ref));
    } catch (IllegalArgumentException notBuiltIn) {
      // the run's own spec, stored by its hash
    }
    Hash32 h;
    try {
      h = Hash32.parse(ref);
    } catch (IllegalArgumentException e) {
      problems.add("manifest names architecture '" + ref + "': neither built in nor a spec hash");
      return Optional.empty();
    }
    Optional<byte[]> bytes = blob(h, "model spec", problems);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Architectures.resolve(ref, x -> bytes));
    } catch (IllegalArgumentException e) {
      problems.add("model spec " + ref + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  private Optional<byte[]> blob(Hash32 hash, String what, List<String> problems) {
    try {
      return Optional.of(store.get(hash));
    } catch (NoSuchFileException e) {
      problems.add(what + " blob " + hash.hex() + " is not in the store (" + store.root() + ")");
    } catch (CorruptBlobException e) {
      problems.add(
          what + " blob " + hash.hex() + " was altered: its bytes hash to " + e.actual().hex());
    } catch (IOException e) {
      problems.add(what + " blob " + hash.hex() + " cannot be read: " + e.getMessage());
    }
    return Optional.empty();
  }

  private static Optional<List<Tensor>> model(byte[] bytes, List<String> problems) {
    try {
      return Optional.of(SafeTensors.read(bytes, SafeTensors.Form.CANONICAL));
    } catch (ModelFormatException e) {
      problems.add("model file is not canonical safetensors: " + e.getMessage());
      return Optional.empty();
    }
  }

  private static Optional<Manifest> manifest(byte[] bytes, List<String> problems) {
    try {
      return Optional.of(Manifest.parse(bytes));
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return Optional.empty();
    }
  }

  private void checkManifest(
      ModelUpdate r,
      Manifest m,
      List<Tensor> tensors,
      Optional<UpdateRecord> parent,
      List<String> problems)
      throws LedgerException {
    if (!m.runId().equals(r.runId())) {
      problems.add("manifest names run " + m.runId().hex() + ", the receipt " + r.runId().hex());
    }
    if (m.kind() != r.kind()) {
      problems.add("manifest kind " + m.kind() + " differs from the receipt's " + r.kind());
    }
    if (!m.model().equals(r.model())) {
      problems.add("manifest names model " + m.model().hex() + ", the receipt " + r.model().hex());
    }
    if (r.kind() != UpdateKind.GENESIS && !m.parents().contains(r.parent())) {
      problems.add(
          "manifest parents "
              + m.parents().stream().map(Hash32::hex).toList()
              + " do not include the receipt's parent "
              + r.parent().hex());
    }
    if (r.kind() != UpdateKind.GENESIS && r.kind() != UpdateKind.AGGREGATE && m.dataset() != null) {
      if (!m.dataset().commitment().equals(r.data())) {
        problems.add("manifest dataset commitment differs from the receipt's data field");
      }
      if (m.dataset().samples() != r.samples()) {
        problems.add(
            "manifest sample count "
                + m.dataset().samples()
                + " differs from the receipt's "
                + r.samples());
      }
    }
    if (m.grants() != null) {
      // a manifest that names the grants its data came from must match the citations recorded
      java.util.SortedMap<String, Long> cited = new java.util.TreeMap<>();
      for (var c : ledger.citations(r.digest(ledger.domain()))) {
        cited.put(c.grantId().hex(), c.samples());
      }
      if (!cited.equals(m.grants())) {
        problems.add(
            "manifest lists grants " + m.grants() + " but the ledger records citations " + cited);
      }
    }
    if (r.kind() == UpdateKind.LOCAL && m.steps() < 1) {
      // an aggregation reads it (FedNova divides by it): an honest client takes at least one step
      problems.add("LOCAL manifest records " + m.steps() + " optimizer steps");
    }
    if (tensors != null && !Manifest.tensorHashes(tensors).equals(m.tensors())) {
      problems.add("per-tensor hashes in the manifest do not match the model file");
    }
    if (!m.frozen().isEmpty() && tensors != null && parent.isPresent()) {
      Map<String, Hash32> now = Manifest.tensorHashes(tensors);
      Map<String, Hash32> before = parentTensorHashes(parent.get());
      for (String name : m.frozen()) {
        if (before == null) {
          problems.add(
              "cannot check frozen tensor '" + name + "': the parent's model is unavailable");
          break;
        }
        if (!java.util.Objects.equals(now.get(name), before.get(name))) {
          problems.add("tensor '" + name + "' is declared frozen but differs from the parent's");
        }
      }
    }
  }

  private Map<String, Hash32> parentTensorHashes(UpdateRecord parent) {
    try {
      return new HashMap<>(
          Manifest.tensorHashes(
              SafeTensors.read(store.get(parent.receipt().model()), SafeTensors.Form.CANONICAL)));
    } catch (IOException | ModelFormatException e) {
      return null;
    }
  }
}
