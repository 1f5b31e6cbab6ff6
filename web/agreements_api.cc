// /api/v1/agreement-templates, /api/v1/agreements, /api/v1/noncompetes and
// /api/v1/employees/{id}/nda-timing: drafting from the template library,
// the signing steps, the certificate and the non-compete dashboard.
// Decisions and audit events are the vault's (vault/agreements/agreements.h,
// vault/agreements/noncompete.h); this file wires the template library in as the
// vault's DocumentBuilder (web/agreement_documents.h) and translates HTTP to
// calls.
#include <memory>
#include <string>

#include "base/encoding.h"
#include "base/html.h"
#include "base/time.h"
#include "contract-templates/template.h"
#include "vault/agreements/agreements.h"
#include "vault/agreements/noncompete.h"
#include "web/agreement_documents.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

struct AgreementsContext {
  AgreementLibrary library;
  std::unique_ptr<vault::Agreements> agreements;
  std::unique_ptr<vault::NonCompeteTracker> noncompete;
  const vault::Archive* archive = nullptr;  // for the company's date
};

using Ctx = std::shared_ptr<AgreementsContext>;

// The paper route's body (the scan in base64, and the rest of the form).
constexpr size_t kMaxPaperBody = size_t{16} << 20;

json::Value FieldJson(const contracts::FieldDef& f) {
  json::Value o = json::Value::MakeObject();
  o["id"] = f.id;
  o["type"] = contracts::FieldTypeName(f.type);
  o["required"] = f.required;
  o["label_zh"] = f.label_zh;
  o["label_en"] = f.label_en;
  o["if"] = f.condition ? json::Value(f.condition->source) : json::Value();
  o["default"] = f.default_value ? json::Value(*f.default_value) : json::Value();
  if (!f.currency.empty()) o["currency"] = f.currency;
  if (f.min) o["min"] = *f.min;
  if (f.max) o["max"] = *f.max;
  if (!f.options.empty()) {
    json::Value opts = json::Value::MakeArray();
    for (const contracts::ChoiceOption& opt : f.options) {
      json::Value e = json::Value::MakeObject();
      e["value"] = opt.value;
      e["label"] = opt.label;
      opts.Push(std::move(e));
    }
    o["options"] = std::move(opts);
  }
  return o;
}

HttpResponse ListTemplatesRoute(const Ctx& c, const HttpRequest&, const RequestContext&) {
  auto list = contracts::ListTemplates(c->library.templates_dir);
  if (!list.ok()) return ErrorResponse(list.status());
  json::Value arr = json::Value::MakeArray();
  for (const contracts::TemplateSummary& t : *list) {
    json::Value o = json::Value::MakeObject();
    o["id"] = t.id;
    o["kind"] = t.kind;
    o["version"] = t.version;
    o["language"] = contracts::LanguageTag(t.language);
    o["jurisdiction"] = t.jurisdiction;
    o["title"] = t.title;
    arr.Push(std::move(o));
  }
  json::Value v = json::Value::MakeObject();
  v["templates"] = std::move(arr);
  return HttpResponse::Json(v);
}

HttpResponse GetTemplateRoute(const Ctx& c, const HttpRequest& req, const RequestContext&) {
  auto t = LoadAgreementTemplate(c->library.templates_dir, req.params.at("id"));
  if (!t.ok()) {
    return ErrorResponse(t.status().code() == StatusCode::kInvalidArgument
                             ? Status::NotFound("no such template", "没有这个模板")
                             : t.status());
  }
  json::Value o = json::Value::MakeObject();
  o["id"] = t->id;
  o["kind"] = t->kind;
  o["version"] = t->version;
  o["language"] = contracts::LanguageTag(t->language);
  o["jurisdiction"] = t->jurisdiction;
  o["title"] = t->title;
  json::Value basis = json::Value::MakeArray();
  for (const std::string& b : t->legal_basis) basis.Push(b);
  o["legal_basis"] = std::move(basis);
  json::Value fields = json::Value::MakeArray();
  for (const contracts::FieldDef& f : t->fields) fields.Push(FieldJson(f));
  o["fields"] = std::move(fields);
  return HttpResponse::Json(o);
}

