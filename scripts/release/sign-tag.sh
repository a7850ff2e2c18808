#!/usr/bin/env bash
# Make a release tag a signed annotated tag, or check the signature it already has.
#
# usage: scripts/release/sign-tag.sh TAG --certificate-identity ID --certificate-oidc-issuer URL
#            [--policy FILE] [--repo DIR] [--export FILE] [--push REMOTE]
#
#   TAG                         the tag (refs/tags/TAG must exist in the repository)
#   --certificate-identity ID   the identity this run signs as; on GitHub Actions that is
#                               https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/TAG
#   --certificate-oidc-issuer URL  its OIDC issuer (GitHub: https://token.actions.githubusercontent.com)
#   --policy FILE               the maintainers' allowed signers (sigseal's policy-file format);
#                               a file without any rule (only comments) counts as no maintainers
#   --repo DIR                  the git repository (default: the current directory)
#   --export FILE               write the resulting tag object (raw, as `git cat-file tag`) to FILE,
#                               for a later job to push with push-tag.sh
#   --push REMOTE               push the re-signed tag to REMOTE (git push --force, tag only)
#
# What it does:
#   - the tag is already signed: it is verified with `sigseal verify-tag` and must be signed by a
#     maintainer of --policy or by ID itself (a re-run). It is never re-signed or replaced. A
#     signature by anyone else fails the run (exit 1).
#   - the tag is lightweight or an unsigned annotated tag: it is replaced by a signed annotated
#     tag of the same commit (the annotated tag's message is kept; a lightweight tag gets the
#     message TAG), signed by sigseal as git's x509 signing program with this run's identity
#     (on GitHub Actions the job's ambient OIDC token, which needs `id-token: write`). The new tag
#     is verified against ID before anything else happens; if that fails, the old tag is restored.
#
# sigseal is $SIGSEAL, else `sigseal` on PATH; its configuration (Fulcio, Rekor, trusted root)
# comes from the environment as usual. The tagger is git's committer identity (user.name and
# user.email, or GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL). With GITHUB_STEP_SUMMARY set, the
# outcome is appended to it; with GITHUB_OUTPUT set, `resigned=true|false` and `tag-object=OID`.
# Exit codes: 0 signed or verified, 1 the tag's signature is not acceptable, 2 usage or environment.
set -euo pipefail
SCRIPT=sign-tag.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/release/common.sh
. "$HERE/common.sh"

TAG=
IDENTITY=
ISSUER=
POLICY=
REPO=.
EXPORT=
PUSH=
while [ $# -gt 0 ]; do
  case "$1" in
    --certificate-identity) IDENTITY=${2:?--certificate-identity needs a value}; shift 2 ;;
    --certificate-oidc-issuer) ISSUER=${2:?--certificate-oidc-issuer needs a value}; shift 2 ;;
    --policy) POLICY=${2:?--policy needs a value}; shift 2 ;;
    --repo) REPO=${2:?--repo needs a value}; shift 2 ;;
    --export) EXPORT=${2:?--export needs a value}; shift 2 ;;
    --push) PUSH=${2:?--push needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) say "unknown option: $1"; usage >&2 ;;
    *) [ -z "$TAG" ] || { say "more than one tag given: $TAG, $1"; usage >&2; }; TAG=$1; shift ;;
  esac
done
[ -n "$TAG" ] || { say "no tag given"; usage >&2; }
[ -n "$IDENTITY" ] || die "--certificate-identity is required: the identity this run signs as"
[ -n "$ISSUER" ] || die "--certificate-oidc-issuer is required"
[ -d "$REPO" ] || die "no directory $REPO"
REPO=$(cd "$REPO" && pwd)
if [ -n "$POLICY" ]; then
  [ -f "$POLICY" ] || die "no policy file $POLICY"
  POLICY=$(cd "$(dirname "$POLICY")" && pwd)/$(basename "$POLICY")
fi
if [ -n "$EXPORT" ]; then
  mkdir -p "$(dirname "$EXPORT")"
  EXPORT=$(cd "$(dirname "$EXPORT")" && pwd)/$(basename "$EXPORT")
fi
find_sigseal

g() { git -C "$REPO" "$@"; }
REF="refs/tags/$TAG"
g rev-parse -q --verify "$REF" >/dev/null || die "no tag $TAG in $REPO"
OLD=$(g rev-parse "$REF")
COMMIT=$(g rev-parse "$REF^{commit}")
KIND=$(g cat-file -t "$REF")

