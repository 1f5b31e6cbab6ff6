#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests of the PostgreSQL store.
#
#   tests/pg/pg_cluster.sh start DIR   initdb in DIR/data, start it on a free
#                                      loopback port, write the base URL to
#                                      DIR/url
#   tests/pg/pg_cluster.sh restart DIR stop it immediately (as a crash
#                                      would) and start it again, same port
#   tests/pg/pg_cluster.sh stop DIR    stop it (immediately) and remove DIR
#
# Run as root (CI), the server runs as the `postgres` user, which Debian's
# postgresql package creates. The cluster trusts loopback connections and
# is not fsync'd: it lives for one test run, and the tests kill Custos
# nodes, never the machine. Benchmarks start it with PG_CLUSTER_FSYNC=on,
# so that a commit costs what it costs in production.
set -euo pipefail
cmd="${1:?start, restart or stop}"
dir="${2:?cluster directory}"

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg_cluster: PostgreSQL's server is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

# The cluster itself lives in a fresh directory under /tmp, which the
# postgres user can always reach (DIR may be under a home directory it
# cannot enter); DIR holds its URL, where it is (real) and a link to its
# data directory (data).
case "$cmd" in
  start)
    if [ -f "$dir/real" ]; then "$0" stop "$dir" || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    real="$(mktemp -d /tmp/custos-pg-XXXXXX)"
    echo "$real" >"$dir/real"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$real"; fi
    "${as_pg[@]}" "$bin/initdb" -D "$real/data" -A trust -U postgres -E UTF8 --locale=C \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    ln -s "$real/data" "$dir/data"
    for attempt in 1 2 3 4 5; do
      port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
      if "${as_pg[@]}" "$bin/pg_ctl" -D "$real/data" -l "$real/server.log" -w -t 60 \
        -o "-p $port -k $real -c listen_addresses=127.0.0.1 -c fsync=${PG_CLUSTER_FSYNC:-off} -c max_connections=200" \
        start >/dev/null; then
        echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/url"
        exit 0
      fi
    done
    cat "$real/server.log" >&2
    exit 1
    ;;
  restart)
    real="$(cat "$dir/real")"
    "${as_pg[@]}" "$bin/pg_ctl" -D "$real/data" -l "$real/server.log" -m immediate -w -t 60 \
      restart >/dev/null || { cat "$real/server.log" >&2; exit 1; }
    ;;
  stop)
    if [ -f "$dir/real" ]; then
      real="$(cat "$dir/real")"
      if [ -f "$real/data/postmaster.pid" ]; then
        "${as_pg[@]}" "$bin/pg_ctl" -D "$real/data" -m immediate -w stop >/dev/null 2>&1 || true
      fi
      case "$real" in /tmp/custos-pg-*) rm -rf "$real" ;; esac
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "pg_cluster: start, restart or stop" >&2
    exit 2
    ;;
esac
