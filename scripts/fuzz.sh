#!/usr/bin/env bash
# Coverage-guided fuzzing of sigseal's parsers with libFuzzer (see docs/fuzzing.md).
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  run time of each target (default 600)
#   TARGET              names from fuzz/Cargo.toml (default: all of them), run one after another
#
# Needs the nightly toolchain (`rustup toolchain install nightly`). Installs cargo-fuzz from
# crates.io into target/fuzz-tools (not ~/.cargo) when it is missing. Each target starts from the
# committed seeds (fuzz/corpus/TARGET) and regressions (fuzz/regressions/TARGET); inputs it finds
# go to a working corpus under target/fuzz-corpus, never into the committed one. A crashing input
# is copied into fuzz/regressions/TARGET, and the script then exits 1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT"

SECONDS_PER_TARGET=${1:-600}
case "$SECONDS_PER_TARGET" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS_PER_TARGET must be a number of seconds, not '$SECONDS_PER_TARGET'" >&2; exit 2 ;; esac
shift || true

ALL=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^sigseal-fuzz$')
TARGETS=${*:-$ALL}
for t in $TARGETS; do
  if ! grep -qx "$t" <<<"$ALL"; then
    echo "fuzz.sh: unknown target '$t'; targets are: $(echo $ALL)" >&2
    exit 2
  fi
done

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz.sh: the nightly toolchain is needed for libFuzzer: rustup toolchain install nightly" >&2
  exit 2
fi
TOOLS="$ROOT/target/fuzz-tools"
export PATH="$TOOLS/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz into $TOOLS" >&2
  cargo install --locked --quiet cargo-fuzz --root "$TOOLS"
fi

WORK="$ROOT/target/fuzz-corpus"
LOGS="$ROOT/target/fuzz-logs"
mkdir -p "$WORK" "$LOGS"
SUMMARY="$LOGS/summary-$(date +%Y%m%dT%H%M%S)-$$.txt"
(cd fuzz && cargo +nightly fuzz build)

failed=0
printf '%-14s %8s %12s %8s\n' target seconds execs crashes > "$SUMMARY"
for t in $TARGETS; do
  mkdir -p "$WORK/$t" "fuzz/regressions/$t" "fuzz/artifacts/$t"
  log="$LOGS/$t.log"
  echo "fuzz.sh: $t for ${SECONDS_PER_TARGET}s (log: target/fuzz-logs/$t.log)"
  start=$(date +%s)
  status=0
  # -timeout: an input taking more than 10 s is reported as a hang; -rss_limit_mb bounds memory.
  (cd fuzz && cargo +nightly fuzz run "$t" "$WORK/$t" "corpus/$t" "regressions/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) \
      >"$log" 2>&1 || status=$?
  took=$(( $(date +%s) - start ))
  # libFuzzer's last status line ("#N DONE ..." or the last "#N pulse/NEW/REDUCE ..." line).
  grep -E '^#[0-9]+' "$log" | tail -n 1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  crashes=0
  for a in fuzz/artifacts/"$t"/*; do
    [ -f "$a" ] || continue
    crashes=$((crashes + 1))
    cp "$a" "fuzz/regressions/$t/$(basename "$a")"
    echo "fuzz.sh: $t: saved $(basename "$a") as fuzz/regressions/$t/$(basename "$a")" >&2
    rm -f "$a"
  done
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1
    echo "fuzz.sh: $t exited with status $status without an artifact; see $log" >&2
  fi
  printf '%-14s %8s %12s %8s\n' "$t" "$took" "${execs:-?}" "$crashes" | tee -a "$SUMMARY"
  [ "$crashes" -eq 0 ] || { failed=1; grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -n 5 >&2 || true; }
done
echo
cat "$SUMMARY"
exit "$failed"
