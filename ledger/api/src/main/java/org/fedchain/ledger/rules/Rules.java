package org.fedchain.ledger.rules;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Admit;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Citation;
import org.fedchain.core.receipt.CloseRun;
import org.fedchain.core.receipt.DataGrant;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Publication;
import org.fedchain.core.receipt.RevokeGrant;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.SignatureException;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.Event;
import org.fedchain.ledger.GrantRecord;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;

/**
 * The ledger rules of DESIGN.md, in plain Java over a {@link State}. The embedded ledger runs them
 * on SQLite, the Fabric chaincode on the world state; the Solidity contracts implement the same
 * checks in the same order, so every backend gives the same {@link Reason} for the same input. A
 * rejected call throws before it writes anything.
 *
 * <pre>{@code
 * Rules rules = new Rules(Eip712Domain.embedded(id));
 * UpdateRecord r = rules.submit(state, signedUpdate);
 * }</pre>
 */
public final class Rules {
  private final Eip712Domain domain;

  public Rules(Eip712Domain domain) {
    this.domain = domain;
  }

  public Eip712Domain domain() {
    return domain;
  }

  // ---- keys ----

  static String runKey(Hash32 runId) {
    return "run/" + runId.hex();
  }

  static String updateKey(Hash32 updateId) {
    return "update/" + updateId.hex();
  }

  static String modelKey(Hash32 runId, Hash32 model) {
    return "model/" + runId.hex() + "/" + model.hex();
  }

  /**
   * Where a global model (GENESIS, AGGREGATE) is indexed: apart from contributions, so that the
   * coordinator can make a contribution's model the round's global one (a Krum pick) by recording
   * an AGGREGATE of it.
   */
  static String globalKey(Hash32 runId, Hash32 model) {
    return "global/" + runId.hex() + "/" + model.hex();
  }

  private static boolean global(UpdateKind k) {
    return k == UpdateKind.GENESIS || k == UpdateKind.AGGREGATE;
  }

  /** The key a model of this kind is indexed under. */
  private static String indexKey(UpdateKind k, Hash32 runId, Hash32 model) {
    return global(k) ? globalKey(runId, model) : modelKey(runId, model);
  }

  /** The update that recorded {@code model}: the global model if there is one, else the other. */
  private static Optional<byte[]> recordedModel(State s, Hash32 runId, Hash32 model) {
    Optional<byte[]> g = s.get(globalKey(runId, model));
    return g.isPresent() ? g : s.get(modelKey(runId, model));
  }

  static String seqKey(Hash32 runId, long seq, Hash32 updateId) {
    return "seq/" + runId.hex() + "/" + String.format("%016x", seq) + "/" + updateId.hex();
  }

  static String childKey(Hash32 parentUpdate, Hash32 child) {
    return "child/" + parentUpdate.hex() + "/" + child.hex();
  }

  static String headKey(Hash32 runId, Hash32 updateId) {
    return "head/" + runId.hex() + "/" + updateId.hex();
  }

  static String attestationKey(Hash32 updateId, Address validator) {
    return "att/" + updateId.hex() + "/" + validator.lowerHex().substring(2);
  }

  static String commitKey(Hash32 commitment) {
    return "commit/" + commitment.hex();
  }

  static String balanceKey(Address a) {
    return "balance/" + a.lowerHex().substring(2);
  }

  static String admittedKey(Hash32 runId, Address node) {
    return "admitted/" + runId.hex() + "/" + node.lowerHex().substring(2);
  }

  static String grantKey(Hash32 grantId) {
    return "grant/" + grantId.hex();
  }

  static String ownerGrantKey(Address owner, Hash32 grantId) {
    return "ownergrant/" + owner.lowerHex().substring(2) + "/" + grantId.hex();
  }

  /** The update's {@code i}th citation (0..7: one digit, so keys sort in citation order). */
  static String citeKey(Hash32 updateId, int i) {
    return "cite/" + updateId.hex() + "/" + i;
  }

  /** Which of the update's citations is of the grant. */
  static String grantCiteKey(Hash32 grantId, Hash32 updateId) {
    return "grantcite/" + grantId.hex() + "/" + updateId.hex();
  }

  /** An update cites at most this many grants (a claim pays each owner). */
  public static final int MAX_CITATIONS = 8;

  static String specKey(Hash32 spec) {
    return "spec/" + spec.hex();
  }

  static String claimKey(Hash32 updateId) {
    return "claimed/" + updateId.hex();
  }

  /**
   * When the update's attestations reached the run's quorum (seconds): the claim window's start.
   */
  static String quorumKey(Hash32 updateId) {
    return "quorum/" + updateId.hex();
  }

  private static Hash32 lastHash(String key) {
    return Hash32.parse(key.substring(key.lastIndexOf('/') + 1));
  }

  /** {@code keccak256(abi.encodePacked(updateId, contributor))}: what a contributor commits to. */
  public static Hash32 commitment(Hash32 updateId, Address contributor) {
    return Hash32.keccak256(updateId.toBytes(), contributor.toBytes());
  }

  // ---- writes ----

