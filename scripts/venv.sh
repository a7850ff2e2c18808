# shellcheck shell=bash
# Shared by the tool-installing scripts (interop-tools.sh, lint-tools.sh): one locked Python venv
# under the cargo target dir, rebuilt from scratch when it is not what the caller wants.
# Source it, then:
#   venv_setup NAME SUBDIR      sets VENV_DIR=$TARGET/SUBDIR, VENV=$VENV_DIR/venv and takes the
#                               directory's lock (parallel test processes wait for one another)
#   venv_install WHAT PIP_ARGS...
#                               makes a fresh venv with $PYTHON and pip-installs PIP_ARGS; WHAT
#                               names them in messages; exits 2 (no Python / no venv module) or
#                               1 (pip failed), with the install log on stderr
# NAME prefixes every message.

venv_setup() {
  VENV_NAME=$1
  local root target
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  target=${CARGO_TARGET_DIR:-$root/target}
  case "$target" in /*) ;; *) target=$PWD/$target ;; esac
  VENV_DIR=$target/$2
  VENV=$VENV_DIR/venv
  VENV_LOG=$VENV_DIR/install.log
  PYTHON=${PYTHON:-python3}
  mkdir -p "$VENV_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$VENV_DIR/.lock"
    flock 9
  fi
}

venv_install() {
  local what=$1
  shift
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "$VENV_NAME: '$PYTHON' not found: install Python 3.10 or newer with its venv module (Debian: python3 python3-venv)" >&2
    exit 2
  fi
  echo "$VENV_NAME: installing $what from PyPI into $VENV"
  # shellcheck disable=SC2034 # read by the caller for its "installed in Ns" line
  VENV_START=$(date +%s)
  : >"$VENV_LOG"
  # A venv left by another python or a failed install is rebuilt from scratch.
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" >>"$VENV_LOG" 2>&1; then
    cat "$VENV_LOG" >&2
    echo "$VENV_NAME: '$PYTHON -m venv' failed: install Python's venv module (Debian: python3-venv)" >&2
    exit 2
  fi
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet "$@" >>"$VENV_LOG" 2>&1; then
    cat "$VENV_LOG" >&2
    echo "$VENV_NAME: pip could not install $what (see above)" >&2
    exit 1
  fi
}

# venv_broken WHAT: the fresh install does not run; show the log and exit 1.
venv_broken() {
  cat "$VENV_LOG" >&2
  echo "$VENV_NAME: the installed $1 does not run (see above)" >&2
  exit 1
}
