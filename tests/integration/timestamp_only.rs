//! Verification evidence by instance, against the local stack's GitHub-like instance (its own
//! Fulcio CA and timestamp authority, no transparency log): its timestamp-only bundles verify
//! with its trusted root, given alone or among others (the root is chosen by the CA that issued
//! the certificate), and are refused under the main (log-keeping) root; a bundle with neither a
//! log entry nor a timestamp, or a timestamp outside the TSA's window or the certificate's
//! validity, is refused with the check named. sigstore-js signs the bundles (an independent
//! client) and judges them too.

use crate::common::{self, s, text};

use common::{http_post, repo_root, sigseal, Stack};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ALICE: &str = "alice@example.com";

/// A timestamp-only bundle of `artifact` made by sigstore-js with the GitHub-like instance.
fn js_timestamp_only(stack: &Stack, dir: &Path, artifact: &Path, in_toto: bool) -> PathBuf {
    let token = dir.join(format!("token-{}", artifact.file_name().unwrap().to_string_lossy()));
    std::fs::write(&token, stack.token(ALICE, 600)).unwrap();
    let bundle = artifact.with_extension("sigstore.json");
    let github = format!("{}/github", stack.url);
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/sign-bundle.js"));
    c.args(["--fulcio", &github, "--no-rekor", "--tsa", &format!("{github}/api/v1/timestamp")]);
    c.arg("--token-file").arg(&token).arg("--artifact").arg(artifact).arg("--bundle").arg(&bundle);
    if in_toto {
        c.arg("--in-toto");
    }
    let out = c.env("NO_PROXY", "127.0.0.1,localhost").stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "sigstore-js signing with the GitHub-like instance: {}", text(&out));
    bundle
}

fn github_root(stack: &Stack) -> PathBuf {
    stack.path("github/trusted_root.json")
}

/// `sigseal COMMAND ARTIFACT --bundle B --trusted-root R... --offline` with Alice's policy, as
/// JSON: (exit code, the artifact's report).
fn verify(
    stack: &Stack,
    command: &str,
    artifact: &Path,
    bundle: &Path,
    roots: &[&Path],
) -> (Option<i32>, serde_json::Value) {
    common::verify_blob_json(stack, command, artifact, bundle, roots, ALICE)
}

fn check<'a>(report: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    report["checks"].as_array()?.iter().find(|c| c["name"] == name)
}

fn assert_refused(result: &(Option<i32>, serde_json::Value), failed: &str, says: &str, what: &str) {
    assert_eq!(result.0, Some(1), "{what} was accepted: {}", result.1);
    assert_eq!(result.1["failed_check"], failed, "{what}: {}", result.1);
    let reason = result.1["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(says), "{what}: the reason does not say {says:?}: {reason}");
}

fn artifact(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{name}: built in a private repository\n")).unwrap();
    p
}

fn edit(bundle: &Path, to: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    change(&mut json);
    std::fs::write(to, serde_json::to_vec(&json).unwrap()).unwrap();
}

#[test]
fn timestamp_only_bundles_verify_with_their_root_alone_or_chosen_among_several() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let blob = artifact(dir.path(), "tool.tar.gz");
    let bundle = js_timestamp_only(stack, dir.path(), &blob, false);
    let github = github_root(stack);
    let main = stack.trusted_root();

    let alone = verify(stack, "verify-blob", &blob, &bundle, &[&github]);
    assert_eq!(alone.0, Some(0), "with the GitHub-like root: {}", alone.1);
    assert_eq!(alone.1["log_index"], serde_json::Value::Null);
    let stamp = check(&alone.1, "timestamp").expect("a timestamp check");
    assert_eq!(stamp["result"], "pass");
    assert!(stamp["reason"].as_str().unwrap().contains("this root lists no transparency log"), "{stamp}");

    for roots in [[&main, &github], [&github, &main]] {
        let chosen = verify(stack, "verify-blob", &blob, &bundle, &[roots[0], roots[1]]);
        assert_eq!(chosen.0, Some(0), "chosen among two roots: {}", chosen.1);
        assert_eq!(chosen.1["trusted_root"], format!("file {}", github.display()), "{}", chosen.1);
    }

    // Under the main root (which keeps a log) the same bundle is refused.
    let (code, report) = verify(stack, "verify-blob", &blob, &bundle, &[&main]);
    assert_eq!(code, Some(1), "accepted under a root with a log: {report}");

    // A DSSE attestation works the same way.
    let statement = dir.path().join("statement.json");
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(&blob).unwrap()))
    };
    std::fs::write(
        &statement,
        format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"tool.tar.gz","digest":{{"sha256":"{digest}"}}}}],"predicateType":"https://example.com/predicate/v1","predicate":{{}}}}"#
        ),
    )
    .unwrap();
    let attestation = js_timestamp_only(stack, dir.path(), &statement, true);
    let attested = verify(stack, "verify-blob-attestation", &blob, &attestation, &[&main, &github]);
    assert_eq!(attested.0, Some(0), "the attestation: {}", attested.1);
    let other = artifact(dir.path(), "other.tar.gz");
    let (code, report) = verify(stack, "verify-blob-attestation", &other, &attestation, &[&main, &github]);
    assert_eq!(code, Some(1), "an attestation accepted for a file it does not name: {report}");
}

