// Text that people read — names, labels, notes — and what it may hold: UTF-8
// without control characters, and without the bidirectional override,
// embedding and isolate characters (U+202A–U+202E, U+2066–U+2069) that make
// text display in another order than it is stored. A one-line field holds
// no line break or tab either; a longer text may. Thread-safety: pure
// functions.
#ifndef CUSTOS_BASE_TEXT_H_
#define CUSTOS_BASE_TEXT_H_

#include <string>
#include <string_view>

namespace custos {

// What is wrong with `text` as a one-line field ("holds a line break; it
// must be one line", "holds a control character (U+0000)", ...), or "" when
// nothing is. Written to follow the field's name in a message.
std::string LineTextProblem(std::string_view text);
// The same for a longer text, which may also hold tabs and line breaks
// (LF, CR, U+2028, U+2029).
std::string BlockTextProblem(std::string_view text);

}  // namespace custos

#endif  // CUSTOS_BASE_TEXT_H_
