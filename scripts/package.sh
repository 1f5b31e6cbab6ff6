#!/usr/bin/env bash
# Builds the Debian package of Custos from a Release build tree:
#   scripts/package.sh            → build-package/custos_<version>_<arch>.deb
# Install it with `apt install ./build-package/custos_*.deb`, then see
# docs/operations.md ("Install from the package").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-build
cmake -S . -B build-package -DCMAKE_BUILD_TYPE=Release -DCUSTOS_BUILD_TESTS=OFF \
  -DCUSTOS_BUILD_BENCH=OFF >/dev/null
cmake --build build-package -j"$(nproc)" --target custos >/dev/null
(cd build-package && cpack -G DEB >/dev/null)
ls -1 build-package/*.deb
