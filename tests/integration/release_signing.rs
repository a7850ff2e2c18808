//! Release assets end to end against the local stack: `sign-blob` (one certificate for many
//! files, cosign's .sig/.pem checked with openssl), `sign-release` / `verify-release` checked
//! against `sha256sum --check`, a run that fails half-way writes nothing, attestations with
//! generated SLSA provenance, the key-based fallback, the `--output json` documents of the
//! signing commands checked against the files they wrote, and the sigstore-conformance
//! bundle-verification cases from ../shared.

use crate::common::{self, s, text};

use common::{shared_dir, sigseal, Stack};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ALICE: &str = "alice@example.com";

fn run(args: &[&str], env: &[(String, String)]) -> Output {
    sigseal(args, env, b"")
}

fn ok(args: &[&str], env: &[(String, String)]) -> Output {
    let out = run(args, env);
    assert!(out.status.success(), "sigseal {args:?}: {}", text(&out));
    out
}

/// Environment for signing through the stack with a token for `email`.
fn signing_env(stack: &Stack, email: &str) -> Vec<(String, String)> {
    let mut env = stack.service_env();
    env.push(("SIGSTORE_ID_TOKEN".into(), stack.token(email, 600)));
    env
}

/// Identity-policy flags for `email` at the stack's issuer.
fn policy(stack: &Stack, email: &str) -> Vec<String> {
    vec!["--certificate-identity".into(), email.into(), "--certificate-oidc-issuer".into(), stack.oidc.clone()]
}

fn with(base: &[&str], extra: &[String]) -> Vec<String> {
    base.iter().map(ToString::to_string).chain(extra.iter().cloned()).collect()
}

fn run_v(args: &[String], env: &[(String, String)]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs, env)
}

fn write_assets(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let p = dir.join(format!("app-{i}.tar.gz"));
            let data: Vec<u8> = (0..(1000 + i * 777)).map(|b| u8::try_from((b * 31 + i) % 256).unwrap()).collect();
            std::fs::write(&p, data).expect("write asset");
            p
        })
        .collect()
}

fn bundle_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display())))
        .expect("bundle JSON")
}

fn sha256sum_check(dir: &Path) -> Output {
    Command::new("sha256sum").args(["--check", "SHA256SUMS"]).current_dir(dir).output().expect("run sha256sum")
}

