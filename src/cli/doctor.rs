//! `sigseal doctor`: checks what signing and verifying depend on (git and its configuration,
//! PATH, sigseal's own configuration, the trusted root and its TUF cache, the configured
//! services, the credential agent, the ambient token source) and prints one finding per check,
//! each with a fix when something is wrong.
//!
//! Nothing here waits without a bound: every service is asked once with a 5-second limit, all at
//! once, the agent gets 3 seconds, and programs run to learn their version get 2 seconds. No
//! token is requested and no token or key is ever printed; token claims (identity, issuer,
//! expiry) are the most that is shown.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::config::{git_program, Config, TokenProvider};
use crate::error::{Error, Result};
use crate::identity::{agent, ci, Token};
use crate::sigstore::{Instance, RootWindows, Window};
use crate::trust::RootSource;

/// Oldest git that knows `gpg.format = x509` and `gpg.x509.program` (Git 2.19.0 release notes:
/// "Teach `git tag -s` etc. a few configuration variables (gpg.format that can be set to
/// "openpgp" or "x509", and gpg.<format>.program ...)").
pub const MIN_GIT: (u32, u32, u32) = (2, 19, 0);
/// How long each service may take to answer.
const SERVICE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the agent may take to answer.
const AGENT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a program run for its version (git, the configured signing program) may take.
const PROGRAM_TIMEOUT: Duration = Duration::from_secs(2);
/// How long git may take for a configuration lookup.
const GIT_TIMEOUT: Duration = Duration::from_secs(5);
/// TUF metadata written longer ago than this is reported as stale.
const TUF_STALE_AFTER: i64 = 7 * 24 * 3600;
/// A trust authority whose validity ends within this many seconds is reported.
const EXPIRY_WARNING: i64 = 30 * 24 * 3600;

/// Arguments of `sigseal doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Skip the network: no service is contacted and the trusted root is not refreshed.
    #[arg(long)]
    offline: bool,
    /// Report format.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

/// Report format of `sigseal doctor`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per finding, fixes indented below.
    #[default]
    Text,
    /// One JSON document: findings, summary, exit code.
    Json,
}

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but something is off or will break; the exit code stays 0.
    Warn,
    /// Broken: signing or verifying will fail; the exit code is 1.
    Fail,
    /// Worth knowing, nothing to fix.
    Info,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Info => "info",
        }
    }
}

/// One finding: a stable check name, its status, what was found and, for warn and fail, what to
/// do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable check name, e.g. `fulcio`.
    pub check: &'static str,
    /// The outcome.
    pub status: Status,
    /// What was found, on one line.
    pub detail: String,
    /// The command or setting that fixes it.
    pub fix: Option<String>,
}

impl Finding {
    fn new(check: &'static str, status: Status, detail: impl Into<String>) -> Self {
        Self { check, status, detail: one_line(&detail.into()), fix: None }
    }
    fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Self::new(check, Status::Ok, detail)
    }
    fn info(check: &'static str, detail: impl Into<String>) -> Self {
        Self::new(check, Status::Info, detail)
    }
    fn warn(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(check, Status::Warn, detail).with_fix(fix)
    }
    fn fail(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(check, Status::Fail, detail).with_fix(fix)
    }
    fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(one_line(&fix.into()));
        self
    }
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

/// Every finding of a run, in check order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
    }

    /// 1 when any check failed, else 0 (warnings allowed).
    pub fn exit_code(&self) -> i32 {
        i32::from(self.count(Status::Fail) > 0)
    }

    /// The text report: one line per finding, fixes indented below, a summary line.
    pub fn text(&self) -> String {
        let width = self.findings.iter().map(|f| f.check.len()).max().unwrap_or(0);
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&format!("{:<4} {:<width$}  {}\n", f.status.label(), f.check, f.detail));
            if let Some(fix) = &f.fix {
                out.push_str(&format!("     fix: {fix}\n"));
            }
        }
        out.push_str(&format!(
            "summary: {} ok, {} warn, {} fail, {} info\n",
            self.count(Status::Ok),
            self.count(Status::Warn),
            self.count(Status::Fail),
            self.count(Status::Info)
        ));
        out
    }

    /// The JSON report: `{"findings": [...], "summary": {...}, "exit_code": N}`.
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Summary {
            ok: usize,
            warn: usize,
            fail: usize,
            info: usize,
        }
        #[derive(Serialize)]
        struct Document<'a> {
            findings: &'a [Finding],
            summary: Summary,
            exit_code: i32,
        }
        let doc = Document {
            findings: &self.findings,
            summary: Summary {
                ok: self.count(Status::Ok),
                warn: self.count(Status::Warn),
                fail: self.count(Status::Fail),
                info: self.count(Status::Info),
            },
            exit_code: self.exit_code(),
        };
        // Plain strings, numbers and enums: serializing cannot fail.
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }
}

/// Run `sigseal doctor`: print the report, return the exit code.
pub fn run(args: &DoctorArgs) -> Result<i32> {
    use std::io::Write;
    let report = diagnose(args.offline);
    let text = match args.output {
        Format::Text => report.text(),
        Format::Json => format!("{}\n", report.json()),
    };
    let mut stdout = super::out::stdout();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| Error::io("writing the report", e))?;
    Ok(report.exit_code())
}

/// Run every check. The network checks (services, trusted root refresh, agent) run on their own
/// thread while git and PATH are examined, so the slowest of them bounds the run.
pub fn diagnose(offline: bool) -> Report {
    let this = ThisSigseal::find();
    let config = Config::load();
    let mut findings = Vec::new();
    let (local, remote) = std::thread::scope(|scope| {
        let remote = config.as_ref().ok().map(|cfg| scope.spawn(move || remote_checks(cfg, offline)));
        let mut local = git_checks(&this);
        if let Ok(cfg) = &config {
            local.push(token_source(cfg));
        }
        let remote = remote.map(|handle| {
            handle.join().unwrap_or_else(|_| {
                vec![Finding::fail("doctor", "the network checks stopped unexpectedly", "run `sigseal doctor` again")]
            })
        });
        (local, remote)
    });
    let mut local = local.into_iter();
    // git-version, git-config, git-program, path
    findings.extend(local.by_ref().take(4));
    findings.push(match &config {
        Ok(cfg) => config_ok(cfg),
        Err(e) => Finding::fail(
            "config",
            format!("error[{}]: {e}", e.code()),
            e.hint().map(str::to_string).unwrap_or_else(|| {
                "correct the sigseal.* git config key or SIGSEAL_* variable named above \
                 (`git config --show-origin --get-regexp '^sigseal'` shows where each is set)"
                    .to_string()
            }),
        ),
    });
    match remote {
        Some(remote) => findings.extend(remote),
        None => {
            for check in ["trusted-root", "fulcio", "rekor", "oidc-issuer", "timestamp-authority", "agent"] {
                findings.push(Finding::info(check, "not checked: the configuration is invalid (see config)"));
            }
        }
    }
    // token-source, when the configuration loaded
    findings.extend(local);
    if config.is_err() {
        findings.push(Finding::info("token-source", "not checked: the configuration is invalid (see config)"));
    }
    Report { findings }
}

// ---------------------------------------------------------------------------------------------
// This binary, programs, PATH

/// The running sigseal: its canonical path and version.
struct ThisSigseal {
    exe: Option<PathBuf>,
    version: &'static str,
}