  public UpdateRecord openRun(State s, RunConfig config, Signed<ModelUpdate> genesis)
      throws RejectedException {
    Hash32 updateId = genesis.digest(domain);
    Address coordinator = contributor(updateId, genesis);
    ModelUpdate g = genesis.message();
    if (g.kind() != UpdateKind.GENESIS || g.seq() != 0 || !g.parent().isZero()) {
      throw new RejectedException(
          Reason.BAD_GENESIS,
          "genesis must be kind GENESIS, seq 0, parent zero; got "
              + g.kind()
              + ", seq "
              + Long.toUnsignedString(g.seq())
              + ", parent "
              + g.parent());
    }
    if (!g.data().equals(config.hash())) {
      throw new RejectedException(
          Reason.CONFIG_MISMATCH,
          "genesis data " + g.data() + " is not the run configuration hash " + config.hash());
    }
    if (!g.runId().equals(config.runId(coordinator))) {
      throw new RejectedException(
          Reason.BAD_RUN_ID,
          "run id "
              + g.runId()
              + " is not keccak256(coordinator, terms hash) = "
              + config.runId(coordinator));
    }
    if (s.get(runKey(g.runId())).isPresent()) {
      throw new RejectedException(Reason.RUN_EXISTS, "run " + g.runId() + " already exists");
    }
    BigInteger balance = balance(s, coordinator);
    checkConfig(config);
    if (!config.spec().isZero() && authorOf(s, config.spec()).isEmpty()) {
      throw new RejectedException(
          Reason.SPEC_UNKNOWN,
          "spec " + config.spec() + " is not published: its author cannot be paid");
    }
    checkTerms(config, coordinator, balance);
    // all checks passed: write
    if (config.budget().signum() > 0) {
      s.put(balanceKey(coordinator), Codec.big(balance.subtract(config.budget())));
    }
    Run run =
        new Run(g.runId(), coordinator, config, updateId, g.model(), BigInteger.ZERO, true, 0);
    s.put(runKey(g.runId()), Codec.run(run));
    UpdateRecord rec = record(s, updateId, genesis, coordinator, null);
    s.emit(new Event.RunOpened(g.runId(), coordinator, g.model()));
    return rec;
  }

  /**
   * The ledger's rules for a run's terms (validators, quorum, a budget the coordinator's {@code
   * balance} covers), which {@link #openRun} applies; public so a caller can refuse bad terms
   * before it stores the genesis model.
   */
  public static void checkTerms(RunConfig c, Address coordinator, BigInteger balance)
      throws RejectedException {
    checkConfig(c);
    if (balance.compareTo(c.budget()) < 0) {
      throw new RejectedException(
          Reason.INSUFFICIENT_BALANCE,
          "coordinator "
              + coordinator
              + " has "
              + balance
              + " VNX wei, the budget is "
              + c.budget());
    }
  }

  private static void checkConfig(RunConfig c) throws RejectedException {
    distinct(c.validators(), "validator");
    distinct(c.admitted(), "admitted address");
    if (c.quorum() > c.validators().size()) {
      throw new RejectedException(
          Reason.BAD_CONFIG,
          "quorum " + c.quorum() + " exceeds the " + c.validators().size() + " validators");
    }
    if (c.budget().signum() > 0 && c.quorum() == 0) {
      throw new RejectedException(
          Reason.BAD_CONFIG, "a run with a budget needs a quorum of at least 1");
    }
    if (c.royalty() > MAX_SCORE) {
      throw new RejectedException(
          Reason.BAD_CONFIG, "royalty " + c.royalty() + " exceeds 10000 basis points");
    }
    if (c.royalty() > 0 && c.royaltyTo().isZero()) {
      throw new RejectedException(Reason.BAD_CONFIG, "a royalty needs an owner to pay it to");
    }
    if (c.specRoyalty() > 0 && c.spec().isZero()) {
      throw new RejectedException(Reason.BAD_CONFIG, "a spec royalty needs the spec it pays for");
    }
    if (c.royalty() + c.specRoyalty() > MAX_SCORE) {
      throw new RejectedException(
          Reason.BAD_CONFIG,
          "royalties of "
              + c.royalty()
              + " and "
              + c.specRoyalty()
              + " basis points exceed the whole reward");
    }
  }

  private static void distinct(List<Address> as, String what) throws RejectedException {
    HashSet<Address> seen = new HashSet<>();
    for (Address a : as) {
      if (a.isZero() || !seen.add(a)) {
        throw new RejectedException(Reason.BAD_CONFIG, what + " " + a + " is zero or listed twice");
      }
    }
  }

