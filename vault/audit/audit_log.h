// The tamper-evident audit log: every access, allowed or denied, as one
// canonical-JSON event that is a leaf of an RFC 6962 Merkle tree, with signed
// checkpoints (c2sp.org/tlog-checkpoint + signed-note, Ed25519) and inclusion
// and consistency proofs. The format is fixed in ARCHITECTURE.md ("The audit
// log"); outside verifiers depend on every byte.
//
// Storage (all values sealed by the vault):
//   tables::kAuditLeaves  EncodeU64(seq)                 → leaf bytes (canonical JSON)
//   tables::kAuditTiles   level (1 byte) || EncodeU64(N) → a tile of the tree's hashes
//                                                          (vault/audit/tree_tiles.h)
//   tables::kCheckpoints  EncodeU64(tree size)           → signed checkpoint note
//   tables::kAuditState   "state"                        → size, last checkpoint size and time
//                         "tree"                         → "tiles/1"
// The tree is stored in tiles of 256 hashes: an append writes its leaf and,
// once in 256 events, a full tile (and the partial tiles above it), so a
// root of any size and any proof costs O(log n) tile reads. Vaults from
// before tiles are converted when first opened for writing.
//
// Fail closed: Append() runs inside the caller's write transaction, so an
// access and its event commit together or not at all; if Append fails the
// caller must return the error (its nested transaction then rolls back and no
// sequence number is used up). All log state is read from the transaction,
// so many appends may share one group commit; within one batch the tree's
// right edge is kept as a vault transaction memo (WriteTxn::Memo in vault.h)
// that never survives a rollback or the batch.
//
// The log's signing key is a 32-byte Ed25519 seed kept sealed in tables::kKeys
// under "audit.log_key"; its name and the checkpoints' origin are the vault's
// log_name().
//
// Thread-safety: an AuditLog's configuration does not change after Open (the
// time of the last checkpoint is an atomic) and it may be shared by all
// threads; each transaction is used by one thread at a time (vault.h).
#ifndef CUSTOS_VAULT_AUDIT_AUDIT_LOG_H_
#define CUSTOS_VAULT_AUDIT_AUDIT_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/merkle.h"
#include "vault/audit/signed_note.h"
#include "vault/audit/tree_tiles.h"
#include "vault/store/secret.h"
#include "vault/store/vault.h"

namespace custos::vault {

inline constexpr std::string_view kAuditLogKeyName = "audit.log_key";

enum class AuditDecision { kAllow, kDeny };

// The largest leaf the log appends: an event larger is refused
// (kInvalidArgument), and with it the access it records (fail closed). The
// evidence verifiers read audit/events.jsonl a line at a time up to this.
inline constexpr size_t kMaxAuditLeafBytes = size_t{1} << 20;

// An event that lists ids in its details (the files a withdrawn resignation
// handed back, the records a legal hold freezes) names at most this many, so
// that one event stays far below kMaxAuditLeafBytes however many there are.
inline constexpr size_t kMaxListedIds = 5000;

// What a caller fills in; Append adds `seq` and `time`. Strings are
// untrusted: the serializer replaces invalid UTF-8 with U+FFFD.
struct AuditEvent {
  struct Actor {
    std::string id;    // user id ("" for an unauthenticated caller)
    std::string name;  // display name at the time of the event
  };
  struct Place {
    std::string ip;
    std::string user_agent;
    std::string workstation;  // workstation label
    std::string location;     // declared location
  };
  struct Object {
    std::string type;  // "record", "attachment", "agreement", "user", ...
    std::string id;
    std::optional<int64_t> version;  // null in the leaf when absent
  };