json::Value AgreementJson(const vault::Agreement& a) {
  json::Value v = a.ToJson();
  v["version"] = a.version;
  return v;
}

HttpResponse AgreementResponse(const Result<vault::Agreement>& a, int status = 200) {
  if (!a.ok()) return ErrorResponse(a.status());
  return HttpResponse::Json(AgreementJson(*a), status);
}

HttpResponse ListRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto it = req.query.find("employee");
  auto list = c->agreements->List(ctx.ToCaller(), it == req.query.end() ? "" : it->second);
  if (!list.ok()) return ErrorResponse(list.status());
  json::Value arr = json::Value::MakeArray();
  for (const vault::Agreement& a : *list) {
    json::Value o = AgreementJson(a);
    o.as_object().erase("fields");
    o.as_object().erase("checks");
    o.as_object().erase("steps");
    arr.Push(std::move(o));
  }
  json::Value v = json::Value::MakeObject();
  v["agreements"] = std::move(arr);
  return HttpResponse::Json(v);
}

HttpResponse CreateRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  vault::DraftRequest r;
  auto tid = json::GetString(req.json, "template_id");
  if (!tid.ok()) return ErrorResponse(tid.status());
  auto emp = json::GetString(req.json, "employee_id");
  if (!emp.ok()) return ErrorResponse(emp.status());
  auto cls = json::GetStringOr(req.json, "classification", "confidential");
  if (!cls.ok()) return ErrorResponse(cls.status());
  auto parsed = policy::ParseClassification(*cls);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  r.template_id = *tid;
  r.employee_id = *emp;
  r.classification = *parsed;
  if (const json::Value* f = req.json.Find("fields")) r.fields = *f;
  return AgreementResponse(c->agreements->CreateDraft(ctx.ToCaller(), r), 201);
}

HttpResponse GetRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  return AgreementResponse(c->agreements->Get(ctx.ToCaller(), req.params.at("id")));
}

HttpResponse UpdateRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto version = json::GetInt(req.json, "version");
  if (!version.ok()) return ErrorResponse(version.status());
  const json::Value* f = req.json.Find("fields");
  if (f == nullptr) {
    return ErrorResponse(Status::InvalidArgument("fields is required", "须提供协议内容（fields）"));
  }
  return AgreementResponse(c->agreements->UpdateDraft(ctx.ToCaller(), req.params.at("id"), *f,
                                                      static_cast<uint32_t>(*version)));
}

HttpResponse SubmitRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  return AgreementResponse(c->agreements->Submit(ctx.ToCaller(), req.params.at("id")));
}

HttpResponse ReturnRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto note = json::GetStringOr(req.json, "note", "");
  if (!note.ok()) return ErrorResponse(note.status());
  return AgreementResponse(
      c->agreements->ReturnToDraft(ctx.ToCaller(), req.params.at("id"), *note));
}

HttpResponse RecallRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto note = RequiredText(req.json, "note", 2048);
  if (!note.ok()) return ErrorResponse(note.status());
  return AgreementResponse(c->agreements->Recall(ctx.ToCaller(), req.params.at("id"), *note));
}

HttpResponse VoidRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto note = RequiredText(req.json, "note", 2048);
  if (!note.ok()) return ErrorResponse(note.status());
  return AgreementResponse(c->agreements->Void(ctx.ToCaller(), req.params.at("id"), *note));
}

HttpResponse SendRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  return AgreementResponse(c->agreements->Send(ctx.ToCaller(), req.params.at("id")));
}

Result<vault::SecretBytes> Password(const HttpRequest& req) {
  const json::Value* v = req.json.Find("password");
  if (v == nullptr || !v->is_string() || v->as_string().empty() || v->as_string().size() > 1024) {
    return Status::InvalidArgument("password must be a string", "请输入密码（不超过 1024 字节）");
  }
  return vault::SecretBytes::CopyOf(v->as_string());
}

