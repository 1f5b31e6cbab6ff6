#include "vault/records/handover_store.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>

#include "policy/types.h"
#include "vault/store/tables.h"

namespace custos::vault {
namespace {

// Every handover's key begins with this (then the leaver's id, 0, the record's).
constexpr std::string_view kHandoverKeys = "h/";
// The successor index: "to/" + the successor's blind index (a keyed hash:
// the stored keys do not say who took over whose customers) + \0 + leaver
// id + \0 + record id → the handover's status (StatusText).
// kSuccessorIndexMarker is set, in the transaction that indexed every
// handover stored before the index existed (EnsureSuccessorIndex);
// PutHandover keeps it from then on.
constexpr std::string_view kSuccessorKeys = "to/";
constexpr std::string_view kSuccessorIndexMarker = "to-index-v2";
// The marker of builds whose index had no counts yet (dropped when the index
// is built again).
constexpr std::string_view kFormerIndexMarker = "to-index-v1";
// Each leaver's handovers counted by state, customer answer and waiver:
// "hc/" + leaver id → {"<state>/<answer>/<0|1>": n, ...} (CountKey), kept by
// PutHandover and built with the successor index (same marker).
constexpr std::string_view kCountKeys = "hc/";

std::string HandoverPrefix(std::string_view user_id) {
  std::string k(kHandoverKeys);
  k += user_id;
  k.push_back('\0');
  return k;
}

std::string HandoverKey(std::string_view user_id, std::string_view record_id) {
  return HandoverPrefix(user_id) + std::string(record_id);
}

std::string SuccessorPrefix(const ReadTxn& txn, std::string_view successor_id) {
  std::string k(kSuccessorKeys);
  k += txn.vault().BlindIndex("departures.successor", successor_id);
  k.push_back('\0');
  return k;
}

std::string SuccessorKey(const ReadTxn& txn, std::string_view successor_id,
                         std::string_view user_id, std::string_view record_id) {
  std::string k = SuccessorPrefix(txn, successor_id);
  k += user_id;
  k.push_back('\0');
  k += record_id;
  return k;
}

std::string CountsKey(std::string_view user_id) {
  return std::string(kCountKeys) + std::string(user_id);
}

// The bucket a handover of status `s` is counted in.
std::string CountKey(const HandoverStatus& s) {
  return std::string(HandoverStateId(s.state)) + "/" + std::string(CustomerAnswerId(s.answer)) +
         (s.waived ? "/1" : "/0");
}

// The part of a handover's JSON that HandoverStatusFromText reads: its state
// and the customer's answer and waiver, as Handover::ToJson writes them.
std::string StatusText(const Handover& h) {
  json::Value o = json::Value::MakeObject();
  o["state"] = std::string(HandoverStateId(h.state));
  json::Value c = json::Value::MakeObject();
  c["answer"] = std::string(CustomerAnswerId(h.customer.answer));
  c["waived_by"] = h.customer.waived_by;
  o["customer"] = std::move(c);
  return json::Serialize(o);
}

// The state, answer and waiver of a stored handover (or of a successor
// index entry) from its text, without building the Handover; record_id is
// left empty. kDataLoss for text that is not what PutHandover writes.
Result<HandoverStatus> HandoverStatusFromText(std::string_view value) {
  const Status bad = Status::DataLoss("a stored handover is damaged");
  // The member `key` of `object` as the string it holds, unquoted (escapes
  // left as written); nullopt when absent, as Handover::FromJson allows.
  const auto text = [&](std::string_view object,
                        std::string_view key) -> Result<std::optional<std::string_view>> {
    auto t = json::MemberText(object, key);
    if (!t.ok()) {
      if (t.status().code() == StatusCode::kNotFound) return std::optional<std::string_view>();
      return bad;
    }
    if (t->size() < 2 || t->front() != '"' || t->back() != '"') return bad;
    return std::optional<std::string_view>(t->substr(1, t->size() - 2));
  };
  HandoverStatus s;
  CUSTOS_ASSIGN_OR_RETURN(std::optional<std::string_view> state, text(value, "state"));
  if (state == HandoverStateId(HandoverState::kConfirmed)) {
    s.state = HandoverState::kConfirmed;
  } else if (state != HandoverStateId(HandoverState::kPending)) {
    return bad;
  }
  // Handovers stored before customer confirmation existed have none.
  auto customer = json::MemberText(value, "customer");
  if (customer.ok() && customer->starts_with('{')) {
    CUSTOS_ASSIGN_OR_RETURN(std::optional<std::string_view> answer, text(*customer, "answer"));
    auto parsed = ParseCustomerAnswer(answer.value_or("none"));
    if (!parsed.ok()) return bad;
    s.answer = *parsed;
    CUSTOS_ASSIGN_OR_RETURN(std::optional<std::string_view> waived_by,
                            text(*customer, "waived_by"));
    s.waived = waived_by && !waived_by->empty();
  } else if (!customer.ok() && customer.status().code() != StatusCode::kNotFound) {
    return bad;
  }
  return s;
}

// Whether EnsureSuccessorIndex has indexed the vault's handovers. The
// marker's sealed value is opened (Get, not Has), so that a marker planted
// in the store does not stand.
Result<bool> SuccessorIndexBuilt(const ReadTxn& txn) {
  auto marker = txn.Get(tables::kDepartures, kSuccessorIndexMarker);
  if (!marker.ok()) {
    if (marker.status().code() == StatusCode::kNotFound) return false;
    return marker.status();
  }
  if (*marker != "1") return Status::DataLoss("the successor index's marker is damaged");
  return true;
}

// A leaver's stored counts by CountKey (empty when none stored).
Result<json::Object> ReadCounts(const ReadTxn& txn, std::string_view user_id) {
  auto raw = txn.Get(tables::kDepartures, CountsKey(user_id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return json::Object();
    return raw.status();
  }
  auto v = json::Parse(*raw);
  if (!v.ok() || !v->is_object()) return Status::DataLoss("a leaver's handover counts are damaged");
  for (const auto& [key, n] : v->as_object()) {
    if (!n.is_int() || n.as_int() < 0) {
      return Status::DataLoss("a leaver's handover counts are damaged");
    }
  }
  return std::move(v->as_object());
}

Status WriteCounts(WriteTxn& txn, std::string_view user_id, json::Object counts) {
  std::erase_if(counts, [](const auto& entry) { return entry.second.as_int() == 0; });
  if (counts.empty()) {
    Status gone = txn.Delete(tables::kDepartures, CountsKey(user_id));
    return gone.code() == StatusCode::kNotFound ? Status::Ok() : gone;
  }
  return txn.Put(tables::kDepartures, CountsKey(user_id), json::Serialize(json::Value(counts)));
}

// Adds `delta` to `counts[key]`; false (and nothing changed) when that
// would take it below zero.
bool AddCount(json::Object* counts, const std::string& key, int64_t delta) {
  auto it = counts->find(key);
  const int64_t n = (it != counts->end() && it->second.is_int() ? it->second.as_int() : 0) + delta;
  if (n < 0) return false;
  (*counts)[key] = n;
  return true;
}

}  // namespace

Status ScanHandovers(const ReadTxn& txn, std::string_view user_id,
                     const std::function<Status(Handover)>& fn) {
  const std::string prefix = user_id.empty() ? std::string(kHandoverKeys) : HandoverPrefix(user_id);
  return txn.Scan(tables::kDepartures, prefix,
                  [&](std::string_view, std::string_view value) -> Result<bool> {
                    CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
                    CUSTOS_ASSIGN_OR_RETURN(Handover h, Handover::FromJson(v));
                    CUSTOS_RETURN_IF_ERROR(fn(std::move(h)));
                    return true;
                  });
}

Result<std::vector<std::string>> HandedOverRecordIds(const ReadTxn& txn, std::string_view user_id) {
  const std::string prefix = HandoverPrefix(user_id);
  std::vector<std::string> out;
  CUSTOS_RETURN_IF_ERROR(
      txn.ScanKeys(tables::kDepartures, prefix, [&](std::string_view key) -> Result<bool> {
        out.emplace_back(key.substr(prefix.size()));
        return true;
      }));
  return out;
}

HandoverStatus StatusOfHandover(const Handover& h) {
  return HandoverStatus{h.record_id, h.state, h.customer.answer, !h.customer.waived_by.empty()};
}

Result<std::vector<HandoverStatus>> HandoverStatusesOf(const ReadTxn& txn,
                                                       std::string_view user_id) {
  const std::string prefix = HandoverPrefix(user_id);
  std::vector<HandoverStatus> out;
  CUSTOS_RETURN_IF_ERROR(
      txn.Scan(tables::kDepartures, prefix,
               [&](std::string_view key, std::string_view value) -> Result<bool> {
                 CUSTOS_ASSIGN_OR_RETURN(HandoverStatus s, HandoverStatusFromText(value));
                 s.record_id = std::string(key.substr(prefix.size()));
                 out.push_back(std::move(s));
                 return true;
               }));
  return out;
}

Result<std::vector<HandoverToStatus>> HandoverStatusesTo(const ReadTxn& txn,
                                                         std::string_view successor_id) {
  std::vector<HandoverToStatus> out;
  CUSTOS_ASSIGN_OR_RETURN(bool indexed, SuccessorIndexBuilt(txn));
  if (!indexed) {
    // A vault opened read-only before EnsureSuccessorIndex ran on it: every
    // handover is read (by leaver, then record, as the index has them).
    CUSTOS_RETURN_IF_ERROR(ScanHandovers(txn, "", [&](Handover h) -> Status {
      if (h.successor_id != successor_id) return Status::Ok();
      out.push_back(HandoverToStatus{h.user_id, StatusOfHandover(h)});
      return Status::Ok();
    }));
    return out;
  }
  const std::string prefix = SuccessorPrefix(txn, successor_id);
  CUSTOS_RETURN_IF_ERROR(
      txn.Scan(tables::kDepartures, prefix,
               [&](std::string_view key, std::string_view value) -> Result<bool> {
                 const std::string_view rest = key.substr(prefix.size());
                 const size_t cut = rest.find('\0');
                 if (cut == std::string_view::npos || cut == 0 || cut + 1 == rest.size()) {
                   return Status::DataLoss("a successor index entry is damaged");
                 }
                 HandoverToStatus x;
                 CUSTOS_ASSIGN_OR_RETURN(x.status, HandoverStatusFromText(value));
                 x.leaver_id = std::string(rest.substr(0, cut));
                 x.status.record_id = std::string(rest.substr(cut + 1));
                 out.push_back(std::move(x));
                 return true;
               }));
  return out;
}

Status EnsureSuccessorIndex(Vault& vault) {
  if (vault.read_only()) return Status::Ok();  // HandoverStatusesTo reads every handover
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(bool done, SuccessorIndexBuilt(*r));
    if (done) return Status::Ok();
  }
  return vault.Write([&](WriteTxn& txn) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(bool done, SuccessorIndexBuilt(txn));
    if (done) return Status::Ok();
    // Entries of an earlier build, if any, are dropped: the index is built
    // again from the handovers themselves.
    std::vector<std::string> stale;
    for (std::string_view prefix : {kSuccessorKeys, kCountKeys}) {
      CUSTOS_RETURN_IF_ERROR(
          txn.ScanKeys(tables::kDepartures, prefix, [&](std::string_view key) -> Result<bool> {
            stale.emplace_back(key);
            return true;
          }));
    }
    for (const std::string& key : stale) {
      CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kDepartures, key));
    }
    if (Status gone = txn.Delete(tables::kDepartures, kFormerIndexMarker);
        !gone.ok() && gone.code() != StatusCode::kNotFound) {
      return gone;
    }
    std::vector<std::pair<std::string, std::string>> entries;
    std::map<std::string, json::Object> counts;  // by leaver
    CUSTOS_RETURN_IF_ERROR(ScanHandovers(txn, "", [&](Handover h) -> Status {
      entries.emplace_back(SuccessorKey(txn, h.successor_id, h.user_id, h.record_id),
                           StatusText(h));
      AddCount(&counts[h.user_id], CountKey(StatusOfHandover(h)), 1);
      return Status::Ok();
    }));
    for (const auto& [key, status] : entries) {
      CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kDepartures, key, status));
    }
    for (auto& [leaver, by_key] : counts) {
      CUSTOS_RETURN_IF_ERROR(WriteCounts(txn, leaver, std::move(by_key)));
    }
    return txn.Put(tables::kDepartures, kSuccessorIndexMarker, "1");
  });
}

