//! Interoperability of `sigseal export-bundle`: a tag and a commit signed through git and the
//! local stack are exported as Sigstore bundles v0.3 plus their artifact (the DER CMS signed
//! attributes), and two independent verifiers accept them offline: sigstore-python (installed
//! by scripts/interop-tools.sh) and sigstore-js (tests/stack/verify-bundle.js). Both must also
//! reject the bundle for a changed artifact or another identity.

use crate::common::{self, text};

use base64::Engine;
use common::{
    detached, gits, isolate, js_verify, python_verify, sigseal_bin, sigstore_python, split_signed_object, Repo, Stack,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const IDENTITY: &str = "alice@example.com";

fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// `sigseal export-bundle REV --bundle .. --artifact ..` in the repository, with nothing but
/// the trusted root as configuration; returns (bundle path, artifact path).
fn export_bundle(repo: &Repo, stack: &Stack, rev: &str, out_dir: &Path) -> (PathBuf, PathBuf) {
    let name = rev.replace(['/', '^', '~'], "_");
    let bundle = out_dir.join(format!("{name}.sigstore.json"));
    let artifact = out_dir.join(format!("{name}.artifact"));
    let mut c = detached(&sigseal_bin());
    isolate(&mut c);
    c.args(["export-bundle", rev, "--bundle"]).arg(&bundle).arg("--artifact").arg(&artifact);
    c.current_dir(repo.path()).stdin(Stdio::null());
    c.env("GIT_CONFIG_NOSYSTEM", "1").env("HOME", repo.path()).env("GIT_CONFIG_GLOBAL", "/dev/null");
    c.env("SIGSEAL_GIT", &repo.git).env("SIGSEAL_TRUSTED_ROOT", stack.trusted_root());
    let out = c.output().expect("run sigseal export-bundle");
    assert!(out.status.success(), "sigseal export-bundle {rev}: {}", text(&out));
    assert!(
        bundle.is_file() && artifact.is_file(),
        "sigseal export-bundle {rev} wrote no bundle or artifact: {}",
        text(&out)
    );
    (bundle, artifact)
}

/// The bundle is the v0.3 message-signature bundle of exactly the signature git stored for
/// `object_type` `rev`, and the artifact is that signature's DER signed attributes, which bind
/// the git payload through their message digest.
fn assert_bundle_of_git_signature(repo: &Repo, object_type: &str, rev: &str, bundle: &Path, artifact: &Path) {
    let raw = repo.run(&["cat-file", object_type, rev]).stdout;
    let (payload, armored) = split_signed_object(&raw);
    let sig = sigseal::cms::parse(&sigseal::cms::armor::decode(&armored).expect("armored signature")).expect("CMS");
    let artifact = std::fs::read(artifact).expect("read artifact");
    assert_eq!(artifact, sig.signed_attrs_der, "{rev}: the artifact is not the signed attributes of its git signature");
    assert_eq!(artifact.first(), Some(&0x31), "{rev}: the artifact is not a DER SET");
    let payload_digest = sha256(&payload);
    assert!(
        artifact.windows(32).any(|w| w == payload_digest.as_slice()),
        "{rev}: the signed attributes do not hold sha256 of the git payload"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle).expect("read bundle")).expect("bundle JSON");
    let ctx = format!("{rev}: bundle {json:#}");
    assert_eq!(json["mediaType"], BUNDLE_V03, "{ctx}");
    let vm = &json["verificationMaterial"];
    assert_eq!(vm["certificate"]["rawBytes"], b64(&sig.signer_certificate), "{ctx}");
    let ms = &json["messageSignature"];
    assert_eq!(ms["messageDigest"]["algorithm"], "SHA2_256", "{ctx}");
    assert_eq!(ms["messageDigest"]["digest"], b64(&sha256(&artifact)), "{ctx}");
    assert_eq!(ms["signature"], b64(&sig.signature), "{ctx}");
    let entries = vm["tlogEntries"].as_array().unwrap_or_else(|| panic!("no tlogEntries: {ctx}"));
    assert_eq!(entries.len(), 1, "{ctx}");
    let e = &entries[0];
    assert_eq!(e["kindVersion"]["kind"], "hashedrekord", "{ctx}");
    assert_eq!(e["kindVersion"]["version"], "0.0.1", "{ctx}");
    assert!(e["inclusionPromise"]["signedEntryTimestamp"].as_str().is_some_and(|s| !s.is_empty()), "no SET: {ctx}");
    assert!(
        e["inclusionProof"]["checkpoint"]["envelope"].as_str().is_some_and(|s| !s.is_empty()),
        "no inclusion proof: {ctx}"
    );
}