// SECURITY: the password in the parsed body is wiped after use.
void WipePassword(const HttpRequest& req) {
  const json::Value* v = req.json.Find("password");
  if (v != nullptr && v->is_string()) {
    vault::WipeString(const_cast<std::string*>(&v->as_string()));
  }
}

// SECURITY: signing re-checks the account password, so it goes through the
// login throttle (sessions.h), per account and address, reserved before
// the check: a session cannot be used to guess the password faster than
// the login allows. A wrong password (kUnauthenticated) is a failure, a
// signature a success; any other refusal (role, state) has checked nothing.
template <typename Fn>
HttpResponse WithPassword(App& app, const HttpRequest& req, const RequestContext& ctx, Fn fn) {
  auto pw = Password(req);
  WipePassword(req);
  if (!pw.ok()) return ErrorResponse(pw.status());
  LoginThrottle::Attempt attempt = app.throttle.Reserve(ctx.user->username, ctx.place.ip);
  if (attempt.retry_after_ms() > 0) return TooManyAttempts(attempt.retry_after_ms());
  PasswordCheckSlot slot(app);
  Result<vault::Agreement> result = fn(*pw);
  if (result.ok()) {
    attempt.Succeeded();
  } else if (result.status().code() == StatusCode::kUnauthenticated) {
    attempt.Failed();
  }
  return AgreementResponse(result);
}

HttpResponse PreviewRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto doc = c->agreements->Preview(ctx.ToCaller(), req.params.at("id"));
  if (!doc.ok()) return ErrorResponse(doc.status());
  if (auto it = req.query.find("format"); it != req.query.end() && it->second == "json") {
    json::Value v = json::Value::MakeObject();
    v["document_sha256"] = HexEncode(vault::Sha256(doc->html));
    v["checks"] = doc->report;
    v["can_send"] = doc->can_send;
    return HttpResponse::Json(v);
  }
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(doc->html);
  r.headers.emplace_back("Content-Security-Policy", kDocumentCsp);
  return r;
}

// A stored document or scan as the answer: sandboxed, its SHA-256 in a
// header, named `stem` with the extension of its type. An image opens in
// the browser when `inline_images`; anything else is a download.
HttpResponse StoredDocumentResponse(vault::StoredDocument doc, const std::string& stem,
                                    bool inline_images) {
  HttpResponse r;
  r.content_type = std::move(doc.content_type);
  r.body = std::move(doc.bytes);
  r.headers.emplace_back("Content-Security-Policy", kDocumentCsp);
  const bool image = r.content_type == "image/png" || r.content_type == "image/jpeg";
  const std::string ext = r.content_type.starts_with("text/html") ? ".html"
                          : r.content_type == "application/pdf"   ? ".pdf"
                          : r.content_type == "image/png"         ? ".png"
                          : r.content_type == "image/jpeg"        ? ".jpg"
                                                                  : ".bin";
  r.headers.emplace_back("Content-Disposition",
                         std::string(image && inline_images ? "inline" : "attachment") +
                             "; filename=\"" + stem + ext + "\"");
  r.headers.emplace_back("X-Content-SHA256", doc.sha256_hex);
  return r;
}

HttpResponse DownloadRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto doc = c->agreements->Download(ctx.ToCaller(), req.params.at("id"));
  if (!doc.ok()) return ErrorResponse(doc.status());
  return StoredDocumentResponse(std::move(*doc), req.params.at("id"), /*inline_images=*/false);
}

std::string Esc(std::string_view s) { return HtmlEscape(s); }

