// /api/v1/policy: the policy in force (version, hash, a summary of its
// rules per classification, the history of applications) and applying a
// new one. Applying is decided by the policy in force (apply_policy) and
// audited in the same transaction by vault/policy_store; this file only
// translates HTTP.
#include <string>

#include "base/json.h"
#include "vault/access/policy_store.h"
#include "vault/records/records.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

using policy::Role;

json::Value UseJson(const policy::UseRule& u) {
  json::Value v = json::Value::MakeObject();
  switch (u.permission) {
    case policy::UsePermission::kForbidden:
      v["permission"] = "forbidden";
      break;
    case policy::UsePermission::kWithApproval:
      v["permission"] = "with-approval";
      break;
    case policy::UsePermission::kFree:
      v["permission"] = "free";
      break;
  }
  v["approvals"] = u.approvals;
  return v;
}

// The off-hours rule's working hours; null when the policy sets none.
json::Value WorkHoursJson(const policy::anomaly::WorkHours* h) {
  if (h == nullptr) return json::Value();
  using policy::anomaly::FormatClock;
  json::Value v = json::Value::MakeObject();
  v["utc_offset"] = FormatUtcOffset(h->utc_offset_minutes);
  v["start"] = FormatClock(h->start_minute);
  v["end"] = FormatClock(h->end_minute);
  json::Value days = json::Value::MakeArray();
  for (size_t d = 0; d < policy::anomaly::kWeekdayIds.size(); ++d) {
    if ((h->weekdays >> d) & 1) days.Push(policy::anomaly::kWeekdayIds[d]);
  }
  v["days"] = std::move(days);
  json::Value holidays = json::Value::MakeArray();
  for (int64_t day : h->holidays) holidays.Push(FormatDate(CivilFromDays(day)));
  v["holidays"] = std::move(holidays);
  json::Value workdays = json::Value::MakeArray();
  for (int64_t day : h->extra_workdays) workdays.Push(FormatDate(CivilFromDays(day)));
  v["workdays"] = std::move(workdays);
  return v;
}

json::Value Summary(const policy::Policy& p) {
  json::Value roles = json::Value::MakeObject();
  for (Role r : policy::kAllRoles) {
    json::Value actions = json::Value::MakeArray();
    for (policy::Action a : policy::kAllActions) {
      if (p.RolePermits(r, a)) actions.Push(policy::ActionId(a));
    }
    roles[policy::RoleId(r)] = std::move(actions);
  }
  json::Value levels = json::Value::MakeArray();
  for (policy::Classification c : policy::kAllClassifications) {
    const policy::ClassificationRules& cr = p.rules(c);
    json::Value x = json::Value::MakeObject();
    x["classification"] = policy::ClassificationId(c);
    x["marking"] = MarkingJson(c);
    json::Value view_roles = json::Value::MakeArray();
    for (Role r : policy::kAllRoles) {
      if (cr.view_roles.test(static_cast<size_t>(r))) view_roles.Push(policy::RoleId(r));
    }
    x["view_roles"] = std::move(view_roles);
    x["view_quota"] = cr.view_quota ? json::Value(*cr.view_quota) : json::Value();
    x["quota_window_days"] = cr.quota_window_days;
    x["reason_required"] = cr.reason_required;
    x["reason_min_chars"] = cr.reason_min_chars;
    x["loan_approvals"] = cr.loan_approvals;
    x["max_loan_hours"] = cr.max_loan_hours;
    x["custodian_release"] = cr.custodian_release;
    x["owner_needs_loan"] = cr.owner_needs_loan;
    x["owner_view_quota"] = cr.owner_view_quota ? json::Value(*cr.owner_view_quota) : json::Value();
    x["copy"] = UseJson(cr.copy);
    x["print"] = UseJson(cr.print);
    x["export"] = UseJson(cr.export_);
    levels.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["roles"] = std::move(roles);
  v["classifications"] = std::move(levels);
  v["work_hours"] = WorkHoursJson(p.work_hours());
  // The company's calendar: the offset its dates are days of.
  v["calendar_utc_offset"] = FormatUtcOffset(p.utc_offset_minutes());
  const policy::anomaly::Thresholds& t = p.anomaly_thresholds();
  json::Value rules = json::Value::MakeObject();
  rules["spike_factor"] = t.spike_factor;
  rules["spike_min_views"] = t.spike_min_views;
  rules["baseline_min_days"] = t.baseline_min_active_days;
  rules["denials"] = t.denials;
  rules["denial_window_minutes"] = t.denial_window_millis / 60000;
  v["anomaly_rules"] = std::move(rules);
  return v;
}

HttpResponse Show(App& app, const HttpRequest& req, const RequestContext&) {
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  auto p = vault::CurrentPolicy(**r);
  if (!p.ok()) return ErrorResponse(p.status());
  auto history = vault::PolicyHistory(**r);
  if (!history.ok()) return ErrorResponse(history.status());
  json::Value hist = json::Value::MakeArray();
  for (const vault::PolicyApplication& a : *history) {
    json::Value x = json::Value::MakeObject();
    x["sha256"] = a.sha256;
    x["version"] = a.version;
    x["applied_at"] = FormatRfc3339Millis(a.applied_at);
    x["applied_by"] = PersonJson(**r, a.applied_by);
    x["audit_seq"] = a.audit_seq;
    hist.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["version"] = p->version();
  v["sha256"] = p->digest();
  v["summary"] = Summary(*p);
  v["history"] = std::move(hist);
  if (QueryString(req, "source") == "1") v["source"] = p->source();
  return HttpResponse::Json(v);
}

HttpResponse Apply(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto xml = RequiredText(req.json, "xml", 512 * 1024);
  if (!xml.ok()) return ErrorResponse(xml.status());
  auto reason = RequiredText(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto applied = vault::ApplyPolicy(app.vault, app.options.archive->audit_log(), ctx.ToCaller(),
                                    *xml, *reason);
  if (!applied.ok()) return ErrorResponse(applied.status());
  json::Value v = json::Value::MakeObject();
  v["sha256"] = applied->sha256;
  v["version"] = applied->version;
  v["applied_at"] = FormatRfc3339Millis(applied->applied_at);
  v["audit_seq"] = applied->audit_seq;
  // The first of two administrators: recorded, not yet in force.
  v["pending_second_approval"] = applied->pending_second_approval;
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterPolicyRoutes(App& app) {
  // Reading the rules is for those who administer or check them.
  app.router.Add(
      Route::ForRoles("GET", "/api/v1/policy", {Role::kAdmin, Role::kAuditor}, Bind(app, &Show)));
  app.router.Add(
      Route::ForRoles("POST", "/api/v1/policy", {Role::kAdmin}, Bind(app, &Apply)).Json());
}

}  // namespace custos::web::internal
