# shellcheck shell=bash
# Helpers shared by scripts/release/*.sh (sourced, not run). Each script sets SCRIPT first.
#
#   say MSG...              a line on stderr, prefixed with the script's name
#   die MSG...              say "error: MSG" and exit 2 (usage or environment error)
#   usage [CODE]            print the script's header comment (its usage text) and exit
#   summary LINE...         append Markdown lines to $GITHUB_STEP_SUMMARY when it is set
#   set_output NAME VALUE   write NAME=VALUE to $GITHUB_OUTPUT when it is set (VALUE may span lines)
#   find_sigseal            set SIGSEAL to the sigseal to run: $SIGSEAL, else `sigseal` on PATH
#   policy_has_rules FILE   true when FILE holds at least one rule (a line that is not blank or a comment)
#   manifest_names FILE     the asset names a sha256sum-format manifest lists, one per line

say() { echo "$SCRIPT: $*" >&2; }
die() { echo "$SCRIPT: error: $*" >&2; exit 2; }

usage() {
  sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit "${1:-2}"
}

summary() {
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] || return 0
  printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"
}

set_output() {
  [ -n "${GITHUB_OUTPUT:-}" ] || return 0
  local name=$1 value=$2 delim
  delim="EOF_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s<<%s\n%s\n%s\n' "$name" "$delim" "$value" "$delim" >>"$GITHUB_OUTPUT"
}

find_sigseal() {
  local s=${SIGSEAL:-sigseal}
  if ! SIGSEAL=$(command -v "$s"); then
    die "sigseal not found ('$s'): put it on PATH or set SIGSEAL=/path/to/sigseal"
  fi
}

policy_has_rules() {
  [ -f "$1" ] && grep -Eqv '^[[:space:]]*(#.*)?$' "$1"
}

manifest_names() {
  local line name
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    [ -n "$line" ] || continue
    case "$line" in
      \\*) die "$1 lists a name that needs escaping ($line): release asset names must be plain" ;;
    esac
    if [ "${#line}" -le 66 ] || ! [[ ${line:0:64} =~ ^[0-9a-fA-F]{64}$ ]] ||
      { [ "${line:64:2}" != "  " ] && [ "${line:64:2}" != " *" ]; }; then
      die "$1 is not in sha256sum's format: $line"
    fi
    name=${line:66}
    printf '%s\n' "$name"
  done <"$1"
}
