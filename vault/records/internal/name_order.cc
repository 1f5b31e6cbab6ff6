#include "vault/records/internal/name_order.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include <unicode/ucol.h>
#include <unicode/ustring.h>

namespace custos::vault::internal {
namespace {

struct CloseCollator {
  void operator()(UCollator* c) const { ucol_close(c); }
};

// One collator per thread: ICU's collators are not to be shared while in use.
UCollator* ChineseCollator() {
  thread_local std::unique_ptr<UCollator, CloseCollator> collator = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<UCollator, CloseCollator> c(ucol_open("zh", &status));
    // The root collation data is part of ICU itself: without it nothing
    // sorts, and the build is broken.
    if (U_FAILURE(status) || c == nullptr) std::abort();
    // Numbers by their value: 第 9 号 before 第 18 号.
    ucol_setAttribute(c.get(), UCOL_NUMERIC_COLLATION, UCOL_ON, &status);
    if (U_FAILURE(status)) std::abort();
    return c;
  }();
  return collator.get();
}

}  // namespace

std::string NameSortKey(std::string_view name) {
  UCollator* collator = ChineseCollator();
  // UTF-8 to UTF-16 (ill-formed bytes become U+FFFD), then the key.
  thread_local std::vector<UChar> utf16(128);
  int32_t length = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strFromUTF8WithSub(utf16.data(), static_cast<int32_t>(utf16.size()), &length, name.data(),
                       static_cast<int32_t>(name.size()), 0xFFFD, nullptr, &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    utf16.resize(static_cast<size_t>(length) + 1);
    status = U_ZERO_ERROR;
    u_strFromUTF8WithSub(utf16.data(), static_cast<int32_t>(utf16.size()), &length, name.data(),
                         static_cast<int32_t>(name.size()), 0xFFFD, nullptr, &status);
  }
  if (U_FAILURE(status)) return std::string(name);  // not reached: bad bytes are substituted
  std::string key(64, '\0');
  int32_t n =
      ucol_getSortKey(collator, utf16.data(), length, reinterpret_cast<uint8_t*>(key.data()),
                      static_cast<int32_t>(key.size()));
  if (n > static_cast<int32_t>(key.size())) {
    key.resize(static_cast<size_t>(n));
    n = ucol_getSortKey(collator, utf16.data(), length, reinterpret_cast<uint8_t*>(key.data()),
                        static_cast<int32_t>(key.size()));
  }
  // The key ends with a zero byte, which adds nothing to its order.
  key.resize(n > 0 ? static_cast<size_t>(n - 1) : 0);
  key.shrink_to_fit();
  return key;
}

}  // namespace custos::vault::internal
