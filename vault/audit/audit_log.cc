#include "vault/audit/audit_log.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <iterator>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/encoding.h"
#include "vault/store/crypto.h"

namespace custos::vault {

namespace {

constexpr std::string_view kStateKey = "state";

std::string SeqKey(uint64_t seq) { return EncodeU64(seq); }

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The right edge of the tree (its compact range and partial tiles) as the
// open write transaction holds it, kept between appends of one batch so
// that an append need not read the log's size, its newest leaves and its
// partial tiles back and unseal them. It lives as a vault transaction
// memo: dropped when a request rolls back, when the batch ends, and on any
// write to the log's tables but our own. The commit hook registered by its
// first append publishes the edge as of the batch's last append
// (AuditLog::Append): one hook and one copy per batch, not per event.
struct AuditFrontier : WriteTxn::Memo {
  explicit AuditFrontier(std::shared_ptr<AuditEdge> e) : edge(std::move(e)) {}
  std::shared_ptr<AuditEdge> edge;
  bool hooked = false;
};
constexpr char kFrontierTag = 0;  // its address names the memo
// At most this many events appended by another writer are read to bring a
// remembered edge up to date; beyond, the edge is read from the store.
constexpr uint64_t kCatchUpEvents = 256;
constexpr Table kFrontierTables[] = {tables::kAuditLeaves, tables::kAuditTiles};

std::string SeqPrefix(uint64_t seq) { return "seq " + std::to_string(seq) + ": "; }
std::string CheckpointPrefix(uint64_t size) { return "checkpoint " + std::to_string(size) + ": "; }

}  // namespace

Result<json::Value> AuditEventToJson(const AuditEvent& e, uint64_t seq, UnixMillis time) {
  if (e.action.empty()) return Status::InvalidArgument("audit event without an action");
  if (!e.policy.empty() && !IsLowerHex64(e.policy)) {
    return Status::InvalidArgument("audit event policy must be a SHA-256 hex digest");
  }
  if (!e.details.is_object())
    return Status::InvalidArgument("audit event details must be an object");
  json::Value v = json::Value::MakeObject();
  v["seq"] = json::Value(seq);
  v["time"] = FormatRfc3339Millis(time);
  json::Value actor = json::Value::MakeObject();
  actor["id"] = e.actor.id;
  actor["name"] = e.actor.name;
  v["actor"] = std::move(actor);
  json::Value roles = json::Value::MakeArray();
  for (const std::string& r : e.roles) roles.Push(r);
  v["roles"] = std::move(roles);
  v["session"] = e.session;
  json::Value place = json::Value::MakeObject();
  place["ip"] = e.place.ip;
  place["user_agent"] = e.place.user_agent;
  place["workstation"] = e.place.workstation;
  place["location"] = e.place.location;
  v["place"] = std::move(place);
  v["action"] = e.action;
  json::Value object = json::Value::MakeObject();
  object["type"] = e.object.type;
  object["id"] = e.object.id;
  object["version"] = e.object.version ? json::Value(*e.object.version) : json::Value();
  v["object"] = std::move(object);
  v["reason"] = e.reason;
  v["decision"] = e.decision == AuditDecision::kAllow ? "allow" : "deny";
  v["rule"] = e.rule;
  v["policy"] = e.policy.empty() ? json::Value() : json::Value(e.policy);
  v["outcome"] = e.outcome;
  v["details"] = e.details;
  return v;
}

// The leaf is written directly, keys in sorted order, rather than through a
// json::Value tree, and in two steps: everything but `seq` and `time` (which
// sort last but one and last, with only `session` between them) is encoded
// by PrepareAuditEvent, possibly on the caller's thread before Write(); the
// committer only splices in the two numbers. The bytes are exactly
// json::Serialize of AuditEventToJson (tests/vault/audit_log_test.cc checks
// both agree).
Result<PreparedAuditEvent> PrepareAuditEvent(const AuditEvent& e) {
  if (e.action.empty()) return Status::InvalidArgument("audit event without an action");
  if (!e.policy.empty() && !IsLowerHex64(e.policy)) {
    return Status::InvalidArgument("audit event policy must be a SHA-256 hex digest");
  }
  if (!e.details.is_object())
    return Status::InvalidArgument("audit event details must be an object");
  PreparedAuditEvent p;
  std::string& out = p.head;
  out.reserve(512);
  out += "{\"action\":";
  json::AppendQuoted(&out, e.action);
  out += ",\"actor\":{\"id\":";
  json::AppendQuoted(&out, e.actor.id);
  out += ",\"name\":";
  json::AppendQuoted(&out, e.actor.name);
  out += "},\"decision\":";
  out += e.decision == AuditDecision::kAllow ? "\"allow\"" : "\"deny\"";
  out += ",\"details\":";
  out += json::Serialize(e.details);
  out += ",\"object\":{\"id\":";
  json::AppendQuoted(&out, e.object.id);
  out += ",\"type\":";
  json::AppendQuoted(&out, e.object.type);
  out += ",\"version\":";
  out += e.object.version ? std::to_string(*e.object.version) : "null";
  out += "},\"outcome\":";
  json::AppendQuoted(&out, e.outcome);
  out += ",\"place\":{\"ip\":";
  json::AppendQuoted(&out, e.place.ip);
  out += ",\"location\":";
  json::AppendQuoted(&out, e.place.location);
  out += ",\"user_agent\":";
  json::AppendQuoted(&out, e.place.user_agent);
  out += ",\"workstation\":";
  json::AppendQuoted(&out, e.place.workstation);
  out += "},\"policy\":";
  if (e.policy.empty()) {
    out += "null";
  } else {
    json::AppendQuoted(&out, e.policy);
  }
  out += ",\"reason\":";
  json::AppendQuoted(&out, e.reason);
  out += ",\"roles\":[";
  for (size_t i = 0; i < e.roles.size(); ++i) {
    if (i > 0) out += ",";
    json::AppendQuoted(&out, e.roles[i]);
  }
  out += "],\"rule\":";
  json::AppendQuoted(&out, e.rule);
  out += ",\"seq\":";
  p.middle = ",\"session\":";
  json::AppendQuoted(&p.middle, e.session);
  p.middle += ",\"time\":";
  // The seq (20 digits at most) and the time (24 characters) still to come.
  if (p.head.size() + p.middle.size() + 48 > kMaxAuditLeafBytes) {
    return Status::InvalidArgument(
        "the audit event of '" + e.action + "' is larger than 1 MiB; nothing was done",
        "“" + e.action + "”的审计事件超过 1 MiB，未执行任何操作");
  }
  return p;
}

void PutIdList(json::Value& details, std::string_view key, const std::vector<std::string>& ids) {
  json::Value listed = json::Value::MakeArray();
  for (size_t i = 0; i < ids.size() && i < kMaxListedIds; ++i) listed.Push(ids[i]);
  details[std::string(key)] = std::move(listed);
  if (ids.size() <= kMaxListedIds) return;
  details[std::string(key) + "_total"] = static_cast<int64_t>(ids.size());
  details[std::string(key) + "_sha256"] = IdListSha256(ids);
}

std::string IdListSha256(const std::vector<std::string>& ids) {
  std::string all;
  for (const std::string& id : ids) {
    all += id;
    all += '\n';
  }
  return HexEncode(Sha256(all));
}

std::string FinishAuditLeaf(const PreparedAuditEvent& p, uint64_t seq, UnixMillis time) {
  char seq_text[20];
  const auto seq_end = std::to_chars(std::begin(seq_text), std::end(seq_text), seq).ptr;
  // Many events of a batch share a millisecond: format it once per thread.
  thread_local UnixMillis formatted_time = 0;
  thread_local std::string time_text;  // ASCII: no escaping needed
  if (time_text.empty() || formatted_time != time) {
    time_text = FormatRfc3339Millis(time);
    formatted_time = time;
  }
  std::string out;
  out.reserve(p.head.size() + sizeof seq_text + p.middle.size() + time_text.size() + 3);
  out += p.head;
  out.append(seq_text, seq_end);
  out += p.middle;
  out += '"';
  out += time_text;
  out += "\"}";
  return out;
}

Result<std::string> EncodeAuditLeaf(const AuditEvent& e, uint64_t seq, UnixMillis time) {
  CUSTOS_ASSIGN_OR_RETURN(PreparedAuditEvent p, PrepareAuditEvent(e));
  return FinishAuditLeaf(p, seq, time);
}

// ---- AuditLog -------------------------------------------------------------------

Result<std::unique_ptr<AuditLog>> AuditLog::Open(Vault& vault, const AuditOptions& options) {
  if (!note::IsValidKeyName(vault.log_name())) {
    return Status::InvalidArgument("the vault's log name is not a valid signed-note key name");
  }
  std::unique_ptr<AuditLog> log(new AuditLog(vault, options));
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes seed,
                          vault.GetOrCreateSecret(kAuditLogKeyName, kEd25519SeedSize));
  CUSTOS_ASSIGN_OR_RETURN(Ed25519KeyPair pair, Ed25519FromSeed(seed));
  log->name_ = vault.log_name();
  log->public_key_ = pair.public_key;
  log->secret_key_ = std::move(pair.secret_key);
  log->verifier_.name = log->name_;
  log->verifier_.public_key = log->public_key_;
  log->verifier_.key_id = note::Ed25519KeyId(log->name_, log->public_key_);
  bool legacy_tree = false;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(State state, log->ReadState(*txn));
    log->last_checkpoint_time_.store(state.checkpoint_time);
    CUSTOS_ASSIGN_OR_RETURN(legacy_tree, tiles::TreeInNodes(*txn));
  }
  // A tree still stored as nodes (or a new vault's empty one) becomes
  // tiles before anything is appended; a read-only open reads the nodes.
  if (legacy_tree && !vault.read_only()) {
    CUSTOS_RETURN_IF_ERROR(vault.Write([](WriteTxn& w) -> Status {
      auto converted = tiles::MigrateToTiles(w);
      return converted.ok() ? Status::Ok() : converted.status().Annotate("audit tree to tiles");
    }));
  }
  return log;
}

