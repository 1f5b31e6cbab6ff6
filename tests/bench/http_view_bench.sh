#!/usr/bin/env bash
# Issue 5 benchmark: an audited view over HTTP vs nginx serving the same bytes
# as a static file, measured with wrk in the same run.
#
# Custos side: POST /api/v1/records/{id}/view on confidential customer files
# with 4 KiB of content, by their owner (policy: no loan needed, unlimited own
# views, a reason required). Every request is a full audited view: session +
# CSRF check, policy decision, decrypt, a durable audit event (group commit,
# one fdatasync per batch) committed with the view, JSON response with the
# watermark. nginx side: each file's captured view response, served as a
# static file. Both on 127.0.0.1; the same wrk settings for both.
#
#   tests/bench/http_view_bench.sh
#
# RECORDS files (default 256) are created; each request views one at random
# (a person views a file a few times, not thousands: RECORDS=1 hammers one
# file, whose view-count entry then holds 1024 timestamps — a worst case).
# nginx serves each file's captured view body, picked the same way.
#
# Environment: CUSTOS (binary; default build-bench/cli/custos), WRK_THREADS
# (2), WRK_CONNECTIONS (32), WRK_DURATION (10s), RECORD_BYTES (4096), RECORDS (256),
# KEEP_WORK=1 keeps the temp dir. IN_PROCESS=path to records_bench: right
# after the HTTP run, the same audited view in process (records_bench
# --view-only: 32 threads, 1 000 files) and B4 = HTTP / in process (issue
# 23, target >= 0.8; scripts/bench.sh sets it, with RECORDS=1000 so that the
# two view as many files). Prints requests/s of each and the ratios;
# exits 1 if any custos view was not a 2xx (e.g. a quota denial) or if the
# vault does not verify afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

CUSTOS="${CUSTOS:-build-bench/cli/custos}"
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-32}"
WRK_DURATION="${WRK_DURATION:-10s}"
RECORD_BYTES="${RECORD_BYTES:-4096}"
RECORDS="${RECORDS:-256}"
TARGET="0.30"

die() { echo "http_view_bench: $*" >&2; exit 1; }
[ -x "$CUSTOS" ] || die "no custos binary at $CUSTOS (run scripts/bench.sh, or set CUSTOS)"
for tool in wrk nginx curl jq python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool is not installed"
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
CUSTOS="$(cd "$(dirname "$CUSTOS")" && pwd)/$(basename "$CUSTOS")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/custos-http-bench-XXXXXX")"
CUSTOS_PID=""
NGINX_PID=""
cleanup() {
  local rc=$?
  if [ -n "$CUSTOS_PID" ] && kill -0 "$CUSTOS_PID" 2>/dev/null; then
    kill -TERM "$CUSTOS_PID" 2>/dev/null || true
    wait "$CUSTOS_PID" 2>/dev/null || true
  fi
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then
    echo "(kept $WORK)" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

export CUSTOS_PASSPHRASE="http-bench-passphrase"
DATA="$WORK/vault"
PASSWORD="Custos-Demo-2026"  # the demo accounts' published password

echo "machine: $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
echo "custos: $CUSTOS"

# 1. A demo vault (cheap KDF: this measures views, not logins).
"$CUSTOS" demo --data "$DATA" --kdf-profile test --customers 20 >"$WORK/demo.log" 2>&1 \
  || { cat "$WORK/demo.log" >&2; die "custos demo failed"; }

# 2. Serve it on a loopback port.
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
# wrk's connections and curl's all come from one address: the per-address
# cap (default 32) gets room above them, so a curl connection still closing
# cannot make a wrk connection get a 503.
PER_ADDRESS=$((WRK_CONNECTIONS * 2))
# SERVE_WRAPPER (e.g. "valgrind --tool=callgrind") profiles the server.
# shellcheck disable=SC2086
${SERVE_WRAPPER:-} "$CUSTOS" serve --data "$DATA" --listen "127.0.0.1:$PORT" --demo \
  --max-connections-per-address "$PER_ADDRESS" >"$WORK/serve.log" 2>&1 &
CUSTOS_PID=$!
for _ in $(seq 1 600); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$CUSTOS_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; die "custos serve exited"; }
  sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || die "custos serve did not answer /healthz"

# 3. Log in as the demo author (cookie jar + CSRF token).
JAR="$WORK/cookies"
jq -n --arg p "$PASSWORD" \
  '{username:"author", password:$p, workstation:"bench-ws", location:"loopback"}' \
  >"$WORK/login.json"