#[test]
fn sign_release_of_five_assets_passes_sha256sum_and_verify_release_and_one_changed_byte_fails_both() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let assets = write_assets(dir.path(), 5);
    std::fs::write(dir.path().join(".hidden"), b"not an asset").unwrap();

    ok(&["sign-release", &s(dir.path())], &signing_env(stack, ALICE));
    let manifest_bundle = bundle_json(&dir.path().join("SHA256SUMS.sigstore.json"));
    let cert = &manifest_bundle["verificationMaterial"]["certificate"]["rawBytes"];
    let mut indexes = std::collections::HashSet::new();
    indexes.insert(manifest_bundle["verificationMaterial"]["tlogEntries"][0]["logIndex"].to_string());

    let manifest = std::fs::read_to_string(dir.path().join("SHA256SUMS")).unwrap();
    assert_eq!(manifest.lines().count(), 5, "{manifest}");
    assert!(!manifest.contains(".hidden") && !manifest.contains("sigstore.json"), "{manifest}");
    let check = sha256sum_check(dir.path());
    assert!(check.status.success(), "sha256sum --check: {}", text(&check));
    for a in &assets {
        let b = bundle_json(&PathBuf::from(format!("{}.sigstore.json", a.display())));
        assert_eq!(b["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json");
        assert_eq!(
            &b["verificationMaterial"]["certificate"]["rawBytes"], cert,
            "one certificate for the whole release"
        );
        indexes.insert(b["verificationMaterial"]["tlogEntries"][0]["logIndex"].to_string());
    }
    assert_eq!(indexes.len(), 6, "five assets and the manifest each have their own log entry: {indexes:?}");

    let verify = |extra: &[&str]| {
        let mut args = vec!["verify-release".to_string(), s(dir.path())];
        args.extend(policy(stack, ALICE));
        args.extend(extra.iter().map(ToString::to_string));
        run_v(&args, &stack.service_env())
    };
    let good = verify(&[]);
    assert!(good.status.success(), "verify-release: {}", text(&good));
    let lines = String::from_utf8_lossy(&good.stdout).lines().filter(|l| l.starts_with("verified")).count();
    assert_eq!(lines, 6, "the manifest and five assets verified: {}", text(&good));

    let wrong = run_v(
        &with(
            &[
                "verify-release",
                &s(dir.path()),
                "--certificate-identity",
                "mallory@example.com",
                "--certificate-oidc-issuer",
            ],
            std::slice::from_ref(&stack.oidc),
        ),
        &stack.service_env(),
    );
    assert_eq!(wrong.status.code(), Some(1), "another signer must fail: {}", text(&wrong));

    // One changed byte in one asset.
    let victim = &assets[2];
    let mut data = std::fs::read(victim).unwrap();
    data[10] ^= 1;
    std::fs::write(victim, data).unwrap();
    let check = sha256sum_check(dir.path());
    assert!(!check.status.success(), "sha256sum must fail: {}", text(&check));
    assert!(String::from_utf8_lossy(&check.stdout).contains("app-2.tar.gz: FAILED"), "{}", text(&check));
    let bad = verify(&["--output", "json"]);
    assert_eq!(bad.status.code(), Some(1), "verify-release must fail: {}", text(&bad));
    let doc: serde_json::Value = serde_json::from_slice(&bad.stdout).expect("JSON report");
    let failed: Vec<&serde_json::Value> =
        doc["artifacts"].as_array().unwrap().iter().filter(|a| a["verdict"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{doc:#}");
    assert_eq!(failed[0]["artifact"], "app-2.tar.gz", "{doc:#}");
    assert_eq!(failed[0]["failed_check"], "manifest-digest", "{doc:#}");
    assert_eq!(doc["summary"]["verified"], 5, "{doc:#}");
    let text_report = verify(&[]);
    let stdout = String::from_utf8_lossy(&text_report.stdout);
    assert!(
        stdout.lines().any(|l| l.starts_with("FAILED") && l.contains("app-2.tar.gz")),
        "the text report names the asset: {stdout}"
    );

    // A manifest that is not sha256sum's format is a failed manifest, not a crash.
    std::fs::write(dir.path().join("SHA256SUMS"), "this is not a checksum list\n").unwrap();
    let garbled = verify(&["--output", "json"]);
    assert_eq!(garbled.status.code(), Some(1), "{}", text(&garbled));
    let doc: serde_json::Value = serde_json::from_slice(&garbled.stdout).expect("JSON report");
    let checks: Vec<&serde_json::Value> =
        doc["artifacts"].as_array().unwrap().iter().map(|a| &a["failed_check"]).collect();
    assert!(checks.contains(&&serde_json::json!("manifest")), "{doc:#}");
}

#[test]
fn sign_blob_signs_many_files_with_one_certificate_and_cosign_files_verify_with_openssl() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let assets = write_assets(dir.path(), 3);
    let names: Vec<String> = assets.iter().map(|p| s(p)).collect();
    let mut args = vec!["sign-blob"];
    args.extend(names.iter().map(String::as_str));
    ok(&args, &signing_env(stack, ALICE));
    let certs: Vec<serde_json::Value> = assets
        .iter()
        .map(|a| {
            bundle_json(&PathBuf::from(format!("{}.sigstore.json", a.display())))["verificationMaterial"]["certificate"]
                ["rawBytes"]
                .clone()
        })
        .collect();
    assert!(certs.iter().all(|c| c == &certs[0] && c.is_string()), "one certificate for all files");

    // One file named twice (however spelled) is refused before any signing.
    let respelled = s(&dir.path().join(".").join("app-0.tar.gz"));
    let out = run(&["sign-blob", &names[0], &respelled], &signing_env(stack, ALICE));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("written twice"), "{}", text(&out));

    // Several files with one --bundle is a usage error, and writes nothing.
    let out = run(
        &["sign-blob", &names[0], &names[1], "--bundle", &s(&dir.path().join("x.json"))],
        &signing_env(stack, ALICE),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!dir.path().join("x.json").exists());

    // cosign's encodings, checked by openssl: .sig is base64 DER over the file, .pem the cert.
    let sig = dir.path().join("one.sig");
    let pem = dir.path().join("one.pem");
    let bundle = dir.path().join("one.sigstore.json");
    ok(
        &[
            "sign-blob",
            &names[0],
            "--bundle",
            &s(&bundle),
            "--output-signature",
            &s(&sig),
            "--output-certificate",
            &s(&pem),
        ],
        &signing_env(stack, ALICE),
    );
    let sig_text = std::fs::read_to_string(&sig).unwrap();
    assert!(!sig_text.ends_with('\n'), "cosign writes the .sig without a newline");
    let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sig_text.trim()).expect("base64 .sig");
    let der_path = dir.path().join("one.sig.der");
    std::fs::write(&der_path, der).unwrap();
    // cosign's default --b64: the .pem file is the base64 of the PEM certificate.
    let pem_text = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, std::fs::read(&pem).unwrap())
        .expect("base64 .pem");
    assert!(String::from_utf8_lossy(&pem_text).starts_with("-----BEGIN CERTIFICATE-----\n"));
    let plain_pem = dir.path().join("one.plain.pem");
    std::fs::write(&plain_pem, &pem_text).unwrap();
    let pubkey = dir.path().join("one.pub.pem");
    let x = Command::new("openssl")
        .args(["x509", "-in", &s(&plain_pem), "-pubkey", "-noout", "-out", &s(&pubkey)])
        .output()
        .unwrap();
    assert!(x.status.success(), "openssl x509: {}", text(&x));
    let v = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify", &s(&pubkey), "-signature", &s(&der_path), &names[0]])
        .output()
        .unwrap();
    assert!(
        v.status.success() && String::from_utf8_lossy(&v.stdout).contains("Verified OK"),
        "openssl dgst -verify: {}",
        text(&v)
    );
    let v = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify", &s(&pubkey), "-signature", &s(&der_path), &names[1]])
        .output()
        .unwrap();
    assert!(!v.status.success(), "openssl must reject the .sig for another file: {}", text(&v));

    // The cosign pair verifies through an online Rekor lookup, and not offline.
    let mut pair =
        with(&["verify-blob", &names[0], "--signature", &s(&sig), "--certificate", &s(&pem)], &policy(stack, ALICE));
    let out = run_v(&pair, &stack.service_env());
    assert!(out.status.success(), "verify-blob with .sig/.pem: {}", text(&out));
    pair.push("--offline".into());
    let out = run_v(&pair, &stack.service_env());
    assert_eq!(out.status.code(), Some(1), "offline there is no log proof for a .sig/.pem pair: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--offline forbids"), "{}", text(&out));

    // The digest form and a tampered file.
    let digest =
        format!("sha256:{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&assets[0]).unwrap())));
    let out = run_v(
        &with(&["verify-blob", &digest, "--bundle", &s(&bundle), "--offline"], &policy(stack, ALICE)),
        &stack.service_env(),
    );
    assert!(out.status.success(), "verify-blob sha256:: {}", text(&out));
    let out = run_v(
        &with(&["verify-blob", &names[1], "--bundle", &s(&bundle), "--offline", "-o", "json"], &policy(stack, ALICE)),
        &stack.service_env(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["artifacts"][0]["failed_check"], "artifact-digest", "{doc:#}");
}

#[test]
fn a_signing_run_that_fails_half_way_writes_nothing() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    write_assets(dir.path(), 3);
    let mut env = signing_env(stack, ALICE);
    // Fulcio answers, Rekor does not: signatures exist, but nothing may be written.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    env.push(("SIGSEAL_REKOR_URL".into(), dead));
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    let out = run(&["sign-release", &s(dir.path())], &env);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SS0202"), "Rekor is named: {}", text(&out));
    let mut after: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    after.sort();
    let mut before = before;
    before.sort();
    assert_eq!(before, after, "a failed run left files behind");
}

