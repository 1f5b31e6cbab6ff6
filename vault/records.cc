#include "vault/records.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "base/encoding.h"
#include "policy/anomaly.h"
#include "policy/rules.h"
#include "vault/access/alerts.h"
#include "vault/crypto.h"
#include "vault/handover.h"
#include "vault/legal_hold.h"
#include "vault/loans.h"
#include "vault/sealed_cache.h"
#include "vault/versions.h"

namespace custos::vault {
namespace {

// The "via" of a pending transfer (legal_hold.h) made by ReassignOwner.
constexpr std::string_view kTransferByReassign = "reassign";

// Whether a new marking lowers the record's: a lower classification, or a
// declassification date set where there was none or moved earlier.
bool LowersClassification(const RecordMeta& meta, policy::Classification classification,
                          std::string_view declassify_on) {
  if (classification < meta.classification) return true;
  if (declassify_on.empty() || declassify_on == meta.declassify_on) return false;
  return meta.declassify_on.empty() || declassify_on < meta.declassify_on;
}

// The marking version `n` of a record was stored with (its metadata
// snapshot), for judging a view of an older version.
Result<policy::Classification> VersionLevel(const ReadTxn& txn, std::string_view record_id,
                                            uint32_t n) {
  CUSTOS_ASSIGN_OR_RETURN(std::string raw, GetVersion(txn, tables::kRecords, record_id, n));
  auto meta_text = json::MemberText(raw, "meta");
  if (!meta_text.ok()) return Status::DataLoss("malformed record version");
  auto cls = json::MemberText(*meta_text, "classification");
  if (!cls.ok() || cls->size() < 2) return Status::DataLoss("malformed record version");
  auto level = policy::ParseClassification(cls->substr(1, cls->size() - 2));
  if (!level.ok()) return Status::DataLoss("malformed record version");
  return *level;
}

json::Value ChangeJson(std::string_view from, std::string_view to) {
  json::Value c = json::Value::MakeObject();
  c["from"] = from;
  c["to"] = to;
  return c;
}

constexpr int64_t kMillisPerDay = int64_t{86400} * 1000;
// Quota counters keep at most this many recent view times per user and record.
constexpr size_t kMaxRecentViews = 1024;

json::Value StringArray(const std::vector<std::string>& v) {
  json::Value a = json::Value::MakeArray();
  for (const std::string& s : v) a.Push(s);
  return a;
}

Result<std::vector<std::string>> GetStringArray(const json::Value& obj, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* a = obj.Find(key);
  if (a == nullptr || a->is_null()) return out;
  if (!a->is_array()) return Status::InvalidArgument(std::string(key) + " must be an array");
  for (const json::Value& s : a->as_array()) {
    if (!s.is_string()) return Status::InvalidArgument(std::string(key) + " must hold strings");
    out.push_back(s.as_string());
  }
  return out;
}

std::string OwnKey(std::string_view id, uint32_t n) {
  std::string k = "own/";
  k += id;
  k.push_back('\0');
  k += EncodeU32(n);
  return k;
}

std::string OwnPrefix(std::string_view id) {
  std::string k = "own/";
  k += id;
  k.push_back('\0');
  return k;
}

std::string ViewCountKey(std::string_view user, std::string_view record) {
  std::string k(user);
  k.push_back('\0');
  k += record;
  return k;
}

// Flattens a JSON value into path → serialized leaf, for the field diff.
void Flatten(const json::Value& v, const std::string& path,
             std::map<std::string, std::string>* out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object())
      Flatten(child, path.empty() ? k : path + "." + k, out);
    return;
  }
  if (v.is_array()) {
    const json::Array& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) Flatten(a[i], path + "[" + std::to_string(i) + "]", out);
    return;
  }
  (*out)[path] = json::Serialize(v);
}

json::Value VersionToJson(const RecordVersion& v) {
  json::Value o = json::Value::MakeObject();
  o["record_id"] = v.record_id;
  o["version"] = v.version;
  o["author"] = v.author_id;
  o["time"] = v.time;
  o["reason"] = v.reason;
  o["meta"] = v.meta.ToJson();
  o["content"] = v.content.ToJson();
  return o;
}

Result<RecordVersion> VersionFromJson(std::string_view text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(text));
  RecordVersion v;
  CUSTOS_ASSIGN_OR_RETURN(v.record_id, json::GetString(o, "record_id"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t n, json::GetInt(o, "version"));
  v.version = static_cast<uint32_t>(n);
  CUSTOS_ASSIGN_OR_RETURN(v.author_id, json::GetStringOr(o, "author", ""));
  CUSTOS_ASSIGN_OR_RETURN(v.time, json::GetIntOr(o, "time", 0));
  CUSTOS_ASSIGN_OR_RETURN(v.reason, json::GetStringOr(o, "reason", ""));
  const json::Value* m = o.Find("meta");
  const json::Value* c = o.Find("content");
  if (m == nullptr || c == nullptr) return Status::DataLoss("malformed record version");
  CUSTOS_ASSIGN_OR_RETURN(v.meta, RecordMeta::FromJson(*m));
  CUSTOS_ASSIGN_OR_RETURN(v.content, RecordContent::FromJson(*c));
  return v;
}