curl -fsS -c "$JAR" -H 'Content-Type: application/json' --data @"$WORK/login.json" \
  "$BASE/api/v1/session" >"$WORK/session.json" || die "login failed"
CSRF="$(jq -r .csrf_token "$WORK/session.json")"
TOKEN="$(awk '$6 == "custos_session" { print $7 }' "$JAR")"
if [ -z "$CSRF" ] || [ "$CSRF" = null ] || [ -z "$TOKEN" ]; then
  die "no session cookie or CSRF token"
fi

# 4. RECORDS confidential customer files owned by the author, each with
#    RECORD_BYTES bytes of JSON content (the notes field pads it).
python3 - "$RECORD_BYTES" >"$WORK/record.json" <<'EOF'
import json, sys
size = int(sys.argv[1])
content = {
    "registration_number": "91310000MA1BENCH01",
    "address": "上海市浦东新区基准路 1 号",
    "contacts": [{"name": "王测", "title": "采购经理", "phone": "+86 21 5555 0101",
                  "email": "wang@example.com", "wechat": "wangce"}],
    "business_status": "active",
    "trading_habits": "monthly orders, net-60",
    "price_tolerance": "±3%",
    "agreed_prices": "unit 118.50 CNY",
    "notes": "",
}
base = len(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode())
pattern = "benchmark padding for a 4 KiB customer file. "
content["notes"] = (pattern * (size // len(pattern) + 1))[: max(0, size - base)]
print(json.dumps({"kind": "customer", "name": "基准客户 Bench Customer",
                  "classification": "confidential", "tags": ["bench"],
                  "content": content, "reason": "benchmark record"},
                 ensure_ascii=False))
EOF
# 5. One real view of each: those bodies are what nginx will serve.
VIEW_BODY='{"reason":"benchmark: audited view over HTTP"}'
mkdir -p "$WORK/www/v"
: >"$WORK/ids"
for i in $(seq 1 "$RECORDS"); do
  curl -fsS -b "$JAR" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
    --data-binary @"$WORK/record.json" "$BASE/api/v1/records" >"$WORK/created.json" \
    || die "creating record $i failed"
  RID="$(jq -r .record.id "$WORK/created.json")"
  if [ -z "$RID" ] || [ "$RID" = null ]; then
    die "no record id in $(cat "$WORK/created.json")"
  fi
  STATUS="$(curl -sS -o "$WORK/www/v/$RID.json" -w '%{http_code}' -b "$JAR" \
    -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
    --data "$VIEW_BODY" "$BASE/api/v1/records/$RID/view")"
  [ "$STATUS" = 200 ] || die "view answered $STATUS: $(cat "$WORK/www/v/$RID.json")"
  echo "$RID" >>"$WORK/ids"
done
cp "$WORK/www/v/$RID.json" "$WORK/view.json"  # the last one, for the checks below
RESPONSE_BYTES="$(wc -c <"$WORK/view.json")"
echo "$RECORDS records (confidential, owner = viewer): content $RECORD_BYTES B each," \
  "view response $RESPONSE_BYTES B, views_left $(jq -c .views_left "$WORK/view.json")," \
  "rule $(jq -r .rule "$WORK/view.json")"

# 6. nginx serving those bytes as a static file.
# nginx's workers drop privileges when started as root: let them reach www/
# (the vault directory itself stays 0700).
mkdir -p "$WORK/nginx"
chmod 711 "$WORK"
chmod -R a+rX "$WORK/www"
NPORT="$(free_port)"
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  sendfile on;
  keepalive_requests 1000000;
  types { application/json json; }
  server {
    listen 127.0.0.1:$NPORT;
    root $WORK/www;
  }
}
EOF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" \
  >"$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$NPORT/v/$RID.json" 2>/dev/null && break
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/error.log" >&2; die "nginx exited"; }
  sleep 0.1
done
cmp -s "$WORK/view.json" <(curl -fsS "http://127.0.0.1:$NPORT/v/$RID.json") \
  || die "nginx does not serve the captured bytes"

