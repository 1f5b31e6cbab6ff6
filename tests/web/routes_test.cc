// Every route × an unauthenticated caller, a caller without the role, a
// caller with it; and every route documented in web/openapi.yaml.
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/web/test_client.h"
#include "web/api.h"

namespace custos::web::testing {
namespace {

using WebRoutesTest = WebTest;

std::string Concrete(const std::string& pattern, const std::string& id) {
  return std::regex_replace(pattern, std::regex("\\{[a-z_]+\\}"), id);
}

bool IsPublic(const std::string& route) {
  // A setup link's token is its credential (web/users_api.cc).
  // A monitoring system's bearer token is the scrape route's credential.
  return route == "GET /healthz" || route == "GET /metrics/scrape" ||
         route == "POST /api/v1/session" || route == "POST /api/v1/setup/inspect" ||
         route == "POST /api/v1/setup";
}

TEST_F(WebRoutesTest, EveryRouteNeedsASession) {
  for (const std::string& route : server_->RouteList()) {
    if (IsPublic(route)) continue;
    const size_t sp = route.find(' ');
    const std::string method = route.substr(0, sp);
    const std::string path = Concrete(route.substr(sp + 1), author_.id);
    TestResponse r = Client().Send(method, path, method == "GET" ? "" : "{}");
    EXPECT_EQ(r.status, 401) << route;
    EXPECT_EQ(r.ErrorCode(), "unauthenticated") << route;
    // A forged token is no better.
    r = Client().Send(method, path, method == "GET" ? "" : "{}",
                      {{"Cookie", "custos_session=" + std::string(64, '0')}});
    EXPECT_EQ(r.status, 401) << route;
  }
}

TEST_F(WebRoutesTest, RolesAreEnforcedPerRoute) {
  TestClient nobody = LoggedIn("nobody");
  TestClient everyone = LoggedIn("everyone");
  for (const std::string& route : server_->RouteList()) {
    if (IsPublic(route)) continue;
    const size_t sp = route.find(' ');
    const std::string method = route.substr(0, sp);
    const std::string pattern = route.substr(sp + 1);
    const std::string path = Concrete(pattern, author_.id);
    const std::string body = method == "GET" || method == "DELETE" ? "" : "{}";
    if (method == "DELETE" && pattern == "/api/v1/session") continue;  // checked elsewhere
    const bool any_session = pattern == "/api/v1/session" || pattern == "/api/v1/roles" ||
                             pattern == "/api/v1/session/password" ||
                             pattern == "/api/v1/handovers/mine";  // about the caller only
    const bool policy_decides =
        pattern.starts_with("/api/v1/records") || pattern.starts_with("/api/v1/loans") ||
        pattern.starts_with("/api/v1/attachments") || pattern == "/api/v1/people" ||
        pattern.starts_with(
            "/api/v1/agreements") ||  // the vault decides (vault/agreements/agreements.h)
        pattern.starts_with(
            "/api/v1/users/{id}/resignation") ||  // the vault decides (vault/people/employment.h)
        pattern.starts_with("/api/v1/departures") ||  // the vault decides (vault/people/handover.h)
        pattern.starts_with("/api/v1/evidence") ||    // the vault decides (vault/evidence)
        pattern == "/api/v1/holds";
    TestResponse without = nobody.Call(method, path, body);
    if (policy_decides) {
      // Any session may ask; the policy engine (through the Archive) says
      // yes or no, and a no is a 403 or 404, never a 5xx.
      EXPECT_NE(without.status, 401) << route;
      EXPECT_LT(without.status, 500) << route << without.body;
    } else if (any_session) {
      EXPECT_NE(without.status, 401) << route;
      EXPECT_NE(without.status, 403) << route << without.body;
    } else {
      EXPECT_EQ(without.status, 403) << route;
      EXPECT_EQ(without.ErrorCode(), "permission_denied") << route;
    }
    TestResponse with = everyone.Call(method, path, body);
    EXPECT_NE(with.status, 401) << route << with.body;
    if (pattern != "/api/v1/session/password") {  // {} is a bad body there: 400
      EXPECT_NE(with.status, 403) << route << with.body;
    }
    EXPECT_LT(with.status, 500) << route << with.body;
  }
}

// The spec's paths and methods, read line by line: "  /path:" under
// "paths:", then "    get:" etc.
std::set<std::string> SpecRoutes() {
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  std::ifstream in(std::string(root != nullptr ? root : ".") + "/web/openapi.yaml");
  EXPECT_TRUE(in.good());
  std::set<std::string> out;
  std::string line, path;
  bool in_paths = false;
  const std::regex path_re("^  (/[^:]*):\\s*$");
  const std::regex method_re("^    (get|post|put|patch|delete):\\s*$");
  std::smatch m;
  while (std::getline(in, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = false;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_re)) {
      path = m[1];
    } else if (std::regex_match(line, m, method_re) && !path.empty()) {
      std::string method = m[1];
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(method + " " + path);
    }
  }
  return out;
}

TEST_F(WebRoutesTest, OpenApiMatchesRegisteredRoutes) {
  const std::set<std::string> spec = SpecRoutes();
  std::set<std::string> served;
  for (const std::string& r : server_->RouteList()) served.insert(r);
  for (const std::string& r : served) EXPECT_TRUE(spec.count(r)) << "not in openapi.yaml: " << r;
  for (const std::string& r : spec) EXPECT_TRUE(served.count(r)) << "not served: " << r;
  EXPECT_GE(spec.size(), 10u);
}

TEST(WebRouterTest, ARestParameterTakesTheRemainingSegments) {
  Router router;
  auto h = [](const HttpRequest&, const RequestContext&) { return HttpResponse(); };
  router.Add(Route::ForSession("GET", "/tlog/tile/{path*}", h));
  router.Add(Route::ForSession("GET", "/tlog/tile/entries/{path*}", h));
  auto m = router.Find("GET", "/tlog/tile/0/x001/002.p/5");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/tlog/tile/{path*}");
  EXPECT_EQ(m.params["path"], "0/x001/002.p/5");
  m = router.Find("GET", "/tlog/tile/entries/000");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/tlog/tile/entries/{path*}");
  EXPECT_EQ(m.params["path"], "000");
  EXPECT_EQ(router.Find("GET", "/tlog/tile").route, nullptr);  // at least one segment
  EXPECT_EQ(router.Find("GET", "/tlog/tiles/0/000").route, nullptr);
}

TEST(WebRouterTest, MatchesParamsAndPrefersLiterals) {
  Router router;
  auto h = [](const HttpRequest&, const RequestContext&) { return HttpResponse(); };
  router.Add(Route::ForSession("GET", "/api/v1/users/{id}", h));
  router.Add(Route::ForSession("GET", "/api/v1/users/me", h));
  router.Add(Route::ForSession("PATCH", "/api/v1/users/{id}", h));
  auto m = router.Find("GET", "/api/v1/users/u-1");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params["id"], "u-1");
  m = router.Find("GET", "/api/v1/users/me");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/users/me");
  m = router.Find("DELETE", "/api/v1/users/u-1");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_matched);
  EXPECT_EQ(m.allowed_methods.size(), 2u);
  m = router.Find("GET", "/api/v1/users/u-1/x");
  EXPECT_FALSE(m.path_matched);
}