Result<OwnershipChange> OwnershipFromJson(std::string_view text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(text));
  OwnershipChange c;
  CUSTOS_ASSIGN_OR_RETURN(int64_t idx, json::GetInt(o, "index"));
  c.index = static_cast<uint32_t>(idx);
  CUSTOS_ASSIGN_OR_RETURN(c.from, json::GetStringOr(o, "from", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.to, json::GetString(o, "to"));
  CUSTOS_ASSIGN_OR_RETURN(c.by, json::GetStringOr(o, "by", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.at, json::GetIntOr(o, "at", 0));
  CUSTOS_ASSIGN_OR_RETURN(c.reason, json::GetStringOr(o, "reason", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(o, "audit_seq", 0));
  c.audit_seq = static_cast<uint64_t>(seq);
  return c;
}

Status AppendOwnership(WriteTxn& txn, std::string_view record_id, OwnershipChange c) {
  c.index = 1;
  auto last = txn.LastKeyWithPrefix(tables::kIndex, OwnPrefix(record_id));
  if (last.ok()) {
    c.index = DecodeU32(std::string_view(*last).substr(last->size() - 4)) + 1;
  } else if (last.status().code() != StatusCode::kNotFound) {
    return last.status();
  }
  json::Value o = json::Value::MakeObject();
  o["index"] = c.index;
  o["from"] = c.from;
  o["to"] = c.to;
  o["by"] = c.by;
  o["at"] = c.at;
  o["reason"] = c.reason;
  o["audit_seq"] = c.audit_seq;
  return txn.Insert(tables::kIndex, OwnKey(record_id, c.index), json::Serialize(o));
}

Status PutMeta(WriteTxn& txn, const RecordMeta& meta) {
  return txn.Put(tables::kRecordIndex, meta.id, json::Serialize(meta.ToJson()));
}

Status CheckUserExists(const ReadTxn& txn, const std::string& id, std::string_view what) {
  if (id.empty()) return Status::Ok();
  auto u = GetUser(txn, id);
  if (!u.ok()) {
    if (u.status().code() == StatusCode::kNotFound)
      return Status::InvalidArgument(std::string(what) + " is not a known user");
    return u.status();
  }
  return Status::Ok();
}

struct ViewCount {
  int64_t total = 0;
  std::vector<UnixMillis> recent;
};

// Stored form: 0x01, then u64 total, then the recent view times as u64
// milliseconds (big-endian, oldest first). Views run on the committer
// thread; a JSON array of up to 1 024 numbers parsed and rewritten on every
// view cost more than the rest of the view. The older JSON form
// {"n":total,"t":[ms,...]} is still read.
constexpr char kViewCountFormat = '\x01';

Result<ViewCount> ReadViewCount(const ReadTxn& txn, const std::string& key) {
  ViewCount c;
  auto raw = txn.Get(tables::kViewCounts, key);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return c;
    return raw.status();
  }
  std::string_view r = *raw;
  if (!r.empty() && r[0] == kViewCountFormat) {
    if (r.size() < 9 || (r.size() - 9) % 8 != 0) return Status::DataLoss("view count is damaged");
    c.total = static_cast<int64_t>(DecodeU64(r.substr(1, 8)));
    c.recent.reserve((r.size() - 9) / 8);
    for (size_t at = 9; at < r.size(); at += 8) {
      c.recent.push_back(static_cast<UnixMillis>(DecodeU64(r.substr(at, 8))));
    }
    return c;
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(r));
  CUSTOS_ASSIGN_OR_RETURN(c.total, json::GetIntOr(o, "n", 0));
  if (const json::Value* t = o.Find("t"); t != nullptr && t->is_array()) {
    for (const json::Value& x : t->as_array()) c.recent.push_back(x.as_int());
  }
  return c;
}

int ViewsInWindow(const ViewCount& c, int window_days, UnixMillis now) {
  if (window_days <= 0) return static_cast<int>(c.total);
  const UnixMillis from = now - window_days * kMillisPerDay;
  return static_cast<int>(
      std::count_if(c.recent.begin(), c.recent.end(), [&](UnixMillis t) { return t > from; }));
}

// Records `views` more views at `now`.
Status WriteViewCount(WriteTxn& txn, const std::string& key, ViewCount c, UnixMillis now,
                      int views = 1) {
  c.total += views;
  for (int i = 0; i < views; ++i) c.recent.push_back(now);
  size_t first = c.recent.size() > kMaxRecentViews ? c.recent.size() - kMaxRecentViews : 0;
  std::string raw;
  raw.reserve(9 + 8 * (c.recent.size() - first));
  raw += kViewCountFormat;
  raw += EncodeU64(static_cast<uint64_t>(c.total));
  for (size_t i = first; i < c.recent.size(); ++i) {
    raw += EncodeU64(static_cast<uint64_t>(c.recent[i]));
  }
  return txn.Put(tables::kViewCounts, key, raw);
}

// The attempt to create the record `id` (its event: "record.create").
access::Attempt CreateAttempt(const std::string& id, std::string_view reason) {
  access::Attempt a;
  a.action = policy::Action::kCreateRecord;
  a.event_action = "record.create";
  a.object_type = "record";
  a.object_id = id;
  a.reason = std::string(reason);
  return a;
}

// An attempt on an existing record (the event's object id is completed
// from its metadata once read).
access::Attempt RecordAttempt(policy::Action action, std::string event_action,
                              std::string_view record_id, std::string_view reason) {
  access::Attempt a;
  a.action = action;
  a.event_action = std::move(event_action);
  a.object_type = "record";
  a.object_id = std::string(record_id);
  a.reason = std::string(reason);
  return a;
}

// The record facts of a record about to be created by `user`.
policy::RecordFacts NewRecordFacts(const std::string& id, const NewRecord& record,
                                   const User& user) {
  return policy::RecordFacts{id, record.classification,
                             record.owner_id.empty() ? user.id : record.owner_id, user.id,
                             record.custodian_id};
}

std::string NewRecordId(RecordKind kind) {
  return (kind == RecordKind::kCustomer ? "c-" : "d-") + HexEncode(RandomBytes(8));
}

}  // namespace

// ---- value types ----------------------------------------------------------------

std::string_view RecordKindId(RecordKind k) {
  return k == RecordKind::kCustomer ? "customer" : "document";
}

Result<RecordKind> ParseRecordKind(std::string_view id) {
  if (id == "customer") return RecordKind::kCustomer;
  if (id == "document") return RecordKind::kDocument;
  return Status::InvalidArgument("unknown record kind '" + std::string(id) + "'");
}

json::Value RecordContent::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["registration_number"] = registration_number;
  o["address"] = address;
  json::Value cs = json::Value::MakeArray();
  for (const Contact& c : contacts) {
    json::Value x = json::Value::MakeObject();
    x["name"] = c.name;
    x["title"] = c.title;
    x["phone"] = c.phone;
    x["email"] = c.email;
    x["wechat"] = c.wechat;
    cs.Push(std::move(x));
  }
  o["contacts"] = std::move(cs);
  o["business_status"] = business_status;
  o["trading_habits"] = trading_habits;
  o["order_volumes"] = order_volumes;
  o["order_cycle"] = order_cycle;
  o["price_tolerance"] = price_tolerance;
  o["agreed_prices"] = agreed_prices;
  o["intentions"] = intentions;
  o["preferences"] = preferences;
  o["character_notes"] = character_notes;
  json::Value ds = json::Value::MakeArray();
  for (const KeyDate& d : key_dates) {
    json::Value x = json::Value::MakeObject();
    x["date"] = d.date;
    x["label"] = d.label;
    ds.Push(std::move(x));
  }
  o["key_dates"] = std::move(ds);
  o["notes"] = notes;
  return o;
}

