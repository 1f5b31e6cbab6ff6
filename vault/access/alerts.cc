#include "vault/access/alerts.h"

#include <string>
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
  CUSTOS_ASSIGN_OR_RETURN(a.outside_day, json::GetIntOr(*o, "ud", -1));
  CUSTOS_ASSIGN_OR_RETURN(a.outside_attempts, json::GetIntOr(*o, "un", 0));
  CUSTOS_ASSIGN_OR_RETURN(a.outside_alert_day, json::GetIntOr(*o, "ua", -1));
  if (const json::Value* d = o->Find("ur"); d != nullptr && d->is_array()) {
    for (const json::Value& x : d->as_array()) {
      if (!x.is_string()) return Status::DataLoss("activity entry is damaged");
      a.outside_records.push_back(x.as_string());
    }
  }
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
  if (a.outside_day >= 0) {
    o["ud"] = a.outside_day;
    o["un"] = a.outside_attempts;
    o["ua"] = a.outside_alert_day;
    json::Value records = json::Value::MakeArray();
    for (const std::string& r : a.outside_records) records.Push(r);
    o["ur"] = std::move(records);
  }
  return txn.Put(tables::kActivity, user_id, json::Serialize(o));
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
                      bool outside, UnixMillis now, uint64_t seq,
                      const policy::anomaly::WorkHours* hours,
                      const policy::anomaly::Thresholds& thresholds) {
  CUSTOS_ASSIGN_OR_RETURN(policy::anomaly::Activity a, ReadActivity(txn, user_id));
  const bool outside_alert =
      outside && policy::anomaly::RecordOutsideAssignment(&a, record_id, now, thresholds);
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
                        policy.work_hours(), policy.anomaly_thresholds());
}

}  // namespace custos::vault::access
