#!/usr/bin/env bash
# The test command of sigseal: checks prerequisites, installs the local Sigstore test stack's
# npm packages when missing, checks formatting (`cargo fmt --check`) and lints
# (`cargo clippy --all-targets -- -D warnings`), then runs `cargo test --locked` (extra arguments
# are passed on to it; with arguments the format and lint checks are skipped, for a quick rerun
# of some tests).
# usage: scripts/test.sh [CARGO TEST ARGS...]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT"

missing=0
need() { # need COMMAND WHAT
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "test.sh: '$1' not found: $2" >&2
    missing=1
  fi
}
need cargo "install Rust (https://rustup.rs)"
if command -v cargo >/dev/null 2>&1; then
  for tool in fmt clippy; do
    if ! cargo "$tool" --version >/dev/null 2>&1; then
      echo "test.sh: 'cargo $tool' not found: rustup component add $([ "$tool" = fmt ] && echo rustfmt || echo clippy)" >&2
      missing=1
    fi
  done
fi
need node "install Node.js 18 or newer (https://nodejs.org)"
need npm "install npm (it comes with Node.js)"
need openssl "install OpenSSL (e.g. the 'openssl' package)"
need python3 "install Python 3.10 or newer with its venv module (e.g. Debian's 'python3' and 'python3-venv'); the interoperability tests install sigstore-python with it"
if ! command -v git >/dev/null 2>&1; then
  if [ -x /usr/bin/git ]; then
    export PATH="/usr/bin:$PATH"
  else
    echo "test.sh: 'git' not found: install git" >&2
    missing=1
  fi
fi
if command -v node >/dev/null 2>&1; then
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)
  case "$node_major" in ''|*[!0-9]*) node_major=0 ;; esac
  if [ "$node_major" -lt 18 ]; then
    echo "test.sh: Node.js $(node --version 2>/dev/null || echo '?') is too old: Node.js 18 or newer is needed" >&2
    missing=1
  fi
fi
[ "$missing" -eq 0 ] || { echo "test.sh: missing prerequisites, see above" >&2; exit 2; }

STACK="$ROOT/tests/stack"
if [ ! -d "$STACK/node_modules" ]; then
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  if ! (cd "$STACK" && npm ci --no-audit --no-fund) >"$log" 2>&1; then
    echo "test.sh: 'npm ci' failed in tests/stack:" >&2
    cat "$log" >&2
    exit 1
  fi
fi

if [ "$#" -eq 0 ]; then
  echo "test.sh: cargo fmt --check" >&2
  cargo fmt --check || { echo "test.sh: formatting differs from rustfmt.toml: run 'cargo fmt'" >&2; exit 1; }
  # In the same target directory as the tests, before them: the build scripts (aws-lc's C build
  # among them) and proc-macros it compiles are the test build's too.
  echo "test.sh: cargo clippy --all-targets -- -D warnings" >&2
  cargo clippy --locked --all-targets --quiet -- -D warnings || { echo "test.sh: clippy found the warnings above" >&2; exit 1; }
fi

# The integration tests spend most of their time waiting on child processes and the local
# stack, so they run four at a time even on two cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
cargo test --locked "$@"
