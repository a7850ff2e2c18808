#!/usr/bin/env bash
# Build sigseal and install it to ${PREFIX:-$HOME/.local}/bin/sigseal (re-running is safe).
# usage: ./install.sh            PREFIX=/usr/local ./install.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
cd "$ROOT"

command -v cargo >/dev/null 2>&1 || { echo "install.sh: 'cargo' not found: install Rust (https://rustup.rs)" >&2; exit 2; }

PREFIX=${PREFIX:-$HOME/.local}
BINDIR="$PREFIX/bin"
DEST="$BINDIR/sigseal"

echo "==> building sigseal (cargo build --release --locked)"
cargo build --release --locked

echo "==> installing $DEST"
mkdir -p "$BINDIR"
tmp=$(mktemp "$BINDIR/.sigseal.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cp "${CARGO_TARGET_DIR:-target}/release/sigseal" "$tmp"
chmod 755 "$tmp"
mv -f "$tmp" "$DEST"
trap - EXIT

"$DEST" --version

case ":$PATH:" in
  *":$BINDIR:"*) ;;
  *)
    case "${SHELL:-}" in
      */zsh) profile="~/.zshrc" ;;
      */bash) profile="~/.bashrc" ;;
      *) profile="your shell profile (e.g. ~/.profile)" ;;
    esac
    echo
    echo "$BINDIR is not on your PATH. Add this line to $profile and open a new shell:"
    echo "  export PATH=\"$BINDIR:\$PATH\""
    ;;
esac
echo
echo "Next: sigseal setup --global   (makes git sign with sigseal; see README.md)"
