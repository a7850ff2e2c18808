//! What sigseal does when Fulcio, Rekor or the timestamp authority fail the way networks and
//! busy servers do, with tests/stack/fault-proxy.js in front of the local stack: a service that
//! never answers fails `sigseal sign-blob` and `git commit -S` with "timed out" once
//! `sigseal.timeout` has passed; a single 503 or dropped connection is retried and the signature
//! verifies; a 503 that persists is given up after 3 attempts, exactly 3 requests sent; a
//! redirect to another host is not followed, so the identity token never reaches it; and a Rekor
//! create answered 409 Conflict (the entry is in the log already) is read back and used.

use crate::common::{self, combined_output, error_line};

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::{gits, http_get, http_post, sigseal, FaultProxy, Repo, Stack};

/// `SIGSEAL_TIMEOUT` of the hung-service tests, in seconds.
const DEADLINE_SECS: u64 = 5;

/// What a failing run may take beyond the deadline (process start, the token check, git).
const MARGIN: Duration = Duration::from_secs(3);

/// How much sooner than the deadline a hung-service failure may come (the deadline starts at
/// the first request, a little after the process).
const EARLY: Duration = Duration::from_millis(500);

/// The attempts docs/troubleshooting.md states for a request that may be repeated.
const ATTEMPTS: u64 = 3;

/// Each service behind the proxy, with the error code a failure of it has.
const SERVICES: [(&str, &str); 3] = [("fulcio", "SS0201"), ("rekor", "SS0202"), ("tsa", "SS0205")];

fn served(proxy: &FaultProxy, key: &str) -> u64 {
    proxy.served()[key].as_u64().unwrap_or(0)
}

/// Every service request a proxy received: `[{method, path, headers, body}]`.
fn received(proxy: &FaultProxy) -> Vec<serde_json::Value> {
    serde_json::from_str(&http_get(&format!("{}/_fault/received", proxy.url))).expect("received JSON")
}

/// A release asset in a fresh directory: (the directory, the asset, where its bundle goes).
fn asset() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("asset.txt");
    std::fs::write(&file, b"release asset\n").expect("write asset");
    let bundle = dir.path().join("asset.sigstore.json");
    (dir, file, bundle)
}

fn sign_blob(file: &Path, bundle: &Path, env: &[(String, String)]) -> Output {
    sigseal(&["sign-blob", file.to_str().unwrap(), "--bundle", bundle.to_str().unwrap()], env, b"")
}

/// Sign a fresh asset and require a bundle that verifies offline as alice's, with its RFC 3161
/// timestamp and log entry.
fn signs_and_verifies(stack: &Stack, env: &[(String, String)], what: &str) {
    let (_dir, file, bundle) = asset();
    let out = sign_blob(&file, &bundle, env);
    assert!(out.status.success(), "{what}: sign-blob failed:\n{}", combined_output(&out));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let material = &json["verificationMaterial"];
    assert_eq!(material["tlogEntries"].as_array().map(Vec::len), Some(1), "{what}: {json:#}");
    assert_eq!(
        material["timestampVerificationData"]["rfc3161Timestamps"].as_array().map(Vec::len),
        Some(1),
        "{what}: {json:#}"
    );
    let verify = sigseal(
        &[
            "verify-blob",
            file.to_str().unwrap(),
            "--bundle",
            bundle.to_str().unwrap(),
            "--offline",
            "--certificate-identity",
            "alice@example.com",
            "--certificate-oidc-issuer",
            &stack.oidc,
        ],
        &stack.service_env(),
        b"",
    );
    assert!(verify.status.success(), "{what}: the bundle does not verify:\n{}", combined_output(&verify));
}

/// `git commit -S` in a fresh repository with `git`: whether it succeeded, the output, the repo.
fn commit(git: &Path, env: Vec<(String, String)>) -> (bool, Output, Repo) {
    let repo = Repo::new(git, env);
    repo.commit_file("a", "a\n");
    let out = repo.run(&["commit", "-S", "--allow-empty", "-m", "signed"]);
    (out.status.success(), out, repo)
}

fn with(mut env: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    env.push((key.into(), value.into()));
    env
}

