#!/usr/bin/env bash
# Sign release assets with `sigseal sign-release`: a signed SHA256SUMS, a Sigstore bundle per
# asset, and cosign's .sig/.pem files beside each asset and the manifest.
#
# usage: scripts/release/sign-assets.sh DIR | FILE... [--manifest NAME] [--no-cosign-files]
#
#   DIR              every regular file directly in DIR is an asset (sign-release's rules:
#                    dotfiles, the manifest, bundles and cosign files of assets are skipped)
#   FILE...          exactly these assets, which must all be in one directory
#   --manifest NAME  the checksum manifest's name (default: SHA256SUMS)
#   --no-cosign-files  write no .sig/.pem (bundles only)
#
# Signs with one key and one certificate for the whole run: on GitHub Actions with the job's
# ambient OIDC token (`id-token: write`), elsewhere with whatever sigseal finds (a token, the
# agent, a login). sigseal is $SIGSEAL, else `sigseal` on PATH.
# Prints every file the run signed or wrote (assets, manifest, bundles, .sig, .pem), one path a
# line. With GITHUB_OUTPUT set, writes `signed-files` (those paths, one a line), `manifest`
# (the manifest's path) and `dir`; with GITHUB_STEP_SUMMARY set, appends a table of the assets.
# Exit codes: those of sigseal sign-release (0 signed, 1 self-check failed, 2 usage/environment).
set -euo pipefail
SCRIPT=sign-assets.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/release/common.sh
. "$HERE/common.sh"

MANIFEST=SHA256SUMS
COSIGN=true
INPUTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --manifest) MANIFEST=${2:?--manifest needs a value}; shift 2 ;;
    --no-cosign-files) COSIGN=false; shift ;;
    -h|--help) usage 0 ;;
    -*) say "unknown option: $1"; usage >&2 ;;
    *) INPUTS+=("$1"); shift ;;
  esac
done
[ "${#INPUTS[@]}" -gt 0 ] || { say "no directory or assets given"; usage >&2; }
find_sigseal

if [ "${#INPUTS[@]}" -eq 1 ] && [ -d "${INPUTS[0]}" ]; then
  DIR=$(cd "${INPUTS[0]}" && pwd)
else
  for f in "${INPUTS[@]}"; do
    [ -f "$f" ] || die "not a file: $f"
  done
  DIR=$(cd "$(dirname "${INPUTS[0]}")" && pwd)
  for f in "${INPUTS[@]}"; do
    [ "$(cd "$(dirname "$f")" && pwd)" = "$DIR" ] ||
      die "all assets must be in one directory (the manifest lists names relative to it): $f is not in $DIR"
  done
fi

args=(sign-release --manifest "$MANIFEST")
[ "$COSIGN" = false ] || args+=(--cosign-files)
say "sigseal ${args[*]} ${INPUTS[*]}"
rc=0
"$SIGSEAL" "${args[@]}" "${INPUTS[@]}" || rc=$?
if [ "$rc" -ne 0 ]; then
  summary "### Signing release assets: FAILED" "" "\`sigseal sign-release\` exited with $rc (see the job log); nothing was written."
  say "FAILED: sigseal sign-release exited with $rc; no signatures were written"
  exit "$rc"
fi

names=$(manifest_names "$DIR/$MANIFEST")
files=()
add() { [ -f "$1" ] || die "sigseal reported success but $1 is missing"; files+=("$1"); }
while IFS= read -r n; do
  [ -n "$n" ] || continue
  add "$DIR/$n"
  add "$DIR/$n.sigstore.json"
  if [ "$COSIGN" = true ]; then add "$DIR/$n.sig"; add "$DIR/$n.pem"; fi
done <<<"$names"
add "$DIR/$MANIFEST"
add "$DIR/$MANIFEST.sigstore.json"
if [ "$COSIGN" = true ]; then add "$DIR/$MANIFEST.sig"; add "$DIR/$MANIFEST.pem"; fi

count=$(printf '%s\n' "$names" | grep -c .)
say "signed $count asset(s) and $MANIFEST in $DIR: ${#files[@]} files"
summary "### Signed release assets" "" "| asset | sha256 |" "|---|---|"
while IFS= read -r line; do
  [ -n "$line" ] || continue
  summary "| \`${line:66}\` | \`${line:0:64}\` |"
done <"$DIR/$MANIFEST"
summary "" "Manifest \`$MANIFEST\` and a Sigstore bundle per file$([ "$COSIGN" = true ] && echo ", plus cosign's \`.sig\`/\`.pem\`")."

list=$(printf '%s\n' "${files[@]}")
set_output signed-files "$list"
set_output manifest "$DIR/$MANIFEST"
set_output dir "$DIR"
printf '%s\n' "$list"
