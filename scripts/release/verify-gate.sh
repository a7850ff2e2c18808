#!/usr/bin/env bash
# The release verification gate: checks a directory of downloaded release files (and the tag)
# the way a user would, with sigseal and, when it is on PATH, with cosign. Any problem fails it.
#
# usage: scripts/release/verify-gate.sh DIR
#            (--certificate-identity ID | --certificate-identity-regexp RE)
#            --certificate-oidc-issuer URL
#            [--expect NAME]... [--manifest NAME] [--trusted-root FILE]
#            [--require-cosign] [--no-cosign-files]
#            [--tag TAG [--repo DIR] [--policy FILE]]
#
#   DIR               the release's files: assets, SHA256SUMS, bundles, .sig/.pem
#   --certificate-identity ID / --certificate-identity-regexp RE, --certificate-oidc-issuer URL
#                     who must have signed (passed to sigseal and cosign as they are)
#   --expect NAME     an asset that must be in the release and listed in the manifest (repeatable)
#   --manifest NAME   the manifest's name (default: SHA256SUMS)
#   --trusted-root F  a trusted_root.json for a private Sigstore instance (sigseal and cosign)
#   --require-cosign  fail when cosign is not on PATH (default: skip the cosign checks, saying so)
#   --no-cosign-files the release has no .sig/.pem files (default: every listed asset and the
#                     manifest must have both, and cosign checks them too)
#   --tag TAG         also verify the annotated tag TAG (`sigseal verify-tag`) in --repo DIR
#                     (default: the current directory), signed by the identity above or by a
#                     maintainer of --policy FILE (a file without rules counts as none)
#
# Checks, each reported by name:
#   1. `sigseal verify-release DIR`: the manifest's bundle, every listed asset's digest and bundle;
#   2. every file in DIR is either listed in the manifest or a signature file of a listed one:
#      an asset that is in the release but not signed fails the gate;
#   3. every --expect NAME is listed;
#   4. with cosign on PATH, for the manifest and every listed asset:
#        cosign verify-blob --bundle NAME.sigstore.json --new-bundle-format ... NAME
#        cosign verify-blob --signature NAME.sig --certificate NAME.pem ... NAME
#   5. with --tag, `sigseal verify-tag TAG`.
# sigseal is $SIGSEAL, else `sigseal` on PATH; cosign is `cosign` on PATH ($COSIGN to override).
# Every failure is printed as `verify-gate.sh: FAILED NAME: REASON`; with GITHUB_STEP_SUMMARY set,
# the verdict and the failures are appended to it. Exit codes: 0 passed, 1 failed, 2 usage error.
set -euo pipefail
SCRIPT=verify-gate.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/release/common.sh
. "$HERE/common.sh"

DIR=
IDENTITY=
IDENTITY_RE=
ISSUER=
MANIFEST=SHA256SUMS
TRUSTED_ROOT=
REQUIRE_COSIGN=false
COSIGN_FILES=true
TAG=
REPO=.
POLICY=
EXPECT=()
while [ $# -gt 0 ]; do
  case "$1" in
    --certificate-identity) IDENTITY=${2:?--certificate-identity needs a value}; shift 2 ;;
    --certificate-identity-regexp) IDENTITY_RE=${2:?--certificate-identity-regexp needs a value}; shift 2 ;;
    --certificate-oidc-issuer) ISSUER=${2:?--certificate-oidc-issuer needs a value}; shift 2 ;;
    --expect) EXPECT+=("${2:?--expect needs a value}"); shift 2 ;;
    --manifest) MANIFEST=${2:?--manifest needs a value}; shift 2 ;;
    --trusted-root) TRUSTED_ROOT=${2:?--trusted-root needs a value}; shift 2 ;;
    --require-cosign) REQUIRE_COSIGN=true; shift ;;
    --no-cosign-files) COSIGN_FILES=false; shift ;;
    --tag) TAG=${2:?--tag needs a value}; shift 2 ;;
    --repo) REPO=${2:?--repo needs a value}; shift 2 ;;
    --policy) POLICY=${2:?--policy needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) say "unknown option: $1"; usage >&2 ;;
    *) [ -z "$DIR" ] || { say "more than one directory given: $DIR, $1"; usage >&2; }; DIR=$1; shift ;;
  esac
done
[ -n "$DIR" ] || { say "no release directory given"; usage >&2; }
[ -d "$DIR" ] || die "no directory $DIR"
DIR=$(cd "$DIR" && pwd)
if [ -n "$IDENTITY" ] && [ -n "$IDENTITY_RE" ]; then
  die "give --certificate-identity or --certificate-identity-regexp, not both"
