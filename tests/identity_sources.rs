//! Where signing gets its identity token: the GitHub Actions ambient token (served by a local
//! HTTP endpoint with GitHub's contract), `SIGSTORE_ID_TOKEN`, and a token file.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::{sigseal, Stack};

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
            if h.to_ascii_lowercase().starts_with("authorization:") && h.trim_end().ends_with(&format!("bearer {request_token}")) {
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
    let (url, server) = github_endpoint(stack.token("ci@example.com", 600), "request-secret");
    let mut env = stack_env(stack);
    env.push(("ACTIONS_ID_TOKEN_REQUEST_URL".into(), url));
    env.push(("ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(), "request-secret".into()));
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &env, b"payload");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(server.join().unwrap().contains("audience=sigstore"));
    assert_eq!(signer_identity(&out.stdout), "ci@example.com");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("request-secret"));
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
