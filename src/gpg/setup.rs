//! `sigseal setup`'s work: the git configuration that makes `git commit -S` and `git tag -s` call
//! sigseal as their x509 signing program (`gpg.format`, `gpg.x509.program`, optionally
//! `tag.gpgSign` / `commit.gpgSign`), written in one scope and reported key by key.

use serde::Serialize;

use crate::config::{git_config_get, git_config_set, GitScope};
use crate::error::{Error, Result};

/// What to configure.
#[derive(Clone, Copy, Debug)]
pub struct SetupOptions {
    /// The git config scope written.
    pub scope: GitScope,
    /// Also sign every tag (`tag.gpgSign=true`).
    pub sign_tags: bool,
    /// Also sign every commit (`commit.gpgSign=true`).
    pub sign_commits: bool,
}

/// What became of one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It was not set in this scope.
    Set,
    /// It held another value.
    Changed,
    /// It already held this value.
    Unchanged,
}

/// One key that setup wrote (or found already right).
#[derive(Debug, Serialize)]
pub struct Setting {
    /// The git config key.
    pub key: &'static str,
    /// Its value now.
    pub value: String,
    /// The scope (`global` or `local`).
    pub scope: &'static str,
    /// What setup did.
    pub action: Action,
    /// The value before, when there was another one.
    pub previous: Option<String>,
}

/// Write the configuration for this sigseal binary, calling `each` after every key (so a
/// failure part way leaves a report of what was done), and return every key.
pub fn apply(options: SetupOptions, mut each: impl FnMut(&Setting) -> Result<()>) -> Result<Vec<Setting>> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| Error::io("finding the path of this sigseal binary", e))?;
    let exe = exe.to_str().ok_or_else(|| Error::Config("the path of this binary is not UTF-8".into()))?;
    let scope = options.scope;
    let mut changes = vec![("gpg.format", "x509"), ("gpg.x509.program", exe)];
    if options.sign_tags {
        changes.push(("tag.gpgSign", "true"));
    }
    if options.sign_commits {
        changes.push(("commit.gpgSign", "true"));
    }
    let mut settings = Vec::new();
    for (key, value) in changes {
        let old = git_config_get(scope, key);
        let action = match &old {
            Some(o) if o == value => Action::Unchanged,
            Some(_) => Action::Changed,
            None => Action::Set,
        };
        if action != Action::Unchanged {
            git_config_set(scope, key, value)?;
        }
        let setting = Setting {
            key,
            value: value.to_string(),
            scope: scope.as_str(),
            action,
            previous: old.filter(|_| action == Action::Changed),
        };
        each(&setting)?;
        settings.push(setting);
    }
    Ok(settings)
}
