#!/usr/bin/env bash
# Benchmark of offline verification (not a test): builds sigseal in release mode, starts the
# local Sigstore test stack (tests/stack/) in a temporary directory, makes a linear repository
# of N commits that real git signs through sigseal (one login, the credential agent signs every
# commit), stops the stack, then measures on this machine, over that same history:
#   - sigseal verify --all --insecure-any-identity --trusted-root T --offline   (text and JSON)
#   - git log --show-signature --format=%H, sigseal as gpg.x509.program (one run per commit)
#   - openssl speed -seconds 3 ecdsap256 ecdsap384 (the crypto ceiling, verify ops/s, 1 core)
#   - nproc, and the peak RSS of the sigseal verify run (/usr/bin/time -v)
#   - the same verify --all over a second history of M commits signed into the stack's Rekor v2
#     log (signing config with only the v2 log; each signature timestamped), next to the v1 figure
#   - the same verify --all on one core (taskset -c 0), for the scaling from one core to two
#   - the same verify --all over a packed copy of the history (git clone --mirror, git gc), as
#     a history fetched or gc'd is stored
#   - with --baseline BIN, verify --all and git log --show-signature with another sigseal binary
#     (e.g. a build of an older commit) over the same history: the "before" of each figure
# and prints a table, also written to OUT/bench-verify.txt, with each goal's ratio and whether it
# holds: verify --all at >= 75 % of the crypto limit (the P-256/P-384 verifies the history needs:
# per commit its signature, its log entry's SET and its checkpoint; per certificate its chain
# and SCT, from openssl speed on this machine, spread over every core), and >= 1.8x from one core
# to two.
# Timing uses hyperfine when installed (Debian package `hyperfine`), else bash and date
# (median of the runs). Nothing is cached outside a temporary directory, except with --keep.
#
# usage: scripts/bench-verify.sh [--commits N] [--keep DIR] [--out DIR] [--runs R]
#                                [--git-runs R] [--method commit-tree|commit] [--v2-commits M]
#                                [--baseline BIN]
#   --commits N   commits in the repository (default 10000; e.g. 200 to try it out)
#   --keep DIR    keep the signed repository (and its trusted root) in DIR and reuse it on a
#                 later run with the same N; DIR must be empty or made by this script
#   --out DIR     where bench-verify.txt goes (default: the --keep DIR, else
#                 ${CARGO_TARGET_DIR:-target}/bench-verify)
#   --runs R      timed runs of each sigseal verify command (default 5, after 1 warmup)
#   --git-runs R  timed runs of git log --show-signature (default 3)
#   --method M    how commits are made: commit-tree (default: `git commit-tree -S` plumbing, no
#                 index or work tree, the faster) or commit (`git commit --allow-empty -S`)
#   --v2-commits M commits in the Rekor v2 history (default: N; 0 skips it)
#   --baseline BIN also time this sigseal binary over the same history (printed as before -> after)
# environment: SIGSEAL_BIN=path/to/sigseal skips the build; CARGO_TARGET_DIR is respected;
#   BENCH_TIMER=bash times with bash and date even when hyperfine is installed.
# Needs git, curl, Node.js >= 18 with npm (for the stack), openssl.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

NAME=bench-verify
# shellcheck source=scripts/bench-common.sh
. "$HERE/bench-common.sh"
usage() { sed -n '/^# usage:/,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

N=10000 KEEP="" OUT="" RUNS=5 GIT_RUNS=3 METHOD=commit-tree V2_N="" BASE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --commits) N=${2:?--commits needs a number}; shift 2 ;;
    --keep) KEEP=${2:?--keep needs a directory}; shift 2 ;;
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --git-runs) GIT_RUNS=${2:?--git-runs needs a number}; shift 2 ;;
    --method) METHOD=${2:?--method needs commit-tree or commit}; shift 2 ;;
    --v2-commits) V2_N=${2:?--v2-commits needs a number}; shift 2 ;;
    --baseline) BASE=${2:?--baseline needs a sigseal binary}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench-verify: unknown argument '$1'" >&2; usage ;;
  esac
done
V2_N=${V2_N:-$N}
case "$V2_N" in ''|*[!0-9]*) die "--v2-commits takes a number, not '$V2_N'" ;; esac
for v in "$N" "$RUNS" "$GIT_RUNS"; do
  case "$v" in ''|*[!0-9]*|0) die "--commits, --runs and --git-runs take a positive integer, not '$v'" ;; esac
