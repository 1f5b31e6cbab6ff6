// Employment (HR): the list of people with their employment state,
// registering a resignation (notice date and last working day, which starts
// the non-compete clock) and withdrawing one in its notice period. Both are
// decided by the policy in force (register_resignation) and audited in the
// same transaction by vault/people/employment; this file only translates
// HTTP.
#include <string>

#include "base/json.h"
#include "base/time.h"
#include "policy/types.h"
#include "vault/access/users.h"
#include "vault/people/employment.h"
#include "vault/records/records.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

using policy::Role;

json::Value EmploymentJson(const vault::User& u) {
  json::Value x = json::Value::MakeObject();
  x["id"] = u.id;
  x["username"] = u.username;
  x["display_name"] = u.display_name;
  x["department"] = u.department;
  x["employment"] = std::string(policy::EmploymentStateId(u.employment));
  x["notice_date"] = u.notice_date;
  x["last_working_day"] = u.last_working_day;
  x["disabled"] = u.disabled;
  return x;
}

HttpResponse List(App& app, const HttpRequest&, const RequestContext&) {
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  auto users = vault::ListUsers(**r);
  if (!users.ok()) return ErrorResponse(users.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::User& u : *users) list.Push(EmploymentJson(u));
  json::Value v = json::Value::MakeObject();
  v["people"] = std::move(list);
  return HttpResponse::Json(v);
}

HttpResponse Register(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto notice = RequiredText(req.json, "notice_date", 32);
  if (!notice.ok()) return ErrorResponse(notice.status());
  auto last = RequiredText(req.json, "last_working_day", 32);
  if (!last.ok()) return ErrorResponse(last.status());
  auto reason = OptionalText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto confirmed = OptionalBool(req.json, "confirm_past_last_day", false);
  if (!confirmed.ok()) return ErrorResponse(confirmed.status());
  // Where a person types the dates, a wrong year is caught here (the vault
  // checks their form and order). `today` is the company's date (the
  // policy's <calendar>), the one serve's departure sweep uses
  // (cli/serve_command.cc).
  const auto notice_date = ParseDate(*notice);
  const auto last_day = ParseDate(*last);
  // Dates out of order are the vault's to refuse.
  if (notice_date.ok() && last_day.ok() && !(*last_day < *notice_date)) {
    auto company_today = app.options.archive->CompanyDate(ctx.now);
    if (!company_today.ok()) return ErrorResponse(company_today.status());
    const int64_t today = DaysFromCivil(*company_today);
    // A notice is registered once given.
    if (DaysFromCivil(*notice_date) > today) {
      return ErrorResponse(Status::InvalidArgument(
          "notice_date " + *notice +
              " is in the future; register a resignation once notice is given",
          "提出离职日期 " + *notice + " 晚于今天：请在员工提出离职后再登记"));
    }
    if (DaysFromCivil(*last_day) - DaysFromCivil(*notice_date) > 366) {
      return ErrorResponse(Status::InvalidArgument(
          "the last working day is more than a year after the notice date; check the year",
          "最后工作日比提出离职日期晚一年以上，请检查年份"));
    }
    // A last working day already past closes the account at serve's next
    // sweep, within seconds, and a departure cannot be undone: HR says so.
    if (DaysFromCivil(*last_day) < today && !*confirmed) {
      return ErrorResponse(
          409, "confirmation_required",
          "the last working day " + *last +
              " has passed: the account will be closed at once and the departure begins; "
              "confirm to register it (confirm_past_last_day)",
          "最后工作日 " + *last +
              " 已过：登记后该账户将立即停用，离职流程随即开始。"
              "如确认无误，请确认后再登记");
    }
  }
  auto user =
      vault::RegisterResignation(app.vault, app.options.archive->audit_log(), ctx.ToCaller(),
                                 req.params.at("id"), *notice, *last, *reason);
  if (!user.ok()) return ErrorResponse(user.status());
  json::Value v = json::Value::MakeObject();
  v["user"] = EmploymentJson(*user);
  return HttpResponse::Json(v);
}

// Withdraws a resignation in its notice period (the employee stays, or the
// wrong person was registered). The answer says which handovers were
// cancelled and how many were confirmed already (those files stay with
// their successors).
HttpResponse Withdraw(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = RequiredText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  // Today by the company's calendar, as serve's departure sweep reads it.
  auto today = app.options.archive->CompanyDate(ctx.now);
  if (!today.ok()) return ErrorResponse(today.status());
  auto done = vault::WithdrawResignation(app.vault, app.options.archive->audit_log(),
                                         ctx.ToCaller(), req.params.at("id"), *reason, *today);
  if (!done.ok()) return ErrorResponse(done.status());
  json::Value cancelled = json::Value::MakeArray();
  for (const vault::Handover& h : done->cancelled_handovers) {
    json::Value x = json::Value::MakeObject();
    x["record"] = h.record_id;
    x["successor"] = h.successor_id;
    cancelled.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["user"] = EmploymentJson(done->user);
  v["cancelled_handovers"] = std::move(cancelled);
  v["confirmed_handovers"] = static_cast<int64_t>(done->confirmed_handovers);
  json::Value notices = json::Value::MakeArray();
  for (const std::string& id : done->open_departure_notices) notices.Push(id);
  v["open_departure_notices"] = std::move(notices);
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterEmploymentRoutes(App& app) {
  app.router.Add(Route::ForRoles("GET", "/api/v1/employment", {Role::kHr}, Bind(app, &List)));
  // Any session may ask: the policy in force decides inside the vault, so
  // every refusal is audited (and a changed policy needs no code change).
  app.router.Add(
      Route::ForSession("POST", "/api/v1/users/{id}/resignation", Bind(app, &Register)).Json());
  app.router.Add(
      Route::ForSession("POST", "/api/v1/users/{id}/resignation/withdraw", Bind(app, &Withdraw))
          .Json());
}

}  // namespace custos::web::internal
