// POST/GET/DELETE /api/v1/session and POST /api/v1/session/password.
#include <string>

#include "base/json.h"
#include "base/text.h"
#include "vault/access/user_admin.h"
#include "vault/access/users.h"
#include "vault/agreements/signing.h"
#include "vault/audit/audit_log.h"
#include "vault/records/records.h"
#include "vault/store/crypto.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

constexpr size_t kMaxLabel = 128;  // workstation, location
constexpr size_t kMinPassword = 10;
constexpr size_t kMaxPassword = 256;

json::Value SessionJson(const vault::User& user, const Session& s, const App& app) {
  json::Value v = json::Value::MakeObject();
  v["user"] = user.ToJson(/*include_secret_fields=*/false);
  v["csrf_token"] = s.csrf_token;
  v["must_change_password"] = user.must_change_password && !app.options.demo;
  json::Value sess = json::Value::MakeObject();
  sess["id"] = s.id;
  sess["created"] = s.created;
  sess["idle_timeout_ms"] = app.sessions.options().idle_ms;
  sess["expires"] = s.created + app.sessions.options().absolute_ms;
  sess["workstation"] = s.place.workstation;
  sess["location"] = s.place.location;
  v["session"] = std::move(sess);
  // The company's calendar (the policy's <calendar>): the UI's date fields
  // default to today at this offset, the day the server judges dates by.
  if (app.options.archive != nullptr) {
    if (auto r = app.vault.BeginRead(); r.ok()) {
      if (auto p = app.options.archive->PolicyAt(**r); p.ok()) {
        v["calendar_utc_offset_minutes"] = (*p)->utc_offset_minutes();
      }
    }
  }
  return v;
}

HttpResponse WrongCredentials() {
  return ErrorResponse(401, "unauthenticated", "wrong username or password", "用户名或密码错误");
}

// Reads a password field into secure memory. The JSON string itself is
// transient request data; it is wiped by the caller's request cleanup.
Result<vault::SecretBytes> PasswordField(const json::Value& body, std::string_view key) {
  const json::Value* v = body.Find(key);
  if (v == nullptr || !v->is_string()) {
    return Status::InvalidArgument(std::string(key) + " must be a string");
  }
  if (v->as_string().size() > kMaxPassword) {
    return Status::InvalidArgument(std::string(key) + " is too long", "密码过长");
  }
  return vault::SecretBytes::CopyOf(v->as_string());
}

Result<std::string> LabelField(const json::Value& body, std::string_view key) {
  CUSTOS_ASSIGN_OR_RETURN(std::string s, json::GetString(body, key));
  const std::string zh = key == "workstation" ? "工作站"
                         : key == "location"  ? "所在地点"
                                              : std::string(key);
  if (s.empty() || s.size() > kMaxLabel || !json::IsValidUtf8(s)) {
    return Status::InvalidArgument(std::string(key) + " must be 1 to 128 bytes of text",
                                   zh + "须为 1 到 128 字节的文本");
  }
  // The place goes into every event of the session: one line, read as
  // stored (base/text.h), and showing something.
  CUSTOS_RETURN_IF_ERROR(CheckTextField(key, zh, s, false));
  if (IsBlankText(s)) {
    return Status::InvalidArgument(std::string(key) + " is blank; say where you work from",
                                   zh + "为空，请填写");
  }
  return s;
}

void WipeJsonStrings(json::Value* v) {
  if (v->is_string()) {
    vault::WipeString(const_cast<std::string*>(&v->as_string()));
  } else if (v->is_object()) {
    for (auto& [k, child] : v->as_object()) WipeJsonStrings(&child);
  }
}

// Logins and logouts are audit events when the server has an archive (and
// so an audit log): who, when, from where (address, user agent, workstation,
// declared location) and, for a refusal, why. A login's event commits with
// its session (no session without its event). SECURITY: a refused login
// names the account only when the username exists — the text typed into an
// unknown username is never logged (it is sometimes a password).
vault::AuditEvent SessionEvent(std::string action, const vault::User* user, const Place& place,
                               const std::string& session_id) {
  vault::AuditEvent e;
  if (user != nullptr) {
    e.actor = {user->id, user->display_name};
    for (policy::Role r : user->roles) e.roles.emplace_back(policy::RoleId(r));
    e.object = {"user", user->id, std::nullopt};
  } else {
    e.object = {"user", "", std::nullopt};
  }
  e.session = session_id;
  e.place = {place.ip, place.user_agent, place.workstation, place.location};
  e.action = std::move(action);
  return e;
}

