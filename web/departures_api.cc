// Departures: handing a leaver's customer files to successors (assign, then
// an approver confirms, which moves the ownership) and the departure report
// (what the person authored, owned, borrowed and viewed; no content). Every
// decision is the policy's, made and audited inside vault/handover and
// vault/departure_report; this file only translates HTTP. The routes are
// open to any session so that every refusal is decided (and, for changes,
// audited) by the vault.
#include <string>
#include <tuple>
#include <utility>

#include "base/json.h"
#include "policy/types.h"
#include "vault/access/users.h"
#include "vault/agreements/agreements.h"
#include "vault/people/departure_checklist.h"
#include "vault/people/departure_report.h"
#include "vault/people/handover.h"
#include "vault/records/records.h"
#include "web/agreement_documents.h"
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

// The customer-confirmation mode of the policy in force.
policy::CustomerConfirmation ModeAt(App& app, const vault::ReadTxn& txn) {
  auto policy = app.options.archive->PolicyAt(txn);
  return policy.ok() ? (*policy)->customer_confirmation() : policy::CustomerConfirmation::kOptional;
}

json::Value HandoverJson(const vault::ReadTxn& txn, const vault::Handover& h,
                         policy::CustomerConfirmation mode) {
  json::Value x = h.ToJson();
  x["successor_person"] = PersonJson(txn, h.successor_id);
  x["assigned_by_person"] = PersonJson(txn, h.assigned_by);
  if (!h.confirmed_by.empty()) x["confirmed_by_person"] = PersonJson(txn, h.confirmed_by);
  x["customer_state"] = std::string(vault::CustomerStateId(h, mode));
  x["complete"] = vault::HandoverComplete(h, mode);
  if (!h.customer.recorded_by.empty()) {
    x["customer"]["recorded_by_person"] = PersonJson(txn, h.customer.recorded_by);
  }
  if (!h.customer.waived_by.empty()) {
    x["customer"]["waived_by_person"] = PersonJson(txn, h.customer.waived_by);
  }
  if (h.letter) x["letter"]["issued_by_person"] = PersonJson(txn, h.letter->issued_by);
  return x;
}

