#!/usr/bin/env bash
# Build one release archive of sigseal: OUT/sigseal-TAG-TARGET.tar.gz, holding the directory
# sigseal-TAG-TARGET/ with the `sigseal` binary and README.md (and LICENSE* when present).
#
# usage: scripts/release/build.sh --tag TAG --target TRIPLE [--out DIR] [--binary PATH]
#
#   --tag TAG        the release tag, e.g. v1.2.0 (part of the archive's name)
#   --target TRIPLE  the Rust target, e.g. x86_64-unknown-linux-gnu, aarch64-apple-darwin
#   --out DIR        where the archive goes (default: dist); created when missing
#   --binary PATH    package this already-built binary instead of running
#                    `cargo build --release --locked --target TRIPLE` (also: SIGSEAL_BIN)
#
# The archive is reproducible where GNU tar is available: sorted names, owner 0, and every
# mtime set to SOURCE_DATE_EPOCH (default: the commit time of HEAD of this checkout).
# When TRIPLE is the host's target, the binary is run once (`sigseal --version`) before packing.
# Prints the archive's path on the last line as `ARCHIVE=PATH`; with GITHUB_OUTPUT set, also
# writes `archive=PATH` and `name=NAME` there.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

say() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: error: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

TAG=
TARGET=
OUT=dist
BINARY=${SIGSEAL_BIN:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG=${2:?--tag needs a value}; shift 2 ;;
    --target) TARGET=${2:?--target needs a value}; shift 2 ;;
    --out) OUT=${2:?--out needs a value}; shift 2 ;;
    --binary) BINARY=${2:?--binary needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) say "unknown argument: $1"; usage >&2 ;;
  esac
done
[ -n "$TAG" ] || die "--tag is required (e.g. --tag v1.2.0)"
[ -n "$TARGET" ] || die "--target is required (e.g. --target x86_64-unknown-linux-gnu)"
case "$TAG$TARGET" in
  */*|*' '*) die "the tag and the target must not contain '/' or spaces: '$TAG', '$TARGET'" ;;
esac

if [ -z "$BINARY" ]; then
  command -v cargo >/dev/null 2>&1 || die "'cargo' not found: install Rust, or pass --binary PATH"
  say "cargo build --release --locked --target $TARGET"
  (cd "$ROOT" && cargo build --release --locked --target "$TARGET")
  BINARY="${CARGO_TARGET_DIR:-$ROOT/target}/$TARGET/release/sigseal"
fi
[ -f "$BINARY" ] || die "no binary at $BINARY"
[ -x "$BINARY" ] || die "$BINARY is not executable"

host=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p' || true)
if [ "$host" = "$TARGET" ]; then
  version=$("$BINARY" --version) || die "$BINARY --version failed: the binary does not run"
  say "binary runs: $version"
else
  say "not running the binary: it is built for $TARGET, this machine is ${host:-unknown}"
fi

NAME="sigseal-$TAG-$TARGET"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ARCHIVE="$OUT/$NAME.tar.gz"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$NAME"
cp "$BINARY" "$stage/$NAME/sigseal"
chmod 755 "$stage/$NAME/sigseal"
cp "$ROOT/README.md" "$stage/$NAME/README.md"
for f in "$ROOT"/LICENSE*; do
  [ -f "$f" ] && cp "$f" "$stage/$NAME/"
done
chmod 644 "$stage/$NAME/README.md"

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)
fi

tmp="$OUT/.$NAME.tar.gz.tmp"
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$stage" -cf - "$NAME" | gzip -n >"$tmp"
else
  # bsdtar (macOS): no --sort/--mtime; set the times on the files instead.
  find "$stage/$NAME" -exec touch -h -t "$(date -u -r "$SOURCE_DATE_EPOCH" +%Y%m%d%H%M.%S 2>/dev/null || date -u +%Y%m%d%H%M.%S)" {} +
  tar --uid 0 --gid 0 -C "$stage" -cf - "$NAME" | gzip -n >"$tmp"
fi
mv -f "$tmp" "$ARCHIVE"

# The archive must list the binary (a truncated or empty archive is caught here, not by users).
tar -tzf "$ARCHIVE" | grep -qx "$NAME/sigseal" || die "$ARCHIVE does not contain $NAME/sigseal"

say "wrote $ARCHIVE ($(wc -c <"$ARCHIVE" | tr -d ' ') bytes)"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "archive=$ARCHIVE"; echo "name=$NAME.tar.gz"; } >>"$GITHUB_OUTPUT"
fi
echo "ARCHIVE=$ARCHIVE"