Result<RecordContent> RecordContent::FromJson(const json::Value& o) {
  if (!o.is_object()) return Status::InvalidArgument("record content must be an object");
  RecordContent c;
  CUSTOS_ASSIGN_OR_RETURN(c.registration_number, json::GetStringOr(o, "registration_number", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.address, json::GetStringOr(o, "address", ""));
  if (const json::Value* cs = o.Find("contacts"); cs != nullptr && cs->is_array()) {
    for (const json::Value& x : cs->as_array()) {
      Contact k;
      CUSTOS_ASSIGN_OR_RETURN(k.name, json::GetStringOr(x, "name", ""));
      CUSTOS_ASSIGN_OR_RETURN(k.title, json::GetStringOr(x, "title", ""));
      CUSTOS_ASSIGN_OR_RETURN(k.phone, json::GetStringOr(x, "phone", ""));
      CUSTOS_ASSIGN_OR_RETURN(k.email, json::GetStringOr(x, "email", ""));
      CUSTOS_ASSIGN_OR_RETURN(k.wechat, json::GetStringOr(x, "wechat", ""));
      c.contacts.push_back(std::move(k));
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(c.business_status, json::GetStringOr(o, "business_status", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.trading_habits, json::GetStringOr(o, "trading_habits", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.order_volumes, json::GetStringOr(o, "order_volumes", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.order_cycle, json::GetStringOr(o, "order_cycle", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.price_tolerance, json::GetStringOr(o, "price_tolerance", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.agreed_prices, json::GetStringOr(o, "agreed_prices", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.intentions, json::GetStringOr(o, "intentions", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.preferences, json::GetStringOr(o, "preferences", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.character_notes, json::GetStringOr(o, "character_notes", ""));
  if (const json::Value* ds = o.Find("key_dates"); ds != nullptr && ds->is_array()) {
    for (const json::Value& x : ds->as_array()) {
      KeyDate d;
      CUSTOS_ASSIGN_OR_RETURN(d.date, json::GetStringOr(x, "date", ""));
      CUSTOS_ASSIGN_OR_RETURN(d.label, json::GetStringOr(x, "label", ""));
      c.key_dates.push_back(std::move(d));
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(c.notes, json::GetStringOr(o, "notes", ""));
  return c;
}

json::Value RecordMeta::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["id"] = id;
  o["kind"] = RecordKindId(kind);
  o["name"] = name;
  o["classification"] = policy::ClassificationId(classification);
  o["declassify_on"] = declassify_on;
  o["owner"] = owner_id;
  o["author"] = author_id;
  o["custodian"] = custodian_id;
  o["tags"] = StringArray(tags);
  o["status"] = status;
  json::Value p = json::Value::MakeObject();
  p["room"] = paper.room;
  p["cabinet"] = paper.cabinet;
  p["box"] = paper.box;
  o["paper"] = std::move(p);
  o["latest_version"] = latest_version;
  o["created"] = created;
  o["updated"] = updated;
  o["revision"] = revision;
  return o;
}

Result<RecordMeta> RecordMeta::FromJson(const json::Value& o) {
  if (!o.is_object()) return Status::DataLoss("record metadata must be an object");
  RecordMeta m;
  CUSTOS_ASSIGN_OR_RETURN(m.id, json::GetString(o, "id"));
  CUSTOS_ASSIGN_OR_RETURN(std::string kind, json::GetStringOr(o, "kind", "customer"));
  CUSTOS_ASSIGN_OR_RETURN(m.kind, ParseRecordKind(kind));
  CUSTOS_ASSIGN_OR_RETURN(m.name, json::GetStringOr(o, "name", ""));
  CUSTOS_ASSIGN_OR_RETURN(std::string cls, json::GetString(o, "classification"));
  CUSTOS_ASSIGN_OR_RETURN(m.classification, policy::ParseClassification(cls));
  CUSTOS_ASSIGN_OR_RETURN(m.declassify_on, json::GetStringOr(o, "declassify_on", ""));
  CUSTOS_ASSIGN_OR_RETURN(m.owner_id, json::GetStringOr(o, "owner", ""));
  CUSTOS_ASSIGN_OR_RETURN(m.author_id, json::GetStringOr(o, "author", ""));
  CUSTOS_ASSIGN_OR_RETURN(m.custodian_id, json::GetStringOr(o, "custodian", ""));
  CUSTOS_ASSIGN_OR_RETURN(m.tags, GetStringArray(o, "tags"));
  CUSTOS_ASSIGN_OR_RETURN(m.status, json::GetStringOr(o, "status", "active"));
  if (const json::Value* p = o.Find("paper"); p != nullptr && p->is_object()) {
    CUSTOS_ASSIGN_OR_RETURN(m.paper.room, json::GetStringOr(*p, "room", ""));
    CUSTOS_ASSIGN_OR_RETURN(m.paper.cabinet, json::GetStringOr(*p, "cabinet", ""));
    CUSTOS_ASSIGN_OR_RETURN(m.paper.box, json::GetStringOr(*p, "box", ""));
  }
  CUSTOS_ASSIGN_OR_RETURN(int64_t lv, json::GetIntOr(o, "latest_version", 0));
  m.latest_version = static_cast<uint32_t>(lv);
  CUSTOS_ASSIGN_OR_RETURN(m.created, json::GetIntOr(o, "created", 0));
  CUSTOS_ASSIGN_OR_RETURN(m.updated, json::GetIntOr(o, "updated", 0));
  CUSTOS_ASSIGN_OR_RETURN(int64_t rev, json::GetIntOr(o, "revision", 0));
  m.revision = static_cast<uint64_t>(rev);
  return m;
}

std::vector<FieldChange> DiffVersions(const RecordVersion& a, const RecordVersion& b) {
  static const std::set<std::string> kIgnored = {"meta.id", "meta.latest_version", "meta.created",
                                                 "meta.updated", "meta.revision"};
  std::map<std::string, std::string> fa;
  std::map<std::string, std::string> fb;
  json::Value ja = json::Value::MakeObject();
  ja["meta"] = a.meta.ToJson();
  ja["content"] = a.content.ToJson();
  json::Value jb = json::Value::MakeObject();
  jb["meta"] = b.meta.ToJson();
  jb["content"] = b.content.ToJson();
  Flatten(ja, "", &fa);
  Flatten(jb, "", &fb);
  std::set<std::string> keys;
  for (const auto& [k, v] : fa) keys.insert(k);
  for (const auto& [k, v] : fb) keys.insert(k);
  std::vector<FieldChange> out;
  for (const std::string& k : keys) {
    if (kIgnored.count(k) != 0) continue;
    auto ia = fa.find(k);
    auto ib = fb.find(k);
    std::string before = ia == fa.end() ? "" : ia->second;
    std::string after = ib == fb.end() ? "" : ib->second;
    if (before != after) out.push_back(FieldChange{k, std::move(before), std::move(after)});
  }
  return out;
}

Result<RecordVersion> ReadRecordVersion(const ReadTxn& txn, std::string_view record_id,
                                        uint32_t version) {
  CUSTOS_ASSIGN_OR_RETURN(std::string raw, GetVersion(txn, tables::kRecords, record_id, version));
  return VersionFromJson(raw);
}

// ---- Archive: plumbing ------------------------------------------------------------

Result<std::unique_ptr<Archive>> Archive::Open(Vault& vault, const AuditLog& log) {
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  CUSTOS_RETURN_IF_ERROR(EnsureLoanIndex(vault));
  std::unique_ptr<Archive> a(new Archive(vault, log));
  CUSTOS_RETURN_IF_ERROR(a->BuildCatalog());
  return a;
}

Status Archive::BuildCatalog() {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  std::map<std::string, RecordMeta, std::less<>> built;
  CUSTOS_RETURN_IF_ERROR(r->Scan(tables::kRecordIndex, "",
                                 [&](std::string_view, std::string_view value) -> Result<bool> {
                                   CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
                                   CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, RecordMeta::FromJson(v));
                                   built.emplace(m.id, std::move(m));
                                   return true;
                                 }));
  std::unique_lock lock(catalog_mu_);
  entries_.reserve(built.size());
  for (auto& [id, m] : built) PutInCatalogLocked(std::move(m));
  return Status::Ok();
}

uint32_t Archive::InternLocked(const std::string& s) {
  auto it = intern_.find(s);
  if (it != intern_.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(strings_.size());
  strings_.push_back(s);
  intern_.emplace(s, id);
  return id;
}

void Archive::PutInCatalogLocked(RecordMeta meta) {
  auto it = catalog_.find(meta.id);
  if (it != catalog_.end() && it->second.revision > meta.revision) return;
  const std::string id = meta.id;
  RecordMeta& stored = catalog_[id];
  stored = std::move(meta);
  CatalogEntry e;
  e.name = stored.name;
  e.owner = InternLocked(stored.owner_id);
  e.author = InternLocked(stored.author_id);
  e.custodian = InternLocked(stored.custodian_id);
  e.status = InternLocked(stored.status);
  for (const std::string& t : stored.tags) e.tags.push_back(InternLocked(t));
  e.classification = stored.classification;
  e.kind = stored.kind;
  e.meta = &stored;
  auto pos = entry_pos_.find(id);
  if (pos == entry_pos_.end()) {
    entry_pos_.emplace(id, entries_.size());
    entries_.push_back(std::move(e));
  } else {
    entries_[pos->second] = std::move(e);
  }
}

Status Archive::WriteNextVersion(WriteTxn& txn, RecordMeta* meta, std::string_view author_id,
                                 UnixMillis now, std::string_view reason,
                                 const RecordContent& content) {
  meta->updated = now;
  meta->revision += 1;
  meta->latest_version += 1;
  RecordVersion v{meta->id, meta->latest_version, std::string(author_id),
                  now,      std::string(reason),  *meta,
                  content};
  CUSTOS_ASSIGN_OR_RETURN(uint32_t n, AppendVersion(txn, tables::kRecords, meta->id,
                                                    json::Serialize(VersionToJson(v))));
  if (n != meta->latest_version) return Status::DataLoss("record versions out of step");
  CUSTOS_RETURN_IF_ERROR(PutMeta(txn, *meta));
  CatalogOnCommit(txn, *meta);
  return Status::Ok();
}

void Archive::CatalogOnCommit(WriteTxn& txn, const RecordMeta& meta) {
  txn.OnCommit([this, meta] {
    std::unique_lock lock(catalog_mu_);
    PutInCatalogLocked(meta);
  });
}

Result<std::shared_ptr<const policy::Policy>> Archive::PolicyAt(const ReadTxn& txn) const {
  return gate_.PolicyAt(txn);
}

namespace {

SealedCache<RecordMeta>& MetaCache() {
  static auto* cache = new SealedCache<RecordMeta>();
  return *cache;
}

}  // namespace

policy::RecordFacts Archive::RecordFactsFor(const RecordMeta& meta) {
  policy::RecordFacts r;
  r.id = meta.id;
  r.classification = meta.classification;
  r.owner_id = meta.owner_id;
  r.author_id = meta.author_id;
  r.custodian_id = meta.custodian_id;
  return r;
}

Result<RecordMeta> Archive::ReadMeta(const ReadTxn& txn, std::string_view record_id) {
  return MetaCache().Get(txn, tables::kRecordIndex, record_id, [&]() -> Result<RecordMeta> {
    auto raw = txn.Get(tables::kRecordIndex, record_id);
    if (!raw.ok()) {
      if (raw.status().code() == StatusCode::kNotFound) return Status::NotFound("no such record");
      return raw.status();
    }
    CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
    return RecordMeta::FromJson(v);
  });
}

// ---- records --------------------------------------------------------------------

Result<RecordMeta> Archive::CreateRecordIn(WriteTxn& txn, const policy::Permit& permit,
                                           const NewRecord& record, std::string_view reason,
                                           uint64_t audit_seq) {
  if (permit.action() != policy::Action::kCreateRecord || permit.record_id().empty())
    return Status::PermissionDenied("permit does not allow creating this record");
  const UnixMillis now = NowMillis();
  RecordMeta meta;
  meta.id = permit.record_id();
  meta.kind = record.kind;
  meta.name = record.name;
  meta.classification = record.classification;
  meta.declassify_on = record.declassify_on;
  meta.owner_id = record.owner_id.empty() ? permit.actor_id() : record.owner_id;
  meta.author_id = permit.actor_id();
  meta.custodian_id = record.custodian_id;
  meta.tags = record.tags;
  meta.status = record.status.empty() ? "active" : record.status;
  meta.paper = record.paper;
  meta.created = now;
  meta.updated = now;
  meta.revision = 1;
  meta.latest_version = 1;
  RecordVersion v{meta.id, 1, permit.actor_id(), now, std::string(reason), meta, record.content};
  CUSTOS_ASSIGN_OR_RETURN(
      uint32_t n, AppendVersion(txn, tables::kRecords, meta.id, json::Serialize(VersionToJson(v))));
  if (n != 1) return Status::AlreadyExists("record id collision");
  CUSTOS_RETURN_IF_ERROR(PutMeta(txn, meta));
  CUSTOS_RETURN_IF_ERROR(AppendOwnership(txn, meta.id,
                                         OwnershipChange{0, "", meta.owner_id, permit.actor_id(),
                                                         now, std::string(reason), audit_seq}));
  CatalogOnCommit(txn, meta);
  return meta;
}

Result<RecordMeta> Archive::CreateRecord(const Caller& caller, const NewRecord& record,
                                         std::string_view reason) {
  if (record.name.empty()) return Status::InvalidArgument("a record needs a name");
  const std::string id = NewRecordId(record.kind);
  RecordMeta out;
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, CreateAttempt(id, reason),
              [&](const ReadTxn& txn, const User& user, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, record.owner_id, "the owner"));
                CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, record.custodian_id, "the custodian"));
                f.record = NewRecordFacts(id, record, user);
                e.object.version = 1;
                e.details["classification"] = policy::ClassificationId(record.classification);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(out, CreateRecordIn(txn, *o.permit, record, reason, o.seq));
                return Status::Ok();
              })
          .status());
  return out;
}

Result<std::vector<RecordMeta>> Archive::CreateRecords(const Caller& caller,
                                                       const std::vector<NewRecord>& records,
                                                       std::string_view reason) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].name.empty())
      return Status::InvalidArgument("record " + std::to_string(i + 1) + ": a record needs a name");
    ids.push_back(NewRecordId(records[i].kind));
  }
  std::vector<RecordMeta> out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    out.clear();
    const UnixMillis now = NowMillis();
    const auto prepare = [&](size_t i, bool with_details) -> access::Prepare {
      return [&, i, with_details](const ReadTxn& t, const User& user, policy::Facts& f,
                                  AuditEvent& e) -> Status {
        const NewRecord& record = records[i];
        CUSTOS_RETURN_IF_ERROR(CheckUserExists(t, record.owner_id, "the owner")
                                   .Annotate("record " + std::to_string(i + 1)));
        CUSTOS_RETURN_IF_ERROR(CheckUserExists(t, record.custodian_id, "the custodian")
                                   .Annotate("record " + std::to_string(i + 1)));
        f.record = NewRecordFacts(ids[i], record, user);
        f.now = now;
        e.object.version = 1;
        if (with_details) {
          e.details["classification"] = policy::ClassificationId(record.classification);
        }
        return Status::Ok();
      };
    };
    // All or nothing: every record is decided first (advisory, in this same
    // transaction); a refusal is recorded alone, as the one event.
    for (size_t i = 0; i < records.size(); ++i) {
      CUSTOS_ASSIGN_OR_RETURN(
          access::Outcome peek,
          gate_.Peek(txn, caller, CreateAttempt(ids[i], reason), prepare(i, false)));
      if (peek.allowed) continue;
      CUSTOS_ASSIGN_OR_RETURN(
          access::Outcome o,
          gate_.Decide(txn, caller, CreateAttempt(ids[i], reason), prepare(i, false)));
      denied = o.allowed ? Status::Aborted("the decision changed; try again")
                         : o.refusal.Annotate("record " + std::to_string(i + 1));
      return Status::Ok();
    }
    for (size_t i = 0; i < records.size(); ++i) {
      CUSTOS_ASSIGN_OR_RETURN(
          access::Outcome o,
          gate_.Decide(txn, caller, CreateAttempt(ids[i], reason), prepare(i, true)));
      if (!o.allowed) return Status::Aborted("the decision changed; try again");
      CUSTOS_ASSIGN_OR_RETURN(RecordMeta m,
                              CreateRecordIn(txn, *o.permit, records[i], reason, o.seq));
      out.push_back(std::move(m));
    }
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
  return out;
}

Result<RecordMeta> Archive::UpdateRecord(const Caller& caller, std::string_view record_id,
                                         const RecordUpdate& update, std::string_view reason) {
  if (update.name.empty()) return Status::InvalidArgument("a record needs a name");
  RecordMeta meta;
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller,
              RecordAttempt(policy::Action::kUpdateRecord, "record.update", record_id, reason),
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(meta, ReadMeta(txn, record_id));
                CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, update.custodian_id, "the custodian"));
                f.record = RecordFactsFor(meta);
                CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
                f.lowers_classification =
                    LowersClassification(meta, update.classification, update.declassify_on);
                e.object.id = meta.id;
                e.object.version = meta.latest_version + 1;
                if (update.classification != meta.classification) {
                  e.details["classification"] =
                      ChangeJson(policy::ClassificationId(meta.classification),
                                 policy::ClassificationId(update.classification));
                }
                if (update.declassify_on != meta.declassify_on) {
                  e.details["declassify_on"] = ChangeJson(meta.declassify_on, update.declassify_on);
                }
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                meta.name = update.name;
                meta.classification = update.classification;
                meta.declassify_on = update.declassify_on;
                meta.custodian_id = update.custodian_id;
                meta.tags = update.tags;
                meta.status = update.status.empty() ? "active" : update.status;
                meta.paper = update.paper;
                return WriteNextVersion(txn, &meta, o.user.id, o.now, reason, update.content);
              })
          .status());
  return meta;
}

