#include "vault/audit/checkpoint.h"

#include <utility>

#include "base/encoding.h"
#include "vault/audit/merkle.h"

namespace custos::vault {

namespace {

// Splits text that must end in '\n' into its lines (without the newlines).
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    if (eol == std::string_view::npos) {
      out.push_back(text);
      break;
    }
    out.push_back(text.substr(0, eol));
    text.remove_prefix(eol + 1);
  }
  return out;
}

Result<std::string> DecodeHash(std::string_view b64) {
  auto h = Base64Decode(b64);
  if (!h.ok() || h->size() != merkle::kHashSize) {
    return Status::InvalidArgument("not a base64 SHA-256 hash");
  }
  return std::move(h).value();
}

}  // namespace

Result<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return Status::InvalidArgument("not a decimal number");
  if (s.size() > 1 && s[0] == '0') return Status::InvalidArgument("leading zero in a number");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::InvalidArgument("not a decimal number");
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return Status::InvalidArgument("number out of range");
    v = v * 10 + d;
  }
  return v;
}

std::string FormatCheckpoint(const Checkpoint& c) {
  if (c.origin.empty() || c.origin.find('\n') != std::string::npos) {
    Die("FormatCheckpoint: invalid origin");
  }
  std::string out = c.origin + "\n" + std::to_string(c.size) + "\n" + Base64Encode(c.root) + "\n";
  for (const std::string& e : c.extensions) out += e + "\n";
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  const Status malformed = Status::InvalidArgument("malformed checkpoint");
  if (text.empty() || text.back() != '\n') return malformed;
  std::vector<std::string_view> lines = Lines(text);
  if (lines.size() < 3) return malformed;
  for (std::string_view l : lines) {
    if (l.empty()) return malformed;
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  auto size = ParseDecimal(lines[1]);
  if (!size.ok()) return malformed;
  c.size = *size;
  auto root = DecodeHash(lines[2]);
  if (!root.ok()) return malformed;
  c.root = std::move(root).value();
  for (size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

std::string FormatTlogProof(const TlogProof& p) {
  std::string out(kTlogProofHeader);
  out += "\n";
  if (!p.extra.empty()) out += "extra " + Base64Encode(p.extra) + "\n";
  out += "index " + std::to_string(p.index) + "\n";
  out += FormatHashLines(p.hashes);
  out += "\n";
  out += p.checkpoint;
  return out;
}

Result<TlogProof> ParseTlogProof(std::string_view text) {
  const Status malformed = Status::InvalidArgument("malformed tlog-proof");
  TlogProof p;
  auto next_line = [&text](std::string_view* line) {
    size_t eol = text.find('\n');
    if (eol == std::string_view::npos) return false;
    *line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    return true;
  };
  std::string_view line;
  if (!next_line(&line) || line != kTlogProofHeader) return malformed;
  if (!next_line(&line)) return malformed;
  if (line.starts_with("extra ")) {
    auto extra = Base64Decode(line.substr(6));
    if (!extra.ok()) return malformed;
    p.extra = std::move(extra).value();
    if (!next_line(&line)) return malformed;
  }
  if (!line.starts_with("index ")) return malformed;
  auto index = ParseDecimal(line.substr(6));
  if (!index.ok()) return malformed;
  p.index = *index;
  while (true) {
    if (!next_line(&line)) return malformed;
    if (line.empty()) break;
    auto h = DecodeHash(line);
    if (!h.ok()) return malformed;
    p.hashes.push_back(std::move(h).value());
  }
  if (text.empty()) return malformed;
  p.checkpoint = std::string(text);
  return p;
}

std::string FormatHashLines(const std::vector<std::string>& hashes) {
  std::string out;
  for (const std::string& h : hashes) out += Base64Encode(h) + "\n";
  return out;
}

Result<std::vector<std::string>> ParseHashLines(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  if (text.back() != '\n') return Status::InvalidArgument("hash lines must end in a newline");
  for (std::string_view l : Lines(text)) {
    CUSTOS_ASSIGN_OR_RETURN(std::string h, DecodeHash(l));
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace custos::vault
