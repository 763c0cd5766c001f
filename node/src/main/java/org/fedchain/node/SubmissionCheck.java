package org.fedchain.node;

import java.util.List;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.model.ModelFormatException;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.verifier.UpdateCheck;
import org.fedchain.verifier.Verifier;

/**
 * What the coordinator checks of a node's LOCAL submission before it relays it to the ledger: the
 * receipt is signed by the node that holds the task, is a LOCAL of this run on the task's model,
 * its model and manifest are in the coordinator's store and verify (hashes, manifest, the
 * architecture's tensors). Nothing the node claims is taken on trust; the ledger checks its own
 * rules again when it records.
 */
final class SubmissionCheck {
  /** Why a submission was refused; {@link #kind} says whose fault it is. */
  static final class Refused extends Exception {
    enum Kind {
      /** Malformed or inconsistent with the task. */
      INVALID,
      /** Signed by someone other than the node that submits it. */
      NOT_YOURS,
      /** Its blobs were not uploaded first. */
      MISSING_BLOB,
      /** The ledger applied its rules and refused it. */
      LEDGER_REFUSED,
      /** The ledger did not answer. */
      LEDGER_UNAVAILABLE
    }

    final Kind kind;

    Refused(Kind kind, String message) {
      super(message);
      this.kind = kind;
    }
  }

  private final Ledger ledger;
  private final BlobStore store;
  private final Verifier verifier;
  private final Architecture arch;
  private final Hash32 runId;
  private final CoordinatorService.Settings settings;

  SubmissionCheck(
      Ledger ledger,
      BlobStore store,
      Architecture arch,
      Hash32 runId,
      CoordinatorService.Settings settings) {
    this.ledger = ledger;
    this.store = store;
    this.verifier = new Verifier(ledger, store);
    this.arch = arch;
    this.runId = runId;
    this.settings = settings;
  }

  /** The update's tensors, if {@code signed}, sent by {@code node}, trains on {@code parent}. */
  List<Tensor> check(Signed<ModelUpdate> signed, Address node, UpdateRecord parent) throws Refused {
    ModelUpdate u = signed.message();
    if (!signed.signer().equals(node)) {
      throw new Refused(
          Refused.Kind.NOT_YOURS,
          "receipt signer " + signed.signer() + " is not you (" + node + ")");
    }
    if (u.kind() != UpdateKind.LOCAL || !u.runId().equals(runId)) {
      throw new Refused(Refused.Kind.INVALID, "expected a LOCAL update of run " + runId.hex());
    }
    // FedAvg weights by the claimed samples: a claim beyond the cap would take the round alone
    // (a uint64 of 2^63 or more reads as negative here)
    if (u.samples() < 1 || u.samples() > settings.maxSamples()) {
      throw new Refused(
          Refused.Kind.INVALID,
          "claims "
              + Long.toUnsignedString(u.samples())
              + " samples; this run takes 1 to "
              + settings.maxSamples()
              + " per update");
    }
    if (!u.parent().equals(parent.receipt().model())) {
      throw new Refused(
          Refused.Kind.INVALID,
          "parent " + u.parent().hex() + " is not your task's model " + parent.receipt().model());
    }
    for (Hash32 h : List.of(u.model(), u.manifest())) {
      if (!store.has(h)) {
        throw new Refused(
            Refused.Kind.MISSING_BLOB,
            "blob " + h.hex() + " is not in the coordinator's store: Put it first");
      }
    }
    Hash32 id = u.digest(ledger.domain());
    UpdateRecord candidate = new UpdateRecord(id, u, signed.signature(), 0);
    try {
      UpdateCheck check = verifier.check(candidate);
      if (!check.ok()) {
        throw new Refused(
            Refused.Kind.INVALID, "update refused: " + String.join("; ", check.problems()));
      }
      ModelCodec.check(arch, check.model());
      java.util.Optional<String> unsound = ModelCodec.nonFinite(check.model());
      if (unsound.isPresent()) {
        throw new Refused(Refused.Kind.INVALID, unsound.get());
      }
      checkSteps(Manifest.parse(store.get(u.manifest())).steps(), u.samples());
      return check.model();
    } catch (LedgerException | ModelFormatException | java.io.IOException e) {
      throw new Refused(Refused.Kind.INVALID, "update refused: " + e.getMessage());
    }
  }

  /**
   * FedNova normalises by the steps a node claims: at most what the run's local training takes on
   * the claimed samples (epochs x batches), at least one.
   */
  private void checkSteps(long steps, long samples) throws Refused {
    long batch = settings.config().batchSize();
    long most =
        Math.multiplyExact((long) settings.config().epochs(), (samples + batch - 1) / batch);
    if (steps < 1 || steps > most) {
      throw new Refused(
          Refused.Kind.INVALID,
          "manifest claims "
              + steps
              + " optimizer steps; "
              + samples
              + " samples in "
              + settings.config().epochs()
              + " epoch(s) of batches of "
              + batch
              + " take at most "
              + most);
    }
  }

  /**
   * Records a checked update. The same node's model from the same parent may be recorded already: a
   * retried submission, or a round redone after the coordinator restarted (training is
   * deterministic, but the manifest's timings are not, so the receipt differs while the model is
   * the same); that record is returned instead.
   */
  UpdateRecord record(Signed<ModelUpdate> signed) throws Refused {
    ModelUpdate u = signed.message();
    try {
      var prior = ledger.updateOfModel(runId, u.model());
      return prior.isPresent()
              && prior.get().contributor().equals(signed.signer())
              && prior.get().receipt().kind() == UpdateKind.LOCAL
              && prior.get().receipt().parent().equals(u.parent())
          ? prior.get()
          : ledger.submit(signed);
    } catch (RejectedException e) {
      throw new Refused(
          Refused.Kind.LEDGER_REFUSED, "the ledger refused the update: " + e.getMessage());
    } catch (LedgerException e) {
      throw new Refused(Refused.Kind.LEDGER_UNAVAILABLE, "ledger: " + e.getMessage());
    }
  }
}