TEST(WebStatusMappingTest, EachCodeHasOneHttpStatus) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  ApiError e = ApiErrorFromStatus(Status::DataLoss("leaf 42 of table secret-x failed"));
  EXPECT_EQ(e.code, "data_loss");
  EXPECT_EQ(e.message_en.find("secret-x"), std::string::npos);
  e = ApiErrorFromStatus(Status::PermissionDenied("quota"));
  EXPECT_EQ(e.message_en, "quota");
  EXPECT_FALSE(e.message_zh.empty());
}

TEST(WebStatusMappingTest, ChineseReadersLearnWhatToChange) {
  // A message with Chinese words is answered with them.
  ApiError e = ApiErrorFromStatus(Status::InvalidArgument("name is blank", "客户名称为空"));
  EXPECT_EQ(e.message_en, "name is blank");
  EXPECT_EQ(e.message_zh, "客户名称为空");
  // One without keeps the code's sentence, followed by the English detail.
  e = ApiErrorFromStatus(Status::InvalidArgument("policy: malformed XML at byte 7"));
  EXPECT_EQ(e.message_zh, "请求内容无效（policy: malformed XML at byte 7）");
  e = ApiErrorFromStatus(Status::FailedPrecondition("the user has departed", "该用户已离职"));
  EXPECT_EQ(e.http_status, 409);
  EXPECT_EQ(e.message_zh, "该用户已离职");
  // Integrity failures and bugs say neither language's details.
  e = ApiErrorFromStatus(Status::DataLoss("leaf 42 of table secret-x failed"));
  EXPECT_EQ(e.message_zh, "数据完整性校验失败");
  e = ApiErrorFromStatus(Status::Internal("lmdb: MDB_CORRUPTED in secret-x"));
  EXPECT_EQ(e.message_zh, "服务器内部错误");
}

}  // namespace
}  // namespace custos::web::testing