#[test]
fn a_hung_service_fails_the_signature_at_the_deadline_saying_timed_out() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    let token = stack.token_file("alice@example.com");
    let env = with(proxy.env(stack, &token), "SIGSEAL_TIMEOUT", &DEADLINE_SECS.to_string());
    let deadline = Duration::from_secs(DEADLINE_SECS);

    for (service, code) in SERVICES {
        proxy.set(&[(service, "hang")]);
        let (_dir, file, bundle) = asset();
        let start = Instant::now();
        let out = sign_blob(&file, &bundle, &env);
        let took = start.elapsed();
        eprintln!("{service} hung: sign-blob gave up after {took:?}");
        assert!(!out.status.success(), "{service}: sign-blob succeeded:\n{}", combined_output(&out));
        let line = error_line(&out);
        assert!(line.contains(&format!("error[{code}]")), "{service}: {line}");
        assert!(line.contains(&format!("timed out after {DEADLINE_SECS} s")), "{service}: {line}");
        // Ended by the deadline: not before it, and not long after (the old limit was 60 s).
        assert!(took >= deadline.saturating_sub(EARLY), "{service}: gave up after only {took:?}: {line}");
        assert!(took < deadline + MARGIN, "{service}: took {took:?} with a {DEADLINE_SECS} s deadline");
        assert!(!bundle.exists(), "{service}: a bundle was written");
        // A request that got no answer is not sent again.
        assert_eq!(served(&proxy, &format!("{service}:hang")), 1, "{}", proxy.served());
    }

    proxy.set(&[("fulcio", "hang")]);
    let git = &gits()[0];
    let start = Instant::now();
    let (signed, out, repo) = commit(git, env.clone());
    let took = start.elapsed();
    eprintln!("fulcio hung: git commit -S gave up after {took:?}");
    // git keeps its signing program's messages to itself; the time tells the deadline ended it.
    assert!(!signed, "git commit -S succeeded:\n{}", combined_output(&out));
    assert!(took >= deadline.saturating_sub(EARLY), "git commit -S gave up after only {took:?}");
    assert!(took < deadline + MARGIN, "git commit -S took {took:?} with a {DEADLINE_SECS} s deadline");
    assert_eq!(served(&proxy, "fulcio:hang"), 2, "{}", proxy.served());
    assert_eq!(repo.ok(&["rev-list", "--count", "HEAD"]).trim(), "1", "git recorded a signed commit");
}

#[test]
fn a_single_503_or_dropped_connection_from_any_service_is_retried_and_the_signature_verifies() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    let token = stack.token_file("alice@example.com");
    let env = proxy.env(stack, &token);

    for (service, _) in SERVICES {
        for mode in ["unavailable-once", "reset-once"] {
            proxy.set(&[(service, mode)]);
            signs_and_verifies(stack, &env, &format!("{service} {mode}"));
            assert_eq!(served(&proxy, &format!("{service}:{mode}")), 1, "{service} {mode}: {}", proxy.served());
        }
    }

    for git in gits() {
        for (service, mode) in [("fulcio", "reset-once"), ("rekor", "unavailable-once"), ("tsa", "reset-once")] {
            proxy.set(&[(service, mode)]);
            let before = served(&proxy, &format!("{service}:{mode}"));
            let (signed, out, repo) = commit(&git, env.clone());
            assert!(signed, "{service} {mode}: git commit -S failed:\n{}", combined_output(&out));
            let verify = repo.run(&["verify-commit", "HEAD"]);
            assert!(verify.status.success(), "{service} {mode}: verify-commit: {}", combined_output(&verify));
            assert_eq!(served(&proxy, &format!("{service}:{mode}")), before + 1, "{}", proxy.served());
        }
    }
}

#[test]
fn a_persistent_503_is_given_up_after_three_attempts_each_sent() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    let token = stack.token_file("alice@example.com");
    let env = proxy.env(stack, &token);

    for (service, code) in SERVICES {
        proxy.set(&[(service, "unavailable")]);
        let (_dir, file, bundle) = asset();
        let out = sign_blob(&file, &bundle, &env);
        assert!(!out.status.success(), "{service}: sign-blob succeeded:\n{}", combined_output(&out));
        let line = error_line(&out);
        assert!(line.contains(&format!("error[{code}]")), "{service}: {line}");
        assert!(
            line.contains(&format!("gave up after {ATTEMPTS} attempts: HTTP 503 Service Unavailable")),
            "{service}: {line}"
        );
        assert_eq!(served(&proxy, &format!("{service}:unavailable")), ATTEMPTS, "{service}: {}", proxy.served());
        assert!(!bundle.exists(), "{service}: a bundle was written");
    }
}

