//! Doc examples do not rot: every command block of README.md and docs/*.md runs here.
//!
//! The convention (enforced below, so it cannot drift):
//!
//! - A fenced code block with the info string `sh` holds commands, and only commands: no `$ `
//!   prompts, no output. Each one is run by `bash -euo pipefail` and must exit 0.
//! - Every other fenced block names what it holds: `text` (output, messages, formats, policy
//!   file lines), `yaml`, `json`, `ini`, `toml`. A block without an info string, or with
//!   `bash`, `shell`, `console` and the like, is an error: commands go in `sh` blocks.
//! - An HTML comment on the line right before an `sh` block changes how it runs:
//!   - `<!-- doctest: skip (REASON) -->`: not run, because it cannot run offline against the
//!     local stack (it needs the public Sigstore instance, a real CI runner, cosign, ...). The
//!     reason is mandatory; skipped blocks and their reasons are listed on every run.
//!   - `<!-- doctest: exit=N -->`: the block must exit with status N (a failure shown on
//!     purpose, e.g. a changed file being rejected).
//! - `<!-- doctest: setup ... -->` (one line, or up to the line holding `-->`) is a hidden
//!   script run at that point, for state the reader need not see (a release signed by a CI
//!   workflow, a tag made earlier). It must exit 0.
//! - `<!-- doctest: fill {{NAME}}=VALUE ... -->` fills template placeholders in the `sh`
//!   blocks after it (for docs/release-notes-template.md). A placeholder left unfilled fails.
//!
//! How blocks run: each file gets a fresh sandbox (temporary HOME, `sigseal` on PATH, a git
//! repository with `sigseal setup` done and the fixture files the docs use, see `PREPARE`),
//! pointed at one local Sigstore stack shared by all files (`SIGSEAL_FULCIO_URL`, `_REKOR_URL`,
//! `_TRUSTED_ROOT`, `_OIDC_ISSUER`), with an identity token for alice@example.com in
//! `SIGSTORE_ID_TOKEN`, `SIGSEAL_PASSWORD` for key files, `SIGSEAL_AGENT=false` (a block that
//! needs the agent turns it on in a setup), and `BROWSER` set to tests/stack/fakebrowser.sh so
//! `sigseal login` completes headless. Blocks of a file run in order, each from the repository
//! directory; files and exported variables carry over to the next block of the same file.
//!
//! The docs show the public values a reader uses; `public_to_local` maps them to the stack
//! (e.g. `--certificate-oidc-issuer https://token.actions.githubusercontent.com` becomes the
//! stack's issuer, whose tokens can carry a GitHub workflow's claims; see `doctest-token`).
//! Identities such as `alice@example.com` stay as they are.
//!
//! `DOCTEST_VERBOSE=1 cargo test --test integration doc_examples:: -- --nocapture` prints every block as
//! run, with its exit status and output.

use crate::common;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{repo_root, sigseal_bin, Stack};

/// Info string of the blocks that run.
const RUN: &str = "sh";
/// Info strings of blocks that are not commands.
const NOT_RUN: &[&str] = &["text", "yaml", "json", "ini", "toml"];
/// Info strings people use for commands; here they must be `sh`.
const SHELL_ALIASES: &[&str] =
    &["bash", "shell", "console", "zsh", "shell-session", "sh-session", "terminal", "shellsession"];
/// Longest a single block may take.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(180);

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    /// An `sh` block, expected to exit with this status.
    Run { exit: i32 },
    /// An `sh` block that is not run, with the reason.
    Skip(String),
    /// A hidden setup script.
    Setup,
    /// Placeholder values for the blocks after it.
    Fill(Vec<(String, String)>),
    /// A block that is not a command (`text`, `yaml`, ...).
    NotRun,
}

#[derive(Debug, Clone)]
struct Block {
    /// 1-based line of the opening fence (or of the comment).
    line: usize,
    text: String,
    mode: Mode,
}

/// A doctest annotation waiting for the code block on the next line.
struct Pending {
    line: usize,
    mode: Mode,
}

fn fence_open(line: &str) -> Option<(usize, usize, String)> {
    let trimmed = line.trim_start_matches(' ');
    let ticks = trimmed.chars().take_while(|&c| c == '`').count();
    if ticks < 3 {
        return None;
    }
    let indent = line.len() - trimmed.len();
    let info = trimmed[ticks..].split_whitespace().next().unwrap_or("").to_string();
    Some((indent, ticks, info))
}

