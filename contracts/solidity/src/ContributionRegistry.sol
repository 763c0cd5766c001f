// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {VNXToken} from "./VNXToken.sol";

/// @title FedChain ContributionRegistry
/// @notice Records EIP-712 signed model updates of federated-learning runs, validator attestations
/// and VNX rewards, by the ledger rules of FedChain's DESIGN.md. Every check, and the order of the
/// checks, is that of the Java reference `org.fedchain.ledger.rules.Rules`, so this contract, the
/// embedded ledger and the Fabric chaincode give the same reason for the same input (the shared
/// vectors `ledger-rules.json` prove it). A rejection reverts with a custom error named like the
/// Java `Reason` (PascalCase, no arguments).
/// @dev Anyone may send the transactions (a relayer): the contributor, coordinator or validator is
/// the address recovered from the signature, which must equal the claimed address argument (else a
/// changed field, chain or contract would silently recover some other address). A receipt also
/// names its contributor, who must be that signer: the updateId binds who is paid, so a copier who
/// re-signs a victim's fields with its own key must name itself and makes another update.
///
/// A run may restrict who contributes: a non-empty `admitted` list in its configuration (covered by
/// the genesis signature through `configHash`) admits those addresses and the coordinator only.
/// While the run is open, its coordinator may admit more nodes with a signed `Admit(runId, node)`
/// (`admit`); `admits` tells whether an address may contribute.
///
/// Run ids are derived, not chosen: a run's id is `keccak256(abi.encodePacked(coordinator,
/// configHash(config)))`, and its terms carry a `nonce` the coordinator picks, so one coordinator
/// can open many runs of the same terms. A genesis naming any other id fails BadRunId: someone who
/// copies a pending genesis and signs it with its own key opens a different run (its own) and cannot
/// take the coordinator's run id.
///
/// Storage is one slot per update, `key -> seq|kind|updateId` (the low 160 bits of the updateId);
/// everything else about an update lives in the UpdateRecorded event. Global models and
/// contributions are indexed apart, as Java's `Rules` does: each (runId, model) has a contribution
/// slot, key `keccak256(runId, model)`, which records a CHAINED, LOCAL or STAGE update, and a global
/// slot, the same key with its lowest bit flipped, which records a GENESIS or an AGGREGATE. So the
/// coordinator can make a contribution's model the round's global one (a strategy's pick, such as
/// Krum's) by recording an AGGREGATE of that very model, and both updates keep their own votes, tally
/// and reward. Model uniqueness per run and index plus the EIP-712 domain make every receipt
/// single-use, so no nonce is stored.
///
/// The rules of the two slots (`_submit`):
/// - A LOCAL update trains from a global model: its parent must be in the global slot (the genesis
///   or an AGGREGATE), else ParentNotGlobal if the parent is recorded as a contribution only, else
///   ParentUnknown; so local training never stacks on another node's unaggregated result. Any other
///   kind takes the parent's global record if there is one, else its contribution, else
///   ParentUnknown; the seq follows the record taken.
/// - An AGGREGATE is refused (ModelExists) only if its model's global slot is set: it may record a
///   model a contribution already holds. Any other kind is refused if either slot of its model is set.
///
/// Attestations and claims pass the whole receipt: the contract recomputes its updateId and takes it
/// for the recorded update only if the slot of its (runId, model) and kind (global kinds: the global
/// slot; others: the contribution slot) holds its seq, kind and id bits. The updateId covers every
/// field, so a variant receipt (another parent, manifest, data, samples or contributor) is no
/// recorded update (UpdateUnknown): an Attested or RewardClaimed event always names a recorded
/// updateId, and a claim pays the contributor that update names. The per-update state (votes,
/// tally, claimed) is keyed by the slot key; events carry runId and model next to the updateId, and
/// the update's kind is in its UpdateRecorded event, so an indexer finds the slot of an event. The
/// views by model (`updateOf`, `attestationOf`, `tallyOf`) read the global slot if it is set, else the
/// contribution slot: a read by model prefers the global record, as Java's `updateOfModel` does (a
/// picked contribution's own votes and claim are then in its Attested and RewardClaimed events).
///
/// Rewards: validators score an update in basis points (within +-10000), never their own update. A
/// claim pays the median score (robust to a few outlying or colluding validators, where the mean is
/// not) times the run's rate, once every validator attested or the run's claim window
/// (`RunConfig.claimWindow`, seconds) has passed since the quorum was reached: the late validators get
/// that long to move the median before it is paid.
///
/// Model specs: the author of a model spec (the hash of a network's definition) publishes it with a
/// signed `Publication(spec, author)`, after committing `keccak256(spec, author)` in an earlier block
/// so that a copier of the pending publication has no commitment of its own (`publish`); the first
/// author keeps the spec. A run's terms may name a published spec (`RunConfig.spec`) and pay its
/// author `specRoyalty` basis points of every claimed reward, beside the genesis model owner's
/// royalty, both before the data owners' shares.
///
/// Closing a run starts its claim window again: claims still pay, and once the window has passed
/// anyone may return the unpaid budget to the coordinator (`reclaim`), after which nothing is left to
/// claim. Without it a closed run's unclaimed budget stayed escrowed for ever.
///
/// Log anchors (`anchor`): FedChain's embedded ledger keeps its own log in a local SQLite file, where
/// each entry's hash covers the previous one (a hash chain). The chain alone catches an edit of one
/// entry, but not a local user who rewrites the whole file consistently, recomputing every hash after
/// the change. An anchor records on chain a log's head (the chain hash after its first `entries`
/// entries) at a block timestamp, so a verifier recomputes the local log and finds the rewrite: the
/// head of the rewritten log after that many entries no longer matches the anchored one. Anchors are
/// append-only: each anchorer's anchors of a log are kept in order, with strictly growing entry
/// counts, and none is ever replaced, so a later anchor of a rewritten log cannot hide an earlier
/// anchor of the original. Anyone may anchor any log; an anchor is the sender's word only, and the
/// verifier decides whose anchors it trusts (say, the node that keeps the log, or its coordinator).
contract ContributionRegistry is EIP712, Ownable {
    using SafeERC20 for VNXToken;

    // ---- types ----

    /// @notice The signed EIP-712 `ModelUpdate`; field order is the type's. `contributor` must be the
    /// signer: it is the account recorded and paid for the update.
    struct Receipt {
        bytes32 runId;
        uint64 seq;
        uint8 kind;
        bytes32 parent;
        bytes32 model;
        bytes32 manifest;
        bytes32 data;
        uint64 samples;
        address contributor;
    }

    /// @notice What a run is opened with; `configHash` of it is the genesis receipt's `data`.
    struct RunConfig {
        uint8 mode;
        bool commitReveal;
        uint8 quorum;
        uint256 budget;
        uint256 rewardPerPoint;
        uint64 claimWindow; // seconds the late validators get after a quorum, and claims after the close
        address royaltyTo; // the genesis model's owner, paid `royalty` of every claimed reward; zero: nobody
        uint16 royalty; // basis points (0..10000) of every claimed reward that go to `royaltyTo`
        bytes32 spec; // the model spec the run trains (its hash): a published one (`publish`), or zero: none
        uint16 specRoyalty; // basis points of every claimed reward that go to the spec's author (royalty + it <= 10000)
        address[] validators;
        address[] admitted; // who may contribute besides the coordinator; empty: anyone
        bytes32 nonce; // makes the terms, and so the derived run id, unique
    }

    /// @notice A run as stored. The first slot holds everything `submit` reads, so a submit reads
    /// one slot, and the quorum and validator count that attest and claim read. The budget is kept
    /// as what is still unpaid (`paid` = budget - unpaid, see `runs`): the first claim of a run then
    /// rewrites a non-zero slot (2.9k gas) instead of filling an empty `paid` slot (20k), and a claim
    /// reads one slot less. The claim window and the close time share a slot of their own (the first
    /// has no room), which closeRun and reclaim touch, and a claim reads only while some validator
    /// has not attested the update.
    /// The royalty's basis points fill 16 of the first slot's 24 spare bits: claim reads that slot
    /// anyway (quorum, validator count), so a claim learns whether there is a royalty at no extra
    /// cold read, and a run without one pays nothing for the feature. Its payee (160 bits) fits no
    /// slot's spare room (the window slot has 128 free) and so has a slot of its own, written only
    /// when non-zero and read only when a claim's royalty part is non-zero (+2.1k for that claim).
    /// The spec royalty takes the first slot's last 8 bits as a flag, `paysAuthor` (specRoyalty is
    /// non-zero): its basis points (14 bits) no longer fit there, and with the flag a claim of a run
    /// without one reads no new slot. A claim that pays the author reads one slot more (+2.1k cold):
    /// the author and the basis points, packed together. The author, not the spec, is kept there:
    /// a spec's author never changes once published (`publish` refuses a second one, nothing
    /// unpublishes), and openRun needs it published, so the author read at the open is
    /// `authorOf(spec)` at every claim, and the claim saves the cold read of the spec and of its
    /// `authorOf` slot (4.2k). The spec itself has a slot of its own that only `runs` reads, written
    /// only when non-zero, as is the author's slot only for a non-zero spec royalty.
    struct Run {
        address coordinator; // zero: no such run
        uint8 mode;
        bool commitReveal;
        uint8 quorum;
        bool open;
        bool restricted; // an admitted list was given: only it and the coordinator contribute
        uint32 validatorCount; // once this many attested an update, its claim need not wait
        uint16 royalty; // basis points of every claimed reward that go to `royaltyTo`
        bool paysAuthor; // specRoyalty is non-zero: a claim reads `author` and `specRoyalty`
        uint256 budget;
        uint256 unpaid;
        uint256 rewardPerPoint;
        bytes32 genesisUpdate;
        bytes32 genesisModel;
        uint64 claimWindow; // seconds, after the quorum of each update and after the close
        uint64 closedAt; // block timestamp of the close; 0 while open
        address royaltyTo; // the genesis model's owner; zero: no royalty (or one of 0 basis points)
        address author; // authorOf(spec) when specRoyalty is non-zero (it never changes), else zero
        uint16 specRoyalty; // basis points of every claimed reward that go to `author`
        bytes32 spec; // the model spec the run names; zero: none
    }

    /// @notice What `runs` returns. A struct, because sixteen separate return values are more than
    /// the legacy code generator's ABI encoder can reach on the stack; being all static, it is
    /// encoded in place, as the same sixteen words the values would be one by one. `paid` is what
    /// left the escrow: rewards (royalties included) and the returned budget.
    struct RunView {
        address coordinator;
        uint8 mode;
        bool commitReveal;
        uint8 quorum;
        bool open;
        uint256 budget;
        uint256 rewardPerPoint;
        uint256 paid;
        bytes32 genesisUpdate;
        bytes32 genesisModel;
        uint64 claimWindow;
        address royaltyTo;
        uint16 royalty;
        bytes32 spec;
        uint16 specRoyalty;
        uint64 closedAt;
    }

    /// @notice One validator's attestation of one update.
    struct Vote {
        bool attested;
        int64 score;
    }

    /// @notice The attestations of one update, and whether its reward was paid. A claim needs every
    /// score for the median; scores are within +-10000, so 16 bits hold one exactly. The first five
    /// fields share one slot, which every attestation writes anyway, so up to 9 validators' scores
    /// cost no slot of their own; score `i` (attestation order) is 16-bit field `i` of `firstScores`
    /// for `i < 9`, else `moreScores[(i - 9) / 16][(i - 9) % 16]`. `count` is their number.
    /// `citations` (at most MAX_CITATIONS) counts the grants the update cites (`cite`): it fills the
    /// slot's last 8 bits because claim reads this slot anyway (claimed, count), so a claim of an
    /// update that cites nothing learns it without another cold read, and cite reads it for the
    /// AlreadyClaimed check anyway.
    struct Tally {
        uint32 count;
        bool claimed;
        uint64 quorumReachedAt; // block timestamp of the attestation that made `count` the quorum
        uint144 firstScores; // scores 0..8, 16-bit two's complement each
        uint8 citations; // grants cited by the update, the first `citations` entries of its Citations
        mapping(uint256 word => int16[16]) moreScores;
    }

    /// @notice One anchor of a local ledger log: its number of entries, when it was anchored (block
    /// timestamp) and its head, the chain hash after those entries. `entries` and `at` share a slot.
    struct Anchor {
        uint64 entries;
        uint64 at;
        bytes32 head;
    }

    /// @notice The anchors one account made of one log, in order (index 0 the first). `count` and
    /// `lastEntries` (the entries of anchor `count - 1`, which a new anchor must exceed) share one
    /// slot: an anchor reads that slot for its check, rewrites it and fills two new slots, its own.
    /// `count` never exceeds `lastEntries` (each anchor adds at least one entry), so it fits 64 bits.
    struct AnchorList {
        uint64 count;
        uint64 lastEntries;
        mapping(uint256 index => Anchor) items;
    }

    /// @notice The signed EIP-712 `DataGrant`; field order is the type's. A data owner lends the
    /// dataset whose commitment (a Merkle root over its samples' hashes) is `dataset`, of `samples`
    /// samples, to `node` (zero: any node the run admits) for run `runId` (zero: any run), for `share`
    /// basis points of the pay of each update that uses it (pro rata to the samples it used), until
    /// `expiry` (unix seconds). `owner` must be the signer. Its grantId is its EIP-712 digest.
    struct DataGrant {
        address owner;
        bytes32 dataset;
        uint64 samples;
        address node;
        bytes32 runId;
        uint16 share;
        uint64 expiry;
        bytes32 nonce; // makes two grants of the same terms distinct
    }

    /// @notice A grant as stored: what `cite` checks and `claim` pays by. The first slot holds what
    /// claim reads (owner and share) with what cite also reads (samples, revoked); the second the
    /// node and expiry, and whether the grant is for one run: only then does cite read the third,
    /// the run id (written only when non-zero), so a grant for any run costs neither its write nor
    /// its read. The dataset is in `GrantRecorded` only: no rule reads it. Nothing but `revoked`
    /// ever changes, so the owner and share a claim reads are those the citation was made under.
    struct Grant {
        address owner; // zero: no such grant (a recorded grant's owner is its recovered signer)
        uint64 samples;
        uint16 share; // basis points, 0..10000
        bool revoked;
        address node; // zero: any node
        uint64 expiry; // unix seconds; cited only before it
        bool forRun; // runId is non-zero
        bytes32 runId;
    }

    /// @notice What `grantOf` returns (seven values; a struct, as `runs`, to keep the encoder's
    /// stack short). All static: the same seven words as the values one by one.
    struct GrantView {
        address owner;
        address node;
        uint64 samples;
        uint16 share;
        uint64 expiry;
        bytes32 runId;
        bool revoked;
    }

    /// @notice The grants one update cites, in citation order: grant `i` and the samples of it the
    /// update used, for `i` below the Tally's `citations`. The samples of four citations share a
    /// slot (Solidity packs the uint64[8] into two), so the second to fourth citation rewrite a slot
    /// the first filled instead of filling their own.
    struct Citations {
        bytes32[8] grants;
        uint64[8] samples;
    }

    /// @dev One data owner's part of a claim (memory only): computed before the events, paid after.
    struct Part {
        bytes32 grantId;
        address owner;
        uint256 amount;
    }

    /// @dev The royalties of a claim (memory only, as `Part`): the genesis royalty's payee and cut,
    /// the spec's author and cut. A payee is read only for a non-zero cut, and stays zero otherwise.
    struct Royalties {
        address royaltyTo;
        uint256 cut;
        address author;
        uint256 specCut;
    }

    // ---- constants ----

    bytes32 public constant MODEL_UPDATE_TYPEHASH = keccak256(
        "ModelUpdate(bytes32 runId,uint64 seq,uint8 kind,bytes32 parent,bytes32 model,bytes32 manifest,bytes32 data,uint64 samples,address contributor)"
    );
    bytes32 public constant ATTESTATION_TYPEHASH =
        keccak256("Attestation(bytes32 updateId,int64 score,bytes32 evalSet,bytes32 report)");
    bytes32 public constant CLOSE_RUN_TYPEHASH = keccak256("CloseRun(bytes32 runId)");
    bytes32 public constant ADMIT_TYPEHASH = keccak256("Admit(bytes32 runId,address node)");
    bytes32 public constant DATA_GRANT_TYPEHASH = keccak256(
        "DataGrant(address owner,bytes32 dataset,uint64 samples,address node,bytes32 runId,uint16 share,uint64 expiry,bytes32 nonce)"
    );
    bytes32 public constant REVOKE_GRANT_TYPEHASH = keccak256("RevokeGrant(bytes32 grantId)");
    bytes32 public constant CITATION_TYPEHASH = keccak256("Citation(bytes32 updateId,bytes32 grantId,uint64 samples)");
    bytes32 public constant PUBLICATION_TYPEHASH = keccak256("Publication(bytes32 spec,address author)");

    uint8 internal constant GENESIS = 0;
    uint8 internal constant CHAINED = 1;
    uint8 internal constant LOCAL = 2;
    uint8 internal constant AGGREGATE = 3;
    uint8 internal constant MODEL_PARALLEL = 2;

    /// @dev The global kinds, GENESIS and AGGREGATE, as a bit set (bit `kind`); the others (CHAINED,
    /// LOCAL, STAGE) are contributions. A global update is recorded in the global slot of its model.
    uint256 internal constant GLOBAL_KINDS = (1 << 0) | (1 << 3); // bits GENESIS, AGGREGATE

    /// @dev The global slot key of (runId, model) is its contribution slot key
    /// `keccak256(runId, model)` XOR this: the lowest bit flipped. The two keys of one pair always
    /// differ. Keys of two different pairs are equal only if two keccak256 digests of distinct 64-byte
    /// inputs are equal or differ in their lowest bit only, a collision of keccak256 truncated to 255
    /// bits (~2^127 work), so no global slot can alias a contribution slot, nor two pairs one slot.
    /// Flipping a bit costs 3 gas where a second, tagged keccak would cost ~40.
    bytes32 internal constant GLOBAL_SLOT = bytes32(uint256(1));

    /// @dev Byte `mode` is the set of kinds that mode accepts (bit `kind`): CHAINED {CHAINED},
    /// DATA_PARALLEL {LOCAL, AGGREGATE}, MODEL_PARALLEL {STAGE, AGGREGATE}; as Java's `Mode`.
    uint256 internal constant MODE_KINDS = (((1 << 4) | (1 << 3)) << 16) | (((1 << 2) | (1 << 3)) << 8) | (1 << 1);

    /// @dev Scores are basis points: a score outside +-MAX_SCORE is ScoreOutOfBounds.
    int64 internal constant MAX_SCORE = 10_000;
    /// @dev A royalty is basis points of a claimed reward: the genesis royalty and the spec royalty
    /// together are at most the whole of it.
    uint256 internal constant MAX_ROYALTY = 10_000;
    /// @dev How many scores a Tally keeps in its first slot (`firstScores`, 16 bits each).
    uint256 internal constant FIRST_SCORES = 9;
    /// @dev A grant's share is basis points of an update's pay after the royalty: at most all of it.
    uint256 internal constant MAX_SHARE = 10_000;
    /// @dev An update cites at most this many grants: its claim pays each owner (a transfer and a
    /// few cold reads each), so the claim's gas stays bounded; Java's `Rules.MAX_CITATIONS`.
    uint256 internal constant MAX_CITATIONS = 8;

    /// @dev secp256k1 n / 2: a larger s is the malleable twin of a valid signature.
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @dev Packing of an update slot: the low 160 bits of the updateId in bits 0..159, kind
    /// 160..167, seq 168..231. A recorded slot is non-zero through its id bits (a genesis has seq 0
    /// and kind 0), unless a receipt digest's low 160 bits were all zero (a 2^-160 chance).
    uint256 internal constant ID_MASK = (1 << 160) - 1;
    uint256 internal constant KIND_SHIFT = 160;
    uint256 internal constant SEQ_SHIFT = 168;

    // ---- state ----

    /// @notice The reward token; this registry escrows budgets in it and pays rewards from them.
    VNXToken public immutable vnx;

    mapping(bytes32 runId => Run) internal _runs;
    /// @notice Whether an address may attest updates of a run.
    mapping(bytes32 runId => mapping(address account => bool)) public isValidator;
    /// @notice Whether an address is on a run's admitted list, from its terms or a later `admit`
    /// (the coordinator is admitted without it; a run without a list admits anyone: see `admits`).
    mapping(bytes32 runId => mapping(address account => bool)) public isAdmitted;
    /// @notice Block number of each commitment: `keccak256(abi.encodePacked(updateId, contributor))`
    /// of an update in a commit-reveal run, `keccak256(abi.encodePacked(evalSet, validator))` of a
    /// validator's evaluation set (`attest`).
    mapping(bytes32 commitment => uint256 blockNumber) public commits;

    mapping(bytes32 updateKey => uint256 packed) internal _updates;
    mapping(bytes32 updateKey => mapping(address validator => Vote)) internal _votes;
    mapping(bytes32 updateKey => Tally) internal _tallies;

    mapping(bytes32 logId => mapping(address anchorer => AnchorList)) internal _anchors;

    mapping(bytes32 grantId => Grant) internal _grants;
    /// @dev By the update's slot key, as votes and tallies; the count is the Tally's `citations`.
    mapping(bytes32 updateKey => Citations) internal _citations;
    /// @notice The author of a published model spec (`publish`); zero: unpublished. Set once: the
    /// first author keeps it.
    mapping(bytes32 spec => address author) public authorOf;

    // ---- events ----

    event RunOpened(
        bytes32 indexed runId,
        address indexed coordinator,
        bytes32 genesisModel,
        uint8 mode,
        bool commitReveal,
        uint8 quorum,
        uint256 budget,
        uint256 rewardPerPoint,
        uint64 claimWindow,
        address royaltyTo,
        uint16 royalty,
        bytes32 spec,
        uint16 specRoyalty,
        address[] validators,
        address[] admitted,
        bytes32 nonce
    );
    /// @notice An update (the genesis of a run included) was recorded; with the signature, an
    /// indexer can rebuild and re-verify every read (lineage, children, heads) from these events.
    event UpdateRecorded(
        bytes32 indexed runId,
        bytes32 indexed updateId,
        address indexed contributor,
        uint64 seq,
        uint8 kind,
        bytes32 parent,
        bytes32 model,
        bytes32 manifest,
        bytes32 data,
        uint64 samples,
        bytes signature
    );
    event Committed(bytes32 indexed commitment, uint256 blockNumber);
    event Attested(
        bytes32 indexed updateId,
        address indexed validator,
        bytes32 indexed runId,
        bytes32 model,
        int64 score,
        bytes32 evalSet,
        bytes32 report,
        bytes signature
    );
    /// @notice The reward of update `updateId` was claimed; `amount` is the contributor's part, what
    /// `contributor` received: the whole reward less the royalties and the data owners' parts (see
    /// `RoyaltyPaid`, `AuthorPaid` and `DataPaid`, emitted after it for each non-zero part). The
    /// reward `claim` returns is the sum of them all.
    event RewardClaimed(
        bytes32 indexed updateId, address indexed contributor, bytes32 indexed runId, bytes32 model, uint256 amount
    );
    /// @notice `to`, the run's `royaltyTo`, received `amount`, the royalty part of the reward of update
    /// `updateId` (`claim`); only emitted when that part is non-zero.
    event RoyaltyPaid(bytes32 indexed updateId, address indexed to, uint256 amount);
    /// @notice `author`, the author of the run's spec, received `amount`, the spec royalty's part of
    /// the reward of update `updateId` (`claim`); only emitted when that part is non-zero.
    event AuthorPaid(bytes32 indexed updateId, address indexed author, uint256 amount);
    /// @notice `author` published the model spec `spec` (`publish`): runs that name it may pay it a
    /// spec royalty.
    event SpecPublished(bytes32 indexed spec, address indexed author);
    /// @notice The coordinator of run `runId` admitted `node` after opening it (`admit`); emitted
    /// again on a replayed admission, which changes nothing.
    event Admitted(bytes32 indexed runId, address indexed node);
    /// @notice Run `runId` was closed at block timestamp `closedAt`, which starts its claim window.
    /// (The error `RunClosed` owns that name, hence `RunClosedBy`.)
    event RunClosedBy(bytes32 indexed runId, address indexed coordinator, uint64 closedAt);
    /// @notice The unpaid budget of the closed run `runId` went back to its coordinator (`reclaim`).
    event BudgetReturned(bytes32 indexed runId, address indexed coordinator, uint256 amount);
    /// @notice `anchorer` anchored the log `logId`: after its first `entries` entries its head is `head`
    /// (the anchor's time is the block's; `anchorAt` reads it).
    /// @dev Not named `log`: web3j's event responses inherit a field `log` (the raw log) that a
    /// parameter of that name would hide, and the generated wrapper would not compile.
    event Anchored(bytes32 indexed logId, address indexed anchorer, uint64 entries, bytes32 head);
    /// @notice `owner` lent the dataset `dataset` (`samples` samples) to `node` (zero: any node) for
    /// run `runId` (zero: any run), for `share` basis points of each citing update's pay, until
    /// `expiry` (`grant`), with its `nonce`: the event carries the whole signed grant, so a reader can
    /// rebuild it and check that it hashes to `grantId`.
    event GrantRecorded(
        bytes32 indexed grantId,
        address indexed owner,
        address indexed node,
        bytes32 dataset,
        uint64 samples,
        bytes32 runId,
        uint16 share,
        uint64 expiry,
        bytes32 nonce
    );
    /// @notice The owner revoked grant `grantId` at block timestamp `revokedAt` (`revokeGrant`): no
    /// update cites it from then on; earlier citations still pay. (The error `GrantRevoked` owns
    /// that name.)
    event GrantRevokedBy(bytes32 indexed grantId, uint64 revokedAt);
    /// @notice The contributor of update `updateId` declared it used `samples` samples of grant
    /// `grantId`, whose owner is `owner` (`cite`).
    event Cited(bytes32 indexed updateId, bytes32 indexed grantId, address indexed owner, uint64 samples);
    /// @notice `owner` received `amount`, its grant `grantId`'s part of the reward of update
    /// `updateId` (`claim`); only emitted when that part is non-zero.
    event DataPaid(bytes32 indexed updateId, bytes32 indexed grantId, address indexed owner, uint256 amount);

    // ---- errors: Java `Reason` names, in PascalCase ----

    error SignatureLength();
    error SignatureV();
    error SignatureHighS();
    error SignatureInvalid();
    error WrongSigner();
    error RunExists();
    /// @notice The genesis names a run id other than `keccak256(abi.encodePacked(coordinator,
    /// configHash(config)))`.
    error BadRunId();
    error RunUnknown();
    error RunClosed();
    /// @notice `reclaim` of a run that is still open.
    error RunOpen();
    error BadGenesis();
    error ConfigMismatch();
    error BadConfig();
    error KindNotAllowed();
    error NotCoordinator();
    error NotAdmitted();
    error ParentUnknown();
    /// @notice A LOCAL update names a parent that is recorded only as a contribution (CHAINED, LOCAL
    /// or STAGE), not as a global model (the genesis or an AGGREGATE).
    error ParentNotGlobal();
    error SeqMismatch();
    error ModelExists();
    /// @notice No commitment from an earlier block: of the update, in a commit-reveal run (`submit`),
    /// or of the spec and its author (`publish`).
    error NoCommit();
    error CommitExists();
    error UpdateUnknown();
    error NotValidator();
    /// @notice A validator attests an update it contributed.
    error SelfAttestation();
    error AlreadyAttested();
    /// @notice A score outside +-10000 (basis points).
    error ScoreOutOfBounds();
    /// @notice The validator did not commit `keccak256(abi.encodePacked(evalSet, validator))` in a block
    /// before the attestation's.
    error EvalSetNotCommitted();
    error QuorumNotMet();
    error AlreadyClaimed();
    error NothingToPay();
    /// @notice `reclaim` before the run's claim window has passed since its close, or `claim` before
    /// it has passed since the update's quorum while some validator has not attested.
    error ClaimWindowOpen();
    error InsufficientBalance();
    error BadAmount();
    /// @notice `submitBatch` arrays differ in length (not a ledger rule: a malformed call).
    error BatchLengthMismatch();
    /// @notice An anchor of no entries or of a zero head (not a ledger rule: a malformed anchor).
    error BadAnchor();
    /// @notice An anchor whose entries do not exceed those of the sender's last anchor of that log.
    error AnchorNotNewer();
    /// @notice `anchorAt` of an index at or beyond the anchorer's count of anchors of that log.
    error NoSuchAnchor();
    /// @notice A grant of no samples, or of a share above 10000 basis points.
    error BadGrant();
    error GrantExists();
    error GrantUnknown();
    /// @notice `revokeGrant` signed by someone other than the grant's owner.
    error NotGrantOwner();
    error GrantRevoked();
    /// @notice A citation at or after the grant's expiry.
    error GrantExpired();
    /// @notice The grant is lent to another node than the update's contributor.
    error GrantNotForNode();
    /// @notice The grant is lent for another run than the update's.
    error GrantNotForRun();
    /// @notice A citation signed by someone other than the update's contributor.
    error NotContributor();
    /// @notice The update already cites this grant.
    error AlreadyCited();
    /// @notice The update already cites MAX_CITATIONS (8) grants.
    error TooManyCitations();
    /// @notice A citation of no samples, of more than the grant holds, or that would make the
    /// update's cited samples exceed those it was trained on.
    error TooManySamples();
    /// @notice `publish` of a spec that already has an author (the first author keeps it).
    error SpecExists();
    /// @notice The terms name a spec nobody published: its author could not be paid.
    error SpecUnknown();

    constructor(VNXToken vnx_) EIP712("FedChain", "1") Ownable(msg.sender) {
        vnx = vnx_;
    }

    // ---- writes ----

    /// @notice Opens a run from its coordinator's signed GENESIS receipt and escrows the budget.
    /// @dev The genesis `data` must be `configHash(config)`, so the signature covers mode,
    /// validators, quorum, budget, rate, claim window, royalty (payee and basis points), spec and spec
    /// royalty, the admitted list and the nonce: nobody can replay a genesis with another
    /// configuration. The genesis names the coordinator as its contributor, and its run id must be
    /// `keccak256(abi.encodePacked(coordinator, genesis.data))` (BadRunId): a copier who re-signs the
    /// genesis with its own key opens a run of another id. Checks, in order: the signature errors,
    /// WrongSigner, BadGenesis, ConfigMismatch, BadRunId, RunExists, BadConfig, SpecUnknown,
    /// InsufficientBalance.
    /// The budget moves from the coordinator into this contract without an allowance
    /// (`VNXToken.escrowFrom`); that signature is the coordinator's consent.
    function openRun(RunConfig calldata config, Receipt calldata genesis, address coordinator, bytes calldata signature)
        external
    {
        bytes32 updateId = _updateId(genesis);
        _checkSigner(updateId, signature, coordinator);
        if (genesis.contributor != coordinator) revert WrongSigner();
        if (genesis.kind != GENESIS || genesis.seq != 0 || genesis.parent != bytes32(0)) revert BadGenesis();
        if (genesis.data != configHash(config)) revert ConfigMismatch();
        if (genesis.runId != keccak256(abi.encodePacked(coordinator, genesis.data))) revert BadRunId();
        Run storage run = _runs[genesis.runId];
        if (run.coordinator != address(0)) revert RunExists();
        // the terms' checks, then the spec's fields (a later revert undoes them); one expression,
        // as openRun has no stack slot left for the author in between
        _storeSpec(run, config, _checkConfig(genesis.runId, config));
        uint256 budget = config.budget;
        if (budget > 0 && vnx.balanceOf(coordinator) < budget) revert InsufficientBalance();

        run.coordinator = coordinator;
        run.mode = config.mode;
        run.commitReveal = config.commitReveal;
        run.quorum = config.quorum;
        run.open = true;
        run.restricted = config.admitted.length != 0;
        run.validatorCount = uint32(config.validators.length); // calldata cannot hold 2^32 addresses
        run.royalty = config.royalty; // checked <= 10000
        run.budget = budget;
        run.unpaid = budget;
        run.rewardPerPoint = config.rewardPerPoint;
        run.genesisUpdate = updateId;
        run.genesisModel = genesis.model;
        if (config.claimWindow != 0) run.claimWindow = config.claimWindow; // a zero write still costs 2.2k
        if (config.royaltyTo != address(0)) run.royaltyTo = config.royaltyTo; // likewise
        _record(genesis, updateId, coordinator, signature, _updateKey(genesis.runId, genesis.model) ^ GLOBAL_SLOT);
        _emitRunOpened(genesis, coordinator, config);
        if (budget > 0) vnx.escrowFrom(coordinator, budget);
    }

    /// @notice Records a signed update; returns its updateId (the EIP-712 digest of the receipt).
    function submit(Receipt calldata r, address contributor, bytes calldata signature)
        external
        returns (bytes32 updateId)
    {
        return _submit(r, contributor, signature);
    }

    /// @notice Records several updates in one transaction, in order (a later one may name an earlier
    /// one as parent). Atomic: the first rejected receipt reverts the whole batch with its error.
    function submitBatch(Receipt[] calldata rs, address[] calldata contributors, bytes[] calldata signatures)
        external
    {
        uint256 n = rs.length;
        if (contributors.length != n || signatures.length != n) revert BatchLengthMismatch();
        for (uint256 i = 0; i < n; ++i) {
            _submit(rs[i], contributors[i], signatures[i]);
        }
    }

    /// @notice Records a commitment at this block (CommitExists if it already is). Three kinds:
    /// `keccak256(abi.encodePacked(updateId, contributor))`: in a commit-reveal run the update can be
    /// submitted from the next block on; a front-runner who copies the pending receipt's model has no
    /// older commitment for its own key. `keccak256(abi.encodePacked(evalSet, validator))`: the
    /// validator's held-out evaluation set, fixed before it scores; `attest` needs it from an earlier
    /// block. One such commitment serves every attestation with that eval set, in any run.
    /// `keccak256(abi.encodePacked(spec, author))`: a model spec's author, before `publish` reveals
    /// the spec. Anyone may send any of them (committing someone else's only dates it earlier).
    function commit(bytes32 commitment) external {
        if (commits[commitment] != 0) revert CommitExists();
        commits[commitment] = block.number;
        emit Committed(commitment, block.number);
    }

    /// @notice Records a validator's signed score (basis points) of the update `r` (`updateId` = digest
    /// of `r`). Checks, in order: the signature errors and WrongSigner, UpdateUnknown, NotValidator,
    /// SelfAttestation (a validator never scores its own update), AlreadyAttested, ScoreOutOfBounds
    /// (outside +-10000), EvalSetNotCommitted. The last: the validator must have committed
    /// `keccak256(abi.encodePacked(evalSet, validator))` (`commit`) in an earlier block than this
    /// attestation's, so the held-out set it names was fixed before it saw the update's score on it
    /// (it cannot pick, after scoring, the set that flatters or sinks an update). The commitment is
    /// the validator's own (its address is in it): another validator's commitment of the same set
    /// does not count. It is checked last, so every other refusal keeps its reason; it costs an
    /// attestation one keccak and one cold read (~2.3k gas). The attestation that reaches the quorum
    /// starts the update's claim window.
    function attest(
        Receipt calldata r,
        int64 score,
        bytes32 evalSet,
        bytes32 report,
        address validator,
        bytes calldata signature
    ) external {
        bytes32 updateId = _updateId(r);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, updateId, score, evalSet, report)));
        _checkSigner(digest, signature, validator);
        bytes32 key = _keyOf(r);
        _recorded(key, r, updateId);
        if (!isValidator[r.runId][validator]) revert NotValidator();
        if (validator == r.contributor) revert SelfAttestation(); // the contributor the updateId binds
        Vote storage vote = _votes[key][validator];
        if (vote.attested) revert AlreadyAttested();
        if (score < -MAX_SCORE || score > MAX_SCORE) revert ScoreOutOfBounds();
        _checkEvalSet(evalSet, validator);
        vote.attested = true;
        vote.score = score;
        _count(_tallies[key], score, _runs[r.runId].quorum);
        emit Attested(updateId, validator, r.runId, r.model, score, evalSet, report, signature);
    }

    /// @notice Pays the contributor of the recorded update `r` (the receipt as recorded, else
    /// UpdateUnknown) once a quorum attested it and either every validator did or the run's claim
    /// window has passed since the quorum was reached (else ClaimWindowOpen): `max(0, median) *
    /// rewardPerPoint`, capped at what is left of the run's budget. The median of an even count is
    /// the mean of the two middle scores, truncated toward zero. Checks, in order: UpdateUnknown,
    /// AlreadyClaimed, QuorumNotMet, ClaimWindowOpen, NothingToPay. Anyone may call it; the reward
    /// always goes to the contributor the recorded receipt names. Claims still pay after the run is
    /// closed, until its budget was returned (`reclaim`): then NothingToPay.
    /// A run with royalties splits that amount: `cut = amount * royalty / 10000` (rounded down) goes
    /// to the run's `royaltyTo` (event `RoyaltyPaid`, when non-zero), `specCut = amount *
    /// specRoyalty / 10000` (rounded down) to the author of the run's spec (`AuthorPaid`, when
    /// non-zero), the rest to the contributor (`RewardClaimed` carries this part); the parts sum to
    /// `amount`, which is returned and leaves the budget. The royalty's basis points and a flag for
    /// the spec royalty share the run slot claim reads anyway, so a run without royalties pays no
    /// extra cold read; a payee's slot is read only for its cut.
    /// An update that cites data grants (`cite`) splits what the royalties leave, `rest = amount -
    /// cut - specCut`, further: the owner of its citation `i` gets `rest * share_i * samples_i /
    /// (10000 * r.samples)` (rounded down; event `DataPaid`, when non-zero), its share pro rata to the
    /// samples of the update that were its data, and the contributor the remainder. The parts never
    /// exceed `rest` (the cited samples never exceed `r.samples`), so the whole is still exactly
    /// `amount`. The citation count shares the tally's slot, which claim reads anyway: an update that
    /// cites nothing is paid as before.
    function claim(Receipt calldata r) external returns (uint256 amount) {
        bytes32 updateId = _updateId(r);
        bytes32 key = _keyOf(r);
        _recorded(key, r, updateId);
        Tally storage t = _tallies[key];
        if (t.claimed) revert AlreadyClaimed();
        Run storage run = _runs[r.runId];
        uint256 quorum = run.quorum;
        uint256 count = t.count;
        if (quorum == 0 || count < quorum) revert QuorumNotMet();
        // Two uint64 cannot overflow a uint256: a window beyond 2^64 s stays open. Block time may
        // drift by seconds; a claim window is meant in hours or days.
        // forge-lint: disable-next-line(block-timestamp)
        if (count < run.validatorCount && block.timestamp < uint256(t.quorumReachedAt) + run.claimWindow) {
            revert ClaimWindowOpen();
        }
        int256 median = _median(t, count);
        if (median > 0) {
            uint256 remaining = run.unpaid;
            // A product that overflows is above any remaining budget, so it is capped like one.
            (bool fits, uint256 product) = Math.tryMul(uint256(median), run.rewardPerPoint);
            amount = fits && product < remaining ? product : remaining;
        }
        if (amount == 0) revert NothingToPay();
        t.claimed = true;
        run.unpaid -= amount;
        uint256 cited = t.citations; // the tally's slot: warm
        if (cited == 0) _pay(run, r, updateId, amount);
        else _paySplit(run, r, updateId, amount, key, cited);
    }

    /// @notice Closes a run on its coordinator's signed `CloseRun`; later submits fail RunClosed.
    /// The close time starts the claim window, after which `reclaim` returns the unpaid budget.
    function closeRun(bytes32 runId, address coordinator, bytes calldata signature) external {
        _checkSigner(_hashTypedDataV4(keccak256(abi.encode(CLOSE_RUN_TYPEHASH, runId))), signature, coordinator);
        Run storage run = _openRun(runId);
        if (coordinator != run.coordinator) revert NotCoordinator();
        uint64 closedAt = uint64(block.timestamp);
        run.open = false;
        run.closedAt = closedAt;
        emit RunClosedBy(runId, coordinator, closedAt);
    }

    /// @notice Returns the unpaid budget of the closed run `runId` to its coordinator once its claim
    /// window has passed since the close; returns the amount. Anyone may call it: the budget only
    /// ever goes back to the coordinator. Checks, in order: the run exists (RunUnknown), it is closed
    /// (RunOpen), `closedAt + claimWindow` has been reached (ClaimWindowOpen), something is unpaid
    /// (NothingToPay; so a second reclaim fails). Claims pay until the reclaim, none after it.
    function reclaim(bytes32 runId) external returns (uint256 amount) {
        Run storage run = _runs[runId];
        address coordinator = run.coordinator;
        if (coordinator == address(0)) revert RunUnknown();
        if (run.open) revert RunOpen();
        // The sum of two uint64 cannot overflow a uint256. Block time may drift by seconds; a claim
        // window is meant in hours or days.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < uint256(run.closedAt) + run.claimWindow) revert ClaimWindowOpen();
        amount = run.unpaid;
        if (amount == 0) revert NothingToPay();
        run.unpaid = 0;
        emit BudgetReturned(runId, coordinator, amount);
        vnx.safeTransfer(coordinator, amount);
    }

    /// @notice Adds `node` to the admitted list of the open run `runId` on its coordinator's signed
    /// `Admit(runId, node)`. Checks, in order: the signature recovers `coordinator` (the signature
    /// errors, WrongSigner), the run exists and is open (RunUnknown, RunClosed), `coordinator` is the
    /// run's (NotCoordinator), `node` is not zero (BadConfig). Admitting an admitted node again is no
    /// error and changes nothing; in a run without an admitted list (anyone may contribute) the
    /// admission is recorded but changes nothing either.
    function admit(bytes32 runId, address node, address coordinator, bytes calldata signature) external {
        _checkSigner(_hashTypedDataV4(keccak256(abi.encode(ADMIT_TYPEHASH, runId, node))), signature, coordinator);
        Run storage run = _openRun(runId);
        if (coordinator != run.coordinator) revert NotCoordinator();
        if (node == address(0)) revert BadConfig();
        isAdmitted[runId][node] = true;
        emit Admitted(runId, node);
    }

    /// @notice Mints VNX (owner only). The amount must be positive and below 2^255, the range the
    /// Java ledger accepts (`Rules.mint`), so every backend takes the same amounts.
    function mint(address to, uint256 amount) external onlyOwner {
        if (amount == 0 || amount >> 255 != 0) revert BadAmount();
        vnx.mint(to, amount);
    }

    /// @notice Anchors the local ledger log `logId` as the sender's: after its first `entries` entries
    /// its hash-chain head is `head`. Appends the anchor, with the block timestamp, to the sender's
    /// anchors of `logId` and emits `Anchored`. Anyone may anchor any log (the sender is the anchorer;
    /// a verifier decides whose anchors it trusts). Checks, in order: `entries` is positive and
    /// `head` non-zero (BadAnchor), `entries` exceeds the sender's last anchor's of `logId`
    /// (AnchorNotNewer). An anchor is never replaced: once a log's head after n entries is anchored,
    /// a rewrite of those entries shows against it however the rewritten log is anchored later.
    function anchor(bytes32 logId, uint64 entries, bytes32 head) external {
        if (entries == 0 || head == bytes32(0)) revert BadAnchor();
        AnchorList storage list = _anchors[logId][msg.sender];
        uint64 n = list.count;
        if (entries <= list.lastEntries) revert AnchorNotNewer();
        list.items[n] = Anchor(entries, uint64(block.timestamp), head);
        unchecked {
            n += 1; // n <= the last anchor's entries < entries, so no overflow
        }
        (list.count, list.lastEntries) = (n, entries);
        emit Anchored(logId, msg.sender, entries, head);
    }

    /// @notice Records a data owner's signed grant (`DataGrant`, see the struct); returns its grantId,
    /// the EIP-712 digest of the grant. Anyone may send it: the signature is the owner's consent.
    /// Checks, in order: the signature errors, WrongSigner (the signer must be the `owner` the grant
    /// names, as a receipt's contributor: the grantId then binds who is paid), BadGrant (no samples,
    /// or a share above 10000 basis points; an owner of zero cannot pass WrongSigner, a recovered
    /// signer never is zero), GrantExists. The expiry is not checked: an expired grant harms nobody
    /// and `cite` refuses it. Nothing is escrowed or paid here: the owner is paid by claims of the
    /// updates that cite the grant.
    function grant(DataGrant calldata g, address signer, bytes calldata signature) external returns (bytes32 grantId) {
        grantId = _grantId(g);
        _checkSigner(grantId, signature, signer);
        if (g.owner != signer) revert WrongSigner();
        uint64 samples = g.samples;
        uint16 share = g.share;
        if (samples == 0 || share > MAX_SHARE) revert BadGrant();
        Grant storage s = _grants[grantId];
        if (s.owner != address(0)) revert GrantExists();
        _store(s, g);
        _emitGrantRecorded(grantId, g);
    }

    /// @dev Its own frame: the event's nine arguments do not fit beside `grant`'s locals.
    function _emitGrantRecorded(bytes32 grantId, DataGrant calldata g) internal {
        emit GrantRecorded(grantId, g.owner, g.node, g.dataset, g.samples, g.runId, g.share, g.expiry, g.nonce);
    }

    /// @notice Revokes grant `grantId` on its owner's signed `RevokeGrant(grantId)` (anyone may relay
    /// it): no update cites it from then on. Citations made before it stand and their claims still
    /// pay the owner (the update was trained on the data while it was lent). Checks, in order: the
    /// signature errors (the claimed `signer`), GrantUnknown, NotGrantOwner, GrantRevoked.
    function revokeGrant(bytes32 grantId, address signer, bytes calldata signature) external {
        _checkSigner(_hashTypedDataV4(keccak256(abi.encode(REVOKE_GRANT_TYPEHASH, grantId))), signature, signer);
        Grant storage g = _grants[grantId];
        address owner = g.owner;
        if (owner == address(0)) revert GrantUnknown();
        if (signer != owner) revert NotGrantOwner();
        if (g.revoked) revert GrantRevoked();
        g.revoked = true;
        emit GrantRevokedBy(grantId, uint64(block.timestamp));
    }

    /// @notice Records that the recorded update `r` (its updateId the digest of `r`) used `samples`
    /// samples of grant `grantId`, on the update's contributor's signed `Citation(updateId, grantId,
    /// samples)` (anyone may relay it); its claim then pays the grant's owner its share. Checks, in
    /// order: the signature errors (the claimed `signer`), UpdateUnknown (as attest: `r` must be the
    /// recorded receipt), NotContributor (`signer` is not the contributor `r` names), GrantUnknown,
    /// GrantRevoked, GrantExpired (at or after its expiry), GrantNotForNode (lent to another node
    /// than the contributor), GrantNotForRun (lent for another run), AlreadyClaimed (the pay is
    /// already split), AlreadyCited (this grant, for this update), TooManyCitations (8 already),
    /// TooManySamples (none, more than the grant holds, or more cited in all than `r.samples`, the
    /// samples the update was trained on). Citations are kept in order, the count in the update's
    /// tally slot.
    function cite(Receipt calldata r, bytes32 grantId, uint64 samples, address signer, bytes calldata signature)
        external
    {
        bytes32 updateId = _updateId(r);
        _checkSigner(
            _hashTypedDataV4(keccak256(abi.encode(CITATION_TYPEHASH, updateId, grantId, samples))), signature, signer
        );
        bytes32 key = _keyOf(r);
        _recorded(key, r, updateId);
        if (signer != r.contributor) revert NotContributor(); // the contributor the updateId binds
        (address owner, uint256 grantSamples) = _citable(_grants[grantId], r);
        _addCitation(key, grantId, samples, grantSamples, r.samples);
        emit Cited(updateId, grantId, owner, samples);
    }

    /// @notice Records `author` as the author of the model spec `spec` (its hash) on the author's
    /// signed `Publication(spec, author)` (anyone may relay it); runs that name the spec may then pay
    /// the author a spec royalty of every claimed reward (`RunConfig.specRoyalty`). Commit-reveal, as
    /// a commit-reveal run's updates: the author first commits `keccak256(abi.encodePacked(spec,
    /// author))` (`commit`), which hides the spec, and publishes in a later block. Someone who copies
    /// the pending publication and signs it as its own has no earlier commitment for its own address,
    /// and the first author keeps the spec. Checks, in order: the signature errors and WrongSigner
    /// (the signer must be `author`), NoCommit (no such commitment from an earlier block), SpecExists
    /// (the spec has an author: the first keeps it).
    function publish(bytes32 spec, address author, bytes calldata signature) external {
        _checkSigner(_hashTypedDataV4(keccak256(abi.encode(PUBLICATION_TYPEHASH, spec, author))), signature, author);
        uint256 c = commits[keccak256(abi.encodePacked(spec, author))];
        if (!(0 < c && c < block.number)) revert NoCommit(); // 0: never committed
        if (authorOf[spec] != address(0)) revert SpecExists();
        authorOf[spec] = author;
        emit SpecPublished(spec, author);
    }

    // ---- reads ----

    /// @notice A run: its coordinator and configuration, whether it is open, what it has paid (a
    /// returned budget counts as paid; so do royalties), its genesis, its claim window, its
    /// royalty's payee and basis points, its spec and the spec royalty's basis points (the spec's
    /// author is `authorOf(spec)`), and when it was closed (0 while open), as a `RunView`. A
    /// coordinator of zero means there is no such run. Its fields are all static, so the returned
    /// bytes are those of the sixteen values returned one by one.
    function runs(bytes32 runId) external view returns (RunView memory run) {
        Run storage stored = _runs[runId];
        run.coordinator = stored.coordinator;
        run.mode = stored.mode;
        run.commitReveal = stored.commitReveal;
        run.quorum = stored.quorum;
        run.open = stored.open;
        run.budget = stored.budget;
        run.rewardPerPoint = stored.rewardPerPoint;
        run.paid = stored.budget - stored.unpaid;
        run.genesisUpdate = stored.genesisUpdate;
        run.genesisModel = stored.genesisModel;
        run.claimWindow = stored.claimWindow;
        run.royaltyTo = stored.royaltyTo;
        run.royalty = stored.royalty;
        run.spec = stored.spec;
        run.specRoyalty = stored.specRoyalty;
        run.closedAt = stored.closedAt;
    }

    /// @notice Whether `who` may contribute to run `runId`: the run exists (open or closed) and has no
    /// admitted list, or `who` is its coordinator, or `who` is admitted (by its terms or `admit`).
    function admits(bytes32 runId, address who) external view returns (bool) {
        Run storage run = _runs[runId];
        address coordinator = run.coordinator;
        return coordinator != address(0) && (!run.restricted || who == coordinator || isAdmitted[runId][who]);
    }

    /// @notice The recorded update of `model` in run `runId`: its seq, kind and the low 160 bits of
    /// its updateId (`bytes20(uint160(uint256(updateId)))`). Its other fields, the contributor
    /// included, are in its UpdateRecorded event. A read by model prefers the global record: of a
    /// model recorded both as a contribution and by an AGGREGATE (a strategy's pick), it returns
    /// the AGGREGATE, as Java's `updateOfModel` does; the contribution is in its event.
    function updateOf(bytes32 runId, bytes32 model)
        external
        view
        returns (bool exists, uint64 seq, uint8 kind, bytes20 idLow)
    {
        uint256 u = _updates[_readKey(runId, model)];
        return (u != 0, uint64(u >> SEQ_SHIFT), uint8(u >> KIND_SHIFT), bytes20(uint160(u)));
    }

    /// @notice A validator's attestation of the update of `model` in run `runId` (the global record
    /// if there is one, as `updateOf`).
    function attestationOf(bytes32 runId, bytes32 model, address validator)
        external
        view
        returns (bool attested, int64 score)
    {
        Vote storage v = _votes[_readKey(runId, model)][validator];
        return (v.attested, v.score);
    }

    /// @notice The attestations of the update of `model` in run `runId` (the global record if there
    /// is one, as `updateOf`): their count, their scores in attestation order, whether its reward was
    /// paid, and when the quorum was reached (0 before; the update's claim window starts then).
    function tallyOf(bytes32 runId, bytes32 model)
        external
        view
        returns (uint32 count, int64[] memory scores, bool claimed, uint64 quorumReachedAt)
    {
        Tally storage t = _tallies[_readKey(runId, model)];
        count = t.count;
        scores = new int64[](count);
        for (uint256 i = 0; i < count; ++i) {
            scores[i] = _score(t, i);
        }
        return (count, scores, t.claimed, t.quorumReachedAt);
    }

    /// @notice How many anchors `anchorer` made of the log `logId` (`anchor`).
    function anchorCount(bytes32 logId, address anchorer) external view returns (uint256) {
        return _anchors[logId][anchorer].count;
    }

    /// @notice Anchor `index` (0 the first; NoSuchAnchor at or beyond `anchorCount`) that `anchorer`
    /// made of the log `logId`: its entries, its block timestamp and its head. Entries grow with the index.
    function anchorAt(bytes32 logId, address anchorer, uint256 index)
        external
        view
        returns (uint64 entries, uint64 at, bytes32 head)
    {
        AnchorList storage list = _anchors[logId][anchorer];
        if (index >= list.count) revert NoSuchAnchor();
        Anchor storage a = list.items[index];
        return (a.entries, a.at, a.head);
    }

    /// @notice Grant `grantId` as recorded (`grant`): owner (zero: no such grant), node (zero: any),
    /// samples, share (basis points), expiry (unix seconds), run id (zero: any) and whether it was
    /// revoked, in that order, as a `GrantView`. The dataset is in its GrantRecorded event.
    function grantOf(bytes32 grantId) external view returns (GrantView memory v) {
        Grant storage g = _grants[grantId];
        (v.owner, v.node, v.samples, v.share, v.expiry, v.revoked) =
            (g.owner, g.node, g.samples, g.share, g.expiry, g.revoked);
        if (g.forRun) v.runId = g.runId;
    }

    /// @notice The grants the update of `model` in run `runId` cites (the global record if there is
    /// one, as `updateOf`), in citation order, and the samples of each it used.
    function citationsOf(bytes32 runId, bytes32 model)
        external
        view
        returns (bytes32[] memory grantIds, uint64[] memory samples)
    {
        bytes32 key = _readKey(runId, model);
        uint256 n = _tallies[key].citations;
        Citations storage c = _citations[key];
        grantIds = new bytes32[](n);
        samples = new uint64[](n);
        for (uint256 i = 0; i < n; ++i) {
            (grantIds[i], samples[i]) = (c.grants[i], c.samples[i]);
        }
    }

    /// @notice The grantId of a grant: its EIP-712 digest under this contract's domain.
    function grantIdOf(DataGrant calldata g) external view returns (bytes32) {
        return _grantId(g);
    }

    /// @notice The EIP-712 domain separator (name "FedChain", version "1", chain id, this contract).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The updateId of a receipt: its EIP-712 digest under this contract's domain.
    function updateIdOf(Receipt calldata r) external view returns (bytes32) {
        return _updateId(r);
    }

    /// @notice The hash of a run's terms, as Java's `RunConfig.hash()`: keccak256 of the words mode,
    /// commitReveal, quorum, budget, rewardPerPoint, claimWindow, then `royaltyTo, royalty` only if
    /// either is non-zero, then `spec, specRoyalty` only if either is non-zero, then
    /// `keccak256(abi.encodePacked(validators))`, `keccak256(abi.encodePacked(admitted))` and the nonce
    /// (each value a 32-byte ABI word; encodePacked pads each address of an array to a word). Terms
    /// without a royalty, or without a spec, leave that group's two words out, so runs opened before
    /// royalties or specs keep their ids.
    /// @dev Encodes the six words every run hashes, then appends each present group and the last
    /// three words past the encoding, in memory no one has allocated (the encoding is the last
    /// allocation): one encoding instead of one per combination of the groups. Every field is read
    /// by Solidity's checked calldata reads first, so a dirty word reverts.
    function configHash(RunConfig calldata c) public pure returns (bytes32 h) {
        bytes32 validators = keccak256(abi.encodePacked(c.validators));
        bytes32 admitted = keccak256(abi.encodePacked(c.admitted));
        (address royaltyTo, uint16 royalty, bytes32 spec, uint16 specRoyalty, bytes32 nonce) =
            (c.royaltyTo, c.royalty, c.spec, c.specRoyalty, c.nonce);
        bytes memory w = abi.encode(c.mode, c.commitReveal, c.quorum, c.budget, c.rewardPerPoint, c.claimWindow);
        assembly ("memory-safe") {
            let start := add(w, 0x20)
            let end := add(start, 0xc0) // past the six words every run hashes
            if or(royaltyTo, royalty) {
                mstore(end, royaltyTo)
                mstore(add(end, 0x20), royalty)
                end := add(end, 0x40)
            }
            if or(spec, specRoyalty) {
                mstore(end, spec)
                mstore(add(end, 0x20), specRoyalty)
                end := add(end, 0x40)
            }
            mstore(end, validators)
            mstore(add(end, 0x20), admitted)
            mstore(add(end, 0x40), nonce)
            h := keccak256(start, add(sub(end, start), 0x60))
        }
    }

    // ---- internals ----

    function _submit(Receipt calldata r, address contributor, bytes calldata signature)
        internal
        returns (bytes32 updateId)
    {
        updateId = _updateId(r);
        _checkSigner(updateId, signature, contributor);
        if (r.contributor != contributor) revert WrongSigner();
        uint8 kind = r.kind;
        if (kind == GENESIS) revert KindNotAllowed(); // a genesis is recorded only by openRun
        bytes32 runId = r.runId;
        Run storage run = _openRun(runId);
        if ((MODE_KINDS >> (uint256(run.mode) * 8 + kind)) & 1 == 0) revert KindNotAllowed();
        if (kind == AGGREGATE && contributor != run.coordinator) revert NotCoordinator();
        if (run.restricted && contributor != run.coordinator && !isAdmitted[runId][contributor]) revert NotAdmitted();
        // The parent: its global record if there is one (a LOCAL takes nothing else), else its
        // contribution. A LOCAL on the genesis or an AGGREGATE reads one slot.
        // A CHAINED update reads the contribution slot first: only a CHAINED run accepts CHAINED
        // updates, and it records no AGGREGATE, so none of its models has both slots set and either
        // order finds the same parent; a chain's parents are contributions, bar the genesis.
        bytes32 parentKey = _updateKey(runId, r.parent); // the first slot to read, then the other
        if (kind != CHAINED) parentKey ^= GLOBAL_SLOT;
        uint256 parent = _updates[parentKey];
        if (parent == 0) {
            parent = _updates[parentKey ^ GLOBAL_SLOT];
            if (kind == LOCAL && parent != 0) revert ParentNotGlobal(); // a contribution only
            if (parent == 0) revert ParentUnknown();
        }
        if (uint256(r.seq) != uint256(uint64(parent >> SEQ_SHIFT)) + 1) revert SeqMismatch();
        // An AGGREGATE may make a contribution's model global (a strategy's pick): only the global
        // slot must be free. Any other kind needs both free (the one extra cold read of a LOCAL).
        bytes32 key = _updateKey(runId, r.model);
        if (kind == AGGREGATE) {
            key ^= GLOBAL_SLOT;
            if (_updates[key] != 0) revert ModelExists();
        } else if (_updates[key] | _updates[key ^ GLOBAL_SLOT] != 0) {
            revert ModelExists();
        }
        if (run.commitReveal) {
            uint256 committed = commits[keccak256(abi.encodePacked(updateId, contributor))];
            if (committed == 0 || committed >= block.number) revert NoCommit();
        }
        _record(r, updateId, contributor, signature, key);
    }

    /// @dev BadConfig unless validators are non-zero and distinct, so are the admitted addresses,
    /// quorum <= validators, a budget has a quorum, a non-zero royalty has a payee (a payee of a zero
    /// royalty is allowed and paid nothing), a non-zero spec royalty has a spec (a spec without one
    /// is allowed), the two royalties sum to at most 10000 basis points, and the mode is known. Then
    /// SpecUnknown if the terms name a spec that has no author: a run may pay only a published spec's
    /// author. Returns that author (zero without a spec). Validators and admitted addresses are
    /// registered while checked (one pass, no second copy); a revert undoes those writes too.
    function _checkConfig(bytes32 runId, RunConfig calldata config) internal returns (address author) {
        address[] calldata validators = config.validators;
        for (uint256 i = 0; i < validators.length; ++i) {
            address v = validators[i];
            if (v == address(0) || isValidator[runId][v]) revert BadConfig();
            isValidator[runId][v] = true;
        }
        address[] calldata admitted = config.admitted;
        for (uint256 i = 0; i < admitted.length; ++i) {
            address a = admitted[i];
            if (a == address(0) || isAdmitted[runId][a]) revert BadConfig();
            isAdmitted[runId][a] = true;
        }
        if (config.quorum > validators.length || (config.budget > 0 && config.quorum == 0)) revert BadConfig();
        uint256 royalty = config.royalty;
        if (royalty != 0 && config.royaltyTo == address(0)) revert BadConfig();
        uint256 specRoyalty = config.specRoyalty;
        bytes32 spec = config.spec;
        if (specRoyalty != 0 && spec == bytes32(0)) revert BadConfig();
        if (royalty + specRoyalty > MAX_ROYALTY) revert BadConfig(); // two uint16: no overflow
        if (config.mode > MODEL_PARALLEL) revert BadConfig(); // Java's Mode cannot even express this
        if (spec != bytes32(0)) {
            author = authorOf[spec];
            if (author == address(0)) revert SpecUnknown();
        }
    }

    /// @dev Stores the spec of checked terms: the spec in its own slot when non-zero (a zero write
    /// would cost 2.2k), and for a non-zero spec royalty the flag in the first slot (which claim
    /// reads anyway) and `author` (the spec's, from `_checkConfig`) with the basis points in one slot,
    /// the only one a claim that pays the author reads for it.
    function _storeSpec(Run storage run, RunConfig calldata config, address author) internal {
        bytes32 spec = config.spec;
        if (spec != bytes32(0)) run.spec = spec;
        uint16 specRoyalty = config.specRoyalty;
        if (specRoyalty != 0) {
            run.paysAuthor = true;
            (run.author, run.specRoyalty) = (author, specRoyalty);
        }
    }

    /// @dev Emits `RunOpened`. Sixteen arguments, two of them calldata arrays of two stack slots
    /// each, are more than `emit` can encode on the legacy code generator's stack, so the data is
    /// built here: the eleven static words (genesisModel .. specRoyalty) by `abi.encode` (checked
    /// reads), then the two array offsets, the nonce and the two arrays (length, then the addresses
    /// copied from calldata at once: `_checkConfig` has read every element, so a dirty one has
    /// reverted). The bytes are those `emit` would log (a test decodes and re-encodes them).
    function _emitRunOpened(Receipt calldata genesis, address coordinator, RunConfig calldata config) internal {
        bytes memory head = abi.encode(
            genesis.model,
            config.mode,
            config.commitReveal,
            config.quorum,
            config.budget,
            config.rewardPerPoint,
            config.claimWindow,
            config.royaltyTo,
            config.royalty,
            config.spec,
            config.specRoyalty
        );
        address[] calldata validators = config.validators;
        address[] calldata admitted = config.admitted;
        (bytes32 topic, bytes32 runId, bytes32 nonce) = (RunOpened.selector, genesis.runId, config.nonce);
        assembly ("memory-safe") {
            // past `head`'s 11 words, beyond the free memory pointer: scratch for the log only
            let d := add(head, 0x20)
            let p := add(d, 0x160)
            let nv := shl(5, validators.length)
            mstore(p, 0x1c0) // validators after the 14 head words
            mstore(add(p, 0x20), add(0x1e0, nv)) // admitted after validators' length word and addresses
            mstore(add(p, 0x40), nonce)
            p := add(p, 0x60)
            mstore(p, validators.length)
            calldatacopy(add(p, 0x20), validators.offset, nv)
            p := add(add(p, 0x20), nv)
            mstore(p, admitted.length)
            calldatacopy(add(p, 0x20), admitted.offset, shl(5, admitted.length))
            p := add(add(p, 0x20), shl(5, admitted.length))
            log3(d, sub(p, d), topic, runId, coordinator)
        }
    }

    /// @dev Writes the update's single slot, at `key` (the global or the contribution slot of its
    /// model, by its kind), and its event; all checks are done. The slot packs seq, kind and the low
    /// 160 bits of the updateId. The event data is the exact ABI encoding of
    /// `UpdateRecorded`, built from calldata (less gas per update than `emit`, which re-encodes each
    /// field): seq..samples are the receipt's calldata words 1..7 in event order, copied at once; the
    /// signature is 65 bytes (checked). Seq, kind and samples are read as raw words and checked here:
    /// a dirty one reverts, as a Solidity read would (whose checked read of a calldata struct member
    /// costs ~150 gas more per field).
    function _record(Receipt calldata r, bytes32 updateId, address contributor, bytes calldata signature, bytes32 key)
        internal
    {
        bytes32 runId = r.runId;
        uint256 idBits = uint256(updateId) & ID_MASK;
        uint256 packed;
        assembly ("memory-safe") {
            let seq := calldataload(add(r, 0x20))
            let kind := calldataload(add(r, 0x40))
            if or(or(shr(64, seq), shr(8, kind)), shr(64, calldataload(add(r, 0xe0)))) { revert(0, 0) }
            packed := or(or(shl(SEQ_SHIFT, seq), shl(KIND_SHIFT, kind)), idBits)
        }
        _updates[key] = packed;
        bytes32 topic = UpdateRecorded.selector;
        assembly ("memory-safe") {
            // seq, kind, parent, model, manifest, data, samples | offset 0x100 | length 65 | r s v
            let m := mload(0x40)
            calldatacopy(m, add(r, 0x20), 0xe0)
            mstore(add(m, 0xe0), 0x100)
            mstore(add(m, 0x100), 65)
            mstore(add(m, 0x160), 0) // zero padding after the 65 bytes
            calldatacopy(add(m, 0x120), signature.offset, 65)
            log4(m, 0x180, topic, runId, updateId, contributor)
        }
    }

    /// @dev EvalSetNotCommitted unless `validator` committed `keccak256(abi.encodePacked(evalSet,
    /// validator))` in an earlier block than this one (a function of its own: attest has no stack
    /// slot left for it).
    function _checkEvalSet(bytes32 evalSet, address validator) internal view {
        uint256 c = commits[keccak256(abi.encodePacked(evalSet, validator))];
        if (!(0 < c && c < block.number)) revert EvalSetNotCommitted(); // 0: never committed
    }

    /// @dev Pays the claimed `amount` (> 0) of update `updateId` (the recorded `r`, which cites no
    /// grant): the royalties (`_royalties`) to the run's `royaltyTo` and its spec's author, the rest
    /// to the contributor `r` names (bound by the updateId). A zero part is not transferred (royalties
    /// of 10000 leave the contributor nothing); the events come first (RewardClaimed, RoyaltyPaid,
    /// AuthorPaid). Kept apart from `_paySplit` so that a claim without citations runs no citation
    /// code.
    function _pay(Run storage run, Receipt calldata r, bytes32 updateId, uint256 amount) internal {
        address contributor = r.contributor; // bound by the updateId
        uint256 royalties = _royaltyBits(run);
        if (royalties == 0) {
            // no royalty of either kind: the whole amount, no payee to read
            emit RewardClaimed(updateId, contributor, r.runId, r.model, amount);
            vnx.safeTransfer(contributor, amount);
            return;
        }
        (Royalties memory p, uint256 own) = _royalties(run, royalties, amount);
        emit RewardClaimed(updateId, contributor, r.runId, r.model, own);
        _announceRoyalties(updateId, p);
        if (own != 0) vnx.safeTransfer(contributor, own);
        _payRoyalties(p);
    }

    /// @dev `_pay` for an update (at slot `key`) that cites `cited` (> 0) grants: of what the
    /// royalties leave, each cited grant's owner gets its part (`_dataParts`), the contributor the
    /// remainder. The events come first (RewardClaimed, RoyaltyPaid, AuthorPaid, DataPaid in citation
    /// order), then the transfers in that order; a zero part is neither transferred nor announced.
    function _paySplit(Run storage run, Receipt calldata r, bytes32 updateId, uint256 amount, bytes32 key, uint256 cited)
        internal
    {
        (Royalties memory p, uint256 own) = _royalties(run, _royaltyBits(run), amount);
        (Part[] memory parts, uint256 total) = _dataParts(key, cited, own, r.samples);
        own -= total; // total <= own: see _dataParts
        address contributor = r.contributor; // bound by the updateId
        emit RewardClaimed(updateId, contributor, r.runId, r.model, own);
        _announceRoyalties(updateId, p);
        for (uint256 i = 0; i < cited; ++i) {
            Part memory part = parts[i];
            if (part.amount != 0) emit DataPaid(updateId, part.grantId, part.owner, part.amount);
        }
        if (own != 0) vnx.safeTransfer(contributor, own);
        _payRoyalties(p);
        for (uint256 i = 0; i < cited; ++i) {
            Part memory part = parts[i];
            if (part.amount != 0) vnx.safeTransfer(part.owner, part.amount);
        }
    }

    /// @dev The royalties of `amount` and what they leave: `cut = floor(amount * royalty / 10000)`
    /// for the run's `royaltyTo` and `specCut = floor(amount * specRoyalty / 10000)` for its spec's
    /// author, each by OpenZeppelin's full-precision `mulDiv` (the product itself could overflow for
    /// an amount above 2^256 / 10000: a budget may be up to the token's supply). Their sum is at most
    /// `amount` (royalty + specRoyalty <= 10000, and floors of two parts are at most the floor of
    /// their sum), so `rest` cannot underflow. `royalties` is `_royaltyBits(run)`: a run without
    /// either royalty reads no slot here. A payee's slot is read only for a non-zero cut:
    /// `royaltyTo`'s (2.1k cold), or the author's, which also holds the spec royalty's basis points
    /// (2.1k cold).
    function _royalties(Run storage run, uint256 royalties, uint256 amount)
        internal
        view
        returns (Royalties memory p, uint256 rest)
    {
        rest = amount;
        uint256 royalty = royalties & 0xffff;
        if (royalty != 0) {
            uint256 cut = Math.mulDiv(amount, royalty, MAX_ROYALTY);
            // a non-zero payee: openRun refuses a royalty without one
            if (cut != 0) (p.royaltyTo, p.cut) = (run.royaltyTo, cut);
            unchecked {
                rest -= cut; // cut <= amount
            }
        }
        if (royalties >> 16 != 0) {
            // paysAuthor: a spec royalty, whose basis points share the author's slot
            uint256 specCut = Math.mulDiv(amount, run.specRoyalty, MAX_ROYALTY);
            if (specCut != 0) (p.author, p.specCut) = (run.author, specCut); // the slot just read: warm
            unchecked {
                rest -= specCut; // cut + specCut <= amount
            }
        }
    }

    /// @dev The run's royalty basis points and its `paysAuthor` flag as `royalty | paysAuthor << 16`:
    /// the first slot's top 24 bits (Solidity packs `royalty` at bits 232..247 and `paysAuthor` at
    /// 248..255; a test reads them from the raw slot). One read of a slot claim has read (warm, 0.1k),
    /// where the two members would be read, and masked, apart.
    function _royaltyBits(Run storage run) internal view returns (uint256 royalties) {
        assembly ("memory-safe") {
            royalties := shr(232, sload(run.slot))
        }
    }

    /// @dev RoyaltyPaid and AuthorPaid, each for a non-zero cut only.
    function _announceRoyalties(bytes32 updateId, Royalties memory p) internal {
        if (p.cut != 0) emit RoyaltyPaid(updateId, p.royaltyTo, p.cut);
        if (p.specCut != 0) emit AuthorPaid(updateId, p.author, p.specCut);
    }

    /// @dev Transfers the non-zero cuts to their payees.
    function _payRoyalties(Royalties memory p) internal {
        if (p.cut != 0) vnx.safeTransfer(p.royaltyTo, p.cut);
        if (p.specCut != 0) vnx.safeTransfer(p.author, p.specCut);
    }

    /// @dev The parts of `rest` (the reward less the royalties) that go to the owners of the `n`
    /// grants the update at `key` cites, in citation order, and their total: citation `i` of
    /// `samples_i` samples of a grant of `share_i` basis points gets `floor(rest * share_i *
    /// samples_i / (10000 * updateSamples))` (`mulDiv`: `rest` may be near 2^256). The total is at
    /// most `rest`: the cited samples sum to at most `updateSamples` (cite's TooManySamples) and
    /// shares are at most 10000, so the exact parts sum to at most `rest`, and each is rounded down.
    /// `updateSamples` is not 0: it is at least the cited samples, each citation at least 1. The owner
    /// and share are read from the grant, whose terms never change once recorded (a revocation
    /// only stops new citations), so they are those the citation was made under: one cold read per
    /// citation for the grant, one for its id, one per four citations for the samples.
    function _dataParts(bytes32 key, uint256 n, uint256 rest, uint256 updateSamples)
        internal
        view
        returns (Part[] memory parts, uint256 total)
    {
        Citations storage c = _citations[key];
        uint256 whole = MAX_SHARE * updateSamples; // < 2^78
        parts = new Part[](n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 grantId = c.grants[i];
            Grant storage g = _grants[grantId];
            uint256 part = Math.mulDiv(rest, uint256(g.share) * c.samples[i], whole);
            parts[i] = Part(grantId, g.owner, part);
            total += part;
        }
    }

    /// @dev Writes grant `g` (checked: samples > 0, share <= 10000) into `s`, a free grant slot, as
    /// two whole words in `Grant`'s layout (owner | samples << 160 | share << 224, revoked 0; node |
    /// expiry << 160 | forRun << 224), not member by member (each of those reads and rewrites its
    /// slot: ~0.27k more); and the third, the run id, only when non-zero (a zero write would cost
    /// 2.2k; `forRun` tells cite whether to read it). The fields are Solidity's checked reads of
    /// calldata, so a dirty word reverts (`_grantId`). A test reads every field back through Solidity.
    function _store(Grant storage s, DataGrant calldata g) internal {
        bytes32 runId = g.runId;
        uint256 forRun = runId != bytes32(0) ? 1 : 0;
        uint256 first = uint256(uint160(g.owner)) | (uint256(g.samples) << 160) | (uint256(g.share) << 224);
        uint256 second = uint256(uint160(g.node)) | (uint256(g.expiry) << 160) | (forRun << 224);
        assembly ("memory-safe") {
            let slot := s.slot
            sstore(slot, first)
            sstore(add(slot, 1), second)
            if forRun { sstore(add(slot, 2), runId) }
        }
    }

    /// @dev The grant's owner and samples, if the update `r` may cite it: GrantUnknown, GrantRevoked,
    /// GrantExpired (block timestamp at or after the expiry), GrantNotForNode (lent to a node other
    /// than `r`'s contributor), GrantNotForRun (lent for a run other than `r`'s; the run id slot is
    /// read only for a grant lent for one run).
    function _citable(Grant storage g, Receipt calldata r) internal view returns (address owner, uint256 samples) {
        owner = g.owner;
        if (owner == address(0)) revert GrantUnknown();
        if (g.revoked) revert GrantRevoked();
        // Block time may drift by seconds; a grant is meant to last days or months.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= g.expiry) revert GrantExpired();
        address node = g.node;
        if (node != address(0) && node != r.contributor) revert GrantNotForNode();
        if (g.forRun && g.runId != r.runId) revert GrantNotForRun();
        samples = g.samples;
    }

    /// @dev Appends the citation (`grantId`, `samples`) to the update at `key`, after the checks that
    /// read its tally and citations: AlreadyClaimed, AlreadyCited (one pass over the earlier
    /// citations, which also sums their samples), TooManyCitations, TooManySamples (`samples` is 0,
    /// above the grant's `grantSamples`, or the update's cited samples would pass `updateSamples`).
    /// Reading the earlier grant ids costs a cold read each (at most 7), less than a per-grant
    /// "cited" flag's new slot (22.1k) that the check could read instead.
    function _addCitation(bytes32 key, bytes32 grantId, uint256 samples, uint256 grantSamples, uint256 updateSamples)
        internal
    {
        Tally storage t = _tallies[key];
        if (t.claimed) revert AlreadyClaimed();
        uint256 n = t.citations;
        Citations storage c = _citations[key];
        uint256 cited = samples; // at most 9 uint64: no overflow
        for (uint256 i = 0; i < n; ++i) {
            if (c.grants[i] == grantId) revert AlreadyCited();
            cited += c.samples[i];
        }
        if (n == MAX_CITATIONS) revert TooManyCitations();
        if (samples == 0 || samples > grantSamples || cited > updateSamples) revert TooManySamples();
        c.grants[n] = grantId;
        c.samples[n] = uint64(samples); // a uint64 argument
        t.citations = uint8(n + 1); // at most MAX_CITATIONS
    }

    /// @dev Adds the checked `score` to `t`; the attestation that makes the count `quorum` records
    /// the time, from which the update's claim window runs.
    function _count(Tally storage t, int64 score, uint256 quorum) internal {
        uint256 n = t.count;
        int16 s16 = int16(score); // exact: within +-10000
        if (n < FIRST_SCORES) t.firstScores |= uint144(uint16(s16)) << (16 * n);
        else t.moreScores[(n - FIRST_SCORES) >> 4][(n - FIRST_SCORES) & 15] = s16;
        ++n; // at most one per validator, and a run has fewer than 2^32
        t.count = uint32(n);
        if (n == quorum) t.quorumReachedAt = uint64(block.timestamp);
    }

    /// @dev Score `i` (< count) of `t`, in attestation order.
    function _score(Tally storage t, uint256 i) internal view returns (int16) {
        if (i < FIRST_SCORES) return int16(uint16(t.firstScores >> (16 * i)));
        return t.moreScores[(i - FIRST_SCORES) >> 4][(i - FIRST_SCORES) & 15];
    }

    /// @dev The median of the first `n` (> 0) scores of `t`: the middle one of the sorted scores, or
    /// the mean of the two middle ones for an even `n` (signed division: truncates toward zero). An
    /// insertion sort while reading: `n` is at most the run's validators, few in practice.
    function _median(Tally storage t, uint256 n) internal view returns (int256) {
        int256[] memory s = new int256[](n);
        unchecked {
            // indexes stay below n; scores within +-10000 cannot overflow a sum of two
            for (uint256 i = 0; i < n; ++i) {
                int256 x = _score(t, i);
                uint256 j = i;
                for (; j > 0 && s[j - 1] > x; --j) {
                    s[j] = s[j - 1];
                }
                s[j] = x;
            }
            uint256 mid = n >> 1;
            return n & 1 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
        }
    }

    /// @dev The run, if it exists and is open (RunUnknown, RunClosed otherwise).
    function _openRun(bytes32 runId) internal view returns (Run storage run) {
        run = _runs[runId];
        if (run.coordinator == address(0)) revert RunUnknown();
        if (!run.open) revert RunClosed();
    }

    /// @dev UpdateUnknown unless `r` (whose digest is `updateId`) is the update recorded at `key`,
    /// the slot of `r`'s run, model and kind (`_keyOf`): the slot is non-zero and holds `r`'s seq, kind and the low
    /// 160 bits of `updateId`. A variant receipt (any other field changed) has another updateId.
    function _recorded(bytes32 key, Receipt calldata r, bytes32 updateId) internal view {
        uint256 u = _updates[key];
        if (
            u == 0
                || u != (uint256(r.seq) << SEQ_SHIFT) | (uint256(r.kind) << KIND_SHIFT) | (uint256(updateId) & ID_MASK)
        ) revert UpdateUnknown();
    }

    /// @dev The slot key of the update `r` would be: the global slot of its (runId, model) for a
    /// GENESIS or an AGGREGATE, else the contribution slot. The kind is read as a raw word (~0.1k gas
    /// less than a checked read): a dirty one (> 255) shifts the bit set to zero and names the
    /// contribution slot, and `_recorded`'s checked read of `r.kind` then reverts.
    function _keyOf(Receipt calldata r) internal pure returns (bytes32 key) {
        key = _updateKey(r.runId, r.model);
        uint256 kind;
        assembly ("memory-safe") {
            kind := calldataload(add(r, 0x40))
        }
        if ((GLOBAL_KINDS >> kind) & 1 != 0) key ^= GLOBAL_SLOT;
    }

    /// @dev The slot key a read by model takes: the global slot of (runId, model) if it is set, else
    /// the contribution slot (set or not). A read by model prefers the global record, as Java's
    /// `updateOfModel`: of a contribution's model that an AGGREGATE made global, the AGGREGATE.
    function _readKey(bytes32 runId, bytes32 model) internal view returns (bytes32 key) {
        key = _updateKey(runId, model);
        if (_updates[key ^ GLOBAL_SLOT] != 0) key ^= GLOBAL_SLOT;
    }

    /// @dev The contribution slot key of (runId, model); its global slot key is this `^ GLOBAL_SLOT`.
    function _updateKey(bytes32 runId, bytes32 model) internal pure returns (bytes32 key) {
        assembly ("memory-safe") {
            mstore(0x00, runId)
            mstore(0x20, model)
            key := keccak256(0x00, 0x40)
        }
    }

    /// @dev EIP-712 digest of a ModelUpdate. The receipt's nine static words are hashed as they
    /// sit in calldata; every ranged field is checked before a receipt is recorded (seq, kind and
    /// contributor by the Solidity reads of openRun's and submit's checks, seq, kind and samples by
    /// `_record`), so a dirty word reverts rather than being recorded under a digest that no signer
    /// produced over canonical values. Attest and claim accept only a digest recorded that way, which
    /// no receipt with a dirty word has (it hashes other bytes).
    function _updateId(Receipt calldata r) internal view returns (bytes32) {
        bytes32 typeHash = MODEL_UPDATE_TYPEHASH;
        bytes32 structHash;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typeHash)
            calldatacopy(add(m, 0x20), r, 0x120)
            structHash := keccak256(m, 0x140)
        }
        return _hashTypedDataV4(structHash);
    }

    /// @dev EIP-712 digest of a DataGrant: its eight static words hashed as they sit in calldata, as
    /// `_updateId` does. `grant` reads every ranged field (owner, samples, node, share, expiry) with
    /// Solidity's checked reads before it records anything, so a grant with a dirty word reverts
    /// instead of being recorded under a digest no owner signed over canonical values.
    function _grantId(DataGrant calldata g) internal view returns (bytes32) {
        bytes32 typeHash = DATA_GRANT_TYPEHASH;
        bytes32 structHash;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typeHash)
            calldatacopy(add(m, 0x20), g, 0x100)
            structHash := keccak256(m, 0x120)
        }
        return _hashTypedDataV4(structHash);
    }

    /// @dev OpenZeppelin ECDSA.tryRecover's rules, in the order of Java's `Secp256k1.recover`:
    /// length 65, v 27 or 28, s <= n/2, a non-zero recovered address; then the claimed signer.
    function _checkSigner(bytes32 digest, bytes calldata signature, address claimed) internal view {
        if (signature.length != 65) revert SignatureLength();
        bytes32 r;
        bytes32 s;
        uint256 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        if (v != 27 && v != 28) revert SignatureV();
        if (uint256(s) > HALF_N) revert SignatureHighS();
        address signer;
        assembly ("memory-safe") {
            // ecrecover precompile; on a bad signature it returns nothing and 0x00 stays zero
            let m := mload(0x40)
            mstore(m, digest)
            mstore(add(m, 0x20), v)
            mstore(add(m, 0x40), r)
            mstore(add(m, 0x60), s)
            mstore(0x00, 0)
            pop(staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20))
            signer := mload(0x00)
        }
        if (signer == address(0)) revert SignatureInvalid();
        if (signer != claimed) revert WrongSigner();
    }
}
