#!/usr/bin/env bash
# One-command demo of sigseal, fully offline: starts the local Sigstore test stack, signs a
# commit and a tag in a throwaway repository, verifies them, applies an identity policy, then
# stops the stack and verifies again. Nothing outside a temporary directory is touched.
# usage: scripts/demo.sh            SIGSEAL_BIN=path/to/sigseal scripts/demo.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

step() { printf '\n==> %s\n' "$*"; }
die() { printf '\ndemo: FAILED: %s\n' "$*" >&2; exit 1; }

for cmd in git curl node npm; do
  command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found (the demo needs git, curl and Node.js >= 18 with npm)"
done

tmp=$(mktemp -d)
STACK="$tmp/stack"
cleanup() {
  "$ROOT/tests/stack/stop.sh" "$STACK" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "${SIGSEAL_BIN:-}" ]; then
  BIN=$(cd "$(dirname "$SIGSEAL_BIN")" && pwd)/$(basename "$SIGSEAL_BIN")
  [ -x "$BIN" ] || die "SIGSEAL_BIN=$SIGSEAL_BIN is not an executable"
  step "using $SIGSEAL_BIN"
else
  step "building sigseal (cargo build --release --locked)"
  (cd "$ROOT" && cargo build --release --locked)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/sigseal"
fi
"$BIN" --version

# Keep the demo independent of the caller's git and sigseal settings.
export GIT_CONFIG_GLOBAL="$tmp/gitconfig" GIT_CONFIG_NOSYSTEM=1
: >"$GIT_CONFIG_GLOBAL"
unset SIGSTORE_ID_TOKEN ACTIONS_ID_TOKEN_REQUEST_URL ACTIONS_ID_TOKEN_REQUEST_TOKEN \
  SIGSEAL_SIGNING_CONFIG SIGSEAL_OIDC_ISSUER SIGSEAL_CLIENT_ID \
  SIGSEAL_VERIFY_IDENTITY SIGSEAL_VERIFY_IDENTITY_REGEXP SIGSEAL_VERIFY_ISSUER SIGSEAL_VERIFY_ISSUER_REGEXP \
  GITSIGN_FULCIO_URL GITSIGN_REKOR_URL GITSIGN_OIDC_ISSUER GITSIGN_OIDC_CLIENT_ID SIGSEAL_GIT

step "starting the local Sigstore stack (Fulcio, Rekor, OIDC issuer on 127.0.0.1)"
"$ROOT/tests/stack/start.sh" "$STACK"
SIGSTORE_URL=$(cat "$STACK/url")
OIDC=$(cat "$STACK/oidc_url")

step "minting an identity token for alice@example.com from the local OIDC issuer"
TOKEN_FILE="$tmp/token"
(umask 077 && curl -fsS "$OIDC/_token?sub=alice@example.com&email=alice@example.com&email_verified=true" -o "$TOKEN_FILE") \
  || die "could not get a token from $OIDC"
chmod 600 "$TOKEN_FILE"
echo "token written to a private file (not shown)"

export SIGSEAL_FULCIO_URL="$SIGSTORE_URL" SIGSEAL_REKOR_URL="$SIGSTORE_URL"
export SIGSEAL_TRUSTED_ROOT="$STACK/trusted_root.json" SIGSEAL_TOKEN_FILE="$TOKEN_FILE"
echo "SIGSEAL_FULCIO_URL=$SIGSEAL_FULCIO_URL"
echo "SIGSEAL_REKOR_URL=$SIGSEAL_REKOR_URL"
echo "SIGSEAL_TRUSTED_ROOT=<stack>/trusted_root.json"
echo "SIGSEAL_TOKEN_FILE=<private token file>"

step "creating a temporary git repository"
REPO="$tmp/repo"
git init -q "$REPO"
cd "$REPO"
git config user.name "Alice"
git config user.email "alice@example.com"

step "sigseal setup --local"
"$BIN" setup --local

step "git commit -S"
echo "hello, sigstore" >hello.txt
git add hello.txt
git commit -q -S -m "First signed commit" || die "git commit -S failed"
git log --oneline -1

step "git tag -s v1.0 -m v1.0"
git tag -s v1.0 -m v1.0 || die "git tag -s failed"

step "git verify-tag v1.0"
git verify-tag v1.0 2>&1 || die "git verify-tag v1.0 failed"

step "git verify-commit HEAD"
git verify-commit HEAD 2>&1 || die "git verify-commit HEAD failed"

step "git log --show-signature -1"
git log --show-signature -1 2>&1

step "identity policy: only alice@example.com from $OIDC"
git config sigseal.verify.identity alice@example.com
git config sigseal.verify.issuer "$OIDC"
echo "git config sigseal.verify.identity alice@example.com"
echo "git config sigseal.verify.issuer $OIDC"
echo "\$ git log --format='%G? %H' -1"
status=$(git log --format='%G? %H' -1)
echo "$status"
[ "${status%% *}" = G ] || die "expected %G? to be G with a satisfied policy, got '${status%% *}'"
git verify-tag v1.0 2>&1 || die "git verify-tag v1.0 failed under the alice policy"

step "identity policy naming bob@example.com: git verify-tag must fail"
git config sigseal.verify.identity bob@example.com
echo "git config sigseal.verify.identity bob@example.com"
if git verify-tag v1.0 2>&1; then
  die "git verify-tag v1.0 passed although the policy names bob@example.com"
fi
echo "git verify-tag v1.0 failed, as expected (signer is not bob@example.com)"
git config sigseal.verify.identity alice@example.com

step "stopping the Sigstore stack; verification is offline"
"$ROOT/tests/stack/stop.sh" "$STACK"
if curl -fsS -o /dev/null --max-time 2 "$SIGSTORE_URL/api/v1/log" 2>/dev/null; then
  die "the stack is still answering at $SIGSTORE_URL"
fi
echo "stack stopped ($SIGSTORE_URL no longer answers)"

step "git verify-tag v1.0 (offline)"
git verify-tag v1.0 2>&1 || die "git verify-tag v1.0 failed offline"

step "demo passed"
