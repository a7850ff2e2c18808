#!/usr/bin/env bash
# Provide the sigseal binary for a release job: built from source, or downloaded from a sigseal
# release and verified with cosign before it is used.
#
# usage: scripts/release/install-sigseal.sh --version source|TAG --dest DIR
#            [--repository OWNER/REPO] [--base-url URL] [--target TRIPLE] [--trusted-root FILE]
#        scripts/release/install-sigseal.sh --archive FILE --dest DIR
#
#   --archive FILE     unpack sigseal from a release archive this workflow run built itself
#                      (build.sh's output, passed between jobs as a run artifact); not verified
#   --version source   `cargo build --release --locked` in this checkout (the action's own source)
#   --version TAG      download sigseal-TAG-TARGET.tar.gz and its Sigstore bundle
#                      (sigseal-TAG-TARGET.tar.gz.sigstore.json) from the release TAG of
#                      --repository, and verify them with cosign as signed by that repository's
#                      release workflow for that tag:
#                        --certificate-identity https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/TAG
#                        --certificate-oidc-issuer https://token.actions.githubusercontent.com
#                      Only then is the archive unpacked. cosign must be on PATH (sigstore/cosign-installer).
#   --dest DIR         where `sigseal` is installed (created when missing)
#   --repository R     the sigseal repository (OWNER/REPO) whose releases to trust (required with a TAG)
#   --base-url URL     where release files are (default: https://github.com/R/releases/download);
#                      files are fetched from URL/TAG/NAME with curl (file:// URLs work too)
#   --target TRIPLE    the build to download (default: this machine's, from uname)
#   --trusted-root F   a trusted_root.json for cosign (private Sigstore instances and tests)
#
# Prints `SIGSEAL=PATH` on the last line; with GITHUB_PATH set, adds DIR to it.
# Exit codes: 0 installed, 1 the download did not verify (nothing installed), 2 usage/environment.
set -euo pipefail
SCRIPT=install-sigseal.sh
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/release/common.sh
. "$HERE/common.sh"

VERSION=
DEST=
REPOSITORY=
BASE_URL=
TARGET=
TRUSTED_ROOT=
ARCHIVE=
GITHUB_ISSUER=https://token.actions.githubusercontent.com
while [ $# -gt 0 ]; do
  case "$1" in
    --version) VERSION=${2:?--version needs a value}; shift 2 ;;
    --dest) DEST=${2:?--dest needs a value}; shift 2 ;;
    --repository) REPOSITORY=${2:?--repository needs a value}; shift 2 ;;
    --base-url) BASE_URL=${2:?--base-url needs a value}; shift 2 ;;
    --target) TARGET=${2:?--target needs a value}; shift 2 ;;
    --trusted-root) TRUSTED_ROOT=${2:?--trusted-root needs a value}; shift 2 ;;
    --archive) ARCHIVE=${2:?--archive needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) say "unknown argument: $1"; usage >&2 ;;
  esac
done
[ -n "$VERSION$ARCHIVE" ] || die "--version is required: 'source' or a release tag (or --archive FILE)"
[ -z "$VERSION" ] || [ -z "$ARCHIVE" ] || die "give --version or --archive, not both"
[ -n "$DEST" ] || die "--dest is required"
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)

install_bin() { # install_bin FILE
  "$1" --version >/dev/null || die "$1 does not run on this machine"
  cp "$1" "$DEST/.sigseal.tmp"
  chmod 755 "$DEST/.sigseal.tmp"
  mv -f "$DEST/.sigseal.tmp" "$DEST/sigseal"
  say "installed $("$DEST/sigseal" --version) as $DEST/sigseal"
  [ -z "${GITHUB_PATH:-}" ] || echo "$DEST" >>"$GITHUB_PATH"
  echo "SIGSEAL=$DEST/sigseal"
}

