// The promise check of every fuzz target: beyond crashes and sanitizer
// reports, a target checks what its code promises (round trips, limits, no
// forgery accepted) and aborts — a finding libFuzzer keeps — when one breaks.
#ifndef CUSTOS_TESTS_FUZZ_PROMISE_H_
#define CUSTOS_TESTS_FUZZ_PROMISE_H_

#include <cstdio>
#include <cstdlib>

namespace custos::fuzz {

// Aborts when `ok` is false, naming the target's source file and `promise`.
inline void Require(bool ok, const char* promise, const char* file = __builtin_FILE()) {
  if (ok) return;
  std::fprintf(stderr, "%s: broken promise: %s\n", file, promise);
  std::abort();
}

}  // namespace custos::fuzz

#endif  // CUSTOS_TESTS_FUZZ_PROMISE_H_
