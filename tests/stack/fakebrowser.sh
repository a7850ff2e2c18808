#!/usr/bin/env bash
# A "browser" for headless login tests (set BROWSER to this file): fetches the URL with curl and
# follows redirects, so the issuer's auto-approving /authorize lands on the client's loopback
# callback. Returns at once, like a real browser launcher; curl runs on in the background.
# FAKEBROWSER_LOG=FILE records each URL and curl's final status and URL.
set -euo pipefail
url=${1:?usage: fakebrowser.sh URL}
log=${FAKEBROWSER_LOG:-/dev/null}
echo "open $url" >>"$log"
(
  result=$(curl -sS -L --max-time 30 -o /dev/null -w '%{http_code} %{url_effective}' "$url" 2>&1) || true
  echo "done $result" >>"$log"
) </dev/null >/dev/null 2>&1 &