#[test]
fn without_a_log_entry_a_bundle_needs_a_valid_timestamp() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let blob = artifact(dir.path(), "lib.tar.gz");
    let bundle = js_timestamp_only(stack, dir.path(), &blob, false);
    let github = github_root(stack);

    let bare = dir.path().join("bare.sigstore.json");
    edit(&bundle, &bare, |b| {
        b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"] = serde_json::json!([]);
    });
    assert_refused(
        &verify(stack, "verify-blob", &blob, &bare, &[&github]),
        "signing-time",
        "needs an RFC 3161 timestamp",
        "a bundle with neither a log entry nor a timestamp",
    );

    // The root's window for its TSA starts after the token was issued.
    let later = dir.path().join("tsa-window-later.json");
    edit(&github, &later, |r| r["timestampAuthorities"][0]["validFor"]["start"] = "2099-01-01T00:00:00Z".into());
    assert_refused(
        &verify(stack, "verify-blob", &blob, &bundle, &[&later]),
        "timestamp",
        "outside the validity window the trusted root gives its TSA",
        "a timestamp before its authority's window",
    );

    // A tampered artifact is still the artifact's fault, not the timestamp's.
    let tampered = artifact(dir.path(), "tampered.tar.gz");
    let (code, report) = verify(stack, "verify-blob", &tampered, &bundle, &[&github]);
    assert_eq!(code, Some(1), "a tampered artifact was accepted: {report}");
    assert_eq!(report["failed_check"], "artifact-digest", "{report}");
}

#[test]
fn a_timestamp_outside_the_certificates_validity_is_refused() {
    // A stack of its own: its GitHub-like Fulcio is set to issue certificates that expired
    // before they are used.
    let stack = Stack::start();
    let dir = tempfile::tempdir().unwrap();
    let blob = artifact(dir.path(), "late.tar.gz");
    http_post(&format!("{}/github/_fulcio/backdate?seconds=1200", stack.url), "");
    let bundle = js_timestamp_only(&stack, dir.path(), &blob, false);
    assert_refused(
        &verify(&stack, "verify-blob", &blob, &bundle, &[&github_root(&stack)]),
        "certificate-validity",
        "was not valid at the time of the RFC 3161 timestamp",
        "a timestamp after the certificate expired",
    );
}

#[test]
fn the_bundle_named_by_the_log_keeping_root_must_carry_its_log_entry() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let blob = artifact(dir.path(), "app.tar.gz");
    let token = stack.token_file(ALICE);
    let bundle = dir.path().join("app.sigstore.json");
    let mut env = stack.env(&token);
    env.push(("SIGSEAL_TIMESTAMP_URL".into(), format!("{}/api/v1/timestamp", stack.url)));
    let out = sigseal(&["sign-blob", &s(&blob), "--bundle", &s(&bundle)], &env, b"");
    assert!(out.status.success(), "sign-blob: {}", text(&out));
    let main = stack.trusted_root();
    assert_eq!(verify(stack, "verify-blob", &blob, &bundle, &[&main]).0, Some(0));

    // Its log entry removed, a timestamp alone does not satisfy a root that lists a log.
    let unlogged = dir.path().join("unlogged.sigstore.json");
    edit(&bundle, &unlogged, |b| b["verificationMaterial"]["tlogEntries"] = serde_json::json!([]));
    assert_refused(
        &verify(stack, "verify-blob", &blob, &unlogged, &[&main]),
        "log-entry",
        "the trusted root lists a transparency log",
        "a timestamp-only bundle under a root with a log",
    );
}

/// With no root given, the embedded public-good and GitHub roots are the candidates: a real
/// public-good signature (a gitsign fixture) is checked against the public-good root, and the
/// report says so.
#[test]
fn with_no_root_given_a_public_good_signature_is_checked_against_the_public_good_root() {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared is absent; gitsign fixtures not checked");
        return;
    };
    let fixtures = shared.join("fixtures/gitsign");
    let tag = std::fs::read_dir(&fixtures)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("tag-v0.17.0")))
        .expect("the v0.17.0 tag fixture");
    let repo = common::Repo::new(&common::gits()[0], Vec::new());
    let id = repo.write_object("tag", &std::fs::read(&tag).unwrap());
    let out = repo.sigseal(&["verify", &id, "--offline", "--insecure-any-identity", "-o", "json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", text(&out)));
    let object = &report["objects"][0];
    assert_eq!(object["verdict"], "verified", "{object}");
    assert_eq!(object["trusted_root"], "public-good", "{object}");
}