  Actor actor;
  std::vector<std::string> roles;
  // An opaque session id — SECURITY: never the bearer token itself.
  std::string session;
  Place place;
  std::string action;  // e.g. "record.view"; required
  Object object;
  std::string reason;  // the user's stated reason
  AuditDecision decision = AuditDecision::kDeny;
  std::string rule;     // id of the policy rule that decided
  std::string policy;   // SHA-256 hex of the policy version in force, or ""
  std::string outcome;  // "ok", "denied", "quota_exhausted", "error: ..."
  json::Value details = json::Value::MakeObject();  // action-specific
};

// Puts `ids` into `details` under `key`, all of them when there are at most
// kMaxListedIds. A longer list names its first kMaxListedIds and adds
// `key`_total (how many in all) and `key`_sha256: the SHA-256, in lower-case
// hex, of the whole list with each id followed by a newline (what `printf
// '%s\n' ID... | sha256sum` prints), so the whole list kept elsewhere (the
// store; an evidence bundle's evidence/request.json) can be checked against
// the event.
void PutIdList(json::Value& details, std::string_view key, const std::vector<std::string>& ids);
// The `key`_sha256 of PutIdList: lower-case hex SHA-256 of the ids, each
// followed by a newline (also what the evidence verifier compares).
std::string IdListSha256(const std::vector<std::string>& ids);

// The event as its leaf object (without serializing). kInvalidArgument when
// `action` is empty, `policy` is neither empty nor 64 lower-case hex digits,
// or `details` is not an object.
Result<json::Value> AuditEventToJson(const AuditEvent& event, uint64_t seq, UnixMillis time);
// The exact leaf bytes: json::Serialize of the above.
Result<std::string> EncodeAuditLeaf(const AuditEvent& event, uint64_t seq, UnixMillis time);

// An event encoded but for its seq and time, which the log adds when it
// appends it. Preparing it outside Vault::Write() keeps the encoding off the
// committer thread.
struct PreparedAuditEvent {
  std::string head;    // the leaf up to and including `"seq":`
  std::string middle;  // `,"session":"...","time":`
};
// Validates as AuditEventToJson does.
Result<PreparedAuditEvent> PrepareAuditEvent(const AuditEvent& event);
std::string FinishAuditLeaf(const PreparedAuditEvent& event, uint64_t seq, UnixMillis time);

struct AuditOptions {
  // A checkpoint is signed inside the Append that makes the log reach a
  // multiple of this many events (0: never by count) ...
  uint64_t checkpoint_every_events = 1024;
  // ... or the first Append at least this long after the last checkpoint
  // (0: never by time). MaybeCheckpoint() applies the same rule without an
  // event, for a periodic timer.
  int64_t checkpoint_every_ms = 60'000;
  // Verify() walks the log in steps of this many events; the leaves of a
  // step are checked on two threads, then its tree tiles in order.
  uint64_t verify_step = 8192;
};

struct AuditFilter {
  std::optional<std::string> actor;   // actor.id equals
  std::optional<std::string> object;  // object.id equals
  std::optional<UnixMillis> from;     // time >= from
  std::optional<UnixMillis> to;       // time < to
  // Only refused attempts (decision "deny"). Without an actor or object
  // filter they are found through the denials index: the auditors' recent
  // denials need not read every allowed event since.
  bool denied = false;
  // Visit from the newest event back (the usual question is "what happened
  // lately": a page of them need not read the whole log).
  bool newest_first = false;
};

struct AuditVerifyReport {
  uint64_t size = 0;         // events checked
  uint64_t checkpoints = 0;  // checkpoints whose signature and root verified
  uint64_t latest_checkpoint_size = 0;
  uint64_t indexed = 0;          // events covered by the actor/object index
  uint64_t denials_indexed = 0;  // events covered by the denials index
  std::string root;              // root of the whole log (raw)
};

// The tree's right edge after an append, and the hash of that append's leaf
// (AuditLog's own bookkeeping; see committed_edge_).
struct AuditEdge {
  tiles::Edge edge;
  std::string last_leaf_hash;
};

class AuditLog {
 public:
  // Loads (creating on first use) the log's signing key; on a vault open for
  // writing whose tree is still stored as nodes, converts it to tiles first
  // (one transaction). Call outside any Write(). kInvalidArgument when the vault's log name is not
  // a valid signed-note key name; errors of the vault pass through.
  static Result<std::unique_ptr<AuditLog>> Open(Vault& vault, const AuditOptions& options = {});

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `event` inside `txn`, assigning seq (the leaf index) and time
  // (now, UTC ms), and signs a checkpoint when one is due. Returns the seq.
  // On any error nothing must be committed: return it from the Write()
  // function. kDataLoss when the stored log is damaged (and, for a due
  // checkpoint, when it would be inconsistent with the previous one).
  Result<uint64_t> Append(WriteTxn& txn, const AuditEvent& event) const;
  Result<uint64_t> Append(WriteTxn& txn, const PreparedAuditEvent& event) const;
  // Append in its own Write(); returns after the event is durable.
  Result<uint64_t> AppendDurable(const AuditEvent& event) const;

  // Signs a checkpoint of the current tree in `txn` (after checking that it is
  // consistent with the latest stored one) unless one of this size exists,
  // and returns the signed note. kDataLoss if the tree is inconsistent with
  // the previous checkpoint: the log never signs such a checkpoint.
  Result<std::string> Checkpoint(WriteTxn& txn) const;
  // Checkpoint() in its own durable Write().
  Result<std::string> CheckpointNow() const;
  // Signs a checkpoint if the log grew and checkpoint_every_ms has passed.
  Status MaybeCheckpoint() const;