fn is_fence_close(line: &str, ticks: usize) -> bool {
    let trimmed = line.trim();
    let n = trimmed.chars().take_while(|&c| c == '`').count();
    n >= ticks && trimmed[n..].trim().is_empty()
}

fn strip_indent(line: &str, indent: usize) -> &str {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    &line[spaces.min(indent)..]
}

/// The annotation of a single-line `<!-- doctest: ... -->` comment (the part after `doctest:`).
fn parse_annotation(body: &str) -> Result<Mode, String> {
    let body = body.trim();
    if let Some(rest) = body.strip_prefix("skip") {
        let rest = rest.trim();
        let reason = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')).map_or("", str::trim);
        if reason.is_empty() {
            return Err("`skip` needs a reason: `<!-- doctest: skip (why it cannot run offline) -->`".into());
        }
        return Ok(Mode::Skip(reason.to_string()));
    }
    if let Some(code) = body.strip_prefix("exit=") {
        let code: i32 = code.trim().parse().map_err(|_| format!("`exit=` needs a number, not {code:?}"))?;
        if !(0..=255).contains(&code) {
            return Err(format!("exit status {code} is out of range"));
        }
        return Ok(Mode::Run { exit: code });
    }
    Err(format!("unknown doctest annotation {body:?} (known: `skip (REASON)`, `exit=N`, `setup`, `fill`)"))
}

fn parse_fill(body: &str) -> Result<Mode, String> {
    let mut pairs = Vec::new();
    for item in body.split_whitespace() {
        let (k, v) =
            item.split_once('=').ok_or_else(|| format!("`fill` takes {{{{NAME}}}}=VALUE pairs, not {item:?}"))?;
        if !(k.starts_with("{{") && k.ends_with("}}")) {
            return Err(format!("a placeholder is written {{{{NAME}}}}, not {k:?}"));
        }
        pairs.push((k.to_string(), v.to_string()));
    }
    if pairs.is_empty() {
        return Err("`fill` without placeholders".into());
    }
    Ok(Mode::Fill(pairs))
}