done
case "$METHOD" in commit-tree|commit) ;; *) die "--method is commit-tree or commit, not '$METHOD'" ;; esac
[ -z "$BASE" ] || BASE=$(baseline_binary "$BASE")
for cmd in git curl node npm openssl; do
  command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found (needs git, curl, Node.js >= 18 with npm, openssl)"
done

now() { date +%s.%N; }

# ---------------------------------------------------------------------------------------------
sigseal_binary

[ -n "$OUT" ] || OUT=$KEEP
output_dir bench-verify

isolate_environment
export GIT_AUTHOR_NAME=Alice GIT_AUTHOR_EMAIL=alice@example.com
export GIT_COMMITTER_NAME=Alice GIT_COMMITTER_EMAIL=alice@example.com

# ---------------------------------------------------------------------------------------------
# The signed repository: in --keep DIR when given (reused when it holds N commits), else in $tmp.
if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  STORE=$(cd "$KEEP" && pwd)
  if [ -n "$(ls -A "$STORE")" ] && [ ! -f "$STORE/bench-verify.meta" ]; then
    die "--keep $KEEP is not empty and was not made by this script"
  fi
else
  STORE="$tmp/store"
  mkdir "$STORE"
fi
REPO="$STORE/repo"
REPO2="$STORE/repo-rekor2"
TRUST="$STORE/trusted_root.json"
META="$STORE/bench-verify.meta"

meta() { sed -n "s/^$1=//p" "$META" 2>/dev/null | head -n 1; }

reused=0
if [ -f "$META" ] && [ "$(meta commits)" = "$N" ] && [ -f "$TRUST" ] && [ -d "$REPO" ] \
  && [ "$(git -C "$REPO" rev-list --count HEAD 2>/dev/null)" = "$N" ] && [ "$(meta v2_commits)" = "$V2_N" ]; then
  reused=1
  step "reusing the repository of $N signed commits in $KEEP"
  SIGN_SECONDS=$(meta sign_seconds) METHOD=$(meta method) FIRST_RATE=$(meta first_rate) LAST_RATE=$(meta last_rate)
  V2_SIGN_SECONDS=$(meta v2_sign_seconds)