  // ---- reading ---------------------------------------------------------------
  Result<uint64_t> Size(const ReadTxn& txn) const;
  // The exact leaf bytes. kNotFound beyond the end.
  Result<std::string> Leaf(const ReadTxn& txn, uint64_t seq) const;
  // MTH of the first `size` leaves (raw 32 bytes). kInvalidArgument beyond
  // the current size.
  Result<std::string> Root(const ReadTxn& txn, uint64_t size) const;
  // The latest signed checkpoint note; kNotFound when none was ever signed.
  Result<std::string> LatestCheckpoint(const ReadTxn& txn) const;
  // The signed checkpoint of exactly `size`; kNotFound when none.
  Result<std::string> CheckpointAt(const ReadTxn& txn, uint64_t size) const;
  // Sizes of all stored checkpoints, ascending.
  Result<std::vector<uint64_t>> CheckpointSizes(const ReadTxn& txn) const;
  Result<std::vector<std::string>> InclusionProof(const ReadTxn& txn, uint64_t seq,
                                                  uint64_t size) const;
  // The inclusion proofs of `seqs` in the tree of `size`, in that order.
  // They share the tiles they read (and the hashes computed inside them),
  // so events near one another cost little more than one proof.
  Result<std::vector<std::vector<std::string>>> InclusionProofs(const ReadTxn& txn,
                                                                const std::vector<uint64_t>& seqs,
                                                                uint64_t size) const;
  Result<std::vector<std::string>> ConsistencyProof(const ReadTxn& txn, uint64_t old_size,
                                                    uint64_t new_size) const;

  // A c2sp.org/tlog-proof@v1 for event `seq` against `checkpoint` (a signed
  // note that must verify with the log key and cover seq) or, when null,
  // against the latest checkpoint — signing a fresh one first when the latest
  // does not cover seq. kNotFound for an unknown seq; kInvalidArgument for a
  // checkpoint that does not parse, is not this log's or does not cover seq;
  // kDataLoss when the log no longer matches the given checkpoint.
  Result<std::string> Prove(uint64_t seq, const std::string* checkpoint = nullptr) const;

  // Visits the matching events in log order (or newest first, see
  // AuditFilter) with their exact leaf bytes. `fn` returns false to stop.
  // With an actor or object filter (or else with `denied`), the events the
  // index covers are found through it (tables::kAuditIndex) and only the
  // newer ones are read one by one; an entry whose stored time is outside
  // the filter's window is passed over without reading its leaf; every
  // event found is still checked against the whole filter.
  Status Export(const ReadTxn& txn, const AuditFilter& filter,
                const std::function<bool(uint64_t seq, std::string_view leaf)>& fn) const;

  // ---- the actor/object index and the denials index ---------------------------
  // Indexes up to `max_events` events that are not indexed yet by their
  // actor.id and object.id, and the refused ones among them as denials, in
  // one durable Write(); returns how many events it read. The leaves are
  // read and parsed before the Write, so the committer only stores the
  // keys. Safe to call from several threads (a call that finds the index
  // moved on does nothing). `custos serve` calls it every second. A vault
  // indexed before the denials index has its denials indexed from the
  // first event on, a slice per call, while the actor/object index waits.
  // Entries an older Custos wrote without their events' times (IndexEntry)
  // get them once the index has caught up: a call with nothing new to
  // index rewrites a slice of them instead.
  Result<uint64_t> IndexPending(uint64_t max_events = 4096) const;
  // Events [0, n) are indexed by actor and object.
  Result<uint64_t> Indexed(const ReadTxn& txn) const;
  // Events [0, n) are indexed as denials when refused.
  Result<uint64_t> DenialsIndexed(const ReadTxn& txn) const;

  // Whether this log extends `signed_checkpoint` (a checkpoint note kept
  // outside the vault: a backup's manifest, a copy handed to auditors): it
  // must verify with the log key and name this log, and the log's first
  // checkpoint.size leaves must hash to its root. Returns the checkpoint's
  // size. kInvalidArgument when the note does not verify or is another
  // log's; kDataLoss when the log is shorter than the checkpoint (rolled
  // back to an older copy) or differs within it (rewritten).
  Result<uint64_t> VerifyExtends(const ReadTxn& txn, std::string_view signed_checkpoint) const;

