// Departures: handing a leaver's customer files to successors (assign, then
// an approver confirms, which moves the ownership) and the departure report
// (what the person authored, owned, borrowed and viewed; no content). Every
// decision is the policy's, made and audited inside vault/handover and
// vault/departure_report; this file only translates HTTP. The routes are
// open to any session so that every refusal is decided (and, for changes,
// audited) by the vault.
#include <string>

#include "base/json.h"
#include "policy/types.h"
#include "vault/agreements.h"
#include "vault/departure_report.h"
#include "vault/handover.h"
#include "vault/records.h"
#include "vault/users.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

json::Value LeaverJson(const vault::User& u) {
  json::Value x = json::Value::MakeObject();
  x["id"] = u.id;
  x["username"] = u.username;
  x["display_name"] = u.display_name;
  x["department"] = u.department;
  x["employment"] = std::string(policy::EmploymentStateId(u.employment));
  x["notice_date"] = u.notice_date;
  x["last_working_day"] = u.last_working_day;
  return x;
}

json::Value HandoverJson(const vault::ReadTxn& txn, const vault::Handover& h) {
  json::Value x = h.ToJson();
  x["successor_person"] = PersonJson(txn, h.successor_id);
  x["assigned_by_person"] = PersonJson(txn, h.assigned_by);
  if (!h.confirmed_by.empty()) x["confirmed_by_person"] = PersonJson(txn, h.confirmed_by);
  return x;
}

HttpResponse Leavers(App& app, const HttpRequest&, const RequestContext& ctx) {
  auto people = vault::ListLeavers(*app.options.archive, ctx.ToCaller());
  if (!people.ok()) return ErrorResponse(people.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::User& u : *people) list.Push(LeaverJson(u));
  json::Value v = json::Value::MakeObject();
  v["people"] = std::move(list);
  return HttpResponse::Json(v);
}

HttpResponse List(App& app, const HttpRequest& req, const RequestContext& ctx) {
  const std::string& user_id = req.params.at("user");
  auto items = vault::ListHandovers(*app.options.archive, ctx.ToCaller(), user_id);
  if (!items.ok()) return ErrorResponse(items.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::HandoverItem& item : *items) {
    json::Value x = json::Value::MakeObject();
    x["id"] = item.meta.id;
    x["name"] = item.meta.name;
    x["kind"] = std::string(vault::RecordKindId(item.meta.kind));
    x["marking"] = MarkingJson(item.meta.classification);
    x["owner"] = PersonJson(**r, item.meta.owner_id);
    x["handover"] = item.handover ? HandoverJson(**r, *item.handover) : json::Value();
    list.Push(std::move(x));
  }
  // The leaver's NDA and non-compete as the departure needs them: signed
  // (completed) or not, never their terms.
  auto agreements = vault::AgreementsOfEmployee(**r, user_id);
  if (!agreements.ok()) return ErrorResponse(agreements.status());
  json::Value agr = json::Value::MakeArray();
  for (const vault::Agreement& a : *agreements) {
    json::Value x = json::Value::MakeObject();
    x["id"] = a.id;
    x["kind"] = a.kind;
    x["title"] = a.title;
    x["state"] = std::string(vault::AgreementStateId(a.state));
    x["completed_at"] = a.completed_at;
    agr.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["user"] = PersonJson(**r, user_id);
  v["records"] = std::move(list);
  v["agreements"] = std::move(agr);
  return HttpResponse::Json(v);
}

HttpResponse Assign(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto record = RequiredText(req.json, "record", 64);
  if (!record.ok()) return ErrorResponse(record.status());
  auto successor = RequiredText(req.json, "successor", 64);
  if (!successor.ok()) return ErrorResponse(successor.status());
  auto reason = OptionalText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto h = vault::AssignHandover(*app.options.archive, ctx.ToCaller(), req.params.at("user"),
                                 *record, *successor, *reason);
  if (!h.ok()) return ErrorResponse(h.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["handover"] = HandoverJson(**r, *h);
  return HttpResponse::Json(v);
}

HttpResponse Confirm(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = OptionalText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto h = vault::ConfirmHandover(*app.options.archive, ctx.ToCaller(), req.params.at("user"),
                                  req.params.at("record"), *reason);
  if (!h.ok()) return ErrorResponse(h.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["handover"] = HandoverJson(**r, *h);
  return HttpResponse::Json(v);
}

HttpResponse Report(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto days = QuerySize(req, "lookback_days", vault::kDefaultLookbackDays,
                        static_cast<size_t>(vault::kMaxLookbackDays));
  if (!days.ok()) return ErrorResponse(days.status());
  vault::DepartureReportOptions options;
  options.lookback_days = static_cast<int>(*days);
  auto report = vault::BuildDepartureReport(*app.options.archive, ctx.ToCaller(),
                                            req.params.at("user"), options);
  if (!report.ok()) return ErrorResponse(report.status());
  json::Value v = json::Value::MakeObject();
  v["report"] = report->ToJson();
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterDepartureRoutes(App& app) {
  app.router.Add(Route::ForSession("GET", "/api/v1/departures", Bind(app, &Leavers)));
  app.router.Add(Route::ForSession("GET", "/api/v1/departures/{user}/handovers", Bind(app, &List)));
  app.router.Add(
      Route::ForSession("POST", "/api/v1/departures/{user}/handovers", Bind(app, &Assign)).Json());
  app.router.Add(Route::ForSession("POST", "/api/v1/departures/{user}/handovers/{record}/confirm",
                                   Bind(app, &Confirm))
                     .Json());
  app.router.Add(Route::ForSession("GET", "/api/v1/departures/{user}/report", Bind(app, &Report)));
}

}  // namespace custos::web::internal
