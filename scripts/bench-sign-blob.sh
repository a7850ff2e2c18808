#!/usr/bin/env bash
# Benchmark of signing one large release asset (not a test): builds sigseal in release mode,
# makes a file of SIZE random bytes (default 1 GiB) in a temporary directory, starts the local
# Sigstore test stack (tests/stack/) there, then measures on this machine:
#   - sha256sum FILE                                       (wall time, the hashing reference)
#   - openssl dgst -sha256 FILE, when openssl is installed (wall time; a second reference,
#     because a sha256sum built without OpenSSL, as Debian's, does not use SHA-NI)
#   - sigseal sign-blob FILE --bundle OUT                  (wall time and peak RSS)
#   - sigseal sign-blob SMALL --bundle OUT (a 4 KiB file:  the fixed login-free network and
#     crypto cost: Fulcio certificate, signature, Rekor entry)
#   - sigseal verify-blob FILE --bundle OUT --certificate-identity .. --offline, once (wall time
#     and peak RSS), which also proves the timed signing runs made a valid bundle
#   - sigseal sign-release of K files of M MiB (default 8 x 256), on every core and on one core
#     (taskset -c 0): the files are hashed in parallel, and the ratio is the speed-up
#   - with --baseline BIN, sign-blob FILE and both sign-release runs with another sigseal binary
#     (e.g. a build of an older commit): the "before" of each figure
# Every timed command gets the same warm page cache: one warm-up read of FILE comes first, and
# each timing is the median of R runs. sigseal's hashing share is its sign-blob time minus the
# small-file sign-blob time; the table gives its ratio to sha256sum and whether the goals hold
# (hashing within 10 % of sha256sum and at >= 90 % of openssl dgst -sha256's throughput, peak
# RSS of sign-blob <= 30 MB, sign-release >= 1.7x faster on two cores than on one), with nproc, the CPU
# model and whether the CPU has SHA-NI. The table is also written to OUT/bench-sign-blob.txt.
# Each sign-blob run signs with a fresh ID token from the stack's OIDC issuer
# (SIGSTORE_ID_TOKEN; no agent, no login). Wall times come from bash's clock around
# /usr/bin/time -v, which also gives the peak RSS. Nothing is cached outside a temporary
# directory, except with --keep.
#
# usage: scripts/bench-sign-blob.sh [--size-mib N] [--runs R] [--keep DIR] [--out DIR]
#                                   [--release-files K] [--release-mib M] [--baseline BIN]
#   --size-mib N  size of the file to sign, in MiB (default 1024; e.g. 64 to try it out)
#   --runs R      timed runs of each command (default 3), after one warm-up read of the file
#   --keep DIR    keep the random files in DIR and reuse them on a later run with the same N;
#                 DIR must be empty or made by this script
#   --out DIR     where bench-sign-blob.txt goes (default: the --keep DIR, else
#                 ${CARGO_TARGET_DIR:-target}/bench-sign-blob)
#   --release-files K, --release-mib M   the sign-release files (default 8 of 256 MiB; K 0 skips)
#   --baseline BIN  also time this sigseal binary (printed as before -> after)
# environment: SIGSEAL_BIN=path/to/sigseal skips the build; CARGO_TARGET_DIR is respected.
# Needs cargo (unless SIGSEAL_BIN), curl, Node.js >= 18 with npm (for the stack), sha256sum,
# GNU time as /usr/bin/time (Debian package `time`); openssl is optional.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

NAME=bench-sign-blob
# shellcheck source=scripts/bench-common.sh
. "$HERE/bench-common.sh"
usage() { sed -n '/^# usage:/,/^# GNU time/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

SIZE_MIB=1024 RUNS=3 KEEP="" OUT="" REL_K=8 REL_MIB=256 BASE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) SIZE_MIB=${2:?--size-mib needs a number}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --keep) KEEP=${2:?--keep needs a directory}; shift 2 ;;
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    --release-files) REL_K=${2:?--release-files needs a number}; shift 2 ;;
    --release-mib) REL_MIB=${2:?--release-mib needs a number}; shift 2 ;;
    --baseline) BASE=${2:?--baseline needs a sigseal binary}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench-sign-blob: unknown argument '$1'" >&2; usage ;;
  esac
done
for v in "$SIZE_MIB" "$RUNS" "$REL_MIB"; do
  case "$v" in ''|*[!0-9]*|0*) die "--size-mib, --runs and --release-mib take a positive integer, not '$v'" ;; esac
