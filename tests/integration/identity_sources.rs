//! Where signing gets its identity token, each CI with its real environment contract: GitHub
//! Actions (request URL and bearer token served by a local HTTP endpoint), GitLab CI
//! (`id_tokens` in `SIGSTORE_ID_TOKEN`, checked against the instance's JWKS), Buildkite and
//! CircleCI (their token commands as scripts on `PATH`); then `SIGSTORE_ID_TOKEN` and a token file.
//! Every token is checked (issuer of its source, audience, expiry, signature) before Fulcio.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::{sigseal, Stack};

const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// A token as the named issuer would mint it (signed by the local issuer's key).
fn token_from(stack: &Stack, email: &str, iss: &str) -> String {
    stack.token_with(&format!("sub={email}&email={email}&email_verified=true&iss={iss}"))
}

/// A one-request HTTP endpoint with GitHub's ID-token contract: it answers `{"value": TOKEN}`
/// only for `Authorization: bearer REQUEST_TOKEN` and `audience=sigstore`; returns the request
/// line it saw.
fn github_endpoint(token: String, request_token: &'static str) -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/token?api-version=2.0", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut authorized = false;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).unwrap();
            if h == "\r\n" || h.is_empty() {
                break;
            }
            if h.to_ascii_lowercase().starts_with("authorization:")
                && h.trim_end().ends_with(&format!("bearer {request_token}"))
            {
                authorized = true;
            }
        }
        let ok = authorized && request_line.contains("audience=sigstore") && request_line.contains("api-version=2.0");
        let body = if ok { serde_json::json!({ "value": token }).to_string() } else { "{}".into() };
        let status = if ok { "200 OK" } else { "403 Forbidden" };
        write!(stream, "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).unwrap();
        request_line
    });
    (url, handle)
}

fn stack_env(stack: &Stack) -> Vec<(String, String)> {
    let mut env = stack.service_env();
    env.push(("SIGSTORE_ID_TOKEN".into(), String::new()));
    env
}

fn signer_identity(stdout: &[u8]) -> String {
    let der = sigseal::cms::armor::decode(stdout).unwrap();
    let p = sigseal::cms::parse(&der).unwrap();
    sigseal::sigstore::certificate_facts(&p.signer_certificate).unwrap().identity.unwrap()
}