  public UpdateRecord submit(State s, Signed<ModelUpdate> signed) throws RejectedException {
    Hash32 updateId = signed.digest(domain);
    Address contributor = contributor(updateId, signed);
    ModelUpdate u = signed.message();
    if (u.kind() == UpdateKind.GENESIS) {
      throw new RejectedException(
          Reason.KIND_NOT_ALLOWED, "a GENESIS is recorded only by opening a run");
    }
    Run run = openRunOf(s, u.runId());
    if (!run.config().mode().accepts(u.kind())) {
      throw new RejectedException(
          Reason.KIND_NOT_ALLOWED,
          "a " + run.config().mode() + " run does not accept " + u.kind() + " updates");
    }
    if (u.kind() == UpdateKind.AGGREGATE && !contributor.equals(run.coordinator())) {
      throw new RejectedException(
          Reason.NOT_COORDINATOR,
          "AGGREGATE updates come from the coordinator "
              + run.coordinator()
              + ", not "
              + contributor);
    }
    if (!admits(s, run, contributor)) {
      throw new RejectedException(
          Reason.NOT_ADMITTED, contributor + " is not admitted to run " + run.runId());
    }
    // a LOCAL trains on a global model only: only the coordinator makes one
    Optional<byte[]> parentId =
        u.kind() == UpdateKind.LOCAL
            ? s.get(globalKey(u.runId(), u.parent()))
            : recordedModel(s, u.runId(), u.parent());
    if (parentId.isEmpty()) {
      if (s.get(modelKey(u.runId(), u.parent())).isPresent()) {
        throw new RejectedException(
            Reason.PARENT_NOT_GLOBAL,
            "a LOCAL update trains on a global model (GENESIS or AGGREGATE); parent "
                + u.parent()
                + " is only recorded as a contribution");
      }
      throw new RejectedException(
          Reason.PARENT_UNKNOWN,
          "parent model " + u.parent() + " is not recorded in run " + u.runId());
    }
    UpdateRecord parent = Codec.update(s.get(updateKey(Hash32.of(parentId.get()))).orElseThrow());
    if (u.seq() != parent.receipt().seq() + 1) {
      throw new RejectedException(
          Reason.SEQ_MISMATCH,
          "seq is "
              + Long.toUnsignedString(u.seq())
              + ", the parent's is "
              + parent.receipt().seq()
              + ": expected "
              + (parent.receipt().seq() + 1));
    }
    // an AGGREGATE may make a contribution's model global (a strategy's pick); nothing else may
    // record a model twice
    boolean exists =
        u.kind() == UpdateKind.AGGREGATE
            ? s.get(globalKey(u.runId(), u.model())).isPresent()
            : recordedModel(s, u.runId(), u.model()).isPresent();
    if (exists) {
      throw new RejectedException(
          Reason.MODEL_EXISTS, "model " + u.model() + " is already recorded in run " + u.runId());
    }
    if (run.config().commitReveal()) {
      Optional<byte[]> committed = s.get(commitKey(commitment(updateId, contributor)));
      if (committed.isEmpty() || Codec.u64(committed.get()) >= s.height()) {
        throw new RejectedException(
            Reason.NO_COMMIT,
            "run "
                + u.runId()
                + " requires commit-reveal: commit keccak256(updateId, contributor) in an earlier block first");
      }
    }
    return record(s, updateId, signed, contributor, parent.updateId());
  }

  private UpdateRecord record(
      State s,
      Hash32 updateId,
      Signed<ModelUpdate> signed,
      Address contributor,
      Hash32 parentUpdate) {
    ModelUpdate u = signed.message();
    UpdateRecord rec = new UpdateRecord(updateId, u, signed.signature(), s.height());
    s.put(updateKey(updateId), Codec.update(rec));
    s.put(indexKey(u.kind(), u.runId(), u.model()), updateId.toBytes());
    s.put(seqKey(u.runId(), u.seq(), updateId), new byte[] {1});
    s.put(headKey(u.runId(), updateId), new byte[] {1});
    if (parentUpdate != null) {
      s.put(childKey(parentUpdate, updateId), new byte[] {1});
      s.delete(headKey(u.runId(), parentUpdate));
    }
    s.emit(
        new Event.UpdateRecorded(
            u.runId(), updateId, u.seq(), u.kind().code(), contributor, u.model(), u.parent()));
    return rec;
  }

  public void commit(State s, Hash32 commitment) throws RejectedException {
    if (s.get(commitKey(commitment)).isPresent()) {
      throw new RejectedException(
          Reason.COMMIT_EXISTS, "commitment " + commitment + " is already recorded");
    }
    s.put(commitKey(commitment), Codec.u64(s.height()));
    s.emit(new Event.Committed(commitment, s.height()));
  }

  /** The royalty's part of {@code reward}: {@code reward * basisPoints / 10000}, rounded down. */
  public static BigInteger royalty(BigInteger reward, int basisPoints) {
    return reward.multiply(BigInteger.valueOf(basisPoints)).divide(BigInteger.valueOf(MAX_SCORE));
  }

  /**
   * A data owner's part of what is left of a reward after the royalty: {@code rest x share x
   * samples / (10000 x updateSamples)}, rounded down: its share, pro rata to the samples of the
   * update that were its.
   */
  public static BigInteger dataShare(BigInteger rest, int share, long samples, long updateSamples) {
    return rest.multiply(BigInteger.valueOf(share))
        .multiply(unsigned(samples))
        .divide(BigInteger.valueOf(MAX_SCORE).multiply(unsigned(updateSamples)));
  }

  private static BigInteger unsigned(long v) {
    return new BigInteger(Long.toUnsignedString(v));
  }