fi
[ -n "$IDENTITY$IDENTITY_RE" ] || die "who must have signed? give --certificate-identity or --certificate-identity-regexp"
[ -n "$ISSUER" ] || die "--certificate-oidc-issuer is required"
if [ -n "$TRUSTED_ROOT" ]; then
  [ -f "$TRUSTED_ROOT" ] || die "no trusted root $TRUSTED_ROOT"
  TRUSTED_ROOT=$(cd "$(dirname "$TRUSTED_ROOT")" && pwd)/$(basename "$TRUSTED_ROOT")
fi
if [ -n "$POLICY" ]; then
  [ -f "$POLICY" ] || die "no policy file $POLICY"
  POLICY=$(cd "$(dirname "$POLICY")" && pwd)/$(basename "$POLICY")
fi
find_sigseal

who=()
if [ -n "$IDENTITY" ]; then who+=(--certificate-identity "$IDENTITY"); else who+=(--certificate-identity-regexp "$IDENTITY_RE"); fi
who+=(--certificate-oidc-issuer "$ISSUER")
trust=()
[ -z "$TRUSTED_ROOT" ] || trust=(--trusted-root "$TRUSTED_ROOT")

failures=()
why() { # why LOG: the line of a verifier's output that says what failed
  { grep -E '^(Error|error|FAILED)' "$1" || tail -n1 "$1"; } | head -n1 | sed -E 's/[[:space:]]+/ /g'
}
fail() { # fail NAME REASON
  failures+=("$1: $2")
  say "FAILED $1: $2"
}
checked=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "checking the release in $DIR as ${IDENTITY:-$IDENTITY_RE} ($ISSUER)"

# 1. sigseal verify-release
if [ ! -f "$DIR/$MANIFEST" ]; then
  fail "$MANIFEST" "missing: the release has no checksum manifest"
  names=
else
  rc=0
  "$SIGSEAL" verify-release "$DIR" --manifest "$MANIFEST" "${who[@]}" "${trust[@]}" \
    >"$work/out" 2>"$work/err" || rc=$?
  cat "$work/out"
  cat "$work/err" >&2
  if [ "$rc" -eq 0 ]; then
    say "ok   sigseal verify-release: every listed asset and $MANIFEST verified"
  elif [ "$rc" -eq 1 ]; then
    while IFS= read -r line; do
      # FAILED NAME SIGNER... CHECK: REASON -> NAME and the rest
      name=$(printf '%s\n' "$line" | awk '{print $2}')
      rest=$(printf '%s\n' "$line" | sed -E 's/^FAILED[[:space:]]+[^[:space:]]+[[:space:]]+//')
      fail "$name" "sigseal verify-release: $rest"
    done < <(grep '^FAILED ' "$work/out" || true)
    grep -q '^FAILED ' "$work/out" || fail "$MANIFEST" "sigseal verify-release failed without naming an asset (see above)"
  else
    fail "$MANIFEST" "sigseal verify-release could not check the release (exit $rc): $(tail -n1 "$work/err")"
  fi
  if ! names=$(manifest_names "$DIR/$MANIFEST" 2>"$work/names.err"); then
    fail "$MANIFEST" "$(cat "$work/names.err")"
    names=
  fi
fi