#[test]
fn a_redirect_to_another_host_is_not_followed_and_the_token_never_reaches_it() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    // The other host: a second proxy that records every request it gets.
    let elsewhere = FaultProxy::start(stack);
    let port = elsewhere.url.rsplit(':').next().unwrap().to_string();
    let token_file = stack.token_file("alice@example.com");
    let token = std::fs::read_to_string(&token_file).unwrap().trim().to_string();
    let env = proxy.env(stack, &token_file);

    for (service, code) in SERVICES {
        proxy.set(&[(service, "redirect")]);
        http_post(&format!("{}/_fault", proxy.url), &format!(r#"{{"redirect_to": "http://localhost:{port}"}}"#));
        let (_dir, file, bundle) = asset();
        let out = sign_blob(&file, &bundle, &env);
        assert!(!out.status.success(), "{service}: sign-blob succeeded:\n{}", combined_output(&out));
        let line = error_line(&out);
        assert!(line.contains(&format!("error[{code}]")), "{service}: {line}");
        assert!(line.contains("redirected (HTTP 307) to http://localhost:"), "{service}: {line}");
        assert_eq!(served(&proxy, &format!("{service}:redirect")), 1, "{service}: {}", proxy.served());
        assert!(!combined_output(&out).contains(&token), "{service}: the token was printed");
    }
    proxy.set(&[("fulcio", "redirect")]);
    http_post(&format!("{}/_fault", proxy.url), &format!(r#"{{"redirect_to": "http://localhost:{port}"}}"#));
    let (signed, out, _repo) = commit(&gits()[0], env.clone());
    assert!(!signed, "git commit -S succeeded:\n{}", combined_output(&out));
    assert_eq!(served(&proxy, "fulcio:redirect"), 2, "git commit -S never reached Fulcio: {}", proxy.served());

    let got = received(&elsewhere);
    assert!(got.is_empty(), "the other host received requests: {got:#?}");
    assert!(!serde_json::Value::from(got).to_string().contains(&token), "the token reached the other host");
    // The recorder records: a request sent to it directly is there.
    http_get(&format!("{}/api/v1/log", elsewhere.url));
    assert_eq!(received(&elsewhere).len(), 1, "the other host's recorder does not record");
}

#[test]
fn a_rekor_create_answered_409_reads_the_logged_entry_back_and_the_signature_verifies() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    let token = stack.token_file("alice@example.com");
    let env = proxy.env(stack, &token);
    let requests = |proxy: &FaultProxy, method: &str, path: &str| {
        received(proxy)
            .iter()
            .filter(|r| r["method"] == method && r["path"].as_str().is_some_and(|p| p.starts_with(path)))
            .count()
    };

    // Every create is answered 409, naming the entry the stack logged for it.
    proxy.set(&[("rekor", "duplicate")]);
    signs_and_verifies(stack, &env, "rekor duplicate");
    assert_eq!(served(&proxy, "rekor:duplicate"), 1, "{}", proxy.served());
    assert_eq!(requests(&proxy, "POST", "/api/v1/log/entries"), 1, "the create was sent again");
    assert_eq!(requests(&proxy, "GET", "/api/v1/log/entries/"), 1, "the entry was not read back");

    // The create is logged but its answer lost: the retry is answered 409 and read back.
    let proxy = FaultProxy::start(stack);
    let env = proxy.env(stack, &token);
    proxy.set(&[("rekor", "lost-reply-once")]);
    signs_and_verifies(stack, &env, "rekor lost-reply-once");
    assert_eq!(served(&proxy, "rekor:lost-reply-once"), 1, "{}", proxy.served());
    assert_eq!(requests(&proxy, "POST", "/api/v1/log/entries"), 2, "the create was not retried");
    assert_eq!(requests(&proxy, "GET", "/api/v1/log/entries/"), 1, "the entry was not read back");

    proxy.set(&[("rekor", "duplicate")]);
    for git in gits() {
        let (signed, out, repo) = commit(&git, env.clone());
        assert!(signed, "git commit -S failed:\n{}", combined_output(&out));
        let verify = repo.run(&["verify-commit", "HEAD"]);
        assert!(verify.status.success(), "verify-commit: {}", combined_output(&verify));
    }
}

#[test]
fn a_slow_fulcio_never_leaves_the_signing_time_before_the_certificate() {
    // Fulcio answers 1.5 s late, so its certificate's notBefore lies in a later second than
    // the moment git asked for the signature: the signing time must come after the certificate,
    // or openssl (and gpgsm) refuse the signature at its own signing time.
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    proxy.set(&[("fulcio", "slow")]);
    let token = stack.token_file("alice@example.com");
    let (ok, out, repo) = commit(&gits()[0], proxy.env(stack, &token));
    assert!(ok, "signing through a slow Fulcio failed: {}", combined_output(&out));
    assert_eq!(served(&proxy, "fulcio:slow"), 1);
    let raw = repo.run(&["cat-file", "commit", "HEAD"]).stdout;
    let (payload, armored) = common::split_signed_object(&raw);
    let der = sigseal::cms::armor::decode(&armored).expect("armored signature");
    let parsed = sigseal::cms::parse(&der).expect("CMS");
    let at = parsed.signing_time.expect("a signing time");
    let leaf = <x509_cert::Certificate as der::Decode>::from_der(&parsed.signer_certificate).expect("leaf certificate");
    let not_before = leaf.tbs_certificate.validity.not_before.to_unix_duration().as_secs();
    assert!(at >= i64::try_from(not_before).expect("time"), "signing time {at} precedes notBefore {not_before}");

    let dir = tempfile::tempdir().expect("temp dir");
    let (sig, content) = (dir.path().join("sig.der"), dir.path().join("payload"));
    std::fs::write(&sig, &der).expect("write signature");
    std::fs::write(&content, &payload).expect("write payload");
    let openssl = std::process::Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-out", "/dev/null", "-in"])
        .arg(&sig)
        .arg("-content")
        .arg(&content)
        .arg("-CAfile")
        .arg(stack.path("fulcio_root.pem"))
        .args(["-attime", &at.to_string()])
        .output()
        .expect("openssl");
    assert!(
        openssl.status.success(),
        "openssl refused the signature at its signing time: {}",
        combined_output(&openssl)
    );
}