impl ThisSigseal {
    fn find() -> Self {
        Self { exe: std::env::current_exe().and_then(|p| p.canonicalize()).ok(), version: env!("CARGO_PKG_VERSION") }
    }

    fn exe_text(&self) -> String {
        self.exe.as_ref().map_or_else(|| "<this sigseal>".to_string(), |p| p.display().to_string())
    }
}

/// What came of running a program with a deadline.
struct Ran {
    success: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run `program args` with stdin closed and a deadline; killed when it runs over.
fn run_bounded(program: &OsStr, args: &[&str], timeout: Duration) -> std::result::Result<Ran, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", Path::new(program).display()))?;
    // Readers on their own threads, so that a full pipe never blocks the child and a
    // grandchild keeping a pipe open never blocks doctor.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.by_ref().take(1 << 20).read_to_end(&mut buf);
            }
            let _ = tx.send(String::from_utf8_lossy(&buf).to_string());
        });
        rx
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let name = Path::new(program).display().to_string();
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{name} did not finish within {} s", timeout.as_secs()));
            }
            Err(e) => return Err(format!("waiting for {name}: {e}")),
        }
    };
    let collect = |rx: std::sync::mpsc::Receiver<String>| {
        rx.recv_timeout(deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(100)))
            .unwrap_or_default()
    };
    Ok(Ran { success: status.success(), code: status.code(), stdout: collect(out), stderr: collect(err) })
}

/// Where a program name resolves: a name with a slash is a path (relative to `cwd`), anything
/// else is looked up on `path` as a shell would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// Nothing by that name.
    NotFound,
    /// A file that cannot be executed (or a directory).
    NotExecutable(PathBuf),
    /// An executable file.
    Found(PathBuf),
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Resolve `program` the way git's run-command does.
pub fn resolve_program(program: &str, path: Option<&OsStr>, cwd: &Path) -> Resolved {
    if program.contains('/') {
        let p = cwd.join(program);
        return if is_executable(&p) {
            Resolved::Found(p)
        } else if p.exists() {
            Resolved::NotExecutable(p)
        } else {
            Resolved::NotFound
        };
    }
    let mut not_executable = None;
    for dir in std::env::split_paths(path.unwrap_or_default()) {
        let dir = if dir.as_os_str().is_empty() { cwd.to_path_buf() } else { dir };
        let p = dir.join(program);
        if is_executable(&p) {
            return Resolved::Found(p);
        }
        if not_executable.is_none() && p.exists() {
            not_executable = Some(p);
        }
    }
    not_executable.map_or(Resolved::NotFound, Resolved::NotExecutable)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The version a `sigseal --version` line names (`sigseal 0.1.0`).
pub fn sigseal_version(version_output: &str) -> Option<String> {
    let line = version_output.lines().next()?.trim();
    let v = line.strip_prefix("sigseal ")?.trim();
    (!v.is_empty()).then(|| v.to_string())
}

// ---------------------------------------------------------------------------------------------
// git

/// `git version 2.39.5`, `git version 2.39.5.windows.1`, `git version 2.20.1 (Apple Git-117)`.
pub fn parse_git_version(output: &str) -> Option<(u32, u32, u32)> {
    let rest = output.lines().next()?.trim().strip_prefix("git version ")?;
    let number = rest.split_whitespace().next()?;
    let mut parts = number.split('.').map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    });
    let major = parts.next().flatten()?;
    let minor = parts.next().flatten()?;
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The `git-version` finding for `git --version`'s output.
pub fn classify_git_version(output: &str) -> Finding {
    let line = output.lines().next().unwrap_or("").trim().to_string();
    let (a, b, c) = MIN_GIT;
    match parse_git_version(output) {
        None => Finding::warn(
            "git-version",
            format!("cannot read git's version from {line:?}"),
            format!("use git {a}.{b} or newer (set SIGSEAL_GIT to its path if it is not the `git` on PATH)"),
        ),
        Some(v) if v < MIN_GIT => Finding::fail(
            "git-version",
            format!("{line}: too old, x509 signing (gpg.format / gpg.x509.program) needs git {a}.{b}.{c} or newer"),
            format!("upgrade git to {a}.{b} or newer"),
        ),
        Some(_) => Finding::ok("git-version", format!("{line} (x509 signing needs {a}.{b} or newer)")),
    }
}

/// A git config value and the file it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitValue {
    /// Where it is set (`file:.git/config`, `file:/home/u/.gitconfig`, `command line:`).
    pub origin: String,
    /// The value.
    pub value: String,
}

fn git_get(key: &str) -> std::result::Result<Option<GitValue>, String> {
    let git = git_program();
    let ran = run_bounded(OsStr::new(&git), &["config", "-z", "--show-origin", "--get", key], GIT_TIMEOUT)?;
    match ran.code {
        Some(0) => {
            let mut parts = ran.stdout.split('\0');
            let origin = parts.next().unwrap_or("").to_string();
            let value = parts.next().unwrap_or("").to_string();
            Ok(Some(GitValue { origin, value }))
        }
        Some(1) => Ok(None),
        _ => Err(format!("git config --get {key} failed: {}", ran.stderr.trim())),
    }
}

fn in_repository() -> bool {
    run_bounded(OsStr::new(&git_program()), &["rev-parse", "--git-dir"], GIT_TIMEOUT).is_ok_and(|r| r.success)
}

fn setup_fix(in_repo: bool, raw: &str) -> String {
    if in_repo {
        format!("sigseal setup (this repository) or sigseal setup --global (every repository); or: {raw}")
    } else {
        format!("sigseal setup --global; or: {}", raw.replacen("git config ", "git config --global ", 1))
    }
}

/// The `git-config` finding for the effective `gpg.format`.
pub fn classify_git_format(format: Option<&GitValue>, in_repo: bool) -> Finding {
    let fix = setup_fix(in_repo, "git config gpg.format x509");
    let scope = if in_repo { "" } else { " (outside any repository: global and system configuration)" };
    match format {
        Some(v) if v.value.eq_ignore_ascii_case("x509") => {
            Finding::ok("git-config", format!("gpg.format = x509 ({}){scope}", v.origin))
        }
        Some(v) => Finding::warn(
            "git-config",
            format!("gpg.format = {} ({}){scope}: git signs with {}, not with sigseal", v.value, v.origin, v.value),
            fix,
        ),
        None => Finding::warn(
            "git-config",
            format!("gpg.format is not set{scope}: git signs with OpenPGP (gpg), not with sigseal"),
            fix,
        ),
    }
}

/// What is known about `gpg.x509.program`.
#[derive(Clone, Debug)]
pub struct ProgramFacts {
    /// `gpg.format` is x509, so git runs this program to sign.
    pub format_x509: bool,
    /// The configured value, if any.
    pub value: Option<GitValue>,
    /// Where it resolves.
    pub resolved: Resolved,
    /// It is this very binary.
    pub is_this: bool,
    /// The sigseal version it reports, when it is a sigseal.
    pub other_version: Option<String>,
    /// The first line of its `--version` output, when it is not a sigseal.
    pub other_banner: Option<String>,
}

