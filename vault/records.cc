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

// A person's recent view attempts for the anomaly rules (tables::kActivity,
// by user id): {"d":[[day,views],...],"x":[ms,...],"p":[place,...],"s":day,
// "a":ms,"o":local day} — see policy::anomaly::Activity. At most 31 days, 32 refusals and
// 16 places: small.
Result<policy::anomaly::Activity> ReadActivity(const ReadTxn& txn, const std::string& user_id) {
  policy::anomaly::Activity a;
  auto raw = txn.Get(tables::kActivity, user_id);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return a;
    return raw.status();
  }
  auto o = json::Parse(*raw);
  if (!o.ok() || !o->is_object()) return Status::DataLoss("activity entry is damaged");
  if (const json::Value* d = o->Find("d"); d != nullptr && d->is_array()) {
    for (const json::Value& x : d->as_array()) {
      if (!x.is_array() || x.as_array().size() != 2 || !x.as_array()[0].is_int() ||
          !x.as_array()[1].is_int())
        return Status::DataLoss("activity entry is damaged");
      a.days.emplace_back(x.as_array()[0].as_int(), x.as_array()[1].as_int());
    }
  }
  if (const json::Value* d = o->Find("x"); d != nullptr && d->is_array()) {
    for (const json::Value& x : d->as_array()) {
      if (!x.is_int()) return Status::DataLoss("activity entry is damaged");
      a.denials.push_back(x.as_int());
    }
  }
  if (const json::Value* d = o->Find("p"); d != nullptr && d->is_array()) {
    for (const json::Value& x : d->as_array()) {
      if (!x.is_string()) return Status::DataLoss("activity entry is damaged");
      a.places.push_back(x.as_string());
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(a.spike_alert_day, json::GetIntOr(*o, "s", -1));
  CUSTOS_ASSIGN_OR_RETURN(a.denial_alert_at, json::GetIntOr(*o, "a", 0));
  CUSTOS_ASSIGN_OR_RETURN(a.off_hours_alert_day, json::GetIntOr(*o, "o", -1));
  return a;
}

Status WriteActivity(WriteTxn& txn, const std::string& user_id,
                     const policy::anomaly::Activity& a) {
  json::Value o = json::Value::MakeObject();
  json::Value days = json::Value::MakeArray();
  for (const auto& [day, views] : a.days) {
    json::Value x = json::Value::MakeArray();
    x.Push(day);
    x.Push(views);
    days.Push(std::move(x));
  }
  o["d"] = std::move(days);
  json::Value denials = json::Value::MakeArray();
  for (UnixMillis t : a.denials) denials.Push(t);
  o["x"] = std::move(denials);
  json::Value places = json::Value::MakeArray();
  for (const std::string& p : a.places) places.Push(p);
  o["p"] = std::move(places);
  o["s"] = a.spike_alert_day;
  o["a"] = a.denial_alert_at;
  o["o"] = a.off_hours_alert_day;
  return txn.Put(tables::kActivity, user_id, json::Serialize(o));
}

// An alert for the auditors (tables::kAlerts): key EncodeU64(time) + 4 random
// bytes, value {"type","severity","user_id","record_id","at","audit_seq","rule"}.
Status RaiseAlert(WriteTxn& txn, std::string_view type, const std::string& user_id,
                  const std::string& record_id, UnixMillis at, uint64_t seq, std::string_view rule,
                  json::Value details = json::Value()) {
  json::Value o = json::Value::MakeObject();
  o["type"] = type;
  o["severity"] = "warning";
  o["user_id"] = user_id;
  o["record_id"] = record_id;
  o["at"] = at;
  o["audit_seq"] = seq;
  o["rule"] = rule;
  if (details.is_object()) o["details"] = std::move(details);
  return txn.Insert(tables::kAlerts, EncodeU64(static_cast<uint64_t>(at)) + RandomBytes(4),
                    json::Serialize(o));
}

// The anomaly rules (policy/anomaly.h) for one view attempt, in the same
// transaction as its audit event `seq`: updates the person's activity and
// raises the alerts the attempt crosses.
Status CheckAnomalies(WriteTxn& txn, const std::string& user_id, const std::string& record_id,
                      const AuditEvent::Place& place, std::string_view action, bool allowed,
                      UnixMillis now, uint64_t seq, const policy::anomaly::WorkHours* hours,
                      const policy::anomaly::Thresholds& thresholds) {
  CUSTOS_ASSIGN_OR_RETURN(policy::anomaly::Activity a, ReadActivity(txn, user_id));
  const policy::anomaly::AttemptResult r = policy::anomaly::RecordAttempt(
      &a,
      action == "record.view" ? policy::anomaly::AttemptKind::kView
                              : policy::anomaly::AttemptKind::kUse,
      allowed, now, policy::anomaly::PlaceKey(place.workstation, place.location), hours,
      thresholds);
  // Every anomaly alert names the attempt's action (a view, or a copy,
  // print or export).
  const auto details = [&] {
    json::Value d = json::Value::MakeObject();
    d["action"] = action;
    return d;
  };
  CUSTOS_RETURN_IF_ERROR(WriteActivity(txn, user_id, a));
  if (r.view_spike) {
    json::Value d = details();
    d["views_today"] = r.views_today;
    // The median is a whole or a half number: shown as text ("2.5").
    const auto halves = static_cast<int64_t>(r.baseline_median * 2 + 0.5);
    d["baseline_median"] = std::to_string(halves / 2) + (halves % 2 == 1 ? ".5" : "");
    d["baseline_active_days"] = r.baseline_active_days;
    d["factor"] = thresholds.spike_factor;
    CUSTOS_RETURN_IF_ERROR(RaiseAlert(txn, policy::anomaly::kViewSpike, user_id, record_id, now,
                                      seq, policy::anomaly::kViewSpike, std::move(d)));
  }
  if (r.repeated_denials) {
    json::Value d = details();
    d["denials"] = r.denials_in_window;
    d["window_minutes"] = thresholds.denial_window_millis / 60000;
    CUSTOS_RETURN_IF_ERROR(RaiseAlert(txn, policy::anomaly::kRepeatedDenials, user_id, record_id,
                                      now, seq, policy::anomaly::kRepeatedDenials, std::move(d)));
  }
  if (r.new_place) {
    json::Value d = details();
    d["workstation"] = place.workstation;
    d["location"] = place.location;
    d["ip"] = place.ip;
    d["known_places"] = r.known_places;
    CUSTOS_RETURN_IF_ERROR(RaiseAlert(txn, policy::anomaly::kNewPlace, user_id, record_id, now, seq,
                                      policy::anomaly::kNewPlace, std::move(d)));
  }
  if (r.off_hours) {
    json::Value d = details();
    d["local_time"] = hours->LocalTime(now);
    d["utc_offset_minutes"] = hours->utc_offset_minutes;
    d["working_day"] = hours->IsWorkingDay(hours->LocalDay(now));
    d["allowed"] = allowed;
    CUSTOS_RETURN_IF_ERROR(RaiseAlert(txn, policy::anomaly::kOffHours, user_id, record_id, now, seq,
                                      policy::anomaly::kOffHours, std::move(d)));
  }
  return Status::Ok();
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
  CUSTOS_ASSIGN_OR_RETURN(std::string digest, CurrentPolicyDigest(txn));
  {
    std::lock_guard lock(policy_mu_);
    if (policy_cache_ && policy_cache_->digest() == digest) return policy_cache_;
  }
  CUSTOS_ASSIGN_OR_RETURN(policy::Policy p, GetPolicyVersion(txn, digest));
  auto shared = std::make_shared<const policy::Policy>(std::move(p));
  std::lock_guard lock(policy_mu_);
  policy_cache_ = shared;
  return shared;
}

namespace {

SealedCache<RecordMeta>& MetaCache() {
  static auto* cache = new SealedCache<RecordMeta>();
  return *cache;
}

}  // namespace

Result<User> Archive::CallerUser(const ReadTxn& txn, const Caller& caller) {
  if (caller.user_id.empty()) return Status::Unauthenticated("no caller identity");
  auto u = GetUser(txn, caller.user_id);
  if (!u.ok()) {
    if (u.status().code() == StatusCode::kNotFound) return Status::Unauthenticated("unknown user");
    return u.status();
  }
  if (u->disabled) return Status::Unauthenticated("the account is disabled");
  return u;
}

policy::ActorFacts Archive::ActorFactsFor(const User& user) {
  policy::ActorFacts a;
  a.user_id = user.id;
  a.roles = user.roles;
  a.employment = user.employment;
  return a;
}

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

AuditEvent Archive::NewEvent(const Caller& caller, const User* user, std::string action,
                             std::string object_type, std::string object_id) {
  AuditEvent e;
  if (user != nullptr) {
    e.actor = {user->id, user->display_name};
    for (policy::Role r : user->roles) e.roles.emplace_back(policy::RoleId(r));
  } else {
    e.actor.id = caller.user_id;
  }
  e.session = caller.session;
  e.place = caller.place;
  e.action = std::move(action);
  e.object.type = std::move(object_type);
  e.object.id = std::move(object_id);
  return e;
}

void Archive::SetDecision(AuditEvent* e, const policy::Authorization& auth,
                          const policy::Policy& policy) {
  e->decision = auth.ok() ? AuditDecision::kAllow : AuditDecision::kDeny;
  e->rule = auth.decision.rule;
  e->policy = policy.digest();
  if (auth.ok()) {
    e->outcome = "ok";
  } else if (auth.decision.rule == policy::rules::kQuotaExhausted) {
    e->outcome = "quota_exhausted";
  } else {
    e->outcome = "denied";
  }
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
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(User user, CallerUser(txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, record.owner_id, "the owner"));
    CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, record.custodian_id, "the custodian"));
    policy::Facts f;
    f.actor = ActorFactsFor(user);
    f.record = policy::RecordFacts{id, record.classification,
                                   record.owner_id.empty() ? user.id : record.owner_id, user.id,
                                   record.custodian_id};
    f.now = NowMillis();
    f.reason = std::string(reason);
    const policy::Authorization auth = policy::Authorize(*policy, f, policy::Action::kCreateRecord);
    AuditEvent e = NewEvent(caller, &user, "record.create", "record", id);
    e.object.version = 1;
    e.reason = std::string(reason);
    e.details["classification"] = policy::ClassificationId(record.classification);
    SetDecision(&e, auth, *policy);
    CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_.Append(txn, e));
    if (!auth.ok()) {
      denied = auth.status();
      return Status::Ok();
    }
    CUSTOS_ASSIGN_OR_RETURN(out, CreateRecordIn(txn, *auth.permit, record, reason, seq));
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
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
    CUSTOS_ASSIGN_OR_RETURN(User user, CallerUser(txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    const UnixMillis now = NowMillis();
    std::vector<policy::Authorization> auths;
    for (size_t i = 0; i < records.size(); ++i) {
      const NewRecord& record = records[i];
      CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, record.owner_id, "the owner")
                                 .Annotate("record " + std::to_string(i + 1)));
      CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, record.custodian_id, "the custodian")
                                 .Annotate("record " + std::to_string(i + 1)));
      policy::Facts f;
      f.actor = ActorFactsFor(user);
      f.record = policy::RecordFacts{ids[i], record.classification,
                                     record.owner_id.empty() ? user.id : record.owner_id, user.id,
                                     record.custodian_id};
      f.now = now;
      f.reason = std::string(reason);
      auths.push_back(policy::Authorize(*policy, f, policy::Action::kCreateRecord));
      if (!auths.back().ok()) {
        AuditEvent e = NewEvent(caller, &user, "record.create", "record", ids[i]);
        e.object.version = 1;
        e.reason = std::string(reason);
        SetDecision(&e, auths.back(), *policy);
        CUSTOS_RETURN_IF_ERROR(log_.Append(txn, e).status());
        denied = auths.back().status().Annotate("record " + std::to_string(i + 1));
        return Status::Ok();
      }
    }
    for (size_t i = 0; i < records.size(); ++i) {
      AuditEvent e = NewEvent(caller, &user, "record.create", "record", ids[i]);
      e.object.version = 1;
      e.reason = std::string(reason);
      e.details["classification"] = policy::ClassificationId(records[i].classification);
      SetDecision(&e, auths[i], *policy);
      CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_.Append(txn, e));
      CUSTOS_ASSIGN_OR_RETURN(RecordMeta m,
                              CreateRecordIn(txn, *auths[i].permit, records[i], reason, seq));
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
  RecordMeta out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(User user, CallerUser(txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(txn, record_id));
    CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, update.custodian_id, "the custodian"));
    policy::Facts f;
    f.actor = ActorFactsFor(user);
    f.record = RecordFactsFor(meta);
    CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
    f.lowers_classification =
        LowersClassification(meta, update.classification, update.declassify_on);
    f.now = NowMillis();
    f.reason = std::string(reason);
    const policy::Authorization auth = policy::Authorize(*policy, f, policy::Action::kUpdateRecord);
    AuditEvent e = NewEvent(caller, &user, "record.update", "record", meta.id);
    e.object.version = meta.latest_version + 1;
    e.reason = std::string(reason);
    if (update.classification != meta.classification) {
      e.details["classification"] = ChangeJson(policy::ClassificationId(meta.classification),
                                               policy::ClassificationId(update.classification));
    }
    if (update.declassify_on != meta.declassify_on) {
      e.details["declassify_on"] = ChangeJson(meta.declassify_on, update.declassify_on);
    }
    SetDecision(&e, auth, *policy);
    CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_.Append(txn, e));
    (void)seq;
    if (!auth.ok()) {
      denied = auth.status();
      return Status::Ok();
    }
    meta.name = update.name;
    meta.classification = update.classification;
    meta.declassify_on = update.declassify_on;
    meta.custodian_id = update.custodian_id;
    meta.tags = update.tags;
    meta.status = update.status.empty() ? "active" : update.status;
    meta.paper = update.paper;
    CUSTOS_RETURN_IF_ERROR(WriteNextVersion(txn, &meta, user.id, f.now, reason, update.content));
    out = meta;
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
  return out;
}

