//! git: its version, whether git is set to sign with x509 (`gpg.format`), and the program it
//! runs to sign (`gpg.x509.program`): the `git-version`, `git-config`, `git-program` and `path`
//! findings.

use std::ffi::OsStr;

use super::programs::{classify_path, resolve_program, same_file, sigseal_version, Resolved, ThisSigseal};
use super::{Finding, GIT_TIMEOUT, PROGRAM_TIMEOUT};
use crate::config::{git_config, git_program};
use crate::process;

/// Oldest git that knows `gpg.format = x509` and `gpg.x509.program` (Git 2.19.0 release notes:
/// "Teach `git tag -s` etc. a few configuration variables (gpg.format that can be set to
/// "openpgp" or "x509", and `gpg.<format>.program` ...)").
pub const MIN_GIT: (u32, u32, u32) = (2, 19, 0);

/// `git version 2.39.5`, `git version 2.39.5.windows.1`, `git version 2.20.1 (Apple Git-117)`.
pub(super) fn parse_git_version(output: &str) -> Option<(u32, u32, u32)> {
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
pub(super) fn classify_git_version(output: &str) -> Finding {
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
pub(super) struct GitValue {
    /// Where it is set (`file:.git/config`, `file:/home/u/.gitconfig`, `command line:`).
    pub origin: String,
    /// The value.
    pub value: String,
}

fn git_get(key: &str) -> std::result::Result<Option<GitValue>, String> {
    let ran = git_config(&["-z", "--show-origin", "--get", key], Some(GIT_TIMEOUT)).map_err(|e| e.to_string())?;
    match ran.code {
        Some(0) => {
            let stdout = ran.stdout_text();
            let mut parts = stdout.split('\0');
            let origin = parts.next().unwrap_or("").to_string();
            let value = parts.next().unwrap_or("").to_string();
            Ok(Some(GitValue { origin, value }))
        }
        Some(1) => Ok(None),
        _ => Err(format!("git config --get {key} failed: {}", ran.stderr.trim())),
    }
}

fn in_repository() -> bool {
    process::run(OsStr::new(&git_program()), &["rev-parse", "--git-dir"], Some(GIT_TIMEOUT)).is_ok_and(|r| r.success)
}

fn setup_fix(in_repo: bool, raw: &str) -> String {
    if in_repo {
        format!("sigseal setup (this repository) or sigseal setup --global (every repository); or: {raw}")
    } else {
        format!("sigseal setup --global; or: {}", raw.replacen("git config ", "git config --global ", 1))
    }
}

/// The `git-config` finding for the effective `gpg.format`.
pub(super) fn classify_git_format(format: Option<&GitValue>, in_repo: bool) -> Finding {
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
pub(super) struct ProgramFacts {
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
pub(super) fn classify_program(facts: &ProgramFacts, this_exe: &str, this_version: &str, in_repo: bool) -> Finding {
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

/// git-version, git-config, git-program and path, in that order.
pub(super) fn git_checks(this: &ThisSigseal) -> Vec<Finding> {
    let git = git_program();
    let install = "install git 2.19 or newer, or set SIGSEAL_GIT to its path";
    let ran = process::run(OsStr::new(&git), &["--version"], Some(PROGRAM_TIMEOUT));
    let git_runs_at_all = matches!(&ran, Ok(r) if r.success);
    let version = match ran {
        Ok(r) if r.success => classify_git_version(&r.stdout_text()),
        Ok(r) => Finding::fail("git-version", format!("`{git} --version` failed: {}", r.stderr.trim()), install),
        Err(e) => Finding::fail("git-version", e.to_string(), install),
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
                match process::run(p.as_os_str(), &["--version"], Some(PROGRAM_TIMEOUT)) {
                    Ok(r) => {
                        let stdout = r.stdout_text();
                        other_version = sigseal_version(&stdout);
                        other_banner = stdout
                            .lines()
                            .chain(r.stderr.lines())
                            .map(str::trim)
                            .find(|l| !l.is_empty())
                            .map(|l| l.chars().take(80).collect());
                    }
                    Err(e) => other_banner = Some(e.to_string()),
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::doctor::Status;

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
}
