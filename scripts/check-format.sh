#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (.clang-format)
# makes of it. Run by scripts/test.sh; fix with: clang-format -i FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "check-format: clang-format is not installed" >&2
  exit 1
fi
files=$(git ls-files '*.cc' '*.h' 2>/dev/null || find base policy contract-templates vault web cli tests -name '*.cc' -o -name '*.h')
bad=$(echo "$files" | xargs clang-format --dry-run 2>&1 | grep -oE '^[^:]+\.(cc|h):' | sort -u | tr -d ':' || true)
if [ -n "$bad" ]; then
  echo "check-format: these files need clang-format -i:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-format: $(echo "$files" | wc -l) files formatted"
