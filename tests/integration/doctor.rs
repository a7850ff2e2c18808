//! `sigseal doctor` against the local Sigstore stack and real git: a repository set up by
//! `sigseal setup` passes; an unreachable or silent service fails quickly with a fix; git not
//! configured for sigseal warns with the setup command; the JSON report adds up; the agent's
//! identities are listed with their minutes left, and no token ever appears.

use crate::common;

use std::net::TcpListener;
use std::process::Output;
use std::time::{Duration, Instant};

use common::{assert_no_token_leak, gits, Repo, Stack};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// The finding line of `check` in a text report: (status, detail), and its fix when it has one.
fn finding(report: &str, check: &str) -> (String, String, Option<String>) {
    let lines: Vec<&str> = report.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.split_whitespace().nth(1) == Some(check))
        .unwrap_or_else(|| panic!("no `{check}` finding in:\n{report}"));
    let mut words = lines[i].splitn(3, char::is_whitespace);
    let status = words.next().unwrap_or_default().to_string();
    let detail = lines[i].split_once(check).map(|(_, d)| d.trim().to_string()).unwrap_or_default();
    let fix = lines.get(i + 1).and_then(|l| l.strip_prefix("     fix: ")).map(str::to_string);
    (status, detail, fix)
}

fn assert_status(report: &str, check: &str, want: &str) {
    let (status, detail, fix) = finding(report, check);
    assert_eq!(status, want, "{check}: {detail} (fix: {fix:?})\n{report}");
}

/// Run doctor in `repo`, timed.
fn doctor(repo: &Repo, args: &[&str]) -> (Output, Duration) {
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    let start = Instant::now();
    let out = repo.sigseal(&all);
    (out, start.elapsed())
}

/// A loopback URL nothing listens on.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn with(env: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = env.iter().filter(|(k, _)| k != key).cloned().collect();
    env.push((key.into(), value.into()));
    env
}

#[test]
fn repository_set_up_by_sigseal_setup_passes_against_the_stack() {
    let stack = Stack::shared();
    let repo = Repo::new(&gits()[0], stack.service_env());
    repo.ok(&["config", "--unset", "gpg.format"]);
    repo.ok(&["config", "--unset", "gpg.x509.program"]);
    let setup = repo.sigseal(&["setup"]);
    assert!(setup.status.success(), "{}", text(&setup.stderr));

    let (out, elapsed) = doctor(&repo, &[]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}{}", text(&out.stderr));
    for check in
        ["git-version", "git-config", "git-program", "config", "trusted-root", "fulcio", "rekor", "oidc-issuer"]
    {
        assert_status(&report, check, "ok");
    }
    let (_, program, _) = finding(&report, "git-program");
    assert!(program.contains("this sigseal"), "{program}");
    for check in ["fulcio", "rekor", "oidc-issuer"] {
        let (_, detail, fix) = finding(&report, check);
        assert!(detail.contains("answered in") && detail.contains(" ms"), "{check}: {detail}");
        assert!(fix.is_none(), "{check} has a fix although it passed: {fix:?}");
    }
    let (_, fulcio, _) = finding(&report, "fulcio");
    assert!(fulcio.starts_with(&stack.url), "{fulcio}");
    assert!(report.lines().last().unwrap_or_default().starts_with("summary: "), "{report}");
    assert!(elapsed < Duration::from_secs(15), "doctor took {elapsed:?}");
}

#[test]
fn rekor_on_a_closed_port_fails_quickly_with_a_fix() {
    let stack = Stack::shared();
    let rekor = closed_port_url();
    let repo = Repo::new(&gits()[0], with(&stack.service_env(), "SIGSEAL_REKOR_URL", &rekor));
    let (out, elapsed) = doctor(&repo, &[]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}{}", text(&out.stderr));
    let (status, detail, fix) = finding(&report, "rekor");
    assert_eq!(status, "fail", "{report}");
    assert!(detail.contains(&rekor), "{detail}");
    let fix = fix.unwrap_or_else(|| panic!("the rekor failure has no fix:\n{report}"));
    assert!(fix.contains("SIGSEAL_REKOR_URL") && fix.contains(&rekor), "{fix}");
    // Only Rekor is down.
    assert_status(&report, "fulcio", "ok");
    assert_status(&report, "oidc-issuer", "ok");
    assert!(elapsed < Duration::from_secs(15), "doctor took {elapsed:?}");
}