Result<std::vector<HandoverBucket>> HandoverBucketsOf(const ReadTxn& txn,
                                                      std::string_view user_id) {
  std::map<std::string, HandoverBucket> by_key;
  CUSTOS_ASSIGN_OR_RETURN(bool indexed, SuccessorIndexBuilt(txn));
  if (!indexed) {
    CUSTOS_ASSIGN_OR_RETURN(std::vector<HandoverStatus> all, HandoverStatusesOf(txn, user_id));
    for (HandoverStatus& s : all) {
      s.record_id.clear();
      HandoverBucket& b = by_key[CountKey(s)];
      b.status = s;
      ++b.count;
    }
  } else {
    CUSTOS_ASSIGN_OR_RETURN(json::Object counts, ReadCounts(txn, user_id));
    const Status bad = Status::DataLoss("a leaver's handover counts are damaged");
    for (const auto& [key, n] : counts) {
      // CountKey: state "/" answer "/" 0 or 1.
      const size_t first = key.find('/');
      const size_t last = key.rfind('/');
      if (first == std::string::npos || last == first) return bad;
      HandoverBucket b;
      const std::string_view state = std::string_view(key).substr(0, first);
      if (state == HandoverStateId(HandoverState::kConfirmed)) {
        b.status.state = HandoverState::kConfirmed;
      } else if (state != HandoverStateId(HandoverState::kPending)) {
        return bad;
      }
      auto answer = ParseCustomerAnswer(std::string_view(key).substr(first + 1, last - first - 1));
      if (!answer.ok()) return bad;
      b.status.answer = *answer;
      const std::string_view waived = std::string_view(key).substr(last + 1);
      if (waived != "0" && waived != "1") return bad;
      b.status.waived = waived == "1";
      b.count = static_cast<size_t>(n.as_int());
      by_key[key] = b;
    }
  }
  std::vector<HandoverBucket> out;
  for (auto& [key, b] : by_key) out.push_back(std::move(b));
  return out;
}