done
case "$REL_K" in ''|*[!0-9]*) die "--release-files takes a number, not '$REL_K'" ;; esac
[ -z "$BASE" ] || BASE=$(baseline_binary "$BASE")

# ---------------------------------------------------------------------------------------------
# Prerequisites
need=(curl node npm sha256sum head)
[ -n "${SIGSEAL_BIN:-}" ] || need+=(cargo)
for cmd in "${need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 \
    || die "'$cmd' not found (needs curl, Node.js >= 18 with npm, sha256sum, and cargo unless SIGSEAL_BIN is set)"
done
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 18 ] 2>/dev/null || die "Node.js >= 18 is needed for the stack, found $(node --version 2>/dev/null || echo none)"
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 \
  || die "GNU time is needed as /usr/bin/time for the peak RSS (Debian/Ubuntu: apt-get install time)"

# Wall clock in seconds: bash's own (no fork) when it has one, else date.
if [ -n "${EPOCHREALTIME:-}" ]; then now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }; else now() { date +%s.%N; }; fi
fmt() { awk -v x="$1" 'BEGIN { printf "%.4g", x }'; } # for the table: 4 significant digits
# median and spread of the numbers on stdin
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.4g-%.4g", lo, hi }'; }
maxof() { sort -g | tail -n 1; }

# ---------------------------------------------------------------------------------------------
sigseal_binary
"$BIN" sign-blob --help >/dev/null 2>&1 || die "$BIN has no 'sign-blob' subcommand"
"$BIN" verify-blob --help >/dev/null 2>&1 || die "$BIN has no 'verify-blob' subcommand"

[ -n "$OUT" ] || OUT=$KEEP
output_dir bench-sign-blob

# sigseal reads git config, so it also runs outside any repository.
isolate_environment
cd "$tmp"

# ---------------------------------------------------------------------------------------------
# The files to sign: in --keep DIR when given (reused when it holds the same size), else in $tmp.
if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  STORE=$(cd "$KEEP" && pwd)
  if [ -n "$(ls -A "$STORE")" ] && [ ! -f "$STORE/bench-sign-blob.meta" ]; then
    die "--keep $KEEP is not empty and was not made by this script"
  fi
else
  STORE="$tmp/store"
  mkdir "$STORE"
fi
BIG="$STORE/asset-${SIZE_MIB}MiB.bin"
SMALL="$STORE/small-4KiB.bin"
META="$STORE/bench-sign-blob.meta"
BYTES=$((SIZE_MIB * 1024 * 1024))
filesize() { stat -c %s "$1" 2>/dev/null || wc -c <"$1"; }

if [ -f "$META" ] && [ -f "$BIG" ] && [ -f "$SMALL" ] \
  && [ "$(filesize "$BIG")" = "$BYTES" ] && [ "$(filesize "$SMALL")" = 4096 ]; then
  MADE="reused from $KEEP"
  step "reusing $BIG"
else
  rm -f "$STORE"/asset-*MiB.bin "$SMALL"
  echo "building=1" >"$META" # marks the directory as this script's before the files exist
  avail_kib=$(df -Pk "$STORE" | awk 'NR == 2 { print $4 }')
  [ -z "$avail_kib" ] || [ "$avail_kib" -gt $((BYTES / 1024 + 65536)) ] \
    || die "not enough free space in $STORE for $SIZE_MIB MiB"
  step "making $SIZE_MIB MiB of random bytes (head -c from /dev/urandom)"
  t0=$(now)
  head -c "$BYTES" /dev/urandom >"$BIG"
  t1=$(now)
  head -c 4096 /dev/urandom >"$SMALL"
  [ "$(filesize "$BIG")" = "$BYTES" ] || die "could not write $BYTES bytes to $BIG"
  MADE="made in $(fmt "$(calc "$t1 - $t0")") s"
  printf 'size_mib=%s\n' "$SIZE_MIB" >"$META"
fi
FS_TYPE=$(stat -f -c %T "$STORE" 2>/dev/null || echo unknown)
REL="$STORE/release-${REL_K}x${REL_MIB}MiB"
REL_FILES=()
if [ "$REL_K" -gt 0 ]; then
  mkdir -p "$REL"
  for ((i = 1; i <= REL_K; i++)); do
    f="$REL/asset-$i.bin"
    if [ "$(filesize "$f" 2>/dev/null)" != $((REL_MIB * 1024 * 1024)) ]; then
      step "making release file $i of $REL_K ($REL_MIB MiB)"
      head -c $((REL_MIB * 1024 * 1024)) /dev/urandom >"$f"
    fi
    REL_FILES+=("$f")
  done