else
  rm -rf "$REPO" "$REPO2" "$STORE/repo-packed.git" "$TRUST"
  echo "building=1" >"$META" # marks the directory as this script's before the build completes

  start_stack
  cp "$STACK/trusted_root.json" "$TRUST"
  export SIGSEAL_FULCIO_URL="$URL" SIGSEAL_REKOR_URL="$URL" SIGSEAL_OIDC_ISSUER="$OIDC"
  export SIGSEAL_TRUSTED_ROOT="$TRUST" SIGSEAL_AGENT=true
  export BROWSER="$ROOT/tests/stack/fakebrowser.sh" FAKEBROWSER_LOG="$tmp/browser.log"

  start_agent_and_login
  # Fulcio certificates live 10 minutes and the agent keeps one until 60 s before it expires:
  # log in again after 7 minutes rather than let a signature run into the expiry.
  RELOGIN_AFTER=420
  logins=1

  # sign_history DIR COUNT: a repository of COUNT signed commits; sets SIGNED_SECONDS.
  sign_history() {
    local dir=$1 count=$2 i t start last last_i parent empty_tree
    git init -q -b main "$dir"
    git -C "$dir" config gpg.format x509
    git -C "$dir" config gpg.x509.program "$BIN"
    cd "$dir"
    empty_tree=$(git mktree </dev/null)
    parent=""
    start=$(now) last=$start last_i=0 FIRST_RATE="" LAST_RATE=""
    for ((i = 1; i <= count; i++)); do
      if ((SECONDS - login_at >= RELOGIN_AFTER)); then login; logins=$((logins + 1)); fi
      if [ "$METHOD" = commit-tree ]; then
        parent=$(git commit-tree -S ${parent:+-p "$parent"} -m "commit $i" "$empty_tree") \
          || die "git commit-tree -S failed at commit $i"
      else
        git commit -q --allow-empty --no-verify -S -m "commit $i" || die "git commit -S failed at commit $i"
      fi
      if ((i % 500 == 0 || i == count)); then
        t=$(now)
        LAST_RATE=$(calc "($i - $last_i) / ($t - $last)")
        [ -n "$FIRST_RATE" ] || FIRST_RATE=$LAST_RATE
        printf '  %d/%d commits, %s commits/s over the last %d\n' "$i" "$count" "$LAST_RATE" $((i - last_i)) >&2
        last=$t last_i=$i
        if [ "$METHOD" = commit-tree ]; then git update-ref refs/heads/main "$parent"; fi
      fi
    done
    SIGNED_SECONDS=$(calc "$(now) - $start")
    cd "$ROOT"
    [ "$(git -C "$dir" rev-list --count HEAD)" = "$count" ] || die "$dir does not hold $count commits"
  }

  V2_SIGN_SECONDS=""
  if [ "$V2_N" -gt 0 ]; then
    step "making $V2_N signed commits logged in the stack's Rekor v2 log (signing config with only that log)"
    (
      unset SIGSEAL_FULCIO_URL SIGSEAL_REKOR_URL
      export SIGSEAL_SIGNING_CONFIG="$STACK/signing_config_v2.json"
      sign_history "$REPO2" "$V2_N"
      echo "$SIGNED_SECONDS" >"$tmp/v2-seconds"
    )
    V2_SIGN_SECONDS=$(cat "$tmp/v2-seconds" 2>/dev/null) || die "signing the Rekor v2 history failed"
  fi

  step "making $N signed commits with git ($METHOD -S, sigseal as gpg.x509.program)"
  sign_history "$REPO" "$N"
  SIGN_SECONDS=$SIGNED_SECONDS
  [ "$(git -C "$REPO" rev-list --count HEAD)" = "$N" ] || die "the repository does not hold $N commits"
  step "signed $N commits in ${SIGN_SECONDS} s ($(calc "$N / $SIGN_SECONDS") commits/s, $logins login(s))"

  # Verification is offline: stop the agent and the stack so they cost nothing while timing.
  stop_agent
  stop_stack
  unset SIGSEAL_FULCIO_URL SIGSEAL_REKOR_URL SIGSEAL_OIDC_ISSUER SIGSEAL_TRUSTED_ROOT SIGSEAL_AGENT BROWSER
  printf 'commits=%s\nmethod=%s\nsign_seconds=%s\nfirst_rate=%s\nlast_rate=%s\nsigseal=%s\nv2_commits=%s\nv2_sign_seconds=%s\n' \
    "$N" "$METHOD" "$SIGN_SECONDS" "$FIRST_RATE" "$LAST_RATE" "$VERSION" "$V2_N" "$V2_SIGN_SECONDS" >"$META"
fi
git -C "$REPO" config gpg.format x509
git -C "$REPO" config gpg.x509.program "$BIN"
SIGN_RATE=$(calc "$N / $SIGN_SECONDS")

# ---------------------------------------------------------------------------------------------
# Timing helpers. time_cmd NAME WARMUP RUNS CMD...: sets MEDIAN (seconds) and SPREAD (min-max).
HAVE_HYPERFINE=0
[ "${BENCH_TIMER:-}" != bash ] && command -v hyperfine >/dev/null 2>&1 && HAVE_HYPERFINE=1
time_cmd() {
  local name=$1 warmup=$2 runs=$3
  shift 3
  if [ "$HAVE_HYPERFINE" = 1 ]; then
    local cmdline="" a
    for a in "$@"; do cmdline+="$(printf '%q' "$a") "; done
    hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
      --export-csv "$tmp/hf-$name.csv" -n "$name" "$cmdline" >&2
    # header: command,mean,stddev,median,user,system,min,max
    MEDIAN=$(awk -F, 'NR == 2 { print $4 }' "$tmp/hf-$name.csv")
    SPREAD=$(awk -F, 'NR == 2 { printf "%.4g-%.4g", $7, $8 }' "$tmp/hf-$name.csv")
  else
    local i t0 t1 times=()
    for ((i = 0; i < warmup; i++)); do "$@" >/dev/null 2>&1; done
    for ((i = 0; i < runs; i++)); do
      t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
      times+=("$(calc "$t1 - $t0")")
      printf '  %s run %d: %s s\n' "$name" $((i + 1)) "${times[-1]}" >&2
    done
    MEDIAN=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
    SPREAD=$(printf '%s\n' "${times[@]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.4g-%.4g", lo, hi }')
  fi
}
# peak_rss CMD...: maximum resident set size in KiB, or "n/a".
peak_rss() {
  if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
    /usr/bin/time -v -o "$tmp/time.txt" "$@" >/dev/null 2>&1 || true
    sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tmp/time.txt"
  else
    echo "n/a"
  fi
}