#[test]
fn services_that_accept_but_never_answer_are_given_up_together_after_the_timeout() {
    let stack = Stack::shared();
    // Connections complete (the kernel's backlog) but nobody ever reads or answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let mut env = with(&stack.service_env(), "SIGSEAL_FULCIO_URL", &url);
    env = with(&env, "SIGSEAL_REKOR_URL", &url);
    env = with(&env, "SIGSEAL_OIDC_ISSUER", &url);
    env = with(&env, "SIGSEAL_TIMESTAMP_URL", &format!("{url}/api/v1/timestamp"));
    let repo = Repo::new(&gits()[0], env);
    let (out, elapsed) = doctor(&repo, &[]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}{}", text(&out.stderr));
    for check in ["fulcio", "rekor", "oidc-issuer", "timestamp-authority"] {
        let (status, detail, fix) = finding(&report, check);
        assert_eq!(status, "fail", "{check}: {detail}");
        assert!(detail.contains("no answer within 5 s"), "{check}: {detail}");
        assert!(fix.is_some(), "{check} has no fix");
    }
    // Four silent services one after the other would take 20 s; together they take 5.
    assert!(elapsed < Duration::from_secs(12), "doctor took {elapsed:?}: the services were not asked at once");
    drop(silent);
}

#[test]
fn unset_gpg_format_warns_with_the_setup_fix_and_still_exits_zero() {
    let stack = Stack::shared();
    let repo = Repo::new(&gits()[0], stack.service_env());
    repo.ok(&["config", "--unset", "gpg.format"]);
    let (out, _) = doctor(&repo, &[]);
    let report = text(&out.stdout);
    let (status, detail, fix) = finding(&report, "git-config");
    assert_eq!(status, "warn", "{report}");
    assert!(detail.contains("gpg.format is not set"), "{detail}");
    let fix = fix.unwrap_or_else(|| panic!("no fix for git-config:\n{report}"));
    assert!(fix.contains("sigseal setup") && fix.contains("git config gpg.format x509"), "{fix}");
    assert_eq!(out.status.code(), Some(0), "a warning alone must not fail doctor:\n{report}");

    // With gpg.format=x509 but the program pointing nowhere, git signing is broken: a failure.
    repo.ok(&["config", "gpg.format", "x509"]);
    repo.ok(&["config", "gpg.x509.program", "/nonexistent/sigseal"]);
    let (out, _) = doctor(&repo, &[]);
    let report = text(&out.stdout);
    let (status, detail, fix) = finding(&report, "git-program");
    assert_eq!(status, "fail", "{report}");
    assert!(detail.contains("/nonexistent/sigseal") && detail.contains("no such file"), "{detail}");
    assert!(fix.unwrap_or_default().contains("sigseal setup"), "{report}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn json_report_parses_and_its_summary_counts_the_findings() {
    let stack = Stack::shared();
    let repo = Repo::new(&gits()[0], with(&stack.service_env(), "SIGSEAL_REKOR_URL", &closed_port_url()));
    let (out, _) = doctor(&repo, &["--output", "json"]);
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out.stdout)));
    let findings = doc["findings"].as_array().expect("findings array");
    let mut counts = std::collections::HashMap::new();
    for f in findings {
        let status = f["status"].as_str().expect("status");
        assert!(["ok", "warn", "fail", "info"].contains(&status), "{f}");
        assert!(f["check"].is_string() && f["detail"].is_string(), "{f}");
        assert!(f.get("fix").is_some(), "every finding has a fix key: {f}");
        if status == "warn" || status == "fail" {
            assert!(f["fix"].as_str().is_some_and(|s| !s.is_empty()), "a {status} without a fix: {f}");
        }
        *counts.entry(status.to_string()).or_insert(0u64) += 1;
    }
    for status in ["ok", "warn", "fail"] {
        assert_eq!(doc["summary"][status].as_u64(), Some(counts.get(status).copied().unwrap_or(0)), "{status}: {doc}");
    }
    assert_eq!(doc["exit_code"].as_i64(), Some(1));
    assert_eq!(out.status.code(), Some(1));
    let checks: Vec<&str> = findings.iter().filter_map(|f| f["check"].as_str()).collect();
    for check in [
        "git-version",
        "git-config",
        "git-program",
        "path",
        "config",
        "trusted-root",
        "fulcio",
        "rekor",
        "oidc-issuer",
        "timestamp-authority",
        "agent",
        "token-source",
    ] {
        assert!(checks.contains(&check), "{check} missing from {checks:?}");
    }
    let rekor = findings.iter().find(|f| f["check"] == "rekor").expect("rekor");
    assert_eq!(rekor["status"], "fail");
}

