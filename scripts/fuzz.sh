#!/usr/bin/env bash
# Builds every libFuzzer target in tests/fuzz (each *_fuzz.cc, registered in
# tests/fuzz/CMakeLists.txt) with clang, ASan and UBSan in ./build-fuzz, and
# runs each for SECONDS (default 60) on a copy of its seed corpus
# tests/fuzz/corpus/<name without _fuzz>/ (and with the dictionary
# tests/fuzz/<name without _fuzz>.dict when there is one) — new inputs never
# go into the repository. Fails on the first crash, leak, timeout or broken promise and
# prints the input that caused it (turn it into a regression test).
#
#   scripts/fuzz.sh            60 s per target
#   scripts/fuzz.sh 600        10 min per target
#   scripts/fuzz.sh 60 zip_reader_fuzz     only the named targets
#   FUZZ_RUNS=1000000 scripts/fuzz.sh 3600  each until 1M executions (or 1 h)
#
# scripts/test.sh runs it briefly (a few seconds per target) with
# FUZZ_BUILD_DIR=build-asan: its sanitizer tree is built with clang and the
# fuzz targets too, so the libraries are compiled once for both (at -O0, which
# is fine for seconds; long runs want the default, optimised ./build-fuzz).
# clang comes from scripts/setup.sh. Only the fuzz targets and the libraries
# they link are built; CMAKE_CXX_COMPILER_LAUNCHER=ccache in the environment
# is passed on when build-fuzz is first configured.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
shift || true
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi

scripts/setup.sh --no-build  # clang (with libFuzzer) is one of its packages

targets=("$@")
if ((${#targets[@]} == 0)); then
  for src in tests/fuzz/*_fuzz.cc; do
    [ -e "$src" ] || continue
    targets+=("$(basename "$src" .cc)")
  done
fi
if ((${#targets[@]} == 0)); then
  echo "fuzz: no *_fuzz.cc in tests/fuzz" >&2
  exit 1
fi

BUILD="${FUZZ_BUILD_DIR:-build-fuzz}"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  if [ "$BUILD" != build-fuzz ]; then
    echo "fuzz: $BUILD is not configured (scripts/test.sh configures build-asan)" >&2
    exit 1
  fi
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCUSTOS_BUILD_FUZZ=ON -DCUSTOS_BUILD_TESTS=OFF -DCUSTOS_BUILD_BENCH=OFF >/dev/null
fi
if ! grep -q '^CUSTOS_BUILD_FUZZ:BOOL=ON' "$BUILD/CMakeCache.txt"; then
  echo "fuzz: $BUILD is not configured with -DCUSTOS_BUILD_FUZZ=ON" >&2
  exit 1
fi
JOBS="${JOBS:-$(nproc)}"
if ! cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]}" >"$BUILD/fuzz-build.log" 2>&1; then
  grep -E 'error|Error' -A5 "$BUILD/fuzz-build.log" | head -60 >&2
  echo "fuzz: build failed (full log: $BUILD/fuzz-build.log)" >&2
  exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/custos-fuzz-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=0
for t in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/${t%_fuzz}"
  corpus="$WORK/$t/corpus"
  artifacts="$WORK/$t/artifacts"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "$seeds" ]; then
    cp -r "$seeds/." "$corpus/"
  else
    echo "fuzz: $t has no seed corpus ($seeds)" >&2
  fi
  dict=()
  [ -f "tests/fuzz/${t%_fuzz}.dict" ] && dict=(-dict="tests/fuzz/${t%_fuzz}.dict")
  runs=()
  [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
  echo "== $t: ${SECONDS_PER_TARGET}s${FUZZ_RUNS:+ or $FUZZ_RUNS runs}, $(find "$corpus" -type f | wc -l) seeds"
  log="$WORK/$t/fuzz.log"
  if "$BUILD"/tests/fuzz/"$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "${runs[@]}" \
      "$corpus" >"$log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)' "$log" || true
    echo "   corpus grew to $(find "$corpus" -type f | wc -l) inputs (not kept)"
  else
    failed=1
    tail -40 "$log" >&2
    mkdir -p "$BUILD/crashes"
    for a in "$artifacts"/*; do
      [ -e "$a" ] || continue
      cp "$a" "$BUILD/crashes/"
      echo "fuzz: $t failed; input kept as $BUILD/crashes/$(basename "$a")" >&2
      od -A d -t x1 "$a" | head -20 >&2
    done
  fi
done
exit "$failed"