fi

# ---------------------------------------------------------------------------------------------
start_stack
export SIGSEAL_FULCIO_URL="$URL" SIGSEAL_REKOR_URL="$URL" SIGSEAL_OIDC_ISSUER="$OIDC"
export SIGSEAL_TRUSTED_ROOT="$STACK/trusted_root.json" SIGSEAL_AGENT=false
IDENTITY=bench@example.com

fresh_token() {
  curl -fsS "$OIDC/_token?sub=$IDENTITY&email=$IDENTITY&email_verified=true&ttl=600" \
    || die "could not get an ID token from the stack's OIDC issuer at $OIDC"
}

# run NAME CMD...: one run under /usr/bin/time -v, stdout and stderr to $tmp/NAME.{out,err};
# dies when CMD fails. Sets WALL (seconds, bash clock around it) and RSS (KiB).
run() {
  local name=$1 t0 t1 rc
  shift
  t0=$(now)
  set +e
  /usr/bin/time -v -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  set -e
  t1=$(now)
  if [ "$rc" != 0 ]; then
    { echo "--- $*"; tail -n 20 "$tmp/$name.err"; } >&2
    die "$name failed (exit $rc)"
  fi
  WALL=$(calc "$t1 - $t0")
  RSS=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tmp/$name.time")
  [ -n "$RSS" ] || RSS=0
}

# sign NAME FILE [BIN]: one timed sign-blob of FILE with a fresh token (fetched outside the timing).
sign() {
  local name=$1 file=$2 bin=${3:-$BIN}
  rm -f "$tmp/$name.bundle"
  SIGSTORE_ID_TOKEN=$(fresh_token)
  export SIGSTORE_ID_TOKEN
  run "$name" "$bin" sign-blob "$file" --bundle "$tmp/$name.bundle"
  unset SIGSTORE_ID_TOKEN
  [ -s "$tmp/$name.bundle" ] || die "$name: sigseal sign-blob exited 0 but wrote no bundle"
}

# The load average before and after the timing tells whether something else shared the cores.
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load averages*: *//'; }
LOAD_BEFORE=$(loadavg)

step "warm-up read of the $SIZE_MIB MiB file (page cache), and of sigseal"
cat "$BIG" >/dev/null
sign warmup "$SMALL"

step "timing: sha256sum ($RUNS runs)"
SHA_T=()
for ((i = 1; i <= RUNS; i++)); do
  run sha256sum sha256sum "$BIG"
  SHA_T+=("$WALL")
  printf '  run %d: %s s\n' "$i" "$WALL" >&2
done
SHA_HEX=$(cut -d' ' -f1 "$tmp/sha256sum.out")

SSL_T=()
if command -v openssl >/dev/null 2>&1 && openssl dgst -sha256 /dev/null >/dev/null 2>&1; then
  step "timing: openssl dgst -sha256 ($RUNS runs)"
  for ((i = 1; i <= RUNS; i++)); do
    run openssl openssl dgst -sha256 "$BIG"
    SSL_T+=("$WALL")
    printf '  run %d: %s s\n' "$i" "$WALL" >&2
  done
  grep -qi "$SHA_HEX" "$tmp/openssl.out" || die "openssl dgst -sha256 and sha256sum disagree on $BIG"
fi

step "timing: sigseal sign-blob of a 4 KiB file, the fixed cost ($RUNS runs)"
SMALL_T=() SMALL_RSS=()
for ((i = 1; i <= RUNS; i++)); do
  sign sign-small "$SMALL"
  SMALL_T+=("$WALL") SMALL_RSS+=("$RSS")
  printf '  run %d: %s s, peak RSS %s KiB\n' "$i" "$WALL" "$RSS" >&2
done

step "timing: sigseal sign-blob of the $SIZE_MIB MiB file ($RUNS runs)"
BIG_T=() BIG_RSS=()
for ((i = 1; i <= RUNS; i++)); do
  sign sign-big "$BIG"
  BIG_T+=("$WALL") BIG_RSS+=("$RSS")
  printf '  run %d: %s s, peak RSS %s KiB\n' "$i" "$WALL" "$RSS" >&2
