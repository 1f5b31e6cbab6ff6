#!/usr/bin/env bash
# Installs and builds Custos, creates (or reuses) a demo vault in ./custos-data
# seeded with a demo company, and starts the server. Prints the URL and logins.
#
# The demo vault's passphrase is public on purpose (it is a demo): override it
# with CUSTOS_PASSPHRASE. Listen address: CUSTOS_LISTEN (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
CUSTOS=build/cli/custos
DATA=./custos-data
export CUSTOS_PASSPHRASE="${CUSTOS_PASSPHRASE:-custos-demo-passphrase}"
LISTEN="${CUSTOS_LISTEN:-127.0.0.1:8080}"

has_command() { "$CUSTOS" --help | grep -qE "^  $1 "; }

if [ ! -f "$DATA/data.mdb" ]; then
  echo "demo: creating a demo vault in $DATA"
  if has_command demo; then
    "$CUSTOS" demo --data "$DATA"
  else
    "$CUSTOS" init --data "$DATA" --log-name custos.demo/huaxin
  fi
else
  echo "demo: reusing the vault in $DATA"
  if has_command demo; then "$CUSTOS" demo --data "$DATA" --logins-only; fi
fi

if has_command serve; then
  echo "demo: starting the server on http://$LISTEN/ (Ctrl-C to stop)"
  exec "$CUSTOS" serve --data "$DATA" --listen "$LISTEN" --demo
else
  "$CUSTOS" status --data "$DATA"
  echo "demo: the web server is not built yet (see the open web issue); the vault above is ready."
fi