  /**
   * Records a data owner's signed grant; returns its id. Refused: WRONG_SIGNER unless the signer is
   * the owner it names, BAD_GRANT for no samples or a share above 10000 basis points, GRANT_EXISTS.
   * An expired grant may be recorded (it harms nobody); citing it is refused.
   */
  public Hash32 grant(State s, Signed<DataGrant> signed) throws RejectedException {
    Hash32 id = signed.digest(domain);
    Address who = signer(id, signed);
    DataGrant g = signed.message();
    if (!g.owner().equals(who)) {
      throw new RejectedException(
          Reason.WRONG_SIGNER, "grant names owner " + g.owner() + " but is signed by " + who);
    }
    if (g.samples() == 0 || g.share() > MAX_SCORE) {
      throw new RejectedException(
          Reason.BAD_GRANT,
          "a grant of "
              + Long.toUnsignedString(g.samples())
              + " samples and a share of "
              + g.share()
              + " basis points");
    }
    if (s.get(grantKey(id)).isPresent()) {
      throw new RejectedException(Reason.GRANT_EXISTS, "grant " + id + " is already recorded");
    }
    s.put(grantKey(id), Codec.grant(new GrantRecord(id, g, false)));
    s.put(ownerGrantKey(g.owner(), id), new byte[] {1});
    s.emit(new Event.GrantRecorded(id, g.owner(), g.node()));
    return id;
  }

  /** Ends a grant for future citations. Refused: GRANT_UNKNOWN, NOT_GRANT_OWNER, GRANT_REVOKED. */
  public void revokeGrant(State s, Signed<RevokeGrant> signed) throws RejectedException {
    Address who = signer(signed.digest(domain), signed);
    GrantRecord g = grantOf(s, signed.message().grantId());
    if (!who.equals(g.grant().owner())) {
      throw new RejectedException(
          Reason.NOT_GRANT_OWNER,
          who + " is not the owner " + g.grant().owner() + " of grant " + g.grantId());
    }
    if (g.revoked()) {
      throw new RejectedException(Reason.GRANT_REVOKED, "grant " + g.grantId() + " was revoked");
    }
    s.put(grantKey(g.grantId()), Codec.grant(new GrantRecord(g.grantId(), g.grant(), true)));
    s.emit(new Event.GrantRevoked(g.grantId()));
  }

  /**
   * Records at {@code now} (seconds) that an update used samples of a grant, signed by the update's
   * contributor. Refused, in order: UPDATE_UNKNOWN, NOT_CONTRIBUTOR, GRANT_UNKNOWN, GRANT_REVOKED,
   * GRANT_EXPIRED, GRANT_NOT_FOR_NODE, GRANT_NOT_FOR_RUN, ALREADY_CLAIMED (the pay is split),
   * ALREADY_CITED, TOO_MANY_CITATIONS, TOO_MANY_SAMPLES (none, more than the grant holds, or more
   * cited in all than the update was trained on).
   */
  public void cite(State s, Signed<Citation> signed, long now) throws RejectedException {
    Address who = signer(signed.digest(domain), signed);
    Citation c = signed.message();
    UpdateRecord u = updateOf(s, c.updateId());
    if (!who.equals(u.contributor())) {
      throw new RejectedException(
          Reason.NOT_CONTRIBUTOR,
          who + " did not contribute update " + c.updateId() + " (" + u.contributor() + " did)");
    }
    GrantRecord gr = grantOf(s, c.grantId());
    DataGrant g = gr.grant();
    if (gr.revoked()) {
      throw new RejectedException(Reason.GRANT_REVOKED, "grant " + c.grantId() + " was revoked");
    }
    if (Long.compareUnsigned(now, g.expiry()) >= 0) {
      throw new RejectedException(
          Reason.GRANT_EXPIRED,
          "grant " + c.grantId() + " expired at " + Long.toUnsignedString(g.expiry()));
    }
    if (!g.node().isZero() && !g.node().equals(u.contributor())) {
      throw new RejectedException(
          Reason.GRANT_NOT_FOR_NODE, "grant " + c.grantId() + " is lent to " + g.node());
    }
    if (!g.runId().equals(Hash32.ZERO) && !g.runId().equals(u.receipt().runId())) {
      throw new RejectedException(
          Reason.GRANT_NOT_FOR_RUN, "grant " + c.grantId() + " is lent for run " + g.runId());
    }
    if (s.get(claimKey(c.updateId())).isPresent()) {
      throw new RejectedException(
          Reason.ALREADY_CLAIMED, "update " + c.updateId() + " was already paid");
    }
    if (s.get(grantCiteKey(c.grantId(), c.updateId())).isPresent()) {
      throw new RejectedException(
          Reason.ALREADY_CITED, "update " + c.updateId() + " already cites " + c.grantId());
    }
    List<CitationRecord> cited = citations(s, c.updateId());
    if (cited.size() >= MAX_CITATIONS) {
      throw new RejectedException(
          Reason.TOO_MANY_CITATIONS, "update " + c.updateId() + " already cites " + cited.size());
    }
    BigInteger used = unsigned(c.samples());
    for (CitationRecord r : cited) {
      used = used.add(unsigned(r.samples()));
    }
    if (c.samples() == 0
        || Long.compareUnsigned(c.samples(), g.samples()) > 0
        || used.compareTo(unsigned(u.receipt().samples())) > 0) {
      throw new RejectedException(
          Reason.TOO_MANY_SAMPLES,
          Long.toUnsignedString(c.samples())
              + " samples of a grant of "
              + Long.toUnsignedString(g.samples())
              + " for an update of "
              + Long.toUnsignedString(u.receipt().samples())
              + " ("
              + used.subtract(unsigned(c.samples()))
              + " cited before)");
    }
    s.put(
        citeKey(c.updateId(), cited.size()),
        Codec.citation(
            new CitationRecord(
                c.updateId(), c.grantId(), g.owner(), g.share(), c.samples(), BigInteger.ZERO)));
    s.put(grantCiteKey(c.grantId(), c.updateId()), Codec.u64(cited.size()));
    s.emit(new Event.Cited(c.updateId(), c.grantId(), g.owner(), c.samples()));
  }