std::string CertificateHtml(const vault::Certificate& c) {
  const vault::Agreement& a = c.agreement;
  std::string h =
      "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<title>签署证书 / Signature certificate</title></head><body>"
      "<h1>电子签署证书 / Electronic signature certificate</h1><dl>";
  auto row = [&h](std::string_view k, std::string_view v) {
    h += "<dt>" + Esc(k) + "</dt><dd>" + Esc(v) + "</dd>";
  };
  row("协议 / Agreement", a.id + " — " + a.title);
  row("密级 / Classification", std::string(policy::ClassificationLabelZh(a.classification)) +
                                   " / " +
                                   std::string(policy::ClassificationLabelEn(a.classification)));
  row("员工 / Employee", a.employee_name + " (" + a.employee_id + ")");
  row("状态 / State", vault::AgreementStateId(a.state));
  row("文件 SHA-256 / Document SHA-256", a.document_sha256);
  if (!a.scan_sha256.empty()) row("扫描件 SHA-256 / Scan SHA-256", a.scan_sha256);
  row("文件完整 / Document intact", c.document_hash_ok ? "是 / yes" : "否 / NO");
  row("签名全部有效 / All signatures valid", c.all_signatures_ok ? "是 / yes" : "否 / NO");
  // Electronic Signature Law Art. 13, as recorded when the employee signed.
  row("员工签名可靠（电子签名法第十三条） / Employee's signature reliable (ESL Art. 13)",
      !c.employee_signature_reliable ? "未记录 / not recorded"
                                     : (*c.employee_signature_reliable ? "是 / yes" : "否 / NO"));
  for (const vault::CertificateStep& s : c.steps) {
    if (s.signature && s.signature->conditions && !s.signature->conditions->note.empty()) {
      row("签名条件未满足 / Condition not met (" + s.step.action + ")",
          s.signature->conditions->note);
    }
  }
  h += "</dl><table><thead><tr><th>步骤 / Step</th><th>人员 / Who</th><th>身份 / As</th>"
       "<th>时间 / When (UTC)</th><th>地点 / Where</th><th>文件哈希 / Hash</th>"
       "<th>公钥 / Public key</th><th>签名 / Signature</th><th>审计序号 / Audit seq</th>"
       "<th>验证 / Verified</th></tr></thead><tbody>";
  for (const vault::CertificateStep& s : c.steps) {
    const vault::AgreementStep& st = s.step;
    std::string where = st.place.ip;
    if (!st.place.workstation.empty()) where += " · " + st.place.workstation;
    if (!st.place.location.empty()) where += " · " + st.place.location;
    h += "<tr><td>" + Esc(st.action) + "</td><td>" + Esc(st.actor_name) + " (" + Esc(st.actor_id) +
         ")</td><td>" + Esc(st.role) + "</td><td>" + Esc(FormatRfc3339Millis(st.at)) + "</td><td>" +
         Esc(where) + "</td><td><code>" + Esc(st.document_sha256) + "</code></td><td><code>" +
         (s.signature ? Esc(HexEncode(s.signature->public_key)) : "") + "</code></td><td><code>" +
         (s.signature ? Esc(HexEncode(s.signature->signature)) : "") + "</code></td><td>" +
         std::to_string(st.audit_seq) + "</td><td>" + Esc(s.verification) + "</td></tr>";
  }
  h += "</tbody></table></body></html>";
  return h;
}

HttpResponse CertificateRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto cert = c->agreements->GetCertificate(ctx.ToCaller(), req.params.at("id"));
  if (!cert.ok()) return ErrorResponse(cert.status());
  if (auto it = req.query.find("format"); it != req.query.end() && it->second == "html") {
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = CertificateHtml(*cert);
    r.headers.emplace_back("Content-Security-Policy", kDocumentCsp);
    return r;
  }
  return HttpResponse::Json(cert->ToJson());
}

