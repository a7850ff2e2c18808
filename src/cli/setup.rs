//! `sigseal setup`: writes the git configuration that makes git sign with sigseal.

use std::process::Command;

use crate::config::git_program;
use crate::error::{Error, Result};

/// Arguments of `sigseal setup`.
#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Write to the user's global git config (~/.gitconfig).
    #[arg(long, conflicts_with = "local")]
    global: bool,
    /// Write to this repository's config (the default).
    #[arg(long)]
    local: bool,
    /// Also sign every tag (tag.gpgSign=true).
    #[arg(long)]
    sign_tags: bool,
    /// Also sign every commit (commit.gpgSign=true).
    #[arg(long)]
    sign_commits: bool,
}

/// Apply the configuration, printing each change.
pub fn run(a: &SetupArgs) -> Result<()> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| Error::io("finding the path of this sigseal binary", e))?;
    let exe = exe.to_str().ok_or_else(|| Error::Config("the path of this binary is not UTF-8".into()))?;
    let scope = if a.global { "--global" } else { "--local" };
    let mut changes = vec![("gpg.format", "x509"), ("gpg.x509.program", exe)];
    if a.sign_tags {
        changes.push(("tag.gpgSign", "true"));
    }
    if a.sign_commits {
        changes.push(("commit.gpgSign", "true"));
    }
    for (key, value) in changes {
        let old = Command::new(git_program())
            .args(["config", scope, "--get", key])
            .output()
            .ok()
            .and_then(|o| o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim_end().to_string()));
        if old.as_deref() == Some(value) {
            super::out::line(format_args!("unchanged  git config {scope} {key} {value}"))?;
            continue;
        }
        let out = Command::new(git_program())
            .args(["config", scope, key, value])
            .output()
            .map_err(|e| Error::Git(format!("running git config: {e}")))?;
        if !out.status.success() {
            return Err(Error::Git(format!(
                "git config {scope} {key} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        match old {
            Some(o) => super::out::line(format_args!("changed    git config {scope} {key} {value} (was {o})"))?,
            None => super::out::line(format_args!("set        git config {scope} {key} {value}"))?,
        }
    }
    Ok(())
}