std::string AuditLog::VerifierKey() const { return note::FormatVerifierKey(name_, public_key_); }
std::string AuditLog::PublicKeyPem() const { return note::Ed25519PublicKeyPem(public_key_); }

Result<std::string> AuditLog::SignDetached(std::string_view message) const {
  // SECURITY: the log key signs checkpoints; a document that begins like a
  // checkpoint of this log (its origin line) is refused so that no
  // signature made here can pass for a checkpoint's.
  if (message.size() > name_.size() && message.substr(0, name_.size()) == name_ &&
      message[name_.size()] == '\n') {
    return Status::InvalidArgument("refusing to sign checkpoint-shaped text with the log key");
  }
  return Ed25519Sign(secret_key_, message);
}

Result<AuditLog::State> AuditLog::ReadState(const ReadTxn& txn) const {
  auto raw = txn.Get(tables::kAuditState, kStateKey);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return State{};
    return raw.status();
  }
  if (raw->size() != 24) return Status::DataLoss("audit log state has the wrong size");
  State s;
  s.size = DecodeU64(std::string_view(*raw).substr(0, 8));
  s.checkpoint_size = DecodeU64(std::string_view(*raw).substr(8, 8));
  s.checkpoint_time = static_cast<int64_t>(DecodeU64(std::string_view(*raw).substr(16, 8)));
  return s;
}

Status AuditLog::WriteState(WriteTxn& txn, const State& s) const {
  std::string raw = EncodeU64(s.size) + EncodeU64(s.checkpoint_size) +
                    EncodeU64(static_cast<uint64_t>(s.checkpoint_time));
  return txn.Put(tables::kAuditState, kStateKey, raw);
}

merkle::NodeReader AuditLog::Nodes(const ReadTxn& txn) const {
  // One reader (and its tiles) per use: a root or a proof.
  auto reader = std::make_shared<std::optional<tiles::TreeReader>>();
  return [&txn, reader](int level, uint64_t index) -> Result<std::string> {
    if (!reader->has_value()) {
      CUSTOS_ASSIGN_OR_RETURN(const uint64_t size, tiles::LogSize(txn));
      reader->emplace(txn, size);
    }
    return (*reader)->Node(level, index);
  };
}

Result<uint64_t> AuditLog::Append(WriteTxn& txn, const AuditEvent& event) const {
  CUSTOS_ASSIGN_OR_RETURN(PreparedAuditEvent prepared, PrepareAuditEvent(event));
  return Append(txn, prepared);
}

Result<uint64_t> AuditLog::Append(WriteTxn& txn, const PreparedAuditEvent& event) const {
  // Out of the memo slot while we write (our own writes would drop it); back
  // in only once every write below succeeded. A failed append leaves none.
  std::unique_ptr<WriteTxn::Memo> memo = txn.TakeMemo(&kFrontierTag);
  if (memo == nullptr) {
    std::shared_ptr<const AuditEdge> committed;
    {
      std::lock_guard lock(committed_mu_);
      committed = committed_edge_;
    }
    // The edge this process committed last, if the log still holds its
    // last leaf; events another writer (node) appended since are read and
    // added to it (their tiles are stored: that writer stored them). One
    // scan from that leaf reads both (one round trip on a shared store).
    const uint64_t known = committed != nullptr ? committed->edge.range.size() : 0;
    if (known > 0) {
      std::vector<std::string> hashes;  // of the leaves from known - 1 on
      uint64_t next = known - 1;
      bool usable = true;
      CUSTOS_RETURN_IF_ERROR(
          txn.ScanFrom(tables::kAuditLeaves, SeqKey(known - 1),
                       [&](std::string_view key, std::string_view leaf) -> Result<bool> {
                         // A missing seq, or more events than are worth reading: the
                         // edge is read from the store instead.
                         if (key != SeqKey(next) || hashes.size() > kCatchUpEvents) {
                           usable = false;
                           return false;
                         }
                         hashes.push_back(merkle::LeafHash(leaf));
                         ++next;
                         return true;
                       }));
      if (hashes.empty() || hashes.front() != committed->last_leaf_hash) usable = false;
      if (usable) {
        auto caught_up = std::make_shared<AuditEdge>(*committed);
        for (size_t i = 1; i < hashes.size(); ++i) {
          caught_up->last_leaf_hash = hashes[i];
          CUSTOS_RETURN_IF_ERROR(tiles::Extend(&caught_up->edge, std::move(hashes[i])));
        }
        memo = std::make_unique<AuditFrontier>(std::move(caught_up));
      }
    }
    if (memo == nullptr) {
      CUSTOS_ASSIGN_OR_RETURN(const uint64_t stored, Size(txn));
      CUSTOS_RETURN_IF_ERROR(txn.Prefetch(tables::kAuditLeaves, tiles::EdgeLeafKeys(stored)));
      CUSTOS_RETURN_IF_ERROR(txn.Prefetch(tables::kAuditTiles, tiles::EdgeTileKeys(stored)));
      CUSTOS_ASSIGN_OR_RETURN(tiles::Edge edge, tiles::LoadEdge(txn, stored));
      memo = std::make_unique<AuditFrontier>(
          std::make_shared<AuditEdge>(AuditEdge{std::move(edge), ""}));
    }
  }
  AuditFrontier& frontier = static_cast<AuditFrontier&>(*memo);
  tiles::Edge& edge = frontier.edge->edge;
  const uint64_t seq = edge.range.size();
  const UnixMillis now = NowMillis();
  const std::string leaf = FinishAuditLeaf(event, seq, now);
  // SECURITY: an append, never a put — LMDB refuses a key that does not sort
  // after the last leaf, so a stored leaf is never overwritten.
  CUSTOS_RETURN_IF_ERROR(txn.Append(tables::kAuditLeaves, SeqKey(seq), leaf));
  // The leaf's hash joins the edge; a tile it fills is stored.
  std::string leaf_hash = merkle::LeafHash(leaf);
  frontier.edge->last_leaf_hash = leaf_hash;
  CUSTOS_RETURN_IF_ERROR(tiles::Append(txn, &edge, std::move(leaf_hash)));
  // Once (and only if) this transaction commits, its edge is the log's.
  // Hooks run in commit order, so the last one stands. (A memo dropped after
  // a request failed may have published an edge with a rolled-back event:
  // the next batch's size and last-leaf checks refuse it.)
  if (!frontier.hooked) {
    frontier.hooked = true;
    // Published as it is, not copied: once its batch has committed, no
    // one changes it (the memo holding it is dropped with the batch, and
    // the next batch's first append copies it).
    txn.OnCommit([this, latest = frontier.edge]() mutable {
      std::lock_guard lock(committed_mu_);
      committed_edge_ = std::move(latest);
    });
  }
  const uint64_t size = seq + 1;

  const bool due_by_count =
      options_.checkpoint_every_events > 0 && size % options_.checkpoint_every_events == 0;
  // The cached time lags a checkpoint signed earlier in this same (not yet
  // committed) batch; the state in the transaction is the truth.
  const bool maybe_due_by_time =
      options_.checkpoint_every_ms > 0 &&
      now - last_checkpoint_time_.load(std::memory_order_relaxed) >= options_.checkpoint_every_ms;
  if (due_by_count || maybe_due_by_time) {
    CUSTOS_ASSIGN_OR_RETURN(State state, ReadState(txn));
    if (due_by_count || now - state.checkpoint_time >= options_.checkpoint_every_ms) {
      state.size = size;
      CUSTOS_ASSIGN_OR_RETURN(std::string unused, SignCheckpoint(txn, &state, now, &edge));
      (void)unused;
      CUSTOS_RETURN_IF_ERROR(WriteState(txn, state));
    }
  }
  txn.PutMemo(&kFrontierTag, kFrontierTables, std::move(memo));
  return seq;
}

