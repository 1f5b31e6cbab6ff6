#!/usr/bin/env bash
# Issue 23, "Scale": a demo vault grown to FILES customer files and EVENTS
# more audit events, measured through `custos serve` as its users meet it.
#
#   tests/bench/scale_bench.sh [FILES EVENTS]...     default: 10000 100000
#   e.g. tests/bench/scale_bench.sh 10000 100000 100000 1000000 1000000 10000000
#
# For each pair: `custos demo --customers FILES` (the demo company, its
# story and FILES customer files), then `scale_seed --events EVENTS` (views
# of those files by 1 000 bench-only people, one in 1 000 by the demo's
# leaver 李婷, indexed as serve indexes). Then `custos serve` on it:
#   - start-up: until /healthz answers, and until the records catalog is
#     ready (serve's own log line), and serve's memory then (VmRSS: RssAnon
#     is the process's own, RssFile the vault's pages mapped in), and again
#     in a second start at the end. `custos demo` saves the catalog of a
#     demo of 10 000 files or more, so both starts read the saved catalog
#     (serve's line says which); below that, both read every file.
#     `records_bench --search-only` times the two ways side by side;
#   - over HTTP, one client, p50/p99: searches (text, tag, everything),
#     the audit log's newest page filtered by a person and by a file, and
#     李婷's departure report (GET /api/v1/departures/{id}/report);
#   - data.mdb bytes per file and per event; serve's memory after all that.
# Each search and report is itself audited and durable, as in use.
#
# Environment: CUSTOS (default build-bench/cli/custos), SCALE_SEED (default
# next to it: ../tests/bench/scale_seed), KEEP_WORK=1 keeps the vaults
# (about 1.4 KiB per event and 4 KiB per file, under TMPDIR).
set -euo pipefail
cd "$(dirname "$0")/../.."

CUSTOS="${CUSTOS:-build-bench/cli/custos}"
die() { echo "scale_bench: $*" >&2; exit 1; }
[ -x "$CUSTOS" ] || die "no custos binary at $CUSTOS (run scripts/bench.sh, or set CUSTOS)"
CUSTOS="$(cd "$(dirname "$CUSTOS")" && pwd)/$(basename "$CUSTOS")"
SCALE_SEED="${SCALE_SEED:-$(dirname "$CUSTOS")/../tests/bench/scale_seed}"
[ -x "$SCALE_SEED" ] || die "no scale_seed at $SCALE_SEED (set SCALE_SEED)"
for tool in curl python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

