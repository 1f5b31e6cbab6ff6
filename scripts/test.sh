#!/usr/bin/env bash
# Builds and runs every test: the release build, a short run of every fuzz
# target (scripts/fuzz.sh), then the same tests under AddressSanitizer +
# UndefinedBehaviorSanitizer. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
JOBS="$(nproc)"

echo "== formatting"
scripts/check-format.sh

echo "== release build: tests"
(cd build && ctest --output-on-failure -j"$JOBS" --timeout 600)

# Every libFuzzer target for a few seconds on its seed corpus (clang, ASan
# and UBSan in ./build-fuzz): a target that no longer builds, or a seed that
# now crashes, fails here. Longer runs: scripts/fuzz.sh 600.
echo "== fuzz targets (short run)"
scripts/fuzz.sh "${FUZZ_SECONDS:-4}"

echo "== sanitizer build (ASan + UBSan)"
if [ ! -f build-asan/CMakeCache.txt ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCUSTOS_SANITIZE=ON \
    -DCUSTOS_BUILD_BENCH=OFF >/dev/null
fi
if ! cmake --build build-asan -j"$JOBS" >build-asan/build.log 2>&1; then
  grep -E 'error|Error' -A5 build-asan/build.log | head -60 >&2
  echo "test: sanitizer build failed (full log: build-asan/build.log)" >&2
  exit 1
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd build-asan && ctest --output-on-failure -j"$JOBS" --timeout 900)

echo "== all tests passed"