Result<RecordMeta> Archive::LowerClassification(const Caller& caller, std::string_view record_id,
                                                policy::Classification classification,
                                                std::string_view declassify_on,
                                                std::string_view reason) {
  if (!declassify_on.empty()) CUSTOS_RETURN_IF_ERROR(ParseDate(declassify_on).status());
  RecordMeta meta;
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller,
              RecordAttempt(policy::Action::kLowerClassification, "record.reclassify", record_id,
                            reason),
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(meta, ReadMeta(txn, record_id));
                f.record = RecordFactsFor(meta);
                CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
                f.lowers_classification = LowersClassification(meta, classification, declassify_on);
                e.object.id = meta.id;
                e.object.version = meta.latest_version + 1;
                e.details["classification"] =
                    ChangeJson(policy::ClassificationId(meta.classification),
                               policy::ClassificationId(classification));
                e.details["declassify_on"] = ChangeJson(meta.declassify_on, declassify_on);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(RecordVersion latest,
                                        ReadRecordVersion(txn, meta.id, meta.latest_version));
                meta.classification = classification;
                meta.declassify_on = std::string(declassify_on);
                // The content is unchanged; the version's author is the
                // approver who decided the new marking.
                return WriteNextVersion(txn, &meta, o.user.id, o.now, reason, latest.content);
              })
          .status());
  return meta;
}

