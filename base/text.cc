#include "base/text.h"

#include <cstdio>

#include "base/json.h"

namespace custos {
namespace {

std::string Describe(TextCheck check) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(check.code_point));
  switch (check.fault) {
    case TextFault::kNone:
      return "";
    case TextFault::kNotUtf8:
      return "is not UTF-8";
    case TextFault::kLineBreak:
      return "holds a line break; it must be one line";
    case TextFault::kTab:
      return "holds a tab";
    case TextFault::kControl:
      return "holds a control character (" + std::string(hex) + ")";
    case TextFault::kBidi:
      return "holds a bidirectional control character (" + std::string(hex) +
             "), which would show the text in another order than it is stored";
  }
  return "";
}

}  // namespace

TextCheck CheckText(std::string_view text, bool block) {
  if (!json::IsValidUtf8(text)) return {TextFault::kNotUtf8, 0};
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    i += n;
    const bool line_break = cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029;
    if (block && (line_break || cp == '\t')) continue;
    if (line_break) return {TextFault::kLineBreak, cp};
    if (cp == '\t') return {TextFault::kTab, cp};
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return {TextFault::kControl, cp};
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      return {TextFault::kBidi, cp};
    }
  }
  return {};
}

std::string LineTextProblem(std::string_view text) { return Describe(CheckText(text, false)); }
std::string BlockTextProblem(std::string_view text) { return Describe(CheckText(text, true)); }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace custos
