//! RFC 3161 timestamps as real timestamp authorities issue them: the stack's TSA stamps
//! milliseconds (as OpenSSL-based TSAs and sigstore-js's mock do), and whole seconds as a second
//! case. git signatures and release bundles stamped either way verify with git 2.39 and 2.47,
//! sigseal, sigstore-python and sigstore-js; a timestamp authority that fails leaves no entry in
//! the log (counted at the stack).

use crate::common::{self, s, text};

use common::{
    bundle_tokens, gen_times, git_version, gits, js_verify, python_verify, sigseal, sigstore_python,
    split_signed_object, Repo, Stack,
};

const ALICE: &str = "alice@example.com";

/// Whether the genTime is in milliseconds (`.ddd`) or whole seconds, as the stack's mode says.
fn assert_precision(times: &[String], milliseconds: bool, what: &str) {
    assert_eq!(times.len(), 1, "{what}: one timestamp expected, found {times:?}");
    let t = &times[0];
    if milliseconds {
        assert!(t.len() == 19 && t.as_bytes()[14] == b'.', "{what}: genTime {t} is not in milliseconds");
    } else {
        assert_eq!(t.len(), 15, "{what}: genTime {t} is not in whole seconds");
    }
}

fn tsa_env(stack: &Stack, token_file: &std::path::Path) -> Vec<(String, String)> {
    let mut env = stack.env(token_file);
    env.push(("SIGSEAL_TIMESTAMP_URL".into(), format!("{}/api/v1/timestamp", stack.url)));
    env
}

fn git_signatures_with_a_tsa(stack: &Stack, milliseconds: bool) {
    for git in gits() {
        let v = git_version(&git);
        let token = stack.token_file(ALICE);
        let repo = Repo::new(&git, tsa_env(stack, &token));
        repo.commit_file("README", "hello\n");
        repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed and timestamped"]);
        repo.ok(&["tag", "-s", "v1.0", "-m", "release v1.0"]);
        for (kind, verify, rev) in [("commit", "verify-commit", "HEAD"), ("tag", "verify-tag", "v1.0")] {
            let out = repo.run(&[verify, rev]);
            assert!(out.status.success(), "{v}: git {verify}: {}", text(&out));
            let (_, signature) = split_signed_object(&repo.raw(kind, rev));
            let der = sigseal::cms::armor::decode(&signature).unwrap();
            assert_precision(&gen_times(&der), milliseconds, &format!("{v}: the {kind}'s timestamp"));
        }
        let out = repo.sigseal(&[
            "verify",
            "HEAD",
            "v1.0",
            "--certificate-identity",
            ALICE,
            "--certificate-oidc-issuer",
            &stack.oidc,
            "-o",
            "json",
        ]);
        assert!(out.status.success(), "{v}: sigseal verify: {}", text(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let stamped = report["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| {
                o["checks"].as_array().unwrap().iter().any(|c| c["name"] == "timestamp" && c["result"] == "pass")
            })
            .count();
        assert_eq!(stamped, 2, "{v}: both timestamps verify: {report}");
    }
}

#[test]
fn git_signatures_stamped_in_milliseconds_verify_with_every_git_and_sigseal() {
    git_signatures_with_a_tsa(Stack::shared(), true);
}

#[test]
fn git_signatures_stamped_in_whole_seconds_verify_with_every_git_and_sigseal() {
    git_signatures_with_a_tsa(&Stack::start_with(&["--tsa-whole-seconds"]), false);
}

fn release_bundles_with_a_tsa(stack: &Stack, milliseconds: bool) {
    sigstore_python();
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("tool-1.0.tar.gz");
    std::fs::write(&artifact, b"release bytes\n").unwrap();
    let bundle = dir.path().join("tool-1.0.tar.gz.sigstore.json");
    let env = tsa_env(stack, &stack.token_file(ALICE));
    let out = sigseal(&["sign-blob", &s(&artifact), "--bundle", &s(&bundle)], &env, b"");
    assert!(out.status.success(), "sign-blob: {}", text(&out));
    let tokens = bundle_tokens(&bundle);
    assert_eq!(tokens.len(), 1, "the bundle carries the TSA's timestamp");
    assert_precision(&gen_times(&tokens[0]), milliseconds, "the bundle's timestamp");

    let out = sigseal(
        &[
            "verify-blob",
            &s(&artifact),
            "--bundle",
            &s(&bundle),
            "--offline",
            "--certificate-identity",
            ALICE,
            "--certificate-oidc-issuer",
            &stack.oidc,
            "-v",
        ],
        &stack.service_env(),
        b"",
    );
    assert!(out.status.success(), "sigseal verify-blob: {}", text(&out));
    assert!(text(&out).contains("ok   timestamp: 1 RFC 3161 timestamp(s) verify"), "{}", text(&out));
    let python = python_verify(stack, &bundle, &artifact, ALICE);
    assert!(python.status.success(), "sigstore-python: {}", text(&python));
    let js = js_verify(stack, &bundle, &artifact, ALICE);
    assert!(js.status.success(), "sigstore-js: {}", text(&js));
}

#[test]
fn release_bundles_stamped_in_milliseconds_verify_with_sigseal_sigstore_python_and_sigstore_js() {
    release_bundles_with_a_tsa(Stack::shared(), true);
}

#[test]
fn release_bundles_stamped_in_whole_seconds_verify_with_sigseal_sigstore_python_and_sigstore_js() {
    release_bundles_with_a_tsa(&Stack::start_with(&["--tsa-whole-seconds"]), false);
}

#[test]
fn a_failing_timestamp_authority_leaves_no_log_entry_and_no_signature() {
    // A stack of its own, so its counters see only this test.
    let stack = Stack::start();
    let token = stack.token_file(ALICE);
    let mut env = stack.env(&token);
    env.push(("SIGSEAL_TIMESTAMP_URL".into(), format!("{}/api/v1/no-such-timestamp-authority", stack.url)));
    common::assert_nothing_signed_without_a_timestamp(&env);

    let stats = stack.stats();
    assert!(stats["fulcio"].as_u64().unwrap() >= 2, "both signings got their certificate first: {stats}");
    assert_eq!(stats["rekor"], 0, "a signature whose timestamp failed reached the log: {stats}");
}

/// Sign `name` with a timestamp on `stack`; returns (artifact, bundle JSON).
fn stamped_bundle(stack: &Stack, dir: &std::path::Path, name: &str) -> (std::path::PathBuf, serde_json::Value) {
    let artifact = dir.join(name);
    std::fs::write(&artifact, format!("{name}\n")).unwrap();
    let bundle = dir.join(format!("{name}.sigstore.json"));
    let env = tsa_env(stack, &stack.token_file(ALICE));
    let out = sigseal(&["sign-blob", &s(&artifact), "--bundle", &s(&bundle)], &env, b"");
    assert!(out.status.success(), "sign-blob: {}", text(&out));
    (artifact, serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap())
}

/// `verify-blob` of `bundle` over `artifact` against `root`; (exit code, JSON report).
fn verify_with_root(
    stack: &Stack,
    artifact: &std::path::Path,
    bundle: &serde_json::Value,
    root: &std::path::Path,
) -> (Option<i32>, serde_json::Value) {
    let path = artifact.with_extension("checked.sigstore.json");
    std::fs::write(&path, serde_json::to_vec(bundle).unwrap()).unwrap();
    common::verify_blob_json(stack, "verify-blob", artifact, &path, &[root], ALICE)
}

fn token_b64(bundle: &serde_json::Value) -> String {
    bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]["signedTimestamp"]
        .as_str()
        .unwrap()
        .to_string()
}

