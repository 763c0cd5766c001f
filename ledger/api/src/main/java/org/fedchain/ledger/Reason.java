package org.fedchain.ledger;

/**
 * Why a ledger rejected a call. Every backend (embedded, Ethereum, Fabric) reports the same code
 * for the same input; the shared rule vectors check it.
 */
public enum Reason {
  SIGNATURE_LENGTH("the signature is not 65 bytes r||s||v"),
  SIGNATURE_V("the signature's v is not 27 or 28"),
  SIGNATURE_HIGH_S("the signature's s is above n/2 (use the low-S form)"),
  SIGNATURE_INVALID("no valid signer recovers from the signature"),
  WRONG_SIGNER(
      "the signature does not recover to the claimed signer (a field, the domain or the key differs)"),
  RUN_EXISTS("a run with this id already exists"),
  RUN_UNKNOWN("no run with this id"),
  RUN_CLOSED("the run is closed"),
  RUN_OPEN("the run is still open"),
  BAD_GENESIS("a genesis must be kind GENESIS, seq 0 and parent zero"),
  CONFIG_MISMATCH("the genesis 'data' field is not the hash of the run configuration"),
  BAD_RUN_ID("the run id is not keccak256(coordinator, terms hash)"),
  BAD_CONFIG("the run configuration is invalid (quorum, validators)"),
  KIND_NOT_ALLOWED("this kind of update is not accepted here"),
  NOT_COORDINATOR("only the run's coordinator may do this"),
  NOT_ADMITTED("the contributor is not admitted to the run"),
  PARENT_UNKNOWN("the parent is not a recorded model of the run"),
  PARENT_NOT_GLOBAL("a LOCAL update's parent must be a global model (GENESIS or AGGREGATE)"),
  SEQ_MISMATCH("seq must be the parent's seq + 1"),
  MODEL_EXISTS("this model is already recorded in the run"),
  NO_COMMIT("the run requires commit-reveal and there is no earlier commit for this update"),
  COMMIT_EXISTS("this commitment is already recorded"),
  UPDATE_UNKNOWN("no update with this id"),
  NOT_VALIDATOR("the signer is not a validator of the run"),
  ALREADY_ATTESTED("this validator already attested this update"),
  SELF_ATTESTATION("a validator may not attest an update it contributed"),
  SCORE_OUT_OF_BOUNDS("a score must be within -10000..10000 basis points"),
  EVAL_SET_NOT_COMMITTED(
      "the validator did not commit keccak256(evalSet, validator) in an earlier block"),
  QUORUM_NOT_MET("the update does not have a quorum of attestations"),
  ALREADY_CLAIMED("the reward of this update was already paid"),
  NOTHING_TO_PAY("the attested score earns no reward, or the budget is spent"),
  CLAIM_WINDOW_OPEN(
      "the claim window has not passed (since the run closed, for reclaim; since the quorum, for a"
          + " claim before every validator attested)"),
  NOT_MINTER("only the ledger's mint authority may mint"),
  INSUFFICIENT_BALANCE("the balance does not cover the amount"),
  BAD_AMOUNT("the amount must be positive"),
  BAD_GRANT("a grant needs at least one sample and a share of at most 10000 basis points"),
  GRANT_EXISTS("this grant is already recorded"),
  GRANT_UNKNOWN("no grant with this id"),
  NOT_GRANT_OWNER("only the grant's owner may revoke it"),
  GRANT_REVOKED("the grant was revoked"),
  GRANT_EXPIRED("the grant has expired"),
  GRANT_NOT_FOR_NODE("the grant is lent to another node"),
  GRANT_NOT_FOR_RUN("the grant is lent for another run"),
  NOT_CONTRIBUTOR("only the update's contributor may cite grants for it"),
  ALREADY_CITED("the update already cites this grant"),
  TOO_MANY_CITATIONS("an update cites at most 8 grants"),
  SPEC_EXISTS("this spec is already published (its first author keeps it)"),
  SPEC_UNKNOWN("the terms name a spec nobody published"),
  TOO_MANY_SAMPLES("no samples, or more than the grant holds or the update was trained on");

  private final String description;

  Reason(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}
