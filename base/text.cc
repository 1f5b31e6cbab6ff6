#include "base/text.h"

#include <cstdio>

#include "base/json.h"

namespace custos {
namespace {

// The code point of the UTF-8 sequence at text[*i] (valid UTF-8), moving *i
// past it.
uint32_t NextCodePoint(std::string_view text, size_t* i) {
  const auto lead = static_cast<unsigned char>(text[*i]);
  const size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[*i + k]) & 0x3F);
  }
  *i += n;
  return cp;
}

// Zero-width space, word joiner, zero-width no-break space (a BOM inside a
// text): nothing shows, yet "苏州\u200B精密" is not "苏州精密".
bool Invisible(uint32_t cp) { return cp == 0x200B || cp == 0x2060 || cp == 0xFEFF; }

std::string Hex(uint32_t code_point) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(code_point));
  return hex;
}

std::string Describe(TextCheck check) {
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
      return "holds a control character (" + Hex(check.code_point) + ")";
    case TextFault::kBidi:
      return "holds a bidirectional control character (" + Hex(check.code_point) +
             "), which would show the text in another order than it is stored";
    case TextFault::kInvisible:
      return "holds an invisible character (" + Hex(check.code_point) +
             "), which would make it differ from a text that looks the same";
  }
  return "";
}

std::string DescribeZh(TextCheck check) {
  switch (check.fault) {
    case TextFault::kNone:
      return "";
    case TextFault::kNotUtf8:
      return "不是有效的 UTF-8 文本";
    case TextFault::kLineBreak:
      return "含有换行符，须为一行";
    case TextFault::kTab:
      return "含有制表符";
    case TextFault::kControl:
      return "含有控制字符（" + Hex(check.code_point) + "）";
    case TextFault::kBidi:
      return "含有双向文本控制字符（" + Hex(check.code_point) +
             "），会使文字的显示顺序与存储顺序不同";
    case TextFault::kInvisible:
      return "含有不可见字符（" + Hex(check.code_point) + "），会使看起来相同的文字并不相同";
  }
  return "";
}

}  // namespace

TextCheck CheckText(std::string_view text, bool block) {
  if (!json::IsValidUtf8(text)) return {TextFault::kNotUtf8, 0};
  for (size_t i = 0; i < text.size();) {
    const uint32_t cp = NextCodePoint(text, &i);
    const bool line_break = cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029;
    if (block && (line_break || cp == '\t')) continue;
    if (line_break) return {TextFault::kLineBreak, cp};
    if (cp == '\t') return {TextFault::kTab, cp};
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return {TextFault::kControl, cp};
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      return {TextFault::kBidi, cp};
    }
    if (!block && Invisible(cp)) return {TextFault::kInvisible, cp};
  }
  return {};
}

bool ShowsNothing(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD || cp == 0x34F || cp == 0x115F ||
         cp == 0x1160 || cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) || cp == 0x2800 ||
         cp == 0x3164 || cp == 0xFEFF || cp == 0xFFA0 || (cp >= 0xFFF9 && cp <= 0xFFFB);
}

bool IsBlankText(std::string_view text) {
  if (!json::IsValidUtf8(text)) return false;
  for (size_t i = 0; i < text.size();) {
    const uint32_t cp = NextCodePoint(text, &i);
    if (cp != ' ' && cp != 0x3000 && !ShowsNothing(cp)) return false;
  }
  return true;
}

std::string LineTextProblem(std::string_view text) { return Describe(CheckText(text, false)); }
std::string BlockTextProblem(std::string_view text) { return Describe(CheckText(text, true)); }

Status CheckTextField(std::string_view field, std::string_view field_zh, std::string_view text,
                      bool block) {
  const TextCheck check = CheckText(text, block);
  if (check.fault == TextFault::kNone) return Status::Ok();
  return Status::InvalidArgument(std::string(field) + " " + Describe(check),
                                 ZhSubject(field_zh) + DescribeZh(check));
}

std::string ZhSubject(std::string_view name) {
  std::string out(name);
  if (!out.empty() && static_cast<unsigned char>(out.back()) < 0x80) out += ' ';
  return out;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace custos