// A handover change's answer: the handover as it now stands.
HttpResponse HandoverResponse(App& app, const Result<vault::Handover>& h) {
  if (!h.ok()) return ErrorResponse(h.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["handover"] = HandoverJson(**r, *h, ModeAt(app, **r));
  return HttpResponse::Json(v);
}

HttpResponse Leavers(App& app, const HttpRequest&, const RequestContext& ctx) {
  auto people = vault::ListLeavers(*app.options.archive, ctx.ToCaller());
  if (!people.ok()) return ErrorResponse(people.status());
  // Where each departure stands (the checklist's blocking items still
  // open), so HR and the auditors see at a glance whose is not done. A
  // checklist that cannot be read leaves its row without it (null).
  std::vector<std::string> ids;
  for (const vault::User& u : *people) ids.push_back(u.id);
  auto checklists = vault::BuildDepartureChecklists(*app.options.archive, ctx.ToCaller(), ids);
  if (!checklists.ok()) return ErrorResponse(checklists.status());
  json::Value list = json::Value::MakeArray();
  for (size_t i = 0; i < people->size(); ++i) {
    json::Value x = LeaverJson((*people)[i]);
    if (const std::optional<vault::DepartureChecklist>& checklist = (*checklists)[i]) {
      json::Value open = json::Value::MakeArray();
      for (const vault::ChecklistItem& item : checklist->items) {
        if (item.blocking && item.state == vault::ChecklistState::kOpen) open.Push(item.id);
      }
      x["complete"] = checklist->complete;
      x["open_items"] = std::move(open);
    } else {
      x["complete"] = json::Value();
      x["open_items"] = json::Value();
    }
    list.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["people"] = std::move(list);
  return HttpResponse::Json(v);
}

// One customer file of a departure, as both lists show it: the file (names
// and marking, never content) and its handover, if any.
json::Value FileJson(const vault::ReadTxn& txn, const vault::RecordMeta& meta,
                     const vault::Handover* handover, policy::CustomerConfirmation mode) {
  json::Value x = json::Value::MakeObject();
  x["id"] = meta.id;
  x["name"] = meta.name;
  x["kind"] = std::string(vault::RecordKindId(meta.kind));
  x["marking"] = MarkingJson(meta.classification);
  x["owner"] = PersonJson(txn, meta.owner_id);
  x["handover"] = handover != nullptr ? HandoverJson(txn, *handover, mode) : json::Value();
  return x;
}

// The caller's own handovers as successor (vault::HandoversTo), a page at
// a time: the file, the leaver and the handover, to tell each customer;
// with how many there are from each leaver, and how many are still open.
HttpResponse Mine(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto limit = QuerySize(req, "limit", 100, 1000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto offset = QuerySize(req, "offset", 0, 1'000'000'000);
  if (!offset.ok()) return ErrorResponse(offset.status());
  auto page = vault::HandoversTo(*app.options.archive, ctx.ToCaller(), *offset, *limit);
  if (!page.ok()) return ErrorResponse(page.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::HandedToMe& item : page->items) {
    json::Value x = FileJson(**r, item.meta, &item.handover, page->mode);
    x["leaver"] = LeaverJson(item.leaver);
    list.Push(std::move(x));
  }
  json::Value leavers = json::Value::MakeArray();
  for (const vault::HandedToMeFrom& from : page->leavers) {
    json::Value x = LeaverJson(from.leaver);
    x["total"] = static_cast<uint64_t>(from.total);
    x["open"] = static_cast<uint64_t>(from.open);
    leavers.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["customer_confirmation"] = std::string(policy::CustomerConfirmationId(page->mode));
  v["records"] = std::move(list);
  v["leavers"] = std::move(leavers);
  v["total"] = static_cast<uint64_t>(page->total);
  v["open"] = static_cast<uint64_t>(page->open);
  v["offset"] = static_cast<uint64_t>(*offset);
  v["limit"] = static_cast<uint64_t>(*limit);
  return HttpResponse::Json(v);
}

HttpResponse List(App& app, const HttpRequest& req, const RequestContext& ctx) {
  const std::string& user_id = req.params.at("user");
  // A page at a time: a salesperson may leave 100 000 customers.
  auto limit = QuerySize(req, "limit", 100, 1000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto offset = QuerySize(req, "offset", 0, 1'000'000'000);
  if (!offset.ok()) return ErrorResponse(offset.status());
  auto page = vault::ListHandovers(*app.options.archive, ctx.ToCaller(), user_id, *offset, *limit);
  if (!page.ok()) return ErrorResponse(page.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  const policy::CustomerConfirmation mode = ModeAt(app, **r);
  json::Value list = json::Value::MakeArray();
  for (const vault::HandoverItem& item : page->items) {
    list.Push(FileJson(**r, item.meta, item.handover ? &*item.handover : nullptr, mode));
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
  v["total"] = static_cast<uint64_t>(page->total);
  v["offset"] = static_cast<uint64_t>(*offset);
  v["limit"] = static_cast<uint64_t>(*limit);
  v["agreements"] = std::move(agr);
  v["customer_confirmation"] = std::string(policy::CustomerConfirmationId(mode));
  return HttpResponse::Json(v);
}

HttpResponse Assign(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto record = RequiredText(req.json, "record", 64);
  if (!record.ok()) return ErrorResponse(record.status());
  auto successor = RequiredText(req.json, "successor", 64);
  if (!successor.ok()) return ErrorResponse(successor.status());
  auto reason = OptionalText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  return HandoverResponse(
      app, vault::AssignHandover(*app.options.archive, ctx.ToCaller(), req.params.at("user"),
                                 *record, *successor, *reason));
}

HttpResponse Confirm(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = OptionalText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  return HandoverResponse(
      app, vault::ConfirmHandover(*app.options.archive, ctx.ToCaller(), req.params.at("user"),
                                  req.params.at("record"), *reason));
}

// A bulk handover's answer: how many files it handed over, confirmed once
// under a legal hold or left, and the refusal that stopped it, if any — as
// an error (403 with its rule) when it stopped before any file was done.
HttpResponse BulkResponse(const Result<vault::BulkHandoverResult>& r) {
  if (!r.ok()) return ErrorResponse(r.status());
  if (!r->refusal.ok() && r->done == 0 && r->pending_second_approval == 0) {
    return ErrorResponse(r->refusal);
  }
  json::Value v = json::Value::MakeObject();
  v["done"] = static_cast<int64_t>(r->done);
  v["pending_second_approval"] = static_cast<int64_t>(r->pending_second_approval);
  v["skipped"] = static_cast<int64_t>(r->skipped);
  v["refused"] = json::Value();
  if (!r->refusal.ok()) v["refused"] = ApiErrorJson(ApiErrorFromStatus(r->refusal));
  return HttpResponse::Json(v);
}

HttpResponse AssignAll(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto successor = RequiredText(req.json, "successor", 64);
  if (!successor.ok()) return ErrorResponse(successor.status());
  auto reason = OptionalText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  return BulkResponse(vault::AssignAllHandovers(*app.options.archive, ctx.ToCaller(),
                                                req.params.at("user"), *successor, *reason));
}

HttpResponse ConfirmAll(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = OptionalText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  return BulkResponse(vault::ConfirmAllHandovers(*app.options.archive, ctx.ToCaller(),
                                                 req.params.at("user"), *reason));
}

HttpResponse IssueLetter(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::CustomerLetterRequest request;
  auto language = OptionalText(req.json, "language", 8);
  if (!language.ok()) return ErrorResponse(language.status());
  if (!language->empty()) request.language = *language;
  for (auto [key, out] : {std::pair{"company_name", &request.company_name},
                          std::pair{"successor_phone", &request.successor_phone},
                          std::pair{"successor_email", &request.successor_email},
                          std::pair{"successor_department", &request.successor_department},
                          std::pair{"reply_by", &request.reply_by}}) {
    auto text = OptionalText(req.json, key, 200);
    if (!text.ok()) return ErrorResponse(text.status());
    *out = std::move(*text);
  }
  // The template is read on each letter; the library's data files are not.
  auto letter = vault::IssueCustomerLetter(*app.options.archive, ctx.ToCaller(),
                                           req.params.at("user"), req.params.at("record"), request,
                                           CustomerLetterRendererOver(ShippedLettersDir()));
  if (!letter.ok()) return ErrorResponse(letter.status());
  json::Value v = json::Value::MakeObject();
  v["language"] = letter->info.language;
  v["sha256"] = letter->info.sha256;
  v["issued_at"] = letter->info.issued_at;
  v["seq"] = letter->info.seq;
  return HttpResponse::Json(v);
}

// The letter as a printable page of its own (sandboxed like agreements).
HttpResponse ShowLetter(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto letter = vault::CustomerLetterOf(*app.options.archive, ctx.ToCaller(), req.params.at("user"),
                                        req.params.at("record"));
  if (!letter.ok()) return ErrorResponse(letter.status());
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(letter->html);
  r.headers.emplace_back("Content-Security-Policy", kDocumentCsp);
  r.headers.emplace_back("X-Content-SHA256", letter->info.sha256);
  return r;
}

HttpResponse CustomerAnswer(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::CustomerAnswerInput input;
  auto answer = RequiredText(req.json, "answer", 16);
  if (!answer.ok()) return ErrorResponse(answer.status());
  auto parsed = vault::ParseCustomerAnswer(*answer);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  input.answer = *parsed;
  for (auto [key, out, max] :
       {std::tuple{"method", &input.method, size_t{16}},
        std::tuple{"contact_name", &input.contact_name, size_t{200}},
        std::tuple{"contact_position", &input.contact_position, size_t{200}},
        std::tuple{"date", &input.date, size_t{10}}, std::tuple{"note", &input.note, size_t{2048}},
        std::tuple{"attachment", &input.attachment_id, size_t{64}}}) {
    auto text = OptionalText(req.json, key, max);
    if (!text.ok()) return ErrorResponse(text.status());
    *out = std::move(*text);
  }
  return HandoverResponse(
      app, vault::RecordCustomerAnswer(*app.options.archive, ctx.ToCaller(), req.params.at("user"),
                                       req.params.at("record"), input));
}

HttpResponse Waive(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = RequiredText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  return HandoverResponse(app, vault::WaiveCustomerConfirmation(
                                   *app.options.archive, ctx.ToCaller(), req.params.at("user"),
                                   req.params.at("record"), *reason));
}

HttpResponse NoticeRefusal(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto agreement = OptionalText(req.json, "agreement", 64);
  if (!agreement.ok()) return ErrorResponse(agreement.status());
  auto reason = RequiredText(req.json, "reason", 2048);
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto r = vault::RecordNoticeRefusal(*app.options.archive, ctx.ToCaller(), req.params.at("user"),
                                      *agreement, *reason);
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["agreement"] = r->agreement_id;
  v["recorded_at"] = r->recorded_at;
  v["seq"] = r->seq;
  return HttpResponse::Json(v);
}

HttpResponse Checklist(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto list =
      vault::BuildDepartureChecklist(*app.options.archive, ctx.ToCaller(), req.params.at("user"));
  if (!list.ok()) return ErrorResponse(list.status());
  json::Value v = json::Value::MakeObject();
  v["checklist"] = list->ToJson();
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
  app.router.Add(Route::ForSession("GET", "/api/v1/handovers/mine", Bind(app, &Mine)));
  app.router.Add(Route::ForSession("GET", "/api/v1/departures/{user}/handovers", Bind(app, &List)));
  app.router.Add(
      Route::ForSession("POST", "/api/v1/departures/{user}/handovers", Bind(app, &Assign)).Json());
  app.router.Add(Route::ForSession("POST", "/api/v1/departures/{user}/handovers/{record}/confirm",
                                   Bind(app, &Confirm))
                     .Json());
  app.router.Add(
      Route::ForSession("POST", "/api/v1/departures/{user}/assign-all", Bind(app, &AssignAll))
          .Json());
  app.router.Add(
      Route::ForSession("POST", "/api/v1/departures/{user}/confirm-all", Bind(app, &ConfirmAll))
          .Json());
  app.router.Add(Route::ForSession("GET", "/api/v1/departures/{user}/report", Bind(app, &Report)));
  app.router.Add(
      Route::ForSession("GET", "/api/v1/departures/{user}/checklist", Bind(app, &Checklist)));
  app.router.Add(Route::ForSession("POST", "/api/v1/departures/{user}/notice-refusal",
                                   Bind(app, &NoticeRefusal))
                     .Json());
  const std::string handover = "/api/v1/departures/{user}/handovers/{record}/";
  app.router.Add(
      Route::ForSession("POST", handover + "customer-letter", Bind(app, &IssueLetter)).Json());
  app.router.Add(Route::ForSession("GET", handover + "customer-letter", Bind(app, &ShowLetter)));
  app.router.Add(
      Route::ForSession("POST", handover + "customer-confirmation", Bind(app, &CustomerAnswer))
          .Json());
  app.router.Add(Route::ForSession("POST", handover + "customer-waiver", Bind(app, &Waive)).Json());
}

}  // namespace custos::web::internal
