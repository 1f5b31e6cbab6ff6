// Fuzzes the small text codecs of base/ that read what clients and files
// send: hex and Base64 (base/encoding.h: keys, hashes, signatures in
// notes, proofs and API bodies) and RFC 3339 times and dates (base/time.h:
// API query parameters and bodies, CSV columns, policy holidays). Checks:
//   - what a decoder accepts, the encoder writes back exactly (Base64 is
//     strict, hex up to case), and any bytes survive encode then decode;
//   - an accepted date is a real date, written back as it was, and its day
//     number converts back to it;
//   - an accepted time (within years 0000-9999 after its offset) is
//     written as RFC 3339 and read back as the same instant.
// Seed corpus: tests/fuzz/corpus/text_codecs/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "base/time.h"
#include "tests/fuzz/promise.h"

namespace {

using custos::fuzz::Require;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z.
constexpr custos::UnixMillis kFirst = -62167219200000;
constexpr custos::UnixMillis kLast = 253402300799999;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace custos;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto bytes = HexDecode(text); bytes.ok()) {
    Require(HexEncode(*bytes) == Lower(text), "hex is written back as it was read");
  }
  auto hex = HexDecode(HexEncode(text));
  Require(hex.ok() && *hex == text, "any bytes survive hex");

  if (auto bytes = Base64Decode(text); bytes.ok()) {
    Require(Base64Encode(*bytes) == text, "Base64 is written back exactly as it was read");
  }
  auto b64 = Base64Decode(Base64Encode(text));
  Require(b64.ok() && *b64 == text, "any bytes survive Base64");

  if (auto d = ParseDate(text); d.ok()) {
    Require(d->month >= 1 && d->month <= 12 && d->day >= 1 && d->day <= 31, "a real date");
    Require(FormatDate(*d) == text, "a date is written back as it was read");
    Require(CivilFromDays(DaysFromCivil(*d)) == *d, "a date survives its day number");
    for (int months : {-13, -1, 1, 12, 25}) {
      const CivilDate m = AddMonths(*d, months);
      Require(m.month >= 1 && m.month <= 12 && m.day >= 1 && m.day <= d->day &&
                  (ParseDate(FormatDate(m)).ok() || m.year < 0 || m.year > 9999),
              "adding months gives a real date, the day clamped to the month");
      Require((DaysFromCivil(AddMonths(*d, months)) > DaysFromCivil(*d)) == (months > 0),
              "adding months moves forward, taking them away back");
    }
  }

  if (auto t = ParseRfc3339(text); t.ok() && *t >= kFirst && *t <= kLast) {
    const std::string formatted = FormatRfc3339Millis(*t);
    auto back = ParseRfc3339(formatted);
    Require(back.ok() && *back == *t, "a time survives RFC 3339 formatting");
  }
  return 0;
}