HttpResponse PaperRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto b64 = json::GetString(req.json, "scan_base64");
  if (!b64.ok()) return ErrorResponse(b64.status());
  auto scan = Base64Decode(*b64);
  if (!scan.ok()) {
    return ErrorResponse(Status::InvalidArgument("scan_base64 is not base64",
                                                 "扫描件（scan_base64）不是有效的 Base64 编码"));
  }
  auto type = json::GetStringOr(req.json, "content_type", "application/pdf");
  auto sha = json::GetStringOr(req.json, "sha256", "");
  auto room = json::GetStringOr(req.json, "room", "");
  auto cabinet = json::GetStringOr(req.json, "cabinet", "");
  auto box = json::GetStringOr(req.json, "box", "");
  auto signed_on = json::GetStringOr(req.json, "signed_on", "");
  for (const auto* r : {&type, &sha, &room, &cabinet, &box, &signed_on}) {
    if (!r->ok()) return ErrorResponse(r->status());
  }
  if (*type != "application/pdf" && *type != "image/png" && *type != "image/jpeg") {
    return ErrorResponse(Status::InvalidArgument("scan must be PDF, PNG or JPEG",
                                                 "扫描件须为 PDF、PNG 或 JPEG 格式"));
  }
  vault::PaperLocation where{*room, *cabinet, *box};
  return AgreementResponse(c->agreements->UploadPaper(ctx.ToCaller(), req.params.at("id"), *scan,
                                                      *type, *sha, where, *signed_on));
}

// The paper scan, for legal and litigation, and for the custodian who is to
// attest it (vault Agreements::Scan). An image opens in the browser; a PDF
// is downloaded (a sandboxed page cannot show one).
HttpResponse ScanRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto doc = c->agreements->Scan(ctx.ToCaller(), req.params.at("id"));
  if (!doc.ok()) return ErrorResponse(doc.status());
  return StoredDocumentResponse(std::move(*doc), req.params.at("id") + "-scan",
                                /*inline_images=*/true);
}

HttpResponse NdaTimingRoute(const Ctx& c, const HttpRequest& req, const RequestContext&) {
  auto t = c->agreements->CheckNdaTiming(req.params.at("id"));
  if (!t.ok()) return ErrorResponse(t.status());
  json::Value v = json::Value::MakeObject();
  v["employee_id"] = req.params.at("id");
  v["first_classified_access"] = t->first_classified_access
                                     ? json::Value(FormatRfc3339Millis(*t->first_classified_access))
                                     : json::Value();
  v["nda_signed_at"] =
      t->nda_signed_at ? json::Value(FormatRfc3339Millis(*t->nda_signed_at)) : json::Value();
  if (!t->nda_signed_on.empty()) v["nda_signed_on"] = t->nda_signed_on;  // a paper NDA's date
  v["nda_agreement_id"] = t->nda_agreement_id;
  v["flagged"] = t->flagged;
  v["reason"] = t->reason;
  v["rule"] = "C4";
  return HttpResponse::Json(v);
}

HttpResponse DashboardRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  // The server's today is the company's date (the policy's <calendar>); the
  // caller may look at another day.
  auto server_today = c->archive->CompanyDate(ctx.now);
  if (!server_today.ok()) return ErrorResponse(server_today.status());
  Result<CivilDate> today = *server_today;
  if (auto it = req.query.find("today"); it != req.query.end() && !it->second.empty())
    today = ParseDate(it->second);
  if (!today.ok()) return ErrorResponse(today.status());
  auto rows = c->noncompete->Dashboard(ctx.ToCaller(), *today, *server_today);
  if (!rows.ok()) return ErrorResponse(rows.status());
  json::Value arr = json::Value::MakeArray();
  for (const vault::NonCompeteRow& r : *rows) {
    json::Value o = json::Value::MakeObject();
    o["agreement_id"] = r.agreement.id;
    o["employee_id"] = r.agreement.employee_id;
    o["employee_name"] = r.agreement.employee_name;
    o["title"] = r.agreement.title;
    if (r.terms) {
      o["start"] = FormatDate(r.terms->start);
      o["months"] = r.terms->months;
      o["monthly_minor"] = r.terms->monthly_minor;
      o["currency"] = r.terms->currency;
    }
    o["status"] = r.status.ToJson();
    o["tracking"] = r.tracking.ToJson();
    arr.Push(std::move(o));
  }
  json::Value v = json::Value::MakeObject();
  v["today"] = FormatDate(*today);
  v["noncompetes"] = std::move(arr);
  return HttpResponse::Json(v);
}