unpack() { # unpack ARCHIVE DIR: extract, and install the one sigseal-*/sigseal inside
  mkdir -p "$2"
  tar -xzf "$1" -C "$2"
  local bins=("$2"/sigseal-*/sigseal)
  if [ ! -f "${bins[0]}" ] || [ "${#bins[@]}" -ne 1 ]; then
    die "$(basename "$1") does not hold one sigseal-*/sigseal"
  fi
  install_bin "${bins[0]}"
}

if [ -n "$ARCHIVE" ]; then
  [ -f "$ARCHIVE" ] || die "no archive $ARCHIVE"
  say "unpacking sigseal from $ARCHIVE (built by this run)"
  x=$(mktemp -d)
  trap 'rm -rf "$x"' EXIT
  unpack "$ARCHIVE" "$x"
  exit 0
fi

if [ "$VERSION" = source ]; then
  command -v cargo >/dev/null 2>&1 || die "'cargo' not found: building sigseal from source needs Rust"
  say "building sigseal from $ROOT (cargo build --release --locked)"
  (cd "$ROOT" && cargo build --release --locked)
  install_bin "${CARGO_TARGET_DIR:-$ROOT/target}/release/sigseal"
  exit 0
fi

case "$VERSION" in
  */*|*' '*|'') die "not a release tag: '$VERSION'" ;;
esac
[ -n "$REPOSITORY" ] || die "--repository OWNER/REPO is required to download a release"
case "$REPOSITORY" in */*) ;; *) die "--repository must be OWNER/REPO, not '$REPOSITORY'" ;; esac
BASE_URL=${BASE_URL:-https://github.com/$REPOSITORY/releases/download}
if [ -z "$TARGET" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) TARGET=x86_64-unknown-linux-gnu ;;
    Linux-aarch64|Linux-arm64) TARGET=aarch64-unknown-linux-gnu ;;
    Darwin-x86_64) TARGET=x86_64-apple-darwin ;;
    Darwin-arm64|Darwin-aarch64) TARGET=aarch64-apple-darwin ;;
    *) die "no sigseal release build for $(uname -s) $(uname -m): use --version source" ;;
  esac
fi
COSIGN=${COSIGN:-cosign}
command -v "$COSIGN" >/dev/null 2>&1 ||
  die "cosign is not on PATH: a downloaded sigseal is verified with cosign before it is used (install it with sigstore/cosign-installer), or use --version source"

NAME="sigseal-$VERSION-$TARGET"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in "$NAME.tar.gz" "$NAME.tar.gz.sigstore.json"; do
  say "downloading $BASE_URL/$VERSION/$f"
  curl -fsSL --proto '=https,file' --retry 3 -o "$work/$f" "$BASE_URL/$VERSION/$f" ||
    die "could not download $BASE_URL/$VERSION/$f"
done

IDENTITY="https://github.com/$REPOSITORY/.github/workflows/release.yml@refs/tags/$VERSION"
trust=()
[ -z "$TRUSTED_ROOT" ] || trust=(--trusted-root "$TRUSTED_ROOT")
say "verifying $NAME.tar.gz with cosign as signed by $IDENTITY"
if ! "$COSIGN" verify-blob --bundle "$work/$NAME.tar.gz.sigstore.json" --new-bundle-format \
    --certificate-identity "$IDENTITY" --certificate-oidc-issuer "$GITHUB_ISSUER" "${trust[@]}" \
    "$work/$NAME.tar.gz" >&2; then
  say "FAILED: $NAME.tar.gz does not verify as signed by $IDENTITY: not installed"
  summary "### sigseal $VERSION: NOT installed" "" "\`$NAME.tar.gz\` did not verify as signed by \`$IDENTITY\`."
  exit 1
fi

if ! tar -tzf "$work/$NAME.tar.gz" | grep -qx "$NAME/sigseal"; then
  die "$NAME.tar.gz does not hold $NAME/sigseal"
fi
unpack "$work/$NAME.tar.gz" "$work/x"
