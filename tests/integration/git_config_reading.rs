//! sigseal reads git configuration in its own process: the value it sees must be the value git
//! sees (`git config --get`), whatever scope, include, `git -c` or environment set it; and the
//! processes git starts to sign and verify start no child process of their own.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

use common::{detached, gits, isolate, s, sigseal_bin, text, Repo, Stack};

/// A HOME with a ~/.gitconfig, a repository in it, and a directory outside any repository.
struct Place {
    _dir: tempfile::TempDir,
    home: PathBuf,
    repo: PathBuf,
    outside: PathBuf,
}

impl Place {
    fn new(git: &Path, global: &str) -> Place {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        let repo = home.join("work").join("repo");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&repo).expect("repo dir");
        std::fs::create_dir_all(&outside).expect("outside dir");
        std::fs::write(home.join(".gitconfig"), global).expect("global config");
        let p = Place { _dir: dir, home, repo, outside };
        p.git(git, &p.repo, &["init", "-q"]);
        p
    }

    fn env(&self, c: &mut Command) {
        isolate(c);
        c.env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_CONFIG_GLOBAL")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("GIT_DIR")
            .env_remove("GIT_CONFIG_PARAMETERS")
            .env_remove("GIT_CONFIG_COUNT");
    }

    fn git(&self, git: &Path, dir: &Path, args: &[&str]) -> Output {
        let out = self.git_any(git, dir, args);
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
        out
    }

    /// Run git, whatever its exit status.
    fn git_any(&self, git: &Path, dir: &Path, args: &[&str]) -> Output {
        let mut c = Command::new(git);
        self.env(&mut c);
        c.args(args).current_dir(dir).output().expect("run git")
    }

    /// What git reads for sigseal.fulcioURL in `dir`, with extra environment.
    fn git_reads(&self, git: &Path, dir: &Path, env: &[(&str, &str)]) -> String {
        let mut c = Command::new(git);
        self.env(&mut c);
        c.args(["config", "--get", "sigseal.fulcioURL"]).current_dir(dir).envs(env.iter().copied());
        String::from_utf8_lossy(&c.output().expect("git config").stdout).trim_end().to_string()
    }

    /// What sigseal reads for it in `dir`: the Fulcio URL its configuration check names.
    fn sigseal_reads(&self, dir: &Path, env: &[(&str, &str)]) -> String {
        let mut c = detached(&sigseal_bin());
        self.env(&mut c);
        c.args(["doctor", "--offline", "--output", "json"]).current_dir(dir).envs(env.iter().copied());
        fulcio_named(&c.output().expect("run sigseal"))
    }
}

/// The Fulcio URL named by doctor's `config` finding (a non-public Fulcio without a trusted
/// root is refused, and the refusal names it).
fn fulcio_named(out: &Output) -> String {
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)));
    let findings = report["findings"].as_array().expect("findings");
    let config = findings.iter().find(|f| f["check"] == "config").expect("a config finding");
    let detail = config["detail"].as_str().expect("detail");
    let Some(rest) = detail.split("Fulcio ").nth(1) else { return format!("(none: {detail})") };
    rest.split(" / Rekor").next().unwrap_or_default().to_string()
}

/// What is set, where sigseal runs, its extra environment, and the value git must read.
type Case = (&'static str, PathBuf, Vec<(&'static str, String)>, String);

fn url(tag: &str) -> String {
    format!("http://127.0.0.1:9/{tag}")
}

#[test]
fn sigseal_reads_the_value_git_reads_from_every_scope_and_include() {
    let git = &gits()[0];
    let conditional_target = tempfile::NamedTempFile::new().expect("include file");
    std::fs::write(conditional_target.path(), format!("[sigseal]\n\tfulcioURL = {}\n", url("conditional")))
        .expect("write include");
    let global = format!(
        "[sigseal]\n\tfulcioURL = \"{}\" ; a comment\n[includeIf \"gitdir:~/work/cond/\"]\n\tpath = {}\n",
        url("global"),
        s(conditional_target.path())
    );
    let p = Place::new(git, &global);
    let sub = p.repo.join("a/b");
    std::fs::create_dir_all(&sub).expect("subdir");
    let cond = p.home.join("work").join("cond");
    std::fs::create_dir_all(&cond).expect("cond repo");
    p.git(git, &cond, &["init", "-q"]);

    let mut cases: Vec<Case> = vec![
        ("global file, quoted with a comment, in a repository", p.repo.clone(), vec![], url("global")),
        ("global file, outside any repository", p.outside.clone(), vec![], url("global")),
        ("conditional include (gitdir) in the global file", cond.clone(), vec![], url("conditional")),
    ];
    let check = |cases: &mut Vec<Case>| {
        for (what, dir, env, want) in cases.drain(..) {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let by_git = p.git_reads(git, &dir, &env);
            let by_sigseal = p.sigseal_reads(&dir, &env);
            assert_eq!(by_git, want, "{what}: git reads {by_git}");
            assert_eq!(by_sigseal, by_git, "{what}: sigseal reads {by_sigseal}, git reads {by_git}");
        }
    };
    check(&mut cases);

    p.git(git, &p.repo, &["config", "sigseal.fulcioURL", &url("local")]);
    cases.push(("local file over the global one", p.repo.clone(), vec![], url("local")));
    cases.push(("local file, from a subdirectory", sub.clone(), vec![], url("local")));
    cases.push(("GIT_DIR from outside", p.outside.clone(), vec![("GIT_DIR", s(&p.repo.join(".git")))], url("local")));
    cases.push((
        "GIT_CONFIG_COUNT over the local file",
        p.repo.clone(),
        vec![
            ("GIT_CONFIG_COUNT", "1".into()),
            ("GIT_CONFIG_KEY_0", "SigSeal.FulcioURL".into()),
            ("GIT_CONFIG_VALUE_0", url("count")),
        ],
        url("count"),
    ));
    check(&mut cases);

    let included = p.home.join("included.cfg");
    std::fs::write(&included, format!("[sigseal]\n\tfulcioURL = {}\n", url("included"))).expect("write include");
    p.git(git, &p.repo, &["config", "include.path", &s(&included)]);
    cases.push(("include after the local value", p.repo.clone(), vec![], url("included")));
    p.git(git, &cond, &["config", "extensions.worktreeConfig", "true"]);
    p.git(git, &cond, &["config", "--worktree", "sigseal.fulcioURL", &url("worktree")]);
    cases.push(("worktree file over the conditional include", cond.clone(), vec![], url("worktree")));
    check(&mut cases);
}