# 2. every file is listed or a signature file of a listed one
is_listed() { printf '%s\n' "$names" | grep -Fxq -- "$1"; }
for path in "$DIR"/* "$DIR"/.[!.]*; do
  [ -e "$path" ] || continue
  f=$(basename "$path")
  [ -f "$path" ] || { fail "$f" "not a regular file in the release directory"; continue; }
  case "$f" in
    .*) continue ;;  # sign-release skips dotfiles; so does a download
    "$MANIFEST"|"$MANIFEST".sigstore.json|"$MANIFEST".sig|"$MANIFEST".pem) continue ;;
  esac
  is_listed "$f" && continue
  case "$f" in
    *.sigstore.json) is_listed "${f%.sigstore.json}" && continue ;;
    *.sig) is_listed "${f%.sig}" && continue ;;
    *.pem) is_listed "${f%.pem}" && continue ;;
  esac
  fail "$f" "in the release but not listed in $MANIFEST: it is not signed"
done

# 3. expected assets
for e in "${EXPECT[@]+"${EXPECT[@]}"}"; do
  if ! is_listed "$e"; then
    if [ -f "$DIR/$e" ]; then fail "$e" "expected asset is not listed in $MANIFEST"; else fail "$e" "expected asset is missing from the release"; fi
  fi
done

# 4. cosign
COSIGN=${COSIGN:-cosign}
cosign_state=skipped
if command -v "$COSIGN" >/dev/null 2>&1; then
  cosign_state=ran
  say "cosign: $("$COSIGN" version 2>/dev/null | grep -i '^GitVersion' || echo "$COSIGN")"
  targets=$( { [ ! -f "$DIR/$MANIFEST" ] || echo "$MANIFEST"; printf '%s\n' "$names"; } | grep . || true)
  while IFS= read -r n; do
    [ -n "$n" ] || continue
    [ -f "$DIR/$n" ] || continue  # already reported by sigseal
    if "$COSIGN" verify-blob --bundle "$DIR/$n.sigstore.json" --new-bundle-format "${who[@]}" "${trust[@]}" \
        "$DIR/$n" >"$work/cosign.log" 2>&1; then
      say "ok   cosign verify-blob --bundle: $n"
    else
      fail "$n" "cosign verify-blob --bundle $n.sigstore.json: $(why "$work/cosign.log")"
    fi
    if [ "$COSIGN_FILES" = true ]; then
      if [ ! -f "$DIR/$n.sig" ] || [ ! -f "$DIR/$n.pem" ]; then
        fail "$n" "cosign's $n.sig or $n.pem is missing"
      elif "$COSIGN" verify-blob --signature "$DIR/$n.sig" --certificate "$DIR/$n.pem" "${who[@]}" "${trust[@]}" \
          "$DIR/$n" >"$work/cosign.log" 2>&1; then
        say "ok   cosign verify-blob --signature/--certificate: $n"
      else
        fail "$n" "cosign verify-blob --signature $n.sig --certificate $n.pem: $(why "$work/cosign.log")"
      fi
    fi
    checked=$((checked + 1))
  done <<<"$targets"
else
  if [ "$REQUIRE_COSIGN" = true ]; then
    fail cosign "not found on PATH, and --require-cosign was given"
  else
    say "SKIPPED the cosign checks: '$COSIGN' is not on PATH (only sigseal verified the release)"
  fi
  if [ "$COSIGN_FILES" = true ]; then
    while IFS= read -r n; do
      [ -n "$n" ] || continue
      if [ ! -f "$DIR/$n.sig" ] || [ ! -f "$DIR/$n.pem" ]; then fail "$n" "cosign's $n.sig or $n.pem is missing"; fi
    done < <(printf '%s\n%s\n' "$MANIFEST" "$names")
  fi
fi

# 5. the tag
if [ -n "$TAG" ]; then
  args=(verify-tag "$TAG" "${who[@]}" "${trust[@]}")
  if [ -n "$POLICY" ] && policy_has_rules "$POLICY"; then args+=(--policy "$POLICY"); fi
  if (cd "$REPO" && "$SIGSEAL" "${args[@]}" >"$work/tag.out" 2>"$work/tag.err"); then
    cat "$work/tag.out"
    say "ok   sigseal verify-tag: $TAG"
  else
    cat "$work/tag.out"
    cat "$work/tag.err" >&2
    fail "tag $TAG" "sigseal verify-tag: $( (grep '^FAILED' "$work/tag.out" || tail -n1 "$work/tag.err") | head -n1)"
  fi
fi

asset_count=$(printf '%s\n' "$names" | grep -c . || true)
if [ "${#failures[@]}" -gt 0 ]; then
  say "the release gate FAILED: ${#failures[@]} problem(s):"
  for f in "${failures[@]}"; do echo "  - $f" >&2; done
  summary "## Release verification gate: FAILED" "" \
    "The release was **not** made final. ${#failures[@]} problem(s):" ""
  for f in "${failures[@]}"; do summary "- \`${f%%: *}\`: ${f#*: }"; done
  summary "" "cosign checks: $cosign_state."
  exit 1
fi
cosign_note="cosign checks: $cosign_state"
[ "$cosign_state" = ran ] && cosign_note="cosign verified $checked file(s) (bundle$([ "$COSIGN_FILES" = true ] && echo " and .sig/.pem"))"
[ "$cosign_state" = skipped ] && cosign_note="cosign checks SKIPPED: cosign is not on PATH"
say "the release gate PASSED: $asset_count asset(s) and $MANIFEST verified by sigseal; $cosign_note${TAG:+; tag $TAG verified}"
summary "## Release verification gate: PASSED" "" \
  "- sigseal verify-release: $asset_count asset(s) and \`$MANIFEST\` verified as \`${IDENTITY:-$IDENTITY_RE}\` (\`$ISSUER\`)" \
  "- $cosign_note" \
  "- every file of the release is listed in \`$MANIFEST\` or is a signature of a listed file"
[ -z "$TAG" ] || summary "- tag \`$TAG\`: verified with \`sigseal verify-tag\`"
