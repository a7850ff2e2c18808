#!/usr/bin/env bash
# Benchmark of what git pays per sigseal process (not a test): builds sigseal in release mode,
# starts the local Sigstore test stack (tests/stack/) in a temporary directory, makes two
# repositories of N commits with a signed tag each, one signed by sigseal (one login, the
# credential agent signs every commit) and one signed with an SSH key (gpg.format=ssh, an
# allowed-signers file), then measures on this machine:
#   - CPU of one sigseal process in git's signing mode (`-bsau`, a commit payload on stdin),
#     signing with the agent against the stack (client CPU only: not the agent's, not the stack's)
#   - CPU of one sigseal process in git's verify mode (`--verify SIG -`), the stack stopped
#   - the child processes each of those two starts (strace -f: programs started after its own)
#   - git log --show-signature over the N commits: sigseal's history against the SSH one
#   - git verify-tag: sigseal's tag against the SSH one
# With --baseline BIN the same figures are measured for another sigseal binary (e.g. a build
# of an older commit) over the same repositories, and printed as before -> after.
# CPU is user + system time of the process from getrusage (python3), the median of R runs.
# Each goal's ratio is printed with whether it holds:
#   verify one commit <= 4 ms CPU; sign one commit with the agent <= 5 ms client CPU; no child
#   process on either path; git log --show-signature within 1.5x of the SSH-signed log;
#   git verify-tag within 1.2x of SSH's.
# The table is also written to OUT/bench-git.txt. Nothing is kept outside a temporary directory.
#
# usage: scripts/bench-git.sh [--commits N] [--runs R] [--sign-runs S] [--log-runs L]
#                             [--baseline BIN] [--out DIR]
#   --commits N     commits in each repository (default 1000)
#   --runs R        timed runs of the verify-mode process and of verify-tag (default 200)
#   --sign-runs S   timed runs of the signing process (default 40; each logs a Rekor entry)
#   --log-runs L    timed runs of each git log --show-signature (default 3)
#   --baseline BIN  also measure this sigseal binary, printed as the "before" column
#   --out DIR       where bench-git.txt goes (default ${CARGO_TARGET_DIR:-target}/bench-git)
# environment: SIGSEAL_BIN=path/to/sigseal skips the build; CARGO_TARGET_DIR is respected.
# Needs git, curl, Node.js >= 18 with npm (for the stack), python3, ssh-keygen; strace optional.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

NAME=bench-git
# shellcheck source=scripts/bench-common.sh
. "$HERE/bench-common.sh"
usage() { sed -n '/^# usage:/,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

N=1000 RUNS=200 SIGN_RUNS=40 LOG_RUNS=3 BASE="" OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --commits) N=${2:?--commits needs a number}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --sign-runs) SIGN_RUNS=${2:?--sign-runs needs a number}; shift 2 ;;
    --log-runs) LOG_RUNS=${2:?--log-runs needs a number}; shift 2 ;;
    --baseline) BASE=${2:?--baseline needs a sigseal binary}; shift 2 ;;
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench-git: unknown argument '$1'" >&2; usage ;;
  esac
done
for v in "$N" "$RUNS" "$SIGN_RUNS" "$LOG_RUNS"; do
  case "$v" in ''|*[!0-9]*|0*) die "--commits and the run counts take a positive integer, not '$v'" ;; esac
done
for cmd in git curl node npm python3 ssh-keygen; do
  command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found (needs git, curl, Node.js >= 18 with npm, python3, ssh-keygen)"
done
[ -z "$BASE" ] || BASE=$(baseline_binary "$BASE")

fmt() { awk -v x="$1" 'BEGIN { printf "%.3g", x }'; }

# ---------------------------------------------------------------------------------------------
sigseal_binary
output_dir bench-git

isolate_environment
export GIT_AUTHOR_NAME=Alice GIT_AUTHOR_EMAIL=alice@example.com
export GIT_COMMITTER_NAME=Alice GIT_COMMITTER_EMAIL=alice@example.com