# The load average before and after the timing tells whether something else shared the cores.
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load averages*: *//'; }
LOAD_BEFORE=$(loadavg)
cd "$REPO"
NOTES=()
VERIFY=("$BIN" verify --all --insecure-any-identity --trusted-root "$TRUST" --offline)
ONE_CORE_S="" BASE_V_S="" BASE_ONE_CORE_S="" BASE_G_S="" V_S="" CERTS="" PACKED_S="" BASE_PACKED_S="" PACKED_RSS=""
RSS_UNIT="" V_TEXT="n/a" V_TEXT_S="" V_JSON="n/a" V_JSON_S="" RSS="n/a" RSS_JSON="n/a" V2_TEXT="n/a" V2_TEXT_S="(--v2-commits 0)"
if "$BIN" verify --help >/dev/null 2>&1; then
  step "checking: sigseal verify --all"
  set +e
  "${VERIFY[@]}" >"$tmp/verify.txt" 2>"$tmp/verify.err"; rc=$?
  "${VERIFY[@]}" --output json >"$tmp/verify.json" 2>>"$tmp/verify.err"; rc_json=$?
  set -e
  if [ "$rc" != 0 ] || [ "$rc_json" != 0 ]; then
    head -n 20 "$tmp/verify.err" >&2
    die "sigseal verify --all failed (exit $rc, with --output json exit $rc_json)"
  fi
  tail -n 3 "$tmp/verify.txt" >&2
  if command -v jq >/dev/null 2>&1; then
    verified=$(jq -r '.summary.verified // empty' "$tmp/verify.json")
    [ "$verified" = "$N" ] || die "sigseal verify --all --output json reports '$verified' verified objects, not $N"
    echo "sigseal verify --all --output json: $verified of $N commits verified" >&2
    CERTS=$(jq -r '.objects[].certificate.sha1_fingerprint // empty' "$tmp/verify.json" | sort -u | wc -l)
  else
    NOTES+=("jq not installed: the count of verified commits was not checked")
  fi

  step "timing: sigseal verify --all ($RUNS runs)"
  time_cmd verify 1 "$RUNS" "${VERIFY[@]}"
  V_S=$MEDIAN
  V_TEXT="$(calc "$N / $MEDIAN") commits/s" V_TEXT_S="median $(calc "$MEDIAN") s, runs $SPREAD s"
  step "timing: sigseal verify --all --output json ($RUNS runs)"
  time_cmd verify-json 1 "$RUNS" "${VERIFY[@]}" --output json
  V_JSON="$(calc "$N / $MEDIAN") commits/s" V_JSON_S="median $(calc "$MEDIAN") s, runs $SPREAD s"
  if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
    step "timing: sigseal verify --all on one core (taskset -c 0, $RUNS runs)"
    time_cmd verify-1core 1 "$RUNS" taskset -c 0 "${VERIFY[@]}"
    ONE_CORE_S=$MEDIAN
  else
    NOTES+=("the one-core run was skipped: it needs taskset and two cores")
  fi
  PACKED="$STORE/repo-packed.git"
  if [ ! -d "$PACKED" ]; then
    step "packing a copy of the history (git clone --mirror, git gc)"
    { git clone -q --mirror "$REPO" "$PACKED" && git -C "$PACKED" gc -q; } || die "could not make the packed copy"
  fi
  step "timing: sigseal verify --all over the packed copy ($RUNS runs)"
  (cd "$PACKED" && "${VERIFY[@]}" >/dev/null 2>&1) || die "sigseal verify --all failed on the packed copy"
  cd "$PACKED"
  time_cmd verify-packed 1 "$RUNS" "${VERIFY[@]}"
  PACKED_S=$MEDIAN PACKED_SPREAD=$SPREAD
  [ -z "$BASE" ] || { time_cmd verify-packed-base 1 "$RUNS" "$BASE" "${VERIFY[@]:1}"; BASE_PACKED_S=$MEDIAN; }
  PACKED_RSS=$(peak_rss "${VERIFY[@]}")
  cd "$REPO"
  if [ -n "$BASE" ]; then
    step "timing: the baseline's verify --all ($RUNS runs)"
    BASE_VERIFY=("$BASE" "${VERIFY[@]:1}")
    "${BASE_VERIFY[@]}" >/dev/null 2>&1 || die "the baseline's verify --all failed"
    time_cmd verify-base 1 "$RUNS" "${BASE_VERIFY[@]}"
    BASE_V_S=$MEDIAN
    if [ -n "$ONE_CORE_S" ]; then
      time_cmd verify-base-1core 1 "$RUNS" taskset -c 0 "${BASE_VERIFY[@]}"
      BASE_ONE_CORE_S=$MEDIAN
    fi
  fi
  if [ "$V2_N" -gt 0 ]; then
    step "checking and timing: sigseal verify --all over the Rekor v2 history ($RUNS runs)"
    (cd "$REPO2" && "${VERIFY[@]}" >"$tmp/verify-v2.txt" 2>"$tmp/verify-v2.err") \
      || { head -n 20 "$tmp/verify-v2.err" >&2; die "sigseal verify --all failed on the Rekor v2 history"; }
    tail -n 1 "$tmp/verify-v2.err" >&2
    cd "$REPO2"
    time_cmd verify-v2 1 "$RUNS" "${VERIFY[@]}"
    cd "$REPO"
    V2_TEXT="$(calc "$V2_N / $MEDIAN") commits/s" V2_TEXT_S="median $(calc "$MEDIAN") s, runs $SPREAD s, $V2_N commits"
  fi
  RSS=$(peak_rss "${VERIFY[@]}")
  RSS_JSON=$(peak_rss "${VERIFY[@]}" --output json)
  if [ "$RSS" = n/a ]; then NOTES+=("peak RSS skipped: /usr/bin/time -v is not available"); else RSS_UNIT=" KiB"; fi
