#include "web/static_files.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "web/api.h"

#ifndef CUSTOS_WEB_UI_SOURCE_DIR
#define CUSTOS_WEB_UI_SOURCE_DIR ""
#endif
#ifndef CUSTOS_WEB_UI_INSTALL_DIR
#define CUSTOS_WEB_UI_INSTALL_DIR ""
#endif

namespace custos::web {

namespace fs = std::filesystem;

std::string_view ContentTypeFor(std::string_view file_path) {
  const size_t dot = file_path.rfind('.');
  if (dot == std::string_view::npos) return {};
  const std::string_view ext = file_path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "json") return "application/json; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "yaml") return "text/plain; charset=utf-8";
  return {};
}

Result<std::string> ResolveStaticPath(const std::string& root, std::string_view url_path) {
  const Status not_found = Status::NotFound("no such file");
  if (root.empty()) return not_found;
  for (char c : url_path) {
    // SECURITY: control characters (NUL included) and backslashes never
    // belong in a UI path; refusing them avoids any platform ambiguity.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return not_found;
  }
  std::vector<std::string> segments = SplitPath(url_path);
  for (const std::string& s : segments) {
    if (s == "." || s == ".." || s[0] == '.') return not_found;
  }
  if (segments.empty() || url_path.back() == '/') segments.push_back("index.html");

  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec) return not_found;
  fs::path candidate = canonical_root;
  for (const std::string& s : segments) candidate /= s;
  // SECURITY: follow symlinks, then require the result to stay inside root.
  const fs::path resolved = fs::canonical(candidate, ec);
  if (ec) return not_found;
  auto [root_end, _] =
      std::mismatch(canonical_root.begin(), canonical_root.end(), resolved.begin(), resolved.end());
  if (root_end != canonical_root.end()) return not_found;
  if (!fs::is_regular_file(resolved, ec) || ec) return not_found;
  if (ContentTypeFor(resolved.string()).empty()) return not_found;
  return resolved.string();
}

namespace {

// The share folder of an installed custos next to this executable
// (PREFIX/bin/custos → PREFIX/share/custos), when it holds the contract
// templates: a package unpacked anywhere finds its own files.
std::string InstalledShareDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path share = exe.parent_path().parent_path() / "share" / "custos";
  if (fs::is_directory(share / "contract-templates", ec)) return share.string();
  return {};
}

}  // namespace

std::string DefaultUiDir() {
  std::error_code ec;
  if (const char* env = std::getenv("CUSTOS_UI_DIR"); env != nullptr && *env != '\0') {
    if (fs::is_directory(env, ec)) return env;
  }
  if (const std::string share = InstalledShareDir(); !share.empty()) {
    if (fs::is_directory(fs::path(share) / "ui", ec)) return (fs::path(share) / "ui").string();
  }
  for (const char* dir : {CUSTOS_WEB_UI_SOURCE_DIR, CUSTOS_WEB_UI_INSTALL_DIR}) {
    if (*dir != '\0' && fs::is_directory(dir, ec)) return dir;
  }
  return {};
}

std::string ShareDir() {
  if (const char* h = std::getenv("CUSTOS_HOME"); h != nullptr && *h != '\0') return h;
  if (std::string share = InstalledShareDir(); !share.empty()) return share;
  return CUSTOS_SOURCE_DIR;
}

}  // namespace custos::web
