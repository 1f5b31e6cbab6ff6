// /api/v1/users (admin) and /api/v1/roles (any session).
#include <algorithm>
#include <string>

#include "base/json.h"
#include "policy/types.h"
#include "vault/users.h"
#include "web/internal/app.h"

namespace custos::web::internal {

namespace {

Result<std::vector<policy::Role>> RolesField(const json::Value& body) {
  const json::Value* v = body.Find("roles");
  if (v == nullptr || !v->is_array()) return Status::InvalidArgument("roles must be an array");
  std::vector<policy::Role> roles;
  for (const json::Value& r : v->as_array()) {
    if (!r.is_string()) return Status::InvalidArgument("roles must be strings");
    CUSTOS_ASSIGN_OR_RETURN(policy::Role role, policy::ParseRole(r.as_string()));
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
  }
  return roles;
}

Result<std::string> TextField(const json::Value& body, std::string_view key, size_t max) {
  CUSTOS_ASSIGN_OR_RETURN(std::string s, json::GetStringOr(body, key, ""));
  if (s.size() > max) return Status::InvalidArgument(std::string(key) + " is too long");
  return s;
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

HttpResponse CreateUserRoute(App& app, const HttpRequest& req, const RequestContext&) {
  vault::User u;
  auto username = json::GetString(req.json, "username");
  if (!username.ok()) return ErrorResponse(username.status());
  u.username = *username;
  auto display = TextField(req.json, "display_name", 128);
  if (!display.ok()) return ErrorResponse(display.status());
  u.display_name = *display;
  auto department = TextField(req.json, "department", 128);
  if (!department.ok()) return ErrorResponse(department.status());
  u.department = *department;
  auto roles = RolesField(req.json);
  if (!roles.ok()) return ErrorResponse(roles.status());
  u.roles = *roles;
  // Every account an administrator creates starts with a one-time password
  // that its owner must replace at first login.
  u.must_change_password = true;
  vault::SecretBytes password = vault::GeneratePassword(16);
  Result<vault::User> created = Status::Internal("unset");
  Status st = app.vault.Write([&](vault::WriteTxn& txn) -> Status {
    created = vault::CreateUser(txn, u, password, app.options.password_kdf);
    return created.status();
  });
  if (!st.ok()) return ErrorResponse(st);
  json::Value v = json::Value::MakeObject();
  v["user"] = created->ToJson(false);
  // Shown once, to the administrator who hands it over.
  v["initial_password"] = std::string(password.view());
  return HttpResponse::Json(v, 201);
}

HttpResponse UpdateUserRoute(App& app, const HttpRequest& req, const RequestContext& ctx) {
  const std::string& id = req.params.at("id");
  Result<vault::User> updated = Status::Internal("unset");
  Status st = app.vault.Write([&](vault::WriteTxn& txn) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(vault::User u, vault::GetUser(txn, id));
    if (req.json.Find("display_name") != nullptr) {
      CUSTOS_ASSIGN_OR_RETURN(u.display_name, TextField(req.json, "display_name", 128));
    }
    if (req.json.Find("department") != nullptr) {
      CUSTOS_ASSIGN_OR_RETURN(u.department, TextField(req.json, "department", 128));
    }
    if (req.json.Find("roles") != nullptr) {
      CUSTOS_ASSIGN_OR_RETURN(u.roles, RolesField(req.json));
    }
    if (req.json.Find("disabled") != nullptr) {
      CUSTOS_ASSIGN_OR_RETURN(u.disabled, json::GetBool(req.json, "disabled"));
    }
    if (u.id == ctx.user->id && (u.disabled || !u.HasRole(policy::Role::kAdmin))) {
      return Status::FailedPrecondition(
          "administrators cannot disable themselves or drop their own admin role");
    }
    CUSTOS_RETURN_IF_ERROR(vault::UpdateUser(txn, u));
    updated = u;
    return Status::Ok();
  });
  if (!st.ok()) return ErrorResponse(st);
  json::Value v = json::Value::MakeObject();
  v["user"] = updated->ToJson(false);
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
  const std::vector<policy::Role> admin = {policy::Role::kAdmin};
  app.router.Add(Route::ForRoles("GET", "/api/v1/users", admin, bind(&ListUsers)));
  app.router.Add(Route::ForRoles("POST", "/api/v1/users", admin, bind(&CreateUserRoute)).Json());
  app.router.Add(Route::ForRoles("GET", "/api/v1/users/{id}", admin, bind(&GetUserRoute)));
  app.router.Add(
      Route::ForRoles("PATCH", "/api/v1/users/{id}", admin, bind(&UpdateUserRoute)).Json());
  app.router.Add(Route::ForSession("GET", "/api/v1/roles", bind(&ListRoles)));
}

}  // namespace custos::web::internal