# 7. wrk: the view is a POST with the session cookie and the CSRF header.
#    Both sides pick a record at random per request, through the same Lua
#    request() hook (so both pay the same client-side cost).
{
  echo "ids = {"
  sed 's/.*/  "&",/' "$WORK/ids"
  echo "}"
} >"$WORK/ids.lua"
cat >"$WORK/view.lua" <<EOF
dofile("$WORK/ids.lua")
wrk.method = "POST"
wrk.body = '$VIEW_BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "custos_session=$TOKEN"
wrk.headers["X-CSRF-Token"] = "$CSRF"
request = function()
  return wrk.format(nil, "/api/v1/records/" .. ids[math.random(#ids)] .. "/view")
end
EOF
cat >"$WORK/static.lua" <<EOF
dofile("$WORK/ids.lua")
request = function()
  return wrk.format("GET", "/v/" .. ids[math.random(#ids)] .. ".json")
end
EOF

# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
sys_ticks() { awk '{ print $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }  # kernel part
nginx_ticks() {  # master + workers
  local t=0 p
  for p in "$NGINX_PID" $(pgrep -P "$NGINX_PID" 2>/dev/null); do t=$((t + $(cpu_ticks "$p"))); done
  echo "$t"
}
HZ="$(getconf CLK_TCK)"
us_per_request() {  # ticks requests → CPU microseconds per request
  awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "n/a" }'
}

rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
check_ok() {  # fail loudly on non-2xx responses or socket errors
  if grep -q 'Non-2xx or 3xx responses' "$1"; then
    cat "$1" >&2; die "$2: some responses were not 2xx (denied views?)"
  fi
  if grep -q 'Socket errors' "$1"; then
    echo "warning: $2: $(grep 'Socket errors' "$1")" >&2
  fi
}

# The vault's group-commit counters, read from /metrics as the demo admin
# (before and after the custos run: writes per commit = batch size).
AJAR="$WORK/admin-cookies"
jq -n --arg p "$PASSWORD" \
  '{username:"admin", password:$p, workstation:"bench-ws", location:"loopback"}' \
  >"$WORK/admin-login.json"
curl -fsS -c "$AJAR" -H 'Content-Type: application/json' --data @"$WORK/admin-login.json" \
  "$BASE/api/v1/session" >/dev/null || die "admin login failed"
commit_counters() {  # prints "commits requests run_seconds commit_seconds"
  curl -fsS -b "$AJAR" "$BASE/metrics" \
    | awk '$1 == "custos_vault_commits_total" { c = $2 }
           $1 == "custos_vault_commit_requests_total" { r = $2 }
           $1 == "custos_vault_commit_run_seconds_total" { u = $2 }
           $1 == "custos_vault_commit_sync_seconds_total" { s = $2 }
           END { print c + 0, r + 0, u + 0, s + 0 }'
}

WRK=(wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency)
echo
echo "== nginx: GET /v/{id}.json ($RECORDS static files of $RESPONSE_BYTES B), ${WRK[*]:1}"
T0="$(nginx_ticks)"
"${WRK[@]}" -s "$WORK/static.lua" "http://127.0.0.1:$NPORT/" | tee "$WORK/wrk-nginx.txt"
check_ok "$WORK/wrk-nginx.txt" nginx
NGINX_CPU_US="$(us_per_request $(($(nginx_ticks) - T0)) \
  "$(awk '/requests in/ { print $1; exit }' "$WORK/wrk-nginx.txt")")"
# nginx is not needed any more; stop it so it takes no CPU during the custos run.
kill -QUIT "$NGINX_PID" 2>/dev/null || true
wait "$NGINX_PID" 2>/dev/null || true
NGINX_PID=""

read -r COMMITS0 WRITES0 RUN0 SYNC0 < <(commit_counters)
echo
echo "== custos: POST /api/v1/records/{id}/view (audited, $RECORDS records), ${WRK[*]:1}"
T0="$(cpu_ticks "$CUSTOS_PID")"
S0="$(sys_ticks "$CUSTOS_PID")"
"${WRK[@]}" -s "$WORK/view.lua" "$BASE/" | tee "$WORK/wrk-custos.txt"
check_ok "$WORK/wrk-custos.txt" custos
CUSTOS_REQUESTS="$(awk '/requests in/ { print $1; exit }' "$WORK/wrk-custos.txt")"
CUSTOS_CPU_US="$(us_per_request $(($(cpu_ticks "$CUSTOS_PID") - T0)) "$CUSTOS_REQUESTS")"
CUSTOS_SYS_US="$(us_per_request $(($(sys_ticks "$CUSTOS_PID") - S0)) "$CUSTOS_REQUESTS")"
read -r COMMITS1 WRITES1 RUN1 SYNC1 < <(commit_counters)
COMMITS=$((COMMITS1 - COMMITS0))
WRITES=$((WRITES1 - WRITES0))
COMMITTER="$(awk -v c="$COMMITS" -v r0="$RUN0" -v r1="$RUN1" -v s0="$SYNC0" -v s1="$SYNC1" \
  'BEGIN { if (c > 0) printf "per commit: %.2f ms running the writes, %.2f ms in LMDB commit", (r1 - r0) * 1000 / c, (s1 - s0) * 1000 / c }')"
# The committer is serial: with batches of this size and this cycle (running
# the writes + LMDB's commit) it cannot carry more views per second than
# this, however fast everything else is (docs/benchmarks.md, fifth round).
CEILING="$(awk -v w="$WRITES" -v r0="$RUN0" -v r1="$RUN1" -v s0="$SYNC0" -v s1="$SYNC1" \
  'BEGIN { t = (r1 - r0) + (s1 - s0); if (t > 0) printf "%.0f", w / t; else print 0 }')"

# A last view must still succeed (nothing was denied, quota not exhausted).
STATUS="$(curl -sS -o "$WORK/view-after.json" -w '%{http_code}' -b "$JAR" \
  -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
  --data "$VIEW_BODY" "$BASE/api/v1/records/$RID/view")"
[ "$STATUS" = 200 ] || die "view after the run answered $STATUS: $(cat "$WORK/view-after.json")"
SEQ_BEFORE="$(jq -r .watermark.audit_seq "$WORK/view.json")"
SEQ_AFTER="$(jq -r .watermark.audit_seq "$WORK/view-after.json")"

# Stop the server (SIGTERM: clean shutdown) and verify the log offline.
kill -TERM "$CUSTOS_PID"
wait "$CUSTOS_PID" 2>/dev/null || true
CUSTOS_PID=""
"$CUSTOS" audit verify --data "$DATA" >"$WORK/verify.txt" 2>&1 \
  || { cat "$WORK/verify.txt" >&2; die "custos audit verify failed after the run"; }

N_RPS="$(rps "$WORK/wrk-nginx.txt")"
C_RPS="$(rps "$WORK/wrk-custos.txt")"
RATIO="$(awk -v c="$C_RPS" -v n="$N_RPS" 'BEGIN { printf "%.4f", c / n }')"
MET="$(awk -v r="$RATIO" -v t="$TARGET" 'BEGIN { print (r >= t) ? "met" : "MISSED" }')"
echo
echo "== summary (http_view_bench)"
echo "audit seq of the first and last check views: $SEQ_BEFORE → $SEQ_AFTER" \
  "($((SEQ_AFTER - SEQ_BEFORE - 1)) events between them; wrk completed $CUSTOS_REQUESTS views);" \
  "custos audit verify: ok"
echo "vault group commits during the custos run: $COMMITS commits carrying $WRITES writes" \
  "($(awk -v w="$WRITES" -v c="$COMMITS" 'BEGIN { if (c > 0) printf "%.1f", w / c; else print "n/a" }') writes per commit; $COMMITTER)"
printf '%-44s %12s req/s  %6s us CPU/request (server side)\n' \
  "nginx static files ($RESPONSE_BYTES B)" "$N_RPS" "$NGINX_CPU_US"
printf '%-44s %12s req/s  %6s us CPU/request (server side; %s us of it in the kernel)\n' \
  "custos audited view (durable audit event)" "$C_RPS" "$CUSTOS_CPU_US" "$CUSTOS_SYS_US"
printf 'ratio custos/nginx: %s (target >= %s: %s)\n' "$RATIO" "$TARGET" "$MET"
if [ "$CEILING" -gt 0 ]; then
  awk -v c="$CEILING" -v r="$C_RPS" 'BEGIN { printf "commit-cycle ceiling at these batch sizes: %.0f views/s (the run reached %.0f%% of it; the committer was busy that share of the time)\n", c, 100 * r / c }'
fi
echo "load after run: $(uptime | sed 's/.*load average/load average/')"
if [ -n "${IN_PROCESS:-}" ]; then
  echo
  echo "== the same audited view in process, right after (B4's baseline: $IN_PROCESS --view-only)"
  "$IN_PROCESS" --view-only | tee "$WORK/in-process.txt"
  IN_RPS="$(sed -n 's/^audited views, content as the API serves it (B1): \([0-9.]*\) views\/s.*/\1/p' "$WORK/in-process.txt")"
  [ -n "$IN_RPS" ] || die "no 'audited views, content as the API serves it (B1): N views/s' line from $IN_PROCESS"
  awk -v h="$C_RPS" -v p="$IN_RPS" 'BEGIN { r = h / p; printf "B4 = HTTP / in process = %.0f / %.0f = %.3f (target >= 0.8: %s)\n", h, p, r, (r >= 0.8) ? "met" : "MISSED" }'
fi