Result<uint64_t> AuditLog::AppendDurable(const AuditEvent& event) const {
  // Encoded here, on the caller's thread, not on the committer's.
  CUSTOS_ASSIGN_OR_RETURN(PreparedAuditEvent prepared, PrepareAuditEvent(event));
  uint64_t seq = 0;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& w) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(seq, Append(w, prepared));
    return Status::Ok();
  }));
  return seq;
}

Result<Checkpoint> AuditLog::OpenCheckpoint(std::string_view note_text) const {
  auto text = note::Open(note_text, verifier_);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) {
      return Status::DataLoss("not signed by the log key " + VerifierKey());
    }
    return text.status();
  }
  auto cp = ParseCheckpoint(*text);
  if (!cp.ok()) return Status::DataLoss("the signed text is not a checkpoint");
  if (cp->origin != name_) return Status::DataLoss("checkpoint of another log: " + cp->origin);
  return std::move(cp).value();
}

Result<uint64_t> AuditLog::VerifyExtends(const ReadTxn& txn,
                                         std::string_view signed_checkpoint) const {
  auto cp = OpenCheckpoint(signed_checkpoint);
  if (!cp.ok())
    return Status::InvalidArgument("the checkpoint does not verify: " + cp.status().message());
  CUSTOS_ASSIGN_OR_RETURN(uint64_t size, Size(txn));
  if (size < cp->size) {
    return Status::DataLoss("the log has " + std::to_string(size) +
                            " events, fewer than the checkpoint's " + std::to_string(cp->size) +
                            ": this vault is older than the checkpoint (rolled back)");
  }
  CUSTOS_ASSIGN_OR_RETURN(std::string root, merkle::RootAt(Nodes(txn), cp->size));
  if (root != cp->root) {
    return Status::DataLoss("the log's first " + std::to_string(cp->size) +
                            " events differ from the checkpoint's: the log was rewritten");
  }
  return cp->size;
}

Result<std::string> AuditLog::SignCheckpoint(WriteTxn& txn, State* state, UnixMillis now,
                                             const tiles::Edge* edge) const {
  const uint64_t size = state->size;
  auto last = txn.LastKeyWithPrefix(tables::kCheckpoints, "");
  if (!last.ok() && last.status().code() != StatusCode::kNotFound) return last.status();
  // The appender's edge holds the partial tiles: none is read back.
  std::optional<tiles::TreeReader> seeded;
  if (edge != nullptr && edge->range.size() == size) seeded.emplace(txn, size, edge);
  const merkle::NodeReader nodes = seeded ? seeded->Reader() : Nodes(txn);
  CUSTOS_ASSIGN_OR_RETURN(std::string root, merkle::RootAt(nodes, size));
  if (last.ok()) {
    if (last->size() != 8) return Status::DataLoss("checkpoint key has the wrong size");
    const uint64_t prev_size = DecodeU64(*last);
    CUSTOS_ASSIGN_OR_RETURN(std::string prev_note, txn.Get(tables::kCheckpoints, *last));
    auto prev = OpenCheckpoint(prev_note);
    if (!prev.ok() || prev->size != prev_size) {
      return Status::DataLoss("refusing to sign: the latest checkpoint (size " +
                              std::to_string(prev_size) + ") does not verify");
    }
    if (prev_size > size) {
      return Status::DataLoss("refusing to sign: the log is shorter than its latest checkpoint");
    }
    // SECURITY: never sign a tree that does not extend what we signed before.
    CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> proof,
                            merkle::ConsistencyProof(nodes, prev_size, size));
    Status consistent = merkle::VerifyConsistency(prev_size, size, prev->root, root, proof);
    if (!consistent.ok()) {
      return Status::DataLoss(
          "refusing to sign: the log is inconsistent with the checkpoint of size " +
          std::to_string(prev_size));
    }
    if (prev_size == size) return prev_note;
  }
  vault::Checkpoint cp;
  cp.origin = name_;
  cp.size = size;
  cp.root = root;
  CUSTOS_ASSIGN_OR_RETURN(std::string signed_note,
                          note::Sign(FormatCheckpoint(cp), name_, secret_key_, public_key_));
  CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kCheckpoints, EncodeU64(size), signed_note));
  state->checkpoint_size = size;
  state->checkpoint_time = now;
  txn.OnCommit([this, now] { NoteCheckpointTime(now); });
  return signed_note;
}

void AuditLog::NoteCheckpointTime(UnixMillis time) const {
  int64_t seen = last_checkpoint_time_.load(std::memory_order_relaxed);
  while (time > seen && !last_checkpoint_time_.compare_exchange_weak(seen, time)) {
  }
}

Result<std::string> AuditLog::Checkpoint(WriteTxn& txn) const {
  CUSTOS_ASSIGN_OR_RETURN(State state, ReadState(txn));
  CUSTOS_ASSIGN_OR_RETURN(state.size, Size(txn));
  State before = state;
  CUSTOS_ASSIGN_OR_RETURN(std::string note_text, SignCheckpoint(txn, &state, NowMillis()));
  if (state.checkpoint_size != before.checkpoint_size ||
      state.checkpoint_time != before.checkpoint_time) {
    CUSTOS_RETURN_IF_ERROR(WriteState(txn, state));
  }
  return note_text;
}

Result<std::string> AuditLog::CheckpointNow() const {
  std::string out;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& w) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(out, Checkpoint(w));
    return Status::Ok();
  }));
  return out;
}

Status AuditLog::MaybeCheckpoint() const {
  if (options_.checkpoint_every_ms <= 0) return Status::Ok();
  return vault_.Write([&](WriteTxn& w) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(State state, ReadState(w));
    CUSTOS_ASSIGN_OR_RETURN(state.size, Size(w));
    UnixMillis now = NowMillis();
    if (state.size == state.checkpoint_size && state.checkpoint_time != 0) return Status::Ok();
    if (now - state.checkpoint_time < options_.checkpoint_every_ms) return Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(std::string unused, SignCheckpoint(w, &state, now));
    (void)unused;
    return WriteState(w, state);
  });
}