else
  NOTES+=("sigseal verify skipped: this sigseal has no 'verify' subcommand")
fi

step "checking: git log --show-signature (sigseal once per commit)"
export SIGSEAL_TRUSTED_ROOT="$TRUST"
GITLOG=(git log --show-signature --format=%H)
git log --show-signature -1 >&2 || die "git log --show-signature failed"
good=$(git log --format=%G? | grep -c '^[GU]$' || true)
[ "$good" = "$N" ] || die "git reports $good good signatures out of $N"
step "timing: git log --show-signature --format=%H ($GIT_RUNS runs)"
time_cmd git-log 0 "$GIT_RUNS" "${GITLOG[@]}"
G_RATE="$(calc "$N / $MEDIAN") commits/s" G_S="median $(calc "$MEDIAN") s, runs $SPREAD s" G_MEDIAN=$MEDIAN
if [ -n "$BASE" ]; then
  step "timing: git log --show-signature with the baseline ($GIT_RUNS runs)"
  time_cmd git-log-base 0 "$GIT_RUNS" git -c gpg.x509.program="$BASE" log --show-signature --format=%H
  BASE_G_S=$MEDIAN
fi
unset SIGSEAL_TRUSTED_ROOT
cd "$ROOT"

step "openssl speed -seconds 3 ecdsap256 ecdsap384"
openssl speed -seconds 3 ecdsap256 ecdsap384 >"$tmp/openssl.txt" 2>/dev/null || die "openssl speed failed"
P256=$(awk '/ecdsa \(nistp256\)/ { v = $NF } END { print v }' "$tmp/openssl.txt")
P384=$(awk '/ecdsa \(nistp384\)/ { v = $NF } END { print v }' "$tmp/openssl.txt")
CORES=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
# The crypto limit: the verifies this history needs, at openssl's rate, spread over every core.
LIMIT_S=""
if [ -n "$V_S" ] && [ -n "$CERTS" ] && [ -n "$P256" ] && [ -n "$P384" ]; then
  LIMIT_S=$(calc "($N * 3 / $P256 + $CERTS * (1 / $P384 + 1 / $P256)) / $CORES")
fi
LOAD_AFTER=$(loadavg)
[ "$HAVE_HYPERFINE" = 1 ] && TIMER="hyperfine $(hyperfine --version | awk '{ print $2 }'), median" \
  || TIMER="bash + date, median (hyperfine not installed)"

