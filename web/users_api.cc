// User administration (/api/v1/users, /api/v1/user-grants; administrators),
// setup links (/api/v1/setup; public, the link is the credential) and
// /api/v1/roles (any session). Every change goes through vault::UserAdmin:
// decided by the policy and audited with it.
#include <algorithm>
#include <string>

#include "base/json.h"
#include "policy/types.h"
#include "vault/access/user_admin.h"
#include "vault/access/users.h"
#include "vault/store/crypto.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

constexpr size_t kMaxPasswordBytes = 256;
constexpr size_t kMaxReason = 500;

vault::UserAdmin Admin(App& app) {
  return vault::UserAdmin(app.vault, app.options.archive->audit_log(), app.options.password_kdf,
                          [&app] { return app.Now(); });
}

Result<std::vector<policy::Role>> RolesField(const json::Value& body) {
  const json::Value* v = body.Find("roles");
  if (v == nullptr || !v->is_array()) {
    return Status::InvalidArgument("roles must be an array", "roles 须为角色列表");
  }
  std::vector<policy::Role> roles;
  for (const json::Value& r : v->as_array()) {
    if (!r.is_string()) return Status::InvalidArgument("roles must be strings", "角色须为文本");
    CUSTOS_ASSIGN_OR_RETURN(policy::Role role, policy::ParseRole(r.as_string()));
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
  }
  return roles;
}

Result<std::string> TextField(const json::Value& body, std::string_view key, size_t max) {
  CUSTOS_ASSIGN_OR_RETURN(std::string s, json::GetStringOr(body, key, ""));
  if (s.size() > max || !json::IsValidUtf8(s)) {
    return Status::InvalidArgument(
        std::string(key) + " is too long or not text",
        std::string(key) + " 过长（最多 " + std::to_string(max) + " 字节）或不是文本");
  }
  return s;
}

// The setup link as the administrator passes it on: the token travels in
// the URL's fragment, which browsers never send to a server or in a
// Referer header.
json::Value SetupJson(const vault::SetupLink& link) {
  json::Value v = json::Value::MakeObject();
  v["token"] = link.token;
  v["path"] = "/#/setup/" + link.token;
  v["expires"] = link.expires;
  return v;
}

json::Value OutcomeJson(const vault::UserAdminOutcome& out) {
  json::Value v = json::Value::MakeObject();
  v["user"] = out.user.ToJson(false);
  v["rule"] = out.rule;
  if (out.pending) v["pending_grant"] = out.pending->ToJson();
  if (out.setup) v["setup"] = SetupJson(*out.setup);
  return v;
}

HttpResponse ListUsers(App& app, const HttpRequest&, const RequestContext&) {
  auto txn = app.vault.BeginRead();
  if (!txn.ok()) return ErrorResponse(txn.status());
  auto users = vault::ListUsers(**txn);
  if (!users.ok()) return ErrorResponse(users.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::User& u : *users) list.Push(u.ToJson(false));
  json::Value v = json::Value::MakeObject();
  v["users"] = std::move(list);
  return HttpResponse::Json(v);
}

HttpResponse GetUserRoute(App& app, const HttpRequest& req, const RequestContext&) {
  auto txn = app.vault.BeginRead();
  if (!txn.ok()) return ErrorResponse(txn.status());
  auto user = vault::GetUser(**txn, req.params.at("id"));
  if (!user.ok()) return ErrorResponse(user.status());
  json::Value v = json::Value::MakeObject();
  v["user"] = user->ToJson(false);
  return HttpResponse::Json(v);
}

HttpResponse CreateUserRoute(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::NewUser u;
  auto username = json::GetString(req.json, "username");
  if (!username.ok()) return ErrorResponse(username.status());
  u.username = *username;
  auto display = TextField(req.json, "display_name", 128);
  if (!display.ok()) return ErrorResponse(display.status());
  u.display_name = *display;
  auto department = TextField(req.json, "department", 128);
  if (!department.ok()) return ErrorResponse(department.status());
  u.department = *department;
  auto territories = OptionalStrings(req.json, "territories");
  if (!territories.ok()) return ErrorResponse(territories.status());
  u.territories = *territories;
  auto roles = RolesField(req.json);
  if (!roles.ok()) return ErrorResponse(roles.status());
  u.roles = *roles;
  auto reason = TextField(req.json, "reason", kMaxReason);
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto out = Admin(app).Create(ctx.ToCaller(), u, *reason);
  if (!out.ok()) return ErrorResponse(out.status());
  return HttpResponse::Json(OutcomeJson(*out), 201);
}