HttpResponse PaymentRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto month = json::GetInt(req.json, "month");
  if (!month.ok()) return ErrorResponse(month.status());
  auto amount = json::GetInt(req.json, "amount_minor");
  if (!amount.ok()) return ErrorResponse(amount.status());
  auto paid_on = json::GetString(req.json, "paid_on");
  if (!paid_on.ok()) return ErrorResponse(paid_on.status());
  auto date = ParseDate(*paid_on);
  if (!date.ok()) return ErrorResponse(date.status());
  auto ref = json::GetStringOr(req.json, "reference", "");
  if (!ref.ok()) return ErrorResponse(ref.status());
  if (*month < 1 || *month > 120) {
    return ErrorResponse(Status::InvalidArgument("bad month", "月份须在 1 到 120 之间"));
  }
  // A payment is recorded once made: a date still to come (by the
  // company's calendar) is a wrong year typed.
  auto today = c->archive->CompanyDate(ctx.now);
  if (!today.ok()) return ErrorResponse(today.status());
  if (*today < *date) {
    return ErrorResponse(Status::InvalidArgument(
        "paid_on " + *paid_on + " is in the future; record a payment once it is made",
        "支付日期 " + *paid_on + " 尚未到来；请在付款后再登记"));
  }
  vault::NonCompetePayment p;
  p.month = static_cast<int>(*month);
  p.amount_minor = *amount;
  p.paid_on = *date;
  p.reference = *ref;
  Status st = c->noncompete->RecordPayment(ctx.ToCaller(), req.params.at("id"), p);
  if (!st.ok()) return ErrorResponse(st);
  json::Value v = json::Value::MakeObject();
  v["ok"] = true;
  return HttpResponse::Json(v, 201);
}

