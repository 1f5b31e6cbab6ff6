#include "web/api.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "policy/engine.h"

namespace custos::web {

json::Value Place::ToJson() const {
  json::Value v = json::Value::MakeObject();
  v["ip"] = ip;
  v["user_agent"] = user_agent;
  v["workstation"] = workstation;
  v["location"] = location;
  return v;
}

bool RequestContext::HasRole(policy::Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

vault::Caller RequestContext::ToCaller() const {
  vault::Caller c;
  c.user_id = user ? user->id : "";
  c.session = session_id;
  c.place.ip = place.ip;
  c.place.user_agent = place.user_agent;
  c.place.workstation = place.workstation;
  c.place.location = place.location;
  return c;
}

const std::string& HttpRequest::Header(std::string_view lower_name) const {
  static const std::string kEmpty;
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? kEmpty : it->second;
}

HttpResponse HttpResponse::Json(const json::Value& value, int status) {
  HttpResponse r;
  r.status = status;
  r.body = json::Serialize(value);
  return r;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
    case StatusCode::kResourceExhausted:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {

std::string_view ZhFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "成功";
    case StatusCode::kInvalidArgument:
      return "请求内容无效";
    case StatusCode::kNotFound:
      return "未找到";
    case StatusCode::kAlreadyExists:
      return "已存在";
    case StatusCode::kPermissionDenied:
      return "无权执行此操作";
    case StatusCode::kUnauthenticated:
      return "未登录或会话已过期";
    case StatusCode::kFailedPrecondition:
      return "当前状态不允许此操作";
    case StatusCode::kResourceExhausted:
      return "额度已用完";
    case StatusCode::kDataLoss:
      return "数据完整性校验失败";
    case StatusCode::kAborted:
      return "操作冲突，请重试";
    case StatusCode::kUnavailable:
      return "服务暂时不可用";
    case StatusCode::kInternal:
      return "服务器内部错误";
  }
  return "服务器内部错误";
}

}  // namespace

ApiError ApiErrorFromStatus(const Status& status) {
  ApiError e;
  e.http_status = HttpStatusFor(status.code());
  e.code = std::string(StatusCodeName(status.code()));
  e.message_zh = std::string(ZhFor(status.code()));
  // SECURITY: integrity failures and bugs keep their details in the log.
  if (status.code() == StatusCode::kDataLoss) {
    e.message_en = "stored data failed an integrity check";
  } else if (status.code() == StatusCode::kInternal) {
    e.message_en = "internal server error";
  } else {
    e.message_en = status.message();
    // In Chinese the message's own words when it has them; otherwise the
    // code's general sentence followed by the English detail, so that a
    // reader of Chinese still learns what to change.
    if (!status.message_zh().empty()) {
      e.message_zh = status.message_zh();
    } else if (!e.message_en.empty()) {
      e.message_zh += "（" + e.message_en + "）";
    }
  }
  // A policy refusal (or a request refused for the state it finds, such
  // as a loan already asked for) carries its rule and both messages as data
  // (Status::refusal); answer it in Chinese with the rule's own words, not
  // the code's generic sentence, so each language sees why.
  if (const Refusal* r = status.refusal();
      r != nullptr && (status.code() == StatusCode::kPermissionDenied ||
                       status.code() == StatusCode::kResourceExhausted ||
                       status.code() == StatusCode::kFailedPrecondition)) {
    e.message_en = r->message_en;
    e.rule = r->rule;
    if (std::optional<policy::RuleMessages> text = policy::MessagesForRule(r->rule)) {
      e.message_zh = std::string(text->zh);
    }
    // The decision's own Chinese message, details included, when it came along.
    if (!r->message_zh.empty()) e.message_zh = r->message_zh;
  }
  return e;
}

json::Value ApiErrorJson(const ApiError& error) {
  json::Value inner = json::Value::MakeObject();
  inner["code"] = error.code;
  inner["message_en"] = error.message_en;
  inner["message_zh"] = error.message_zh;
  if (!error.rule.empty()) inner["rule"] = error.rule;
  return inner;
}

HttpResponse ErrorResponse(const ApiError& error) {
  json::Value v = json::Value::MakeObject();
  v["error"] = ApiErrorJson(error);
  return HttpResponse::Json(v, error.http_status);
}

HttpResponse ErrorResponse(const Status& status) {
  return ErrorResponse(ApiErrorFromStatus(status));
}

HttpResponse ErrorResponse(int http_status, std::string code, std::string message_en,
                           std::string message_zh) {
  return ErrorResponse(
      ApiError{http_status, std::move(code), std::move(message_en), std::move(message_zh), {}});
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

Route Route::Public(std::string method, std::string pattern, Handler handler) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.access = Access::kPublic;
  r.handler = std::move(handler);
  return r;
}

Route Route::ForSession(std::string method, std::string pattern, Handler handler) {
  Route r = Public(std::move(method), std::move(pattern), std::move(handler));
  r.access = Access::kSession;
  return r;
}

Route Route::ForRoles(std::string method, std::string pattern, std::vector<policy::Role> roles,
                      Handler handler) {
  Route r = ForSession(std::move(method), std::move(pattern), std::move(handler));
  r.roles = std::move(roles);
  return r;
}

void Router::Add(Route route) {
  for (const Route& r : routes_) {
    if (r.method == route.method && r.pattern == route.pattern) {
      Die("route registered twice: " + route.method + " " + route.pattern);
    }
  }
  if (route.pattern.empty() || route.pattern[0] != '/' || !route.handler) {
    Die("bad route: " + route.method + " " + route.pattern);
  }
  route.segments = SplitPath(route.pattern);
  routes_.push_back(std::move(route));
}

namespace {

// A pattern's last segment "{name*}" takes one or more segments, joined
// by "/" (the paths of /tlog/tile/…).
bool IsRest(const std::string& seg) {
  return seg.size() >= 3 && seg.front() == '{' && seg.ends_with("*}");
}

bool MatchPattern(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                  std::map<std::string, std::string>* params) {
  if (!pattern.empty() && IsRest(pattern.back())) {
    const size_t fixed = pattern.size() - 1;
    if (path.size() <= fixed) return false;
    std::vector<std::string> head(pattern.begin(), pattern.end() - 1);
    if (!MatchPattern(head, std::vector<std::string>(path.begin(), path.begin() + fixed), params))
      return false;
    std::string rest;
    for (size_t i = fixed; i < path.size(); ++i) rest += (i > fixed ? "/" : "") + path[i];
    (*params)[pattern.back().substr(1, pattern.back().size() - 3)] = std::move(rest);
    return true;
  }
  if (pattern.size() != path.size()) return false;
  // Cheap rejection first: most routes differ in a literal segment.
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& seg = pattern[i];
    const bool param = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
    if (!param && seg != path[i]) return false;
  }
  std::map<std::string, std::string> p;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& seg = pattern[i];
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      p[seg.substr(1, seg.size() - 2)] = path[i];
    } else if (seg != path[i]) {
      return false;
    }
  }
  *params = std::move(p);
  return true;
}

}  // namespace

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  const std::vector<std::string> segments = SplitPath(path);
  // Literal segments win over parameters: prefer the route with the most
  // literal matches (e.g. /users/me before /users/{id}).
  int best_literals = -1;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    const std::vector<std::string>& pattern = r.segments;
    if (!MatchPattern(pattern, segments, &params)) continue;
    m.path_matched = true;
    if (r.method != method) {
      if (std::find(m.allowed_methods.begin(), m.allowed_methods.end(), r.method) ==
          m.allowed_methods.end()) {
        m.allowed_methods.push_back(r.method);
      }
      continue;
    }
    int literals = static_cast<int>(pattern.size() - params.size());
    if (literals > best_literals) {
      best_literals = literals;
      m.route = &r;
      m.params = std::move(params);
    }
  }
  return m;
}

}  // namespace custos::web