/// Every code block and doctest comment of a Markdown file, or every convention error.
fn parse(name: &str, src: &str) -> Result<Vec<Block>, Vec<String>> {
    let lines: Vec<&str> = src.lines().collect();
    let mut blocks = Vec::new();
    let mut errors = Vec::new();
    let mut pending: Option<Pending> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(p) = pending.take() {
            if fence_open(line).is_none() {
                errors.push(format!(
                    "{name}:{}: a doctest annotation must be on the line right before an `sh` code block",
                    p.line
                ));
            } else {
                pending = Some(p);
            }
        }
        if let Some((indent, ticks, info)) = fence_open(line) {
            let start = i + 1;
            let mut body = Vec::new();
            i += 1;
            let mut closed = false;
            while i < lines.len() {
                if is_fence_close(lines[i], ticks) {
                    closed = true;
                    break;
                }
                body.push(strip_indent(lines[i], indent));
                i += 1;
            }
            if !closed {
                errors.push(format!("{name}:{start}: code block is never closed"));
            }
            let mut text = body.join("\n");
            text.push('\n');
            let annotation = pending.take().map(|p| p.mode);
            let mode = if info == RUN {
                for (n, l) in body.iter().enumerate() {
                    if l.starts_with("$ ") || l.trim() == "$" {
                        errors.push(format!(
                            "{name}:{}: an `sh` block holds commands only: drop the `$ ` prompt and put output in a `text` block",
                            start + 1 + n
                        ));
                    }
                }
                annotation.unwrap_or(Mode::Run { exit: 0 })
            } else {
                if info.is_empty() {
                    errors.push(format!(
                        "{name}:{start}: code block without an info string: `sh` for commands (they are run), `text` for output and other text, or {}",
                        NOT_RUN[1..].join(", ")
                    ));
                } else if SHELL_ALIASES.contains(&info.as_str()) {
                    errors.push(format!(
                        "{name}:{start}: commands go in `sh` blocks, not `{info}` (and without `$ ` prompts)"
                    ));
                } else if !NOT_RUN.contains(&info.as_str()) {
                    errors.push(format!(
                        "{name}:{start}: unknown info string `{info}` (use `sh`, {})",
                        NOT_RUN.join(", ")
                    ));
                }
                if annotation.is_some() {
                    errors.push(format!(
                        "{name}:{start}: a doctest annotation on a `{info}` block: only `sh` blocks run"
                    ));
                }
                Mode::NotRun
            };
            blocks.push(Block { line: start, text, mode });
            i += 1;
            continue;
        }
        let t = line.trim();
        if let Some(after) = t.strip_prefix("<!--") {
            let after = after.trim_start();
            if after.starts_with("doctest") {
                let Some(rest) = after.strip_prefix("doctest:") else {
                    errors.push(format!("{name}:{}: write doctest comments as `<!-- doctest: ... -->`", i + 1));
                    i += 1;
                    continue;
                };
                let rest = rest.trim_start();
                if let Some(script) = rest.strip_prefix("setup") {
                    let start = i + 1;
                    // Lines keep their place relative to the comment (indented in a list item).
                    let indent = line.len() - line.trim_start_matches(' ').len();
                    let mut body = Vec::new();
                    let mut script = script.to_string();
                    loop {
                        if let Some(pos) = script.find("-->") {
                            body.push(script[..pos].to_string());
                            break;
                        }
                        body.push(script.clone());
                        i += 1;
                        if i >= lines.len() {
                            errors.push(format!("{name}:{start}: doctest setup comment is never closed"));
                            break;
                        }
                        script = strip_indent(lines[i], indent).to_string();
                    }
                    let text = body.join("\n").trim().to_string() + "\n";
                    blocks.push(Block { line: start, text, mode: Mode::Setup });
                } else if let Some(body) = rest.strip_prefix("fill") {
                    match body.find("-->").map(|p| parse_fill(&body[..p])) {
                        Some(Ok(mode)) => blocks.push(Block { line: i + 1, text: String::new(), mode }),
                        Some(Err(e)) => errors.push(format!("{name}:{}: {e}", i + 1)),
                        None => errors.push(format!("{name}:{}: a `fill` comment must end on its line", i + 1)),
                    }
                } else {
                    match rest.strip_suffix("-->").map(parse_annotation) {
                        Some(Ok(mode)) => pending = Some(Pending { line: i + 1, mode }),
                        Some(Err(e)) => errors.push(format!("{name}:{}: {e}", i + 1)),
                        None => errors
                            .push(format!("{name}:{}: a doctest annotation must end on its line with `-->`", i + 1)),
                    }
                }
            }
        }
        i += 1;
    }
    if let Some(p) = pending {
        errors.push(format!(
            "{name}:{}: a doctest annotation must be on the line right before an `sh` code block",
            p.line
        ));
    }
    if errors.is_empty() {
        Ok(blocks)
    } else {
        Err(errors)
    }
}

/// README.md and docs/*.md, by name relative to the repository.
fn doc_files() -> Vec<(String, PathBuf)> {
    let root = repo_root();
    let mut files = vec![("README.md".to_string(), root.join("README.md"))];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    for p in docs {
        let name = format!("docs/{}", p.file_name().unwrap().to_string_lossy());
        files.push((name, p));
    }
    files
}

