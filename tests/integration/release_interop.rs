//! Release bundles across Sigstore clients, both ways, against the local stack: what sigseal
//! signs (a message signature and a DSSE attestation) verifies with sigstore-python 4.5.1
//! (`sigstore verify identity --offline`) and sigstore-js (@sigstore/verify); what
//! sigstore-python (`sign`, `attest`) and sigstore-js (@sigstore/sign, with a TSA timestamp)
//! sign verifies with sigseal; and a tampered artifact fails in every direction.

use crate::common::{self, s, text};

use common::{isolate, js_verify, python_verify, repo_root, sigseal, sigstore_python, Stack};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ALICE: &str = "alice@example.com";

/// An artifact and a copy of it with one byte changed.
fn artifact_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let good = dir.join("tool-1.0.0.tar.gz");
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&good, &data).unwrap();
    let mut changed = data;
    changed[123] ^= 0x40;
    let bad = dir.join("tool-1.0.0-tampered.tar.gz");
    std::fs::write(&bad, changed).unwrap();
    (good, bad)
}

fn sigseal_verify(stack: &Stack, command: &str, artifact: &Path, bundle: &Path) -> Output {
    sigseal(
        &[
            command,
            &s(artifact),
            "--bundle",
            &s(bundle),
            "--offline",
            "--certificate-identity",
            ALICE,
            "--certificate-oidc-issuer",
            &stack.oidc,
        ],
        &stack.service_env(),
        b"",
    )
}

fn assert_accepts(who: &str, what: &str, out: &Output) {
    assert!(out.status.success(), "{who} rejected {what}: {}", text(out));
}

fn assert_rejects(who: &str, what: &str, out: &Output) {
    assert_eq!(out.status.code(), Some(1), "{who} must reject {what}: {}", text(out));
    assert!(!String::from_utf8_lossy(&out.stdout).starts_with("verified"), "{who} accepted {what}: {}", text(out));
}

#[test]
fn sigseal_release_bundles_verify_with_sigstore_python_and_sigstore_js() {
    sigstore_python();
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = artifact_pair(dir.path());
    let mut env = stack.service_env();
    env.push(("SIGSTORE_ID_TOKEN".into(), stack.token(ALICE, 600)));
    env.push(("SIGSEAL_TIMESTAMP_URL".into(), format!("{}/api/v1/timestamp", stack.url)));

    let bundle = dir.path().join("tool.sigstore.json");
    let out = sigseal(&["sign-blob", &s(&good), "--bundle", &s(&bundle)], &env, b"");
    assert!(out.status.success(), "sigseal sign-blob: {}", text(&out));
    let attestation = dir.path().join("tool.intoto.sigstore.json");
    let out = common::attest_blob_slsa(&good, &attestation, &env);
    assert!(out.status.success(), "sigseal attest-blob: {}", text(&out));

    for (what, b) in [("sigseal's message-signature bundle", &bundle), ("sigseal's DSSE attestation", &attestation)] {
        assert_accepts("sigstore-python", what, &python_verify(stack, b, &good, ALICE));
        assert_accepts("sigstore-js", what, &js_verify(stack, b, &good, ALICE));
        assert_ne!(
            python_verify(stack, b, &bad, ALICE).status.code(),
            Some(0),
            "sigstore-python accepted {what} for a tampered file"
        );
        assert_ne!(
            js_verify(stack, b, &bad, ALICE).status.code(),
            Some(0),
            "sigstore-js accepted {what} for a tampered file"
        );
        assert_ne!(
            python_verify(stack, b, &good, "mallory@example.com").status.code(),
            Some(0),
            "sigstore-python ignored the identity for {what}"
        );
    }
    assert_accepts("sigseal", "its own bundle", &sigseal_verify(stack, "verify-blob", &good, &bundle));
    assert_accepts(
        "sigseal",
        "its own attestation",
        &sigseal_verify(stack, "verify-blob-attestation", &good, &attestation),
    );
    assert_rejects("sigseal", "a tampered file", &sigseal_verify(stack, "verify-blob", &bad, &bundle));
}

/// `node tests/stack/sign-bundle.js` (sigstore-js) against the stack.
fn js_sign(stack: &Stack, token_file: &Path, artifact: &Path, bundle: &Path, in_toto: bool) -> Output {
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/sign-bundle.js"));
    c.args(["--fulcio", &stack.url, "--rekor", &stack.url, "--tsa", &stack.url]);
    c.arg("--token-file").arg(token_file).arg("--artifact").arg(artifact).arg("--bundle").arg(bundle);
    if in_toto {
        c.arg("--in-toto");
    }
    c.env("NO_PROXY", "127.0.0.1,localhost");
    c.stdin(Stdio::null()).output().expect("run node tests/stack/sign-bundle.js")
}