done
tail -n 2 "$tmp/sign-big.err" >&2

BASE_BIG_T=()
if [ -n "$BASE" ]; then
  step "timing: the baseline's sign-blob of the $SIZE_MIB MiB file ($RUNS runs)"
  for ((i = 1; i <= RUNS; i++)); do
    sign sign-big-base "$BIG" "$BASE"
    BASE_BIG_T+=("$WALL")
    printf '  run %d: %s s\n' "$i" "$WALL" >&2
  done
fi

# sign_release NAME BIN [taskset -c 0]: median wall time of RUNS sign-release runs of the
# release files; each run starts from the bare files with a fresh token.
sign_release() {
  local name=$1 bin=$2 times=() i
  shift 2
  for ((i = 1; i <= RUNS; i++)); do
    find "$REL" -maxdepth 1 -type f ! -name 'asset-*.bin' -delete
    SIGSTORE_ID_TOKEN=$(fresh_token)
    export SIGSTORE_ID_TOKEN
    run "$name" "$@" "$bin" sign-release "${REL_FILES[@]}"
    unset SIGSTORE_ID_TOKEN
    [ -s "$REL/SHA256SUMS" ] || die "$name: sign-release exited 0 but wrote no SHA256SUMS"
    times+=("$WALL")
    printf '  run %d: %s s\n' "$i" "$WALL" >&2
  done
  MEDIAN=$(printf '%s\n' "${times[@]}" | median)
}
REL_2="" REL_1="" BASE_REL_2="" BASE_REL_1=""
if [ "$REL_K" -gt 0 ]; then
  cat "${REL_FILES[@]}" >/dev/null
  step "timing: sigseal sign-release of $REL_K x $REL_MIB MiB on every core ($RUNS runs)"
  sign_release sign-release "$BIN"; REL_2=$MEDIAN
  if command -v taskset >/dev/null 2>&1; then
    step "timing: the same on one core (taskset -c 0, $RUNS runs)"
    sign_release sign-release-1 "$BIN" taskset -c 0; REL_1=$MEDIAN
  fi
  if [ -n "$BASE" ]; then
    step "timing: the baseline's sign-release, every core and one core ($RUNS runs each)"
    sign_release sign-release-base "$BASE"; BASE_REL_2=$MEDIAN
    if [ -n "$REL_1" ]; then sign_release sign-release-base-1 "$BASE" taskset -c 0; BASE_REL_1=$MEDIAN; fi
  fi
  find "$REL" -maxdepth 1 -type f ! -name 'asset-*.bin' -delete
fi

step "checking and timing: sigseal verify-blob --offline of the last bundle (once)"
run verify-small "$BIN" verify-blob "$SMALL" --bundle "$tmp/sign-small.bundle" \
  --certificate-identity "$IDENTITY" --certificate-oidc-issuer "$OIDC" --offline
run verify-big "$BIN" verify-blob "$BIG" --bundle "$tmp/sign-big.bundle" \
  --certificate-identity "$IDENTITY" --certificate-oidc-issuer "$OIDC" --offline
VERIFY_T=$WALL VERIFY_RSS=$RSS
cat "$tmp/verify-big.out" >&2
tail -n 1 "$tmp/verify-big.err" >&2
NOTES=()
# The bundle's digest must be the file's: verify-blob checked it, this shows it.
if command -v jq >/dev/null 2>&1; then
  b64=$(jq -r '.messageSignature.messageDigest.digest // empty' "$tmp/sign-big.bundle")
  if [ -n "$b64" ]; then
    bundle_hex=$(printf '%s' "$b64" | base64 -d | od -An -v -tx1 | tr -d ' \n')
    [ "$bundle_hex" = "$SHA_HEX" ] || die "the bundle's digest $bundle_hex is not sha256sum's $SHA_HEX"
  fi
fi
LOAD_AFTER=$(loadavg)
stop_stack

