#include "policy/internal/utf8.h"

#include <cstddef>
#include <cstdint>

#include "base/text.h"

namespace custos::policy::internal {
namespace {

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";

bool IsAsciiBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Length of the well-formed sequence starting at text[i] (its code point in
// *out), or 0.
std::size_t SequenceLength(std::string_view text, std::size_t i, uint32_t* out) {
  const auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  std::size_t len = 0;
  uint32_t cp = 0;
  if (b0 < 0x80) {
    *out = b0;
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  *out = cp;
  return len;
}

}  // namespace

int CountCodePoints(std::string_view text) {
  int count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    const std::size_t len = SequenceLength(text, i, &cp);
    if (len == 0) {
      ++i;
    } else {
      if (!ShowsNothing(cp)) ++count;
      i += len;
    }
  }
  return count;
}

std::string_view TrimBlanks(std::string_view text) {
  for (;;) {
    if (!text.empty() && IsAsciiBlank(text.front())) {
      text.remove_prefix(1);
    } else if (text.starts_with(kIdeographicSpace)) {
      text.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  for (;;) {
    if (!text.empty() && IsAsciiBlank(text.back())) {
      text.remove_suffix(1);
    } else if (text.ends_with(kIdeographicSpace)) {
      text.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return text;
}

}  // namespace custos::policy::internal
