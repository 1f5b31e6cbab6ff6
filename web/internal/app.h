// The application state shared by the Poco plumbing (server.cc) and the API
// handlers (session_api.cc, users_api.cc, ...). Poco-free.
// Thread-safety: every member is safe for concurrent use once the server runs.
#ifndef CUSTOS_WEB_INTERNAL_APP_H_
#define CUSTOS_WEB_INTERNAL_APP_H_

#include <atomic>
#include <memory>
#include <semaphore>
#include <string>

#include "base/time.h"
#include "vault/store/vault.h"
#include "web/api.h"
#include "web/internal/metrics.h"
#include "web/server.h"
#include "web/sessions.h"

namespace custos::web::internal {

// The session cookie's name: over HTTPS with the __Host- prefix, which a
// browser accepts only with Secure, Path=/ and no Domain — so neither a
// sibling host nor a plain-HTTP page can plant one (session fixation). Over
// plain HTTP (the local demo) browsers refuse Secure cookies, hence the
// other name.
inline constexpr std::string_view kSessionCookie = "custos_session";
inline constexpr std::string_view kHttpsSessionCookie = "__Host-custos_session";

struct App {
  App(vault::Vault& v, const ServerOptions& o);

  vault::Vault& vault;
  ServerOptions options;  // clock and ui_dir resolved
  bool tls = false;
  Router router;
  SessionStore sessions;
  LoginThrottle throttle;
  Metrics metrics;
  std::counting_semaphore<1024> password_checks;
  // An Argon2id hash of a random password: verified against when the user
  // does not exist, so a failed login takes the same time either way.
  std::string dummy_hash;
  // When /tlog/checkpoint last signed a fresh checkpoint (web/tlog_api.cc).
  std::atomic<int64_t> last_fresh_checkpoint{0};
  // Server::Stop has begun: /healthz answers 503 so that a load balancer
  // sends no more requests here.
  std::atomic<bool> stopping{false};

  UnixMillis Now() const { return options.clock(); }
  void Log(const std::string& line) const;

  // The session token from the Cookie header, or "". SECURITY: over HTTPS
  // only the __Host- cookie is read.
  static std::string SessionToken(const HttpRequest& req, bool https);
  // Set-Cookie values that set and clear the session cookie.
  static std::string SessionCookie(std::string_view token, bool https);
  static std::string ClearSessionCookie(bool https);

  // A request is served in two phases, so that nothing an unauthenticated
  // or unauthorised client sends is read beyond its head.
  //
  // Admit: from the head alone — the route (404, 405 with Allow; a static
  // file is answered here), the session (401), a required password change
  // (403), the roles (403), CSRF on state changes (403) and, for a JSON
  // route, the Content-Type (415). Returns the route to run, or null with
  // the answer in *answer. Fills ctx (user, roles, session) and req.params;
  // sets *route_label to the matched pattern (for metrics). `match` is
  // router.Find of the request.
  // The audit event of a request refused by its route's roles (action
  // "route.refused", object {"route", "METHOD /pattern"}, rule
  // "route.roles"), durable before the 403 is sent.
  Status LogRouteRefusal(const HttpRequest& req, const Route& route, const RequestContext& ctx);
  static constexpr std::string_view kRouteRefusedAction = "route.refused";
  static constexpr std::string_view kRouteRolesRule = "route.roles";

  const Route* Admit(HttpRequest& req, RequestContext& ctx, std::string* route_label,
                     Router::Match match, HttpResponse* answer);
  // Run: once the body has been read (or, for a streaming route, is ready to
  // be): JSON parsing (400) and the handler.
  HttpResponse Run(const Route& route, HttpRequest& req, RequestContext& ctx);
};

// Route registration of each API area.
void RegisterSessionRoutes(App& app);
void RegisterUserRoutes(App& app);
void RegisterOpsRoutes(App& app);        // /healthz, /metrics
void RegisterRecordRoutes(App& app);     // only when options.archive is set
void RegisterAgreementRoutes(App& app);  // agreements, signatures, non-competes (archive set)
// Also only with an archive: attachments_api.cc, loans_api.cc, audit_api.cc,
// policy_api.cc.
void RegisterAttachmentRoutes(App& app);
void RegisterLoanRoutes(App& app);
void RegisterAuditRoutes(App& app);
void RegisterTlogRoutes(App& app);

// The latest signed checkpoint of the audit log; when it is behind the log,
// a fresh one, signed at most every 5 s per server (web/tlog_api.cc).
Result<std::string> CurrentCheckpoint(App& app);
void RegisterPolicyRoutes(App& app);
void RegisterEmploymentRoutes(App& app);  // resignations (archive set: needs its audit log)
void RegisterDepartureRoutes(App& app);   // handovers, departure reports (archive set)
void RegisterEvidenceRoutes(App& app);    // evidence requests, bundles, legal holds (archive set)

// RAII slot of App::password_checks.
class PasswordCheckSlot {
 public:
  explicit PasswordCheckSlot(App& app) : app_(app) { app_.password_checks.acquire(); }
  ~PasswordCheckSlot() { app_.password_checks.release(); }
  PasswordCheckSlot(const PasswordCheckSlot&) = delete;
  PasswordCheckSlot& operator=(const PasswordCheckSlot&) = delete;

 private:
  App& app_;
};

}  // namespace custos::web::internal

#endif  // CUSTOS_WEB_INTERNAL_APP_H_