// ---- reading --------------------------------------------------------------------

Result<uint64_t> AuditLog::Size(const ReadTxn& txn) const { return tiles::LogSize(txn); }

Result<std::string> AuditLog::Leaf(const ReadTxn& txn, uint64_t seq) const {
  auto leaf = txn.Get(tables::kAuditLeaves, SeqKey(seq));
  if (!leaf.ok() && leaf.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("no audit event with seq " + std::to_string(seq));
  }
  return leaf;
}

Result<std::string> AuditLog::Root(const ReadTxn& txn, uint64_t size) const {
  CUSTOS_ASSIGN_OR_RETURN(uint64_t current, Size(txn));
  if (size > current) {
    return Status::InvalidArgument("tree size " + std::to_string(size) +
                                   " is beyond the log's size " + std::to_string(current));
  }
  return merkle::RootAt(Nodes(txn), size);
}

Result<std::string> AuditLog::LatestCheckpoint(const ReadTxn& txn) const {
  auto last = txn.LastKeyWithPrefix(tables::kCheckpoints, "");
  if (!last.ok()) {
    if (last.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("the audit log has no checkpoint yet");
    }
    return last.status();
  }
  return txn.Get(tables::kCheckpoints, *last);
}

Result<std::string> AuditLog::CheckpointAt(const ReadTxn& txn, uint64_t size) const {
  auto cp = txn.Get(tables::kCheckpoints, EncodeU64(size));
  if (!cp.ok() && cp.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("no checkpoint of size " + std::to_string(size));
  }
  return cp;
}

Result<std::vector<uint64_t>> AuditLog::CheckpointSizes(const ReadTxn& txn) const {
  std::vector<uint64_t> out;
  CUSTOS_RETURN_IF_ERROR(
      txn.ScanKeys(tables::kCheckpoints, "", [&](std::string_view key) -> Result<bool> {
        if (key.size() != 8) return Status::DataLoss("checkpoint key has the wrong size");
        out.push_back(DecodeU64(key));
        return true;
      }));
  return out;
}

Result<std::vector<std::string>> AuditLog::InclusionProof(const ReadTxn& txn, uint64_t seq,
                                                          uint64_t size) const {
  CUSTOS_ASSIGN_OR_RETURN(uint64_t current, Size(txn));
  if (size > current) return Status::InvalidArgument("tree size is beyond the log's size");
  return merkle::InclusionProof(Nodes(txn), seq, size);
}

Result<std::vector<std::vector<std::string>>> AuditLog::InclusionProofs(
    const ReadTxn& txn, const std::vector<uint64_t>& seqs, uint64_t size) const {
  CUSTOS_ASSIGN_OR_RETURN(uint64_t current, Size(txn));
  if (size > current) return Status::InvalidArgument("tree size is beyond the log's size");
  const merkle::NodeReader nodes = Nodes(txn);  // one reader for all
  std::vector<std::vector<std::string>> out;
  out.reserve(seqs.size());
  for (uint64_t seq : seqs) {
    CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> proof,
                            merkle::InclusionProof(nodes, seq, size));
    out.push_back(std::move(proof));
  }
  return out;
}

Result<std::vector<std::string>> AuditLog::ConsistencyProof(const ReadTxn& txn, uint64_t old_size,
                                                            uint64_t new_size) const {
  CUSTOS_ASSIGN_OR_RETURN(uint64_t current, Size(txn));
  if (new_size > current) return Status::InvalidArgument("tree size is beyond the log's size");
  return merkle::ConsistencyProof(Nodes(txn), old_size, new_size);
}

Result<std::string> AuditLog::Prove(uint64_t seq, const std::string* checkpoint) const {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string cp_note;
    vault::Checkpoint cp;
    {
      CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
      CUSTOS_ASSIGN_OR_RETURN(uint64_t size, Size(*txn));
      if (seq >= size) {
        return Status::NotFound("no audit event with seq " + std::to_string(seq),
                                "没有序号为 " + std::to_string(seq) + " 的审计事件");
      }
      if (checkpoint != nullptr) {
        auto opened = OpenCheckpoint(*checkpoint);
        if (!opened.ok()) {
          return Status::InvalidArgument(
              "the checkpoint does not verify: " + opened.status().message(),
              "检查点验证失败（" + opened.status().message() + "）");
        }
        cp = std::move(opened).value();
        cp_note = *checkpoint;
        if (cp.size <= seq) {
          return Status::InvalidArgument(
              "the checkpoint (size " + std::to_string(cp.size) + ") does not cover seq " +
                  std::to_string(seq),
              "检查点（大小 " + std::to_string(cp.size) + "）不包含序号 " + std::to_string(seq));
        }
        if (cp.size > size) {
          return Status::InvalidArgument("the checkpoint is larger than the log",
                                         "检查点大于本日志");
        }
      } else {
        CUSTOS_ASSIGN_OR_RETURN(cp_note, LatestCheckpoint(*txn));
        auto opened = OpenCheckpoint(cp_note);
        if (!opened.ok()) return opened.status().Annotate("latest checkpoint");
        cp = std::move(opened).value();
      }
      if (cp.size > seq) {
        CUSTOS_ASSIGN_OR_RETURN(std::string root, merkle::RootAt(Nodes(*txn), cp.size));
        if (root != cp.root) {
          return Status::DataLoss("the log no longer matches the checkpoint of size " +
                                  std::to_string(cp.size));
        }
        TlogProof p;
        p.index = seq;
        CUSTOS_ASSIGN_OR_RETURN(p.hashes, merkle::InclusionProof(Nodes(*txn), seq, cp.size));
        CUSTOS_ASSIGN_OR_RETURN(std::string leaf, Leaf(*txn, seq));
        // Check our own output before handing it out.
        CUSTOS_RETURN_IF_ERROR(
            merkle::VerifyInclusion(seq, cp.size, merkle::LeafHash(leaf), p.hashes, cp.root));
        p.checkpoint = std::move(cp_note);
        return FormatTlogProof(p);
      }
    }
    // The latest checkpoint predates this event: sign a fresh one, then retry.
    CUSTOS_ASSIGN_OR_RETURN(std::string unused, CheckpointNow());
    (void)unused;
  }
  return Status::Internal("no checkpoint covers the event after signing one");
}

