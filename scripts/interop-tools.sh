#!/usr/bin/env bash
# Installs the third-party verifiers and signers of sigseal's interoperability tests:
# sigstore-python, in a venv under the cargo target dir (rebuildable; CARGO_TARGET_DIR is
# respected), installed from PyPI only when that venv does not already hold the pinned version.
# sigstore-js comes from tests/stack's npm packages instead (verify-bundle.js, sign-bundle.js).
# Needs Python 3.10 or newer with its venv module.
# usage: scripts/interop-tools.sh
# The last line of output is SIGSTORE_PYTHON=<path of the venv's `sigstore` command>.
set -euo pipefail
SIGSTORE_PYTHON_VERSION=4.5.1
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/venv.sh
. "$HERE/venv.sh"
venv_setup interop-tools.sh interop
BIN=$VENV/bin/sigstore

installed() { # the sigstore version in the venv, or nothing
  [ -x "$VENV/bin/python" ] && [ -x "$BIN" ] || return 0
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sigstore"))' 2>/dev/null || true
}

if [ "$(installed)" = "$SIGSTORE_PYTHON_VERSION" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "interop-tools.sh: sigstore-python $SIGSTORE_PYTHON_VERSION already installed in $VENV"
else
  venv_install "sigstore==$SIGSTORE_PYTHON_VERSION" "sigstore==$SIGSTORE_PYTHON_VERSION"
  if [ "$(installed)" != "$SIGSTORE_PYTHON_VERSION" ] || ! "$BIN" --version >>"$VENV_LOG" 2>&1; then
    venv_broken sigstore-python
  fi
  echo "interop-tools.sh: installed in $(($(date +%s) - VENV_START))s"
fi
echo "SIGSTORE_PYTHON=$BIN"