void AuditRefusedLogin(App& app, const Result<vault::User>& user, const Place& place,
                       std::string_view why) {
  if (app.options.archive == nullptr) return;
  vault::AuditEvent e = SessionEvent("session.login", user.ok() ? &*user : nullptr, place, "");
  e.decision = vault::AuditDecision::kDeny;
  e.rule = "auth.refused";
  e.outcome = "denied";
  e.details["why"] = std::string(why);
  // The login is refused either way; a failure here is the operator's to see.
  if (auto seq = app.options.archive->audit_log().AppendDurable(e); !seq.ok()) {
    app.Log("auditing a refused login failed: " + seq.status().ToString());
  }
}

HttpResponse Login(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto username = json::GetString(req.json, "username");
  if (!username.ok()) return ErrorResponse(username.status());
  auto password = PasswordField(req.json, "password");
  if (!password.ok()) return ErrorResponse(password.status());
  auto workstation = LabelField(req.json, "workstation");
  if (!workstation.ok()) return ErrorResponse(workstation.status());
  auto location = LabelField(req.json, "location");
  if (!location.ok()) return ErrorResponse(location.status());
  if (username->size() > 64) return WrongCredentials();

  // Reserved before the password is checked (sessions.h); settled below,
  // or undone if this ends without a verdict.
  LoginThrottle::Attempt attempt = app.throttle.Reserve(*username, ctx.place.ip);
  if (attempt.retry_after_ms() > 0) return TooManyAttempts(attempt.retry_after_ms());

  Result<vault::User> user = Status::NotFound("unset");
  {
    auto txn = app.vault.BeginRead();
    if (!txn.ok()) return ErrorResponse(txn.status());
    user = vault::FindUserByName(**txn, *username);
  }
  if (!user.ok() && user.status().code() != StatusCode::kNotFound) {
    return ErrorResponse(user.status());
  }
  const bool can_log_in = user.ok() && !user->password_hash.empty() && !user->disabled &&
                          user->employment != policy::EmploymentState::kDeparted;
  bool verified = false;
  {
    PasswordCheckSlot slot(app);
    // SECURITY: always run one Argon2id verification so that unknown users,
    // disabled users and wrong passwords take the same time.
    verified = vault::VerifyPassword(*password, can_log_in ? user->password_hash : app.dummy_hash);
  }
  Place place = ctx.place;
  place.workstation = *workstation;
  place.location = *location;
  if (!verified || !can_log_in) {
    attempt.Failed();
    AuditRefusedLogin(app, user, place,
                      !user.ok()                                               ? "unknown_user"
                      : user->disabled                                         ? "disabled"
                      : user->employment == policy::EmploymentState::kDeparted ? "departed"
                      : user->password_hash.empty()                            ? "no_password"
                                                                               : "wrong_password");
    return WrongCredentials();
  }
  attempt.Succeeded();

  SessionStore::InTxn audit;
  if (app.options.archive != nullptr) {
    audit = [&](vault::WriteTxn& txn, const Session& s) -> Status {
      vault::AuditEvent e = SessionEvent("session.login", &*user, place, s.id);
      e.decision = vault::AuditDecision::kAllow;
      e.rule = "auth.password";
      e.outcome = "ok";
      return app.options.archive->audit_log().Append(txn, e).status();
    };
  }
  auto created = app.sessions.Create(user->id, place, audit);
  if (!created.ok()) return ErrorResponse(created.status());
  HttpResponse r = HttpResponse::Json(SessionJson(*user, created->session, app));
  r.cookies.push_back(App::SessionCookie(created->token.view(), ctx.https));
  return r;
}

HttpResponse GetSession(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto s = app.sessions.Lookup(App::SessionToken(req, ctx.https));
  if (!s.ok()) return ErrorResponse(401, "unauthenticated", "please log in", "请先登录");
  json::Value v = SessionJson(*ctx.user, *s, app);
  v["session"]["ip"] = ctx.place.ip;
  return HttpResponse::Json(v);
}

HttpResponse Logout(App& app, const HttpRequest& req, const RequestContext& ctx) {
  SessionStore::InTxn audit;
  if (app.options.archive != nullptr && ctx.user.has_value()) {
    audit = [&](vault::WriteTxn& txn, const Session& s) -> Status {
      vault::AuditEvent e = SessionEvent("session.logout", &*ctx.user, ctx.place, s.id);
      e.decision = vault::AuditDecision::kAllow;
      e.rule = "auth.session";
      e.outcome = "ok";
      return app.options.archive->audit_log().Append(txn, e).status();
    };
  }
  Status st = app.sessions.Delete(App::SessionToken(req, ctx.https), audit);
  if (!st.ok()) return ErrorResponse(st);
  json::Value v = json::Value::MakeObject();
  v["ok"] = true;
  HttpResponse r = HttpResponse::Json(v);
  r.cookies.push_back(App::ClearSessionCookie(ctx.https));
  return r;
}

