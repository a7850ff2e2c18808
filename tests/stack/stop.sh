#!/usr/bin/env bash
# Stop a stack started by start.sh DIR. Idempotent.
# usage: tests/stack/stop.sh DIR
set -euo pipefail
OUT=${1:?usage: stop.sh DIR}

for name in sigstore oidc; do
  pidfile="$OUT/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  # Only signal the process if it is still ours (pids get reused).
  if [ -n "$pid" ] && ps -p "$pid" -o args= 2>/dev/null | grep -q -e sigstore-server.js -e oidc-issuer.mjs; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
done
rm -f "$OUT/url" "$OUT/oidc_url"