/// The `git-program` finding.
pub fn classify_program(facts: &ProgramFacts, this_exe: &str, this_version: &str, in_repo: bool) -> Finding {
    const CHECK: &str = "git-program";
    let fix = setup_fix(in_repo, &format!("git config gpg.x509.program {this_exe}"));
    let broken = |detail: String, fix: String| {
        if facts.format_x509 {
            Finding::fail(CHECK, detail, fix)
        } else {
            Finding::warn(CHECK, detail, fix)
        }
    };
    let Some(value) = &facts.value else {
        return if facts.format_x509 {
            Finding::fail(CHECK, "gpg.format is x509 but gpg.x509.program is not set: git runs gpgsm, not sigseal", fix)
        } else {
            Finding::info(CHECK, "gpg.x509.program is not set")
        };
    };
    let shown = format!("gpg.x509.program = {} ({})", value.value, value.origin);
    match &facts.resolved {
        Resolved::NotFound => broken(
            format!("{shown}: {}", if value.value.contains('/') { "no such file" } else { "not found on PATH" }),
            fix,
        ),
        Resolved::NotExecutable(p) => broken(
            format!("{shown}: {} is not an executable file", p.display()),
            format!("chmod +x {}; or point git at this binary: {fix}", p.display()),
        ),
        Resolved::Found(_) if facts.is_this => Finding::ok(CHECK, format!("{shown}: this sigseal ({this_version})")),
        Resolved::Found(p) => match &facts.other_version {
            Some(v) if v == this_version => Finding::ok(
                CHECK,
                format!("{shown}: sigseal {v} at {}, the same version as this one ({this_exe})", p.display()),
            ),
            Some(v) => Finding::warn(
                CHECK,
                format!("{shown}: {} is sigseal {v}, this is sigseal {this_version} ({this_exe})", p.display()),
                format!("install sigseal {this_version} at {} too, or point git at this binary: {fix}", p.display()),
            ),
            // Signing works (gitsign, gpgsm), only not through sigseal.
            None => Finding::warn(
                CHECK,
                format!(
                    "{shown}: {} is not sigseal{}",
                    p.display(),
                    facts.other_banner.as_deref().map(|b| format!(" (its --version says {b:?})")).unwrap_or_default()
                ),
                fix,
            ),
        },
    }
}

/// The `path` finding: which sigseal a shell finds, against the one git runs (or this one).
pub fn classify_path(on_path: &Resolved, git_runs: Option<&Path>, this_exe: Option<&Path>) -> Finding {
    const CHECK: &str = "path";
    let dir = this_exe
        .and_then(Path::parent)
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "<directory of sigseal>".into());
    match on_path {
        Resolved::NotFound | Resolved::NotExecutable(_) => Finding::warn(
            CHECK,
            "sigseal is not on PATH: shells and scripts cannot run `sigseal` (git needs only gpg.x509.program)",
            format!("export PATH=\"{dir}:$PATH\" (in your shell profile)"),
        ),
        Resolved::Found(p) => match (git_runs, this_exe) {
            (Some(g), _) if same_file(p, g) => {
                Finding::ok(CHECK, format!("sigseal on PATH is {}, the program git runs", p.display()))
            }
            (Some(g), _) => Finding::warn(
                CHECK,
                format!("PATH finds {}, but git runs {}", p.display(), g.display()),
                format!(
                    "run `sigseal setup` with the sigseal you mean (by its full path), or put {} first on PATH",
                    g.parent().map_or_else(|| g.display().to_string(), |d| d.display().to_string())
                ),
            ),
            (None, Some(me)) if same_file(p, me) => {
                Finding::ok(CHECK, format!("sigseal on PATH is {} (this one)", p.display()))
            }
            (None, Some(me)) => Finding::info(CHECK, format!("PATH finds {}; this is {}", p.display(), me.display())),
            (None, None) => Finding::ok(CHECK, format!("sigseal on PATH is {}", p.display())),
        },
    }
}

/// git-version, git-config, git-program and path, in that order.
fn git_checks(this: &ThisSigseal) -> Vec<Finding> {
    let git = git_program();
    let install = "install git 2.19 or newer, or set SIGSEAL_GIT to its path";
    let ran = run_bounded(OsStr::new(&git), &["--version"], PROGRAM_TIMEOUT);
    let git_runs_at_all = matches!(&ran, Ok(r) if r.success);
    let version = match ran {
        Ok(r) if r.success => classify_git_version(&r.stdout),
        Ok(r) => Finding::fail("git-version", format!("`{git} --version` failed: {}", r.stderr.trim()), install),
        Err(e) => Finding::fail("git-version", e, install),
    };
    if !git_runs_at_all {
        let skipped = |check| Finding::info(check, "not checked: git cannot be run (see git-version)");
        let cwd = std::env::current_dir().unwrap_or_default();
        let on_path = resolve_program("sigseal", std::env::var_os("PATH").as_deref(), &cwd);
        return vec![
            version,
            skipped("git-config"),
            skipped("git-program"),
            classify_path(&on_path, None, this.exe.as_deref()),
        ];
    }
    let in_repo = in_repository();
    let format = git_get("gpg.format");
    let program = git_get("gpg.x509.program");
    let config_finding = match &format {
        Ok(f) => classify_git_format(f.as_ref(), in_repo),
        Err(e) => Finding::fail("git-config", e.clone(), "check that git can read its configuration files"),
    };
    let format_x509 = matches!(&format, Ok(Some(v)) if v.value.eq_ignore_ascii_case("x509"));
    let cwd = std::env::current_dir().unwrap_or_default();
    let path_var = std::env::var_os("PATH");
    let (program_finding, git_runs) = match program {
        Err(e) => (Finding::fail("git-program", e, "check that git can read its configuration files"), None),
        Ok(value) => {
            let resolved = match &value {
                Some(v) => resolve_program(&v.value, path_var.as_deref(), &cwd),
                None => Resolved::NotFound,
            };
            let found = match &resolved {
                Resolved::Found(p) => Some(p.clone()),
                _ => None,
            };
            let is_this = match (&found, &this.exe) {
                (Some(p), Some(me)) => same_file(p, me),
                _ => false,
            };
            let (mut other_version, mut other_banner) = (None, None);
            if let (Some(p), false) = (&found, is_this) {
                match run_bounded(p.as_os_str(), &["--version"], PROGRAM_TIMEOUT) {
                    Ok(r) => {
                        other_version = sigseal_version(&r.stdout);
                        other_banner = r
                            .stdout
                            .lines()
                            .chain(r.stderr.lines())
                            .map(str::trim)
                            .find(|l| !l.is_empty())
                            .map(|l| l.chars().take(80).collect());
                    }
                    Err(e) => other_banner = Some(e),
                }
            }
            let facts = ProgramFacts { format_x509, value, resolved, is_this, other_version, other_banner };
            let finding = classify_program(&facts, &this.exe_text(), this.version, in_repo);
            // PATH is compared with the program git runs, when that is a sigseal.
            let git_runs = found.filter(|_| facts.is_this || facts.other_version.is_some());
            (finding, git_runs)
        }
    };
    let on_path = resolve_program("sigseal", path_var.as_deref(), &cwd);
    let path_finding = classify_path(&on_path, git_runs.as_deref(), this.exe.as_deref());
    vec![version, config_finding, program_finding, path_finding]
}

// ---------------------------------------------------------------------------------------------
// Configuration and trust

