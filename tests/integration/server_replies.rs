//! What a broken or malicious Sigstore server sends back never hurts the signer: with
//! tests/stack/fault-proxy.js in front of the local stack, error replies that echo the request
//! (and so the identity token), replies of 300 MB, and error text full of terminal escape
//! sequences make `git commit -S` and `sigseal sign-blob` fail with a short, escaped, token-free
//! message in bounded memory; and a Fulcio certificate for another identity is refused before
//! anything reaches Rekor or the timestamp authority.

use crate::common::{self, combined_output, error_line};

use std::path::Path;
use std::process::Output;

use common::{assert_no_token_leak, gits, run_measured, sigseal, sigseal_bin, FaultProxy, Repo, Stack};

/// Peak resident memory allowed to a signer facing a 300 MB reply.
const MAX_RSS_KIB: u64 = 200 * 1024;

/// Nothing a terminal would act on: no ESC, BEL, CR, NUL, other C0 controls but newline and
/// tab, no C1 controls, no bidi overrides.
fn assert_terminal_safe(out: &Output, what: &str) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let s = String::from_utf8_lossy(bytes);
        let bad = s.chars().find(|c| {
            (c.is_control() && *c != '\n' && *c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        });
        assert!(bad.is_none(), "{what}: {name} carries control character {bad:?}:\n{s:?}");
    }
}

/// No JWT-shaped text at all (the echoed token, or a token-like string the server sent).
fn assert_no_jwt(out: &Output, what: &str) {
    let t = combined_output(out);
    assert!(!t.contains("eyJ"), "{what}: something JWT-shaped was printed:\n{t}");
}

fn sign_blob(env: &[(String, String)]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("asset.txt");
    std::fs::write(&file, b"release asset\n").expect("write asset");
    let bundle = dir.path().join("asset.sigstore.json");
    let out = sigseal(&["sign-blob", file.to_str().unwrap(), "--bundle", bundle.to_str().unwrap()], env, b"");
    assert!(!bundle.exists(), "a bundle was written despite the failure:\n{}", combined_output(&out));
    out
}

/// `git commit -S` in a fresh repository; asserts it failed and git recorded nothing.
fn commit_refused(git: &Path, env: Vec<(String, String)>, what: &str) -> Output {
    let repo = Repo::new(git, env);
    repo.commit_file("a", "a\n");
    let head = repo.ok(&["rev-parse", "HEAD"]);
    let before = repo.objects();
    let out = repo.run(&["commit", "-S", "--allow-empty", "-m", "signed"]);
    assert!(!out.status.success(), "{what}: git commit -S succeeded:\n{}", combined_output(&out));
    assert_eq!(repo.ok(&["rev-parse", "HEAD"]), head, "{what}: HEAD moved");
    assert_eq!(repo.objects(), before, "{what}: git recorded new objects");
    out
}

#[test]
fn a_fulcio_error_that_echoes_the_request_prints_no_token() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    proxy.set(&[("fulcio", "echo")]);
    let token = stack.token_file("alice@example.com");
    let env = proxy.env(stack, &token);

    let out = sign_blob(&env);
    assert!(!out.status.success(), "sign-blob succeeded:\n{}", combined_output(&out));
    let line = error_line(&out);
    assert!(line.contains("error[SS0201]") && line.contains("HTTP 500"), "{line}");
    assert!(line.contains("[redacted"), "the echoed token was not visibly redacted: {line}");
    assert!(line.len() < 1200, "the server's text was not shortened ({} bytes): {line}", line.len());
    assert_no_jwt(&out, "sign-blob");
    for git in gits() {
        let out = commit_refused(&git, env.clone(), "fulcio echo");
        assert_no_jwt(&out, "git commit -S");
        assert_no_token_leak(stack, &[&out.stdout, &out.stderr], &[]);
    }
    assert_no_token_leak(stack, &[&out.stdout, &out.stderr], &[]);
    assert!(proxy.served()["fulcio:echo"].as_u64().unwrap_or(0) >= 2, "the fault was never served: {}", proxy.served());
}

#[test]
fn escape_sequences_in_server_errors_never_reach_the_terminal() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    let token = stack.token_file("alice@example.com");
    let env = proxy.env(stack, &token);
    for (service, code) in [("fulcio", "SS0201"), ("rekor", "SS0202"), ("tsa", "SS0205")] {
        proxy.set(&[(service, "ansi")]);
        let out = sign_blob(&env);
        assert!(!out.status.success(), "{service}: sign-blob succeeded:\n{}", combined_output(&out));
        let line = error_line(&out);
        assert!(line.contains(&format!("error[{code}]")), "{service}: {line}");
        // The text is shown, escaped, not dropped.
        assert!(line.contains("\\u{1b}[31mFAKE"), "{service}: the server's text is not shown escaped: {line}");
        assert_terminal_safe(&out, service);
        assert_no_jwt(&out, service);
        // An HTTP 500 is retried: every attempt got the same reply.
        assert_eq!(proxy.served()[format!("{service}:ansi")].as_u64(), Some(3), "{service}: {}", proxy.served());
    }
    proxy.set(&[("fulcio", "ansi")]);
    for git in gits() {
        let out = commit_refused(&git, env.clone(), "fulcio ansi");
        assert_terminal_safe(&out, "git commit -S");
    }
}