Result<RecordMeta> Archive::ReassignOwner(const Caller& caller, std::string_view record_id,
                                          std::string_view new_owner_id, std::string_view reason,
                                          bool* pending_second_approval) {
  RecordMeta meta;
  RecordMeta out;
  bool pending = false;
  const std::string target(new_owner_id);
  access::Attempt attempt =
      RecordAttempt(policy::Action::kReassignOwner, "record.reassign", record_id, reason);
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                pending = false;
                CUSTOS_ASSIGN_OR_RETURN(meta, ReadMeta(txn, record_id));
                if (target.empty()) return Status::InvalidArgument("the new owner is missing");
                CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, target, "the new owner"));
                f.record = RecordFactsFor(meta);
                f.target_user_id = target;
                CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
                CUSTOS_ASSIGN_OR_RETURN(
                    f.hold_first_approver,
                    HoldFirstApprover(txn, meta.id, target, kTransferByReassign));
                e.object.id = meta.id;
                e.details["from"] = meta.owner_id;
                e.details["to"] = target;
                if (f.record->legal_hold) e.details["legal_hold"] = true;
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                if (!o.decision.approvals_complete) {
                  // Under legal hold: the first of two approvals is kept; the
                  // owner stays.
                  pending = true;
                  out = meta;
                  return PutPendingTransfer(
                      txn, PendingTransfer{meta.id, target, o.user.id,
                                           std::string(kTransferByReassign), o.now, o.seq});
                }
                CUSTOS_RETURN_IF_ERROR(ClearPendingTransfer(txn, meta.id));
                CUSTOS_ASSIGN_OR_RETURN(
                    out, ReassignOwnerIn(txn, *o.permit, meta, target, reason, o.seq));
                return Status::Ok();
              },
              [](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                if (o.allowed && !o.decision.approvals_complete) {
                  e.outcome = "pending_second_approval";
                }
                return Status::Ok();
              })
          .status());
  if (pending_second_approval != nullptr) *pending_second_approval = pending;
  return out;
}

