#!/usr/bin/env bash
# Start the local Sigstore test stack (OIDC issuer + Fulcio/Rekor/TSA) on loopback,
# on ports chosen by the OS. Restarts it if DIR already holds a running stack.
# usage: [STACK_SERVER_FLAGS='--tsa-whole-seconds'] tests/stack/start.sh DIR
# Prints SIGSTORE_URL=... and OIDC_ISSUER=...; see README.md for what DIR receives.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: start.sh DIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WAIT_SECONDS=${STACK_START_TIMEOUT:-20}

if [ ! -d "$HERE/node_modules" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >"$OUT/npm-ci.log" 2>&1) || {
    echo "start.sh: npm ci failed in $HERE:" >&2; cat "$OUT/npm-ci.log" >&2; exit 1; }
fi

"$HERE/stop.sh" "$OUT"
rm -f "$OUT/url" "$OUT/oidc_url"

fail() {
  echo "start.sh: $1" >&2
  for log in "$OUT/oidc.log" "$OUT/sigstore.log"; do
    [ -f "$log" ] && { echo "--- $log" >&2; cat "$log" >&2; }
  done
  "$HERE/stop.sh" "$OUT"
  exit 1
}

# wait_for FILE PIDFILE: until FILE exists, the process dies, or time runs out.
wait_for() {
  local pid i
  pid=$(cat "$2")
  for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
    [ -s "$1" ] && return 0
    kill -0 "$pid" 2>/dev/null || fail "$(basename "$2" .pid) exited during startup"
    sleep 0.1
  done
  fail "$(basename "$2" .pid) not ready after ${WAIT_SECONDS}s"
}

# Detached from the caller's stdio, so a caller that captures output does not wait on them.
node "$HERE/oidc-issuer.mjs" --port 0 --out "$OUT" </dev/null >"$OUT/oidc.log" 2>&1 &
echo $! >"$OUT/oidc.pid"
wait_for "$OUT/oidc_url" "$OUT/oidc.pid"
OIDC_ISSUER=$(cat "$OUT/oidc_url")

# STACK_SERVER_FLAGS: extra flags for sigstore-server.js, split on whitespace (e.g. --tsa-whole-seconds).
read -r -a SERVER_FLAGS <<<"${STACK_SERVER_FLAGS:-}"
node "$HERE/sigstore-server.js" --port 0 --out "$OUT" --oidc-url "$OIDC_ISSUER" ${SERVER_FLAGS[@]+"${SERVER_FLAGS[@]}"} \
  </dev/null >"$OUT/sigstore.log" 2>&1 &
echo $! >"$OUT/sigstore.pid"
wait_for "$OUT/url" "$OUT/sigstore.pid"

echo "SIGSTORE_URL=$(cat "$OUT/url")"
echo "OIDC_ISSUER=$OIDC_ISSUER"
