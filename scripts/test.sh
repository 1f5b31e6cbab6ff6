#!/usr/bin/env bash
# Builds and runs every test: the release build (g++), then one clang tree
# with AddressSanitizer + UndefinedBehaviorSanitizer that holds the same
# tests and every fuzz target (scripts/fuzz.sh runs each briefly). Exits
# non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
JOBS="$(nproc)"

echo "== formatting"
scripts/check-format.sh

echo "== release build: tests"
(cd build && ctest --output-on-failure -j"$JOBS" --timeout 600)

# One sanitizer tree for the tests and the fuzz targets: clang with ASan and
# UBSan, the libraries instrumented for libFuzzer too (coverage only; the
# tests do not notice), so they are compiled once for both.
if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CUSTOS_BUILD_FUZZ:BOOL=ON' build-asan/CMakeCache.txt; then
  rm -rf build-asan  # an older tree, configured with g++ and without the fuzz targets
fi
if [ ! -f build-asan/CMakeCache.txt ]; then
  CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCUSTOS_SANITIZE=ON \
    -DCUSTOS_BUILD_FUZZ=ON -DCUSTOS_BUILD_BENCH=OFF >/dev/null
fi
echo "== sanitizer build (clang, ASan + UBSan, with the fuzz targets)"
if ! cmake --build build-asan -j"$JOBS" >build-asan/build.log 2>&1; then
  grep -E 'error|Error' -A5 build-asan/build.log | head -60 >&2
  echo "test: sanitizer build failed (full log: build-asan/build.log)" >&2
  exit 1
fi

# Every libFuzzer target for a few seconds on its seed corpus: a target that
# no longer builds, or a seed that now crashes, fails here. Longer runs, in
# the optimised ./build-fuzz: scripts/fuzz.sh 600.
echo "== fuzz targets (short run)"
FUZZ_BUILD_DIR=build-asan scripts/fuzz.sh "${FUZZ_SECONDS:-2}"

echo "== sanitizer build: tests"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd build-asan && ctest --output-on-failure -j"$JOBS" --timeout 900)

echo "== all tests passed"