fn config_ok(cfg: &Config) -> Finding {
    if let Err(e) = cfg.require_services() {
        return Finding::fail(
            "config",
            e.to_string(),
            "name the missing service (sigseal.fulcioURL / sigseal.rekorURL) or use a signing config that lists it",
        );
    }
    let trust = match (&cfg.trusted_root, cfg.instance()) {
        (Some(p), _) => format!("trusted root {}", p.display()),
        (None, Some(Instance::Staging)) => "public-good staging instance".to_string(),
        (None, _) => "public-good instance".to_string(),
    };
    let mut detail =
        format!("Fulcio {}, Rekor {}, OIDC issuer {}, {trust}", cfg.fulcio_url, cfg.rekor_url, cfg.oidc_issuer);
    if let Some(sc) = &cfg.signing_config {
        detail.push_str(&format!(", signing config {}", sc.display()));
    }
    Finding::ok("config", detail)
}

/// How many windows of a kind are usable at `now`, expired, not yet started; and when the
/// last usable one ends (`None`: open-ended or none usable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    valid: usize,
    expired: usize,
    future: usize,
    /// The latest end among the valid ones; `None` when one of them is open-ended.
    valid_until: Option<i64>,
}

fn tally(windows: &[Window], now: i64) -> Tally {
    let mut t = Tally::default();
    let mut open = false;
    for w in windows {
        if w.start.is_some_and(|s| s > now) {
            t.future += 1;
        } else if w.end.is_some_and(|e| e < now) {
            t.expired += 1;
        } else {
            t.valid += 1;
            match w.end {
                None => open = true,
                Some(e) => t.valid_until = Some(t.valid_until.map_or(e, |u| u.max(e))),
            }
        }
    }
    if open {
        t.valid_until = None;
    }
    t
}

fn describe_tally(what: (&str, &str), t: Tally) -> String {
    let total = t.valid + t.expired + t.future;
    let what = if total == 1 { what.0 } else { what.1 };
    let mut parts = vec![format!("{} valid now", t.valid)];
    if t.expired > 0 {
        parts.push(format!("{} expired", t.expired));
    }
    if t.future > 0 {
        parts.push(format!("{} not yet valid", t.future));
    }
    format!("{total} {what} ({})", parts.join(", "))
}

/// The `trusted-root` finding for a loaded root.
pub fn classify_root(source: &RootSource, windows: &RootWindows, tsa_configured: bool, now: i64) -> Finding {
    const CHECK: &str = "trusted-root";
    let fix = match source {
        RootSource::File(p) => format!(
            "replace {} with the instance's current trusted_root.json (or set sigseal.trustedRoot / SIGSEAL_TRUSTED_ROOT to it)",
            p.display()
        ),
        RootSource::Tuf | RootSource::Embedded => {
            "let sigseal refresh the root through TUF (see tuf-cache), or upgrade sigseal for a newer embedded root".to_string()
        }
    };
    let fulcio = tally(&windows.fulcio, now);
    let rekor = tally(&windows.rekor, now);
    let tsa = tally(&windows.tsa, now);
    let mut summary = format!(
        "{source}: {}, {}",
        describe_tally(("Fulcio CA", "Fulcio CAs"), fulcio),
        describe_tally(("Rekor key", "Rekor keys"), rekor)
    );
    if !windows.tsa.is_empty() {
        summary.push_str(&format!(", {}", describe_tally(("timestamp authority", "timestamp authorities"), tsa)));
    }
    if fulcio.valid == 0 {
        return Finding::fail(
            CHECK,
            format!("{summary}: no Fulcio CA is valid now, new certificates cannot be verified"),
            fix,
        );
    }
    if rekor.valid == 0 {
        return Finding::fail(
            CHECK,
            format!("{summary}: no Rekor key is valid now, new log entries cannot be verified"),
            fix,
        );
    }
    for (what, t) in [("Fulcio CA", fulcio), ("Rekor key", rekor)] {
        if let Some(end) = t.valid_until.filter(|e| e - now < EXPIRY_WARNING) {
            return Finding::warn(
                CHECK,
                format!("{summary}: the last valid {what} expires {} (in {})", crate::iso_time(end), span(end - now)),
                fix,
            );
        }
    }
    if tsa_configured && tsa.valid == 0 {
        return Finding::warn(
            CHECK,
            format!("{summary}: a timestamp authority is configured, but the root lists none valid now, so its timestamps cannot be verified"),
            format!("{fix}; or unset sigseal.timestampURL / SIGSEAL_TIMESTAMP_URL"),
        );
    }
    Finding::ok(CHECK, summary)
}