# cpu.py RUNS STDIN_FILE CMD...: run CMD RUNS times with STDIN_FILE as its input; print the
# median CPU (user + system, ms) and the median wall time (ms) of one run, after one warm-up
# run. A failing run stops it.
cat >"$tmp/cpu.py" <<'PY'
import resource, statistics, subprocess, sys, time
runs, stdin_file, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
data = open(stdin_file, "rb").read()
cpu, wall = [], []
# One warm-up run first (page cache, the agent's first answer), not counted.
subprocess.run(cmd, input=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, input=data, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall.append((time.perf_counter() - start) * 1000)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} exited {done.returncode}: {done.stderr.decode(errors='replace')[-400:]}")
    cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
print(f"{statistics.median(cpu):.3f} {statistics.median(wall):.3f}")
PY
cpu() { python3 "$tmp/cpu.py" "$@"; }

# ---------------------------------------------------------------------------------------------
start_stack
TRUST="$tmp/trusted_root.json"
cp "$STACK/trusted_root.json" "$TRUST"
export SIGSEAL_FULCIO_URL="$URL" SIGSEAL_REKOR_URL="$URL" SIGSEAL_OIDC_ISSUER="$OIDC"
export SIGSEAL_TRUSTED_ROOT="$TRUST" SIGSEAL_AGENT=true
export BROWSER="$ROOT/tests/stack/fakebrowser.sh" FAKEBROWSER_LOG="$tmp/browser.log"

start_agent_and_login

# make_history DIR: N commits (commit-tree -S) and a signed tag v1 on the last.
make_history() {
  local dir=$1 i parent="" tree
  tree=$(git -C "$dir" mktree </dev/null)
  for ((i = 1; i <= N; i++)); do
    parent=$(git -C "$dir" commit-tree -S ${parent:+-p "$parent"} -m "commit $i" "$tree") \
      || die "git commit-tree -S failed at commit $i in $dir"
  done
  git -C "$dir" update-ref refs/heads/main "$parent"
  git -C "$dir" tag -s v1 -m "v1" main || die "git tag -s failed in $dir"
}

SX="$tmp/sigseal-repo"
step "making $N commits and a tag signed by sigseal"
git init -q -b main "$SX"
git -C "$SX" config gpg.format x509
git -C "$SX" config gpg.x509.program "$BIN"
start=$SECONDS
make_history "$SX"
step "signed in $((SECONDS - start)) s"

SSH="$tmp/ssh-repo"
step "making $N commits and a tag signed with an SSH key"
ssh-keygen -q -t ed25519 -N "" -C alice@example.com -f "$tmp/ssh-key"
printf 'alice@example.com %s\n' "$(cut -d' ' -f1,2 "$tmp/ssh-key.pub")" >"$tmp/allowed_signers"
git init -q -b main "$SSH"
git -C "$SSH" config gpg.format ssh
git -C "$SSH" config user.signingkey "$tmp/ssh-key"
git -C "$SSH" config gpg.ssh.allowedSignersFile "$tmp/allowed_signers"
make_history "$SSH"

# git's own inputs to its signing program: a commit payload; and to its verify program: the
# detached signature of the last commit, its payload on stdin.
git -C "$SX" cat-file commit main | sed '/^gpgsig /,/^ -----END/d' >"$tmp/payload"
python3 - "$SX" "$tmp/sig" "$tmp/signed-payload" <<'PY'
import subprocess, sys
raw = subprocess.run(["git", "-C", sys.argv[1], "cat-file", "commit", "main"], capture_output=True, check=True).stdout
lines, sig, payload, inside = raw.split(b"\n"), [], [], False
for line in lines:
    if line.startswith(b"gpgsig "):
        inside = True; sig.append(line[len(b"gpgsig "):]); continue
    if inside and line.startswith(b" "):
        sig.append(line[1:]); continue
    inside = False; payload.append(line)
open(sys.argv[2], "wb").write(b"\n".join(sig) + b"\n")
open(sys.argv[3], "wb").write(b"\n".join(payload))
PY