Result<HandoverCounts> HandoverCountsOf(const ReadTxn& txn, std::string_view user_id) {
  HandoverCounts out;
  CUSTOS_ASSIGN_OR_RETURN(std::vector<HandoverBucket> buckets, HandoverBucketsOf(txn, user_id));
  for (const HandoverBucket& b : buckets) {
    (b.status.state == HandoverState::kConfirmed ? out.confirmed : out.pending) += b.count;
    out.total += b.count;
  }
  return out;
}

Result<std::vector<std::string>> FirstHandoverIdsWhere(
    const ReadTxn& txn, std::string_view user_id,
    const std::function<bool(const HandoverStatus&)>& keep, size_t max) {
  std::vector<std::string> out;
  if (max == 0) return out;
  const std::string prefix = HandoverPrefix(user_id);
  CUSTOS_RETURN_IF_ERROR(
      txn.Scan(tables::kDepartures, prefix,
               [&](std::string_view key, std::string_view value) -> Result<bool> {
                 CUSTOS_ASSIGN_OR_RETURN(HandoverStatus s, HandoverStatusFromText(value));
                 if (keep(s)) out.emplace_back(key.substr(prefix.size()));
                 return out.size() < max;
               }));
  return out;
}

Result<std::vector<Handover>> FirstHandoversOf(const ReadTxn& txn, std::string_view user_id,
                                               size_t max) {
  std::vector<Handover> out;
  if (max == 0) return out;
  CUSTOS_RETURN_IF_ERROR(txn.Scan(tables::kDepartures, HandoverPrefix(user_id),
                                  [&](std::string_view, std::string_view value) -> Result<bool> {
                                    CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
                                    CUSTOS_ASSIGN_OR_RETURN(Handover h, Handover::FromJson(v));
                                    out.push_back(std::move(h));
                                    return out.size() < max;
                                  }));
  return out;
}

