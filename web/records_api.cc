// /api/v1/records: search (metadata) and the audited view of a record.
// Authorization and auditing are the Archive's: it asks the policy engine and
// writes the event in the same transaction as the access; this file only
// translates HTTP to calls and Status to HTTP.
#include <string>

#include "base/json.h"
#include "vault/records.h"
#include "web/internal/app.h"

namespace custos::web::internal {

namespace {

Result<size_t> SizeParam(const HttpRequest& req, const std::string& key, size_t fallback,
                         size_t max) {
  auto it = req.query.find(key);
  if (it == req.query.end() || it->second.empty()) return fallback;
  size_t v = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9' || v > max) return Status::InvalidArgument(key + " must be a number");
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  if (v > max) return Status::InvalidArgument(key + " is too large");
  return v;
}

std::string QueryParam(const HttpRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? "" : it->second;
}

HttpResponse Search(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::SearchQuery q;
  q.text = QueryParam(req, "q");
  q.owner_id = QueryParam(req, "owner");
  q.tag = QueryParam(req, "tag");
  q.status = QueryParam(req, "status");
  if (std::string c = QueryParam(req, "classification"); !c.empty()) {
    auto parsed = policy::ParseClassification(c);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    q.classification = *parsed;
  }
  if (std::string k = QueryParam(req, "kind"); !k.empty()) {
    auto parsed = vault::ParseRecordKind(k);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    q.kind = *parsed;
  }
  auto limit = SizeParam(req, "limit", 100, 1000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto offset = SizeParam(req, "offset", 0, 1'000'000'000);
  if (!offset.ok()) return ErrorResponse(offset.status());
  q.limit = *limit;
  q.offset = *offset;
  auto result = app.options.archive->Search(ctx.ToCaller(), q);
  if (!result.ok()) return ErrorResponse(result.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::RecordMeta& m : result->records) list.Push(m.ToJson());
  json::Value v = json::Value::MakeObject();
  v["records"] = std::move(list);
  v["total"] = static_cast<uint64_t>(result->total);
  return HttpResponse::Json(v);
}

HttpResponse View(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = json::GetString(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto version = json::GetIntOr(req.json, "version", 0);
  if (!version.ok()) return ErrorResponse(version.status());
  if (*version < 0 || *version > 0xffffffffLL) {
    return ErrorResponse(Status::InvalidArgument("version out of range"));
  }
  vault::ViewOptions options;
  options.version = static_cast<uint32_t>(*version);
  auto loan = json::GetStringOr(req.json, "loan_id", "");
  if (!loan.ok()) return ErrorResponse(loan.status());
  options.loan_id = *loan;
  auto view = app.options.archive->View(ctx.ToCaller(), req.params.at("id"), *reason, options);
  if (!view.ok()) return ErrorResponse(view.status());
  json::Value v = json::Value::MakeObject();
  v["meta"] = view->meta.ToJson();
  v["version"] = static_cast<int64_t>(view->version.version);
  v["content"] = view->version.content.ToJson();
  json::Value mark = json::Value::MakeObject();
  mark["viewer_id"] = view->viewer_id;
  mark["viewer_name"] = view->viewer_name;
  mark["time"] = FormatRfc3339Millis(view->time);
  mark["audit_seq"] = view->audit_seq;
  v["watermark"] = std::move(mark);
  v["views_used"] = view->views_used;
  v["views_left"] = view->views_left ? json::Value(*view->views_left) : json::Value();
  v["rule"] = view->rule;
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterRecordRoutes(App& app) {
  auto bind = [&app](HttpResponse (*fn)(App&, const HttpRequest&, const RequestContext&)) {
    return
        [&app, fn](const HttpRequest& req, const RequestContext& ctx) { return fn(app, req, ctx); };
  };
  app.router.Add(Route::ForSession("GET", "/api/v1/records", bind(&Search)));
  app.router.Add(Route::ForSession("POST", "/api/v1/records/{id}/view", bind(&View)).Json());
}

}  // namespace custos::web::internal