  /**
   * Records a spec's author (its signed {@link Publication}), who must have committed {@code
   * keccak256(spec, author)} at an earlier height, so a copier of a pending publication has no
   * earlier commitment of its own. Refused: the signature rules (the signer must be the author),
   * NO_COMMIT, SPEC_EXISTS (the first author keeps it).
   */
  public void publish(State s, Signed<Publication> signed) throws RejectedException {
    Address who = signer(signed.digest(domain), signed);
    Publication p = signed.message();
    if (!who.equals(p.author())) {
      throw new RejectedException(
          Reason.WRONG_SIGNER,
          "publication names author " + p.author() + " but " + who + " signed");
    }
    Optional<byte[]> committed = s.get(commitKey(commitment(p.spec(), p.author())));
    if (committed.isEmpty() || Codec.u64(committed.get()) >= s.height()) {
      throw new RejectedException(
          Reason.NO_COMMIT,
          "publishing spec "
              + p.spec()
              + " needs keccak256(spec, author) committed in an earlier block first");
    }
    Optional<Address> first = authorOf(s, p.spec());
    if (first.isPresent()) {
      throw new RejectedException(
          Reason.SPEC_EXISTS, "spec " + p.spec() + " was published by " + first.get());
    }
    s.put(specKey(p.spec()), p.author().toBytes());
    s.emit(new Event.SpecPublished(p.spec(), p.author()));
  }

  public Optional<Address> authorOf(State s, Hash32 spec) {
    return s.get(specKey(spec)).map(Address::of);
  }

  private GrantRecord grantOf(State s, Hash32 grantId) throws RejectedException {
    return grant(s, grantId)
        .orElseThrow(() -> new RejectedException(Reason.GRANT_UNKNOWN, "no grant " + grantId));
  }

  public Optional<GrantRecord> grant(State s, Hash32 grantId) {
    return s.get(grantKey(grantId)).map(Codec::grant);
  }

  /** The grants {@code owner} recorded, by id. */
  public List<GrantRecord> grantsOf(State s, Address owner) {
    String prefix = "ownergrant/" + owner.lowerHex().substring(2) + "/";
    List<GrantRecord> out = new ArrayList<>();
    for (String k : s.keys(prefix)) {
      grant(s, lastHash(k)).ifPresent(out::add);
    }
    return out;
  }

  /** An update's citations, in the order they were recorded. */
  public List<CitationRecord> citations(State s, Hash32 updateId) {
    List<CitationRecord> out = new ArrayList<>();
    for (String k : s.keys("cite/" + updateId.hex() + "/")) {
      out.add(Codec.citation(s.get(k).orElseThrow()));
    }
    return out;
  }

  /** Every citation of a grant. */
  public List<CitationRecord> citationsOf(State s, Hash32 grantId) {
    List<CitationRecord> out = new ArrayList<>();
    for (String k : s.keys("grantcite/" + grantId.hex() + "/")) {
      int i = (int) Codec.u64(s.get(k).orElseThrow());
      s.get(citeKey(lastHash(k), i)).map(Codec::citation).ifPresent(out::add);
    }
    return out;
  }

  /** Scores are basis points of the run's metric: a validator's score outside this is refused. */
  public static final long MAX_SCORE = 10_000;

