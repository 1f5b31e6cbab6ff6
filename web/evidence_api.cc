// /api/v1/evidence and /api/v1/holds: evidence requests for litigation
// (request, preview, approve, deny), exports and later downloads streamed as
// custos-evidence/1 bundles, and legal holds. Every decision and audit event
// is the vault's (vault/evidence/evidence.h); this file translates HTTP.
// The routes are open to any session so that every refusal is decided, and
// audited, by the vault's policy.
#include <memory>
#include <string>

#include "base/json.h"
#include "vault/access/users.h"
#include "vault/evidence/evidence.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"
#include "web/tsa_client.h"

namespace custos::web::internal {

namespace {

using vault::evidence::EvidenceDesk;
using vault::evidence::EvidenceExport;
using vault::evidence::EvidenceRequest;
using vault::evidence::EvidenceStep;

json::Value StepJson(const vault::ReadTxn& txn, const EvidenceStep& s) {
  json::Value o = json::Value::MakeObject();
  o["by"] = PersonJson(txn, s.by);
  o["at"] = s.at;
  o["note"] = s.note;
  o["audit_seq"] = s.audit_seq;
  return o;
}

json::Value ExportJson(const vault::ReadTxn& txn, const EvidenceExport& e) {
  json::Value o = json::Value::MakeObject();
  o["number"] = e.number;
  o["by"] = PersonJson(txn, e.by);
  o["at"] = e.at;
  o["bundle_sha256"] = e.bundle_sha256;
  o["bundle_size"] = e.bundle_size;
  o["delivered_sha256"] = e.stored.sha256;
  o["delivered_size"] = e.stored.size;
  o["checkpoint_size"] = e.checkpoint_size;
  o["checkpoint_root"] = e.checkpoint_root;
  o["redacted"] = e.redacted;
  o["encrypted"] = e.encrypted;
  o["timestamped"] = e.timestamped;
  o["events"] = e.events;
  o["audit_seq"] = e.audit_seq;
  json::Value downloads = json::Value::MakeArray();
  for (const EvidenceStep& d : e.downloads) downloads.Push(StepJson(txn, d));
  o["downloads"] = std::move(downloads);
  return o;
}

// A request as the UI shows it: names for the ids, no storage details.
json::Value RequestJson(const vault::ReadTxn& txn, const EvidenceRequest& r) {
  json::Value o = json::Value::MakeObject();
  o["id"] = r.id;
  o["case"] = r.case_ref;
  o["purpose"] = r.purpose;
  json::Value people = json::Value::MakeArray();
  for (const std::string& id : r.scope.person_ids) people.Push(PersonJson(txn, id));
  json::Value scope = json::Value::MakeObject();
  scope["people"] = std::move(people);
  json::Value records = json::Value::MakeArray();
  for (const std::string& id : r.scope.record_ids) {
    json::Value rec = json::Value::MakeObject();
    rec["id"] = id;
    if (auto meta = vault::Archive::ReadMeta(txn, id); meta.ok()) {
      rec["name"] = meta->name;
      rec["marking"] = MarkingJson(meta->classification);
    }
    records.Push(std::move(rec));
  }
  scope["records"] = std::move(records);
  scope["from"] = r.scope.from;
  scope["to"] = r.scope.to;
  o["scope"] = std::move(scope);
  o["redact"] = r.redact;
  o["recipients"] = static_cast<int64_t>(r.recipients.size());
  o["state"] = policy::EvidenceStateId(r.state);
  o["requester"] = PersonJson(txn, r.requester_id);
  o["requested_at"] = r.requested_at;
  o["request_seq"] = r.request_seq;
  o["approvals_required"] = r.approvals_required;
  json::Value approvals = json::Value::MakeArray();
  for (const EvidenceStep& a : r.approvals) approvals.Push(StepJson(txn, a));
  o["approvals"] = std::move(approvals);
  o["denial"] = r.denial ? StepJson(txn, *r.denial) : json::Value();
  json::Value hold = json::Value::MakeObject();
  hold["active"] = r.hold.active;
  hold["placed_at"] = r.hold.placed_at;
  hold["records"] = static_cast<int64_t>(r.hold.record_ids.size());
  hold["agreements"] = static_cast<int64_t>(r.hold.agreement_ids.size());
  hold["lifted"] = r.hold.lifted ? StepJson(txn, *r.hold.lifted) : json::Value();
  o["hold"] = std::move(hold);
  json::Value exports = json::Value::MakeArray();
  for (const EvidenceExport& e : r.exports) exports.Push(ExportJson(txn, e));
  o["exports"] = std::move(exports);
  return o;
}

HttpResponse RequestResponse(App& app, const EvidenceRequest& r, int status = 200) {
  auto txn = app.vault.BeginRead();
  if (!txn.ok()) return ErrorResponse(txn.status());
  json::Value v = json::Value::MakeObject();
  v["request"] = RequestJson(**txn, r);
  return HttpResponse::Json(v, status);
}

Result<vault::evidence::NewEvidenceRequest> ParseNewRequest(const json::Value& body) {
  vault::evidence::NewEvidenceRequest n;
  CUSTOS_ASSIGN_OR_RETURN(n.case_ref, RequiredText(body, "case", 1024));
  CUSTOS_ASSIGN_OR_RETURN(n.purpose, OptionalText(body, "purpose", 4096));
  CUSTOS_ASSIGN_OR_RETURN(n.scope.person_ids, OptionalStrings(body, "people"));
  CUSTOS_ASSIGN_OR_RETURN(n.scope.record_ids, OptionalStrings(body, "records"));
  CUSTOS_ASSIGN_OR_RETURN(auto from, OptionalTime(body, "from"));
  CUSTOS_ASSIGN_OR_RETURN(auto to, OptionalTime(body, "to"));
  n.scope.from = from.value_or(0);
  n.scope.to = to.value_or(0);
  CUSTOS_ASSIGN_OR_RETURN(n.redact, OptionalBool(body, "redact", n.redact));
  CUSTOS_ASSIGN_OR_RETURN(n.recipients, OptionalStrings(body, "recipients"));
  return n;
}

HttpResponse Create(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto n = ParseNewRequest(req.json);
  if (!n.ok()) return ErrorResponse(n.status());
  EvidenceDesk desk(*app.options.archive);
  auto r = desk.Request(ctx.ToCaller(), *n);
  if (!r.ok()) return ErrorResponse(r.status());
  return RequestResponse(app, *r, 201);
}

HttpResponse Preview(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto n = ParseNewRequest(req.json);
  if (!n.ok()) return ErrorResponse(n.status());
  EvidenceDesk desk(*app.options.archive);
  auto p = desk.Preview(ctx.ToCaller(), *n);
  if (!p.ok()) return ErrorResponse(p.status());
  json::Value v = json::Value::MakeObject();
  v["preview"] = p->ToJson();
  return HttpResponse::Json(v);
}

HttpResponse List(App& app, const HttpRequest&, const RequestContext& ctx) {
  EvidenceDesk desk(*app.options.archive);
  auto all = desk.List(ctx.ToCaller());
  if (!all.ok()) return ErrorResponse(all.status());
  auto txn = app.vault.BeginRead();
  if (!txn.ok()) return ErrorResponse(txn.status());
  json::Value list = json::Value::MakeArray();
  for (const EvidenceRequest& r : *all) list.Push(RequestJson(**txn, r));
  json::Value v = json::Value::MakeObject();
  v["requests"] = std::move(list);
  return HttpResponse::Json(v);
}

HttpResponse Get(App& app, const HttpRequest& req, const RequestContext& ctx) {
  EvidenceDesk desk(*app.options.archive);
  auto r = desk.Get(ctx.ToCaller(), req.params.at("id"));
  if (!r.ok()) return ErrorResponse(r.status());
  return RequestResponse(app, *r);
}

HttpResponse Approve(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto note = OptionalText(req.json, "note");
  if (!note.ok()) return ErrorResponse(note.status());
  EvidenceDesk desk(*app.options.archive);
  auto r = desk.Approve(ctx.ToCaller(), req.params.at("id"), *note);
  if (!r.ok()) return ErrorResponse(r.status());
  return RequestResponse(app, *r);
}

HttpResponse Deny(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto note = OptionalText(req.json, "note");
  if (!note.ok()) return ErrorResponse(note.status());
  EvidenceDesk desk(*app.options.archive);
  auto r = desk.Deny(ctx.ToCaller(), req.params.at("id"), *note);
  if (!r.ok()) return ErrorResponse(r.status());
  return RequestResponse(app, *r);
}

HttpResponse LiftHold(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = RequiredText(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  EvidenceDesk desk(*app.options.archive);
  auto r = desk.LiftHold(ctx.ToCaller(), req.params.at("id"), *reason);
  if (!r.ok()) return ErrorResponse(r.status());
  return RequestResponse(app, *r);
}

// The bundle as an attachment, streamed from sealed storage: its event is
// already durable.
HttpResponse Stream(const vault::evidence::Delivery& d) {
  HttpResponse res;
  res.content_type = d.content_type;
  res.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + d.filename + "\"");
  res.headers.emplace_back("X-Custos-Bundle-Sha256", d.exported.bundle_sha256);
  res.headers.emplace_back("X-Custos-Delivered-Sha256", d.exported.stored.sha256);
  res.headers.emplace_back("X-Custos-Export", std::to_string(d.exported.number));
  res.stream_length = d.exported.stored.size;
  res.stream_body = [write = d.write_to](std::ostream& out) -> Status {
    return write([&out](std::string_view piece) -> Status {
      out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      if (!out) return Status::Unavailable("the client went away");
      return Status::Ok();
    });
  };
  return res;
}

HttpResponse Export(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::evidence::ExportOptions options;
  if (!app.options.tsa_url.empty()) {
    options.tsa_ca_pem = app.options.tsa_ca_pem;
    options.timestamper = [url = app.options.tsa_url](std::string_view query) {
      return RequestTimestamp(url, query);
    };
  }
  EvidenceDesk desk(*app.options.archive);
  auto d = desk.Export(ctx.ToCaller(), req.params.at("id"), options);
  if (!d.ok()) return ErrorResponse(d.status());
  return Stream(*d);
}

HttpResponse Download(App& app, const HttpRequest& req, const RequestContext& ctx) {
  const std::string& n = req.params.at("n");
  uint32_t number = 0;
  if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos) {
    return ErrorResponse(
        Status::InvalidArgument("the export number is not a number", "导出序号不是数字"));
  }
  number = static_cast<uint32_t>(std::stoul(n));
  EvidenceDesk desk(*app.options.archive);
  auto d = desk.Download(ctx.ToCaller(), req.params.at("id"), number);
  if (!d.ok()) return ErrorResponse(d.status());
  return Stream(*d);
}

HttpResponse Holds(App& app, const HttpRequest&, const RequestContext& ctx) {
  EvidenceDesk desk(*app.options.archive);
  auto holds = desk.Holds(ctx.ToCaller());
  if (!holds.ok()) return ErrorResponse(holds.status());
  auto txn = app.vault.BeginRead();
  if (!txn.ok()) return ErrorResponse(txn.status());
  json::Value list = json::Value::MakeArray();
  for (const auto& h : *holds) {
    json::Value o = json::Value::MakeObject();
    o["request"] = h.request_id;
    o["case"] = h.case_ref;
    o["active"] = h.hold.active;
    o["placed_at"] = h.hold.placed_at;
    json::Value records = json::Value::MakeArray();
    for (const std::string& id : h.hold.record_ids) {
      json::Value rec = json::Value::MakeObject();
      rec["id"] = id;
      if (auto meta = vault::Archive::ReadMeta(**txn, id); meta.ok()) {
        rec["name"] = meta->name;
        rec["marking"] = MarkingJson(meta->classification);
      }
      records.Push(std::move(rec));
    }
    o["records"] = std::move(records);
    o["agreements"] = static_cast<int64_t>(h.hold.agreement_ids.size());
    o["lifted"] = h.hold.lifted ? StepJson(**txn, *h.hold.lifted) : json::Value();
    list.Push(std::move(o));
  }
  json::Value v = json::Value::MakeObject();
  v["holds"] = std::move(list);
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterEvidenceRoutes(App& app) {
  Router& r = app.router;
  r.Add(Route::ForSession("GET", "/api/v1/evidence", Bind(app, &List)));
  r.Add(Route::ForSession("POST", "/api/v1/evidence", Bind(app, &Create)).Json());
  r.Add(Route::ForSession("POST", "/api/v1/evidence/preview", Bind(app, &Preview)).Json());
  r.Add(Route::ForSession("GET", "/api/v1/evidence/{id}", Bind(app, &Get)));
  r.Add(Route::ForSession("POST", "/api/v1/evidence/{id}/approve", Bind(app, &Approve)).Json());
  r.Add(Route::ForSession("POST", "/api/v1/evidence/{id}/deny", Bind(app, &Deny)).Json());
  r.Add(Route::ForSession("POST", "/api/v1/evidence/{id}/export", Bind(app, &Export)));
  r.Add(Route::ForSession("POST", "/api/v1/evidence/{id}/exports/{n}/download",
                          Bind(app, &Download)));
  r.Add(Route::ForSession("POST", "/api/v1/evidence/{id}/hold/lift", Bind(app, &LiftHold)).Json());
  r.Add(Route::ForSession("GET", "/api/v1/holds", Bind(app, &Holds)));
}

}  // namespace custos::web::internal