namespace {

// The id at `member`.id of a parsed leaf, or empty when it has none.
std::string MemberId(const json::Value& leaf, std::string_view member) {
  const json::Value* m = leaf.Find(member);
  if (m == nullptr || !m->is_object()) return "";
  auto id = json::GetString(*m, "id");
  return id.ok() ? *id : "";
}

// MemberId of a leaf known to be canonical JSON, read from its text.
std::string CanonicalMemberId(std::string_view leaf, std::string_view member) {
  auto m = json::MemberText(leaf, member);
  if (!m.ok() || m->empty() || m->front() != '{') return "";
  auto id = json::MemberText(*m, "id");
  if (!id.ok() || id->size() < 2 || id->front() != '"') return "";
  if (id->find('\\') == std::string_view::npos) return std::string(id->substr(1, id->size() - 2));
  auto decoded = json::Parse(*id);  // escapes: rare
  return decoded.ok() && decoded->is_string() ? decoded->as_string() : "";
}

// Whether a leaf records a refused attempt (its decision is "deny").
bool Denied(const json::Value& leaf) {
  auto d = json::GetString(leaf, "decision");
  return d.ok() && *d == "deny";
}

// Denied() of a leaf known to be canonical JSON, read from its text
// (canonical JSON spells the string without escapes).
bool CanonicalDenied(std::string_view leaf) {
  // Most events are allowed, and a refused one holds this text (quotes
  // inside strings are escaped): one search passes over the rest.
  constexpr std::string_view kDenied = "\"decision\":\"deny\"";
  if (memmem(leaf.data(), leaf.size(), kDenied.data(), kDenied.size()) == nullptr) return false;
  auto d = json::MemberText(leaf, "decision");
  return d.ok() && *d == "\"deny\"";
}

// The time of a leaf known to be canonical JSON, when it reads as RFC 3339.
std::optional<UnixMillis> CanonicalTime(std::string_view leaf) {
  // Canonical JSON sorts the members, and "time" sorts last of an event's:
  // a leaf as appended ends with ,"time":"YYYY-MM-DDTHH:MM:SS.mmmZ"}. That
  // suffix cannot sit inside a string (its quotes would be escaped, and a
  // ',' never escapes one), so the text need not be walked to find it.
  constexpr std::string_view kMember = ",\"time\":\"";
  constexpr size_t kStamp = 24;  // FormatRfc3339Millis
  std::string_view text;
  const size_t tail = kMember.size() + kStamp + 2;
  if (leaf.size() > tail && leaf.substr(leaf.size() - tail, kMember.size()) == kMember &&
      leaf.substr(leaf.size() - 2) == "\"}") {
    text = leaf.substr(leaf.size() - kStamp - 2, kStamp);
  } else {
    auto ts = json::MemberText(leaf, "time");
    if (!ts.ok() || ts->size() < 2 || ts->front() != '"') return std::nullopt;
    text = ts->substr(1, ts->size() - 2);
  }
  if (text.find('\\') != std::string_view::npos) return std::nullopt;
  auto t = ParseRfc3339(text);
  if (!t.ok()) return std::nullopt;
  return *t;
}

// The value of an index entry: the event's time, so that a read of a
// person's or a file's events within a window passes over the others
// without opening their leaves. Empty when the leaf has no readable time
// (and in entries written before times were kept: their leaf is read).
std::string IndexValue(std::optional<UnixMillis> time) {
  if (!time || *time < 0) return "";
  return EncodeU64(static_cast<uint64_t>(*time));
}

// The "seq" of a leaf known to be canonical JSON, when it is a
// non-negative integer.
std::optional<uint64_t> CanonicalSeq(std::string_view leaf) {
  auto text = json::MemberText(leaf, "seq");
  if (!text.ok()) return std::nullopt;
  int64_t v = 0;
  const char* end = text->data() + text->size();
  const auto r = std::from_chars(text->data(), end, v);
  if (r.ec != std::errc() || r.ptr != end || v < 0) return std::nullopt;
  return static_cast<uint64_t>(v);
}

// Gives the leaves [from, to) to `fn` in order, one cursor step each.
// Stops at fn's first error, which it returns as is. A seq the log does not
// hold is kNotFound "seq N: event is missing"; a leaf that does not open,
// the store's error after "seq N: ". *at: the seq it stopped at (`to` when
// every leaf was given).
Status ForEachLeaf(const ReadTxn& txn, uint64_t from, uint64_t to,
                   const std::function<Status(uint64_t seq, std::string_view leaf)>& fn,
                   uint64_t* at) {
  uint64_t& seq = *at;
  seq = from;
  if (from >= to) return Status::Ok();
  Status failed;
  const Status scanned =
      txn.ScanFrom(tables::kAuditLeaves, SeqKey(from),
                   [&](std::string_view key, std::string_view leaf) -> Result<bool> {
                     if (key != SeqKey(seq)) {
                       failed = Status::NotFound(SeqPrefix(seq) + "event is missing");
                       return false;
                     }
                     failed = fn(seq, leaf);
                     return failed.ok() && ++seq < to;
                   });
  if (!failed.ok()) return failed;
  if (!scanned.ok()) return Status(scanned.code(), SeqPrefix(seq) + scanned.message());
  if (seq < to) return Status::NotFound(SeqPrefix(seq) + "event is missing");
  return Status::Ok();
}

// The time of a parsed leaf. kDataLoss naming `seq` when it has none or
// it does not read as RFC 3339.
Result<UnixMillis> ParsedTime(const json::Value& leaf, uint64_t seq) {
  auto ts = json::GetString(leaf, "time");
  if (!ts.ok()) return Status::DataLoss(SeqPrefix(seq) + "leaf has no time");
  auto t = ParseRfc3339(*ts);
  if (!t.ok()) return Status::DataLoss(SeqPrefix(seq) + "leaf has a bad time");
  return *t;
}

// Whether an event at `t` falls in the filter's window [from, to).
bool InWindow(const AuditFilter& filter, UnixMillis t) {
  return !(filter.from && t < *filter.from) && !(filter.to && t >= *filter.to);
}

// Whether a leaf passes `filter`. kDataLoss for a leaf that does not parse
// or has no readable time when a time bound is asked.
Result<bool> Passes(const AuditFilter& filter, uint64_t seq, std::string_view leaf) {
  if (!filter.actor && !filter.object && !filter.from && !filter.to && !filter.denied) return true;
  const bool window = filter.from || filter.to;
  // A leaf is canonical JSON as appended: its ids and time are read from its
  // text, as the verifier reads them (a person's departure report passes
  // over every event of theirs before its window). Any other is parsed.
  if (!leaf.empty() && leaf.front() == '{' && json::IsCanonical(leaf)) {
    if (filter.actor && CanonicalMemberId(leaf, "actor") != *filter.actor) return false;
    if (filter.object && CanonicalMemberId(leaf, "object") != *filter.object) return false;
    if (filter.denied && !CanonicalDenied(leaf)) return false;
    if (!window) return true;
    if (const std::optional<UnixMillis> t = CanonicalTime(leaf)) return InWindow(filter, *t);
  }
  auto v = json::Parse(leaf);
  if (!v.ok()) return Status::DataLoss(SeqPrefix(seq) + "leaf is not JSON");
  if (filter.actor && MemberId(*v, "actor") != *filter.actor) return false;
  if (filter.object && MemberId(*v, "object") != *filter.object) return false;
  if (filter.denied && !Denied(*v)) return false;
  if (!window) return true;
  CUSTOS_ASSIGN_OR_RETURN(const UnixMillis t, ParsedTime(*v, seq));
  return InWindow(filter, t);
}

// Compares the hashes `expected` of tile (level, index), recomputed from
// the leaves, with the stored tile. The error names the first event under
// the first hash that differs; `seq` (the event that completed the tile)
// when the stored tile cannot be read.
Status CompareTile(tiles::TreeReader& stored_tree, int level, uint64_t index,
                   const std::string& expected, uint64_t seq) {
  const int width = static_cast<int>(expected.size() / merkle::kHashSize);
  const std::string where =
      "the stored tree (tile " + std::to_string(level) + "/" + std::to_string(index) + ")";
  auto stored = stored_tree.Tile(level, index, width);
  if (!stored.ok()) return Status::DataLoss(SeqPrefix(seq) + stored.status().message());
  for (int i = 0; i < width; ++i) {
    const size_t at = static_cast<size_t>(i) * merkle::kHashSize;
    if (stored->compare(at, merkle::kHashSize, expected, at, merkle::kHashSize) != 0) {
      const uint64_t first = (index * tiles::kWidth + static_cast<uint64_t>(i)) << (8 * level);
      return Status::DataLoss(SeqPrefix(first) + "the events from here on do not match " + where);
    }
  }
  return Status::Ok();
}

// kDataLoss when the stored tree holds a tile (or, before tiles, a leaf's
// node) beyond a log of `size` events: trailing events were removed.
Status CheckNothingStoredBeyond(const ReadTxn& txn, uint64_t size, bool legacy) {
  for (int level = 0; level < (legacy ? 1 : tiles::kLevels); ++level) {
    const Table table = legacy ? tables::kAuditNodes : tables::kAuditTiles;
    auto last = txn.LastKeyWithPrefix(table, std::string(1, static_cast<char>(level)));
    if (!last.ok()) {
      if (last.status().code() == StatusCode::kNotFound) continue;
      return last.status();
    }
    if (last->size() != 9) return Status::DataLoss("audit tree key has the wrong size");
    const uint64_t index = DecodeU64(std::string_view(*last).substr(1));
    // Before tiles every leaf had its node; since, level 0 stores full
    // tiles only and the levels above their partial tile too.
    const uint64_t held = legacy ? size : tiles::StoredTiles(size, level);
    if (index >= held) {
      return Status::DataLoss(SeqPrefix(size) + "event is missing (the stored tree holds " +
                              (legacy ? "the hash of seq " + std::to_string(index)
                                      : "tile " + std::to_string(level) + "/" +
                                            std::to_string(index) + ", beyond the log's end") +
                              ")");
    }
  }
  return Status::Ok();
}

constexpr std::string_view kIndexedKey = "indexed";
constexpr std::string_view kDenialsIndexedKey = "indexed.denials";
// Events [0, n) have index entries that hold their time (IndexValue).
// Absent in a vault indexed before entries held times: 0, so its entries
// get their times from the first event on.
constexpr std::string_view kTimedKey = "indexed.times";
constexpr char kActorKind = 'a';
constexpr char kObjectKind = 'o';
constexpr char kDenialKind = 'd';
constexpr std::string_view kDenialId = "deny";

Result<uint64_t> ReadIndexed(const ReadTxn& txn, std::string_view key) {
  auto raw = txn.Get(tables::kAuditState, key);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return uint64_t{0};
    return raw.status();
  }
  if (raw->size() != 8) return Status::DataLoss("index: its state has the wrong size");
  return DecodeU64(*raw);
}

}  // namespace