#[test]
fn git_dash_c_reaches_sigseal_as_git_passes_it_on() {
    for git in gits() {
        let p = Place::new(&git, &format!("[sigseal]\n\tfulcioURL = {}\n", url("global")));
        p.git(&git, &p.repo, &["config", "sigseal.fulcioURL", &url("local")]);
        // git runs sigseal itself (an alias), handing it the -c settings in its environment;
        // the value has a quote, which git escapes.
        let value = url("dash-c/it's");
        let alias = format!("alias.sd=!{} doctor --offline --output json", s(&sigseal_bin()));
        let out = p.git_any(
            &git,
            &p.repo,
            &["-c", "user.name=x", "-c", &format!("sigseal.fulcioURL={value}"), "-c", &alias, "sd"],
        );
        assert_eq!(fulcio_named(&out), value, "{}", common::git_version(&git));
        let out = p.git_any(&git, &p.outside, &["-c", &format!("sigseal.fulcioURL={value}"), "-c", &alias, "sd"]);
        assert_eq!(fulcio_named(&out), value, "outside a repository, {}", common::git_version(&git));
    }
}

#[test]
fn signing_and_verifying_for_git_start_no_child_process() {
    let stack = Stack::shared();
    let git = &gits()[0];
    let dir = tempfile::tempdir().expect("temp dir");
    let calls = dir.path().join("calls");
    let recorder = dir.path().join("git-recorder");
    std::fs::write(&recorder, format!("#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n", s(&calls), s(git)))
        .expect("write recorder");
    std::fs::set_permissions(&recorder, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");

    let token = stack.token_file("alice@example.com");
    let mut env = stack.env(&token);
    env.push(("SIGSEAL_GIT".into(), s(&recorder)));
    let repo = Repo::new(git, env);
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed"]);
    repo.ok(&["tag", "-s", "v1", "-m", "v1"]);
    repo.ok(&["verify-commit", "HEAD"]);
    repo.ok(&["verify-tag", "v1"]);
    repo.ok(&["log", "--show-signature", "-1"]);
    let while_git_ran = std::fs::read_to_string(&calls).unwrap_or_default();
    assert!(while_git_ran.is_empty(), "sigseal ran git while git signed and verified: {while_git_ran}");

    // The recorder does record: sigseal's doctor asks git where the repository is.
    let out = repo.sigseal(&["doctor", "--offline"]);
    let with_doctor = std::fs::read_to_string(&calls).unwrap_or_default();
    assert!(!with_doctor.is_empty(), "the recorder saw nothing: {}", text(&out));
}

#[test]
fn the_configuration_of_a_repository_someone_else_owns_is_ignored_as_git_ignores_it() {
    // Its owner could otherwise choose the trusted root or the identity policy of whoever runs
    // sigseal in it; git reads it only once safe.directory names it.
    let git = &gits()[0];
    let p = Place::new(git, &format!("[sigseal]\n\tfulcioURL = {}\n", url("global")));
    p.git(git, &p.repo, &["config", "sigseal.fulcioURL", &url("owner")]);
    let chown = Command::new("chown").args(["-R", "nobody"]).arg(&p.repo).output().expect("chown");
    if !chown.status.success() {
        eprintln!("skipped: making a repository another user owns needs root ({})", text(&chown));
        return;
    }
    assert_eq!(p.git_reads(git, &p.repo, &[]), url("global"), "git reads the other owner's file");
    assert_eq!(p.sigseal_reads(&p.repo, &[]), url("global"), "sigseal reads the other owner's file");

    let global = p.home.join(".gitconfig");
    let before = std::fs::read_to_string(&global).expect("global config");
    let safe = format!("{before}[safe]\n\tdirectory = {}\n", p.repo.display());
    std::fs::write(&global, safe).expect("write global config");
    assert_eq!(p.git_reads(git, &p.repo, &[]), url("owner"));
    assert_eq!(p.sigseal_reads(&p.repo, &[]), url("owner"), "safe.directory is honoured");
}
