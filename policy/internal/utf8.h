// UTF-8 helpers private to the policy engine.
#ifndef CUSTOS_POLICY_INTERNAL_UTF8_H_
#define CUSTOS_POLICY_INTERNAL_UTF8_H_

#include <string_view>

namespace custos::policy::internal {

// Number of well-formed UTF-8 code points in `text` that show something;
// ill-formed bytes (stray continuation bytes, truncated or overlong
// sequences, surrogates) count 0, and so do the characters that show nothing
// (base/text.h, ShowsNothing).
int CountCodePoints(std::string_view text);

// `text` without leading and trailing ASCII whitespace and U+3000 (the
// ideographic space an IME types).
std::string_view TrimBlanks(std::string_view text);

}  // namespace custos::policy::internal

#endif  // CUSTOS_POLICY_INTERNAL_UTF8_H_