#[test]
fn generated_provenance_attestation_verifies_and_a_wrong_type_or_subject_fails() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let assets = write_assets(dir.path(), 2);
    let mut env = signing_env(stack, ALICE);
    for (k, v) in [
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "octo/app"),
        ("GITHUB_WORKFLOW_REF", "octo/app/.github/workflows/release.yml@refs/tags/v1.0.0"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        ("GITHUB_REF", "refs/tags/v1.0.0"),
        ("GITHUB_RUN_ID", "99"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("GITHUB_EVENT_NAME", "push"),
    ] {
        env.push((k.into(), v.into()));
    }
    let bundle = dir.path().join("provenance.intoto.sigstore.json");
    ok(&["attest-blob", &s(&assets[0]), &s(&assets[1]), "--type", "slsaprovenance1", "--bundle", &s(&bundle)], &env);
    let b = bundle_json(&bundle);
    assert_eq!(b["dsseEnvelope"]["payloadType"], "application/vnd.in-toto+json", "{b:#}");
    assert_eq!(b["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"], "dsse", "{b:#}");

    for asset in &assets {
        let out = run_v(
            &with(
                &[
                    "verify-blob-attestation",
                    &s(asset),
                    "--bundle",
                    &s(&bundle),
                    "--type",
                    "slsaprovenance1",
                    "--offline",
                    "-o",
                    "json",
                ],
                &policy(stack, ALICE),
            ),
            &stack.service_env(),
        );
        assert!(out.status.success(), "{}", text(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let a = &doc["artifacts"][0];
        assert_eq!(a["predicate_type"], "https://slsa.dev/provenance/v1", "{doc:#}");
        assert_eq!(
            a["predicate"]["runDetails"]["builder"]["id"],
            "https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1.0.0"
        );
        assert_eq!(a["subjects"].as_array().map(Vec::len), Some(2));
    }
    let out = run_v(
        &with(
            &[
                "verify-blob-attestation",
                &s(&assets[0]),
                "--bundle",
                &s(&bundle),
                "--type",
                "spdxjson",
                "--offline",
                "-o",
                "json",
            ],
            &policy(stack, ALICE),
        ),
        &stack.service_env(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["artifacts"][0]["failed_check"], "predicate-type", "{doc:#}");

    // An attestation is not a signature of the file: verify-blob sends it to its own command.
    let out = run_v(
        &with(
            &["verify-blob", &s(&assets[0]), "--bundle", &s(&bundle), "--offline", "-o", "json"],
            &policy(stack, ALICE),
        ),
        &stack.service_env(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["artifacts"][0]["failed_check"], "bundle-kind", "{doc:#}");

    let other = dir.path().join("other.bin");
    std::fs::write(&other, b"not a subject").unwrap();
    let out = run_v(
        &with(&["verify-blob-attestation", &s(&other), "--bundle", &s(&bundle), "--offline"], &policy(stack, ALICE)),
        &stack.service_env(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("artifact-digest"), "{}", text(&out));

    // Outside GitHub Actions, generated provenance names what is missing.
    let out = run(&["attest-blob", &s(&assets[0]), "--type", "slsaprovenance1"], &signing_env(stack, ALICE));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GITHUB_REPOSITORY"), "{}", text(&out));
}

#[test]
fn key_pair_signs_and_verifies_and_a_wrong_password_or_key_fails_clearly() {
    use std::os::unix::fs::PermissionsExt;
    // Its own stack: the Fulcio request count must not see other tests' signing.
    let stack = &Stack::start();
    let dir = tempfile::tempdir().unwrap();
    let asset = write_assets(dir.path(), 1).remove(0);
    let prefix = dir.path().join("release");
    let key_env = |pw: &str| {
        let mut env = stack.service_env();
        env.push(("SIGSEAL_PASSWORD".into(), pw.into()));
        env
    };
    ok(&["generate-key-pair", "--output-key-prefix", &s(&prefix)], &key_env("correct horse"));
    let key = dir.path().join("release.key");
    let public = dir.path().join("release.pub");
    assert!(std::fs::read_to_string(&key).unwrap().starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    assert!(std::fs::read_to_string(&public).unwrap().starts_with("-----BEGIN PUBLIC KEY-----\n"));
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let again = run(&["generate-key-pair", "--output-key-prefix", &s(&prefix)], &key_env("x"));
    assert_eq!(again.status.code(), Some(2), "an existing key is not overwritten: {}", text(&again));

    let before = stack.stats();
    let signed = ok(&["sign-blob", "--key", &s(&key), &s(&asset), "-o", "json"], &key_env("correct horse"));
    assert_eq!(stack.stats()["fulcio"], before["fulcio"], "key signing asks Fulcio for nothing");
    let bundle = PathBuf::from(format!("{}.sigstore.json", asset.display()));
    let b = bundle_json(&bundle);
    assert!(b["verificationMaterial"]["publicKey"]["hint"].is_string(), "a key bundle carries a key hint: {b:#}");
    let doc = json_doc(&signed);
    assert_eq!(doc["signer"]["key_source"], "key-file", "{doc:#}");
    assert!(doc["signer"]["identity"].is_null() && doc["signer"]["issuer"].is_null(), "{doc:#}");
    assert_eq!(doc["signer"]["public_key_hint"], b["verificationMaterial"]["publicKey"]["hint"], "{doc:#}");
    assert!(doc["instance"]["fulcio_url"].is_null(), "no certificate, no Fulcio: {doc:#}");
    assert_eq!(doc["instance"]["rekor_url"], stack.url.as_str(), "{doc:#}");
    assert_eq!(doc["artifacts"][0]["log_index"], bundle_log(&b).0, "{doc:#}");
    assert_eq!(b["verificationMaterial"]["tlogEntries"].as_array().map(Vec::len), Some(1), "still logged in Rekor");
    let out = ok(&["verify-blob", &s(&asset), "--key", &s(&public), "--offline"], &stack.service_env());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("verified"), "{}", text(&out));

    let wrong_pw = run(
        &["sign-blob", "--key", &s(&key), &s(&asset), "--bundle", &s(&dir.path().join("w.json"))],
        &key_env("battery staple"),
    );
    assert_eq!(wrong_pw.status.code(), Some(2), "{}", text(&wrong_pw));
    assert!(String::from_utf8_lossy(&wrong_pw.stderr).contains("password does not open"), "{}", text(&wrong_pw));
    assert!(!dir.path().join("w.json").exists());

    ok(&["generate-key-pair", "--output-key-prefix", &s(&dir.path().join("other"))], &key_env("pw"));
    let out = run(
        &["verify-blob", &s(&asset), "--key", &s(&dir.path().join("other.pub")), "--offline", "-o", "json"],
        &stack.service_env(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["artifacts"][0]["failed_check"], "public-key", "{doc:#}");

    // A key bundle is not an identity, and an identity policy cannot accept it.
    let out = run_v(&with(&["verify-blob", &s(&asset), "--offline"], &policy(stack, ALICE)), &stack.service_env());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--key"), "{}", text(&out));
}

/// sigstore-conformance's bundle-verification cases, each with the artifact's path and with
/// its `sha256:` digest, through the conformance protocol (`sigseal verify-bundle`).
#[test]
fn conformance_bundle_cases_meet_their_expectations() {
    const IDENTITY: &str =
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    const ISSUER: &str = "https://token.actions.githubusercontent.com";
    let Some(shared) = shared_dir() else {
        eprintln!("SKIP: ../shared is absent, so the sigstore-conformance cases cannot be run");
        return;
    };
    let base = shared.join("conformance/assets/bundle-verify");
    if !base.is_dir() {
        eprintln!("SKIP: {} is absent", base.display());
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let env = vec![("XDG_CACHE_HOME".to_string(), s(cache.path()))];
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&base).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    let (mut passed, mut mismatches) = (0, Vec::new());
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let read = |f: &str| std::fs::read_to_string(case.join(f)).ok().map(|t| t.trim().to_string());
        let artifact = if case.join("artifact").is_file() { case.join("artifact") } else { base.join("a.txt") };
        let digest = format!(
            "sha256:{}",
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&artifact).unwrap()))
        );
        let mut args = vec!["verify-bundle".to_string(), "--bundle".into(), s(&case.join("bundle.sigstore.json"))];
        if case.join("key.pub").is_file() {
            args.extend(["--key".into(), s(&case.join("key.pub"))]);
        } else {
            args.extend(["--certificate-identity".into(), read("identity").unwrap_or_else(|| IDENTITY.into())]);
            args.extend(["--certificate-oidc-issuer".into(), read("issuer").unwrap_or_else(|| ISSUER.into())]);
        }
        if case.join("trusted_root.json").is_file() {
            args.extend(["--trusted-root".into(), s(&case.join("trusted_root.json"))]);
        }
        let should_fail = name.ends_with("_fail");
        for input in [s(&artifact), digest] {
            let mut a = args.clone();
            a.push(input.clone());
            let out = run_v(&a, &env);
            if out.status.success() == should_fail {
                mismatches.push(format!("{name} [{input}]: {}", text(&out)));
            } else {
                passed += 1;
            }
        }
    }
    eprintln!(
        "sigstore-conformance bundle-verify: {passed}/{} cases as expected ({} folders)",
        cases.len() * 2,
        cases.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} case(s) not as the folder name says:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(cases.len() >= 70, "expected the 70 conformance folders, found {}", cases.len());
}

/// The conformance suite's signing protocol: `sign-bundle` configured only by the command line
/// (token, trusted root, signing config naming Fulcio, Rekor and the TSA), for a file and for
/// an in-toto statement; its bundles then pass `verify-bundle` and fail for another file.
#[test]
fn conformance_sign_bundle_makes_bundles_that_verify_bundle_accepts() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let asset = write_assets(dir.path(), 1).remove(0);
    let other = dir.path().join("other.bin");
    std::fs::write(&other, b"something else").unwrap();
    let token = stack.token(ALICE, 600);
    let common_args = |bundle: &Path| {
        vec![
            "sign-bundle".to_string(),
            "--identity-token".into(),
            token.clone(),
            "--bundle".into(),
            s(bundle),
            "--trusted-root".into(),
            s(&stack.trusted_root()),
            "--signing-config".into(),
            s(&stack.path("signing_config.json")),
        ]
    };
    let plain = dir.path().join("plain.sigstore.json");
    let mut args = common_args(&plain);
    args.push(s(&asset));
    let out = run_v(&args, &[]);
    assert!(out.status.success(), "sign-bundle: {}", text(&out));
    let b = bundle_json(&plain);
    assert!(
        b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .is_some_and(|a| a.len() == 1),
        "the signing config's TSA countersigned: {b:#}"
    );

    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&asset).unwrap()));
    let statement = dir.path().join("statement.json");
    std::fs::write(
        &statement,
        format!(r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"a","digest":{{"sha256":"{digest}"}}}}],"predicateType":"https://example.com/p","predicate":{{}}}}"#),
    )
    .unwrap();
    let dsse = dir.path().join("dsse.sigstore.json");
    let mut args = common_args(&dsse);
    args.extend(["--in-toto".into(), s(&statement)]);
    let out = run_v(&args, &[]);
    assert!(out.status.success(), "sign-bundle --in-toto: {}", text(&out));

    for bundle in [&plain, &dsse] {
        let verify = |artifact: String| {
            run_v(
                &[
                    "verify-bundle".to_string(),
                    "--bundle".into(),
                    s(bundle),
                    "--certificate-identity".into(),
                    ALICE.into(),
                    "--certificate-oidc-issuer".into(),
                    stack.oidc.clone(),
                    "--trusted-root".into(),
                    s(&stack.trusted_root()),
                    artifact,
                ],
                &[],
            )
        };
        let good = verify(s(&asset));
        assert!(good.status.success(), "verify-bundle {}: {}", bundle.display(), text(&good));
        assert!(verify(format!("sha256:{digest}")).status.success(), "verify-bundle by digest");
        assert_eq!(verify(s(&other)).status.code(), Some(1), "verify-bundle must reject another file");
    }
}

