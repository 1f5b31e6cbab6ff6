#include "vault/evidence/sha256sums.h"

#include "base/status.h"
#include "base/text.h"

namespace custos::vault::evidence {
namespace {

constexpr size_t kMaxPathBytes = 200;

bool IsHex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool ValidBundlePath(std::string_view path) {
  if (path.empty() || path.size() > kMaxPathBytes) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    for (char c : seg) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

std::string FormatSha256Sums(const std::vector<ChecksumLine>& lines) {
  std::string out;
  for (const ChecksumLine& l : lines) {
    if (!IsHex(l.sha256_hex) || !ValidBundlePath(l.path)) {
      Die("SHA256SUMS: bad line for '" + l.path + "'");
    }
    out += LowerAscii(l.sha256_hex);
    out += "  ";
    out += l.path;
    out += '\n';
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseSha256Sums(std::string_view text) {
  std::map<std::string, std::string> out;
  if (text.empty()) return Status::InvalidArgument("SHA256SUMS is empty");
  if (text.back() != '\n') return Status::InvalidArgument("SHA256SUMS does not end in a newline");
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    const std::string where = "SHA256SUMS line " + std::to_string(line_no) + ": ";
    if (line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*')) {
      return Status::InvalidArgument(where + "not '<sha256>  <path>'");
    }
    const std::string_view hex = line.substr(0, 64);
    const std::string_view path = line.substr(66);
    if (!IsHex(hex)) return Status::InvalidArgument(where + "not a SHA-256 in hex");
    if (!ValidBundlePath(path)) return Status::InvalidArgument(where + "not a bundle path");
    if (!out.emplace(std::string(path), LowerAscii(hex)).second) {
      return Status::InvalidArgument(where + "'" + std::string(path) + "' is listed twice");
    }
  }
  return out;
}

}  // namespace custos::vault::evidence
