#!/usr/bin/env bash
# Push a tag object made by `sign-tag.sh --export FILE` (in another job) to a remote.
#
# usage: scripts/release/push-tag.sh TAG --object FILE --remote REMOTE
#            --certificate-identity ID --certificate-oidc-issuer URL [--policy FILE] [--repo DIR]
#
#   TAG           the tag; the object must be a tag object named TAG
#   --object FILE the raw tag object (`git cat-file tag` output)
#   --remote R    the remote to push to (e.g. origin)
#   --certificate-identity, --certificate-oidc-issuer, --policy
#                 who may have signed it, as for sign-tag.sh: the object is verified with
#                 `sigseal verify-tag` before it is pushed
#   --repo DIR    the git repository holding the tagged commit (default: the current directory)
#
# The object must point to the commit the repository's TAG points to (the release's commit),
# so a job that pushes can only replace the tag with a signed tag of the same commit. When the
# remote already has this very tag object, nothing is pushed. sigseal is $SIGSEAL, else `sigseal`
# on PATH. Exit codes: 0 pushed or already there, 1 the object does not verify, 2 usage/environment.
set -euo pipefail
SCRIPT=push-tag.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/release/common.sh
. "$HERE/common.sh"

TAG=
OBJECT=
REMOTE=
IDENTITY=
ISSUER=
POLICY=
REPO=.
while [ $# -gt 0 ]; do
  case "$1" in
    --object) OBJECT=${2:?--object needs a value}; shift 2 ;;
    --remote) REMOTE=${2:?--remote needs a value}; shift 2 ;;
    --certificate-identity) IDENTITY=${2:?--certificate-identity needs a value}; shift 2 ;;
    --certificate-oidc-issuer) ISSUER=${2:?--certificate-oidc-issuer needs a value}; shift 2 ;;
    --policy) POLICY=${2:?--policy needs a value}; shift 2 ;;
    --repo) REPO=${2:?--repo needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) say "unknown option: $1"; usage >&2 ;;
    *) [ -z "$TAG" ] || { say "more than one tag given"; usage >&2; }; TAG=$1; shift ;;
  esac
done
[ -n "$TAG" ] || { say "no tag given"; usage >&2; }
[ -f "$OBJECT" ] || die "--object FILE is required and must exist (got '${OBJECT}')"
[ -n "$REMOTE" ] || die "--remote is required"
if [ -z "$IDENTITY" ] || [ -z "$ISSUER" ]; then
  die "--certificate-identity and --certificate-oidc-issuer are required"
fi
find_sigseal
REPO=$(cd "$REPO" && pwd)
[ -z "$POLICY" ] || POLICY=$(cd "$(dirname "$POLICY")" && pwd)/$(basename "$POLICY")
g() { git -C "$REPO" "$@"; }
REF="refs/tags/$TAG"

g rev-parse -q --verify "$REF^{commit}" >/dev/null || die "the repository has no tag $TAG to compare the object with"
COMMIT=$(g rev-parse "$REF^{commit}")
OID=$(g hash-object -t tag -w "$OBJECT") || die "$OBJECT is not a valid tag object"
header() { g cat-file tag "$OID" | sed -n "s/^$1 //p" | head -n1; }
[ "$(header tag)" = "$TAG" ] || die "the object is a tag named '$(header tag)', not $TAG"
[ "$(header object)" = "$COMMIT" ] || die "the object tags $(header object), but $TAG is $COMMIT: refusing to move the tag"

OLD=$(g rev-parse "$REF")
g update-ref "$REF" "$OID"
args=(verify-tag "$TAG" --certificate-identity "$IDENTITY" --certificate-oidc-issuer "$ISSUER")
if [ -n "$POLICY" ] && policy_has_rules "$POLICY"; then args+=(--policy "$POLICY"); fi
if ! (cd "$REPO" && "$SIGSEAL" "${args[@]}"); then
  g update-ref "$REF" "$OLD"
  say "FAILED: the tag object $OID does not verify (see above): not pushed"
  summary "### Tag $TAG: FAILED" "" "The signed tag object \`$OID\` did not verify before the push; nothing was pushed."
  exit 1
fi

remote_oid=$(g ls-remote "$REMOTE" "$REF" | cut -f1)
if [ "$remote_oid" = "$OID" ]; then
  say "$REMOTE already has tag $TAG as $OID: nothing to push"
else
  say "pushing $TAG ($OID, was ${remote_oid:-absent}) to $REMOTE"
  g push --force "$REMOTE" "$REF:$REF" >&2
  summary "### Tag $TAG: pushed" "" "Signed tag object \`$OID\` of \`$COMMIT\` pushed (it was \`${remote_oid:-absent}\`)."
fi