fn with_token(bundle: &serde_json::Value, token: &[u8]) -> serde_json::Value {
    use base64::Engine;
    let mut b = bundle.clone();
    b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]["signedTimestamp"] =
        base64::engine::general_purpose::STANDARD.encode(token).into();
    b
}

fn assert_refused(result: &(Option<i32>, serde_json::Value), check: &str, reason: &str, what: &str) {
    let artifact = &result.1;
    assert_eq!(result.0, Some(1), "{what} was not refused: {}", result.1);
    assert_eq!(artifact["failed_check"], check, "{what}: {artifact}");
    let why = artifact["reason"].as_str().unwrap_or_default();
    assert!(why.contains(reason), "{what}: the reason does not say {reason:?}: {why}");
}

#[test]
fn a_timestamp_of_another_signature_altered_or_outside_its_authority_window_is_refused() {
    use base64::Engine;
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let (a, bundle_a) = stamped_bundle(stack, dir.path(), "a.txt");
    let (_, bundle_b) = stamped_bundle(stack, dir.path(), "b.txt");
    let root = stack.trusted_root();
    assert_eq!(verify_with_root(stack, &a, &bundle_a, &root).0, Some(0), "the untouched bundle verifies");

    let token_a = base64::engine::general_purpose::STANDARD.decode(token_b64(&bundle_a)).unwrap();
    let token_b = base64::engine::general_purpose::STANDARD.decode(token_b64(&bundle_b)).unwrap();
    let swapped = with_token(&bundle_a, &token_b);
    assert_refused(
        &verify_with_root(stack, &a, &swapped, &root),
        "timestamp",
        "stamps something else than this signature",
        "a timestamp of another signature",
    );

    // One digit of the genTime changed: the TSA's signature no longer covers the TSTInfo.
    let mut altered = token_a.clone();
    let at = gen_time_offset(&altered);
    altered[at + 13] = if altered[at + 13] == b'0' { b'1' } else { b'0' };
    assert_refused(
        &verify_with_root(stack, &a, &with_token(&bundle_a, &altered), &root),
        "timestamp",
        "signed message digest is not the TSTInfo's",
        "a timestamp whose time was changed",
    );

    // Many copies of a good timestamp: refused before any is checked.
    let mut many = bundle_a.clone();
    let one = many["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0].clone();
    many["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"] =
        serde_json::Value::Array(vec![one; 33]);
    assert_refused(&verify_with_root(stack, &a, &many, &root), "timestamp", "at most 32", "33 timestamps");

    // The trusted root's window for its TSA starts after the token's time.
    let mut moved: serde_json::Value = serde_json::from_slice(&std::fs::read(&root).unwrap()).unwrap();
    moved["timestampAuthorities"][0]["validFor"]["start"] = "2099-01-01T00:00:00Z".into();
    let moved_path = dir.path().join("tsa-window-later.json");
    std::fs::write(&moved_path, serde_json::to_vec(&moved).unwrap()).unwrap();
    let result = verify_with_root(stack, &a, &bundle_a, &moved_path);
    assert_eq!(result.0, Some(1), "a timestamp before its authority's window was accepted: {}", result.1);
}

/// Where the genTime text starts in a DER reply or token.
fn gen_time_offset(der: &[u8]) -> usize {
    (0..der.len() - 2)
        .find(|&i| {
            der[i] == 0x18
                && (15..=24).contains(&usize::from(der[i + 1]))
                && der[i + 2..i + 16].iter().all(u8::is_ascii_digit)
        })
        .map(|i| i + 2)
        .expect("a genTime")
}
