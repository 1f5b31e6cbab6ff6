// HTML text escaping: & < > " ' become entities, so any text can be placed in
// element content or a quoted attribute value. Thread-safety: pure functions.
#ifndef CUSTOS_BASE_HTML_H_
#define CUSTOS_BASE_HTML_H_

#include <string>
#include <string_view>

namespace custos {

void AppendHtmlEscaped(std::string* out, std::string_view text);
std::string HtmlEscape(std::string_view text);

}  // namespace custos

#endif  // CUSTOS_BASE_HTML_H_