Result<RecordMeta> Archive::ReassignOwnerIn(WriteTxn& txn, const policy::Permit& permit,
                                            RecordMeta meta, std::string_view new_owner_id,
                                            std::string_view reason, uint64_t audit_seq) {
  if (permit.record_id() != meta.id || (permit.action() != policy::Action::kReassignOwner &&
                                        permit.action() != policy::Action::kConfirmHandover)) {
    return Status::Internal("ownership change without a matching permit");
  }
  const std::string target(new_owner_id);
  CUSTOS_RETURN_IF_ERROR(
      AppendOwnership(txn, meta.id,
                      OwnershipChange{0, meta.owner_id, target, permit.actor_id(),
                                      permit.decided_at(), std::string(reason), audit_seq}));
  meta.owner_id = target;
  meta.updated = permit.decided_at();
  meta.revision += 1;
  CUSTOS_RETURN_IF_ERROR(PutMeta(txn, meta));
  CatalogOnCommit(txn, meta);
  return meta;
}

Result<std::vector<RecordMeta>> Archive::DeclassifyDue(CivilDate today) {
  static constexpr std::string_view kDeclassifyRule = "record.declassify_on";
  std::vector<std::string> due;
  {
    std::shared_lock lock(catalog_mu_);
    for (const auto& [id, m] : catalog_) {
      if (m.declassify_on.empty() || m.classification == policy::Classification::kPublic) continue;
      auto date = ParseDate(m.declassify_on);
      if (date.ok() && !(today < *date)) due.push_back(id);
    }
  }
  std::vector<RecordMeta> out;
  if (due.empty()) return out;
  const std::string today_text = FormatDate(today);
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    out.clear();
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    for (const std::string& id : due) {
      CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(txn, id));
      auto date = ParseDate(meta.declassify_on);  // re-checked: it may have changed
      if (meta.classification == policy::Classification::kPublic || !date.ok() || today < *date)
        continue;
      // A record under legal hold keeps its marking until the hold is
      // lifted; the next sweep after that declassifies it.
      CUSTOS_ASSIGN_OR_RETURN(bool held, RecordOnHold(txn, meta.id));
      if (held) continue;
      CUSTOS_ASSIGN_OR_RETURN(RecordVersion latest,
                              ReadRecordVersion(txn, meta.id, meta.latest_version));
      const UnixMillis now = NowMillis();
      AuditEvent e;  // the system: no actor, session or place
      e.action = "record.declassify";
      e.object = {"record", meta.id, static_cast<int64_t>(meta.latest_version + 1)};
      e.decision = AuditDecision::kAllow;
      e.rule = std::string(kDeclassifyRule);
      e.policy = policy->digest();
      e.outcome = "ok";
      e.details["from"] = policy::ClassificationId(meta.classification);
      e.details["declassify_on"] = meta.declassify_on;
      e.details["today"] = today_text;
      CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_.Append(txn, e));
      (void)seq;
      const std::string reason =
          "解密日期已到 / declassification date reached (" + meta.declassify_on + ")";
      meta.classification = policy::Classification::kPublic;
      meta.declassify_on.clear();
      CUSTOS_RETURN_IF_ERROR(WriteNextVersion(txn, &meta, "", now, reason, latest.content));
      out.push_back(meta);
    }
    return Status::Ok();
  }));
  return out;
}

// ---- alerts on access attempts ----------------------------------------------------

// ---- views ------------------------------------------------------------------------

