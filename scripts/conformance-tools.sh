#!/usr/bin/env bash
# Adds what the sigstore-conformance suite's tests import (pytest, sigstore-protobuf-specs) to
# the venv of scripts/interop-tools.sh, which it runs first: one venv, so the suite's
# self-test client is the same sigstore-python the interoperability tests use. Pinned versions,
# installed from PyPI only when the venv does not already hold them.
# usage: scripts/conformance-tools.sh
# Ends with SIGSTORE_PYTHON=<the venv's `sigstore` command> and
# CONFORMANCE_PYTHON=<the venv's python, with pytest>.
set -euo pipefail
PYTEST_VERSION=9.1.1
PROTOBUF_SPECS_VERSION=0.5.1
BETTERPROTO_VERSION=2.0.0b7
HERE=$(cd "$(dirname "$0")" && pwd)
interop=$(bash "$HERE/interop-tools.sh")
printf '%s\n' "$interop" | grep -v '^SIGSTORE_PYTHON=' || true
# shellcheck source=scripts/venv.sh
. "$HERE/venv.sh"
venv_setup conformance-tools.sh interop # the same venv, under its lock
PY=$VENV/bin/python
LOG=$VENV_DIR/conformance-install.log

installed() { # "pytest specs betterproto" versions in the venv
  "$PY" - <<'PYEOF' 2>/dev/null || true
import importlib.metadata as m
v = []
for p in ("pytest", "sigstore-protobuf-specs", "betterproto"):
    try:
        v.append(m.version(p))
    except m.PackageNotFoundError:
        v.append("-")
print(" ".join(v))
PYEOF
}

want="$PYTEST_VERSION $PROTOBUF_SPECS_VERSION $BETTERPROTO_VERSION"
if [ "$(installed)" = "$want" ]; then
  echo "conformance-tools.sh: pytest $PYTEST_VERSION already installed in $VENV"
else
  echo "conformance-tools.sh: installing pytest $PYTEST_VERSION and sigstore-protobuf-specs $PROTOBUF_SPECS_VERSION from PyPI into $VENV"
  if ! "$PY" -m pip install --disable-pip-version-check --no-input --quiet \
    "pytest==$PYTEST_VERSION" "sigstore-protobuf-specs==$PROTOBUF_SPECS_VERSION" \
    "betterproto==$BETTERPROTO_VERSION" >"$LOG" 2>&1; then
    cat "$LOG" >&2
    echo "conformance-tools.sh: pip could not install the conformance suite's dependencies (see above)" >&2
    exit 1
  fi
  if [ "$(installed)" != "$want" ]; then
    cat "$LOG" >&2
    echo "conformance-tools.sh: the venv holds '$(installed)' after the install, not '$want'" >&2
    exit 1
  fi
fi
printf '%s\n' "$interop" | grep '^SIGSTORE_PYTHON='
echo "CONFORMANCE_PYTHON=$PY"