Result<std::optional<Handover>> ReadHandover(const ReadTxn& txn, std::string_view user_id,
                                             std::string_view record_id) {
  auto raw = txn.Get(tables::kDepartures, HandoverKey(user_id, record_id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return std::optional<Handover>();
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  CUSTOS_ASSIGN_OR_RETURN(Handover h, Handover::FromJson(v));
  return std::optional<Handover>(std::move(h));
}

Status PutHandover(WriteTxn& txn, const Handover& h) {
  const HandoverStatus now = StatusOfHandover(h);
  std::optional<HandoverStatus> was;
  CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> before,
                          ReadHandover(txn, h.user_id, h.record_id));
  if (before) {
    // A handover given to another successor leaves the first one's index.
    if (before->successor_id != h.successor_id) {
      Status gone = txn.Delete(tables::kDepartures,
                               SuccessorKey(txn, before->successor_id, h.user_id, h.record_id));
      if (!gone.ok() && gone.code() != StatusCode::kNotFound) return gone;
    }
    was = StatusOfHandover(*before);
  }
  // The leaver's counts follow the handover from its old bucket to its new.
  // Counts that do not hold the old one (changed by a build without them)
  // are counted again from the leaver's handovers, as stored before this.
  if (!was || CountKey(*was) != CountKey(now)) {
    CUSTOS_ASSIGN_OR_RETURN(json::Object counts, ReadCounts(txn, h.user_id));
    if (was && !AddCount(&counts, CountKey(*was), -1)) {
      counts.clear();
      CUSTOS_ASSIGN_OR_RETURN(std::vector<HandoverStatus> all, HandoverStatusesOf(txn, h.user_id));
      for (const HandoverStatus& s : all) AddCount(&counts, CountKey(s), 1);
      AddCount(&counts, CountKey(*was), -1);
    }
    AddCount(&counts, CountKey(now), 1);
    CUSTOS_RETURN_IF_ERROR(WriteCounts(txn, h.user_id, std::move(counts)));
  }
  CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kDepartures,
                                 SuccessorKey(txn, h.successor_id, h.user_id, h.record_id),
                                 StatusText(h)));
  return txn.Put(tables::kDepartures, HandoverKey(h.user_id, h.record_id),
                 json::Serialize(h.ToJson()));
}