Result<ViewResult> Archive::ViewIn(const Caller& caller, std::string_view record_id,
                                   std::string_view reason, const ViewOptions& options,
                                   std::vector<uint32_t> extra_versions,
                                   std::vector<RecordVersion>* extra_out) {
  ViewResult out;
  RecordMeta meta;
  uint32_t version = 0;
  std::optional<Loan> loan;
  policy::Classification level = policy::Classification::kTopSecret;
  std::string count_key;
  ViewCount count;
  // Every version shown is a view: a comparison of two versions uses two
  // of the quota, so it needs room for both.
  const int views_taken = static_cast<int>(extra_versions.size()) + 1;
  access::Attempt attempt =
      RecordAttempt(policy::Action::kViewContent, "record.view", record_id, reason);
  attempt.alert_record_id = std::string(record_id);
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User& user, policy::Facts& f, AuditEvent& e) -> Status {
                out = ViewResult();
                if (extra_out != nullptr) extra_out->clear();
                CUSTOS_ASSIGN_OR_RETURN(meta, ReadMeta(txn, record_id));
                version = options.version == 0 ? meta.latest_version : options.version;
                if (version == 0 || version > meta.latest_version)
                  return Status::NotFound("no such version of the record");
                for (uint32_t x : extra_versions) {
                  if (x == 0 || x > meta.latest_version)
                    return Status::NotFound("no such version of the record");
                }
                if (!options.loan_id.empty()) {
                  CUSTOS_ASSIGN_OR_RETURN(loan, GetLoan(txn, options.loan_id));
                } else {
                  CUSTOS_ASSIGN_OR_RETURN(
                      loan, FindOpenLoan(txn, meta.id, user.id, policy::LoanKind::kView));
                }
                // SECURITY: a version is judged at the higher of its own
                // stored marking and the record's current one, so lowering a
                // record never opens the versions written while it was
                // marked higher.
                level = meta.classification;
                std::vector<uint32_t> shown = extra_versions;
                shown.push_back(version);
                for (uint32_t v : shown) {
                  if (v == meta.latest_version) continue;  // stored with the current marking
                  CUSTOS_ASSIGN_OR_RETURN(policy::Classification stored,
                                          VersionLevel(txn, meta.id, v));
                  level = std::max(level, stored);
                }
                CUSTOS_ASSIGN_OR_RETURN(auto policy, gate_.PolicyAt(txn));
                const policy::ClassificationRules& cr = policy->rules(level);
                count_key = ViewCountKey(user.id, meta.id);
                CUSTOS_ASSIGN_OR_RETURN(count, ReadViewCount(txn, count_key));
                // Departures (handover.h): during the notice period a record
                // in the viewer's pending handover stays viewable; the engine
                // reads this fact.
                CUSTOS_ASSIGN_OR_RETURN(f.actor.in_handover, InPendingHandover(txn, user, meta.id));
                f.record = RecordFactsFor(meta);
                f.record->classification = level;
                if (loan) f.loan = loan->Facts();
                f.views_used = ViewsInWindow(count, cr.quota_window_days, f.now) + views_taken - 1;
                e.object.id = meta.id;
                e.object.version = version;
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                CUSTOS_RETURN_IF_ERROR(WriteViewCount(txn, count_key, count, o.now, views_taken));
                if (loan && o.rule == policy::rules::kAllowViewLoan) {
                  CUSTOS_RETURN_IF_ERROR(MarkLoanUsed(txn, *loan, o.user.id, o.seq));
                  out.loan_id = loan->id;
                }
                out.meta = meta;
                out.viewer_id = o.user.id;
                out.viewer_name = o.user.display_name;
                out.time = o.now;
                out.audit_seq = o.seq;
                out.views_used = o.facts.views_used + 1;
                out.views_left = o.decision.views_left_after;
                out.rule = o.rule;
                out.permit = o.permit;
                out.version.record_id = meta.id;
                out.version.version = version;
                return Status::Ok();
              },
              [&](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                const int used = o.facts.views_used;
                e.details["classification"] = policy::ClassificationId(level);
                e.details["views_used"] = o.allowed ? used + 1 : used - views_taken + 1;
                if (o.decision.view_quota) {
                  e.details["view_quota"] = *o.decision.view_quota;
                  e.details["views_left"] = o.decision.views_left_after.value_or(0);
                } else {
                  e.details["view_quota"] = "unlimited";
                }
                if (loan) e.details["loan"] = loan->id;
                if (!extra_versions.empty()) {
                  json::Value xs = json::Value::MakeArray();
                  for (uint32_t x : extra_versions) xs.Push(x);
                  e.details["compared_versions"] = std::move(xs);
                }
                return Status::Ok();
              })
          .status());
  // The content is read only now, after the view and its event are durable,
  // and off the committer thread: versions are immutable, so what the
  // transaction allowed is exactly what is read here.
  CUSTOS_ASSIGN_OR_RETURN(auto read, vault_.BeginRead());
  if (options.content_as_json) {
    CUSTOS_ASSIGN_OR_RETURN(std::string raw,
                            GetVersion(*read, tables::kRecords, out.meta.id, out.version.version));
    auto content = json::MemberText(raw, "content");
    if (!content.ok() || !content->starts_with('{')) {
      return Status::DataLoss("malformed record version");
    }
    out.content_json = std::string(*content);
  } else {
    CUSTOS_ASSIGN_OR_RETURN(out.version,
                            ReadRecordVersion(*read, out.meta.id, out.version.version));
  }
  if (extra_out != nullptr) {
    for (uint32_t x : extra_versions) {
      CUSTOS_ASSIGN_OR_RETURN(RecordVersion rv, ReadRecordVersion(*read, out.meta.id, x));
      extra_out->push_back(std::move(rv));
    }
  }
  return out;
}

Result<ViewResult> Archive::View(const Caller& caller, std::string_view record_id,
                                 std::string_view reason, const ViewOptions& options) {
  return ViewIn(caller, record_id, reason, options, {}, nullptr);
}

Result<std::vector<FieldChange>> Archive::CompareVersions(const Caller& caller,
                                                          std::string_view record_id, uint32_t a,
                                                          uint32_t b, std::string_view reason) {
  std::vector<RecordVersion> extra;
  ViewOptions options;
  options.version = b;
  CUSTOS_ASSIGN_OR_RETURN(ViewResult view, ViewIn(caller, record_id, reason, options, {a}, &extra));
  if (extra.size() != 1) return Status::Internal("compared version missing");
  return DiffVersions(extra[0], view.version);
}

// ---- search -----------------------------------------------------------------------

namespace {

// Whose metadata a searcher sees: records up to internal, records they own,
// wrote or keep, records of a classification one of their roles may view,
// and everything for the roles whose duties are about records rather than
// content (custodian, approver, auditor, litigation).
bool MaySeeMeta(const policy::Policy& policy, const User& user, const RecordMeta& m) {
  if (m.classification <= policy::Classification::kInternal) return true;
  if (m.owner_id == user.id || m.author_id == user.id || m.custodian_id == user.id) return true;
  const policy::ClassificationRules& cr = policy.rules(m.classification);
  for (policy::Role r : user.roles) {
    switch (r) {
      case policy::Role::kCustodian:
      case policy::Role::kApprover:
      case policy::Role::kAuditor:
      case policy::Role::kLitigation:
        return true;
      default:
        if (cr.view_roles.test(static_cast<size_t>(r))) return true;
    }
  }
  return false;
}

}  // namespace

