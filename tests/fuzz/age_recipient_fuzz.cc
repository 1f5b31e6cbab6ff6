// libFuzzer target for ParseAgeRecipient (vault/evidence/age.h): the age
// recipients API clients send for encrypted evidence bundles. Besides
// crashes and sanitizer reports it checks the parser's promises:
//   - the only error is kInvalidArgument, and its message never carries the
//     input (a user may paste a secret key): the messages form a small
//     fixed set, however many inputs are tried (checking that a message
//     does not contain the input instead fails on inputs made of the
//     message's own words, which libFuzzer finds in seconds);
//   - an accepted string is 62 bytes, in one case, and names 32 bytes that
//     the same string in the other case names too.
// Seed corpus: tests/fuzz/corpus/age_recipient/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "vault/evidence/age.h"

namespace {

// ParseAgeRecipient has about ten messages; a message that quoted its input
// would exceed this bound quickly.
constexpr size_t kMaxDistinctMessages = 16;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string OtherCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using custos::StatusCode;
  using custos::vault::evidence::ParseAgeRecipient;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto key = ParseAgeRecipient(input);
  if (!key.ok()) {
    Check(key.status().code() == StatusCode::kInvalidArgument);
    static std::set<std::string>* messages = new std::set<std::string>();
    messages->insert(key.status().message());
    Check(messages->size() <= kMaxDistinctMessages);
    return 0;
  }
  Check(key->size() == 32);
  Check(size == 62);
  auto again = ParseAgeRecipient(OtherCase(input));
  Check(again.ok() && *again == *key);
  return 0;
}
