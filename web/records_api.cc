// /api/v1/records: search (metadata) and the audited view of a record.
// Authorization and auditing are the Archive's: it asks the policy engine and
// writes the event in the same transaction as the access; this file only
// translates HTTP to calls and Status to HTTP.
#include <string>

#include "base/json.h"
#include "vault/access/users.h"
#include "vault/records/legal_hold.h"
#include "vault/records/records.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

HttpResponse Search(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::SearchQuery q;
  q.text = QueryString(req, "q");
  q.owner_id = QueryString(req, "owner");
  q.tag = QueryString(req, "tag");
  q.status = QueryString(req, "status");
  if (std::string c = QueryString(req, "classification"); !c.empty()) {
    auto parsed = policy::ParseClassification(c);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    q.classification = *parsed;
  }
  if (std::string k = QueryString(req, "kind"); !k.empty()) {
    auto parsed = vault::ParseRecordKind(k);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    q.kind = *parsed;
  }
  auto limit = QuerySize(req, "limit", 100, 1000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto offset = QuerySize(req, "offset", 0, 1'000'000'000);
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
    return ErrorResponse(Status::InvalidArgument("version out of range", "版本号超出范围"));
  }
  vault::ViewOptions options;
  options.version = static_cast<uint32_t>(*version);
  auto loan = json::GetStringOr(req.json, "loan_id", "");
  if (!loan.ok()) return ErrorResponse(loan.status());
  options.loan_id = *loan;
  options.content_as_json = true;
  auto view = app.options.archive->View(ctx.ToCaller(), req.params.at("id"), *reason, options);
  if (!view.ok()) return ErrorResponse(view.status());
  json::Value v = json::Value::MakeObject();
  v["meta"] = view->meta.ToJson();
  v["version"] = static_cast<int64_t>(view->version.version);
  json::Value mark = json::Value::MakeObject();
  mark["viewer_id"] = view->viewer_id;
  mark["viewer_name"] = view->viewer_name;
  mark["time"] = FormatRfc3339Millis(view->time);
  mark["audit_seq"] = view->audit_seq;
  v["watermark"] = std::move(mark);
  v["views_used"] = view->views_used;
  v["views_left"] = view->views_left ? json::Value(*view->views_left) : json::Value();
  v["rule"] = view->rule;
  HttpResponse r = HttpResponse::Json(v);
  // The content goes out as stored (canonical JSON, authenticated by the
  // vault), not parsed and serialized again; "content" sorts before every
  // other key, so the body stays canonical.
  r.body.insert(1, "\"content\":" + view->content_json + ",");
  return r;
}

Result<vault::RecordMeta> VisibleMeta(App& app, const HttpRequest& req, const RequestContext& ctx) {
  return VisibleRecord(app, ctx, req.params.at("id"));
}

json::Value MetaJson(const vault::ReadTxn& txn, const vault::RecordMeta& m) {
  json::Value v = m.ToJson();
  v["territory"] = m.territory;  // stored only when set (records_types.cc)
  v["marking"] = MarkingJson(m.classification);
  v["owner_person"] = PersonJson(txn, m.owner_id);
  v["author_person"] = PersonJson(txn, m.author_id);
  v["custodian_person"] = PersonJson(txn, m.custodian_id);
  // The hold badge: which evidence requests hold the record (legal_hold.h).
  json::Value holds = json::Value::MakeArray();
  if (auto ids = vault::HoldsOnRecord(txn, m.id); ids.ok()) {
    for (const std::string& id : *ids) holds.Push(id);
  }
  v["legal_hold"] = !holds.as_array().empty();
  v["legal_holds"] = std::move(holds);
  return v;
}

HttpResponse Detail(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto meta = VisibleMeta(app, req, ctx);
  if (!meta.ok()) return ErrorResponse(meta.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["record"] = MetaJson(**r, *meta);
  return HttpResponse::Json(v);
}

// The metadata fields shared by create and update.
struct MetaFields {
  std::string name;
  policy::Classification classification = policy::Classification::kInternal;
  std::string declassify_on;
  std::string custodian_id;
  std::vector<std::string> tags;
  std::string status;
  std::string territory;
  vault::PaperLocation paper;
  vault::RecordContent content;
};

Result<MetaFields> ParseMetaFields(const json::Value& body) {
  MetaFields f;
  CUSTOS_ASSIGN_OR_RETURN(f.name, RequiredText(body, "name", 512));
  CUSTOS_ASSIGN_OR_RETURN(std::string c, RequiredText(body, "classification", 32));
  CUSTOS_ASSIGN_OR_RETURN(f.classification, policy::ParseClassification(c));
  CUSTOS_ASSIGN_OR_RETURN(f.declassify_on, OptionalText(body, "declassify_on", 10));
  if (!f.declassify_on.empty()) {
    if (Status date = ParseDate(f.declassify_on).status(); !date.ok()) {
      return Status(date.code(), date.message(), "解密日期须为日期（YYYY-MM-DD）");
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(f.custodian_id, OptionalText(body, "custodian", 64));
  CUSTOS_ASSIGN_OR_RETURN(f.tags, OptionalStrings(body, "tags"));
  CUSTOS_ASSIGN_OR_RETURN(f.status, OptionalText(body, "status", 64));
  if (f.status.empty()) f.status = "active";
  CUSTOS_ASSIGN_OR_RETURN(f.territory, OptionalText(body, "territory", 128));
  if (const json::Value* p = body.Find("paper"); p != nullptr && !p->is_null()) {
    if (!p->is_object()) {
      return Status::InvalidArgument("paper must be an object", "纸质档案存放位置须为对象");
    }
    CUSTOS_ASSIGN_OR_RETURN(f.paper.room, OptionalText(*p, "room", 128));
    CUSTOS_ASSIGN_OR_RETURN(f.paper.cabinet, OptionalText(*p, "cabinet", 128));
    CUSTOS_ASSIGN_OR_RETURN(f.paper.box, OptionalText(*p, "box", 128));
  }
  const json::Value* content = body.Find("content");
  if (content != nullptr && !content->is_null()) {
    CUSTOS_ASSIGN_OR_RETURN(f.content, vault::RecordContent::FromInput(*content));
  }
  return f;
}

HttpResponse Create(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto f = ParseMetaFields(req.json);
  if (!f.ok()) return ErrorResponse(f.status());
  auto reason = RequiredText(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto kind = json::GetStringOr(req.json, "kind", "customer");
  if (!kind.ok()) return ErrorResponse(kind.status());
  auto parsed_kind = vault::ParseRecordKind(*kind);
  if (!parsed_kind.ok()) return ErrorResponse(parsed_kind.status());
  auto owner = OptionalText(req.json, "owner", 64);
  if (!owner.ok()) return ErrorResponse(owner.status());
  vault::NewRecord rec;
  rec.kind = *parsed_kind;
  rec.name = f->name;
  rec.classification = f->classification;
  rec.declassify_on = f->declassify_on;
  rec.owner_id = *owner;
  rec.custodian_id = f->custodian_id;
  rec.tags = f->tags;
  rec.status = f->status;
  rec.territory = f->territory;
  rec.paper = f->paper;
  rec.content = f->content;
  auto created = app.options.archive->CreateRecord(ctx.ToCaller(), rec, *reason);
  if (!created.ok()) return ErrorResponse(created.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["record"] = MetaJson(**r, *created);
  return HttpResponse::Json(v, 201);
}

HttpResponse Update(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto f = ParseMetaFields(req.json);
  if (!f.ok()) return ErrorResponse(f.status());
  auto reason = RequiredText(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  vault::RecordUpdate u;
  u.name = f->name;
  u.classification = f->classification;
  u.declassify_on = f->declassify_on;
  u.custodian_id = f->custodian_id;
  u.tags = f->tags;
  u.status = f->status;
  u.territory = f->territory;
  u.paper = f->paper;
  u.content = f->content;
  auto updated = app.options.archive->UpdateRecord(ctx.ToCaller(), req.params.at("id"), u, *reason);
  if (!updated.ok()) return ErrorResponse(updated.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["record"] = MetaJson(**r, *updated);
  return HttpResponse::Json(v);
}

HttpResponse Versions(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto meta = VisibleMeta(app, req, ctx);
  if (!meta.ok()) return ErrorResponse(meta.status());
  auto versions = app.options.archive->VersionHistory(ctx.ToCaller(), meta->id);
  if (!versions.ok()) return ErrorResponse(versions.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::RecordVersion& ver : *versions) {
    json::Value x = json::Value::MakeObject();
    x["version"] = ver.version;
    x["author"] = PersonJson(**r, ver.author_id);
    x["time"] = FormatRfc3339Millis(ver.time);
    // A version marked above the reader's sight (records.h) shows its
    // number, time, author and marking only.
    if (ver.withheld) {
      x["withheld"] = true;
    } else {
      x["reason"] = ver.reason;
      x["name"] = ver.meta.name;
    }
    x["classification"] = policy::ClassificationId(ver.meta.classification);
    x["marking"] = MarkingJson(ver.meta.classification);
    list.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["versions"] = std::move(list);
  return HttpResponse::Json(v);
}

// `key_zh`: the field's label in the UI ("旧版本").
Result<uint32_t> VersionField(const json::Value& body, std::string_view key,
                              std::string_view key_zh) {
  const json::Value* v = body.Find(key);
  if (v == nullptr || !v->is_int() || v->as_int() < 1 || v->as_int() > 0xffffffffLL) {
    return Status::InvalidArgument(std::string(key) + " must be a version number (1, 2, ...)",
                                   std::string(key_zh) + "须为版本号（1、2……）");
  }
  return static_cast<uint32_t>(v->as_int());
}

HttpResponse Diff(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto a = VersionField(req.json, "a", "旧版本");
  if (!a.ok()) return ErrorResponse(a.status());
  auto b = VersionField(req.json, "b", "新版本");
  if (!b.ok()) return ErrorResponse(b.status());
  auto reason = json::GetString(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto changes =
      app.options.archive->CompareVersions(ctx.ToCaller(), req.params.at("id"), *a, *b, *reason);
  if (!changes.ok()) return ErrorResponse(changes.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::FieldChange& c : *changes) {
    json::Value x = json::Value::MakeObject();
    x["field"] = c.field;
    x["before"] = c.before;
    x["after"] = c.after;
    list.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["a"] = *a;
  v["b"] = *b;
  v["changes"] = std::move(list);
  return HttpResponse::Json(v);
}

HttpResponse Ownership(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto meta = VisibleMeta(app, req, ctx);
  if (!meta.ok()) return ErrorResponse(meta.status());
  auto history = app.options.archive->OwnershipHistory(ctx.ToCaller(), meta->id);
  if (!history.ok()) return ErrorResponse(history.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::OwnershipChange& c : *history) {
    json::Value x = json::Value::MakeObject();
    x["index"] = c.index;
    x["from"] = PersonJson(**r, c.from);
    x["to"] = PersonJson(**r, c.to);
    x["by"] = PersonJson(**r, c.by);
    x["at"] = FormatRfc3339Millis(c.at);
    // A change made while the record was marked above the reader's sight
    // shows who and when, not why (records.h).
    if (c.withheld) {
      x["withheld"] = true;
    } else {
      x["reason"] = c.reason;
    }
    x["audit_seq"] = c.audit_seq;
    list.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["ownership"] = std::move(list);
  return HttpResponse::Json(v);
}

// Lowering a marking is an approver's decision, not an edit of the record.
HttpResponse Lower(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto cls_text = RequiredText(req.json, "classification", 32);
  if (!cls_text.ok()) return ErrorResponse(cls_text.status());
  auto cls = policy::ParseClassification(*cls_text);
  if (!cls.ok()) return ErrorResponse(cls.status());
  auto declassify_on = OptionalText(req.json, "declassify_on", 10);
  if (!declassify_on.ok()) return ErrorResponse(declassify_on.status());
  auto reason = RequiredText(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  bool pending = false;
  auto meta = app.options.archive->LowerClassification(ctx.ToCaller(), req.params.at("id"), *cls,
                                                       *declassify_on, *reason, &pending);
  if (!meta.ok()) return ErrorResponse(meta.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["record"] = MetaJson(**r, *meta);
  // A top-secret file: the first approval is recorded; a second approver
  // lowers it.
  v["pending_second_approval"] = pending;
  return HttpResponse::Json(v);
}

HttpResponse Reassign(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto owner = RequiredText(req.json, "owner", 64);
  if (!owner.ok()) return ErrorResponse(owner.status());
  auto reason = RequiredText(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  bool pending = false;
  auto meta = app.options.archive->ReassignOwner(ctx.ToCaller(), req.params.at("id"), *owner,
                                                 *reason, &pending);
  if (!meta.ok()) return ErrorResponse(meta.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["record"] = MetaJson(**r, *meta);
  // Under legal hold the first approver's call only records its approval.
  v["pending_second_approval"] = pending;
  return HttpResponse::Json(v, pending ? 202 : 200);
}

// The company directory (id, username, name, department) for pickers and
// display; no roles or account state.
HttpResponse People(App& app, const HttpRequest&, const RequestContext&) {
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  auto users = vault::ListUsers(**r);
  if (!users.ok()) return ErrorResponse(users.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::User& u : *users) {
    json::Value x = json::Value::MakeObject();
    x["id"] = u.id;
    x["username"] = u.username;
    x["display_name"] = u.display_name;
    x["department"] = u.department;
    list.Push(std::move(x));
  }
  json::Value v = json::Value::MakeObject();
  v["people"] = std::move(list);
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
  // Authorization of each write is the policy's (inside the Archive); the
  // role lists below only turn away callers who could never be allowed.
  app.router.Add(Route::ForSession("POST", "/api/v1/records", bind(&Create)).Json());
  app.router.Add(Route::ForSession("GET", "/api/v1/records/{id}", bind(&Detail)));
  app.router.Add(Route::ForSession("PUT", "/api/v1/records/{id}", bind(&Update)).Json());
  app.router.Add(Route::ForSession("GET", "/api/v1/records/{id}/versions", bind(&Versions)));
  app.router.Add(Route::ForSession("POST", "/api/v1/records/{id}/diff", bind(&Diff)).Json());
  app.router.Add(Route::ForSession("GET", "/api/v1/records/{id}/ownership", bind(&Ownership)));
  app.router.Add(Route::ForRoles("POST", "/api/v1/records/{id}/owner", {policy::Role::kApprover},
                                 bind(&Reassign))
                     .Json());
  app.router.Add(
      Route::ForSession("POST", "/api/v1/records/{id}/classification", bind(&Lower)).Json());
  app.router.Add(Route::ForSession("GET", "/api/v1/people", bind(&People)));
}

}  // namespace custos::web::internal
