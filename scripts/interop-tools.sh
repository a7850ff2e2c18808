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
PYTHON=${PYTHON:-python3}

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
DIR=$TARGET/interop
VENV=$DIR/venv
BIN=$VENV/bin/sigstore

# Concurrent callers (parallel test processes) wait for one another instead of racing on pip.
mkdir -p "$DIR"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR/.lock"
  flock 9
fi

installed() { # the sigstore version in the venv, or nothing
  [ -x "$VENV/bin/python" ] && [ -x "$BIN" ] || return 0
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sigstore"))' 2>/dev/null || true
}

if [ "$(installed)" = "$SIGSTORE_PYTHON_VERSION" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "interop-tools.sh: sigstore-python $SIGSTORE_PYTHON_VERSION already installed in $VENV"
else
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "interop-tools.sh: '$PYTHON' not found: install Python 3.10 or newer with its venv module (Debian: python3 python3-venv)" >&2
    exit 2
  fi
  echo "interop-tools.sh: installing sigstore-python $SIGSTORE_PYTHON_VERSION from PyPI into $VENV"
  start=$(date +%s)
  log=$DIR/install.log
  : >"$log"
  # A venv left by another python or a failed install is rebuilt from scratch.
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "interop-tools.sh: '$PYTHON -m venv' failed: install Python's venv module (Debian: python3-venv)" >&2
    exit 2
  fi
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
      "sigstore==$SIGSTORE_PYTHON_VERSION" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "interop-tools.sh: pip could not install sigstore==$SIGSTORE_PYTHON_VERSION (see above)" >&2
    exit 1
  fi
  if [ "$(installed)" != "$SIGSTORE_PYTHON_VERSION" ] || ! "$BIN" --version >>"$log" 2>&1; then
    cat "$log" >&2
    echo "interop-tools.sh: the installed sigstore-python does not run (see above)" >&2
    exit 1
  fi
  echo "interop-tools.sh: installed in $(($(date +%s) - start))s"
fi
echo "SIGSTORE_PYTHON=$BIN"
