//! `sigseal setup`: writes the git configuration that makes git sign with sigseal, and reports
//! each key as text or as one JSON document.

use serde::Serialize;

use super::Format;
use crate::config::GitScope;
use crate::error::Result;
use crate::gpg::setup::{self, Action, Setting, SetupOptions};

/// Arguments of `sigseal setup`.
#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools, reason = "each is one command-line switch")]
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
    /// Report format: one line per key, or one JSON document.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

/// Apply the configuration, reporting each key.
pub fn run(a: &SetupArgs) -> Result<()> {
    let scope = if a.global { GitScope::Global } else { GitScope::Local };
    let options = SetupOptions { scope, sign_tags: a.sign_tags, sign_commits: a.sign_commits };
    let settings = setup::apply(options, |setting| {
        if a.output != Format::Text {
            return Ok(());
        }
        let (flag, key, value) = (scope.flag(), setting.key, &setting.value);
        match (&setting.action, &setting.previous) {
            (Action::Unchanged, _) => super::out::line(format_args!("unchanged  git config {flag} {key} {value}")),
            (_, Some(o)) => super::out::line(format_args!("changed    git config {flag} {key} {value} (was {o})")),
            (_, None) => super::out::line(format_args!("set        git config {flag} {key} {value}")),
        }
    })?;
    if a.output == Format::Json {
        #[derive(Serialize)]
        struct Document<'a> {
            scope: &'static str,
            settings: &'a [Setting],
        }
        super::out::json(&Document { scope: scope.as_str(), settings: &settings })?;
    }
    Ok(())
}