  /**
   * Records a validator's score at {@code now} (seconds; when it completes the quorum, the claim
   * window starts). Refused: a non-validator, the update's own contributor (it would pay itself), a
   * second attestation, a score beyond {@link #MAX_SCORE} either way, and an eval set the validator
   * did not commit to ({@link #commitment}{@code (evalSet, validator)}) in an earlier block: a
   * validator fixes its held-out set before it scores.
   */
  public void attest(State s, Signed<Attestation> signed, long now) throws RejectedException {
    Address validator = signer(signed.digest(domain), signed);
    Attestation a = signed.message();
    UpdateRecord u = updateOf(s, a.updateId());
    Run run = Codec.run(s.get(runKey(u.receipt().runId())).orElseThrow());
    if (!run.config().validators().contains(validator)) {
      throw new RejectedException(
          Reason.NOT_VALIDATOR, validator + " is not a validator of run " + run.runId());
    }
    if (validator.equals(u.contributor())) {
      throw new RejectedException(
          Reason.SELF_ATTESTATION, validator + " contributed update " + a.updateId());
    }
    String key = attestationKey(a.updateId(), validator);
    if (s.get(key).isPresent()) {
      throw new RejectedException(
          Reason.ALREADY_ATTESTED, validator + " already attested update " + a.updateId());
    }
    if (a.score() < -MAX_SCORE || a.score() > MAX_SCORE) {
      throw new RejectedException(
          Reason.SCORE_OUT_OF_BOUNDS,
          "score " + a.score() + " is outside -" + MAX_SCORE + ".." + MAX_SCORE);
    }
    Optional<byte[]> committed = s.get(commitKey(commitment(a.evalSet(), validator)));
    if (committed.isEmpty() || Codec.u64(committed.get()) >= s.height()) {
      throw new RejectedException(
          Reason.EVAL_SET_NOT_COMMITTED,
          validator
              + " did not commit to eval set "
              + a.evalSet()
              + " before this attestation: commit keccak256(evalSet, validator) first");
    }
    s.put(key, Codec.u64(a.score()));
    if (attestations(s, a.updateId()).size() == run.config().quorum()) {
      s.put(quorumKey(a.updateId()), Codec.u64(now));
    }
    s.emit(new Event.Attested(a.updateId(), validator, a.score()));
  }

  /**
   * Pays an update's contributor at {@code now} (seconds) the median of its validators' scores
   * times the run's rate, capped at the unpaid budget: once a quorum attested and either every
   * validator has, or the run's claim window has passed since the quorum (so a late dissenting
   * validator still counts). The median keeps one validator's extreme score from setting the pay.
   * The run's royalty ({@link #royalty}) of it goes to the genesis model's owner; of the rest, each
   * data owner whose grant the update cites gets {@link #dataShare}; the contributor the remainder.
   * Returns the whole.
   */
  public BigInteger claim(State s, Hash32 updateId, long now) throws RejectedException {
    UpdateRecord u = updateOf(s, updateId);
    if (s.get(claimKey(updateId)).isPresent()) {
      throw new RejectedException(
          Reason.ALREADY_CLAIMED, "update " + updateId + " was already paid");
    }
    Run run = Codec.run(s.get(runKey(u.receipt().runId())).orElseThrow());
    Map<Address, Long> scores = attestations(s, updateId);
    int quorum = run.config().quorum();
    if (quorum == 0 || scores.size() < quorum) {
      throw new RejectedException(
          Reason.QUORUM_NOT_MET,
          "update "
              + updateId
              + " has "
              + scores.size()
              + " attestations, the run needs "
              + (quorum == 0 ? "validators" : quorum));
    }
    if (scores.size() < run.config().validators().size()) {
      long since = s.get(quorumKey(updateId)).map(Codec::u64).orElse(0L);
      long due = since + run.config().claimWindow();
      if (due < 0 || now < due) { // due < 0: the sum overflowed, so it is far in the future
        throw new RejectedException(
            Reason.CLAIM_WINDOW_OPEN,
            "update "
                + updateId
                + " has "
                + scores.size()
                + " of "
                + run.config().validators().size()
                + " attestations; the others may attest until "
                + (due < 0 ? "the end of time" : due)
                + ", now is "
                + now);
      }
    }
    BigInteger median = median(scores.values());
    BigInteger remaining = run.unpaid();
    BigInteger reward =
        median.signum() <= 0
            ? BigInteger.ZERO
            : median.multiply(run.config().rewardPerPoint()).min(remaining);
    if (reward.signum() <= 0) {
      throw new RejectedException(
          Reason.NOTHING_TO_PAY,
          "median attested score "
              + median
              + " with "
              + remaining
              + " VNX wei left in the budget pays nothing");
    }
    s.put(claimKey(updateId), Codec.big(reward));
    s.put(runKey(run.runId()), Codec.run(run.plusPaid(reward)));
    BigInteger cut = royalty(reward, run.config().royalty());
    BigInteger specCut = royalty(reward, run.config().specRoyalty());
    BigInteger rest = reward.subtract(cut).subtract(specCut);
    List<CitationRecord> cited = citations(s, updateId);
    BigInteger[] parts = new BigInteger[cited.size()];
    BigInteger own = rest;
    for (int i = 0; i < parts.length; i++) {
      CitationRecord c = cited.get(i);
      parts[i] = dataShare(rest, c.share(), c.samples(), u.receipt().samples());
      own = own.subtract(parts[i]);
    }
    s.put(balanceKey(u.contributor()), Codec.big(balance(s, u.contributor()).add(own)));
    s.emit(new Event.RewardClaimed(updateId, u.contributor(), own));
    if (cut.signum() > 0) {
      Address owner = run.config().royaltyTo();
      s.put(balanceKey(owner), Codec.big(balance(s, owner).add(cut)));
      s.emit(new Event.RoyaltyPaid(updateId, owner, cut));
    }
    if (specCut.signum() > 0) {
      Address author = authorOf(s, run.config().spec()).orElseThrow();
      s.put(balanceKey(author), Codec.big(balance(s, author).add(specCut)));
      s.emit(new Event.AuthorPaid(updateId, author, specCut));
    }
    for (int i = 0; i < parts.length; i++) {
      CitationRecord c = cited.get(i);
      s.put(
          citeKey(updateId, i),
          Codec.citation(
              new CitationRecord(
                  c.updateId(), c.grantId(), c.owner(), c.share(), c.samples(), parts[i])));
      if (parts[i].signum() > 0) {
        s.put(balanceKey(c.owner()), Codec.big(balance(s, c.owner()).add(parts[i])));
        s.emit(new Event.DataPaid(updateId, c.grantId(), c.owner(), parts[i]));
      }
    }
    return reward;
  }

