#include "vault/access/alerts.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/encoding.h"
#include "policy/anomaly.h"
#include "policy/rules.h"
#include "vault/store/crypto.h"
#include "vault/store/tables.h"

namespace custos::vault::access {
namespace {

// Alerts stored before every alert had `details` (the non-compete tracker's
// kept "overdue_months" and "employee_may_release" at the top level): their
// extra members move into `details`, so every reader sees one shape.
json::Value OneShape(json::Value alert) {
  static constexpr std::string_view kCore[] = {"type", "severity",  "user_id", "record_id",
                                               "at",   "audit_seq", "rule",    "details"};
  if (const json::Value* d = alert.Find("details"); d != nullptr && d->is_object()) return alert;
  json::Value out = json::Value::MakeObject();
  json::Value details = json::Value::MakeObject();
  for (const auto& [k, v] : alert.as_object()) {
    bool core = false;
    for (std::string_view c : kCore) core = core || k == c;
    if (core && k != "details") {
      out[k] = v;
    } else if (!core) {
      details[k] = v;
    }
  }
  out["details"] = std::move(details);
  return out;
}

}  // namespace

Status RaiseAlert(WriteTxn& txn, const Alert& alert) {
  json::Value o = json::Value::MakeObject();
  o["type"] = alert.type;
  o["severity"] = alert.severity;
  o["user_id"] = alert.user_id;
  o["record_id"] = alert.record_id;
  o["at"] = alert.at;
  o["audit_seq"] = alert.audit_seq;
  o["rule"] = alert.rule;
  o["details"] = alert.details.is_object() ? alert.details : json::Value::MakeObject();
  return txn.Insert(tables::kAlerts, EncodeU64(static_cast<uint64_t>(alert.at)) + RandomBytes(4),
                    json::Serialize(o));
}

Status ScanAlerts(const ReadTxn& txn, bool newest_first,
                  const std::function<Result<bool>(json::Value alert)>& fn) {
  return txn.Scan(
      tables::kAlerts, "",
      [&](std::string_view, std::string_view value) -> Result<bool> {
        auto v = json::Parse(value);
        if (!v.ok() || !v->is_object()) return Status::DataLoss("an alert does not parse");
        return fn(OneShape(std::move(v).value()));
      },
      newest_first);
}

ReadHint ActivityRead(std::string_view user_id) {
  return {tables::kActivity, std::string(user_id)};
}

namespace {

// A person's recent view attempts for the anomaly rules (tables::kActivity,
// by user id; policy::anomaly::Activity). At most 31 days, 32 refusals, 16
// places and 64 files: small, but read and rewritten by every view on the
// committer, so stored in a compact binary form: kActivityFormat, then six
// big-endian 64-bit integers (spike_alert_day, off_hours_alert_day,
// denial_alert_at, outside_day, outside_attempts, outside_alert_day), then
// four lists, each a 32-bit count followed by its items: the days (day,
// views), the refusal times, the places and the outside files (each a
// 32-bit length and its bytes). Entries written before it are JSON objects
// ({"d":[[day,views],...],"x":[ms,...],"p":[place,...],"s":day,"a":ms,
// "o":local day, "ud", "un", "ua", "ur"}) and are still read.
constexpr char kActivityFormat = '\x01';

Status DamagedActivity() { return Status::DataLoss("activity entry is damaged"); }

// Reads kActivityFormat's fields in order; any shortfall is damage.
class ActivityReader {
 public:
  explicit ActivityReader(std::string_view raw) : rest_(raw) {}
  bool Int(int64_t* v) {
    if (rest_.size() < 8) return false;
    *v = static_cast<int64_t>(DecodeU64(rest_.substr(0, 8)));
    rest_.remove_prefix(8);
    return true;
  }
  // A list's count, refused when its items cannot all fit in what is left
  // (each takes at least `min_item` bytes).
  bool Count(size_t min_item, size_t* n) {
    if (rest_.size() < 4) return false;
    uint32_t c = 0;
    for (int i = 0; i < 4; ++i) c = (c << 8) | static_cast<unsigned char>(rest_[i]);
    rest_.remove_prefix(4);
    if (c > rest_.size() / min_item) return false;
    *n = c;
    return true;
  }
  bool Text(std::string* s) {
    size_t n = 0;
    if (!Count(1, &n)) return false;
    s->assign(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return true;
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

Result<policy::anomaly::Activity> DecodeActivity(std::string_view raw) {
  policy::anomaly::Activity a;
  ActivityReader r(raw.substr(1));
  if (!r.Int(&a.spike_alert_day) || !r.Int(&a.off_hours_alert_day) || !r.Int(&a.denial_alert_at) ||
      !r.Int(&a.outside_day) || !r.Int(&a.outside_attempts) || !r.Int(&a.outside_alert_day))
    return DamagedActivity();
  size_t n = 0;
  if (!r.Count(16, &n)) return DamagedActivity();
  a.days.resize(n);
  for (auto& [day, views] : a.days) {
    if (!r.Int(&day) || !r.Int(&views)) return DamagedActivity();
  }
  if (!r.Count(8, &n)) return DamagedActivity();
  a.denials.resize(n);
  for (UnixMillis& t : a.denials) {
    if (!r.Int(&t)) return DamagedActivity();
  }
  if (!r.Count(4, &n)) return DamagedActivity();
  a.places.resize(n);
  for (std::string& p : a.places) {
    if (!r.Text(&p)) return DamagedActivity();
  }
  if (!r.Count(4, &n)) return DamagedActivity();
  a.outside_records.resize(n);
  for (std::string& id : a.outside_records) {
    if (!r.Text(&id)) return DamagedActivity();
  }
  if (!r.done()) return DamagedActivity();
  return a;
}

// The JSON form, as written before kActivityFormat.
Result<policy::anomaly::Activity> DecodeActivityJson(std::string_view raw) {
  policy::anomaly::Activity a;
  auto o = json::Parse(raw);
  if (!o.ok() || !o->is_object()) return DamagedActivity();
  if (const json::Value* d = o->Find("d"); d != nullptr && d->is_array()) {
    for (const json::Value& x : d->as_array()) {
      if (!x.is_array() || x.as_array().size() != 2 || !x.as_array()[0].is_int() ||
          !x.as_array()[1].is_int())
        return DamagedActivity();
      a.days.emplace_back(x.as_array()[0].as_int(), x.as_array()[1].as_int());
    }
  }
  if (const json::Value* d = o->Find("x"); d != nullptr && d->is_array()) {
    for (const json::Value& x : d->as_array()) {
      if (!x.is_int()) return DamagedActivity();
      a.denials.push_back(x.as_int());
    }
  }
  if (const json::Value* d = o->Find("p"); d != nullptr && d->is_array()) {
    for (const json::Value& x : d->as_array()) {
      if (!x.is_string()) return DamagedActivity();
      a.places.push_back(x.as_string());
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(a.spike_alert_day, json::GetIntOr(*o, "s", -1));
  CUSTOS_ASSIGN_OR_RETURN(a.denial_alert_at, json::GetIntOr(*o, "a", 0));
  CUSTOS_ASSIGN_OR_RETURN(a.off_hours_alert_day, json::GetIntOr(*o, "o", -1));
  CUSTOS_ASSIGN_OR_RETURN(a.outside_day, json::GetIntOr(*o, "ud", -1));
  CUSTOS_ASSIGN_OR_RETURN(a.outside_attempts, json::GetIntOr(*o, "un", 0));
  CUSTOS_ASSIGN_OR_RETURN(a.outside_alert_day, json::GetIntOr(*o, "ua", -1));
  if (const json::Value* d = o->Find("ur"); d != nullptr && d->is_array()) {
    for (const json::Value& x : d->as_array()) {
      if (!x.is_string()) return DamagedActivity();
      a.outside_records.push_back(x.as_string());
    }
  }
  return a;
}

Result<policy::anomaly::Activity> ReadActivity(const ReadTxn& txn, const std::string& user_id) {
  auto raw = txn.Get(tables::kActivity, user_id);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return policy::anomaly::Activity();
    return raw.status();
  }
  if (!raw->empty() && (*raw)[0] == kActivityFormat) return DecodeActivity(*raw);
  return DecodeActivityJson(*raw);
}

Status WriteActivity(WriteTxn& txn, const std::string& user_id,
                     const policy::anomaly::Activity& a) {
  std::string raw;
  size_t size = 1 + 6 * 8 + 4 * 4 + a.days.size() * 16 + a.denials.size() * 8;
  for (const std::string& p : a.places) size += 4 + p.size();
  for (const std::string& id : a.outside_records) size += 4 + id.size();
  raw.reserve(size);
  raw += kActivityFormat;
  const auto integer = [&](int64_t v) { raw += EncodeU64(static_cast<uint64_t>(v)); };
  const auto count = [&](size_t n) { raw += EncodeU32(static_cast<uint32_t>(n)); };
  for (int64_t v : {a.spike_alert_day, a.off_hours_alert_day, a.denial_alert_at, a.outside_day,
                    a.outside_attempts, a.outside_alert_day})
    integer(v);
  count(a.days.size());
  for (const auto& [day, views] : a.days) {
    integer(day);
    integer(views);
  }
  count(a.denials.size());
  for (UnixMillis t : a.denials) integer(t);
  for (const auto* texts : {&a.places, &a.outside_records}) {
    count(texts->size());
    for (const std::string& t : *texts) {
      count(t.size());
      raw += t;
    }
  }
  return txn.Put(tables::kActivity, user_id, raw);
}

// A warning alert for one access attempt.
Status Raise(WriteTxn& txn, std::string_view type, const std::string& user_id,
             const std::string& record_id, UnixMillis at, uint64_t seq, std::string_view rule,
             json::Value details = json::Value()) {
  Alert a;
  a.type = std::string(type);
  a.user_id = user_id;
  a.record_id = record_id;
  a.at = at;
  a.audit_seq = seq;
  a.rule = std::string(rule);
  a.details = std::move(details);
  return RaiseAlert(txn, a);
}

// The anomaly rules (policy/anomaly.h) for one view attempt, in the same
// transaction as its audit event `seq`: updates the person's activity and
// raises the alerts the attempt crosses.
Status CheckAnomalies(WriteTxn& txn, const std::string& user_id, const std::string& record_id,
                      const AuditEvent::Place& place, std::string_view action, bool allowed,
                      bool outside, UnixMillis now, uint64_t seq, const policy::Policy& policy) {
  const policy::anomaly::Thresholds& thresholds = policy.anomaly_thresholds();
  const policy::anomaly::WorkHours* hours = policy.work_hours();
  CUSTOS_ASSIGN_OR_RETURN(policy::anomaly::Activity a, ReadActivity(txn, user_id));
  // Days are the company's (the policy's <calendar>).
  const bool outside_alert =
      outside && policy::anomaly::RecordOutsideAssignment(&a, record_id, now, thresholds,
                                                          policy.utc_offset_minutes());
  const policy::anomaly::AttemptResult r = policy::anomaly::RecordAttempt(
      &a,
      action == "record.view" ? policy::anomaly::AttemptKind::kView
                              : policy::anomaly::AttemptKind::kUse,
      allowed, now, policy::anomaly::PlaceKey(place.workstation, place.location), hours, thresholds,
      policy.utc_offset_minutes());
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
    CUSTOS_RETURN_IF_ERROR(Raise(txn, policy::anomaly::kViewSpike, user_id, record_id, now, seq,
                                 policy::anomaly::kViewSpike, std::move(d)));
  }
  if (r.repeated_denials) {
    json::Value d = details();
    d["denials"] = r.denials_in_window;
    d["window_minutes"] = thresholds.denial_window_millis / 60000;
    CUSTOS_RETURN_IF_ERROR(Raise(txn, policy::anomaly::kRepeatedDenials, user_id, record_id, now,
                                 seq, policy::anomaly::kRepeatedDenials, std::move(d)));
  }
  if (r.new_place) {
    json::Value d = details();
    d["workstation"] = place.workstation;
    d["location"] = place.location;
    d["ip"] = place.ip;
    d["known_places"] = r.known_places;
    CUSTOS_RETURN_IF_ERROR(Raise(txn, policy::anomaly::kNewPlace, user_id, record_id, now, seq,
                                 policy::anomaly::kNewPlace, std::move(d)));
  }
  if (outside_alert) {
    // The files of the day so far, the one crossing the line included.
    json::Value d = details();
    d["attempts_today"] = a.outside_attempts;
    d["threshold"] = thresholds.outside_assignment_per_day;
    json::Value records = json::Value::MakeArray();
    for (const std::string& id : a.outside_records) records.Push(id);
    d["records"] = std::move(records);
    CUSTOS_RETURN_IF_ERROR(Raise(txn, policy::anomaly::kOutsideAssignment, user_id, record_id, now,
                                 seq, policy::anomaly::kOutsideAssignment, std::move(d)));
  }
  if (r.off_hours) {
    json::Value d = details();
    d["local_time"] = hours->LocalTime(now);
    d["utc_offset_minutes"] = hours->utc_offset_minutes;
    d["working_day"] = hours->IsWorkingDay(hours->LocalDay(now));
    d["allowed"] = allowed;
    CUSTOS_RETURN_IF_ERROR(Raise(txn, policy::anomaly::kOffHours, user_id, record_id, now, seq,
                                 policy::anomaly::kOffHours, std::move(d)));
  }
  return Status::Ok();
}

}  // namespace

Status CheckAttempt(WriteTxn& txn, const User& user, const Caller& caller, std::string_view action,
                    const std::string& record_id, const policy::Decision& decision, bool allowed,
                    std::optional<bool> outside_assignment, UnixMillis now, uint64_t seq,
                    const policy::Policy& policy) {
  // Departures (ARCHITECTURE.md): any attempt during the notice period is an
  // alert for the auditors, allowed (a handover) or not.
  if (user.employment == policy::EmploymentState::kNoticeGiven) {
    json::Value d = json::Value::MakeObject();
    d["action"] = action;
    CUSTOS_RETURN_IF_ERROR(Raise(txn, "employment.notice_activity", user.id, record_id, now, seq,
                                 decision.rule, std::move(d)));
  }
  // The quota is the three-views rule: running out of it, by a view or by a
  // copy, print or export, is an alert for the auditors.
  if (decision.rule == policy::rules::kQuotaExhausted) {
    json::Value d = json::Value::MakeObject();
    d["action"] = action;
    CUSTOS_RETURN_IF_ERROR(
        Raise(txn, "quota.exhausted", user.id, record_id, now, seq, decision.rule, std::move(d)));
  }
  // Outside the assignment: only for people whose office does not take them
  // across every file.
  bool outside = outside_assignment.value_or(false);
  for (policy::Role r : user.roles) {
    if (policy.anomaly_thresholds().outside_assignment_exempt.test(static_cast<size_t>(r))) {
      outside = false;
    }
  }
  return CheckAnomalies(txn, user.id, record_id, caller.place, action, allowed, outside, now, seq,
                        policy);
}

}  // namespace custos::vault::access