fn assert_verified(tool: &str, what: &str, out: &Output) {
    assert!(out.status.success(), "{tool} rejected the exported bundle of {what}: {}", text(out));
    let all = text(out);
    assert!(all.contains("OK: "), "{tool} printed no OK for {what}: {all}");
}

/// The tool refused to verify (not a usage or installation error of ours).
fn assert_rejected(tool: &str, case: &str, out: &Output, needle: &str) {
    let all = text(out);
    assert_eq!(out.status.code(), Some(1), "{tool} must reject {case}: {all}");
    assert!(!all.contains("OK: "), "{tool} reported OK for {case}: {all}");
    assert!(all.contains(needle), "{tool} on {case}: expected {needle:?} in {all}");
}

#[test]
fn exported_bundles_of_a_tag_and_a_commit_verify_with_sigstore_python_and_sigstore_js() {
    // Install first: a missing python3 fails here, before any other work.
    let python = sigstore_python();
    let version = Command::new(python).arg("--version").output().expect("sigstore --version");
    assert!(String::from_utf8_lossy(&version.stdout).contains("4.5.1"), "sigstore --version: {}", text(&version));

    let stack = Stack::start();
    let token = stack.token_file(IDENTITY);
    let repo = Repo::new(&gits()[0], stack.env(&token));
    repo.commit_file("README", "hello\n");
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed commit"]);
    repo.ok(&["tag", "-s", "v1.0", "-m", "release v1.0"]);
    // Exporting and verifying need no service: the signature carries its log entry.
    stack.stop();

    let out = tempfile::tempdir().unwrap();
    let tag = export_bundle(&repo, &stack, "v1.0", out.path());
    let commit = export_bundle(&repo, &stack, "HEAD", out.path());
    assert_bundle_of_git_signature(&repo, "tag", "v1.0", &tag.0, &tag.1);
    assert_bundle_of_git_signature(&repo, "commit", "HEAD", &commit.0, &commit.1);
    assert_ne!(
        std::fs::read(&tag.1).unwrap(),
        std::fs::read(&commit.1).unwrap(),
        "the tag and the commit exported the same artifact"
    );

    for (what, (bundle, artifact)) in [("tag v1.0", &tag), ("commit HEAD", &commit)] {
        assert_verified("sigstore-python", what, &python_verify(&stack, bundle, artifact, IDENTITY));
        assert_verified("sigstore-js", what, &js_verify(&stack, bundle, artifact, IDENTITY));
    }

    // The same bundle over an artifact with one byte changed.
    let (bundle, artifact) = &tag;
    let mut changed = std::fs::read(artifact).unwrap();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    let changed_path = out.path().join("changed.artifact");
    std::fs::write(&changed_path, changed).unwrap();
    assert_rejected(
        "sigstore-python",
        "a changed artifact",
        &python_verify(&stack, bundle, &changed_path, IDENTITY),
        "digest mismatch",
    );
    assert_rejected(
        "sigstore-js",
        "a changed artifact",
        &js_verify(&stack, bundle, &changed_path, IDENTITY),
        "SIGNATURE_ERROR",
    );

    // Another identity than the certificate's.
    let other = "mallory@example.com";
    assert_rejected(
        "sigstore-python",
        "another identity",
        &python_verify(&stack, bundle, artifact, other),
        "SANs do not match",
    );
    assert_rejected(
        "sigstore-js",
        "another identity",
        &js_verify(&stack, bundle, artifact, other),
        "UNTRUSTED_SIGNER_ERROR",
    );
}
