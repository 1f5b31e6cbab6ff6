// GET /healthz (public), GET /metrics (admin) and GET /metrics/scrape (a
// monitoring system's bearer token, ServerOptions::metrics_token_sha256).
#include <string>

#include "vault/audit/audit_log.h"
#include "vault/records/records.h"
#include "vault/store/crypto.h"
#include "web/internal/app.h"

namespace custos::web::internal {

namespace {

// The audit log's size and how much of it the actor/object index covers
// (`serve` indexes once a second): a gap that keeps growing means filtered
// reads are falling back to reading events one by one. Empty when the
// server has no archive or the vault cannot be read.
std::string AuditGauges(App& app) {
  if (app.options.archive == nullptr) return "";
  const vault::AuditLog& log = app.options.archive->audit_log();
  auto txn = app.vault.BeginRead();
  if (!txn.ok()) return "";
  auto size = log.Size(**txn);
  auto indexed = log.Indexed(**txn);
  auto denials = log.DenialsIndexed(**txn);
  if (!size.ok() || !indexed.ok() || !denials.ok()) return "";
  std::string out;
  out += "# HELP custos_audit_events Events in the audit log.\n";
  out += "# TYPE custos_audit_events gauge\n";
  out += "custos_audit_events " + std::to_string(*size) + "\n";
  out += "# HELP custos_audit_indexed_events Events covered by the actor/object index.\n";
  out += "# TYPE custos_audit_indexed_events gauge\n";
  out += "custos_audit_indexed_events " + std::to_string(*indexed) + "\n";
  out += "# HELP custos_audit_denials_indexed_events Events covered by the denials index.\n";
  out += "# TYPE custos_audit_denials_indexed_events gauge\n";
  out += "custos_audit_denials_indexed_events " + std::to_string(*denials) + "\n";
  return out;
}

HttpResponse MetricsText(App& app) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = app.metrics.Render(app.vault.commit_stats());
  r.body += AuditGauges(app);
  if (app.options.extra_metrics) r.body += app.options.extra_metrics();
  return r;
}

// Whether the request carries the configured scrape token. SECURITY: only
// hashes are compared, in constant time; the token itself is never stored
// or logged.
bool HasScrapeToken(const App& app, const HttpRequest& req) {
  const std::string& want = app.options.metrics_token_sha256;
  const std::string& auth = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (want.size() != 32 || auth.size() <= kBearer.size() || !auth.starts_with(kBearer)) {
    return false;
  }
  const std::string got = vault::Sha256(std::string_view(auth).substr(kBearer.size()));
  return vault::ConstantTimeEquals(got, want);
}

}  // namespace

void RegisterOpsRoutes(App& app) {
  // Public, so it says whether the vault can write, not why (the operator
  // log and /metrics say why).
  app.router.Add(
      Route::Public("GET", "/healthz", [&app](const HttpRequest&, const RequestContext&) {
        json::Value v = json::Value::MakeObject();
        const auto unavailable = [&v](const char* status, const char* reason) {
          v["status"] = status;
          v["reason"] = reason;
          HttpResponse r = HttpResponse::Json(v);
          r.status = 503;
          return r;
        };
        if (app.vault.commit_stats().failing) {
          return unavailable("failing",
                             "the vault's last commit failed: every change and audited read fails");
        }
        if (app.stopping.load()) return unavailable("stopping", "the server is shutting down");
        v["status"] = "ok";
        return HttpResponse::Json(v);
      }));
  app.router.Add(Route::ForRoles(
      "GET", "/metrics", {policy::Role::kAdmin},
      [&app](const HttpRequest&, const RequestContext&) { return MetricsText(app); }));
  app.router.Add(Route::Public(
      "GET", "/metrics/scrape", [&app](const HttpRequest& req, const RequestContext&) {
        if (app.options.metrics_token_sha256.empty()) {
          return ErrorResponse(Status::NotFound("no metrics token is configured"));
        }
        if (!HasScrapeToken(app, req)) {
          HttpResponse r = ErrorResponse(Status::Unauthenticated("a valid bearer token is needed"));
          r.headers.emplace_back("WWW-Authenticate", "Bearer");
          return r;
        }
        return MetricsText(app);
      }));
}

}  // namespace custos::web::internal
