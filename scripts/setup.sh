#!/usr/bin/env bash
# Installs what Custos needs (Debian 12 packages; idempotent, quiet when all is
# there) and configures and builds the release tree in ./build.
#
#   scripts/setup.sh            install + build
#   scripts/setup.sh --no-build install only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ cmake make pkg-config git clang-format
  clang  # scripts/fuzz.sh: libFuzzer comes with Debian's clang
  libsodium-dev liblmdb-dev libpq-dev libpoco-dev libpugixml-dev libssl-dev zlib1g-dev
  libjemalloc-dev  # the allocator of `custos` (CMakeLists.txt, CUSTOS_JEMALLOC)
  libicu-dev  # names listed in pinyin order (vault/records/internal/name_order.h)
  libgtest-dev libgmock-dev
  python3 openssl ca-certificates age
  postgresql  # the PostgreSQL store's tests start a throw-away cluster (initdb, pg_ctl)
  chromium fonts-wqy-zenhei
  dpkg-dev file  # the Debian package (cpack: dpkg-shlibdeps for Depends, file for ELF)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm drive the browser tests (playwright-core from npm). A
# machine may already have them from elsewhere; Debian packages them apart.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--no-build" ]; then exit 0; fi

JOBS="$(nproc)"
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! cmake --build build -j"$JOBS" >build/build.log 2>&1; then
  grep -E 'error|Error' -A5 build/build.log | head -60 >&2
  echo "setup: build failed (full log: build/build.log)" >&2
  exit 1
fi
