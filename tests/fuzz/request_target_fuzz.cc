// Fuzzes what the server makes of a request target (the second word of the
// request line, as the head parser passes it on): the connection's decoding
// into a path and query parameters (Poco::URI, exactly as
// web/internal/connection.cc Handle does it), the router (web/api.h) and,
// for paths outside /api, the static file resolver (web/static_files.h)
// over the real web/ui folder. Checks:
//   - decoding fails only with a Poco exception (the connection answers 400);
//   - a route's parameters are whole, non-empty path segments, and the
//     route's literal segments are the path's;
//   - SECURITY: a resolved static file is a regular file of a known type
//     inside the UI folder, reached through no hidden segment — whatever
//     "..", "%2e%2e", "//", "%00" or backslash the target holds.
// Seed corpus: tests/fuzz/corpus/request_target/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "tests/fuzz/promise.h"
#include "web/api.h"
#include "web/static_files.h"

namespace {

namespace fs = std::filesystem;
using custos::web::HttpResponse;
using custos::web::Route;
using custos::web::Router;

using custos::fuzz::Require;

// A few of the real routes' shapes (literals, parameters, literal beside
// parameter at the same depth).
const Router& TestRouter() {
  static const Router* router = [] {
    auto* r = new Router();
    auto h = [](const custos::web::HttpRequest&, const custos::web::RequestContext&) {
      return HttpResponse();
    };
    for (const char* pattern :
         {"/healthz", "/api/v1/session", "/api/v1/users/me", "/api/v1/users/{id}",
          "/api/v1/records/{id}", "/api/v1/records/{id}/attachments/{attachment}",
          "/api/v1/loans/{id}/approve", "/api/v1/audit/checkpoints/{size}"}) {
      r->Add(Route::Public("GET", pattern, h));
    }
    r->Add(Route::Public("POST", "/api/v1/records/{id}", h));
    return r;
  }();
  return *router;
}

void CheckRoute(const Router::Match& m, const std::string& path) {
  if (m.route == nullptr) return;
  const std::vector<std::string> segments = custos::web::SplitPath(path);
  Require(m.route->segments.size() == segments.size(), "a route matches every segment");
  size_t params = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = m.route->segments[i];
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      auto it = m.params.find(seg.substr(1, seg.size() - 2));
      Require(it != m.params.end() && it->second == segments[i], "a parameter is its segment");
      Require(!it->second.empty() && it->second.find('/') == std::string::npos,
              "a parameter is a whole, non-empty segment");
      ++params;
    } else {
      Require(seg == segments[i], "a literal segment matches the path");
    }
  }
  Require(params == m.params.size(), "no parameter the pattern does not name");
}

void CheckStatic(const std::string& path) {
  static const std::string* root = new std::string(fs::canonical(CUSTOS_FUZZ_UI_DIR).string());
  auto file = custos::web::ResolveStaticPath(CUSTOS_FUZZ_UI_DIR, path);
  if (!file.ok()) {
    Require(file.status().code() == custos::StatusCode::kNotFound, "refusals are kNotFound");
    return;
  }
  const fs::path resolved(*file);
  Require(file->size() > root->size() && file->compare(0, root->size(), *root) == 0 &&
              (*file)[root->size()] == '/',
          "SECURITY: a static file lies inside the UI folder");
  for (const fs::path& part : resolved.lexically_relative(*root)) {
    const std::string s = part.string();
    Require(!s.empty() && s[0] != '.', "SECURITY: no hidden or dot segment");
  }
  Require(fs::is_regular_file(resolved), "a static file is a regular file");
  Require(!custos::web::ContentTypeFor(*file).empty(), "a static file has a known type");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string target(reinterpret_cast<const char*>(data), size);
  // The head parser passes on only targets of visible ASCII.
  if (target.empty()) return 0;
  for (char ch : target) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return 0;
  }
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  try {
    Poco::URI uri(target);
    path = uri.getPath();
    for (auto& [k, v] : uri.getQueryParameters()) query.emplace_back(k, v);
  } catch (const Poco::Exception&) {
    return 0;  // 400 malformed request URI
  }
  if (path.empty() || path[0] != '/') return 0;  // 400 as well

  for (const char* method : {"GET", "POST"}) {
    const Router::Match m = TestRouter().Find(method, path);
    Require(m.route == nullptr || m.path_matched, "a found route matched the path");
    CheckRoute(m, path);
  }
  const bool api = path == "/api" || path.starts_with("/api/");
  if (!api) CheckStatic(path);
  return 0;
}
