//! This binary and PATH: where a program name resolves (as git and a shell resolve it), which
//! sigseal a shell finds, and the `path` finding comparing it with the one git runs.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::Finding;

/// The running sigseal: its canonical path and version.
pub(super) struct ThisSigseal {
    pub(super) exe: Option<PathBuf>,
    pub(super) version: &'static str,
}

impl ThisSigseal {
    pub(super) fn find() -> Self {
        Self { exe: std::env::current_exe().and_then(|p| p.canonicalize()).ok(), version: env!("CARGO_PKG_VERSION") }
    }

    pub(super) fn exe_text(&self) -> String {
        self.exe.as_ref().map_or_else(|| "<this sigseal>".to_string(), |p| p.display().to_string())
    }
}

/// Where a program name resolves: a name with a slash is a path (relative to `cwd`), anything
/// else is looked up on `path` as a shell would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Resolved {
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
pub(super) fn resolve_program(program: &str, path: Option<&OsStr>, cwd: &Path) -> Resolved {
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

pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The version a `sigseal --version` line names (`sigseal 0.1.0`).
pub(super) fn sigseal_version(version_output: &str) -> Option<String> {
    let line = version_output.lines().next()?.trim();
    let v = line.strip_prefix("sigseal ")?.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// The `path` finding: which sigseal a shell finds, against the one git runs (or this one).
pub(super) fn classify_path(on_path: &Resolved, git_runs: Option<&Path>, this_exe: Option<&Path>) -> Finding {
    const CHECK: &str = "path";
    let dir =
        this_exe.and_then(Path::parent).map_or_else(|| "<directory of sigseal>".into(), |d| d.display().to_string());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

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
}