Result<SearchResult> Archive::Search(const Caller& caller, const SearchQuery& query) {
  access::Attempt attempt;
  attempt.action = policy::Action::kSearchMetadata;
  attempt.event_action = "record.search";
  attempt.object_type = "records";
  // The catalog is searched outside any transaction, on the decision read
  // first (advisory); the search is then decided again and recorded.
  access::Outcome peek;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(peek, gate_.Peek(*r, caller, attempt));
  }
  const User& user = peek.user;
  const std::shared_ptr<const policy::Policy>& policy = peek.policy;
  SearchResult result;
  if (peek.allowed) {
    // Sight by classification is the same for every record of a level; only
    // the owner/author/custodian exception is per record.
    std::array<bool, policy::kClassificationCount> level_visible{};
    for (policy::Classification c : policy::kAllClassifications) {
      RecordMeta probe;
      probe.classification = c;
      level_visible[static_cast<size_t>(c)] = MaySeeMeta(*policy, user, probe);
    }
    std::shared_lock lock(catalog_mu_);
    constexpr uint32_t kNone = UINT32_MAX;
    auto lookup = [&](const std::string& s) -> uint32_t {
      auto it = intern_.find(s);
      return it == intern_.end() ? kNone : it->second;
    };
    const uint32_t me = lookup(user.id);
    const uint32_t owner = query.owner_id.empty() ? kNone : lookup(query.owner_id);
    const uint32_t tag = query.tag.empty() ? kNone : lookup(query.tag);
    const uint32_t status = query.status.empty() ? kNone : lookup(query.status);
    const bool no_match = (!query.owner_id.empty() && owner == kNone) ||
                          (!query.tag.empty() && tag == kNone) ||
                          (!query.status.empty() && status == kNone);
    std::vector<bool> text_hits;  // interned strings containing the text
    if (!query.text.empty()) {
      text_hits.resize(strings_.size());
      for (size_t i = 0; i < strings_.size(); ++i)
        text_hits[i] = strings_[i].find(query.text) != std::string::npos;
    }
    for (const CatalogEntry& e : entries_) {
      if (no_match) break;
      if (query.classification && e.classification != *query.classification) continue;
      if (query.kind && e.kind != *query.kind) continue;
      if (owner != kNone && e.owner != owner) continue;
      if (status != kNone && e.status != status) continue;
      if (tag != kNone && std::find(e.tags.begin(), e.tags.end(), tag) == e.tags.end()) continue;
      if (!query.text.empty() && e.name.find(query.text) == std::string::npos &&
          std::none_of(e.tags.begin(), e.tags.end(), [&](uint32_t t) { return text_hits[t]; }))
        continue;
      if (!level_visible[static_cast<size_t>(e.classification)] &&
          (me == kNone || (e.owner != me && e.author != me && e.custodian != me)))
        continue;
      if (result.total >= query.offset && result.records.size() < query.limit)
        result.records.push_back(*e.meta);
      ++result.total;
    }
  }
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn&, const User&, policy::Facts&, AuditEvent& e) -> Status {
                e.details["text"] = query.text;
                if (query.classification)
                  e.details["classification"] = policy::ClassificationId(*query.classification);
                if (!query.owner_id.empty()) e.details["owner"] = query.owner_id;
                if (!query.tag.empty()) e.details["tag"] = query.tag;
                if (!query.status.empty()) e.details["status"] = query.status;
                return Status::Ok();
              },
              nullptr,
              [&](const ReadTxn&, const access::Outcome& decided, AuditEvent& e) -> Status {
                e.details["results"] = static_cast<uint64_t>(decided.allowed ? result.total : 0);
                return Status::Ok();
              })
          .status());
  if (!peek.allowed) return Status::Aborted("the decision changed; try again");
  return result;
}

Result<int> Archive::ViewsUsed(const ReadTxn& txn, std::string_view user_id,
                               std::string_view record_id, const policy::Policy& policy,
                               policy::Classification classification, UnixMillis now) {
  CUSTOS_ASSIGN_OR_RETURN(ViewCount count, ReadViewCount(txn, ViewCountKey(user_id, record_id)));
  return ViewsInWindow(count, policy.rules(classification).quota_window_days, now);
}

Status Archive::CountViews(WriteTxn& txn, std::string_view user_id, std::string_view record_id,
                           UnixMillis now, int views) {
  const std::string key = ViewCountKey(user_id, record_id);
  CUSTOS_ASSIGN_OR_RETURN(ViewCount count, ReadViewCount(txn, key));
  return WriteViewCount(txn, key, count, now, views);
}

Status Archive::AuthorizeLogRead(const Caller& caller, std::string_view event_action,
                                 json::Value details) {
  access::Attempt attempt;
  attempt.action = policy::Action::kReadAuditLog;
  attempt.event_action = std::string(event_action);
  attempt.object_type = "audit_log";
  return gate_
      .DecideThenWrite(
          caller, attempt,
          [&](const ReadTxn&, const User&, policy::Facts&, AuditEvent& e) -> Status {
            e.details = details;
            return Status::Ok();
          },
          nullptr)
      .status();
}

// ---- unaudited metadata reads -------------------------------------------------------

Result<RecordMeta> Archive::GetMeta(std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  return ReadMeta(*r, record_id);
}

Result<std::vector<RecordVersion>> Archive::VersionHistory(std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(*r, record_id));
  std::vector<RecordVersion> out;
  for (uint32_t v = 1; v <= meta.latest_version; ++v) {
    CUSTOS_ASSIGN_OR_RETURN(RecordVersion rv, ReadRecordVersion(*r, record_id, v));
    rv.content = RecordContent();
    out.push_back(std::move(rv));
  }
  return out;
}

Result<std::vector<OwnershipChange>> Archive::OwnershipHistory(std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  return ReadOwnershipHistory(*r, record_id);
}

Result<std::vector<OwnershipChange>> ReadOwnershipHistory(const ReadTxn& txn,
                                                          std::string_view record_id) {
  std::vector<OwnershipChange> out;
  CUSTOS_RETURN_IF_ERROR(txn.Scan(tables::kIndex, OwnPrefix(record_id),
                                  [&](std::string_view, std::string_view value) -> Result<bool> {
                                    CUSTOS_ASSIGN_OR_RETURN(OwnershipChange c,
                                                            OwnershipFromJson(value));
                                    out.push_back(std::move(c));
                                    return true;
                                  }));
  if (out.empty()) return Status::NotFound("no such record");
  return out;
}

std::vector<std::string> Archive::RecordsOwnedBy(std::string_view user_id) const {
  std::vector<std::string> out;
  std::shared_lock lock(catalog_mu_);
  for (const auto& [id, m] : catalog_)
    if (m.owner_id == user_id) out.push_back(id);
  return out;
}

size_t Archive::CatalogSize() const {
  std::shared_lock lock(catalog_mu_);
  return catalog_.size();
}

}  // namespace custos::vault