if [ $# -eq 0 ]; then set -- 10000 100000; fi
[ $(($# % 2)) -eq 0 ] || die "arguments come in pairs: FILES EVENTS"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/custos-scale-bench-XXXXXX")"
SERVE_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "(kept $WORK)" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CUSTOS_PASSPHRASE="scale-bench-passphrase"
PASSWORD="Custos-Demo-2026"  # the demo accounts' published password
now_ms() { date +%s%3N; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
mem() {  # VmRSS, RssAnon, RssFile of PID, in MiB
  awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s %.0f MiB  ", $1, $2 / 1024 }' "/proc/$1/status"
}

# Starts serve on $DATA at $BASE; sets t0, t1 (/healthz answers) and
# catalog (serve's line on the records catalog).
start_serve() {
  : >"$WORK/serve.log"
  t0="$(now_ms)"
  "$CUSTOS" serve --data "$DATA" --listen "127.0.0.1:$PORT" --demo >"$WORK/serve.log" 2>&1 &
  SERVE_PID=$!
  until curl -fsS "$BASE/healthz" >/dev/null 2>&1; do
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; die "custos serve exited"; }
    sleep 0.02
  done
  t1="$(now_ms)"
  for _ in $(seq 1 3000); do
    grep -q "records catalog" "$WORK/serve.log" && break
    sleep 0.02
  done
  catalog="$(grep -o "records catalog.*" "$WORK/serve.log" | head -1)"
}
stop_serve() {
  kill -TERM "$SERVE_PID"
  wait "$SERVE_PID" 2>/dev/null || true
  SERVE_PID=""
}

echo "machine: $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
echo "custos: $CUSTOS"

while [ $# -gt 0 ]; do
  FILES="$1"
  EVENTS="$2"
  shift 2
  DATA="$WORK/vault-$FILES-$EVENTS"
  echo
  echo "== $FILES customer files, $EVENTS more events =="
  t0="$(now_ms)"
  "$CUSTOS" demo --data "$DATA" --kdf-profile test --customers "$FILES" >"$WORK/demo.log" 2>&1 \
    || { cat "$WORK/demo.log" >&2; die "custos demo failed"; }
  t1="$(now_ms)"
  demo_bytes="$(stat -c %s "$DATA/data.mdb")"
  echo "custos demo --customers $FILES: $(((t1 - t0) / 1000)) s; data.mdb $((demo_bytes / 1048576)) MiB," \
    "$((demo_bytes / FILES)) bytes per file (with the demo's story)"
  "$SCALE_SEED" --data "$DATA" --events "$EVENTS"
  bytes="$(stat -c %s "$DATA/data.mdb")"
  echo "data.mdb now $((bytes / 1048576)) MiB"
  sync

  PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"
  start_serve
  echo "serve: answering /healthz after $((t1 - t0)) ms; $catalog"
  echo "serve's memory with the catalog ready: $(mem "$SERVE_PID")"

  python3 - "$BASE" "$PASSWORD" <<'EOF'
import http.client, json, sys, time, urllib.parse
base, password = sys.argv[1], sys.argv[2]
host, port = base.split("//")[1].split(":")
conn = http.client.HTTPConnection(host, int(port), timeout=600)
def call(method, path, body=None, cookie=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if cookie: headers["Cookie"] = cookie
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.status // 100 != 2:
        sys.exit(f"scale_bench: {method} {path}: HTTP {r.status}: {data[:300]!r}")
    return r, data
def login(user):
    r, data = call("POST", "/api/v1/session", {"username": user, "password": password,
                                               "workstation": "bench-ws", "location": "loopback"})
    return r.getheader("Set-Cookie").split(";")[0]
def timed(label, cookie, path, runs, count):
    ms = []
    found = None
    for _ in range(runs):
        a = time.perf_counter()
        _, data = call("GET", path, cookie=cookie)
        ms.append((time.perf_counter() - a) * 1000)
        found = count(json.loads(data))
    ms.sort()
    p99 = ms[min(len(ms) - 1, len(ms) * 99 // 100)]
    print(f"  {label:<46} {found:>9}  p50 {ms[len(ms) // 2]:8.1f} ms  p99 {p99:8.1f} ms  ({runs} runs)")
auditor = login("auditor")
_, data = call("GET", "/api/v1/departures", cookie=auditor)
leaver_id = next(p["id"] for p in json.loads(data)["people"] if p["username"] == "sales.li")
_, data = call("GET", "/api/v1/records?limit=1", cookie=auditor)
file_id = json.loads(data)["records"][0]["id"]
q = urllib.parse.quote
total = lambda v: v.get("total", len(v.get("records", [])))
events = lambda v: len(v.get("events", []))
print("over HTTP (matches or events, latency):")
timed('search text "苏州"', auditor, "/api/v1/records?q=" + q("苏州"), 21, total)
timed("search tag 重点客户", auditor, "/api/v1/records?tag=" + q("重点客户"), 21, total)
timed("search, no filter (count all)", auditor, "/api/v1/records", 21, total)
timed("audit page: 50 newest events of 李婷", auditor,
      f"/api/v1/audit/events?actor={leaver_id}&limit=50", 21, events)
timed("audit page: newest events of one file", auditor,
      f"/api/v1/audit/events?record={file_id}&limit=50", 21, events)
timed("audit page: 50 newest events of the log", auditor, "/api/v1/audit/events?limit=50", 21, events)
timed("the leavers' list with their checklists", auditor, "/api/v1/departures", 5,
      lambda v: len(v["people"]))
timed("李婷's departure report (JSON bytes)", auditor, f"/api/v1/departures/{leaver_id}/report", 5,
      lambda v: len(json.dumps(v)))
EOF
  echo "serve's memory afterwards: $(mem "$SERVE_PID")"
  stop_serve
  # The next start, with whatever the first one saved (serve waits for a
  # save before it exits).
  start_serve
  echo "serve again: answering /healthz after $((t1 - t0)) ms; $catalog"
  echo "serve's memory with the catalog ready: $(mem "$SERVE_PID")"
  stop_serve
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$DATA"
done