HttpResponse UpdateUserRoute(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::UserChange change;
  if (req.json.Find("display_name") != nullptr) {
    auto v = TextField(req.json, "display_name", 128);
    if (!v.ok()) return ErrorResponse(v.status());
    change.display_name = *v;
  }
  if (req.json.Find("department") != nullptr) {
    auto v = TextField(req.json, "department", 128);
    if (!v.ok()) return ErrorResponse(v.status());
    change.department = *v;
  }
  if (req.json.Find("territories") != nullptr) {
    auto v = OptionalStrings(req.json, "territories");
    if (!v.ok()) return ErrorResponse(v.status());
    change.territories = *v;
  }
  if (req.json.Find("roles") != nullptr) {
    auto v = RolesField(req.json);
    if (!v.ok()) return ErrorResponse(v.status());
    change.roles = *v;
  }
  if (req.json.Find("disabled") != nullptr) {
    auto v = json::GetBool(req.json, "disabled");
    if (!v.ok()) return ErrorResponse(v.status());
    change.disabled = *v;
  }
  auto reason = TextField(req.json, "reason", kMaxReason);
  if (!reason.ok()) return ErrorResponse(reason.status());
  const std::string& id = req.params.at("id");
  auto out = Admin(app).Change(ctx.ToCaller(), id, change, *reason);
  if (!out.ok()) return ErrorResponse(out.status());
  if (out->user.disabled) {
    // SECURITY: a disabled account's sessions end now, not at next use.
    auto ended = app.sessions.DeleteForUser(id, "");
    if (!ended.ok())
      app.Log("ending a disabled user's sessions failed: " + ended.status().ToString());
  }
  return HttpResponse::Json(OutcomeJson(*out));
}

HttpResponse ResetPasswordRoute(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = TextField(req.json, "reason", kMaxReason);
  if (!reason.ok()) return ErrorResponse(reason.status());
  const std::string& id = req.params.at("id");
  auto out = Admin(app).ResetPassword(ctx.ToCaller(), id, *reason);
  if (!out.ok()) return ErrorResponse(out.status());
  // SECURITY: the old password no longer opens anything, sessions included.
  auto ended = app.sessions.DeleteForUser(id, "");
  if (!ended.ok()) app.Log("ending a reset user's sessions failed: " + ended.status().ToString());
  // Someone who locked the account out with wrong guesses does not keep its
  // owner out past an administrator's reset.
  app.throttle.Forgive(out->user.username);
  return HttpResponse::Json(OutcomeJson(*out));
}

HttpResponse ListGrants(App& app, const HttpRequest&, const RequestContext& ctx) {
  auto grants = Admin(app).PendingGrants(ctx.ToCaller());
  if (!grants.ok()) return ErrorResponse(grants.status());
  auto txn = app.vault.BeginRead();
  if (!txn.ok()) return ErrorResponse(txn.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::PendingGrant& g : *grants) {
    json::Value o = g.ToJson();
    auto user = vault::GetUser(**txn, g.user_id);
    auto by = vault::GetUser(**txn, g.requested_by);
    o["username"] = user.ok() ? user->username : "";
    o["display_name"] = user.ok() ? user->display_name : "";
    o["requested_by_name"] = by.ok() ? by->display_name : "";
    o["mine"] = g.requested_by == ctx.user->id;
    list.Push(std::move(o));
  }
  json::Value v = json::Value::MakeObject();
  v["grants"] = std::move(list);
  return HttpResponse::Json(v);
}

HttpResponse ConfirmGrantRoute(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto user = Admin(app).ConfirmGrant(ctx.ToCaller(), req.params.at("id"));
  if (!user.ok()) return ErrorResponse(user.status());
  json::Value v = json::Value::MakeObject();
  v["user"] = user->ToJson(false);
  return HttpResponse::Json(v);
}

HttpResponse CancelGrantRoute(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = TextField(req.json, "reason", kMaxReason);
  if (!reason.ok()) return ErrorResponse(reason.status());
  Status st = Admin(app).CancelGrant(ctx.ToCaller(), req.params.at("id"), *reason);
  if (!st.ok()) return ErrorResponse(st);
  json::Value v = json::Value::MakeObject();
  v["ok"] = true;
  return HttpResponse::Json(v);
}

Result<std::string> TokenField(const json::Value& body) {
  CUSTOS_ASSIGN_OR_RETURN(std::string token, json::GetString(body, "token"));
  if (token.size() > 128) return Status::InvalidArgument("token is too long", "设置链接无效");
  return token;
}