/// Run sigseal with its standard output a pipe whose reader has already gone (`| head -c0`).
fn run_into_closed_pipe(args: &[&str], env: &[(String, String)]) -> Output {
    let mut c = common::detached(&common::sigseal_bin());
    common::isolate(&mut c);
    c.args(args).env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("run sigseal");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait for sigseal")
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_output_quietly() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let assets = write_assets(dir.path(), 1);
    ok(&["sign-blob", &s(&assets[0])], &signing_env(stack, ALICE));
    let env = stack.service_env();
    let mut cases: Vec<Vec<String>> = Vec::new();
    for output in ["json", "text"] {
        cases.push(with(&["verify-blob", &s(&assets[0]), "--output", output], &policy(stack, ALICE)));
        cases.push(with(&["verify-blob", &s(&assets[0]), "--output", output], &policy(stack, "bob@example.com")));
    }
    for args in cases {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let expected = run(&refs, &env).status.code();
        let out = run_into_closed_pipe(&refs, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), expected, "{args:?}: the verdict's exit code, not 101: {stderr}");
    }
}

/// The one JSON document a `--output json` run wrote to stdout.
fn json_doc(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one document on one line: {}", text(out));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(out)))
}

fn sha256_hex(p: &Path) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(p).unwrap()))
}

