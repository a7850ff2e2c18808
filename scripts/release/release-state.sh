#!/usr/bin/env bash
# Move a GitHub release between "pre-release" (held: assets not yet verified) and final.
#
# usage: scripts/release/release-state.sh hold TAG
#        scripts/release/release-state.sh final TAG
#        scripts/release/release-state.sh report TAG JOB=RESULT...
#
#   hold    mark the release of TAG a pre-release, so that it is not shown as the latest
#           release while its assets are being signed, uploaded and checked
#   final   after the verification gate passed: mark it a full release and the latest one
#           (`--prerelease=false --latest`), unless TAG carries a SemVer pre-release part
#           (v1.2.0-rc.1, v2.0.0-beta), which stays a pre-release (not marked latest)
#   report  write which jobs did not succeed (JOB=RESULT as GitHub reports them: success,
#           failure, cancelled, skipped) to the step summary, and say that the release stays
#           a pre-release; exits 0
#
# Runs `gh release edit TAG --repo $GITHUB_REPOSITORY ...` ($GH overrides `gh`; GH_TOKEN must
# allow `contents: write`). With GITHUB_STEP_SUMMARY set, the change is appended to it.
set -euo pipefail
SCRIPT=release-state.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/release/common.sh
. "$HERE/common.sh"

case "${1:-}" in -h|--help) usage 0 ;; esac
[ $# -ge 2 ] || { say "need a command and a tag"; usage >&2; }
CMD=$1
TAG=$2
shift 2
GH=${GH:-gh}
REPO_ARGS=()
[ -z "${GITHUB_REPOSITORY:-}" ] || REPO_ARGS=(--repo "$GITHUB_REPOSITORY")

# A SemVer pre-release: a hyphen after MAJOR.MINOR.PATCH (v1.2.0-rc.1).
is_prerelease_tag() { [[ $1 =~ ^v?[0-9]+\.[0-9]+\.[0-9]+-[0-9A-Za-z.-]+(\+.*)?$ ]]; }

case "$CMD" in
  hold)
    [ $# -eq 0 ] || { say "hold takes no more arguments"; usage >&2; }
    say "marking release $TAG a pre-release until the verification gate passes"
    "$GH" release edit "$TAG" "${REPO_ARGS[@]+"${REPO_ARGS[@]}"}" --prerelease
    summary "### Release $TAG held as a pre-release" "" \
      "It stays a pre-release until its assets are signed, uploaded and pass the verification gate."
    ;;
  final)
    [ $# -eq 0 ] || { say "final takes no more arguments"; usage >&2; }
    if is_prerelease_tag "$TAG"; then
      say "$TAG is a SemVer pre-release: it stays a pre-release (verified)"
      summary "### Release $TAG verified" "" "The gate passed. \`$TAG\` is a SemVer pre-release, so the release stays a pre-release."
    else
      say "marking release $TAG final (not a pre-release) and the latest release"
      "$GH" release edit "$TAG" "${REPO_ARGS[@]+"${REPO_ARGS[@]}"}" --prerelease=false --latest
      summary "### Release $TAG is final" "" "The gate passed: the release is no longer a pre-release and is marked latest."
    fi
    ;;
  report)
    failed=()
    for kv in "$@"; do
      case "$kv" in
        *=success|*=skipped) ;;
        *=*) failed+=("$kv") ;;
        *) die "not JOB=RESULT: $kv" ;;
      esac
    done
    if [ "${#failed[@]}" -eq 0 ]; then
      say "every job succeeded"
      exit 0
    fi
    say "release $TAG stays a pre-release: ${failed[*]}"
    summary "## Release $TAG stays a pre-release" "" "These jobs did not succeed, so the release was not made final:" ""
    for kv in "${failed[@]}"; do summary "- \`${kv%%=*}\`: ${kv#*=}"; done
    summary "" "Fix the cause and re-run the failed jobs (or the workflow); the release is promoted only after the verification gate passes."
    ;;
  *) say "unknown command: $CMD"; usage >&2 ;;
esac
