// Text that people read — names, labels, notes — and what it may hold: UTF-8
// without control characters, and without the bidirectional override,
// embedding and isolate characters (U+202A–U+202E, U+2066–U+2069) that make
// text display in another order than it is stored. A one-line field holds
// no line break or tab either, nor a zero-width character (U+200B, U+2060,
// U+FEFF) that makes a name differ from one that looks the same; a longer
// text may hold tabs and line breaks. Thread-safety: pure functions.
#ifndef CUSTOS_BASE_TEXT_H_
#define CUSTOS_BASE_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace custos {

// The first thing wrong with a text, for callers that word it themselves
// (in two languages, say).
enum class TextFault {
  kNone,
  kNotUtf8,
  kLineBreak,  // LF, CR, U+2028, U+2029 in a one-line field
  kTab,        // in a one-line field
  kControl,    // C0 (but those above, where allowed), DEL, C1
  kBidi,       // U+202A–U+202E, U+2066–U+2069
  kInvisible,  // U+200B, U+2060, U+FEFF in a one-line field
};
struct TextCheck {
  TextFault fault = TextFault::kNone;
  uint32_t code_point = 0;  // the character at fault
};
// `block`: a longer text, which may hold tabs and line breaks.
TextCheck CheckText(std::string_view text, bool block);

// What is wrong with `text` as a one-line field ("holds a line break; it
// must be one line", "holds a control character (U+0000)", ...), or "" when
// nothing is. Written to follow the field's name in a message.
std::string LineTextProblem(std::string_view text);
// The same for a longer text, which may also hold tabs and line breaks
// (LF, CR, U+2028, U+2029).
std::string BlockTextProblem(std::string_view text);

// Whether `code_point` shows nothing: control characters, spaces other than
// U+0020 and the ideographic U+3000 (no-break, en, em, thin, …), zero-width
// and other format characters, and blank glyphs (U+2800 braille blank, the
// Hangul fillers U+115F, U+1160, U+3164, U+FFA0). A reason of them says
// nothing, however many there are (policy::ReasonLength).
bool ShowsNothing(uint32_t code_point);

// Whether `text` shows nothing: empty, or only spaces of any width (ASCII
// space and tab, U+00A0, U+1680, U+2000–U+200A, U+202F, U+205F, the
// ideographic space U+3000), invisible characters (U+200B, U+2060,
// U+FEFF), joiners (U+200C, U+200D), the soft hyphen and blank glyphs
// (U+2800, U+115F, U+1160, U+3164, U+FFA0): U+0020, U+3000 and what
// ShowsNothing. A name like that names nothing.
bool IsBlankText(std::string_view text);

// `name` as the subject of a Chinese sentence: a name ending in a Latin
// letter or digit ("content.phone", "标签 2") keeps a space before the
// Chinese that follows it ("标签 2 为空"); a Chinese one runs on ("标签为空").
std::string ZhSubject(std::string_view name);

// OK when `text` is fit for the field, else kInvalidArgument naming it in
// both languages: "name holds a line break; it must be one line" and
// "客户名称含有换行符，须为一行" (`field_zh` the field's name in Chinese, or
// its English name when it has none). `block` as for CheckText.
Status CheckTextField(std::string_view field, std::string_view field_zh, std::string_view text,
                      bool block);

// `s` with A–Z as a–z; every other byte as it is (header names, hex digits,
// usernames).
std::string LowerAscii(std::string_view s);

}  // namespace custos

#endif  // CUSTOS_BASE_TEXT_H_