/// The first log entry's index and integrated time in a bundle file (strings in its JSON).
fn bundle_log(b: &serde_json::Value) -> (i64, i64) {
    let entry = &b["verificationMaterial"]["tlogEntries"][0];
    let num = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_i64()).unwrap();
    (num(&entry["logIndex"]), num(&entry["integratedTime"]))
}

/// The signer and instance parts every signing document has, for a keyless run of the stack.
fn assert_keyless_signer(doc: &serde_json::Value, stack: &Stack) {
    assert_eq!(doc["signer"]["identity"], ALICE, "{doc:#}");
    assert_eq!(doc["signer"]["issuer"], stack.oidc.as_str(), "{doc:#}");
    assert_eq!(doc["signer"]["key_source"], "token", "{doc:#}");
    assert!(doc["signer"]["public_key_hint"].is_null(), "{doc:#}");
    assert_eq!(doc["instance"]["fulcio_url"], stack.url.as_str(), "{doc:#}");
    assert_eq!(doc["instance"]["rekor_url"], stack.url.as_str(), "{doc:#}");
    assert_eq!(doc["exit_code"], 0, "{doc:#}");
}

/// Every path of `written` exists, and they are exactly `expected` (in any order).
fn assert_written(doc: &serde_json::Value, expected: &[PathBuf]) {
    let mut written: Vec<String> =
        doc["written"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
    for p in &written {
        assert!(Path::new(p).is_file(), "{p} is reported written but does not exist");
    }
    let mut want: Vec<String> = expected.iter().map(|p| s(p)).collect();
    written.sort();
    want.sort();
    assert_eq!(written, want, "{doc:#}");
}

#[test]
fn sign_blob_json_names_every_file_written_with_its_digest_log_entry_and_signer() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let assets = write_assets(dir.path(), 2);
    let out = ok(&["sign-blob", &s(&assets[0]), &s(&assets[1]), "--output", "json"], &signing_env(stack, ALICE));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("signed"), "JSON runs keep stderr quiet: {}", text(&out));
    let doc = json_doc(&out);
    assert_keyless_signer(&doc, stack);
    assert!(doc["instance"]["tsa_url"].is_null(), "no TSA configured: {doc:#}");
    let artifacts = doc["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 2, "{doc:#}");
    let mut bundles = Vec::new();
    for (a, asset) in artifacts.iter().zip(&assets) {
        let bundle = PathBuf::from(format!("{}.sigstore.json", asset.display()));
        assert_eq!(a["artifact"], s(asset), "{doc:#}");
        assert_eq!(a["sha256"], sha256_hex(asset), "{doc:#}");
        assert_eq!(a["size"], std::fs::metadata(asset).unwrap().len(), "{doc:#}");
        assert_eq!(a["bundle"], s(&bundle), "{doc:#}");
        assert!(a["signature"].is_null() && a["certificate"].is_null(), "{doc:#}");
        let (index, time) = bundle_log(&bundle_json(&bundle));
        assert_eq!(a["log_index"], index, "{doc:#}");
        assert_eq!(a["integrated_time_unix"], time, "{doc:#}");
        assert!(a["integrated_time"].as_str().is_some_and(|t| t.ends_with('Z')), "{doc:#}");
        bundles.push(bundle);
    }
    assert_ne!(artifacts[0]["log_index"], artifacts[1]["log_index"], "one entry per file: {doc:#}");
    assert_written(&doc, &bundles);

    // cosign's files are reported with what they hold.
    let (bundle, sig, pem) =
        (dir.path().join("one.sigstore.json"), dir.path().join("one.sig"), dir.path().join("one.pem"));
    let out = ok(
        &[
            "sign-blob",
            &s(&assets[0]),
            "--bundle",
            &s(&bundle),
            "--output-signature",
            &s(&sig),
            "--output-certificate",
            &s(&pem),
            "-o",
            "json",
        ],
        &signing_env(stack, ALICE),
    );
    let doc = json_doc(&out);
    let a = &doc["artifacts"][0];
    assert_eq!(
        (&a["bundle"], &a["signature"], &a["certificate"]),
        (&s(&bundle).into(), &s(&sig).into(), &s(&pem).into())
    );
    assert_written(&doc, &[bundle.clone(), sig.clone(), pem.clone()]);
    let b = bundle_json(&bundle);
    let sig_text = std::fs::read_to_string(&sig).unwrap();
    assert_eq!(b["messageSignature"]["signature"], sig_text.as_str(), "the .sig holds the bundle's signature");
    let pem_text = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, std::fs::read(&pem).unwrap())
        .expect("base64 .pem");
    let der_b64: String = String::from_utf8_lossy(&pem_text).lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(
        b["verificationMaterial"]["certificate"]["rawBytes"],
        der_b64.as_str(),
        "the .pem is the bundle's certificate"
    );

    // A refused run is a JSON error document too, with the exit code the process ends with.
    let refused = run(
        &["sign-blob", &s(&assets[0]), &s(&assets[1]), "--bundle", &s(&dir.path().join("x.json")), "-o", "json"],
        &signing_env(stack, ALICE),
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let doc = json_doc(&refused);
    assert_eq!(doc["error"]["code"], "SS0001", "{doc:#}");
    assert_eq!(doc["exit_code"], 2, "{doc:#}");
    assert_eq!(doc["artifacts"], serde_json::json!([]), "{doc:#}");
    assert!(!dir.path().join("x.json").exists());
}

#[test]
fn sign_release_json_lists_the_manifest_and_every_asset_as_written() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let assets = write_assets(dir.path(), 3);
    let out = ok(&["sign-release", &s(dir.path()), "--cosign-files", "-o", "json"], &signing_env(stack, ALICE));
    let doc = json_doc(&out);
    assert_keyless_signer(&doc, stack);
    assert_eq!(doc["directory"], s(dir.path()), "{doc:#}");
    assert_eq!(doc["manifest"], "SHA256SUMS", "{doc:#}");
    let manifest_path = dir.path().join("SHA256SUMS");
    let listed: Vec<(String, String)> = std::fs::read_to_string(&manifest_path)
        .unwrap()
        .lines()
        .map(|l| {
            let (digest, name) = l.split_once("  ").unwrap();
            (name.to_string(), digest.to_string())
        })
        .collect();
    let artifacts = doc["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 1 + assets.len(), "{doc:#}");
    let manifest = &artifacts[0];
    assert_eq!((&manifest["role"], &manifest["name"]), (&"manifest".into(), &"SHA256SUMS".into()), "{doc:#}");
    assert_eq!(manifest["artifact"], s(&manifest_path), "{doc:#}");
    assert_eq!(manifest["sha256"], sha256_hex(&manifest_path), "the manifest as written: {doc:#}");
    let mut expected = vec![manifest_path.clone()];
    for (a, (name, digest)) in artifacts[1..].iter().zip(&listed) {
        assert_eq!(a["role"], "asset", "{doc:#}");
        assert_eq!(a["name"], name.as_str(), "assets in the manifest's order: {doc:#}");
        assert_eq!(a["sha256"], digest.as_str(), "the digest the manifest lists: {doc:#}");
    }
    for a in artifacts {
        let path = PathBuf::from(a["artifact"].as_str().unwrap());
        let bundle = PathBuf::from(format!("{}.sigstore.json", path.display()));
        let sig = PathBuf::from(format!("{}.sig", path.display()));
        let pem = PathBuf::from(format!("{}.pem", path.display()));
        assert_eq!(a["sha256"], sha256_hex(&path), "{doc:#}");
        assert_eq!(
            (&a["bundle"], &a["signature"], &a["certificate"]),
            (&s(&bundle).into(), &s(&sig).into(), &s(&pem).into())
        );
        let (index, time) = bundle_log(&bundle_json(&bundle));
        assert_eq!((&a["log_index"], &a["integrated_time_unix"]), (&index.into(), &time.into()), "{doc:#}");
        expected.extend([bundle, sig, pem]);
    }
    assert_written(&doc, &expected);
}

#[test]
fn attest_blob_json_reports_the_bundle_its_subjects_and_the_timestamp_authority() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let assets = write_assets(dir.path(), 2);
    let predicate = dir.path().join("predicate.json");
    std::fs::write(&predicate, br#"{"scanner": "none"}"#).unwrap();
    let bundle = dir.path().join("att.intoto.sigstore.json");
    let tsa = format!("{}/api/v1/timestamp", stack.url);
    let out = ok(
        &[
            "attest-blob",
            &s(&assets[0]),
            &s(&assets[1]),
            "--predicate",
            &s(&predicate),
            "--type",
            "https://example.com/scan/v1",
            "--bundle",
            &s(&bundle),
            "--timestamp-server-url",
            &tsa,
            "-o",
            "json",
        ],
        &signing_env(stack, ALICE),
    );
    let doc = json_doc(&out);
    assert_keyless_signer(&doc, stack);
    assert_eq!(doc["instance"]["tsa_url"], tsa.as_str(), "{doc:#}");
    assert_eq!(doc["bundle"], s(&bundle), "{doc:#}");
    assert_eq!(doc["predicate_type"], "https://example.com/scan/v1", "{doc:#}");
    assert_written(&doc, std::slice::from_ref(&bundle));
    let b = bundle_json(&bundle);
    let (index, time) = bundle_log(&b);
    assert_eq!((&doc["log_index"], &doc["integrated_time_unix"]), (&index.into(), &time.into()), "{doc:#}");
    assert_eq!(
        b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"].as_array().map(Vec::len),
        Some(1),
        "{b:#}"
    );
    let payload = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        b["dsseEnvelope"]["payload"].as_str().unwrap(),
    )
    .unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let subjects = doc["artifacts"].as_array().unwrap();
    assert_eq!(subjects.len(), 2, "{doc:#}");
    for ((a, asset), st) in subjects.iter().zip(&assets).zip(statement["subject"].as_array().unwrap()) {
        assert_eq!(a["artifact"], s(asset), "{doc:#}");
        assert_eq!(a["name"], st["name"], "the statement's subject name: {doc:#}");
        assert_eq!(a["sha256"], st["digest"]["sha256"], "{doc:#}");
        assert_eq!(a["sha256"], sha256_hex(asset), "{doc:#}");
        assert_eq!(a["size"], std::fs::metadata(asset).unwrap().len(), "{doc:#}");
    }
}