Status AuditLog::Export(const ReadTxn& txn, const AuditFilter& filter,
                        const std::function<bool(uint64_t, std::string_view)>& fn) const {
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t size, Size(txn));
  bool stopped = false;
  // Reads event `seq` and hands it to fn when it passes the filter.
  auto visit = [&](uint64_t seq) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(std::string leaf, Leaf(txn, seq));
    CUSTOS_ASSIGN_OR_RETURN(bool passes, Passes(filter, seq, leaf));
    if (passes && !fn(seq, leaf)) stopped = true;
    return Status::Ok();
  };
  // Events [from, to) one by one, in the asked order.
  auto scan = [&](uint64_t from, uint64_t to) -> Status {
    for (uint64_t i = from; i < to && !stopped; ++i) {
      CUSTOS_RETURN_IF_ERROR(visit(filter.newest_first ? to - 1 - (i - from) : i));
    }
    return Status::Ok();
  };
  if (!filter.actor && !filter.object && !filter.denied) return scan(0, size);

  // Events [0, indexed) through the index (a person's or a file's, else
  // the denials'); the rest one by one.
  const bool by_id = filter.actor || filter.object;
  CUSTOS_ASSIGN_OR_RETURN(uint64_t indexed, by_id ? Indexed(txn) : DenialsIndexed(txn));
  indexed = std::min(indexed, size);
  const std::string prefix = filter.actor    ? IndexPrefix(kActorKind, *filter.actor)
                             : filter.object ? IndexPrefix(kObjectKind, *filter.object)
                                             : IndexPrefix(kDenialKind, kDenialId);
  // An entry's value is its event's time (IndexValue): an event outside
  // the filter's window is passed over without reading its leaf (a
  // departure report's person may have a hundred thousand older events).
  const bool window = filter.from || filter.to;
  auto through_index = [&]() -> Status {
    return txn.Scan(
        tables::kAuditIndex, prefix,
        [&](std::string_view key, std::string_view value) -> Result<bool> {
          if (key.size() != prefix.size() + 8)
            return Status::DataLoss("index: a key has the wrong size");
          const uint64_t seq = DecodeU64(key.substr(prefix.size()));
          if (seq >= indexed) return true;  // covered by the scan
          if (window && value.size() == 8) {
            const auto t = static_cast<UnixMillis>(DecodeU64(value));
            if (!InWindow(filter, t)) return true;
          }
          CUSTOS_RETURN_IF_ERROR(visit(seq));
          return !stopped;
        },
        filter.newest_first);
  };
  // Nothing indexed yet (also: a vault from before the index), or an empty
  // id (never indexed): one by one.
  if (indexed == 0 || (filter.actor    ? filter.actor->empty()
                       : filter.object ? filter.object->empty()
                                       : false)) {
    return scan(0, size);
  }
  if (filter.newest_first) {
    CUSTOS_RETURN_IF_ERROR(scan(indexed, size));
    if (!stopped) CUSTOS_RETURN_IF_ERROR(through_index());
  } else {
    CUSTOS_RETURN_IF_ERROR(through_index());
    if (!stopped) CUSTOS_RETURN_IF_ERROR(scan(indexed, size));
  }
  return Status::Ok();
}

// ---- the actor/object index -----------------------------------------------------

std::string AuditLog::IndexPrefix(char kind, std::string_view id) const {
  std::string prefix(1, kind);
  prefix += vault_.BlindIndex(kind == kActorKind    ? "audit.actor"
                              : kind == kObjectKind ? "audit.object"
                                                    : "audit.decision",
                              id);
  return prefix;
}

const std::string& AuditLog::IndexPrefix(char kind, std::string_view id,
                                         IndexPrefixes* known) const {
  std::string tagged(1, kind);
  tagged += id;
  auto it = known->find(tagged);
  if (it == known->end()) it = known->emplace(std::move(tagged), IndexPrefix(kind, id)).first;
  return it->second;
}

Result<std::vector<AuditLog::IndexEntry>> AuditLog::IndexEntries(uint64_t seq,
                                                                 std::string_view leaf,
                                                                 IndexPrefixes* prefixes,
                                                                 bool by_id, bool denial) const {
  // A leaf is canonical JSON as appended: its ids and time are read from
  // its text, as the verifier reads them. Any other is parsed.
  std::optional<json::Value> parsed;
  if (leaf.empty() || leaf.front() != '{' || !json::IsCanonical(leaf)) {
    auto v = json::Parse(leaf);
    if (!v.ok()) return Status::DataLoss(SeqPrefix(seq) + "leaf is not JSON");
    parsed = std::move(v).value();
  }
  std::vector<IndexEntry> entries;
  if (!by_id && !denial) return entries;
  std::optional<UnixMillis> time;
  if (parsed) {
    if (auto t = ParsedTime(*parsed, seq); t.ok()) time = *t;
  } else {
    time = CanonicalTime(leaf);
  }
  const std::string value = IndexValue(time);
  for (char kind : {kActorKind, kObjectKind}) {
    if (!by_id) break;
    const std::string_view member = kind == kActorKind ? "actor" : "object";
    const std::string id = parsed ? MemberId(*parsed, member) : CanonicalMemberId(leaf, member);
    if (!id.empty()) entries.push_back({IndexPrefix(kind, id, prefixes) + SeqKey(seq), value});
  }
  if (denial && (parsed ? Denied(*parsed) : CanonicalDenied(leaf))) {
    entries.push_back({IndexPrefix(kDenialKind, kDenialId, prefixes) + SeqKey(seq), value});
  }
  return entries;
}

Result<uint64_t> AuditLog::Indexed(const ReadTxn& txn) const {
  return ReadIndexed(txn, kIndexedKey);
}

Result<uint64_t> AuditLog::DenialsIndexed(const ReadTxn& txn) const {
  return ReadIndexed(txn, kDenialsIndexedKey);
}