HttpResponse ReleaseRoute(const Ctx& c, const HttpRequest& req, const RequestContext& ctx) {
  auto on = json::GetString(req.json, "on");
  if (!on.ok()) return ErrorResponse(on.status());
  auto date = ParseDate(*on);
  if (!date.ok()) return ErrorResponse(date.status());
  auto note = json::GetStringOr(req.json, "note", "");
  if (!note.ok()) return ErrorResponse(note.status());
  auto extra = c->noncompete->ReleaseEarly(ctx.ToCaller(), req.params.at("id"), *date, *note);
  if (!extra.ok()) return ErrorResponse(extra.status());
  json::Value v = json::Value::MakeObject();
  v["ok"] = true;
  v["extra_months_owed"] = *extra;
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterAgreementRoutes(App& app) {
  if (app.options.archive == nullptr) return;
  // The routes share one context; the router's handlers own it, so it lives
  // exactly as long as the application.
  auto c = std::make_shared<AgreementsContext>();
  Status wages;
  c->library = ShippedAgreementLibrary(&wages);
  if (!wages.ok()) app.Log("minimum wage table not loaded: " + wages.ToString());
  vault::AgreementsOptions o;
  o.signing_kdf = app.options.password_kdf;
  o.clock = app.options.clock;
  c->agreements = std::make_unique<vault::Agreements>(app.vault, app.options.archive->audit_log(),
                                                      AgreementDocumentBuilder(c->library), o);
  c->noncompete =
      std::make_unique<vault::NonCompeteTracker>(app.vault, app.options.archive->audit_log());
  c->archive = app.options.archive;

  auto bind = [c](HttpResponse (*fn)(const Ctx&, const HttpRequest&, const RequestContext&)) {
    return [c, fn](const HttpRequest& req, const RequestContext& ctx) { return fn(c, req, ctx); };
  };
  using policy::Role;
  Router& r = app.router;
  r.Add(Route::ForRoles("GET", "/api/v1/agreement-templates", {Role::kLegal},
                        bind(&ListTemplatesRoute)));
  r.Add(Route::ForRoles("GET", "/api/v1/agreement-templates/{id}", {Role::kLegal},
                        bind(&GetTemplateRoute)));
  r.Add(Route::ForSession("GET", "/api/v1/agreements", bind(&ListRoute)));
  r.Add(Route::ForRoles("POST", "/api/v1/agreements", {Role::kLegal}, bind(&CreateRoute)).Json());
  r.Add(Route::ForSession("GET", "/api/v1/agreements/{id}", bind(&GetRoute)));
  r.Add(
      Route::ForRoles("PUT", "/api/v1/agreements/{id}", {Role::kLegal}, bind(&UpdateRoute)).Json());
  r.Add(Route::ForRoles("POST", "/api/v1/agreements/{id}/submit", {Role::kLegal},
                        bind(&SubmitRoute)));
  r.Add(
      Route::ForRoles("POST", "/api/v1/agreements/{id}/return", {Role::kLegal}, bind(&ReturnRoute))
          .Json());
  r.Add(Route::ForRoles("POST", "/api/v1/agreements/{id}/send", {Role::kLegal}, bind(&SendRoute)));
  r.Add(
      Route::ForRoles("POST", "/api/v1/agreements/{id}/recall", {Role::kLegal}, bind(&RecallRoute))
          .Json());
  r.Add(Route::ForRoles("POST", "/api/v1/agreements/{id}/void", {Role::kLegal}, bind(&VoidRoute))
            .Json());
  r.Add(Route::ForSession("GET", "/api/v1/agreements/{id}/preview", bind(&PreviewRoute)));
  r.Add(Route::ForSession("POST", "/api/v1/agreements/{id}/sign",
                          [&app, c](const HttpRequest& req, const RequestContext& ctx) {
                            return WithPassword(app, req, ctx, [&](const vault::SecretBytes& pw) {
                              return c->agreements->Sign(ctx.ToCaller(), req.params.at("id"), pw);
                            });
                          })
            .Json());
  r.Add(Route::ForRoles("POST", "/api/v1/agreements/{id}/countersign", {Role::kLegal},
                        [&app, c](const HttpRequest& req, const RequestContext& ctx) {
                          return WithPassword(app, req, ctx, [&](const vault::SecretBytes& pw) {
                            return c->agreements->Countersign(ctx.ToCaller(), req.params.at("id"),
                                                              pw);
                          });
                        })
            .Json());
  // A scan of a few signed pages, base64 in JSON: up to 16 MiB of body
  // (about 12 MB of scan).
  r.Add(Route::ForRoles("POST", "/api/v1/agreements/{id}/paper", {Role::kLegal}, bind(&PaperRoute))
            .Json()
            .MaxBody(kMaxPaperBody));
  r.Add(Route::ForRoles("POST", "/api/v1/agreements/{id}/attest", {Role::kCustodian},
                        [&app, c](const HttpRequest& req, const RequestContext& ctx) {
                          return WithPassword(app, req, ctx, [&](const vault::SecretBytes& pw) {
                            return c->agreements->AttestPaper(ctx.ToCaller(), req.params.at("id"),
                                                              pw);
                          });
                        })
            .Json());
  r.Add(Route::ForSession("GET", "/api/v1/agreements/{id}/document", bind(&DownloadRoute)));
  r.Add(Route::ForSession("GET", "/api/v1/agreements/{id}/scan", bind(&ScanRoute)));
  r.Add(Route::ForSession("GET", "/api/v1/agreements/{id}/certificate", bind(&CertificateRoute)));
  r.Add(Route::ForRoles("GET", "/api/v1/employees/{id}/nda-timing",
                        {Role::kLegal, Role::kAuditor, Role::kHr}, bind(&NdaTimingRoute)));
  r.Add(Route::ForRoles("GET", "/api/v1/noncompetes", {Role::kLegal, Role::kHr, Role::kAuditor},
                        bind(&DashboardRoute)));
  r.Add(Route::ForRoles("POST", "/api/v1/noncompetes/{id}/payments", {Role::kLegal},
                        bind(&PaymentRoute))
            .Json());
  r.Add(Route::ForRoles("POST", "/api/v1/noncompetes/{id}/release", {Role::kLegal},
                        bind(&ReleaseRoute))
            .Json());
}

}  // namespace custos::web::internal