# measure BIN: sets SIGN_CPU SIGN_WALL VERIFY_CPU VERIFY_WALL SIGN_CHILDREN VERIFY_CHILDREN
children() { # children STDIN CMD...: programs CMD's process tree started after itself (successful execve calls)
  if ! command -v strace >/dev/null 2>&1; then echo "n/a"; return; fi
  strace -f -qq -e trace=execve -o "$tmp/strace.out" "${@:2}" <"$1" >/dev/null 2>&1 || true
  echo $(($(grep -c 'execve(.*= 0$' "$tmp/strace.out") - 1))
}
measure_sign() {
  local bin=$1 r
  r=$(cpu "$SIGN_RUNS" "$tmp/payload" "$bin" --status-fd=2 -bsau alice@example.com) || die "signing with $bin failed: $r"
  read -r SIGN_CPU SIGN_WALL <<<"$r"
  SIGN_CHILDREN=$(children "$tmp/payload" "$bin" --status-fd=2 -bsau alice@example.com)
}
measure_verify() {
  local bin=$1 r
  (cd "$SX" && cpu "$RUNS" "$tmp/signed-payload" "$bin" --status-fd=1 --verify "$tmp/sig" -) >"$tmp/r" \
    || die "verifying with $bin failed: $(cat "$tmp/r")"
  read -r VERIFY_CPU VERIFY_WALL <"$tmp/r"
  VERIFY_CHILDREN=$(cd "$SX" && children "$tmp/signed-payload" "$bin" --status-fd=1 --verify "$tmp/sig" -)
}

step "timing one signing process ($SIGN_RUNS runs, agent and stack up)"
(cd "$SX" && measure_sign "$BIN" && echo "$SIGN_CPU $SIGN_WALL $SIGN_CHILDREN" >"$tmp/sign.after")
[ -z "$BASE" ] || (cd "$SX" && measure_sign "$BASE" && echo "$SIGN_CPU $SIGN_WALL $SIGN_CHILDREN" >"$tmp/sign.before")

# Verification is offline: stop the agent and the stack so they cost nothing while timing.
stop_agent
stop_stack
unset SIGSEAL_FULCIO_URL SIGSEAL_REKOR_URL SIGSEAL_OIDC_ISSUER SIGSEAL_AGENT BROWSER
# git's verify mode reads the trusted root from git config, as a configured repository does.
git -C "$SX" config sigseal.trustedRoot "$TRUST"
git -C "$SX" config sigseal.fulcioURL "$URL"
git -C "$SX" config sigseal.rekorURL "$URL"
unset SIGSEAL_TRUSTED_ROOT

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
step "timing one verify-mode process ($RUNS runs)"
measure_verify "$BIN"; echo "$VERIFY_CPU $VERIFY_WALL $VERIFY_CHILDREN" >"$tmp/verify.after"
[ -z "$BASE" ] || { measure_verify "$BASE"; echo "$VERIFY_CPU $VERIFY_WALL $VERIFY_CHILDREN" >"$tmp/verify.before"; }

# time_git DIR RUNS ARGS...: median wall seconds of `git -C DIR ARGS`, output checked.
time_git() {
  local dir=$1 runs=$2 i t0 t1 times=()
  shift 2
  git -C "$dir" "$@" >"$tmp/git.out" 2>&1 || { tail -n 5 "$tmp/git.out" >&2; die "git $* failed in $dir"; }
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s.%N)
    git -C "$dir" "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    times+=("$(calc "$t1 - $t0")")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

step "git log --show-signature over $N commits ($LOG_RUNS runs each)"
LOG_SIGSEAL=$(time_git "$SX" "$LOG_RUNS" log --show-signature --format=%H)
good=$(git -C "$SX" log --format=%G? | grep -c '^[GU]$' || true)
[ "$good" = "$N" ] || die "only $good of $N sigseal commits verified in git log"
LOG_SSH=$(time_git "$SSH" "$LOG_RUNS" log --show-signature --format=%H)
good=$(git -C "$SSH" log --format=%G? | grep -c '^G$' || true)
[ "$good" = "$N" ] || die "only $good of $N SSH commits verified in git log"
LOG_BASE=""
[ -z "$BASE" ] || LOG_BASE=$(time_git "$SX" "$LOG_RUNS" -c gpg.x509.program="$BASE" log --show-signature --format=%H)