#[test]
fn replies_of_300_megabytes_are_refused_in_bounded_memory() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    let token = stack.token_file("alice@example.com");
    let env = proxy.env(stack, &token);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("asset.txt");
    std::fs::write(&file, b"release asset\n").expect("write asset");
    let bundle = dir.path().join("asset.sigstore.json");
    let bin = sigseal_bin();
    let args = ["sign-blob", file.to_str().unwrap(), "--bundle", bundle.to_str().unwrap()];

    for (service, mode, code, says) in [
        ("fulcio", "huge", "SS0201", "reply larger than 1048576 bytes"),
        ("fulcio", "huge-error", "SS0201", "HTTP 500"),
        ("rekor", "huge", "SS0202", "reply larger than 1048576 bytes"),
        ("tsa", "huge", "SS0205", "reply larger than 65536 bytes"),
    ] {
        proxy.set(&[(service, mode)]);
        let (out, kib) = run_measured(&bin, &args, &env, dir.path());
        eprintln!("{service} {mode}: sign-blob peak RSS {kib} KiB");
        assert!(!out.status.success(), "{service} {mode}: sign-blob succeeded:\n{}", combined_output(&out));
        assert!(kib < MAX_RSS_KIB, "{service} {mode}: sign-blob peaked at {kib} KiB of memory");
        let line = error_line(&out);
        assert!(line.contains(&format!("error[{code}]")) && line.contains(says), "{service} {mode}: {line}");
        assert!(line.len() < 1200, "{service} {mode}: the reply was not shortened ({} bytes)", line.len());
        assert!(!bundle.exists(), "{service} {mode}: a bundle was written");
    }

    proxy.set(&[("fulcio", "huge")]);
    for git in gits() {
        let repo = Repo::new(&git, env.clone());
        repo.commit_file("a", "a\n");
        let head = repo.ok(&["rev-parse", "HEAD"]);
        let mut genv = repo.env.clone();
        genv.push(("SIGSEAL_GIT".into(), git.display().to_string()));
        let (out, kib) = run_measured(&git, &["commit", "-S", "--allow-empty", "-m", "signed"], &genv, repo.path());
        eprintln!("fulcio huge: git commit -S peak RSS {kib} KiB");
        assert!(!out.status.success(), "git commit -S succeeded:\n{}", combined_output(&out));
        assert!(kib < MAX_RSS_KIB, "git commit -S (and sigseal under it) peaked at {kib} KiB of memory");
        assert_eq!(repo.ok(&["rev-parse", "HEAD"]), head, "HEAD moved");
    }
}

#[test]
fn a_certificate_for_another_identity_is_refused_before_anything_is_logged() {
    let stack = Stack::start();
    let proxy = FaultProxy::start(&stack);
    proxy.set(&[("fulcio", "wrong-identity")]);
    let token = stack.token_file("alice@example.com");
    let env = proxy.env(&stack, &token);
    common::http_post(&format!("{}/_stats/reset", stack.url), "{}");

    let out = sign_blob(&env);
    assert!(!out.status.success(), "sign-blob signed with a certificate for Mallory:\n{}", combined_output(&out));
    let line = error_line(&out);
    assert!(line.contains("error[SS0201]") && line.contains("mallory@example.com"), "{line}");
    assert!(line.contains("alice@example.com"), "the message does not say whom the token names: {line}");
    for git in gits() {
        let out = commit_refused(&git, env.clone(), "wrong identity");
        assert!(!combined_output(&out).contains("Good signature"), "{}", combined_output(&out));
    }
    let stats = stack.stats();
    assert!(stats["fulcio"].as_u64().unwrap_or(0) >= 2, "Fulcio was never asked: {stats}");
    assert_eq!(stats["rekor"].as_u64(), Some(0), "something was posted to Rekor: {stats}");
    assert_eq!(stats["tsa"].as_u64(), Some(0), "something was sent to the TSA: {stats}");
    assert!(proxy.served()["fulcio:wrong-identity"].as_u64().unwrap_or(0) >= 2, "{}", proxy.served());
}