# ---------------------------------------------------------------------------------------------
REPORT="$OUT/bench-verify.txt"
{
  echo "sigseal verify benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "$VERSION; $(git --version); $(openssl version | awk '{ print $1, $2 }'); timing: $TIMER"
  echo "$N signed commits (linear history, empty trees), $CORES cores ($(uname -sm))"
  echo
  printf '%-52s %s\n' "what" "result"
  printf '%-52s %s\n' "----" "------"
  printf '%-52s %-20s %s s for %s commits, git %s -S%s\n' "signing via local stack + agent" \
    "$SIGN_RATE commits/s" "$SIGN_SECONDS" "$N" "$METHOD" "$([ "$reused" = 1 ] && echo ', from the kept build')"
  [ -z "$FIRST_RATE" ] || [ "$N" -le 500 ] || printf '%-52s %s -> %s commits/s (first and last 500)\n' \
    "  signing rate as the log grows" "$FIRST_RATE" "$LAST_RATE"
  printf '%-52s %-20s %s\n' "sigseal verify --all --offline" "$V_TEXT" "$V_TEXT_S"
  [ -z "$BASE_V_S" ] || printf '%-52s %-20s median %s s (before -> after: %s -> %s commits/s, %sx)\n' "  the baseline's verify --all" \
    "$(calc "$N / $BASE_V_S") commits/s" "$(calc "$BASE_V_S")" "$(calc "$N / $BASE_V_S")" "$(calc "$N / $V_S")" "$(calc "$BASE_V_S / $V_S")"
  if [ -n "$LIMIT_S" ]; then
    printf '%-52s %-20s %s\n' "  crypto limit on this machine" "$(calc "$N / $LIMIT_S") commits/s" \
      "$LIMIT_S s: $N x 3 P-256 verifies + $CERTS certificate(s) x (1 P-384 + 1 P-256), over $CORES cores"
    printf '%-52s %-20s %s\n' "  share of the crypto limit reached" "$(calc "100 * $LIMIT_S / $V_S") %" \
      "goal >= 75 %: $(holds "$LIMIT_S / $V_S >= 0.75")${BASE_V_S:+ (before: $(calc "100 * $LIMIT_S / $BASE_V_S") %)}"
  fi
  if [ -n "$ONE_CORE_S" ]; then
    printf '%-52s %-20s %s\n' "  one core -> two cores" "$(calc "$ONE_CORE_S / $V_S")x" \
      "one core median $(calc "$ONE_CORE_S") s; goal >= 1.8x: $(holds "$ONE_CORE_S / $V_S >= 1.8")${BASE_ONE_CORE_S:+ (before: $(calc "$BASE_ONE_CORE_S / $BASE_V_S")x)}"
  fi
  printf '%-52s %-20s %s\n' "sigseal verify --all --offline --output json" "$V_JSON" "$V_JSON_S"
  [ -z "$PACKED_S" ] || printf '%-52s %-20s %s\n' "sigseal verify --all --offline, packed copy" "$(calc "$N / $PACKED_S") commits/s" \
    "median $(calc "$PACKED_S") s, runs $PACKED_SPREAD s, peak RSS $PACKED_RSS${RSS_UNIT}${BASE_PACKED_S:+ (before: $(calc "$BASE_PACKED_S") s)}"
  printf '%-52s %-20s %s\n' "sigseal verify --all --offline, Rekor v2 history" "$V2_TEXT" "$V2_TEXT_S"
  [ -z "$V2_SIGN_SECONDS" ] || printf '%-52s %-20s %s s for %s commits (each also timestamped)\n' \
    "signing into Rekor v2 via local stack + agent" "$(calc "$V2_N / $V2_SIGN_SECONDS") commits/s" "$V2_SIGN_SECONDS" "$V2_N"
  printf '%-52s %-20s %s\n' "git log --show-signature (sigseal per commit)" "$G_RATE" "$G_S"
  [ -z "$BASE_G_S" ] || printf '%-52s %-20s median %s s (before -> after: %sx)\n' "  with the baseline binary" \
    "$(calc "$N / $BASE_G_S") commits/s" "$(calc "$BASE_G_S")" "$(calc "$BASE_G_S / $G_MEDIAN")"
  printf '%-52s %s verify/s (1 core)\n' "openssl speed ecdsap256" "$P256"
  printf '%-52s %s verify/s (1 core)\n' "openssl speed ecdsap384" "$P384"
  printf '%-52s %s\n' "cores (nproc)" "$CORES"
  printf '%-52s %s / %s\n' "load average before / after the timing" "$LOAD_BEFORE" "$LOAD_AFTER"
  printf '%-52s %s\n' "peak RSS, sigseal verify --all" "$RSS${RSS_UNIT}"
  printf '%-52s %s\n' "peak RSS, sigseal verify --all --output json" "$RSS_JSON${RSS_UNIT}"
  for n in ${NOTES[@]+"${NOTES[@]}"}; do echo "note: $n"; done
} >"$REPORT"
echo
cat "$REPORT"
echo
echo "written to $REPORT"