Result<uint64_t> AuditLog::IndexPending(uint64_t max_events) const {
  // The two indexes cover the same events, except in a vault indexed by
  // actor and object before the denials index: its denials are indexed
  // first, from where they stand, and the slice then covers both. Once
  // both have caught up with the log, a call with nothing new to index
  // gives the entries an older Custos wrote without times their times
  // instead, a slice at a time from where that stands (indexed.times), so
  // that an upgrade never keeps new events out of the index.
  uint64_t by_id = 0, denials = 0, timed = 0, from = 0, to = 0;
  bool adding_times = false;
  std::vector<IndexEntry> entries;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(by_id, Indexed(*txn));
    CUSTOS_ASSIGN_OR_RETURN(denials, DenialsIndexed(*txn));
    CUSTOS_ASSIGN_OR_RETURN(timed, ReadIndexed(*txn, kTimedKey));
    CUSTOS_ASSIGN_OR_RETURN(const uint64_t size, Size(*txn));
    from = std::min(by_id, denials);
    to = std::min(size, from + max_events);
    if (to <= from && timed < from) {
      // Every event of [timed, to) has both kinds of entry already.
      adding_times = true;
      to = std::min(from, timed + max_events);
      from = timed;
    }
    // The leaves [from, to) with one cursor, in key order; a person's or a
    // file's blind-index prefix computed once.
    IndexPrefixes prefixes;
    uint64_t at = from;
    CUSTOS_RETURN_IF_ERROR(ForEachLeaf(
        *txn, from, to,
        [&](uint64_t seq, std::string_view leaf) -> Status {
          CUSTOS_ASSIGN_OR_RETURN(std::vector<IndexEntry> e,
                                  IndexEntries(seq, leaf, &prefixes, adding_times || seq >= by_id,
                                               adding_times || seq >= denials));
          for (IndexEntry& one : e) entries.push_back(std::move(one));
          return Status::Ok();
        },
        &at));
  }
  if (to <= from) return uint64_t{0};
  // LMDB fills pages in key order.
  std::sort(entries.begin(), entries.end(),
            [](const IndexEntry& a, const IndexEntry& b) { return a.key < b.key; });
  bool moved = false;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& w) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(const uint64_t now_by_id, Indexed(w));
    CUSTOS_ASSIGN_OR_RETURN(const uint64_t now_denials, DenialsIndexed(w));
    CUSTOS_ASSIGN_OR_RETURN(const uint64_t now_timed, ReadIndexed(w, kTimedKey));
    moved = now_by_id != by_id || now_denials != denials || now_timed != timed;
    if (moved) return Status::Ok();  // another caller did it
    for (const IndexEntry& e : entries) {
      CUSTOS_RETURN_IF_ERROR(w.Put(tables::kAuditIndex, e.key, e.value));
    }
    uint64_t now_times = timed;
    if (adding_times) {
      now_times = to;
    } else {
      if (to > by_id)
        CUSTOS_RETURN_IF_ERROR(w.Put(tables::kAuditState, kIndexedKey, EncodeU64(to)));
      if (to > denials) {
        CUSTOS_RETURN_IF_ERROR(w.Put(tables::kAuditState, kDenialsIndexedKey, EncodeU64(to)));
      }
      // The entries written now hold times; every entry before them does
      // too when the times had reached both indexes' ends.
      if (timed >= std::max(by_id, denials)) now_times = std::max(timed, to);
    }
    if (now_times != timed) {
      CUSTOS_RETURN_IF_ERROR(w.Put(tables::kAuditState, kTimedKey, EncodeU64(now_times)));
    }
    return Status::Ok();
  }));
  return moved ? uint64_t{0} : to - from;
}

Result<AuditVerifyReport> AuditLog::Verify() const {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
  return Verify(*txn);
}