#[test]
fn offline_skips_every_service_with_an_info_line() {
    let stack = Stack::shared();
    let dead = closed_port_url();
    let mut env = with(&stack.service_env(), "SIGSEAL_FULCIO_URL", &dead);
    env = with(&env, "SIGSEAL_REKOR_URL", &dead);
    let repo = Repo::new(&gits()[0], env);
    let (out, _) = doctor(&repo, &["--offline"]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    for check in ["fulcio", "rekor", "oidc-issuer", "timestamp-authority"] {
        let (status, detail, _) = finding(&report, check);
        assert_eq!(status, "info", "{check}: {detail}");
        assert!(detail.contains("--offline"), "{detail}");
    }
    assert_status(&report, "trusted-root", "ok");
}

#[test]
fn bad_flags_are_a_usage_error_and_bad_configuration_a_failure() {
    let stack = Stack::shared();
    let repo = Repo::new(&gits()[0], stack.service_env());
    let (out, _) = doctor(&repo, &["--output", "xml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let repo = Repo::new(&gits()[0], with(&stack.service_env(), "SIGSEAL_TOKEN_PROVIDER", "carrier-pigeon"));
    let (out, _) = doctor(&repo, &[]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let (status, detail, fix) = finding(&report, "config");
    assert_eq!(status, "fail");
    assert!(detail.contains("SS0002") && detail.contains("tokenProvider"), "{detail}");
    assert!(fix.is_some());
    // The checks that need a configuration say why they did not run.
    let (status, detail, _) = finding(&report, "fulcio");
    assert_eq!((status.as_str(), detail.contains("configuration is invalid")), ("info", true), "{report}");
}

#[test]
fn agent_identities_are_listed_with_minutes_left_and_no_token_appears() {
    let stack = Stack::shared();
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let agent_dir = tmp.path().join("agent");
    std::fs::create_dir(&agent_dir).unwrap();
    std::fs::set_permissions(&agent_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let socket = agent_dir.join("agent.sock");
    let mut env = stack.service_env();
    env.push(("SIGSEAL_AGENT".into(), "true".into()));
    env.push(("SIGSEAL_AGENT_SOCKET".into(), socket.display().to_string()));
    env.push(("BROWSER".into(), common::repo_root().join("tests/stack/fakebrowser.sh").display().to_string()));
    env.push(("FAKEBROWSER_LOG".into(), tmp.path().join("browser.log").display().to_string()));
    env.push(("HOME".into(), tmp.path().join("home").display().to_string()));

    // Before any login: no agent is running, which is not a problem.
    let repo = Repo::new(&gits()[0], env.clone());
    let (out, _) = doctor(&repo, &[]);
    let before = text(&out.stdout);
    assert_status(&before, "agent", "info");

    let login = common::sigseal(&["login", "--flow", "browser"], &env, b"");
    assert!(login.status.success(), "{}", text(&login.stderr));
    let (out, _) = doctor(&repo, &[]);
    let report = text(&out.stdout);
    let (json, _) = doctor(&repo, &["--output", "json"]);
    let stop = common::sigseal(&["agent", "--stop"], &env, b"");
    assert!(stop.status.success(), "{}", text(&stop.stderr));

    assert_eq!(out.status.code(), Some(0), "{report}");
    let (status, detail, _) = finding(&report, "agent");
    assert_eq!(status, "ok", "{report}");
    // The whole line is accounted for: pid, socket, identity, issuer, Fulcio, minutes; nothing else.
    let shape = regex::Regex::new(&format!(
        r"^running \(pid \d+, socket {}\): alice@example\.com \(issuer {}, Fulcio {}\): \d+ minute\(s\) left$",
        regex::escape(&socket.display().to_string()),
        regex::escape(&stack.oidc),
        regex::escape(&stack.url),
    ))
    .unwrap();
    assert!(shape.is_match(&detail), "unexpected agent detail: {detail}");
    let minutes: u64 =
        detail.rsplit(": ").next().and_then(|m| m.split(' ').next()).and_then(|m| m.parse().ok()).unwrap();
    assert!((1..=10).contains(&minutes), "{detail}");
    for output in [&report, &text(&json.stdout), &text(&out.stderr)] {
        assert!(!output.contains("PRIVATE KEY") && !output.contains("-----BEGIN"), "key material in:\n{output}");
    }
    assert_no_token_leak(stack, &[&out.stdout, &out.stderr, &json.stdout, &json.stderr], &[]);
}

#[test]
fn token_file_is_described_by_its_claims_only() {
    let stack = Stack::shared();
    let file = stack.token_file("bob@example.com");
    let repo = Repo::new(&gits()[0], stack.env(&file));
    let (out, _) = doctor(&repo, &["--offline"]);
    let report = text(&out.stdout);
    let (status, detail, _) = finding(&report, "token-source");
    assert_eq!(status, "ok", "{report}");
    assert!(
        detail.contains("token file") && detail.contains("bob@example.com") && detail.contains(&stack.oidc),
        "{detail}"
    );
    assert_no_token_leak(stack, &[&out.stdout, &out.stderr], &[]);

    // An expired token is what signing would refuse: a failure, still without the token.
    std::fs::write(&file, stack.token("bob@example.com", -60)).unwrap();
    let (out, _) = doctor(&repo, &["--offline"]);
    let report = text(&out.stdout);
    let (status, detail, fix) = finding(&report, "token-source");
    assert_eq!(status, "fail", "{report}");
    assert!(detail.contains("expired"), "{detail}");
    assert!(fix.is_some());
    assert_no_token_leak(stack, &[&out.stdout, &out.stderr], &[]);
}
