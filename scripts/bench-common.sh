# shellcheck shell=bash
# shellcheck disable=SC2034 # URL, OIDC, login_at and VERSION are for the sourcing script
# Shared by the benchmark scripts (sourced, never run): messages, arithmetic, a temporary
# directory cleaned on exit, the sigseal binary (SIGSEAL_BIN or a release build), an
# environment free of the caller's git, sigseal, CI and proxy settings, and the local Sigstore
# stack and credential agent with their teardown.
# The sourcing script sets ROOT (the repository) and NAME (its name, for messages and the
# temporary directory) first.

die() { printf '%s: %s\n' "$NAME" "$*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*" >&2; }
# calc EXPR: floating point arithmetic (awk), printed with up to 6 significant digits.
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }
# holds CONDITION: "holds" when the awk condition is true, else "DOES NOT HOLD".
holds() { awk "BEGIN { exit !($1) }" && echo "holds" || echo "DOES NOT HOLD"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$NAME.XXXXXX")
STACK="$tmp/stack"
agent_pid=""
stack_started=0
BIN=""
stop_agent() {
  if [ -n "$agent_pid" ]; then
    "$BIN" agent --stop >/dev/null 2>&1 || true
    for _ in $(seq 50); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
    agent_pid=""
  fi
}
stop_stack() {
  if [ "$stack_started" = 1 ]; then
    "$ROOT/tests/stack/stop.sh" "$STACK" >/dev/null 2>&1 || true
    stack_started=0
  fi
}
cleanup() {
  stop_agent
  stop_stack
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sigseal_binary: BIN is SIGSEAL_BIN when set, else a release build (CARGO_TARGET_DIR
# respected); VERSION is its --version.
sigseal_binary() {
  if [ -n "${SIGSEAL_BIN:-}" ]; then
    BIN=$(cd "$(dirname "$SIGSEAL_BIN")" && pwd)/$(basename "$SIGSEAL_BIN")
    [ -x "$BIN" ] || die "SIGSEAL_BIN=$SIGSEAL_BIN is not an executable"
    step "using SIGSEAL_BIN=$SIGSEAL_BIN"
  else
    step "building sigseal (cargo build --release --locked)"
    (cd "$ROOT" && cargo build --release --locked)
    local target=${CARGO_TARGET_DIR:-target}
    case "$target" in /*) ;; *) target="$ROOT/$target" ;; esac
    BIN="$target/release/sigseal"
  fi
  [ -x "$BIN" ] || die "no sigseal binary at $BIN"
  VERSION=$("$BIN" --version)
  echo "$VERSION" >&2
}

# output_dir NAME: OUT as given, else ${CARGO_TARGET_DIR:-target}/NAME; created, made absolute.
output_dir() {
  if [ -z "$OUT" ]; then
    OUT=${CARGO_TARGET_DIR:-target}/$1
    case "$OUT" in /*) ;; *) OUT="$ROOT/$OUT" ;; esac
  fi
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
}

# baseline_binary PATH: the absolute path of a --baseline binary, or a failure.
baseline_binary() {
  local abs
  abs=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  [ -x "$abs" ] || die "--baseline $1 is not an executable"
  printf '%s\n' "$abs"
}

# isolate_environment: independent of the caller's git, sigseal, CI and proxy settings, and
# of RUST_BACKTRACE (which costs every process time); HOME, git's global config, the agent
# socket and the caches live in $tmp. The stack is on loopback: never through a proxy.
isolate_environment() {
  export GIT_CONFIG_GLOBAL="$tmp/gitconfig" GIT_CONFIG_NOSYSTEM=1 HOME="$tmp/home"
  export XDG_RUNTIME_DIR="$tmp/run" XDG_CONFIG_HOME="$tmp/home/.config" XDG_CACHE_HOME="$tmp/home/.cache"
  : >"$GIT_CONFIG_GLOBAL"
  mkdir -p "$HOME"
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  local var
  for var in $(compgen -e); do
    case "$var" in SIGSEAL_*|GITSIGN_*|ACTIONS_ID_TOKEN*|COSIGN_*) unset "$var" ;; esac
  done
  unset CI GITHUB_ACTIONS GITHUB_SERVER_URL GITLAB_CI CI_SERVER_URL BUILDKITE CIRCLECI \
    SIGSTORE_ID_TOKEN BROWSER DISPLAY WAYLAND_DISPLAY SSH_CONNECTION SSH_TTY GIT_CONFIG_PARAMETERS \
    RUST_BACKTRACE RUST_LIB_BACKTRACE
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
}

# start_stack: the local Sigstore stack in $STACK; URL and OIDC are its service and issuer URLs.
start_stack() {
  step "starting the local Sigstore stack"
  STACK_WATCH_PID=$$ "$ROOT/tests/stack/start.sh" "$STACK" >&2
  stack_started=1
  URL=$(cat "$STACK/url")
  OIDC=$(cat "$STACK/oidc_url")
}

# start_agent_and_login: the credential agent, and one login through the stack's headless
# browser flow (needs SIGSEAL_FULCIO_URL, SIGSEAL_OIDC_ISSUER, BROWSER set by the caller).
start_agent_and_login() {
  step "starting the credential agent and logging in once (headless browser flow)"
  "$BIN" agent </dev/null >/dev/null 2>"$tmp/agent.log" &
  agent_pid=$!
  for _ in $(seq 100); do
    [ -S "$XDG_RUNTIME_DIR/sigseal/agent.sock" ] && break
    kill -0 "$agent_pid" 2>/dev/null || { cat "$tmp/agent.log" >&2; die "the agent exited"; }
    sleep 0.05
  done
  [ -S "$XDG_RUNTIME_DIR/sigseal/agent.sock" ] || die "the agent did not come up"
  login
}

# login: log in (again) through the agent; login_at is when.
login() {
  "$BIN" login --flow browser </dev/null >"$tmp/login.log" 2>&1 || { cat "$tmp/login.log" >&2; die "sigseal login failed"; }
  tail -n 1 "$tmp/login.log" >&2
  login_at=$SECONDS
}