Status DeleteHandover(WriteTxn& txn, const Handover& h) {
  CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> stored,
                          ReadHandover(txn, h.user_id, h.record_id));
  if (!stored) return Status::Ok();
  CUSTOS_ASSIGN_OR_RETURN(json::Object counts, ReadCounts(txn, h.user_id));
  if (!AddCount(&counts, CountKey(StatusOfHandover(*stored)), -1)) {
    // Counts that do not hold it are counted again (see PutHandover).
    counts.clear();
    CUSTOS_ASSIGN_OR_RETURN(std::vector<HandoverStatus> all, HandoverStatusesOf(txn, h.user_id));
    for (const HandoverStatus& s : all) AddCount(&counts, CountKey(s), 1);
    AddCount(&counts, CountKey(StatusOfHandover(*stored)), -1);
  }
  CUSTOS_RETURN_IF_ERROR(WriteCounts(txn, h.user_id, std::move(counts)));
  Status gone = txn.Delete(tables::kDepartures,
                           SuccessorKey(txn, stored->successor_id, h.user_id, h.record_id));
  if (!gone.ok() && gone.code() != StatusCode::kNotFound) return gone;
  return txn.Delete(tables::kDepartures, HandoverKey(h.user_id, h.record_id));
}

std::string_view HandoverStateId(HandoverState s) {
  return s == HandoverState::kPending ? "pending" : "confirmed";
}

namespace {
constexpr std::array<std::string_view, 4> kAnswerIds = {"none", "confirmed", "refused",
                                                        "unreachable"};
}  // namespace

std::string_view CustomerAnswerId(CustomerAnswer a) { return kAnswerIds[static_cast<size_t>(a)]; }

Result<CustomerAnswer> ParseCustomerAnswer(std::string_view id) {
  for (size_t i = 0; i < kAnswerIds.size(); ++i) {
    if (kAnswerIds[i] == id) return static_cast<CustomerAnswer>(i);
  }
  return Status::InvalidArgument(
      "answer must be confirmed, refused or unreachable",
      "客户答复须为 confirmed（客户已确认）、refused（客户拒绝）或 unreachable（无法联系）");
}