  public void admit(State s, Signed<Admit> signed) throws RejectedException {
    Address who = signer(signed.digest(domain), signed);
    Admit a = signed.message();
    Run run = openRunOf(s, a.runId());
    if (!who.equals(run.coordinator())) {
      throw new RejectedException(
          Reason.NOT_COORDINATOR,
          "only the coordinator " + run.coordinator() + " may admit nodes to run " + run.runId());
    }
    if (a.node().isZero()) {
      throw new RejectedException(Reason.BAD_CONFIG, "the zero address cannot be admitted");
    }
    s.put(admittedKey(a.runId(), a.node()), new byte[] {1}); // again: the same, harmless
    s.emit(new Event.Admitted(a.runId(), a.node()));
  }

  /** Whether {@code who} may contribute to {@code run} (see {@link org.fedchain.ledger.Ledger}). */
  public boolean admits(State s, Hash32 runId, Address who) {
    return run(s, runId).map(r -> admits(s, r, who)).orElse(false);
  }

  private static boolean admits(State s, Run run, Address who) {
    return run.config().admits(who, run.coordinator())
        || s.get(admittedKey(run.runId(), who)).isPresent();
  }

  /** Closes a run at {@code now} (seconds since the epoch, by the ledger's clock). */
  public void closeRun(State s, Signed<CloseRun> signed, long now) throws RejectedException {
    Address who = signer(signed.digest(domain), signed);
    Run run = openRunOf(s, signed.message().runId());
    if (!who.equals(run.coordinator())) {
      throw new RejectedException(
          Reason.NOT_COORDINATOR,
          "only the coordinator " + run.coordinator() + " may close run " + run.runId());
    }
    s.put(runKey(run.runId()), Codec.run(run.closed(now)));
    s.emit(new Event.RunClosed(run.runId()));
  }

  /**
   * Returns a closed run's unpaid budget to its coordinator once its claim window has passed
   * ({@code now} in seconds since the epoch). Anyone may call it; the money only goes one way.
   * Claims after it find nothing left (NOTHING_TO_PAY).
   */
  public BigInteger reclaim(State s, Hash32 runId, long now) throws RejectedException {
    Run run =
        run(s, runId)
            .orElseThrow(() -> new RejectedException(Reason.RUN_UNKNOWN, "no run " + runId));
    if (run.open()) {
      throw new RejectedException(
          Reason.RUN_OPEN, "run " + runId + " is still open: its budget returns after it closes");
    }
    long due = run.closedAt() + run.config().claimWindow();
    if (due < 0 || now < due) { // due < 0: the sum overflowed, so it is far in the future
      throw new RejectedException(
          Reason.CLAIM_WINDOW_OPEN,
          "run "
              + runId
              + " closed at "
              + run.closedAt()
              + "; its claim window of "
              + run.config().claimWindow()
              + " s ends at "
              + (due < 0 ? "the end of time" : due)
              + ", now is "
              + now);
    }
    BigInteger amount = run.unpaid();
    if (amount.signum() <= 0) {
      throw new RejectedException(
          Reason.NOTHING_TO_PAY, "run " + runId + " has no unpaid budget left");
    }
    s.put(runKey(runId), Codec.run(run.plusPaid(amount)));
    s.put(balanceKey(run.coordinator()), Codec.big(balance(s, run.coordinator()).add(amount)));
    s.emit(new Event.BudgetReturned(runId, run.coordinator(), amount));
    return amount;
  }

  public void mint(State s, Address to, BigInteger amount) throws RejectedException {
    if (amount.signum() <= 0 || amount.bitLength() > 255) {
      throw new RejectedException(Reason.BAD_AMOUNT, "cannot mint " + amount);
    }
    s.put(balanceKey(to), Codec.big(balance(s, to).add(amount)));
    s.emit(new Event.Minted(to, amount));
  }

  // ---- reads ----

  public Optional<Run> run(State s, Hash32 runId) {
    return s.get(runKey(runId)).map(Codec::run);
  }

  public Optional<UpdateRecord> update(State s, Hash32 updateId) {
    return s.get(updateKey(updateId)).map(Codec::update);
  }

  public Optional<UpdateRecord> updateOfModel(State s, Hash32 runId, Hash32 model) {
    return recordedModel(s, runId, model).flatMap(id -> update(s, Hash32.of(id)));
  }