/// A duration in the largest whole unit that fits: `45 s`, `12 min`, `5 h`, `3 days`.
pub fn span(seconds: i64) -> String {
    let s = seconds.abs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

fn age(t: Option<SystemTime>, now: SystemTime) -> Option<i64> {
    t.map(|t| now.duration_since(t).map_or(0, |d| d.as_secs() as i64))
}

/// The `tuf-cache` finding.
pub fn classify_tuf(
    state: &crate::trust::TufCacheState,
    instance: Instance,
    in_use: Option<&RootSource>,
    now: SystemTime,
) -> Finding {
    const CHECK: &str = "tuf-cache";
    let now_unix = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let tuf_host = match instance {
        Instance::Production => "tuf-repo-cdn.sigstore.dev",
        Instance::Staging => "tuf-repo-cdn.sigstage.dev",
    };
    let fix = format!(
        "allow HTTPS to {tuf_host}; sigseal refreshes at most once a day, so to retry now: rm {} && sigseal doctor",
        state.stamp.display()
    );
    let attempt = age(state.last_attempt, now)
        .map_or_else(|| "never attempted".to_string(), |a| format!("last attempt {} ago", span(a)));
    let written = age(state.timestamp_written, now);
    match (state.timestamp_expires, written) {
        (None, _) | (_, None) => match state.last_attempt {
            None => Finding::info(
                CHECK,
                format!("no TUF cache yet in {}: the root embedded in this sigseal is used", state.dir.display()),
            ),
            Some(_) => Finding::warn(
                CHECK,
                format!("no refresh has completed ({attempt}): the root embedded in this sigseal is used"),
                fix,
            ),
        },
        (Some(expires), Some(written)) => {
            let head = format!(
                "refreshed {} ago, metadata valid until {}, {attempt}",
                span(written),
                crate::iso_time(expires)
            );
            if expires < now_unix {
                Finding::warn(
                    CHECK,
                    format!(
                        "{head}: expired {} ago, the root embedded in this sigseal is used",
                        span(now_unix - expires)
                    ),
                    fix,
                )
            } else if written > TUF_STALE_AFTER {
                Finding::warn(CHECK, format!("{head}: older than {} days", TUF_STALE_AFTER / 86_400), fix)
            } else if in_use == Some(&RootSource::Embedded) {
                Finding::warn(
                    CHECK,
                    format!("{head}, but the cache did not verify: the root embedded in this sigseal is used"),
                    format!(
                        "rm -r {} {} && sigseal doctor (sigseal rebuilds the cache)",
                        state.dir.display(),
                        state.stamp.display()
                    ),
                )
            } else {
                Finding::ok(CHECK, head)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Services

/// The answer of one probe.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The URL asked.
    pub url: String,
    /// Time to the answer (or the failure).
    pub elapsed: Duration,
    /// HTTP status and body, or why there was none.
    pub outcome: std::result::Result<(u16, Vec<u8>), String>,
}

fn error_chain(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", SERVICE_TIMEOUT.as_secs());
    }
    // The URL is shown beside the message once, not inside it.
    crate::http::transport_error(e, &[])
}

async fn probe(client: &reqwest::Client, url: String) -> Probe {
    let start = Instant::now();
    let outcome = async {
        let resp = client.get(&url).send().await.map_err(error_chain)?;
        let status = resp.status().as_u16();
        // Only the discovery document is parsed, and only the start of anything else is shown.
        let body = crate::http::read_capped(resp, crate::http::JSON_LIMIT).await.map_err(|e| e.to_string())?;
        Ok((status, body))
    }
    .await;
    Probe { url, elapsed: start.elapsed(), outcome }
}

/// Which service a probe was for, and what its answer must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Fulcio's trust bundle.
    Fulcio,
    /// Rekor's log info.
    Rekor,
    /// The OIDC issuer's discovery document.
    OidcIssuer,
    /// A Sigstore timestamp authority's certificate chain.
    SigstoreTsa,
    /// Any other RFC 3161 endpoint (reachable is all that can be checked with a GET).
    OtherTsa,
}

impl Service {
    fn check(self) -> &'static str {
        match self {
            Service::Fulcio => "fulcio",
            Service::Rekor => "rekor",
            Service::OidcIssuer => "oidc-issuer",
            Service::SigstoreTsa | Service::OtherTsa => "timestamp-authority",
        }
    }

    fn fix(self, url: &str) -> String {
        let setting = match self {
            Service::Fulcio => "sigseal.fulcioURL / SIGSEAL_FULCIO_URL",
            Service::Rekor => "sigseal.rekorURL / SIGSEAL_REKOR_URL",
            Service::OidcIssuer => "sigseal.oidcIssuer / SIGSEAL_OIDC_ISSUER",
            Service::SigstoreTsa | Service::OtherTsa => "sigseal.timestampURL / SIGSEAL_TIMESTAMP_URL (or unset it)",
        };
        format!("check {setting} (now {url}), and your network or proxy for that host")
    }
}

/// The finding for a probe of `service` at its configured `base` URL (`issuer`: the configured
/// OIDC issuer, which the discovery document must name).
pub fn classify_probe(service: Service, base: &str, probe: &Probe, issuer: &str) -> Finding {
    let check = service.check();
    let ms = probe.elapsed.as_millis();
    match &probe.outcome {
        Err(why) => {
            Finding::fail(check, format!("{base}: {why} (after {ms} ms, asking {})", probe.url), service.fix(base))
        }
        Ok((status, body)) => {
            let ok_status = (200..300).contains(status);
            match service {
                Service::OtherTsa => Finding::ok(
                    check,
                    format!("{base} answered in {ms} ms (HTTP {status} to a GET; timestamps are requested by POST)"),
                ),
                Service::SigstoreTsa if !ok_status => Finding::warn(
                    check,
                    format!(
                        "{base} answered HTTP {status} in {ms} ms to {}: not a Sigstore timestamp authority?",
                        probe.url
                    ),
                    service.fix(base),
                ),
                _ if !ok_status => Finding::fail(
                    check,
                    format!("{base} answered HTTP {status} in {ms} ms to {}", probe.url),
                    service.fix(base),
                ),
                Service::OidcIssuer => {
                    let named = serde_json::from_slice::<serde_json::Value>(body)
                        .ok()
                        .and_then(|v| v.get("issuer").and_then(|i| i.as_str()).map(str::to_string));
                    match named {
                        None => Finding::fail(
                            check,
                            format!("{} is not an OpenID Connect discovery document (answered in {ms} ms)", probe.url),
                            service.fix(base),
                        ),
                        Some(n) if n.trim_end_matches('/') != issuer.trim_end_matches('/') => {
                            let n = crate::http::sanitize(&n, &[]);
                            Finding::fail(
                                check,
                                format!("{base} answered in {ms} ms, but its discovery document names issuer {n}: logins would fail"),
                                format!("git config sigseal.oidcIssuer {n} (or SIGSEAL_OIDC_ISSUER), if that issuer is the one you mean"),
                            )
                        }
                        Some(_) => Finding::ok(check, format!("{base} answered in {ms} ms")),
                    }
                }
                _ => Finding::ok(check, format!("{base} answered in {ms} ms")),
            }
        }
    }
}

fn http_client() -> std::result::Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(SERVICE_TIMEOUT)
        .timeout(SERVICE_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("sigseal/", env!("CARGO_PKG_VERSION"), " doctor"))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

async fn service_checks(cfg: &Config) -> Vec<Finding> {
    let client = match http_client() {
        Ok(c) => c,
        Err(e) => {
            return ["fulcio", "rekor", "oidc-issuer", "timestamp-authority"]
                .into_iter()
                .map(|c| Finding::fail(c, e.clone(), "retry; if it persists, report it"))
                .collect()
        }
    };
    let issuer = cfg.oidc_issuer.trim_end_matches('/');
    let tsa = cfg.timestamp_url.as_deref().map(|u| {
        let u = u.trim_end_matches('/');
        if u.ends_with("/api/v1/timestamp") {
            (Service::SigstoreTsa, u.to_string(), format!("{u}/certchain"))
        } else {
            (Service::OtherTsa, u.to_string(), u.to_string())
        }
    });
    let (fulcio, rekor, oidc, tsa_probe) = tokio::join!(
        probe(&client, format!("{}/api/v2/trustBundle", cfg.fulcio_url)),
        probe(&client, format!("{}/api/v1/log", cfg.rekor_url)),
        probe(&client, format!("{issuer}/.well-known/openid-configuration")),
        async {
            match &tsa {
                Some((_, _, url)) => Some(probe(&client, url.clone()).await),
                None => None,
            }
        }
    );
    let mut out = vec![
        classify_probe(Service::Fulcio, &cfg.fulcio_url, &fulcio, issuer),
        classify_probe(Service::Rekor, &cfg.rekor_url, &rekor, issuer),
        classify_probe(Service::OidcIssuer, &cfg.oidc_issuer, &oidc, issuer),
    ];
    out.push(match (&tsa, &tsa_probe) {
        (Some((service, base, _)), Some(p)) => classify_probe(*service, base, p, issuer),
        _ => Finding::info(
            "timestamp-authority",
            "none configured: signatures carry no RFC 3161 timestamp (the log's time is used)",
        ),
    });
    out
}

async fn trust_checks(cfg: &Config, offline: bool) -> Vec<Finding> {
    let loaded = crate::trust::load(cfg, !offline).await;
    let mut out = vec![match &loaded {
        Ok((root, source)) => {
            classify_root(source, &crate::sigstore::root_windows(root), cfg.timestamp_url.is_some(), crate::unix_now())
        }
        Err(e) => Finding::fail(
            "trusted-root",
            format!("error[{}]: {e}", e.code()),
            match &cfg.trusted_root {
                Some(p) => format!(
                    "point sigseal.trustedRoot / SIGSEAL_TRUSTED_ROOT (now {}) at the instance's trusted_root.json",
                    p.display()
                ),
                None => e.hint().unwrap_or("upgrade sigseal").to_string(),
            },
        ),
    }];
    if cfg.trusted_root.is_none() {
        let instance = cfg.instance().unwrap_or(Instance::Production);
        out.push(match crate::trust::tuf_cache_state(instance) {
            Some(state) => classify_tuf(&state, instance, loaded.as_ref().ok().map(|(_, s)| s), SystemTime::now()),
            None => Finding::info(
                "tuf-cache",
                "no cache directory for this user: the root embedded in this sigseal is used",
            ),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Agent and token source

async fn agent_check(cfg: &Config) -> Finding {
    const CHECK: &str = "agent";
    if !cfg.identity.use_agent {
        return Finding::info(
            CHECK,
            "sigseal.agent is false: signing never uses the agent (every signature needs a token or a login)",
        );
    }
    let socket = agent::socket_path(cfg);
    let dir = socket.parent().map_or_else(|| ".".to_string(), |d| d.display().to_string());
    let unsafe_fix = format!(
        "chmod 700 {dir} (it must be a directory of yours that nobody else can write), or set sigseal.agentSocket to a socket in such a directory"
    );
    if let Err(e) = agent::check_socket_dir(cfg) {
        return Finding::fail(CHECK, format!("error[{}]: {e}", e.code()), unsafe_fix);
    }
    let status = tokio::time::timeout(AGENT_TIMEOUT, async {
        match agent::Client::connect(cfg).await? {
            None => Ok(None),
            Some(client) => client.status().await.map(Some),
        }
    })
    .await;
    let stop_fix = format!(
        "sigseal agent --stop, then `sigseal login` (or set sigseal.agent=false to sign without the agent); \
         if the socket is not yours, set sigseal.agentSocket to a socket in a directory only you can write (not {dir})"
    );
    match status {
        Err(_) => Finding::fail(
            CHECK,
            format!("the agent at {} did not answer within {} s", socket.display(), AGENT_TIMEOUT.as_secs()),
            stop_fix,
        ),
        Ok(Err(e)) => Finding::fail(CHECK, format!("error[{}]: {e}", e.code()), stop_fix),
        Ok(Ok(None)) => Finding::info(
            CHECK,
            format!("not running (socket {}); the first login starts it (`sigseal login`)", socket.display()),
        ),
        Ok(Ok(Some(status))) if status.held.is_empty() => Finding::ok(
            CHECK,
            format!(
                "running (pid {}, socket {}), holds no credential: the next signature logs in (`sigseal login` to do it now)",
                status.pid,
                socket.display()
            ),
        ),
        Ok(Ok(Some(status))) => {
            let now = crate::unix_now();
            let held: Vec<String> = status
                .held
                .iter()
                .map(|h| {
                    let other = if h.fulcio != cfg.fulcio_url { " [not the configured Fulcio]" } else { "" };
                    format!("{}{other}", agent::describe(h, now))
                })
                .collect();
            Finding::ok(CHECK, format!("running (pid {}, socket {}): {}", status.pid, socket.display(), held.join("; ")))
        }
    }
}

fn remote_checks(cfg: &Config, offline: bool) -> Vec<Finding> {
    let rt = match crate::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            return vec![Finding::fail(
                "doctor",
                format!("error[{}]: {e}", e.code()),
                "retry; if it persists, report it",
            )]
        }
    };
    let (trust, services, agent) = rt.block_on(async {
        let services = async {
            if offline {
                ["fulcio", "rekor", "oidc-issuer", "timestamp-authority"]
                    .into_iter()
                    .map(|c| Finding::info(c, "not checked (--offline)"))
                    .collect()
            } else {
                service_checks(cfg).await
            }
        };
        tokio::join!(trust_checks(cfg, offline), services, agent_check(cfg))
    });
    // A name lookup stuck in a blocking thread must not hold the process.
    rt.shutdown_background();
    let mut out = trust;
    out.extend(services);
    out.push(agent);
    out
}

/// What a token's claims say, for the `token-source` finding (never the token itself).
fn describe_token(source: &str, token: &Token, now: i64) -> Finding {
    const CHECK: &str = "token-source";
    let who = format!("{source}: a token for {} from {}", token.identity(), token.issuer);
    match token.check(now) {
        Ok(()) => Finding::ok(CHECK, format!("{who}, valid for {} more", span(token.expires_at - now))),
        Err(e) => Finding::fail(
            CHECK,
            format!("{who} that signing would refuse: error[{}]: {e}", e.code()),
            format!("provide a fresh token with audience 'sigstore' through {source}, or remove it to log in instead"),
        ),
    }
}

fn token_source(cfg: &Config) -> Finding {
    const CHECK: &str = "token-source";
    let now = crate::unix_now();
    let read_env = || std::env::var("SIGSTORE_ID_TOKEN").ok().map(Zeroizing::new);
    match ci::planned_source(cfg) {
        Err(e) => Finding::fail(
            CHECK,
            format!("error[{}]: {e}", e.code()),
            e.hint().unwrap_or("see docs/identity.md").to_string(),
        ),
        Ok(None) => {
            let why = match cfg.identity.provider {
                TokenProvider::Browser => "sigseal.tokenProvider is browser",
                TokenProvider::Device => "sigseal.tokenProvider is device",
                _ => "not in CI, no token file, no SIGSTORE_ID_TOKEN",
            };
            Finding::info(CHECK, format!("no ambient token ({why}): signing uses the agent's credential, else a login"))
        }
        Ok(Some(source)) => match &source {
            ci::Source::GithubActions => Finding::ok(
                CHECK,
                format!("{source}: a token with audience 'sigstore' is requested when signing (not now)"),
            ),
            ci::Source::Buildkite | ci::Source::Circleci => {
                let program = if source == ci::Source::Buildkite { "buildkite-agent" } else { "circleci" };
                let cwd = std::env::current_dir().unwrap_or_default();
                match resolve_program(program, std::env::var_os("PATH").as_deref(), &cwd) {
                    Resolved::Found(p) => Finding::ok(CHECK, format!("{source}: {} runs when signing (not now)", p.display())),
                    _ => Finding::fail(
                        CHECK,
                        format!("{source}, but `{program}` is not on PATH"),
                        format!("install {program} in the job, or set sigseal.tokenProvider to another source"),
                    ),
                }
            }
            ci::Source::Gitlab | ci::Source::Env => match read_env() {
                Some(jwt) => match Token::parse(&jwt, &source.to_string()) {
                    Ok(token) => describe_token(&source.to_string(), &token, now),
                    Err(e) => Finding::fail(
                        CHECK,
                        format!("error[{}]: {e}", e.code()),
                        "set SIGSTORE_ID_TOKEN to an OIDC ID token (a JWT) with audience 'sigstore', or unset it",
                    ),
                },
                None => Finding::fail(CHECK, format!("{source}: the variable is not readable"), "set SIGSTORE_ID_TOKEN again"),
            },
            ci::Source::File(path) => match crate::input::read_capped_string(path, crate::input::TOKEN).map(Zeroizing::new) {
                Ok(text) => match Token::parse(&text, &source.to_string()) {
                    Ok(token) => describe_token(&source.to_string(), &token, now),
                    Err(e) => Finding::fail(
                        CHECK,
                        format!("error[{}]: {e}", e.code()),
                        format!("write an OIDC ID token with audience 'sigstore' to {}, or unset sigseal.tokenFile / SIGSEAL_TOKEN_FILE", path.display()),
                    ),
                },
                Err(e) => Finding::fail(
                    CHECK,
                    format!("{source}: cannot read it: {e}"),
                    format!("create {} (readable by you), or unset sigseal.tokenFile / SIGSEAL_TOKEN_FILE", path.display()),
                ),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_versions_are_read_from_every_known_spelling() {
        assert_eq!(parse_git_version("git version 2.39.5\n"), Some((2, 39, 5)));
        assert_eq!(parse_git_version("git version 2.39.5.windows.1"), Some((2, 39, 5)));
        assert_eq!(parse_git_version("git version 2.20.1 (Apple Git-117)"), Some((2, 20, 1)));
        assert_eq!(parse_git_version("git version 2.45.GIT"), Some((2, 45, 0)));
        assert_eq!(parse_git_version("git version 2.19"), Some((2, 19, 0)));
        assert_eq!(parse_git_version("hub version 2.14.2"), None);
        assert_eq!(parse_git_version(""), None);
    }

    #[test]
    fn git_older_than_2_19_fails_and_newer_passes() {
        let old = classify_git_version("git version 2.18.4\n");
        assert_eq!(old.status, Status::Fail);
        assert!(old.detail.contains("2.19.0") && old.fix.as_deref().unwrap().contains("2.19"), "{old:?}");
        assert_eq!(classify_git_version("git version 2.19.0").status, Status::Ok);
        assert_eq!(classify_git_version("git version 3.0.0").status, Status::Ok);
        assert_eq!(classify_git_version("not git").status, Status::Warn);
    }

    fn value(v: &str) -> GitValue {
        GitValue { origin: "file:.git/config".into(), value: v.into() }
    }

    #[test]
    fn gpg_format_other_than_x509_warns_with_the_setup_fix() {
        assert_eq!(classify_git_format(Some(&value("x509")), true).status, Status::Ok);
        assert_eq!(classify_git_format(Some(&value("X509")), true).status, Status::Ok);
        for f in [classify_git_format(None, true), classify_git_format(Some(&value("ssh")), true)] {
            assert_eq!(f.status, Status::Warn);
            assert!(f.fix.as_deref().unwrap().contains("sigseal setup"), "{f:?}");
        }
        let outside = classify_git_format(None, false);
        assert!(outside.fix.as_deref().unwrap().contains("git config --global gpg.format x509"), "{outside:?}");
    }

    fn executable(dir: &Path, name: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn programs_resolve_by_path_or_on_path_like_git() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let plain = executable(a.path(), "sigseal", 0o644);
        let runnable = executable(b.path(), "sigseal", 0o755);
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        // The first executable match wins; a non-executable one earlier is skipped.
        assert_eq!(resolve_program("sigseal", Some(&path), Path::new("/")), Resolved::Found(runnable.clone()));
        assert_eq!(resolve_program("gitsign", Some(&path), Path::new("/")), Resolved::NotFound);
        let only_plain = std::env::join_paths([a.path()]).unwrap();
        assert_eq!(
            resolve_program("sigseal", Some(&only_plain), Path::new("/")),
            Resolved::NotExecutable(plain.clone())
        );
        // A name with a slash is a path, relative to the working directory.
        assert_eq!(
            resolve_program(runnable.to_str().unwrap(), None, Path::new("/")),
            Resolved::Found(runnable.clone())
        );
        assert_eq!(resolve_program("./sigseal", None, b.path()), Resolved::Found(b.path().join("./sigseal")));
        assert_eq!(resolve_program("./missing", None, b.path()), Resolved::NotFound);
        assert_eq!(resolve_program(plain.to_str().unwrap(), None, Path::new("/")), Resolved::NotExecutable(plain));
    }

    fn facts(value_: Option<&str>, resolved: Resolved, is_this: bool, other: Option<&str>) -> ProgramFacts {
        ProgramFacts {
            format_x509: true,
            value: value_.map(value),
            resolved,
            is_this,
            other_version: other.map(str::to_string),
            other_banner: None,
        }
    }

    #[test]
    fn configured_program_is_judged_by_what_it_resolves_to() {
        let me = "/opt/sigseal/bin/sigseal";
        let found = Resolved::Found(PathBuf::from("/usr/bin/sigseal"));
        let f = classify_program(&facts(Some(me), Resolved::Found(me.into()), true, None), me, "1.2.0", true);
        assert_eq!(f.status, Status::Ok, "{f:?}");
        let f = classify_program(&facts(Some("/gone/sigseal"), Resolved::NotFound, false, None), me, "1.2.0", true);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("no such file") && f.fix.as_deref().unwrap().contains(me), "{f:?}");
        let f = classify_program(&facts(Some("sigseal"), Resolved::NotFound, false, None), me, "1.2.0", true);
        assert!(f.detail.contains("not found on PATH"), "{f:?}");
        let f = classify_program(
            &facts(Some("/x/sigseal"), Resolved::NotExecutable("/x/sigseal".into()), false, None),
            me,
            "1.2.0",
            true,
        );
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.as_deref().unwrap().starts_with("chmod +x /x/sigseal"), "{f:?}");
        let f =
            classify_program(&facts(Some("/usr/bin/sigseal"), found.clone(), false, Some("1.2.0")), me, "1.2.0", true);
        assert_eq!(f.status, Status::Ok, "same version elsewhere: {f:?}");
        let f =
            classify_program(&facts(Some("/usr/bin/sigseal"), found.clone(), false, Some("1.1.0")), me, "1.2.0", true);
        assert_eq!(f.status, Status::Warn);
        assert!(f.detail.contains("sigseal 1.1.0") && f.detail.contains("1.2.0"), "{f:?}");
        let f = classify_program(&facts(Some("/usr/bin/gitsign"), found, false, None), me, "1.2.0", true);
        assert_eq!(f.status, Status::Warn, "git signs, but with something else: {f:?}");
        assert!(f.fix.as_deref().unwrap().contains("sigseal setup"));
    }

    #[test]
    fn unset_program_fails_only_when_git_signs_with_x509() {
        let me = "/opt/sigseal";
        let f = classify_program(&facts(None, Resolved::NotFound, false, None), me, "1", true);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("gpgsm"));
        let mut not_x509 = facts(None, Resolved::NotFound, false, None);
        not_x509.format_x509 = false;
        assert_eq!(classify_program(&not_x509, me, "1", true).status, Status::Info);
    }

    #[test]
    fn sigseal_versions_are_read_from_version_output() {
        assert_eq!(sigseal_version("sigseal 0.1.0\n").as_deref(), Some("0.1.0"));
        assert_eq!(sigseal_version("gitsign version v0.10.0\n"), None);
        assert_eq!(sigseal_version(""), None);
    }

    #[test]
    fn path_reports_a_missing_or_different_sigseal() {
        let dir = tempfile::tempdir().unwrap();
        let one = executable(dir.path(), "one", 0o755);
        let two = executable(dir.path(), "two", 0o755);
        let f = classify_path(&Resolved::NotFound, None, Some(&one));
        assert_eq!(f.status, Status::Warn);
        assert!(f.fix.as_deref().unwrap().contains(&dir.path().display().to_string()), "{f:?}");
        assert_eq!(classify_path(&Resolved::Found(one.clone()), Some(&one), Some(&two)).status, Status::Ok);
        let f = classify_path(&Resolved::Found(one.clone()), Some(&two), Some(&two));
        assert_eq!(f.status, Status::Warn, "PATH and git disagree: {f:?}");
        assert_eq!(classify_path(&Resolved::Found(one.clone()), None, Some(&two)).status, Status::Info);
    }

    fn w(start: Option<i64>, end: Option<i64>) -> Window {
        Window { url: "https://x".into(), start, end }
    }

    #[test]
    fn trusted_root_without_a_current_fulcio_ca_or_rekor_key_fails() {
        let now = 1_000_000_000;
        let src = RootSource::File("/r.json".into());
        let good = RootWindows {
            fulcio: vec![w(Some(1), Some(10)), w(Some(1), None)],
            rekor: vec![w(None, None)],
            ..RootWindows::default()
        };
        let f = classify_root(&src, &good, false, now);
        assert_eq!(f.status, Status::Ok, "an expired CA beside a current one is normal: {f:?}");
        assert!(f.detail.contains("1 valid now, 1 expired"), "{f:?}");
        let expired = RootWindows { fulcio: vec![w(Some(1), Some(10))], ..good.clone() };
        let f = classify_root(&src, &expired, false, now);
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.as_deref().unwrap().contains("/r.json"), "{f:?}");
        let no_log = RootWindows { rekor: vec![w(Some(now + 10), None)], ..good.clone() };
        assert_eq!(classify_root(&src, &no_log, false, now).status, Status::Fail);
        let ending = RootWindows { fulcio: vec![w(Some(1), Some(now + 3600))], ..good.clone() };
        assert_eq!(classify_root(&src, &ending, false, now).status, Status::Warn);
        assert_eq!(classify_root(&src, &good, true, now).status, Status::Warn, "a TSA configured, none in the root");
    }

    fn tuf(
        last_attempt: Option<i64>,
        written: Option<i64>,
        expires: Option<i64>,
        now: SystemTime,
    ) -> crate::trust::TufCacheState {
        let at = |ago: i64| now - Duration::from_secs(ago as u64);
        crate::trust::TufCacheState {
            dir: "/c/tuf".into(),
            stamp: "/c/tuf-last-attempt".into(),
            last_attempt: last_attempt.map(at),
            timestamp_written: written.map(at),
            timestamp_expires: expires,
        }
    }

    #[test]
    fn tuf_cache_older_than_a_week_or_expired_warns_with_a_retry_command() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let unix = 2_000_000_000;
        let day = 86_400;
        let p = Instance::Production;
        let fresh = classify_tuf(&tuf(Some(day), Some(day), Some(unix + 3 * day), now), p, Some(&RootSource::Tuf), now);
        assert_eq!(fresh.status, Status::Ok, "{fresh:?}");
        let stale = classify_tuf(&tuf(Some(day), Some(8 * day), Some(unix + day), now), p, Some(&RootSource::Tuf), now);
        assert_eq!(stale.status, Status::Warn);
        assert!(stale.fix.as_deref().unwrap().contains("rm /c/tuf-last-attempt && sigseal doctor"), "{stale:?}");
        assert!(stale.fix.as_deref().unwrap().contains("tuf-repo-cdn.sigstore.dev"));
        let expired =
            classify_tuf(&tuf(Some(day), Some(3 * day), Some(unix - day), now), p, Some(&RootSource::Embedded), now);
        assert_eq!(expired.status, Status::Warn);
        assert!(expired.detail.contains("expired"), "{expired:?}");
        let never = classify_tuf(&tuf(None, None, None, now), p, Some(&RootSource::Embedded), now);
        assert_eq!(never.status, Status::Info);
        let failing =
            classify_tuf(&tuf(Some(60), None, None, now), Instance::Staging, Some(&RootSource::Embedded), now);
        assert_eq!(failing.status, Status::Warn);
        assert!(failing.fix.as_deref().unwrap().contains("sigstage"), "{failing:?}");
    }

    fn answered(status: u16, body: &str) -> Probe {
        Probe {
            url: "http://s/x".into(),
            elapsed: Duration::from_millis(12),
            outcome: Ok((status, body.as_bytes().to_vec())),
        }
    }

    #[test]
    fn services_pass_on_a_good_answer_and_fail_with_a_fix_otherwise() {
        let f = classify_probe(Service::Rekor, "http://r", &answered(200, "{}"), "http://i");
        assert_eq!(f.status, Status::Ok);
        assert!(f.detail.contains("answered in 12 ms"), "{f:?}");
        let down = Probe {
            url: "http://r/api/v1/log".into(),
            elapsed: Duration::from_millis(3),
            outcome: Err("connection refused".into()),
        };
        let f = classify_probe(Service::Rekor, "http://r", &down, "http://i");
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.as_deref().unwrap().contains("SIGSEAL_REKOR_URL"), "{f:?}");
        assert_eq!(classify_probe(Service::Fulcio, "http://f", &answered(404, ""), "http://i").status, Status::Fail);
        assert_eq!(classify_probe(Service::OtherTsa, "http://t", &answered(405, ""), "http://i").status, Status::Ok);
        assert_eq!(
            classify_probe(Service::SigstoreTsa, "http://t", &answered(404, ""), "http://i").status,
            Status::Warn
        );
    }

    #[test]
    fn oidc_discovery_must_name_the_configured_issuer() {
        let ok =
            classify_probe(Service::OidcIssuer, "http://i", &answered(200, r#"{"issuer":"http://i/"}"#), "http://i");
        assert_eq!(ok.status, Status::Ok, "{ok:?}");
        let other =
            classify_probe(Service::OidcIssuer, "http://i", &answered(200, r#"{"issuer":"http://j"}"#), "http://i");
        assert_eq!(other.status, Status::Fail);
        assert!(other.fix.as_deref().unwrap().contains("sigseal.oidcIssuer http://j"), "{other:?}");
        assert_eq!(
            classify_probe(Service::OidcIssuer, "http://i", &answered(200, "<html>"), "http://i").status,
            Status::Fail
        );
    }

    #[test]
    fn report_exit_code_is_one_only_with_a_failure() {
        let mut r = Report { findings: vec![Finding::ok("a", "x"), Finding::warn("b", "y", "do z")] };
        assert_eq!(r.exit_code(), 0);
        let text = r.text();
        assert!(text.contains("warn b  y\n     fix: do z\n"), "{text}");
        r.findings.push(Finding::fail("c", "broken\nacross lines", "fix it"));
        assert_eq!(r.exit_code(), 1);
        let json: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(json["summary"]["fail"], 1);
        assert_eq!(json["summary"]["warn"], 1);
        assert_eq!(json["exit_code"], 1);
        assert_eq!(json["findings"][2]["detail"], "broken across lines");
        assert_eq!(json["findings"][0]["fix"], serde_json::Value::Null);
    }

    #[test]
    fn token_claims_are_described_without_the_token() {
        let jwt = crate::identity::test_jwt(serde_json::json!({
            "iss": "https://issuer.example", "sub": "s", "email": "a@example.com", "email_verified": true,
            "exp": 10_000, "aud": "sigstore"
        }));
        let token = Token::parse(&jwt, "SIGSTORE_ID_TOKEN").unwrap();
        let f = describe_token("SIGSTORE_ID_TOKEN", &token, 10_000 - 600);
        assert_eq!(f.status, Status::Ok);
        assert!(f.detail.contains("a@example.com") && f.detail.contains("10 min"), "{f:?}");
        let f = describe_token("SIGSTORE_ID_TOKEN", &token, 20_000);
        assert_eq!(f.status, Status::Fail);
        // (The test JWT's signature part is the short word "sig"; header and claims are long.)
        for part in jwt.split('.').filter(|p| p.len() >= 20) {
            assert!(!f.detail.contains(part) && !f.fix.as_deref().unwrap().contains(part));
        }
    }

    #[test]
    fn spans_use_the_largest_whole_unit() {
        assert_eq!(span(45), "45 s");
        assert_eq!(span(600), "10 min");
        assert_eq!(span(5 * 3600), "5 h");
        assert_eq!(span(3 * 86_400), "3 days");
    }
}