#[test]
fn github_actions_ambient_token_is_used() {
    let stack = Stack::shared();
    let (url, server) = github_endpoint(token_from(stack, "ci@example.com", GITHUB_ISSUER), "request-secret");
    let mut env = stack_env(stack);
    env.push(("ACTIONS_ID_TOKEN_REQUEST_URL".into(), url));
    env.push(("ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(), "request-secret".into()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // github.com's issuer cannot be reached here: the signature check is left to Fulcio, openly.
    assert!(String::from_utf8_lossy(&out.stderr).contains("token signature not checked locally"));
    assert!(server.join().unwrap().contains("audience=sigstore"));
    assert_eq!(signer_identity(&out.stdout), "ci@example.com");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("request-secret"));
}

#[test]
fn github_actions_token_from_another_issuer_is_refused_before_fulcio() {
    let stack = Stack::start();
    let (url, server) = github_endpoint(stack.token("ci@example.com", 600), "request-secret");
    let mut env = stack_env(&stack);
    env.push(("ACTIONS_ID_TOKEN_REQUEST_URL".into(), url));
    env.push(("ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(), "request-secret".into()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SS0102") && err.contains(&format!("expected {GITHUB_ISSUER}")), "{err}");
    assert_eq!(stack.stats()["fulcio"], 0, "Fulcio was contacted");
}

/// A script standing in for a CI agent's token command: checks its arguments, prints TOKEN.
fn ci_command(dir: &std::path::Path, name: &str, expected_args: &str, token: &str) {
    let script = format!(
        "#!/bin/sh\n[ \"$*\" = '{expected_args}' ] || {{ echo \"{name}: unexpected arguments: $*\" >&2; exit 3; }}\nprintf '%s\\n' '{token}'\n"
    );
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn with_path(env: &mut Vec<(String, String)>, dir: &std::path::Path) {
    env.push(("PATH".into(), format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())));
}

#[test]
fn buildkite_token_command_is_used() {
    let stack = Stack::shared();
    let bin = tempfile::tempdir().unwrap();
    let token = token_from(stack, "bk@example.com", "https://agent.buildkite.com");
    ci_command(bin.path(), "buildkite-agent", "oidc request-token --audience sigstore", &token);
    let mut env = stack_env(stack);
    with_path(&mut env, bin.path());
    env.push(("BUILDKITE".into(), "true".into()));
    env.push(("CI".into(), "true".into()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(signer_identity(&out.stdout), "bk@example.com");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&token));
}

#[test]
fn circleci_token_command_is_used() {
    let stack = Stack::shared();
    let bin = tempfile::tempdir().unwrap();
    let token = token_from(stack, "circle@example.com", "https://oidc.circleci.com/org/0f3c");
    ci_command(bin.path(), "circleci", r#"run oidc get --claims {"aud":"sigstore"}"#, &token);
    let mut env = stack_env(stack);
    with_path(&mut env, bin.path());
    env.push(("CIRCLECI".into(), "true".into()));
    env.push(("CI".into(), "true".into()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(signer_identity(&out.stdout), "circle@example.com");
}

#[test]
fn buildkite_token_from_the_wrong_issuer_is_refused_before_fulcio() {
    let stack = Stack::start();
    let bin = tempfile::tempdir().unwrap();
    ci_command(
        bin.path(),
        "buildkite-agent",
        "oidc request-token --audience sigstore",
        &stack.token("bk@example.com", 600),
    );
    let mut env = stack_env(&stack);
    with_path(&mut env, bin.path());
    env.push(("BUILDKITE".into(), "true".into()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected https://agent.buildkite.com"), "{err}");
    assert_eq!(stack.stats()["fulcio"], 0);
}

#[test]
fn gitlab_id_token_is_checked_against_the_instance_keys() {
    let stack = Stack::start();
    let token = stack.token("gl@example.com", 600);
    let mut env = stack_env(&stack);
    env.retain(|(k, _)| k != "SIGSTORE_ID_TOKEN");
    env.push(("GITLAB_CI".into(), "true".into()));
    env.push(("CI".into(), "true".into()));
    env.push(("CI_SERVER_URL".into(), stack.oidc.clone()));
    env.push(("SIGSTORE_ID_TOKEN".into(), token.clone()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(signer_identity(&out.stdout), "gl@example.com");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("not checked"), "the JWKS check was skipped");
    assert_eq!(stack.stats()["fulcio"], 1);

    // The same claims with a signature the instance never made: refused, Fulcio not asked.
    let (head_payload, sig) = token.rsplit_once('.').unwrap();
    let mut forged_sig: Vec<char> = sig.chars().collect();
    forged_sig[10] = if forged_sig[10] == 'A' { 'B' } else { 'A' };
    let forged = format!("{head_payload}.{}", forged_sig.into_iter().collect::<String>());
    env.retain(|(k, _)| k != "SIGSTORE_ID_TOKEN");
    env.push(("SIGSTORE_ID_TOKEN".into(), forged));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SS0102") && err.contains("do not verify against the issuer's keys"), "{err}");
    assert_eq!(stack.stats()["fulcio"], 1, "Fulcio was contacted for a forged token");
}

#[test]
fn ci_without_any_token_fails_at_once_with_what_to_do() {
    let stack = Stack::shared();
    let mut env = stack_env(stack);
    env.push(("CI".into(), "true".into()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SS0101") && err.contains("id-token: write"), "{err}");
}

#[test]
fn github_actions_refusal_is_a_clear_failure() {
    let stack = Stack::shared();
    let (url, server) = github_endpoint(stack.token("ci@example.com", 600), "request-secret");
    let mut env = stack_env(stack);
    env.push(("ACTIONS_ID_TOKEN_REQUEST_URL".into(), url));
    env.push(("ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(), "wrong".into()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GitHub Actions token request failed: HTTP 403"), "{err}");
}

#[test]
fn sigstore_id_token_environment_variable_is_used() {
    let stack = Stack::shared();
    let mut env = stack_env(stack);
    env.retain(|(k, _)| k != "SIGSTORE_ID_TOKEN");
    env.push(("SIGSTORE_ID_TOKEN".into(), stack.token("env@example.com", 600)));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(signer_identity(&out.stdout), "env@example.com");
}

#[test]
fn token_file_from_git_config_is_used() {
    let stack = Stack::shared();
    let file = stack.token_file("file@example.com");
    let mut env = stack_env(stack);
    // git -c passes configuration to child processes through the environment.
    env.push(("GIT_CONFIG_PARAMETERS".into(), format!("'sigseal.tokenfile={}'", file.display())));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(signer_identity(&out.stdout), "file@example.com");
}

#[test]
fn embedded_public_good_root_is_used_without_configuration() {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared is absent");
        return;
    };
    let f = shared.join("fixtures/gitsign/7550db4cf96b9d2fd7e588ae9591b383b0130b5f.commit");
    let (payload, sig) = common::split_signed_object(&std::fs::read(f).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let sig_path = dir.path().join("sig");
    std::fs::write(&sig_path, sig).unwrap();
    // No trusted root configured, an empty cache, and no network: the embedded root is used.
    let env = vec![
        ("HOME".to_string(), dir.path().display().to_string()),
        ("XDG_CACHE_HOME".to_string(), dir.path().join("cache").display().to_string()),
    ];
    let out = sigseal(&["--status-fd=1", "--verify", sig_path.to_str().unwrap(), "-"], &env, &payload);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("GOODSIG"));
}