# ---------------------------------------------------------------------------------------------
SHA_MED=$(printf '%s\n' "${SHA_T[@]}" | median)
SHA_SPREAD=$(printf '%s\n' "${SHA_T[@]}" | spread)
SMALL_MED=$(printf '%s\n' "${SMALL_T[@]}" | median)
SMALL_SPREAD=$(printf '%s\n' "${SMALL_T[@]}" | spread)
SMALL_RSS_MAX=$(printf '%s\n' "${SMALL_RSS[@]}" | maxof)
BIG_MED=$(printf '%s\n' "${BIG_T[@]}" | median)
BIG_SPREAD=$(printf '%s\n' "${BIG_T[@]}" | spread)
BIG_RSS_MAX=$(printf '%s\n' "${BIG_RSS[@]}" | maxof)
HASH_S=$(calc "$BIG_MED - $SMALL_MED")
BASE_BIG_MED="" BASE_HASH_S=""
if [ ${#BASE_BIG_T[@]} -gt 0 ]; then
  BASE_BIG_MED=$(printf '%s\n' "${BASE_BIG_T[@]}" | median)
  BASE_HASH_S=$(calc "$BASE_BIG_MED - $SMALL_MED")
fi
RATIO=$(calc "$HASH_S / $SHA_MED")
if [ ${#SSL_T[@]} -gt 0 ]; then
  SSL_MED=$(printf '%s\n' "${SSL_T[@]}" | median)
  SSL_SPREAD=$(printf '%s\n' "${SSL_T[@]}" | spread)
  RATIO_SSL=$(calc "$HASH_S / $SSL_MED")
  awk -v a="$SHA_MED" -v b="$SSL_MED" 'BEGIN { exit !(a > 1.5 * b) }' \
    && NOTES+=("sha256sum is $(fmt "$(calc "$SHA_MED / $SSL_MED")") times slower than openssl dgst -sha256: this sha256sum probably hashes without SHA-NI (coreutils built without OpenSSL), so the 10 % goal against it is lenient; the ratio to openssl is the stricter measure")
fi
MIBS() { awk -v s="$1" -v n="$SIZE_MIB" 'BEGIN { if (s > 0) printf "%.0f MiB/s", n / s; else print "n/a" }'; }
mb() { calc "$1 * 1024 / 1000000"; } # KiB -> MB (10^6 bytes)

RSS_GOAL_KIB=$((30 * 1000 * 1000 / 1024)) # 30 MB = 30 * 10^6 bytes
if awk -v r="$RATIO" -v h="$HASH_S" 'BEGIN { exit !(h > 0 && r <= 1.10) }'; then
  HASH_GOAL="holds"
else
  HASH_GOAL="MISSED"
fi
awk -v h="$HASH_S" 'BEGIN { exit !(h <= 0) }' \
  && NOTES+=("the large file signed no slower than the small one: the hashing share is lost in the noise; try a larger --size-mib or more --runs")
if [ "$BIG_RSS_MAX" -le "$RSS_GOAL_KIB" ]; then RSS_GOAL="holds"; else RSS_GOAL="MISSED"; fi

CORES=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
CPU_MODEL=$(grep -m1 -E '^(model name|Hardware|Model|cpu model)[[:space:]]*:' /proc/cpuinfo 2>/dev/null \
  | sed 's/^[^:]*:[[:space:]]*//' || true)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(uname -m)
if [ ! -r /proc/cpuinfo ]; then
  SHANI="unknown (no /proc/cpuinfo)"
elif grep -qw sha_ni /proc/cpuinfo; then
  SHANI="yes (sha_ni)"
elif grep -qE '^Features.*\bsha2\b' /proc/cpuinfo; then
  SHANI="no (not x86), but the ARMv8 SHA-2 instructions (sha2)"
else
  SHANI="no"
fi
MEM_AVAIL=$(awk '/^MemAvailable:/ { printf "%.0f MiB", $2 / 1024 }' /proc/meminfo 2>/dev/null || true)
load_max=$(printf '%s\n' "${LOAD_BEFORE%% *}" "${LOAD_AFTER%% *}" | maxof)
awk -v l="$load_max" -v c="$CORES" 'BEGIN { exit !(l > c / 2) }' \
  && NOTES+=("the 1-minute load average reached $load_max on $CORES cores: other work shared the machine, timings are noisy")

REPORT="$OUT/bench-sign-blob.txt"
{
  echo "sigseal sign-blob benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "$VERSION; $(sha256sum --version | head -n 1); timing: bash clock around /usr/bin/time -v, median of $RUNS runs"
  echo "file: $SIZE_MIB MiB of random bytes on $FS_TYPE ($MADE); warm page cache; memory available ${MEM_AVAIL:-unknown}"
  echo
  printf '%-46s %-22s %s\n' "what" "result" "details"
  printf '%-46s %-22s %s\n' "----" "------" "-------"
  printf '%-46s %-22s %s\n' "sha256sum FILE" "$(fmt "$SHA_MED") s" "$(MIBS "$SHA_MED"), runs $SHA_SPREAD s"
  [ ${#SSL_T[@]} -eq 0 ] || printf '%-46s %-22s %s\n' "openssl dgst -sha256 FILE" "$(fmt "$SSL_MED") s" "$(MIBS "$SSL_MED"), runs $SSL_SPREAD s"
  printf '%-46s %-22s %s\n' "sigseal sign-blob FILE" "$(fmt "$BIG_MED") s" "runs $BIG_SPREAD s, peak RSS $BIG_RSS_MAX KiB"
  printf '%-46s %-22s %s\n' "sigseal sign-blob 4 KiB file (fixed cost)" "$(fmt "$SMALL_MED") s" "runs $SMALL_SPREAD s, peak RSS $SMALL_RSS_MAX KiB"
  printf '%-46s %-22s %s\n' "sigseal hashing (sign-blob FILE - 4 KiB)" "$(fmt "$HASH_S") s" "$(MIBS "$HASH_S")"
  printf '%-46s %-22s %s\n' "sigseal verify-blob FILE --offline (1 run)" "$(fmt "$VERIFY_T") s" "$(MIBS "$VERIFY_T"), peak RSS $VERIFY_RSS KiB"
  printf '%-46s %s\n' "ratio sigseal hashing / sha256sum" "$(fmt "$RATIO")"
  [ ${#SSL_T[@]} -eq 0 ] || printf '%-46s %s\n' "ratio sigseal hashing / openssl dgst -sha256" "$(fmt "$RATIO_SSL") (for information, not a goal)"
  printf '%-46s %s\n' "goal: hashing within 10 % of sha256sum" "$HASH_GOAL (ratio $(fmt "$RATIO"), goal <= 1.10)"
  [ ${#SSL_T[@]} -eq 0 ] || printf '%-46s %s\n' "goal: hashing >= 90 % of openssl's throughput" \
    "$(holds "$SSL_MED / $HASH_S >= 0.9") ($(fmt "$(calc "100 * $SSL_MED / $HASH_S")") %${BASE_HASH_S:+; before: $(fmt "$(calc "100 * $SSL_MED / $BASE_HASH_S")") %})"
  [ -z "$BASE_BIG_MED" ] || printf '%-46s %s\n' "  the baseline's sign-blob FILE" "$(fmt "$BASE_BIG_MED") s -> $(fmt "$BIG_MED") s"
  printf '%-46s %s\n' "goal: sign-blob peak RSS <= 30 MB" "$RSS_GOAL ($(fmt "$(mb "$BIG_RSS_MAX")") MB = $BIG_RSS_MAX KiB, max of $RUNS runs)"
  if [ -n "$REL_2" ]; then
    printf '%-46s %s\n' "sign-release $REL_K x $REL_MIB MiB, every core" "${BASE_REL_2:+$(fmt "$BASE_REL_2") s -> }$(fmt "$REL_2") s ($(calc "$REL_K * $REL_MIB / $REL_2" | awk '{ printf "%.0f", $1 }') MiB/s)"
    if [ -n "$REL_1" ]; then
      printf '%-46s %s\n' "sign-release $REL_K x $REL_MIB MiB, one core" "${BASE_REL_1:+$(fmt "$BASE_REL_1") s -> }$(fmt "$REL_1") s"
      printf '%-46s %s\n' "goal: sign-release >= 1.7x on two cores" \
        "$(holds "$REL_1 / $REL_2 >= 1.7") ($(fmt "$(calc "$REL_1 / $REL_2")")x on $CORES cores${BASE_REL_1:+; before: $(fmt "$(calc "$BASE_REL_1 / $BASE_REL_2")")x})"
    fi
  fi
  printf '%-46s %s\n' "cores (nproc)" "$CORES"
  printf '%-46s %s\n' "CPU model" "$CPU_MODEL"
  printf '%-46s %s\n' "SHA-NI" "$SHANI"
  printf '%-46s %s / %s\n' "load average before / after the timing" "$LOAD_BEFORE" "$LOAD_AFTER"
  for n in ${NOTES[@]+"${NOTES[@]}"}; do echo "note: $n"; done
} >"$REPORT"
echo
cat "$REPORT"
echo
echo "written to $REPORT"
