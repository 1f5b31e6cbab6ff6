#!/usr/bin/env bash
# Runs the benchmarks in tests/bench (not tests: they report numbers and
# ratios against baselines measured in the same run). Installs what the
# baselines need (SQLCipher, wrk, nginx), builds a Release tree in
# ./build-bench, and writes the reports to ./build-bench/reports/.
#
#   scripts/bench.sh            all benchmarks
#   scripts/bench.sh --quick    smaller runs (the full run needs ≈ 14 GiB free under TMPDIR)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --no-build
BENCH_PACKAGES=(libsqlcipher-dev wrk nginx-light zip)
missing=()
for p in "${BENCH_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCUSTOS_BUILD_TESTS=OFF \
  -DCUSTOS_BUILD_BENCH=ON >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
mkdir -p build-bench/reports
WORK="$(mktemp -d "${TMPDIR:-/tmp}/custos-bench-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

QUICK=()
[ "${1:-}" = "--quick" ] && QUICK=(--quick)
EVENTS=100000
[ "${1:-}" = "--quick" ] && EVENTS=20000

# Other work on the machine skews every number: record the load with them.
machine() { echo "-- $(date -u +%FT%TZ) $(nproc) cores,$(uptime | sed 's/.*load average/ load average/')"; }

echo "== audit append (group commit vs write+fdatasync)"
machine | tee build-bench/reports/audit_append.txt
build-bench/tests/bench/audit_append_bench --dir "$WORK/audit" --events "$EVENTS" \
  | tee -a build-bench/reports/audit_append.txt
echo "== the audit log at scale (filtered pages, a person's events, verify vs SHA-256)"
machine | tee build-bench/reports/audit_scale.txt
SCALE_EVENTS=10000000  # ≈ 13 GiB of data.mdb, ≈ 6 minutes
[ "${1:-}" = "--quick" ] && SCALE_EVENTS=200000
build-bench/tests/bench/audit_scale_bench --dir "$WORK/scale" --events "$SCALE_EVENTS" \
  | tee -a build-bench/reports/audit_scale.txt
echo "== records (search, audited view, point reads and writes vs LMDB and SQLCipher)"
machine | tee build-bench/reports/records.txt
build-bench/tests/bench/records_bench "${QUICK[@]}" | tee -a build-bench/reports/records.txt
echo "== a demo vault at scale through custos serve (start-up, memory, search, audit pages, a departure report)"
machine | tee build-bench/reports/scale.txt
# The million-file row (1000000 10000000: ≈ 25 minutes, ≈ 20 GiB) is run by hand.
SCALE_SIZES=(10000 100000 100000 1000000)
[ "${1:-}" = "--quick" ] && SCALE_SIZES=(2000 20000)
TMPDIR="$WORK" CUSTOS=build-bench/cli/custos tests/bench/scale_bench.sh "${SCALE_SIZES[@]}" \
  | tee -a build-bench/reports/scale.txt
echo "== evidence bundles (export vs zip, verify vs sha256sum + proofs)"
machine | tee build-bench/reports/evidence.txt
RECORDS=1000; EVIDENCE_EVENTS=10000
[ "${1:-}" = "--quick" ] && RECORDS=200 && EVIDENCE_EVENTS=2000
CUSTOS_SOURCE_ROOT="$PWD" build-bench/tests/bench/evidence_bench --dir "$WORK/evidence" \
  --records "$RECORDS" --events "$EVIDENCE_EVENTS" | tee -a build-bench/reports/evidence.txt
echo "== online backup (vs cp + sync of the same data.mdb; writers beside it)"
machine | tee build-bench/reports/backup.txt
BACKUP_MB=256
[ "${1:-}" = "--quick" ] && BACKUP_MB=64
build-bench/tests/bench/backup_bench --dir "$WORK/backup" --megabytes "$BACKUP_MB" \
  | tee -a build-bench/reports/backup.txt
if [ -x tests/bench/http_view_bench.sh ]; then
  echo "== audited view over HTTP vs nginx, and vs the same view in process (B4)"
  machine | tee build-bench/reports/http_view.txt
  CUSTOS=build-bench/cli/custos IN_PROCESS=build-bench/tests/bench/records_bench RECORDS=1000 \
    tests/bench/http_view_bench.sh | tee -a build-bench/reports/http_view.txt
fi
echo "== audited view on the PostgreSQL store, one and two nodes (vs plain libpq, same server)"
machine | tee build-bench/reports/pg_view.txt
PG_CLUSTER_FSYNC=on tests/pg/pg_cluster.sh start "$WORK/pg"  # the server itself under /tmp
trap 'tests/pg/pg_cluster.sh stop "$WORK/pg"; rm -rf "$WORK"' EXIT
PG_SECONDS=10
[ "${1:-}" = "--quick" ] && PG_SECONDS=3
build-bench/tests/bench/pg_view_bench --url "$(cat "$WORK/pg/url")" --clients 32 \
  --seconds "$PG_SECONDS" | tee -a build-bench/reports/pg_view.txt