Result<RecordMeta> Archive::LowerClassification(const Caller& caller, std::string_view record_id,
                                                policy::Classification classification,
                                                std::string_view declassify_on,
                                                std::string_view reason) {
  if (!declassify_on.empty()) CUSTOS_RETURN_IF_ERROR(ParseDate(declassify_on).status());
  RecordMeta out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(User user, CallerUser(txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(txn, record_id));
    policy::Facts f;
    f.actor = ActorFactsFor(user);
    f.record = RecordFactsFor(meta);
    CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
    f.lowers_classification = LowersClassification(meta, classification, declassify_on);
    f.now = NowMillis();
    f.reason = std::string(reason);
    const policy::Authorization auth =
        policy::Authorize(*policy, f, policy::Action::kLowerClassification);
    AuditEvent e = NewEvent(caller, &user, "record.reclassify", "record", meta.id);
    e.object.version = meta.latest_version + 1;
    e.reason = std::string(reason);
    e.details["classification"] = ChangeJson(policy::ClassificationId(meta.classification),
                                             policy::ClassificationId(classification));
    e.details["declassify_on"] = ChangeJson(meta.declassify_on, declassify_on);
    SetDecision(&e, auth, *policy);
    CUSTOS_RETURN_IF_ERROR(log_.Append(txn, e).status());
    if (!auth.ok()) {
      denied = auth.status();
      return Status::Ok();
    }
    CUSTOS_ASSIGN_OR_RETURN(RecordVersion latest,
                            ReadRecordVersion(txn, meta.id, meta.latest_version));
    meta.classification = classification;
    meta.declassify_on = std::string(declassify_on);
    // The content is unchanged; the version's author is the approver who
    // decided the new marking.
    CUSTOS_RETURN_IF_ERROR(WriteNextVersion(txn, &meta, user.id, f.now, reason, latest.content));
    out = meta;
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
  return out;
}

Result<RecordMeta> Archive::ReassignOwner(const Caller& caller, std::string_view record_id,
                                          std::string_view new_owner_id, std::string_view reason,
                                          bool* pending_second_approval) {
  RecordMeta out;
  Status denied;
  bool pending = false;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    pending = false;
    CUSTOS_ASSIGN_OR_RETURN(User user, CallerUser(txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(txn, record_id));
    const std::string target(new_owner_id);
    if (target.empty()) return Status::InvalidArgument("the new owner is missing");
    CUSTOS_RETURN_IF_ERROR(CheckUserExists(txn, target, "the new owner"));
    policy::Facts f;
    f.actor = ActorFactsFor(user);
    f.record = RecordFactsFor(meta);
    f.now = NowMillis();
    f.reason = std::string(reason);
    f.target_user_id = target;
    CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
    CUSTOS_ASSIGN_OR_RETURN(f.hold_first_approver,
                            HoldFirstApprover(txn, meta.id, target, kTransferByReassign));
    const policy::Authorization auth =
        policy::Authorize(*policy, f, policy::Action::kReassignOwner);
    AuditEvent e = NewEvent(caller, &user, "record.reassign", "record", meta.id);
    e.reason = std::string(reason);
    e.details["from"] = meta.owner_id;
    e.details["to"] = target;
    if (f.record->legal_hold) e.details["legal_hold"] = true;
    SetDecision(&e, auth, *policy);
    if (auth.ok() && !auth.decision.approvals_complete) e.outcome = "pending_second_approval";
    CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_.Append(txn, e));
    if (!auth.ok()) {
      denied = auth.status();
      return Status::Ok();
    }
    if (!auth.decision.approvals_complete) {
      // Under legal hold: the first of two approvals is kept; the owner stays.
      pending = true;
      out = meta;
      return PutPendingTransfer(txn, PendingTransfer{meta.id, target, user.id,
                                                     std::string(kTransferByReassign), f.now, seq});
    }
    CUSTOS_RETURN_IF_ERROR(ClearPendingTransfer(txn, meta.id));
    CUSTOS_ASSIGN_OR_RETURN(out, ReassignOwnerIn(txn, *auth.permit, meta, target, reason, seq));
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
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

Status Archive::CheckAttempt(WriteTxn& txn, const User& user, const Caller& caller,
                             std::string_view action, const std::string& record_id,
                             const policy::Authorization& auth, UnixMillis now, uint64_t seq,
                             const policy::Policy& policy) {
  // Departures (ARCHITECTURE.md): any attempt during the notice period is an
  // alert for the auditors, allowed (a handover) or not.
  if (user.employment == policy::EmploymentState::kNoticeGiven) {
    json::Value d = json::Value::MakeObject();
    d["action"] = action;
    CUSTOS_RETURN_IF_ERROR(RaiseAlert(txn, "employment.notice_activity", user.id, record_id, now,
                                      seq, auth.decision.rule, std::move(d)));
  }
  // The quota is the three-views rule: running out of it, by a view or by a
  // copy, print or export, is an alert for the auditors.
  if (auth.decision.rule == policy::rules::kQuotaExhausted) {
    json::Value d = json::Value::MakeObject();
    d["action"] = action;
    CUSTOS_RETURN_IF_ERROR(RaiseAlert(txn, "quota.exhausted", user.id, record_id, now, seq,
                                      auth.decision.rule, std::move(d)));
  }
  return CheckAnomalies(txn, user.id, record_id, caller.place, action, auth.ok(), now, seq,
                        policy.work_hours(), policy.anomaly_thresholds());
}

// ---- views ------------------------------------------------------------------------

Result<ViewResult> Archive::ViewIn(const Caller& caller, std::string_view record_id,
                                   std::string_view reason, const ViewOptions& options,
                                   std::vector<uint32_t> extra_versions,
                                   std::vector<RecordVersion>* extra_out) {
  ViewResult out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    out = ViewResult();
    if (extra_out != nullptr) extra_out->clear();
    CUSTOS_ASSIGN_OR_RETURN(User user, CallerUser(txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(txn, record_id));
    const uint32_t version = options.version == 0 ? meta.latest_version : options.version;
    if (version == 0 || version > meta.latest_version)
      return Status::NotFound("no such version of the record");
    for (uint32_t x : extra_versions) {
      if (x == 0 || x > meta.latest_version)
        return Status::NotFound("no such version of the record");
    }
    const UnixMillis now = NowMillis();
    std::optional<Loan> loan;
    if (!options.loan_id.empty()) {
      CUSTOS_ASSIGN_OR_RETURN(loan, GetLoan(txn, options.loan_id));
    } else {
      CUSTOS_ASSIGN_OR_RETURN(loan, FindOpenLoan(txn, meta.id, user.id, policy::LoanKind::kView));
    }
    // SECURITY: a version is judged at the higher of its own stored marking
    // and the record's current one, so lowering a record never opens the
    // versions written while it was marked higher.
    policy::Classification level = meta.classification;
    std::vector<uint32_t> shown = extra_versions;
    shown.push_back(version);
    for (uint32_t v : shown) {
      if (v == meta.latest_version) continue;  // stored with the current marking
      CUSTOS_ASSIGN_OR_RETURN(policy::Classification stored, VersionLevel(txn, meta.id, v));
      level = std::max(level, stored);
    }
    const policy::ClassificationRules& cr = policy->rules(level);
    const std::string count_key = ViewCountKey(user.id, meta.id);
    CUSTOS_ASSIGN_OR_RETURN(ViewCount count, ReadViewCount(txn, count_key));
    policy::Facts f;
    f.actor = ActorFactsFor(user);
    // Departures (handover.h): during the notice period a record in the
    // viewer's pending handover stays viewable; the engine reads this fact.
    CUSTOS_ASSIGN_OR_RETURN(f.actor.in_handover, InPendingHandover(txn, user, meta.id));
    f.record = RecordFactsFor(meta);
    f.record->classification = level;
    if (loan) f.loan = loan->Facts();
    // Every version shown is a view: a comparison of two versions uses two
    // of the quota, so it needs room for both.
    const int views_taken = static_cast<int>(shown.size());
    f.views_used = ViewsInWindow(count, cr.quota_window_days, now) + views_taken - 1;
    f.now = now;
    f.reason = std::string(reason);
    const policy::Authorization auth = policy::Authorize(*policy, f, policy::Action::kViewContent);
    AuditEvent e = NewEvent(caller, &user, "record.view", "record", meta.id);
    e.object.version = version;
    e.reason = std::string(reason);
    SetDecision(&e, auth, *policy);
    e.details["classification"] = policy::ClassificationId(level);
    e.details["views_used"] = auth.ok() ? f.views_used + 1 : f.views_used - views_taken + 1;
    if (auth.decision.view_quota) {
      e.details["view_quota"] = *auth.decision.view_quota;
      e.details["views_left"] = auth.decision.views_left_after.value_or(0);
    } else {
      e.details["view_quota"] = "unlimited";
    }
    if (loan) e.details["loan"] = loan->id;
    if (!extra_versions.empty()) {
      json::Value xs = json::Value::MakeArray();
      for (uint32_t x : extra_versions) xs.Push(x);
      e.details["compared_versions"] = std::move(xs);
    }
    CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_.Append(txn, e));
    CUSTOS_RETURN_IF_ERROR(
        CheckAttempt(txn, user, caller, e.action, meta.id, auth, now, seq, *policy));
    if (!auth.ok()) {
      denied = auth.status();
      return Status::Ok();
    }
    CUSTOS_RETURN_IF_ERROR(WriteViewCount(txn, count_key, count, now, views_taken));
    if (loan && auth.decision.rule == policy::rules::kAllowViewLoan) {
      CUSTOS_RETURN_IF_ERROR(MarkLoanUsed(txn, *loan, user.id, seq));
      out.loan_id = loan->id;
    }
    out.meta = meta;
    out.viewer_id = user.id;
    out.viewer_name = user.display_name;
    out.time = now;
    out.audit_seq = seq;
    out.views_used = f.views_used + 1;
    out.views_left = auth.decision.views_left_after;
    out.rule = auth.decision.rule;
    out.permit = auth.permit;
    out.version.record_id = meta.id;
    out.version.version = version;
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
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
  std::shared_ptr<const policy::Policy> policy;
  User user;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(user, CallerUser(*r, caller));
    CUSTOS_ASSIGN_OR_RETURN(policy, PolicyAt(*r));
  }
  policy::Facts f;
  f.actor = ActorFactsFor(user);
  f.now = NowMillis();
  const policy::Authorization auth = policy::Authorize(*policy, f, policy::Action::kSearchMetadata);
  SearchResult result;
  if (auth.ok()) {
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
  AuditEvent e = NewEvent(caller, &user, "record.search", "records", "");
  SetDecision(&e, auth, *policy);
  e.details["text"] = query.text;
  if (query.classification)
    e.details["classification"] = policy::ClassificationId(*query.classification);
  if (!query.owner_id.empty()) e.details["owner"] = query.owner_id;
  if (!query.tag.empty()) e.details["tag"] = query.tag;
  if (!query.status.empty()) e.details["status"] = query.status;
  e.details["results"] = static_cast<uint64_t>(result.total);
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) { return log_.Append(txn, e).status(); }));
  if (!auth.ok()) return auth.status();
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
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(User user, CallerUser(txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    policy::Facts f;
    f.actor = ActorFactsFor(user);
    f.now = NowMillis();
    const policy::Authorization auth = policy::Authorize(*policy, f, policy::Action::kReadAuditLog);
    AuditEvent e = NewEvent(caller, &user, std::string(event_action), "audit_log", "");
    SetDecision(&e, auth, *policy);
    e.details = details;
    denied = auth.status();
    return log_.Append(txn, e).status();
  }));
  return denied;
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
