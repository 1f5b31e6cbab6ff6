#!/usr/bin/env bash
# Migration round trip: an LMDB vault (the demo company) moved to
# PostgreSQL and back to LMDB with `custos migrate`, the audit log verified
# on both sides at each step (migrate does that) and the same root at the
# end; then the copy in PostgreSQL serves a read-only command.
#
#   migrate_round_trip.sh CUSTOS_BINARY CLUSTER_DIR   (tests/pg/pg_cluster.sh)
set -euo pipefail
custos="$1"
url="$(cat "$2/url")"
work="$(mktemp -d "${TMPDIR:-/tmp}/custos-migrate-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export CUSTOS_PASSPHRASE="migrate round trip"
schema="migrate_$$_$(date +%s)"
psql "$url" -qc "CREATE SCHEMA $schema"
pg="$url?options=-csearch_path%3D$schema"

"$custos" demo --kdf-profile test --customers 20 --data "$work/a" >/dev/null
root() { sed -n 's/.*root \([A-Za-z0-9+\/=]*\).*/\1/p' | tail -1; }
first="$("$custos" audit verify --data "$work/a" | root)"
"$custos" migrate --from "$work/a" --to "$pg"
"$custos" migrate --from "$pg" --to "lmdb:$work/b"
last="$("$custos" audit verify --data "$work/b" | root)"
in_pg="$("$custos" audit verify --store "$pg" | root)"
if [ -z "$first" ] || [ "$first" != "$last" ] || [ "$first" != "$in_pg" ]; then
  echo "FAIL: roots differ: LMDB $first, PostgreSQL $in_pg, back in LMDB $last" >&2
  exit 1
fi
# The same number of entries in every table on all three.
a="$("$custos" status --data "$work/a" | sed -n '/^tables:/,$p')"
b="$("$custos" status --data "$work/b" | sed -n '/^tables:/,$p')"
p="$("$custos" status --store "$pg" | sed -n '/^tables:/,$p')"
if [ "$a" != "$b" ] || [ "$a" != "$p" ]; then
  echo "FAIL: table counts differ:"; diff <(echo "$a") <(echo "$p") || true; diff <(echo "$a") <(echo "$b") || true
  exit 1
fi
# Migrating onto an existing vault is refused and changes nothing.
if "$custos" migrate --from "$work/a" --to "$pg" 2>/dev/null; then
  echo "FAIL: migrate overwrote the vault in PostgreSQL" >&2
  exit 1
fi
echo "PASS: LMDB -> PostgreSQL -> LMDB, root $first, tables equal"
