//! The diagnosis behind `sigseal doctor`: checks what signing and verifying depend on (git and
//! its configuration, PATH, sigseal's own configuration, the trusted root and its TUF cache, the
//! configured services, the credential agent, the ambient token source) and returns one
//! [`Finding`] per check, each with a fix when something is wrong. Rendering is the caller's.
//!
//! Nothing here waits without a bound: every service is asked once with a 5-second limit, all at
//! once, the agent gets 3 seconds, and programs run to learn their version get 2 seconds. No
//! token is requested and no token or key is ever part of a finding; token claims (identity,
//! issuer, expiry) are the most that is shown.
//!
//! The checks live in submodules by what they examine: `git` (git, its configuration,
//! the signing program), `programs` (this binary, PATH), `trust` (configuration, trusted root,
//! TUF cache), `services` (Fulcio, Rekor, OIDC issuer, timestamp authority) and `identity`
//! (agent, token source).

mod git;
mod identity;
mod programs;
mod services;
mod trust;

use std::time::Duration;

use serde::Serialize;

use crate::config::Config;

pub use git::MIN_GIT;

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

/// What to check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Skip the network: no service is contacted and the trusted root is not refreshed.
    pub offline: bool,
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
    /// Its name: `ok`, `warn`, `fail` or `info` (as in the JSON report).
    pub fn as_str(self) -> &'static str {
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

/// How many findings came out each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Fine.
    pub ok: usize,
    /// Warnings.
    pub warn: usize,
    /// Failures.
    pub fail: usize,
    /// Notes.
    pub info: usize,
}

/// Every finding of a run, in check order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    /// How many findings have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
    }

    /// The counts of every status.
    pub fn summary(&self) -> Summary {
        Summary {
            ok: self.count(Status::Ok),
            warn: self.count(Status::Warn),
            fail: self.count(Status::Fail),
            info: self.count(Status::Info),
        }
    }

    /// 1 when any check failed, else 0 (warnings allowed).
    pub fn exit_code(&self) -> i32 {
        i32::from(self.count(Status::Fail) > 0)
    }
}

/// Run every check. The network checks (services, trusted root refresh, agent) run on their own
/// thread while git and PATH are examined, so the slowest of them bounds the run.
pub fn diagnose(options: &Options) -> Report {
    let offline = options.offline;
    let this = programs::ThisSigseal::find();
    let config = Config::load();
    let mut findings = Vec::new();
    let (local, remote) = std::thread::scope(|scope| {
        let remote = config.as_ref().ok().map(|cfg| scope.spawn(move || remote_checks(cfg, offline)));
        let mut local = git::git_checks(&this);
        if let Ok(cfg) = &config {
            local.push(identity::token_source(cfg));
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
        Ok(cfg) => trust::config_ok(cfg),
        Err(e) => Finding::fail(
            "config",
            format!("error[{}]: {e}", e.code()),
            e.hint().map_or_else(
                || {
                    "correct the sigseal.* git config key or SIGSEAL_* variable named above \
                     (`git config --show-origin --get-regexp '^sigseal'` shows where each is set)"
                        .to_string()
                },
                str::to_string,
            ),
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

/// trusted-root, tuf-cache, the four services and the agent, on one runtime, at once.
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
                services::service_checks(cfg).await
            }
        };
        tokio::join!(trust::trust_checks(cfg, offline), services, identity::agent_check(cfg))
    });
    // A name lookup stuck in a blocking thread must not hold the process.
    rt.shutdown_background();
    let mut out = trust;
    out.extend(services);
    out.push(agent);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_exit_code_is_one_only_with_a_failure() {
        let mut r = Report { findings: vec![Finding::ok("a", "x"), Finding::warn("b", "y", "do z")] };
        assert_eq!(r.exit_code(), 0);
        r.findings.push(Finding::fail("c", "broken\nacross lines", "fix it"));
        assert_eq!(r.exit_code(), 1);
        assert_eq!(r.summary(), Summary { ok: 1, warn: 1, fail: 1, info: 0 });
        assert_eq!(r.findings[2].detail, "broken across lines", "details are kept on one line");
        assert_eq!(r.findings[0].fix, None);
    }

    #[test]
    fn spans_use_the_largest_whole_unit() {
        assert_eq!(span(45), "45 s");
        assert_eq!(span(600), "10 min");
        assert_eq!(span(5 * 3600), "5 h");
        assert_eq!(span(3 * 86_400), "3 days");
    }
}