Result<AuditVerifyReport> AuditLog::Verify(const ReadTxn& txn) const {
  AuditVerifyReport report;
  CUSTOS_ASSIGN_OR_RETURN(State state, ReadState(txn));
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t size, Size(txn));

  // Every key 0..size-1 present, nothing else: a deletion or an extra leaf
  // shows up here with the first missing seq.
  uint64_t expected = 0;
  Status keys = txn.ScanKeys(tables::kAuditLeaves, "", [&](std::string_view key) -> Result<bool> {
    if (key.size() != 8) return Status::DataLoss("audit leaf key has the wrong size");
    uint64_t seq = DecodeU64(key);
    if (seq != expected) {
      return Status::DataLoss(SeqPrefix(expected) + "event is missing (next stored is seq " +
                              std::to_string(seq) + ")");
    }
    ++expected;
    return true;
  });
  CUSTOS_RETURN_IF_ERROR(keys);
  if (expected != size) {
    return Status::DataLoss(SeqPrefix(expected) + "event is missing (log size " +
                            std::to_string(size) + ")");
  }
  // No tile beyond the log's end: one there means trailing events were
  // removed (the tiles of a vault from before tiles: its level-0 nodes).
  tiles::TreeReader stored_tree(txn, size);
  CUSTOS_ASSIGN_OR_RETURN(const bool legacy_tree, stored_tree.Legacy());
  CUSTOS_RETURN_IF_ERROR(CheckNothingStoredBeyond(txn, size, legacy_tree));
  // The size recorded at the last checkpoint: the log only grows.
  if (size < state.size) {
    return Status::DataLoss(SeqPrefix(size) + "event is missing: the log had " +
                            std::to_string(state.size) + " events");
  }

  CUSTOS_ASSIGN_OR_RETURN(std::vector<uint64_t> cp_sizes, CheckpointSizes(txn));
  size_t next_cp = 0;
  uint64_t prev_cp_size = 0;
  std::string prev_cp_root;
  bool have_prev = false;
  merkle::CompactRange range;

  // Checks every checkpoint of size range.size(): signature, origin, root,
  // and consistency with the previous one.
  auto check_checkpoints = [&]() -> Status {
    while (next_cp < cp_sizes.size() && cp_sizes[next_cp] == range.size()) {
      const uint64_t cs = cp_sizes[next_cp];
      auto note_text = txn.Get(tables::kCheckpoints, EncodeU64(cs));
      if (!note_text.ok()) {
        return Status::DataLoss(CheckpointPrefix(cs) + note_text.status().message());
      }
      auto cp = OpenCheckpoint(*note_text);
      if (!cp.ok()) return Status::DataLoss(CheckpointPrefix(cs) + cp.status().message());
      if (cp->size != cs) {
        return Status::DataLoss(CheckpointPrefix(cs) + "stored under the wrong size");
      }
      if (cp->root != range.Root()) {
        std::string from = have_prev ? std::to_string(prev_cp_size) : "0";
        return Status::DataLoss(CheckpointPrefix(cs) +
                                "root does not match the log: an event in seq " + from + ".." +
                                std::to_string(cs - 1) + " was altered");
      }
      if (have_prev) {
        auto proof = merkle::ConsistencyProof(Nodes(txn), prev_cp_size, cs);
        if (!proof.ok()) return Status::DataLoss(CheckpointPrefix(cs) + proof.status().message());
        Status st = merkle::VerifyConsistency(prev_cp_size, cs, prev_cp_root, cp->root, *proof);
        if (!st.ok()) {
          // Both roots are the leaves' (checked above): the stored tree
          // that gave the proof differs from them.
          return Status::DataLoss(CheckpointPrefix(cs) + "no consistency with checkpoint " +
                                  std::to_string(prev_cp_size) +
                                  " through the stored tree: its tiles differ from the leaves");
        }
      }
      have_prev = true;
      prev_cp_size = cs;
      prev_cp_root = cp->root;
      ++report.checkpoints;
      report.latest_checkpoint_size = cs;
      ++next_cp;
    }
    return Status::Ok();
  };

  CUSTOS_RETURN_IF_ERROR(check_checkpoints());
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t indexed, Indexed(txn));
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t denials_indexed, DenialsIndexed(txn));
  // How far the entries hold times: read so that a damaged state shows here.
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t timed, ReadIndexed(txn, kTimedKey));
  for (const uint64_t covered : {indexed, denials_indexed, timed}) {
    if (covered > size) {
      return Status::DataLoss("index: covers " + std::to_string(covered) + " events, the log has " +
                              std::to_string(size));
    }
  }
  // The checks of one leaf on its own — opened, canonical, its seq, its
  // index entries — and its hash. They need no other leaf, so the leaves
  // of a chunk are checked on two threads; the tree and the checkpoints are
  // then walked in order on this one. Leaves and index entries never change
  // once written, so the helper's own snapshot answers as this one would —
  // unless `txn` is a write, whose own appends no other snapshot sees: then
  // this thread checks them all.
  const bool helper_may_read = dynamic_cast<const WriteTxn*>(&txn) == nullptr;
  struct LeafCheck {
    Status status;
    std::string hash;
    uint64_t index_entries = 0;
  };
  const auto check_leaves = [&](const ReadTxn& t, uint64_t from, uint64_t to, LeafCheck* out) {
    if (from >= to) return;
    // An id's blind-index prefix, computed once per id (a person's events
    // share one).
    IndexPrefixes prefixes;
    auto check = [&](uint64_t seq, std::string_view leaf) -> Status {
      // Checked without building a tree (json::IsCanonical); being
      // canonical, its members are then read as written.
      if (leaf.empty() || leaf.front() != '{' || !json::IsCanonical(leaf)) {
        return Status::DataLoss(SeqPrefix(seq) + "leaf is not canonical JSON");
      }
      if (CanonicalSeq(leaf) != std::optional<uint64_t>(seq)) {
        return Status::DataLoss(SeqPrefix(seq) + "leaf carries another seq (moved or reordered)");
      }
      LeafCheck& c = out[seq - from];
      // An entry is there, and its value is this leaf's time (a wrong one
      // would hide the event from reads of a window), or empty when an
      // older Custos wrote it and its time has not been added yet.
      std::optional<std::string> value;  // what this leaf's entries may hold
      auto check_entry = [&](const std::string& key, std::string_view missing) -> Status {
        auto stored = t.Get(tables::kAuditIndex, key);
        if (!stored.ok()) {
          if (stored.status().code() != StatusCode::kNotFound) return stored.status();
          return Status::DataLoss("index: " + SeqPrefix(seq) + std::string(missing));
        }
        ++c.index_entries;
        if (stored->empty() && seq >= timed) return Status::Ok();
        if (!value) value = IndexValue(CanonicalTime(leaf));
        if (*stored == *value) return Status::Ok();
        return Status::DataLoss("index: " + SeqPrefix(seq) +
                                (stored->empty()
                                     ? "an entry has lost its event's time (its state says "
                                       "every entry before seq " +
                                           std::to_string(timed) + " holds one)"
                                     : "an entry gives another time than the event's (reads of "
                                       "a time window would miss it)"));
      };
      if (seq < indexed) {
        for (char kind : {kActorKind, kObjectKind}) {
          const std::string id = CanonicalMemberId(leaf, kind == kActorKind ? "actor" : "object");
          if (id.empty()) continue;
          CUSTOS_RETURN_IF_ERROR(
              check_entry(IndexPrefix(kind, id, &prefixes) + SeqKey(seq),
                          kind == kActorKind
                              ? "its actor entry is missing (filtered reads would not find it)"
                              : "its object entry is missing (filtered reads would not find it)"));
        }
      }
      if (seq < denials_indexed && CanonicalDenied(leaf)) {
        CUSTOS_RETURN_IF_ERROR(
            check_entry(IndexPrefix(kDenialKind, kDenialId, &prefixes) + SeqKey(seq),
                        "its denial entry is missing (the auditors' recent denials would not "
                        "show it)"));
      }
      c.hash = merkle::LeafHash(leaf);
      return Status::Ok();
    };
    // The leaves [from, to) in key order, one cursor step each (every key
    // below the log's size is there: checked above). What stops the walk is
    // reported at the seq it stopped at, as damage.
    uint64_t seq = from;
    Status checked;  // check()'s own failure names its seq and stays as it is
    const Status walked = ForEachLeaf(
        t, from, to,
        [&](uint64_t s, std::string_view leaf) {
          checked = check(s, leaf);
          return checked;
        },
        &seq);
    if (!walked.ok())
      out[seq - from].status = checked.ok() ? Status::DataLoss(walked.message()) : checked;
  };
  const tiles::Span leaves = tiles::SpanAt(size, 0);
  std::string leaf_tile;                          // the stored hashes of the current leaves' tile
  std::array<std::string, tiles::kLevels> above;  // tile levels 1 and up, as recomputed
  const uint64_t kChunk = std::max<uint64_t>(1, options_.verify_step);
  std::vector<LeafCheck> checks(kChunk);
  uint64_t index_entries = 0;
  for (uint64_t from = 0; from < size; from += kChunk) {
    const uint64_t to = std::min(size, from + kChunk);
    for (LeafCheck& c : checks) c = LeafCheck();
    const uint64_t half = helper_may_read ? from + (to - from) / 2 : from;
    Status helper_open = Status::Ok();
    std::thread helper;
    if (half > from) {
      helper = std::thread([&] {
        auto t = txn.vault().BeginRead();
        if (!t.ok()) {
          helper_open = t.status();
          return;
        }
        check_leaves(**t, half, to, checks.data() + (half - from));
      });
    }
    check_leaves(txn, from, half > from ? half : to, checks.data());
    if (helper.joinable()) helper.join();
    CUSTOS_RETURN_IF_ERROR(helper_open);
    for (uint64_t seq = from; seq < to; ++seq) {
      LeafCheck& c = checks[seq - from];
      CUSTOS_RETURN_IF_ERROR(c.status);
      index_entries += c.index_entries;
      // Its hash against the stored leaf hashes (a full tile; every node
      // of a vault from before tiles)...
      if (seq / tiles::kWidth < leaves.full || legacy_tree) {
        const uint64_t tile = seq / tiles::kWidth;
        if (seq % tiles::kWidth == 0 || leaf_tile.empty()) {
          auto t = stored_tree.Tile(0, tile, tile < leaves.full ? tiles::kWidth : leaves.partial);
          if (!t.ok()) return Status::DataLoss(SeqPrefix(seq) + t.status().message());
          leaf_tile = std::move(t).value();
        }
        if (leaf_tile.compare((seq % tiles::kWidth) * merkle::kHashSize, merkle::kHashSize,
                              c.hash) != 0) {
          return Status::DataLoss(SeqPrefix(seq) +
                                  "does not match its hash in the stored tree (tile 0/" +
                                  std::to_string(tile) + ")");
        }
      }
      // ...and the subtrees it completes against the tiles above.
      Status nodes = range.Append(
          std::move(c.hash), [&](int level, uint64_t index, const std::string& hash) -> Status {
            if (level % 8 != 0 || level == 0) return Status::Ok();
            const int tile_level = level / 8;
            if (tile_level >= tiles::kLevels) return Status::Ok();
            above[tile_level] += hash;
            if (above[tile_level].size() < tiles::kWidth * merkle::kHashSize) return Status::Ok();
            Status same =
                CompareTile(stored_tree, tile_level, index / tiles::kWidth, above[tile_level], seq);
            above[tile_level].clear();
            return same;
          });
      CUSTOS_RETURN_IF_ERROR(nodes);
      CUSTOS_RETURN_IF_ERROR(check_checkpoints());
    }
  }
  // The partial tiles above level 0, as stored.
  for (int level = 1; level < tiles::kLevels; ++level) {
    if (above[level].empty()) continue;
    CUSTOS_RETURN_IF_ERROR(CompareTile(stored_tree, level, tiles::SpanAt(size, level).full,
                                       above[level], size == 0 ? 0 : size - 1));
  }
  if (next_cp < cp_sizes.size()) {
    return Status::DataLoss(CheckpointPrefix(cp_sizes[next_cp]) + "is beyond the log's size " +
                            std::to_string(size) + ": events were removed");
  }
  // (Nothing indexed: the index is not read, and a vault from before it
  // opened read-only has no such table.)
  uint64_t stored_entries = 0;
  if (indexed > 0 || denials_indexed > 0) {
    CUSTOS_ASSIGN_OR_RETURN(stored_entries, txn.Count(tables::kAuditIndex));
  }
  if (stored_entries != index_entries) {
    return Status::DataLoss("index: holds " + std::to_string(stored_entries) + " entries, the " +
                            std::to_string(indexed) + " events it covers need " +
                            std::to_string(index_entries));
  }
  report.indexed = indexed;
  report.denials_indexed = denials_indexed;
  report.size = size;
  report.root = range.Root();
  return report;
}

}  // namespace custos::vault