/// `sigstore sign` / `sigstore attest` (sigstore-python) against the stack.
fn python_sign(stack: &Stack, token: &str, args: &[&str]) -> Output {
    let mut c = Command::new(sigstore_python());
    isolate(&mut c);
    c.env("COLUMNS", "200").env("NO_PROXY", "127.0.0.1,localhost");
    c.arg("--trust-config").arg(stack.path("trust_config.json"));
    c.args(args).args(["--identity-token", token]);
    c.stdin(Stdio::null()).output().expect("run sigstore-python")
}

#[test]
fn sigstore_python_and_sigstore_js_bundles_verify_with_sigseal() {
    sigstore_python();
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = artifact_pair(dir.path());
    let token = stack.token(ALICE, 600);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, &token).unwrap();

    let py = dir.path().join("python.sigstore.json");
    let out = python_sign(stack, &token, &["sign", "--bundle", &s(&py), &s(&good)]);
    assert!(out.status.success(), "sigstore-python sign: {}", text(&out));
    let predicate = dir.path().join("predicate.json");
    std::fs::write(&predicate, br#"{"buildDefinition":{"buildType":"https://example.com/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/builder"}}}"#).unwrap();
    let py_dsse = dir.path().join("python.intoto.sigstore.json");
    let out = python_sign(
        stack,
        &token,
        &[
            "attest",
            "--predicate",
            &s(&predicate),
            "--predicate-type",
            "https://slsa.dev/provenance/v1",
            "--bundle",
            &s(&py_dsse),
            &s(&good),
        ],
    );
    assert!(out.status.success(), "sigstore-python attest: {}", text(&out));

    let js = dir.path().join("js.sigstore.json");
    let out = js_sign(stack, &token_file, &good, &js, false);
    assert!(out.status.success(), "sigstore-js sign: {}", text(&out));
    let statement = dir.path().join("statement.json");
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&good).unwrap()));
    std::fs::write(
        &statement,
        format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"tool-1.0.0.tar.gz","digest":{{"sha256":"{digest}"}}}}],"predicateType":"https://example.com/p/v1","predicate":{{}}}}"#
        ),
    )
    .unwrap();
    let js_dsse = dir.path().join("js.intoto.sigstore.json");
    let out = js_sign(stack, &token_file, &statement, &js_dsse, true);
    assert!(out.status.success(), "sigstore-js sign --in-toto: {}", text(&out));
    // Both clients asked the stack's TSA, which stamps milliseconds as real TSAs may.
    for (who, b) in [("sigstore-python", &py), ("sigstore-js", &js)] {
        let tokens = common::bundle_tokens(b);
        assert_eq!(tokens.len(), 1, "the {who} bundle carries one TSA timestamp");
        let times = common::gen_times(&tokens[0]);
        assert!(
            times.len() == 1 && times[0].len() == 19 && times[0].as_bytes()[14] == b'.',
            "the {who} bundle's timestamp is not in milliseconds: {times:?}"
        );
    }

    for (what, b) in [("sigstore-python's bundle", &py), ("sigstore-js's bundle", &js)] {
        let out = sigseal_verify(stack, "verify-blob", &good, b);
        assert_accepts("sigseal verify-blob", what, &out);
        assert_rejects(
            "sigseal verify-blob",
            &format!("{what} for a tampered file"),
            &sigseal_verify(stack, "verify-blob", &bad, b),
        );
    }
    for (what, b) in [("sigstore-python's attestation", &py_dsse), ("sigstore-js's attestation", &js_dsse)] {
        assert_accepts(
            "sigseal verify-blob-attestation",
            what,
            &sigseal_verify(stack, "verify-blob-attestation", &good, b),
        );
        assert_rejects(
            "sigseal verify-blob-attestation",
            &format!("{what} for a tampered file"),
            &sigseal_verify(stack, "verify-blob-attestation", &bad, b),
        );
    }
    let out = sigseal(
        &[
            "verify-blob",
            &s(&good),
            "--bundle",
            &s(&py),
            "--offline",
            "--certificate-identity",
            "mallory@example.com",
            "--certificate-oidc-issuer",
            &stack.oidc,
        ],
        &stack.service_env(),
        b"",
    );
    assert_rejects("sigseal", "another identity", &out);
}