  // Recomputes every leaf hash and the tree, compares them with every
  // stored tile (vault/audit/tree_tiles.h; a stored tile beyond the log's
  // end means removed events), checks that the sequence is dense and each
  // leaf is canonical JSON carrying its own seq,
  // verifies every stored checkpoint's signature (log key), origin and root,
  // and the consistency of consecutive checkpoints. kDataLoss whose message
  // begins "seq N:" naming the first bad event, or "checkpoint N:" naming a
  // bad checkpoint. The leaves are checked on two threads
  // (AuditOptions::verify_step), the second in a read transaction of its own
  // unless `txn` is a write.
  Result<AuditVerifyReport> Verify(const ReadTxn& txn) const;
  // Verify() in its own read transaction.
  Result<AuditVerifyReport> Verify() const;

  // ---- keys ------------------------------------------------------------------
  const std::string& name() const { return name_; }
  const std::string& public_key() const { return public_key_; }  // 32 raw bytes
  // Signed-note verifier key "name+keyid+base64".
  std::string VerifierKey() const;
  // SubjectPublicKeyInfo PEM.
  std::string PublicKeyPem() const;
  // A detached Ed25519 signature (64 raw bytes) over `message` by the log
  // key, for documents that must verify with the log's public key (an
  // evidence bundle's manifest.xml). kInvalidArgument for text that begins
  // with this log's origin line (it could pass for a checkpoint).
  Result<std::string> SignDetached(std::string_view message) const;
  const note::Verifier& verifier() const { return verifier_; }

 private:
  // Written when a checkpoint is signed (the log's size itself is the last
  // leaf key + 1).
  struct State {
    uint64_t size = 0;  // the log's size then: it may only grow
    uint64_t checkpoint_size = 0;
    int64_t checkpoint_time = 0;  // 0: never
  };
  AuditLog(Vault& vault, const AuditOptions& options) : vault_(vault), options_(options) {}

  Result<State> ReadState(const ReadTxn& txn) const;
  Status WriteState(WriteTxn& txn, const State& state) const;
  merkle::NodeReader Nodes(const ReadTxn& txn) const;
  // Index key prefix of an actor ('a') or object ('o') id, or of the
  // refused events ('d', id "deny"): the kind, then the id's blind index
  // (ids are not secret, but object ids can be names).
  std::string IndexPrefix(char kind, std::string_view id) const;
  // IndexPrefix results kept by the kind byte followed by the id, so that
  // a pass over many events computes each id's blind index once.
  using IndexPrefixes = std::unordered_map<std::string, std::string>;
  const std::string& IndexPrefix(char kind, std::string_view id, IndexPrefixes* known) const;
  // An entry of tables::kAuditIndex: kind, blind index of the id, seq →
  // the event's time (8 bytes; empty in entries written before times were
  // kept, or for a leaf without a readable time).
  struct IndexEntry {
    std::string key;
    std::string value;
  };
  // The index entries of one leaf: by actor and object when `by_id` (none
  // for an empty id), and as a denial when `denial` and it was refused.
  Result<std::vector<IndexEntry>> IndexEntries(uint64_t seq, std::string_view leaf,
                                               IndexPrefixes* prefixes, bool by_id,
                                               bool denial) const;
  // Signs a checkpoint of state->size (see Checkpoint()) and updates *state.
  // `edge`, when given, is the tree's right edge at that size as the
  // appender holds it (its partial tiles need not be read back).
  Result<std::string> SignCheckpoint(WriteTxn& txn, State* state, UnixMillis now,
                                     const tiles::Edge* edge = nullptr) const;
  // Opens a stored checkpoint note with the log key and parses it.
  Result<vault::Checkpoint> OpenCheckpoint(std::string_view note_text) const;
  // Remembers a durable checkpoint's time for the time rule (a commit hook).
  void NoteCheckpointTime(UnixMillis time) const;

  Vault& vault_;
  AuditOptions options_;
  std::string name_;
  std::string public_key_;
  SecretBytes secret_key_;
  note::Verifier verifier_;
  // Time of the latest durable checkpoint, so that Append need not unseal
  // the state to apply checkpoint_every_ms. Only ever moves forward; a stale
  // (older) value can only make a checkpoint come early.
  mutable std::atomic<int64_t> last_checkpoint_time_{0};
  // The right edge of the tree as this process last committed it, and the
  // hash of its last leaf. The next batch reads the log's size in its
  // transaction and reuses this edge when the log still holds that leaf
  // with that hash (a log that lost its tail in a failover and was refilled
  // by another node is not the same log), adding the events another node
  // appended since (at most 256, read in one round trip), instead of
  // reading back the partial tiles and up to 255 newest leaves.
  mutable std::mutex committed_mu_;
  mutable std::shared_ptr<const AuditEdge> committed_edge_;
};

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_AUDIT_AUDIT_LOG_H_
