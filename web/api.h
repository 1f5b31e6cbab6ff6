// The web layer's Poco-free request/response model, its router and the single
// Status → HTTP mapping of Custos.
//
// Handlers take an HttpRequest and a RequestContext and return an
// HttpResponse; they never see Poco types, so they can be unit-tested and the
// Poco plumbing (server.cc) stays in one place. Each route declares who may
// call it (public, any session, or a session holding one of some roles) and
// whether a user who must change their password may call it; the server
// enforces this, and CSRF on every state-changing method, before the handler
// runs.
//
// Thread-safety: a Router is built before the server starts and is then
// read-only; handlers run concurrently on the server's threads.
#ifndef CUSTOS_WEB_API_H_
#define CUSTOS_WEB_API_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "policy/types.h"
#include "web/request_context.h"

namespace custos::web {

struct HttpRequest {
  std::string method;                          // upper case: GET, POST, ...
  std::string path;                            // decoded path, no query
  std::map<std::string, std::string> params;   // path parameters ({id})
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  // The parsed body for routes that take JSON (always an object), else null.
  json::Value json;
  // Streaming routes (Route::Streaming): the body is not read into `body`
  // but left on the connection, at most body_length bytes (the server checks
  // Content-Length against ServerOptions::max_upload_bytes). Null otherwise
  // (and in tests that dispatch directly: then `body` holds it).
  std::istream* body_stream = nullptr;
  int64_t body_length = -1;

  // Header value or "" (name in lower case).
  const std::string& Header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::vector<std::string> cookies;                          // Set-Cookie values
  // A streamed body (large downloads): written straight to the connection
  // after the headers, `stream_length` bytes with Content-Length. If it
  // fails part-way the connection is closed short of that length, so the
  // client sees an incomplete transfer, never a complete-looking one.
  std::function<Status(std::ostream&)> stream_body;
  uint64_t stream_length = 0;

  static HttpResponse Json(const json::Value& value, int status = 200);
};

// An error as the API shows it: {"error":{"code":..,"message_en":..,"message_zh":..}},
// plus "rule" (policy/rules.h) when the policy engine refused.
struct ApiError {
  int http_status = 500;
  std::string code;  // stable, lower-case ("permission_denied")
  std::string message_en;
  std::string message_zh;
  std::string rule;  // the refusing policy rule id, or empty
};

// The HTTP status for a Status code:
//   InvalidArgument 400, Unauthenticated 401, PermissionDenied 403,
//   ResourceExhausted 403 (a quota such as the three-views rule is a refusal,
//   not "retry later"; rate limiting of logins answers 429 explicitly),
//   NotFound 404, AlreadyExists 409, FailedPrecondition 409, Aborted 409,
//   DataLoss 500, Internal 500, Unavailable 503.
int HttpStatusFor(StatusCode code);

// The API error for a non-OK Status. message_en is the Status message except
// for DataLoss and Internal, whose details stay in the server log; message_zh
// is a fixed Chinese sentence for the code — except for a policy refusal
// (kPermissionDenied / kResourceExhausted whose message is "rule: …" with a
// known rule id), where `rule` is set and message_zh is the rule's Chinese
// message.
ApiError ApiErrorFromStatus(const Status& status);

// The object an error answer carries under "error" ({code, message_en,
// message_zh, rule?}), also for a refusal inside a 200 answer.
json::Value ApiErrorJson(const ApiError& error);
HttpResponse ErrorResponse(const ApiError& error);
HttpResponse ErrorResponse(const Status& status);
HttpResponse ErrorResponse(int http_status, std::string code, std::string message_en,
                           std::string message_zh);

// Who may call a route.
enum class Access {
  kPublic,   // anyone, no session needed
  kSession,  // any logged-in user (and `roles`, when not empty: one of them)
};

using Handler = std::function<HttpResponse(const HttpRequest&, const RequestContext&)>;

struct Route {
  std::string method;
  std::string pattern;                // "/api/v1/users/{id}"
  std::vector<std::string> segments;  // the pattern split at '/', filled by Router::Add
  Access access = Access::kSession;
  std::vector<policy::Role> roles;  // any of; empty = any session
  // Whether a user with must_change_password may call it (session, password).
  bool allowed_before_password_change = false;
  // Whether the body is JSON (an object), parsed before the handler runs.
  bool json_body = false;
  bool streams_body = false;
  // The largest buffered body this route takes; 0: ServerOptions::
  // max_body_bytes. Checked after admission (session, roles, CSRF).
  size_t max_body_bytes = 0;
  Handler handler;

  // Builders: Route::Public("GET", "/healthz", h),
  // Route::ForRoles("POST", "/api/v1/users", {Role::kAdmin}, h).Json().
  static Route Public(std::string method, std::string pattern, Handler handler);
  static Route ForSession(std::string method, std::string pattern, Handler handler);
  static Route ForRoles(std::string method, std::string pattern, std::vector<policy::Role> roles,
                        Handler handler);
  Route&& Json() && {
    json_body = true;
    return std::move(*this);
  }
  // The body is streamed to the handler (HttpRequest::body_stream), not
  // buffered: uploads of any size up to ServerOptions::max_upload_bytes.
  Route&& Streaming() && {
    streams_body = true;
    return std::move(*this);
  }
  // A larger buffered body than the server's default (a scan sent as JSON).
  Route&& MaxBody(size_t bytes) && {
    max_body_bytes = bytes;
    return std::move(*this);
  }
  Route&& BeforePasswordChange() && {
    allowed_before_password_change = true;
    return std::move(*this);
  }
};

class Router {
 public:
  // Adds a route. Patterns are absolute paths whose segments are literals or
  // "{name}" parameters. Registering the same method+pattern twice is a bug
  // and aborts.
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed_methods;  // for 405 when route is null
    bool path_matched = false;
  };
  Match Find(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Splits "/a/b/c" into {"a","b","c"} (empty segments dropped).
std::vector<std::string> SplitPath(std::string_view path);

}  // namespace custos::web

#endif  // CUSTOS_WEB_API_H_