json::Value Handover::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["user"] = user_id;
  o["record"] = record_id;
  o["successor"] = successor_id;
  o["state"] = std::string(HandoverStateId(state));
  o["assigned_by"] = assigned_by;
  o["assigned_at"] = assigned_at;
  o["assign_reason"] = assign_reason;
  o["assign_seq"] = assign_seq;
  o["confirmed_by"] = confirmed_by;
  o["confirmed_at"] = confirmed_at;
  o["confirm_reason"] = confirm_reason;
  o["confirm_seq"] = confirm_seq;
  if (letter) {
    json::Value l = json::Value::MakeObject();
    l["language"] = letter->language;
    l["sha256"] = letter->sha256;
    l["issued_by"] = letter->issued_by;
    l["issued_at"] = letter->issued_at;
    l["seq"] = letter->seq;
    o["letter"] = std::move(l);
  }
  json::Value c = json::Value::MakeObject();
  c["answer"] = std::string(CustomerAnswerId(customer.answer));
  c["method"] = customer.method;
  c["contact_name"] = customer.contact_name;
  c["contact_position"] = customer.contact_position;
  c["date"] = customer.date;
  c["note"] = customer.note;
  c["attachment"] = customer.attachment_id;
  c["recorded_by"] = customer.recorded_by;
  c["recorded_at"] = customer.recorded_at;
  c["seq"] = customer.seq;
  c["waived_by"] = customer.waived_by;
  c["waived_at"] = customer.waived_at;
  c["waive_reason"] = customer.waive_reason;
  c["waive_seq"] = customer.waive_seq;
  o["customer"] = std::move(c);
  return o;
}