# verify-tag with the signers this script accepts: ID, and the maintainers' rules when any.
verify() {
  local args=(verify-tag "$TAG" --certificate-identity "$IDENTITY" --certificate-oidc-issuer "$ISSUER")
  if [ -n "$POLICY" ] && policy_has_rules "$POLICY"; then
    args+=(--policy "$POLICY")
  fi
  (cd "$REPO" && "$SIGSEAL" "${args[@]}")
}

finish() { # finish RESIGNED
  local oid
  oid=$(g rev-parse "$REF")
  if [ -n "$EXPORT" ]; then
    g cat-file tag "$oid" >"$EXPORT"
    say "tag object $oid written to $EXPORT"
  fi
  set_output resigned "$1"
  set_output tag-object "$oid"
}

signed=false
if [ "$KIND" = tag ] && g cat-file tag "$REF" | grep -Eq -- '^-----BEGIN (SIGNED MESSAGE|PGP SIGNATURE|SSH SIGNATURE)-----$'; then
  signed=true
fi

if [ "$signed" = true ]; then
  if [ -n "$POLICY" ] && policy_has_rules "$POLICY"; then
    who="a maintainer listed in $(basename "$POLICY") or $IDENTITY"
  else
    who="$IDENTITY (no maintainer rules${POLICY:+ in $(basename "$POLICY")})"
  fi
  say "tag $TAG is already signed: verifying it (allowed signers: $who); it is not re-signed"
  if ! verify; then
    say "FAILED: tag $TAG carries a signature, but not by an allowed signer ($who): it is neither accepted nor replaced"
    summary "### Tag $TAG: FAILED" "" \
      "The tag is already signed, but \`sigseal verify-tag\` does not accept its signer (allowed: $who)." \
      "It was not re-signed. Add the signer to the maintainers' policy, or re-create the tag unsigned and run the release again."
    exit 1
  fi
  summary "### Tag $TAG: already signed" "" "Verified with \`sigseal verify-tag\` (allowed: $who); kept as it is, not re-signed."
  finish false
  exit 0
fi

# Unsigned: make a signed annotated tag of the same commit.
msg=$(mktemp)
trap 'rm -f "$msg"' EXIT
if [ "$KIND" = tag ]; then
  g for-each-ref --format='%(contents)' "$REF" >"$msg"
  what="an unsigned annotated tag"
else
  printf '%s\n' "$TAG" >"$msg"
  what="a lightweight tag"
fi
[ -s "$msg" ] || printf '%s\n' "$TAG" >"$msg"
g var GIT_COMMITTER_IDENT >/dev/null 2>&1 ||
  die "git has no tagger identity: set user.name and user.email, or GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL"

say "tag $TAG is $what of $COMMIT: signing it as $IDENTITY"
if ! g -c gpg.format=x509 -c gpg.x509.program="$SIGSEAL" -c tag.gpgSign=true \
    tag -s -f --cleanup=whitespace -F "$msg" "$TAG" "$COMMIT" >&2; then
  g update-ref "$REF" "$OLD"
  summary "### Tag $TAG: FAILED" "" "Signing the tag failed (see the job log); the tag was left as it was."
  die "git tag -s failed (see above); the tag is unchanged"
fi
NEW=$(g rev-parse "$REF")
if [ "$(g rev-parse "$REF^{commit}")" != "$COMMIT" ]; then
  g update-ref "$REF" "$OLD"
  die "the signed tag does not point to $COMMIT: restored the old tag"
fi
if ! verify; then
  g update-ref "$REF" "$OLD"
  say "FAILED: the new signature of $TAG does not verify as $IDENTITY ($ISSUER): the old tag is restored"
  summary "### Tag $TAG: FAILED" "" "The new signature does not verify as \`$IDENTITY\`; the tag was restored as it was."
  exit 1
fi
say "tag $TAG signed: tag object $NEW, commit $COMMIT"
summary "### Tag $TAG: signed" "" "Signed annotated tag object \`$NEW\` of commit \`$COMMIT\`, signed as \`$IDENTITY\` (issuer \`$ISSUER\`)."

if [ -n "$PUSH" ]; then
  say "pushing $REF to $PUSH (replacing the unsigned tag)"
  g push --force "$PUSH" "$REF:$REF" >&2
fi
finish true
