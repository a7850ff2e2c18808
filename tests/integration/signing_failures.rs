//! Signing fails closed: Fulcio down, Rekor down, no token, expired token or wrong audience make
//! `git tag -s` / `git commit -S` fail with a one-line cause, and git records no object.

use crate::common;

use common::{git_version, gits, sigseal, Repo, Stack};

/// An address nothing listens on (a port just released by the OS).
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

fn set(env: &mut Vec<(String, String)>, k: &str, v: &str) {
    env.retain(|(key, _)| key != k);
    env.push((k.to_string(), v.to_string()));
}

/// Try `git tag -s` and `git commit -S` with this environment; assert both fail, nothing is
/// recorded, and stderr names the cause. Returns sigseal's error line.
fn assert_nothing_signed(git: &std::path::Path, env: Vec<(String, String)>, cause: &str) -> String {
    let v = git_version(git);
    let repo = Repo::new(git, env);
    repo.commit_file("a", "a\n");
    let head = repo.ok(&["rev-parse", "HEAD"]);
    let before = repo.objects();

    let tag = repo.run(&["tag", "-s", "v1", "-m", "v1"]);
    let err = String::from_utf8_lossy(&tag.stderr).to_string();
    assert!(!tag.status.success(), "{v}: tag -s succeeded despite {cause}");
    assert!(!repo.run(&["rev-parse", "--verify", "-q", "refs/tags/v1"]).status.success(), "{v}: tag ref created");
    // git >= 2.42 shows the signing program's stderr on failure; older git drops it, so ask
    // sigseal directly, as git called it, for the line it wrote.
    let line = if let Some(l) = err.lines().find(|l| l.contains("sigseal: error[")) {
        l.to_string()
    } else {
        let direct = sigseal(&["--status-fd=2", "-bsau", "K"], &repo.env, b"payload");
        assert!(direct.stdout.is_empty());
        let e = String::from_utf8_lossy(&direct.stderr).to_string();
        e.lines().find(|l| l.contains("sigseal: error[")).unwrap_or_else(|| panic!("{v}: no cause in {e}")).to_string()
    };
    assert!(line.to_lowercase().contains(cause), "{v}: expected {cause:?} in {line}");

    let commit = repo.run(&["commit", "-S", "--allow-empty", "-m", "signed"]);
    assert!(!commit.status.success(), "{v}: commit -S succeeded despite {cause}");
    assert_eq!(repo.ok(&["rev-parse", "HEAD"]), head, "{v}: HEAD moved");
    assert_eq!(repo.objects(), before, "{v}: git recorded new objects");
    line
}

/// Point one service URL at a dead address and try to sign with every git.
fn with_service_down(var: &str, cause: &str) {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    for git in gits() {
        let mut env = stack.env(&token);
        set(&mut env, var, &dead_url());
        assert_nothing_signed(&git, env, cause);
    }
}

#[test]
fn fulcio_down_creates_no_tag_or_commit() {
    with_service_down("SIGSEAL_FULCIO_URL", "fulcio");
}

#[test]
fn rekor_down_creates_no_tag_or_commit() {
    with_service_down("SIGSEAL_REKOR_URL", "rekor");
}

#[test]
fn no_token_creates_no_tag_or_commit() {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    for git in gits() {
        let mut env = stack.env(&token);
        env.retain(|(k, _)| k != "SIGSEAL_TOKEN_FILE");
        set(&mut env, "SIGSTORE_ID_TOKEN", "");
        let line = assert_nothing_signed(&git, env, "no identity token");
        assert!(line.contains("SS0101"), "{line}");
    }
}

#[test]
fn expired_or_wrong_audience_token_is_refused_before_fulcio() {
    let stack = Stack::start();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("expired", stack.token("alice@example.com", -120)),
        ("audience", stack.token_with("sub=alice@example.com&email=alice@example.com&email_verified=true&aud=other")),
    ];
    for (cause, token) in cases {
        let path = dir.path().join(cause);
        std::fs::write(&path, &token).unwrap();
        for git in gits() {
            let line = assert_nothing_signed(&git, stack.env(&path), cause);
            assert!(line.contains("SS0102"), "{line}");
            assert!(!line.contains(token.trim()), "token printed");
        }
    }
    assert_eq!(stack.stats()["fulcio"], 0, "Fulcio was contacted with a bad token");
}

#[test]
fn failed_signing_prints_nothing_on_stdout_and_no_sig_created() {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    let mut env = stack.env(&token);
    set(&mut env, "SIGSEAL_REKOR_URL", &dead_url());
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "stdout: {:?}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("SIG_CREATED"), "{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("sigseal: error[")).count(), 1, "{err}");
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    let mut env = stack.env(&token);
    set(&mut env, "SIGSEAL_FULCIO_URL", "http://fulcio.example.com");
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain http"));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_private_instance_without_a_usable_log_never_falls_back_to_the_public_one() {
    let stack = Stack::start();
    // The stack's own signing config, its Rekor turned into a log of an API version sigseal
    // does not write (it writes 1 and 2).
    let mut sc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(stack.path("signing_config.json")).unwrap()).unwrap();
    for log in sc["rekorTlogUrls"].as_array_mut().expect("rekorTlogUrls") {
        log["majorApiVersion"] = 3.into();
    }
    let sc_path = stack.path("signing_config.v3-only.json");
    std::fs::write(&sc_path, sc.to_string()).unwrap();
    let token = stack.token_file("alice@example.com");
    let env: Vec<(String, String)> = vec![
        ("SIGSEAL_SIGNING_CONFIG".into(), sc_path.display().to_string()),
        ("SIGSEAL_TRUSTED_ROOT".into(), stack.trusted_root().display().to_string()),
        ("SIGSEAL_TOKEN_FILE".into(), token.display().to_string()),
    ];
    for git in gits() {
        let line = assert_nothing_signed(&git, env.clone(), "never falls back");
        assert!(line.contains("SS0002") && line.contains("Rekor"), "{line}");
    }
    let dir = tempfile::tempdir().unwrap();
    let asset = dir.path().join("a.txt");
    std::fs::write(&asset, "a").unwrap();
    let out = sigseal(&["sign-blob", asset.to_str().unwrap()], &env, b"");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never falls back"));
    assert!(!dir.path().join("a.txt.sigstore.json").exists());
    // Not one request reached Fulcio or Rekor: the identity went nowhere.
    let stats = stack.stats();
    assert_eq!((stats["fulcio"].as_u64(), stats["rekor"].as_u64()), (Some(0), Some(0)), "{stats}");
    // doctor calls the configuration broken.
    let out = sigseal(&["doctor", "--offline", "--output", "json"], &env, b"");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let config = report.to_string();
    assert_eq!(out.status.code(), Some(1), "{config}");
    assert!(config.contains("never falls back"), "{config}");
}