Result<Handover> Handover::FromJson(const json::Value& v) {
  Handover h;
  CUSTOS_ASSIGN_OR_RETURN(h.user_id, json::GetString(v, "user"));
  CUSTOS_ASSIGN_OR_RETURN(h.record_id, json::GetString(v, "record"));
  CUSTOS_ASSIGN_OR_RETURN(h.successor_id, json::GetString(v, "successor"));
  CUSTOS_ASSIGN_OR_RETURN(std::string state, json::GetString(v, "state"));
  if (state == "pending") {
    h.state = HandoverState::kPending;
  } else if (state == "confirmed") {
    h.state = HandoverState::kConfirmed;
  } else {
    return Status::DataLoss("malformed handover state");
  }
  CUSTOS_ASSIGN_OR_RETURN(h.assigned_by, json::GetStringOr(v, "assigned_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(h.assigned_at, json::GetIntOr(v, "assigned_at", 0));
  CUSTOS_ASSIGN_OR_RETURN(h.assign_reason, json::GetStringOr(v, "assign_reason", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t aseq, json::GetIntOr(v, "assign_seq", 0));
  h.assign_seq = static_cast<uint64_t>(aseq);
  CUSTOS_ASSIGN_OR_RETURN(h.confirmed_by, json::GetStringOr(v, "confirmed_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(h.confirmed_at, json::GetIntOr(v, "confirmed_at", 0));
  CUSTOS_ASSIGN_OR_RETURN(h.confirm_reason, json::GetStringOr(v, "confirm_reason", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t cseq, json::GetIntOr(v, "confirm_seq", 0));
  h.confirm_seq = static_cast<uint64_t>(cseq);
  if (const json::Value* l = v.Find("letter"); l != nullptr && l->is_object()) {
    CustomerLetterInfo info;
    CUSTOS_ASSIGN_OR_RETURN(info.language, json::GetString(*l, "language"));
    CUSTOS_ASSIGN_OR_RETURN(info.sha256, json::GetString(*l, "sha256"));
    CUSTOS_ASSIGN_OR_RETURN(info.issued_by, json::GetStringOr(*l, "issued_by", ""));
    CUSTOS_ASSIGN_OR_RETURN(info.issued_at, json::GetIntOr(*l, "issued_at", 0));
    CUSTOS_ASSIGN_OR_RETURN(int64_t lseq, json::GetIntOr(*l, "seq", 0));
    info.seq = static_cast<uint64_t>(lseq);
    h.letter = std::move(info);
  }
  // Handovers stored before customer confirmation existed have none.
  if (const json::Value* c = v.Find("customer"); c != nullptr && c->is_object()) {
    CustomerConfirmation& cc = h.customer;
    CUSTOS_ASSIGN_OR_RETURN(std::string answer, json::GetStringOr(*c, "answer", "none"));
    auto parsed = ParseCustomerAnswer(answer);
    if (!parsed.ok()) return Status::DataLoss("malformed customer answer in a handover");
    cc.answer = *parsed;
    CUSTOS_ASSIGN_OR_RETURN(cc.method, json::GetStringOr(*c, "method", ""));
    CUSTOS_ASSIGN_OR_RETURN(cc.contact_name, json::GetStringOr(*c, "contact_name", ""));
    CUSTOS_ASSIGN_OR_RETURN(cc.contact_position, json::GetStringOr(*c, "contact_position", ""));
    CUSTOS_ASSIGN_OR_RETURN(cc.date, json::GetStringOr(*c, "date", ""));
    CUSTOS_ASSIGN_OR_RETURN(cc.note, json::GetStringOr(*c, "note", ""));
    CUSTOS_ASSIGN_OR_RETURN(cc.attachment_id, json::GetStringOr(*c, "attachment", ""));
    CUSTOS_ASSIGN_OR_RETURN(cc.recorded_by, json::GetStringOr(*c, "recorded_by", ""));
    CUSTOS_ASSIGN_OR_RETURN(cc.recorded_at, json::GetIntOr(*c, "recorded_at", 0));
    CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(*c, "seq", 0));
    cc.seq = static_cast<uint64_t>(seq);
    CUSTOS_ASSIGN_OR_RETURN(cc.waived_by, json::GetStringOr(*c, "waived_by", ""));
    CUSTOS_ASSIGN_OR_RETURN(cc.waived_at, json::GetIntOr(*c, "waived_at", 0));
    CUSTOS_ASSIGN_OR_RETURN(cc.waive_reason, json::GetStringOr(*c, "waive_reason", ""));
    CUSTOS_ASSIGN_OR_RETURN(int64_t wseq, json::GetIntOr(*c, "waive_seq", 0));
    cc.waive_seq = static_cast<uint64_t>(wseq);
  }
  return h;
}

Result<std::vector<Handover>> HandoversOf(const ReadTxn& txn, std::string_view user_id) {
  std::vector<Handover> out;
  if (user_id.empty()) return out;  // ScanHandovers would visit everyone's
  CUSTOS_RETURN_IF_ERROR(ScanHandovers(txn, user_id, [&](Handover h) {
    out.push_back(std::move(h));
    return Status::Ok();
  }));
  return out;
}

Result<bool> OutsideAssignment(const ReadTxn& txn, const User& user, const RecordMeta& meta) {
  if (meta.kind != RecordKind::kCustomer) return false;
  if (meta.owner_id == user.id) return false;
  // Someone in no department and covering no territory has no team to be
  // outside of: not judged (otherwise every view by them would count, and
  // the alert would say nothing). Admins set both (vault/access/user_admin.h).
  if (user.department.empty() && user.territories.empty()) return false;
  if (!meta.territory.empty() && (meta.territory == user.department ||
                                  std::find(user.territories.begin(), user.territories.end(),
                                            meta.territory) != user.territories.end())) {
    return false;
  }
  auto owner = GetUser(txn, meta.owner_id);
  if (!owner.ok()) {
    if (owner.status().code() != StatusCode::kNotFound) return owner.status();
    return true;  // an owner no longer known: nobody's team
  }
  if (!user.department.empty() && owner->department == user.department) return false;
  if (owner->employment != policy::EmploymentState::kActive) {
    CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> h, ReadHandover(txn, owner->id, meta.id));
    if (h && h->successor_id == user.id) return false;
  }
  return true;
}

Result<bool> InPendingHandover(const ReadTxn& txn, const User& user, std::string_view record_id) {
  if (user.employment != policy::EmploymentState::kNoticeGiven) return false;
  CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> h, ReadHandover(txn, user.id, record_id));
  return h.has_value() && h->state == HandoverState::kPending;
}

}  // namespace custos::vault