fn parse_all() -> Result<Vec<(String, Vec<Block>)>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, path) in doc_files() {
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match parse(&name, &src) {
            Ok(blocks) => out.push((name, blocks)),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

// ---------------------------------------------------------------------------------------------
// Public values in the docs -> the local stack

/// `s` with regular-expression metacharacters escaped (as a doc would write the URL in a regexp).
fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What the docs show for the public instance (and for a private one, with example.com
/// hosts), and what it becomes against the local stack. A URL is replaced only as a whole
/// word: `https://gitlab.com` as an issuer, not inside `https://gitlab.com/acme/app//...`.
fn public_to_local(stack: &Stack) -> Vec<(String, String)> {
    let oidc = stack.oidc.clone();
    let url = stack.url.clone();
    let mut table = Vec::new();
    for issuer in [
        "https://github.com/login/oauth",
        "https://accounts.google.com",
        "https://token.actions.githubusercontent.com",
        "https://gitlab.com",
        "https://oauth2.sigstore.dev/auth",
        "https://oauth2.sigstore.example.com/auth",
    ] {
        table.push((issuer.to_string(), oidc.clone()));
        table.push((regex_escape(issuer), regex_escape(&oidc)));
    }
    for service in ["https://fulcio.sigstore.example.com", "https://rekor.sigstore.example.com"] {
        table.push((service.to_string(), url.clone()));
    }
    for tsa in
        ["https://timestamp.sigstore.example.com/api/v1/timestamp", "https://timestamp.example.com/api/v1/timestamp"]
    {
        table.push((tsa.to_string(), format!("{url}/api/v1/timestamp")));
    }
    table.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    table
}

fn word_boundary_before(c: Option<char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || "\"'=(:,".contains(c))
}

fn word_boundary_after(c: Option<char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || "\"'),;".contains(c))
}

/// Replace each `from` that stands as a whole word.
fn substitute(text: &str, table: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (from, to) in table {
        let mut result = String::new();
        let mut rest = out.as_str();
        let mut prev: Option<char> = None;
        while let Some(pos) = rest.find(from.as_str()) {
            let before = if pos == 0 { prev } else { rest[..pos].chars().next_back() };
            let after = rest[pos + from.len()..].chars().next();
            result.push_str(&rest[..pos]);
            if word_boundary_before(before) && word_boundary_after(after) {
                result.push_str(to);
            } else {
                result.push_str(from);
            }
            prev = from.chars().next_back();
            rest = &rest[pos + from.len()..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

fn fill(text: &str, fills: &[(String, String)]) -> String {
    fills.iter().fold(text.to_string(), |t, (k, v)| t.replace(k.as_str(), v))
}

// ---------------------------------------------------------------------------------------------
// The sandbox

/// `doctest-token`: a token from the stack's issuer, for setup comments.
const DOCTEST_TOKEN: &str = r#"#!/usr/bin/env bash
# Mint an ID token at the local stack's OIDC issuer (doc examples only).
#   doctest-token [EMAIL]                           a person (default alice@example.com)
#   doctest-token github OWNER/REPO REF [WORKFLOW]  a GitHub Actions run of .github/workflows/WORKFLOW
#                                                   (default release.yml) on REF, with GitHub's claims
#   doctest-token gitlab GROUP/PROJECT REF          a GitLab CI job of .gitlab-ci.yml on REF
set -euo pipefail
q=(-G --data-urlencode ttl=900)
who=${1:-alice@example.com}
case "$who" in
  github)
    repo=$2 ref=$3 wf=${4:-release.yml}
    path="$repo/.github/workflows/$wf@$ref"
    q+=(--data-urlencode "sub=https://github.com/$path" --data-urlencode email= --data-urlencode email_verified=false
        --data-urlencode "repository=$repo" --data-urlencode "ref=$ref" --data-urlencode event_name=push
        --data-urlencode sha=0123456789abcdef0123456789abcdef01234567 --data-urlencode workflow=Release
        --data-urlencode "job_workflow_ref=$path" --data-urlencode "workflow_ref=$path"
        --data-urlencode "repository_owner=${repo%%/*}" --data-urlencode repository_id=123
        --data-urlencode repository_owner_id=456 --data-urlencode runner_environment=github-hosted
        --data-urlencode run_id=42 --data-urlencode run_attempt=1)
    ;;
  gitlab)
    project=$2 ref=$3
    q+=(--data-urlencode "sub=https://gitlab.com/$project//.gitlab-ci.yml@$ref" --data-urlencode email=
        --data-urlencode email_verified=false --data-urlencode "project_path=$project" --data-urlencode "ref=$ref")
    ;;
  *)
    q+=(--data-urlencode "sub=$who" --data-urlencode "email=$who" --data-urlencode email_verified=true)
    ;;
esac
curl -fsS --max-time 20 "${q[@]}" "$DOCTEST_OIDC/_token"
"#;

/// `doctest-approve-device`: run in the background before `sigseal login --device`; approves
/// the first device code printed after it starts, as a person at another device would.
const DOCTEST_APPROVE_DEVICE: &str = r#"#!/usr/bin/env bash
set -euo pipefail
start=$(wc -c < "$DOCTEST_LOG")
for _ in $(seq 1 600); do
  code=$(tail -c +"$((start + 1))" "$DOCTEST_LOG" | sed -n 's/.*enter the code: \([A-Za-z0-9-]*\).*/\1/p' | head -n 1)
  if [ -n "$code" ]; then
    exec curl -fsS --max-time 20 -o /dev/null "$DOCTEST_OIDC/device?user_code=$code"
  fi
  sleep 0.1
done
echo "doctest-approve-device: no device code appeared" >&2
exit 1
"#;

/// `doctest-github-env`, sourced (`. doctest-github-env OWNER/REPO REF [WORKFLOW]`): the
/// variables a GitHub Actions run of .github/workflows/WORKFLOW on REF has, which
/// `attest-blob --type slsaprovenance1` reads. (The token comes from `doctest-token github`.)
const DOCTEST_GITHUB_ENV: &str = r#"# sourced by setup comments of the doc examples
export GITHUB_REPOSITORY="$1" GITHUB_REF="$2"
export GITHUB_WORKFLOW_REF="$1/.github/workflows/${3:-release.yml}@$2"
export GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 GITHUB_EVENT_NAME=push
export GITHUB_RUN_ID=42 GITHUB_RUN_ATTEMPT=1 GITHUB_SERVER_URL=https://github.com
export GITHUB_REPOSITORY_ID=123 GITHUB_REPOSITORY_OWNER_ID=456 RUNNER_ENVIRONMENT=github-hosted
"#;

/// The fixture every file starts from, run in the repository directory.
const PREPARE: &str = r#"
git config --global user.name "Alice"
git config --global user.email alice@example.com
git config --global init.defaultBranch main
git init -q .
sigseal setup >/dev/null
printf '# app\n' > README.md
git add README.md
git -c commit.gpgSign=false commit -q -m "initial commit"
printf 'dist/\n*.sigstore.json\n*.sig\n*.pem\n*.key\n*.pub\n' >> .git/info/exclude
# release assets
mkdir dist
for f in app-linux-amd64.tar.gz app-darwin-arm64.tar.gz app.exe app.tar.gz app.zip; do
  printf 'contents of %s\n' "$f" > "dist/$f"
done
for f in app.tar.gz app-linux-amd64.tar.gz app-darwin-arm64.tar.gz; do
  cp "dist/$f" "$f"
done
printf '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}\n' > sbom.cdx.json
# the trust material of the instance in use (here: the local stack)
cp "$DOCTEST_STACK/trusted_root.json" "$DOCTEST_STACK/signing_config.json" .
"#;

struct Sandbox {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
    log: PathBuf,
    n: usize,
}

impl Sandbox {
    fn new(stack: &Stack, sigstore_python: Option<&Path>) -> Sandbox {
        let dir = tempfile::tempdir().expect("sandbox dir");
        let d = dir.path();
        for sub in ["home", "bin", "run", "tmp", "work", "state"] {
            std::fs::create_dir(d.join(sub)).expect("sandbox subdir");
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("run"), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::symlink(sigseal_bin(), d.join("bin/sigseal")).expect("symlink sigseal");
        let mut scripts = vec![
            ("doctest-token", DOCTEST_TOKEN.to_string()),
            ("doctest-approve-device", DOCTEST_APPROVE_DEVICE.to_string()),
            ("doctest-github-env", DOCTEST_GITHUB_ENV.to_string()),
        ];
        if let Some(py) = sigstore_python {
            // sigstore-python against the local stack: its trust config replaces the public
            // instance's TUF root and URLs.
            scripts.push((
                "sigstore",
                format!(
                    "#!/bin/sh\nexec '{}' --trust-config \"$DOCTEST_STACK/trust_config.json\" \"$@\"\n",
                    py.display()
                ),
            ));
        }
        for (name, body) in scripts {
            let p = d.join("bin").join(name);
            std::fs::write(&p, body).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let log = d.join("state/output.log");
        File::create(&log).unwrap();

        let path =
            format!("{}:{}", d.join("bin").display(), std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()));
        let s = |p: &str| d.join(p).display().to_string();
        let mut env = BTreeMap::new();
        for (k, v) in [
            ("PATH", path),
            ("HOME", s("home")),
            ("XDG_CONFIG_HOME", s("home/.config")),
            ("XDG_RUNTIME_DIR", s("run")),
            ("TMPDIR", s("tmp")),
            ("LC_ALL", "C".into()),
            ("COLUMNS", "200".into()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("SIGSEAL_FULCIO_URL", stack.url.clone()),
            ("SIGSEAL_REKOR_URL", stack.url.clone()),
            ("SIGSEAL_TRUSTED_ROOT", stack.trusted_root().display().to_string()),
            ("SIGSEAL_OIDC_ISSUER", stack.oidc.clone()),
            ("SIGSTORE_ID_TOKEN", stack.token("alice@example.com", 900)),
            ("SIGSEAL_PASSWORD", "correct horse battery staple".into()),
            ("SIGSEAL_AGENT", "false".into()),
            ("BROWSER", repo_root().join("tests/stack/fakebrowser.sh").display().to_string()),
            ("DOCTEST_STACK", stack.dir.path().display().to_string()),
            ("DOCTEST_OIDC", stack.oidc.clone()),
            ("DOCTEST_URL", stack.url.clone()),
            ("DOCTEST_LOG", log.display().to_string()),
        ] {
            env.insert(k.to_string(), v);
        }
        Sandbox { dir, env, log, n: 0 }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Run a script; returns (exit status, or None on timeout; its output).
    fn run(&mut self, script: &str) -> (Option<i32>, String) {
        self.n += 1;
        let state = self.dir.path().join("state");
        let file = state.join(format!("block-{}.sh", self.n));
        let env_out = state.join(format!("env-{}", self.n));
        std::fs::write(&file, format!("trap 'env -0 > \"$DOCTEST_ENV_OUT\"' EXIT\n{script}")).unwrap();
        let start = std::fs::metadata(&self.log).map_or(0, |m| m.len());
        let out = File::options().append(true).open(&self.log).unwrap();
        let mut c = common::detached(Path::new("/bin/bash"));
        c.args(["-euo", "pipefail"]).arg(&file);
        c.env_clear().envs(&self.env).env("DOCTEST_ENV_OUT", &env_out);
        c.current_dir(self.work()).stdin(Stdio::null()).stdout(out.try_clone().unwrap()).stderr(out);
        let mut child = c.spawn().expect("spawn bash");
        let deadline = Instant::now() + BLOCK_TIMEOUT;
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait bash") {
                break s.code();
            }
            if Instant::now() > deadline {
                let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Ok(bytes) = std::fs::read(&env_out) {
            let mut env = BTreeMap::new();
            for item in bytes.split(|&b| b == 0).filter(|i| !i.is_empty()) {
                let item = String::from_utf8_lossy(item);
                if let Some((k, v)) = item.split_once('=') {
                    if !["PWD", "OLDPWD", "SHLVL", "_", "DOCTEST_ENV_OUT"].contains(&k) {
                        env.insert(k.to_string(), v.to_string());
                    }
                }
            }
            self.env = env;
        }
        let mut output = String::new();
        let mut f = File::open(&self.log).unwrap();
        f.seek(SeekFrom::Start(start)).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        output.push_str(&String::from_utf8_lossy(&bytes));
        (status, output)
    }

    /// Stop an agent a block may have started.
    fn finish(&mut self) {
        let _ = self.run("sigseal agent --stop >/dev/null 2>&1 || true");
    }
}

// ---------------------------------------------------------------------------------------------
// Running

#[derive(Default)]
struct Report {
    ran: usize,
    setups: usize,
    skipped: Vec<(usize, String)>,
    failure: Option<String>,
    elapsed: Duration,
}

fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

fn run_doc(stack: &Stack, python: Option<&Path>, name: &str, blocks: &[Block]) -> Report {
    let t0 = Instant::now();
    let mut report = Report::default();
    let table = public_to_local(stack);
    let mut sandbox = Sandbox::new(stack, python);
    let (status, output) = sandbox.run(PREPARE);
    if status != Some(0) {
        report.failure = Some(format!("{name}: preparing the sandbox failed ({status:?}):\n{output}"));
        return report;
    }
    let mut fills: Vec<(String, String)> = Vec::new();
    for b in blocks {
        let expected = match &b.mode {
            Mode::NotRun => continue,
            Mode::Skip(reason) => {
                report.skipped.push((b.line, reason.clone()));
                continue;
            }
            Mode::Fill(pairs) => {
                fills.extend(pairs.iter().cloned());
                continue;
            }
            Mode::Setup => 0,
            Mode::Run { exit } => *exit,
        };
        let script = substitute(&fill(&b.text, &fills), &table);
        if let Some(pos) = script.find("{{") {
            let end = script[pos..].find("}}").map_or(script.len(), |e| pos + e + 2);
            report.failure = Some(format!(
                "{name}:{}: placeholder {} is not filled (add it to a `<!-- doctest: fill ... -->` comment)",
                b.line,
                &script[pos..end]
            ));
            break;
        }
        let (status, output) = sandbox.run(&script);
        if std::env::var_os("DOCTEST_VERBOSE").is_some() {
            eprintln!("==> {name}:{} ({:?}, exit {status:?})\n{script}--- output ---\n{output}", b.line, b.mode);
        }
        if status != Some(expected) {
            let what = if b.mode == Mode::Setup { "doctest setup" } else { "`sh` block" };
            let got = status
                .map_or(format!("was killed after {} s", BLOCK_TIMEOUT.as_secs()), |s| format!("exited with {s}"));
            let shown = if script == b.text {
                String::new()
            } else {
                format!("--- as run (public values mapped to the local stack) ---\n{script}")
            };
            report.failure = Some(format!(
                "{name}:{}: {what} {got} (expected {expected})\n--- block ---\n{}{shown}--- output ---\n{}",
                b.line,
                b.text,
                tail(&output, 12000)
            ));
            break;
        }
        if b.mode == Mode::Setup {
            report.setups += 1;
        } else {
            report.ran += 1;
        }
    }
    sandbox.finish();
    report.elapsed = t0.elapsed();
    report
}

/// Does a block call sigstore-python's `sigstore` command?
fn uses_sigstore_python(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| {
        matches!(b.mode, Mode::Run { .. } | Mode::Setup)
            && b.text.lines().any(|l| l.trim_start().starts_with("sigstore ") || l.contains("| sigstore "))
    })
}

#[test]
fn doc_code_blocks_follow_the_convention() {
    if let Err(errors) = parse_all() {
        panic!("{} problem(s) with doc code blocks:\n{}", errors.len(), errors.join("\n"));
    }
}

#[test]
fn doc_examples_run() {
    let docs = match parse_all() {
        Ok(d) => d,
        Err(errors) => panic!("{} problem(s) with doc code blocks:\n{}", errors.len(), errors.join("\n")),
    };
    let t0 = Instant::now();
    let stack = Stack::shared();
    let python = docs.iter().any(|(_, b)| uses_sigstore_python(b)).then(common::sigstore_python);
    let queue = Mutex::new(docs.iter().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(4, std::num::NonZero::get).clamp(1, 6);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some((name, blocks)) = queue.lock().unwrap().pop() else { break };
                let report = run_doc(stack, python, name, blocks);
                results.lock().unwrap().push((name.clone(), report));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let (mut ran, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for (name, r) in &results {
        eprintln!(
            "doc examples: {name}: {} run, {} skipped, {} setup ({:.1} s){}",
            r.ran,
            r.skipped.len(),
            r.setups,
            r.elapsed.as_secs_f64(),
            if r.failure.is_some() { ", FAILED" } else { "" }
        );
        for (line, reason) in &r.skipped {
            eprintln!("    skipped {name}:{line}: {reason}");
        }
        ran += r.ran;
        skipped += r.skipped.len();
        if let Some(f) = &r.failure {
            failures.push(f.clone());
        }
    }
    eprintln!(
        "doc examples: {ran} run, {skipped} skipped, in {} files ({:.1} s)",
        results.len(),
        t0.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{} doc file(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
    assert!(ran > 0, "no doc example ran");
}

#[test]
fn runner_reports_the_failing_block_and_keeps_state_between_blocks() {
    let stack = Stack::shared();
    let doc = "```sh\nexport GREETING=hello\nprintf 'x\\n' > state.txt\ncd dist\n```\n\
               <!-- doctest: setup\ntest \"$GREETING\" = hello && test -f state.txt && test -f dist/app.exe\n-->\n\
               <!-- doctest: exit=3 -->\n```sh\nexit 3\n```\n\
               <!-- doctest: skip (cannot run) -->\n```sh\nfalse\n```\n\
               ```sh\necho visible-output\nunset GREETING\n```\n\
               ```sh\necho \"still ${GREETING:-unset}\"\nsigseal verify-blob app.tar.gz --certificate-identity alice@example.com \\\n  --certificate-oidc-issuer https://github.com/login/oauth\n```\n\
               ```sh\necho never run\n```\n";
    let blocks = parse("t.md", doc).unwrap();
    let report = run_doc(stack, None, "t.md", &blocks);
    assert_eq!((report.ran, report.setups), (3, 1));
    assert_eq!(report.skipped, vec![(14, "cannot run".to_string())]);
    let failure = report.failure.expect("the verify-blob block fails: app.tar.gz was never signed");
    for part in [
        "t.md:21: `sh` block exited with 1 (expected 0)",
        "--- block ---\necho \"still ${GREETING:-unset}\"",
        &format!("--certificate-oidc-issuer {}", stack.oidc),
        "still unset",
        "1 failed",
    ] {
        assert!(failure.contains(part), "{part:?} missing from:\n{failure}");
    }
    assert!(!failure.contains("never run"), "blocks after a failure must not run:\n{failure}");
}

// ---------------------------------------------------------------------------------------------
// The parser itself

#[test]
fn parser_reads_blocks_and_annotations() {
    let src = "# T\n\n```sh\necho hi\n```\n\n<!-- doctest: skip (needs the internet) -->\n```sh\ncurl https://example.com\n```\n\
               <!-- doctest: exit=1 -->\n```sh\nfalse\n```\n<!-- doctest: setup\nexport A=1\n-->\n\
               <!-- doctest: fill {{V}}=v1 -->\n- item:\n\n  ```sh\n  echo {{V}}\n  ```\n```text\n$ not run\n```\n";
    let blocks = parse("t.md", src).unwrap();
    let modes: Vec<_> = blocks.iter().map(|b| b.mode.clone()).collect();
    assert_eq!(
        modes,
        vec![
            Mode::Run { exit: 0 },
            Mode::Skip("needs the internet".into()),
            Mode::Run { exit: 1 },
            Mode::Setup,
            Mode::Fill(vec![("{{V}}".into(), "v1".into())]),
            Mode::Run { exit: 0 },
            Mode::NotRun
        ]
    );
    assert_eq!(blocks[0].line, 3);
    assert_eq!(blocks[3].text, "export A=1\n");
    assert_eq!(blocks[5].text, "echo {{V}}\n");
}

#[test]
fn parser_rejects_what_the_convention_forbids() {
    for (src, expect) in [
        ("<!-- doctest: skip -->\n```sh\nx\n```\n", "needs a reason"),
        ("<!-- doctest: skip () -->\n```sh\nx\n```\n", "needs a reason"),
        ("<!-- doctest: skip (why) -->\n\n```sh\nx\n```\n", "right before"),
        ("<!-- doctest: skip (why) -->\n```yaml\nx: 1\n```\n", "only `sh` blocks run"),
        ("```\nx\n```\n", "without an info string"),
        ("```bash\nx\n```\n", "not `bash`"),
        ("```console\n$ x\n```\n", "not `console`"),
        ("```sh\n$ sigseal verify\n```\n", "prompt"),
        ("```sh\nx\n", "never closed"),
        ("<!-- doctest: maybe -->\n```sh\nx\n```\n", "unknown doctest annotation"),
    ] {
        let errors = parse("t.md", src).expect_err(src).join("\n");
        assert!(errors.contains(expect), "{src:?}: {errors}");
    }
}

#[test]
fn public_values_are_replaced_as_whole_words_only() {
    let table = vec![
        ("https://gitlab.com".to_string(), "http://127.0.0.1:1".to_string()),
        (regex_escape("https://gitlab.com"), regex_escape("http://127.0.0.1:1")),
    ];
    let text = "--certificate-oidc-issuer https://gitlab.com \\\n  --certificate-identity 'https://gitlab.com/acme/app//.gitlab-ci.yml@refs/tags/v1'\n\
                --certificate-oidc-issuer-regexp 'https://gitlab\\.com'\n";
    assert_eq!(
        substitute(text, &table),
        "--certificate-oidc-issuer http://127.0.0.1:1 \\\n  --certificate-identity 'https://gitlab.com/acme/app//.gitlab-ci.yml@refs/tags/v1'\n\
         --certificate-oidc-issuer-regexp 'http://127\\.0\\.0\\.1:1'\n"
    );
}