HttpResponse InspectSetupRoute(App& app, const HttpRequest& req, const RequestContext&) {
  auto token = TokenField(req.json);
  if (!token.ok()) return ErrorResponse(token.status());
  auto info = Admin(app).InspectSetup(*token);
  if (!info.ok()) return ErrorResponse(info.status());
  json::Value v = json::Value::MakeObject();
  v["username"] = info->username;
  v["display_name"] = info->display_name;
  v["kind"] = info->kind;
  v["expires"] = info->expires;
  return HttpResponse::Json(v);
}

HttpResponse CompleteSetupRoute(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto token = TokenField(req.json);
  if (!token.ok()) return ErrorResponse(token.status());
  const json::Value* pw = req.json.Find("new_password");
  if (pw == nullptr || !pw->is_string()) {
    return ErrorResponse(Status::InvalidArgument("new_password must be a string", "请填写新密码"));
  }
  if (pw->as_string().size() > kMaxPasswordBytes) {
    return ErrorResponse(Status::InvalidArgument("new_password is too long", "新密码过长"));
  }
  vault::SecretBytes password = vault::SecretBytes::CopyOf(pw->as_string());
  // SECURITY: the request's copy of the password is wiped at once.
  vault::WipeString(const_cast<std::string*>(&pw->as_string()));
  if (password.size() < vault::kMinPasswordChars) {
    return ErrorResponse(400, "invalid_argument", "the password needs at least 10 characters",
                         "密码至少需要 10 个字符");
  }
  auto user = Admin(app).CompleteSetup(*token, password, ctx.ToCaller().place);
  if (!user.ok()) return ErrorResponse(user.status());
  app.throttle.Forgive(user->username);  // the new password is tried afresh
  json::Value v = json::Value::MakeObject();
  v["username"] = user->username;
  return HttpResponse::Json(v);
}

HttpResponse ListRoles(App&, const HttpRequest&, const RequestContext&) {
  json::Value roles = json::Value::MakeArray();
  for (policy::Role r : policy::kAllRoles) {
    json::Value o = json::Value::MakeObject();
    o["id"] = std::string(policy::RoleId(r));
    o["label_zh"] = std::string(policy::RoleLabelZh(r));
    o["label_en"] = std::string(policy::RoleLabelEn(r));
    roles.Push(std::move(o));
  }
  json::Value classes = json::Value::MakeArray();
  for (policy::Classification c : policy::kAllClassifications) {
    json::Value o = json::Value::MakeObject();
    o["id"] = std::string(policy::ClassificationId(c));
    o["label_zh"] = std::string(policy::ClassificationLabelZh(c));
    o["label_en"] = std::string(policy::ClassificationLabelEn(c));
    classes.Push(std::move(o));
  }
  json::Value v = json::Value::MakeObject();
  v["roles"] = std::move(roles);
  v["classifications"] = std::move(classes);
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterUserRoutes(App& app) {
  auto bind = [&app](HttpResponse (*fn)(App&, const HttpRequest&, const RequestContext&)) {
    return
        [&app, fn](const HttpRequest& req, const RequestContext& ctx) { return fn(app, req, ctx); };
  };
  app.router.Add(Route::ForSession("GET", "/api/v1/roles", bind(&ListRoles)));
  // User administration is audited: without an audit log it is not served.
  if (app.options.archive == nullptr) return;
  const std::vector<policy::Role> admin = {policy::Role::kAdmin};
  app.router.Add(Route::ForRoles("GET", "/api/v1/users", admin, bind(&ListUsers)));
  app.router.Add(Route::ForRoles("POST", "/api/v1/users", admin, bind(&CreateUserRoute)).Json());
  app.router.Add(Route::ForRoles("GET", "/api/v1/users/{id}", admin, bind(&GetUserRoute)));
  app.router.Add(
      Route::ForRoles("PATCH", "/api/v1/users/{id}", admin, bind(&UpdateUserRoute)).Json());
  app.router.Add(
      Route::ForRoles("POST", "/api/v1/users/{id}/password-reset", admin, bind(&ResetPasswordRoute))
          .Json());
  app.router.Add(Route::ForRoles("GET", "/api/v1/user-grants", admin, bind(&ListGrants)));
  app.router.Add(
      Route::ForRoles("POST", "/api/v1/user-grants/{id}/confirm", admin, bind(&ConfirmGrantRoute))
          .Json());
  app.router.Add(
      Route::ForRoles("POST", "/api/v1/user-grants/{id}/cancel", admin, bind(&CancelGrantRoute))
          .Json());
  app.router.Add(Route::Public("POST", "/api/v1/setup/inspect", bind(&InspectSetupRoute)).Json());
  app.router.Add(Route::Public("POST", "/api/v1/setup", bind(&CompleteSetupRoute)).Json());
}

}  // namespace custos::web::internal