HttpResponse ChangePassword(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto old_password = PasswordField(req.json, "old_password");
  if (!old_password.ok()) return ErrorResponse(old_password.status());
  auto new_password = PasswordField(req.json, "new_password");
  if (!new_password.ok()) return ErrorResponse(new_password.status());
  if (new_password->size() < kMinPassword) {
    return ErrorResponse(400, "invalid_argument", "the new password needs at least 10 characters",
                         "新密码至少需要 10 个字符");
  }
  if (new_password->Equals(*old_password)) {
    return ErrorResponse(400, "invalid_argument", "the new password must differ from the old one",
                         "新密码不能与旧密码相同");
  }
  const vault::User& me = *ctx.user;
  LoginThrottle::Attempt attempt = app.throttle.Reserve(me.username, ctx.place.ip);
  if (attempt.retry_after_ms() > 0) return TooManyAttempts(attempt.retry_after_ms());
  bool verified = false;
  {
    PasswordCheckSlot slot(app);
    verified = vault::VerifyPassword(*old_password, me.password_hash);
  }
  if (!verified) {
    attempt.Failed();
    return ErrorResponse(403, "permission_denied", "the old password is wrong", "旧密码错误");
  }
  attempt.Succeeded();
  auto hash = vault::HashPassword(*new_password, app.options.password_kdf);
  if (!hash.ok()) return ErrorResponse(hash.status());
  // The personal signing key follows the password (vault/agreements/signing.h);
  // Argon2id runs here, outside the write transaction.
  auto rewrap = vault::PrepareRewrap(app.vault, me, *old_password, *new_password,
                                     app.options.password_kdf, app.Now());
  if (!rewrap.ok()) return ErrorResponse(rewrap.status());
  Status st = app.vault.Write([&](vault::WriteTxn& txn) -> Status {
    if (*rewrap) CUSTOS_RETURN_IF_ERROR(vault::CommitRewrap(txn, **rewrap));
    CUSTOS_ASSIGN_OR_RETURN(vault::User u, vault::GetUser(txn, me.id));
    u.password_hash = *hash;
    u.must_change_password = false;
    // A reset's administrator stays named for the two-person rule
    // (vault/access/user_admin.h): whoever held the reset link could make
    // this change too. A first setup's is cleared.
    if (u.password_set_at == 0) u.password_set_by.clear();
    u.password_from_reset = false;
    CUSTOS_RETURN_IF_ERROR(vault::UpdateUser(txn, u));
    // Audited with the change (user.password.change), when there is a log.
    if (app.options.archive == nullptr) return Status::Ok();
    return vault::UserAdmin(app.vault, app.options.archive->audit_log(), app.options.password_kdf)
        .RecordPasswordChange(txn, ctx.ToCaller(), u);
  });
  if (!st.ok()) return ErrorResponse(st);
  // SECURITY: a changed password ends every other session of the user.
  auto ended = app.sessions.DeleteForUser(me.id, ctx.session_id);
  if (!ended.ok()) app.Log("ending old sessions failed: " + ended.status().ToString());
  json::Value v = json::Value::MakeObject();
  v["ok"] = true;
  v["other_sessions_ended"] = ended.ok() ? *ended : 0;
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterSessionRoutes(App& app) {
  auto wrap = [&app](HttpResponse (*fn)(App&, const HttpRequest&, const RequestContext&),
                     bool wipe) -> Handler {
    return [&app, fn, wipe](const HttpRequest& req, const RequestContext& ctx) {
      HttpResponse r = fn(app, req, ctx);
      if (wipe) WipeJsonStrings(const_cast<json::Value*>(&req.json));
      return r;
    };
  };
  app.router.Add(Route::Public("POST", "/api/v1/session", wrap(&Login, true)).Json());
  app.router.Add(
      Route::ForSession("GET", "/api/v1/session", wrap(&GetSession, false)).BeforePasswordChange());
  app.router.Add(
      Route::ForSession("DELETE", "/api/v1/session", wrap(&Logout, false)).BeforePasswordChange());
  app.router.Add(Route::ForSession("POST", "/api/v1/session/password", wrap(&ChangePassword, true))
                     .Json()
                     .BeforePasswordChange());
}

}  // namespace custos::web::internal
