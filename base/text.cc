#include "base/text.h"

#include <cstdint>
#include <cstdio>

#include "base/json.h"

namespace custos {
namespace {

// What is wrong with `text`; `block` allows tabs and line breaks.
std::string TextProblem(std::string_view text, bool block) {
  if (!json::IsValidUtf8(text)) return "is not UTF-8";
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += n;
    auto hex = [cp] {
      char out[16];
      std::snprintf(out, sizeof out, "U+%04X", static_cast<unsigned>(cp));
      return std::string(out);
    };
    const bool line_break = cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029;
    if (block && (line_break || cp == '\t')) continue;
    if (line_break) return "holds a line break; it must be one line";
    if (cp == '\t') return "holds a tab";
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      return "holds a control character (" + hex() + ")";
    }
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      return "holds a bidirectional control character (" + hex() +
             "), which would show the text in another order than it is stored";
    }
  }
  return "";
}

}  // namespace

std::string LineTextProblem(std::string_view text) { return TextProblem(text, false); }
std::string BlockTextProblem(std::string_view text) { return TextProblem(text, true); }

}  // namespace custos