  public List<UpdateRecord> updates(State s, Hash32 runId) {
    return records(s, s.keys("seq/" + runId.hex() + "/"));
  }

  public List<UpdateRecord> children(State s, Hash32 updateId) {
    return records(s, s.keys("child/" + updateId.hex() + "/"));
  }

  public List<UpdateRecord> heads(State s, Hash32 runId) {
    List<UpdateRecord> out = records(s, s.keys("head/" + runId.hex() + "/"));
    out.sort(
        java.util.Comparator.comparingLong((UpdateRecord r) -> r.height())
            .thenComparing(UpdateRecord::updateId));
    return out;
  }

  public List<UpdateRecord> lineage(State s, Hash32 updateId) {
    return lineage(update(s, updateId), (run, model) -> updateOfModel(s, run, model));
  }

  /**
   * The path from {@code start} back to its run's genesis, {@code start} first, following parent
   * model hashes with {@code byModel(runId, model)}. Shared by backends that index updates
   * themselves (the Ethereum event index).
   */
  public static List<UpdateRecord> lineage(
      Optional<UpdateRecord> start,
      java.util.function.BiFunction<Hash32, Hash32, Optional<UpdateRecord>> byModel) {
    List<UpdateRecord> out = new ArrayList<>();
    Optional<UpdateRecord> cur = start;
    while (cur.isPresent()) {
      UpdateRecord r = cur.get();
      out.add(r);
      if (r.receipt().kind() == UpdateKind.GENESIS) {
        break;
      }
      cur = byModel.apply(r.receipt().runId(), r.receipt().parent());
    }
    return out;
  }

  public Map<Address, Long> attestations(State s, Hash32 updateId) {
    Map<Address, Long> out = new LinkedHashMap<>();
    String prefix = "att/" + updateId.hex() + "/";
    for (String k : s.keys(prefix)) {
      out.put(Address.parse(k.substring(prefix.length())), Codec.u64(s.get(k).orElseThrow()));
    }
    return out;
  }

  /**
   * The median of {@code scores}: the middle one, or for an even count the sum of the two middle
   * ones halved, truncated toward zero as Solidity divides.
   */
  public static BigInteger median(java.util.Collection<Long> scores) {
    long[] v = scores.stream().mapToLong(Long::longValue).sorted().toArray();
    int n = v.length;
    return n % 2 == 1
        ? BigInteger.valueOf(v[n / 2])
        : BigInteger.valueOf(v[n / 2 - 1]).add(BigInteger.valueOf(v[n / 2])).divide(BigInteger.TWO);
  }

  public BigInteger balance(State s, Address a) {
    return s.get(balanceKey(a)).map(Codec::big).orElse(BigInteger.ZERO);
  }

  // ---- helpers ----

  private List<UpdateRecord> records(State s, List<String> keys) {
    List<UpdateRecord> out = new ArrayList<>(keys.size());
    for (String k : keys) {
      update(s, lastHash(k)).ifPresent(out::add);
    }
    return out;
  }

  private UpdateRecord updateOf(State s, Hash32 updateId) throws RejectedException {
    return update(s, updateId)
        .orElseThrow(() -> new RejectedException(Reason.UPDATE_UNKNOWN, "no update " + updateId));
  }

  private Run openRunOf(State s, Hash32 runId) throws RejectedException {
    Run run =
        run(s, runId)
            .orElseThrow(() -> new RejectedException(Reason.RUN_UNKNOWN, "no run " + runId));
    if (!run.open()) {
      throw new RejectedException(Reason.RUN_CLOSED, "run " + runId + " is closed");
    }
    return run;
  }

  /** The signer of a receipt, which must be the contributor the receipt names. */
  private static Address contributor(Hash32 updateId, Signed<ModelUpdate> signed)
      throws RejectedException {
    Address who = signer(updateId, signed);
    if (!who.equals(signed.message().contributor())) {
      throw new RejectedException(
          Reason.WRONG_SIGNER,
          "the receipt names contributor "
              + signed.message().contributor()
              + " but is signed by "
              + who);
    }
    return who;
  }

  /**
   * Recovers the signer by the rules every backend applies and checks it is the claimed one. Public
   * so that chain backends can apply the same first check client-side where they must.
   */
  public static Address signer(Hash32 digest, Signed<?> signed) throws RejectedException {
    Address got;
    try {
      got = Secp256k1.recover(digest, signed.signature());
    } catch (SignatureException e) {
      Reason r =
          switch (e.problem()) {
            case BAD_LENGTH -> Reason.SIGNATURE_LENGTH;
            case BAD_V -> Reason.SIGNATURE_V;
            case HIGH_S -> Reason.SIGNATURE_HIGH_S;
            case OUT_OF_RANGE, UNRECOVERABLE -> Reason.SIGNATURE_INVALID;
          };
      throw new RejectedException(r, e.getMessage());
    }
    if (!got.equals(signed.signer())) {
      throw new RejectedException(
          Reason.WRONG_SIGNER,
          "the signature recovers "
              + got
              + ", not the claimed signer "
              + signed.signer()
              + " (a field, the domain or the key differs)");
    }
    return got;
  }
}