step "git verify-tag ($((RUNS / 10)) runs each)"
TAG_RUNS=$((RUNS / 10 > 0 ? RUNS / 10 : 1))
TAG_SIGSEAL=$(time_git "$SX" "$TAG_RUNS" verify-tag v1)
TAG_SSH=$(time_git "$SSH" "$TAG_RUNS" verify-tag v1)
TAG_BASE=""
[ -z "$BASE" ] || TAG_BASE=$(time_git "$SX" "$TAG_RUNS" -c gpg.x509.program="$BASE" verify-tag v1)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
read -r SIGN_CPU SIGN_WALL SIGN_CHILDREN <"$tmp/sign.after"
read -r VERIFY_CPU VERIFY_WALL VERIFY_CHILDREN <"$tmp/verify.after"
before() { # before FILE FIELD: the baseline's figure, or nothing
  [ -f "$tmp/$1.before" ] && printf '%s -> ' "$(fmt "$(cut -d' ' -f"$2" "$tmp/$1.before")")" || true
}
LOG_RATIO=$(calc "$LOG_SIGSEAL / $LOG_SSH")
TAG_RATIO=$(calc "$TAG_SIGSEAL / $TAG_SSH")
REPORT="$OUT/bench-git.txt"
{
  echo "sigseal per-process benchmark (what git pays), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "$VERSION; $(git --version); $N commits per history; $(nproc) cores ($(uname -sm))"
  [ -z "$BASE" ] || echo "before -> after: $("$BASE" --version) at $BASE -> $BIN"
  echo "load average before / after the verify and git timings: $LOAD_BEFORE / $LOAD_AFTER"
  echo
  printf '%-58s %-26s %s\n' "what" "result" "goal"
  printf '%-58s %-26s %s\n' "----" "------" "----"
  printf '%-58s %-26s %s\n' "sign one commit with the agent, client CPU (median)" \
    "$(before sign 1)$(fmt "$SIGN_CPU") ms" "<= 5 ms: $(holds "$SIGN_CPU <= 5")"
  printf '%-58s %-26s\n' "  wall time of that process (stack on loopback)" "$(before sign 2)$(fmt "$SIGN_WALL") ms"
  printf '%-58s %-26s %s\n' "  child processes it starts" "$(before sign 3)$SIGN_CHILDREN" \
    "0: $([ "$SIGN_CHILDREN" = 0 ] && echo holds || echo "DOES NOT HOLD")"
  printf '%-58s %-26s %s\n' "verify one commit in git's verify mode, CPU (median)" \
    "$(before verify 1)$(fmt "$VERIFY_CPU") ms" "<= 4 ms: $(holds "$VERIFY_CPU <= 4")"
  printf '%-58s %-26s\n' "  wall time of that process" "$(before verify 2)$(fmt "$VERIFY_WALL") ms"
  printf '%-58s %-26s %s\n' "  child processes it starts" "$(before verify 3)$VERIFY_CHILDREN" \
    "0: $([ "$VERIFY_CHILDREN" = 0 ] && echo holds || echo "DOES NOT HOLD")"
  printf '%-58s %-26s\n' "git log --show-signature, $N sigseal-signed commits" \
    "${LOG_BASE:+$(fmt "$LOG_BASE") -> }$(fmt "$LOG_SIGSEAL") s"
  printf '%-58s %-26s\n' "git log --show-signature, $N SSH-signed commits" "$(fmt "$LOG_SSH") s"
  printf '%-58s %-26s %s\n' "  ratio sigseal / SSH" \
    "${LOG_BASE:+$(fmt "$(calc "$LOG_BASE / $LOG_SSH")") -> }$(fmt "$LOG_RATIO")x" "<= 1.5x: $(holds "$LOG_RATIO <= 1.5")"
  printf '%-58s %-26s\n' "git verify-tag, sigseal-signed tag" "${TAG_BASE:+$(fmt "$(calc "$TAG_BASE * 1000")") -> }$(fmt "$(calc "$TAG_SIGSEAL * 1000")") ms"
  printf '%-58s %-26s\n' "git verify-tag, SSH-signed tag" "$(fmt "$(calc "$TAG_SSH * 1000")") ms"
  printf '%-58s %-26s %s\n' "  ratio sigseal / SSH" \
    "${TAG_BASE:+$(fmt "$(calc "$TAG_BASE / $TAG_SSH")") -> }$(fmt "$TAG_RATIO")x" "<= 1.2x: $(holds "$TAG_RATIO <= 1.2")"
} | tee "$REPORT"
echo
echo "written to $REPORT"
