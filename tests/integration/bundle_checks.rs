//! Bundles signed by `sigseal sign-blob` against the local stack, then altered the way a
//! careless or hostile hand would: `verify-blob` must name the check that failed. A bundle
//! without a known `mediaType`, or whose shape is not its version's, fails `bundle-version`; a
//! bundle carrying the log entry of another artifact fails `log-entry-match` (the user's file is
//! not to blame).

use crate::common::{self, s, text};

use common::{sigseal, Stack};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

/// Sign `files` with one sign-blob run as `email`; returns their bundles.
fn sign(stack: &Stack, email: &str, files: &[&Path]) -> Vec<PathBuf> {
    let mut env = stack.service_env();
    env.push(("SIGSTORE_ID_TOKEN".into(), stack.token(email, 600)));
    let mut args = vec!["sign-blob".to_string()];
    args.extend(files.iter().map(|f| s(f)));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sigseal(&refs, &env, b"");
    assert!(out.status.success(), "sign-blob: {}", text(&out));
    files.iter().map(|f| PathBuf::from(format!("{}.sigstore.json", f.display()))).collect()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// verify-blob of `artifact` with `bundle` as `signer`, offline, in the given format.
fn verify(stack: &Stack, artifact: &Path, bundle: &Path, signer: &str, format: &str) -> Output {
    let args = [
        "verify-blob",
        &s(artifact),
        "--bundle",
        &s(bundle),
        "--certificate-identity",
        signer,
        "--certificate-oidc-issuer",
        &stack.oidc,
        "--offline",
        "--output",
        format,
    ];
    sigseal(&args, &stack.service_env(), b"")
}

/// The failed check and reason of a JSON verify-blob report (after asserting exit 1).
fn failed(stack: &Stack, artifact: &Path, bundle: &Path, signer: &str) -> (String, String) {
    let out = verify(stack, artifact, bundle, signer, "json");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let a = &doc["artifacts"][0];
    (a["failed_check"].as_str().unwrap_or_default().to_string(), a["reason"].as_str().unwrap_or_default().to_string())
}

#[test]
fn bundles_without_their_versions_shape_fail_the_bundle_version_check() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.tar.gz");
    std::fs::write(&file, b"the release asset").unwrap();
    let bundle = sign(stack, ALICE, &[&file]).remove(0);
    let good = verify(stack, &file, &bundle, ALICE, "json");
    assert!(good.status.success(), "the bundle as signed verifies: {}", text(&good));
    let original = read_json(&bundle);
    assert_eq!(original["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json");

    let altered = dir.path().join("altered.sigstore.json");
    let case = |name: &str, edit: &dyn Fn(&mut Value), expect_in_reason: &str| {
        let mut b = original.clone();
        edit(&mut b);
        std::fs::write(&altered, serde_json::to_vec(&b).unwrap()).unwrap();
        let (check, reason) = failed(stack, &file, &altered, ALICE);
        assert_eq!(check, "bundle-version", "{name}: {reason}");
        assert!(reason.contains(expect_in_reason), "{name}: {reason}");
    };
    let entry = "/verificationMaterial/tlogEntries/0";
    case("no mediaType", &|b| drop(b.as_object_mut().unwrap().remove("mediaType")), "has no mediaType");
    case(
        "unknown mediaType",
        &|b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.4"),
        "unknown mediaType",
    );
    case("mediaType not a string", &|b| b["mediaType"] = json!(3), "unknown mediaType");
    // The same signature in the shape of an older version verifies, so what fails below is
    // each version's own requirement.
    let reshape = |b: &mut Value, version: &str| {
        b["mediaType"] = json!(format!("application/vnd.dev.sigstore.bundle+json;version={version}"));
        let cert = b["verificationMaterial"].as_object_mut().unwrap().remove("certificate").unwrap();
        b["verificationMaterial"]["x509CertificateChain"] = json!({"certificates": [cert]});
    };
    for version in ["0.1", "0.2"] {
        let mut b = original.clone();
        reshape(&mut b, version);
        std::fs::write(&altered, serde_json::to_vec(&b).unwrap()).unwrap();
        let out = verify(stack, &file, &altered, ALICE, "json");
        assert!(out.status.success(), "the bundle as v{version}: {}", text(&out));
    }
    case(
        "v0.1 without its SET",
        &|b| {
            reshape(b, "0.1");
            b.pointer_mut(entry).unwrap().as_object_mut().unwrap().remove("inclusionPromise");
        },
        "inclusion promise",
    );
    case(
        "v0.2 without its inclusion proof",
        &|b| {
            reshape(b, "0.2");
            b.pointer_mut(entry).unwrap().as_object_mut().unwrap().remove("inclusionProof");
        },
        "inclusion proof",
    );
    case(
        "v0.3 relabelled v0.1",
        &|b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1"),
        "x509CertificateChain",
    );
    case(
        "v0.3 relabelled v0.2, proof and SET kept",
        &|b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.2"),
        "x509CertificateChain",
    );
    case(
        "v0.3 with a certificate chain",
        &|b| {
            let cert = b["verificationMaterial"].as_object_mut().unwrap().remove("certificate").unwrap();
            b["verificationMaterial"]["x509CertificateChain"] = json!({"certificates": [cert]});
        },
        "x509CertificateChain",
    );
    case(
        "v0.3 without an inclusion proof",
        &|b| drop(b.pointer_mut(entry).unwrap().as_object_mut().unwrap().remove("inclusionProof")),
        "inclusion proof",
    );
    case(
        "two log entries",
        &|b| {
            let e = b.pointer(entry).unwrap().clone();
            b["verificationMaterial"]["tlogEntries"].as_array_mut().unwrap().push(e);
        },
        "exactly one",
    );
}

#[test]
fn a_bundle_carrying_another_artifacts_log_entry_fails_log_entry_match_not_the_artifact() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let [a, b, c] = ["a.tar.gz", "b.tar.gz", "c.tar.gz"].map(|n| dir.path().join(n));
    std::fs::write(&a, b"artifact A").unwrap();
    std::fs::write(&b, b"artifact B").unwrap();
    std::fs::write(&c, b"artifact C").unwrap();
    let alice = sign(stack, ALICE, &[&a, &b]);
    let bob = sign(stack, BOB, &[&c]);

    for (donor, why) in [(&alice[1], "same signer"), (&bob[0], "another signer")] {
        let mut bundle = read_json(&alice[0]);
        bundle["verificationMaterial"]["tlogEntries"] = read_json(donor)["verificationMaterial"]["tlogEntries"].clone();
        let swapped = dir.path().join("swapped.sigstore.json");
        std::fs::write(&swapped, serde_json::to_vec(&bundle).unwrap()).unwrap();

        let (check, reason) = failed(stack, &a, &swapped, ALICE);
        assert_eq!(check, "log-entry-match", "{why}: {reason}");
        assert!(!reason.contains("changed since"), "{why}: the user's file is not blamed: {reason}");
        let out = verify(stack, &a, &swapped, ALICE, "text");
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("FAILED") && stdout.contains("log-entry-match:"), "{why}: {}", text(&out));
    }

    // The file itself changed: still the artifact's fault.
    std::fs::write(&a, b"artifact A, changed").unwrap();
    let (check, _) = failed(stack, &a, &alice[0], ALICE);
    assert_eq!(check, "artifact-digest");
}
