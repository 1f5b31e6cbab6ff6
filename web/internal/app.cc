#include "web/internal/app.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "vault/access/gate.h"
#include "vault/access/users.h"
#include "vault/records/records.h"
#include "vault/store/crypto.h"
#include "web/static_files.h"

namespace custos::web::internal {

App::App(vault::Vault& v, const ServerOptions& o)
    : vault(v),
      options(o),
      sessions(v, o.sessions, o.clock),
      throttle(o.throttle, o.clock),
      password_checks(std::clamp(o.max_concurrent_password_checks, 1, 1024)) {}

void App::Log(const std::string& line) const {
  if (options.log) {
    options.log(line);
  } else {
    std::cerr << "custos web: " << line << "\n";
  }
}

std::string App::SessionToken(const HttpRequest& req, bool https) {
  const std::string_view name = https ? kHttpsSessionCookie : kSessionCookie;
  const std::string& cookie = req.Header("cookie");
  // "a=1; custos_session=abc; b=2"
  size_t i = 0;
  while (i < cookie.size()) {
    size_t end = cookie.find(';', i);
    if (end == std::string::npos) end = cookie.size();
    std::string_view part(cookie.data() + i, end - i);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    i = end + 1;
  }
  return {};
}

std::string App::SessionCookie(std::string_view token, bool https) {
  std::string c = std::string(https ? kHttpsSessionCookie : kSessionCookie) + "=" +
                  std::string(token) + "; Path=/; HttpOnly; SameSite=Strict";
  if (https) c += "; Secure";
  return c;
}

std::string App::ClearSessionCookie(bool https) {
  std::string c = std::string(https ? kHttpsSessionCookie : kSessionCookie) +
                  "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";
  if (https) c += "; Secure";
  return c;
}

namespace {

bool IsStateChanging(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

HttpResponse ServeStatic(const App& app, const HttpRequest& req) {
  auto path = ResolveStaticPath(app.options.ui_dir, req.path);
  if (!path.ok()) {
    return ErrorResponse(404, "not_found", "no such page", "页面不存在");
  }
  std::ifstream in(*path, std::ios::binary);
  if (!in) return ErrorResponse(404, "not_found", "no such page", "页面不存在");
  std::ostringstream buf;
  buf << in.rdbuf();
  HttpResponse r;
  r.content_type = std::string(ContentTypeFor(*path));
  r.body = buf.str();
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace

Status App::LogRouteRefusal(const HttpRequest& req, const Route& route, const RequestContext& ctx) {
  if (options.archive == nullptr) return Status::Ok();  // servers without records keep no log
  vault::AuditEvent e = vault::access::AccessGate::NewEvent(
      ctx.ToCaller(), &*ctx.user, std::string(kRouteRefusedAction), "route",
      req.method + " " + route.pattern);
  json::Value roles = json::Value::MakeArray();
  for (policy::Role r : route.roles) roles.Push(std::string(policy::RoleId(r)));
  e.details["roles_allowed"] = std::move(roles);
  return options.archive->gate().RecordRefusal(std::move(e), kRouteRolesRule);
}

const Route* App::Admit(HttpRequest& req, RequestContext& ctx, std::string* route_label,
                        Router::Match match, HttpResponse* answer) {
  if (match.route == nullptr) {
    if (match.path_matched) {
      *route_label = "method_not_allowed";
      *answer = ErrorResponse(405, "method_not_allowed", "method not allowed for this path",
                              "此路径不支持该请求方法");
      std::string allow;
      for (const std::string& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      answer->headers.emplace_back("Allow", allow);
      return nullptr;
    }
    const bool api = req.path == "/api" || req.path.starts_with("/api/");
    // HEAD gets the same head as GET (Poco's response sends no body for
    // it): monitors and link checkers probe the UI that way.
    const bool get_or_head = req.method == "GET" || req.method == "HEAD";
    if (!api && get_or_head) {
      *route_label = "static";
      *answer = ServeStatic(*this, req);
      return nullptr;
    }
    *route_label = "unmatched";
    if (!api && !get_or_head) {
      *answer = ErrorResponse(405, "method_not_allowed", "method not allowed for this path",
                              "此路径不支持该请求方法");
      return nullptr;
    }
    *answer = ErrorResponse(404, "not_found", "no such API route", "接口不存在");
    return nullptr;
  }
  const Route& route = *match.route;
  *route_label = route.pattern;
  req.params = std::move(match.params);

  if (route.access == Access::kSession) {
    const std::string token = SessionToken(req, ctx.https);
    auto session = sessions.Lookup(token);
    if (!session.ok()) {
      if (session.status().code() != StatusCode::kUnauthenticated) {
        Log("session lookup failed: " + session.status().ToString());
        *answer = ErrorResponse(session.status());
        return nullptr;
      }
      *answer = ErrorResponse(401, "unauthenticated", "please log in", "请先登录");
      return nullptr;
    }
    Result<vault::User> user = Status::Internal("unset");
    {
      auto txn = vault.BeginRead();
      if (!txn.ok()) {
        *answer = ErrorResponse(txn.status());
        return nullptr;
      }
      user = vault::GetUser(**txn, session->user_id);
    }
    if (!user.ok() || user->disabled || user->employment == policy::EmploymentState::kDeparted) {
      if (!user.ok() && user.status().code() != StatusCode::kNotFound) {
        *answer = ErrorResponse(user.status());
        return nullptr;
      }
      sessions.Delete(token).IgnoreError();  // the account is gone or closed
      *answer = ErrorResponse(401, "unauthenticated", "please log in", "请先登录");
      return nullptr;
    }
    ctx.session_id = session->id;
    ctx.place.workstation = session->place.workstation;
    ctx.place.location = session->place.location;
    ctx.roles = user->roles;
    ctx.user = std::move(user).value();

    if (IsStateChanging(req.method)) {
      // SECURITY: the CSRF token lives in the session (sealed) and reaches
      // the page only through a same-origin JSON response; a cross-site form
      // cannot read it, so cannot send it. Checked first: a forged request
      // gets no further, not even to a refusal logged in the victim's name.
      const std::string& sent = req.Header("x-csrf-token");
      if (sent.empty() || !vault::ConstantTimeEquals(sent, session->csrf_token)) {
        *answer = ErrorResponse(403, "csrf_token_invalid", "missing or wrong X-CSRF-Token header",
                                "缺少或错误的 CSRF 令牌");
        return nullptr;
      }
    }
    if (ctx.user->must_change_password && !options.demo && !route.allowed_before_password_change) {
      *answer = ErrorResponse(403, "password_change_required",
                              "change your password before continuing", "请先修改密码");
      return nullptr;
    }
    if (!route.roles.empty() && std::none_of(route.roles.begin(), route.roles.end(),
                                             [&](policy::Role r) { return ctx.HasRole(r); })) {
      // Every access, allowed or denied, is in the log: a refusal by the
      // route's roles too, before the vault is asked. The answer is a
      // refusal either way; a failure to log it is an error of its own.
      Status logged = LogRouteRefusal(req, route, ctx);
      if (!logged.ok()) {
        Log("logging a refusal failed: " + logged.ToString());
        *answer = ErrorResponse(logged);
        return nullptr;
      }
      *answer = ErrorResponse(403, "permission_denied", "your roles do not allow this",
                              "您的角色无权执行此操作");
      return nullptr;
    }
  }

  // SECURITY: requiring application/json also forces a CORS preflight on
  // cross-origin requests, which we never answer.
  if (route.json_body && !req.Header("content-type").starts_with("application/json")) {
    *answer = ErrorResponse(415, "unsupported_media_type", "the body must be application/json",
                            "请求体必须是 JSON");
    return nullptr;
  }
  return &route;
}

HttpResponse App::Run(const Route& route, HttpRequest& req, RequestContext& ctx) {
  if (route.json_body) {
    json::ParseOptions po;
    po.max_size = route.max_body_bytes != 0 ? route.max_body_bytes : options.max_body_bytes;
    po.max_depth = 32;
    auto parsed = json::Parse(req.body, po);
    if (!parsed.ok()) {
      return ErrorResponse(400, "invalid_argument", "malformed JSON: " + parsed.status().message(),
                           "JSON 格式错误");
    }
    if (!parsed->is_object()) {
      return ErrorResponse(400, "invalid_argument", "the body must be a JSON object",
                           "请求体必须是 JSON 对象");
    }
    req.json = std::move(parsed).value();
  }
  return route.handler(req, ctx);
}

}  // namespace custos::web::internal
