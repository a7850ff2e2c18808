//! Signing into a Rekor v2 log (the stack's tile-based log, chosen by a signing config that
//! lists only it) and verifying offline: release bundles judged by sigseal, sigstore-python and
//! sigstore-js; their v2 bundles judged by sigseal; git commits and tags signed with git 2.39 and
//! 2.47 verified by git and sigseal, again with the stack stopped; a changed proof, checkpoint or
//! checkpoint signature, another signature's entry and a missing timestamp each refused with the
//! check named; and a timestamp authority that is down leaves nothing logged and nothing written.

use crate::common::{self, s, text};

use common::{git_version, gits, repo_root, sigseal, sigstore_python, FaultProxy, Repo, Stack};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ALICE: &str = "alice@example.com";

/// sigseal's environment for `stack` with the v2-only signing config (no service URL of its own,
/// so the config picks Fulcio, the v2 log and the TSA).
fn v2_env(stack: &Stack, signing_config: &Path) -> Vec<(String, String)> {
    vec![
        ("SIGSEAL_TRUSTED_ROOT".into(), s(&stack.trusted_root())),
        ("SIGSEAL_SIGNING_CONFIG".into(), s(signing_config)),
        ("SIGSEAL_OIDC_ISSUER".into(), stack.oidc.clone()),
    ]
}

fn with_token(stack: &Stack, mut env: Vec<(String, String)>) -> Vec<(String, String)> {
    env.push(("SIGSTORE_ID_TOKEN".into(), stack.token(ALICE, 600)));
    env
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The bundle's one log entry is a Rekor v2 entry (no signed entry timestamp, no integrated
/// time) and the bundle carries the timestamp that is its signing time.
fn assert_v2_bundle(bundle: &serde_json::Value, what: &str) {
    let entries = bundle["verificationMaterial"]["tlogEntries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{what}: {bundle}");
    assert_eq!(entries[0]["kindVersion"]["version"], "0.0.2", "{what}: {bundle}");
    assert!(entries[0]["inclusionPromise"].is_null(), "{what}: a v2 entry has no SET");
    assert!(entries[0]["integratedTime"].as_str().is_none_or(|t| t == "0"), "{what}: a v2 entry has no time");
    let stamps = bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"].as_array();
    assert_eq!(stamps.map_or(0, Vec::len), 1, "{what}: the timestamp is the signing time");
}

/// `sigseal VERIFY-COMMAND ARTIFACT --bundle B` offline with Alice's policy, as JSON.
fn sigseal_verify(stack: &Stack, command: &str, artifact: &Path, bundle: &Path) -> (Option<i32>, serde_json::Value) {
    common::verify_blob_json(stack, command, artifact, bundle, &[&stack.trusted_root()], ALICE)
}

/// sigstore-python with the stack's v2 trust configuration.
fn python(stack: &Stack, args: &[&str]) -> Output {
    common::python_with(stack, "trust_config_v2.json", args)
}

fn python_verifies(stack: &Stack, bundle: &Path, artifact: &Path) -> Output {
    python(
        stack,
        &[
            "verify",
            "identity",
            "--offline",
            "--bundle",
            &s(bundle),
            "--cert-identity",
            ALICE,
            "--cert-oidc-issuer",
            &stack.oidc,
            &s(artifact),
        ],
    )
}

fn artifact(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{name}: a release built for Rekor v2\n")).unwrap();
    p
}

#[test]
fn release_bundles_logged_in_rekor_v2_verify_with_sigseal_sigstore_python_and_sigstore_js() {
    sigstore_python();
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let env = with_token(stack, v2_env(stack, &stack.path("signing_config_v2.json")));
    let blob = artifact(dir.path(), "tool-2.0.tar.gz");
    let bundle = dir.path().join("tool-2.0.tar.gz.sigstore.json");
    let out = sigseal(&["sign-blob", &s(&blob), "--bundle", &s(&bundle)], &env, b"");
    assert!(out.status.success(), "sign-blob into v2: {}", text(&out));
    assert_v2_bundle(&json(&bundle), "sign-blob");

    let attestation = dir.path().join("tool-2.0.tar.gz.intoto.sigstore.json");
    let out = common::attest_blob_slsa(&blob, &attestation, &env);
    assert!(out.status.success(), "attest-blob into v2: {}", text(&out));
    assert_v2_bundle(&json(&attestation), "attest-blob");

    for (what, command, b) in
        [("the blob bundle", "verify-blob", &bundle), ("the attestation", "verify-blob-attestation", &attestation)]
    {
        let (code, report) = sigseal_verify(stack, command, &blob, b);
        assert_eq!(code, Some(0), "sigseal, {what}: {report}");
        let py = python_verifies(stack, b, &blob);
        assert!(py.status.success(), "sigstore-python, {what}: {}", text(&py));
        let js = common::js_verify(stack, b, &blob, ALICE);
        assert!(js.status.success(), "sigstore-js, {what}: {}", text(&js));
    }

    // A release: the manifest and every asset, each bundle with a v2 entry.
    let release = dir.path().join("dist");
    std::fs::create_dir(&release).unwrap();
    for name in ["app-linux.tar.gz", "app-macos.tar.gz"] {
        artifact(&release, name);
    }
    let out = sigseal(&["sign-release", &s(&release)], &env, b"");
    assert!(out.status.success(), "sign-release into v2: {}", text(&out));
    assert_v2_bundle(&json(&release.join("SHA256SUMS.sigstore.json")), "the manifest's bundle");
    let out = sigseal(
        &[
            "verify-release",
            &s(&release),
            "--offline",
            "--trusted-root",
            &s(&stack.trusted_root()),
            "--certificate-identity",
            ALICE,
            "--certificate-oidc-issuer",
            &stack.oidc,
        ],
        &[],
        b"",
    );
    assert!(out.status.success(), "verify-release of a v2-signed release: {}", text(&out));
}

#[test]
fn sigstore_python_and_sigstore_js_rekor_v2_bundles_verify_with_sigseal() {
    sigstore_python();
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let blob = artifact(dir.path(), "lib-2.0.tar.gz");
    let token = stack.token(ALICE, 600);

    let py = dir.path().join("python.sigstore.json");
    let out = python(stack, &["sign", "--identity-token", &token, "--bundle", &s(&py), &s(&blob)]);
    assert!(out.status.success(), "sigstore-python sign: {}", text(&out));
    let predicate = dir.path().join("predicate.json");
    std::fs::write(&predicate, br#"{"buildDefinition":{"buildType":"https://example.com/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/builder"}}}"#).unwrap();
    let py_dsse = dir.path().join("python.intoto.sigstore.json");
    let out = python(
        stack,
        &[
            "attest",
            "--predicate",
            &s(&predicate),
            "--predicate-type",
            "https://slsa.dev/provenance/v1",
            "--identity-token",
            &token,
            "--bundle",
            &s(&py_dsse),
            &s(&blob),
        ],
    );
    assert!(out.status.success(), "sigstore-python attest: {}", text(&out));

    let js = dir.path().join("js.sigstore.json");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, &token).unwrap();
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/sign-bundle.js"));
    c.args(["--fulcio", &stack.url, "--rekor", &stack.rekor_v2_url(), "--rekor-version", "2", "--tsa", &stack.url]);
    c.arg("--token-file").arg(&token_file).arg("--artifact").arg(&blob).arg("--bundle").arg(&js);
    let out = c.env("NO_PROXY", "127.0.0.1,localhost").stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "sigstore-js sign into v2: {}", text(&out));

    // sigstore-js logs a DSSE envelope as a `dsse` 0.0.2 entry (payload hash and signature).
    let js_dsse = js_sign_statement(stack, dir.path(), &blob, "js.intoto.sigstore.json");

    for (what, command, b) in [
        ("sigstore-python's bundle", "verify-blob", &py),
        ("sigstore-python's attestation", "verify-blob-attestation", &py_dsse),
        ("sigstore-js's bundle", "verify-blob", &js),
        ("sigstore-js's attestation (a dsse 0.0.2 entry)", "verify-blob-attestation", &js_dsse),
    ] {
        assert_v2_bundle(&json(b), what);
        let (code, report) = sigseal_verify(stack, command, &blob, b);
        assert_eq!(code, Some(0), "sigseal rejected {what}: {report}");
        let other = artifact(dir.path(), "other.tar.gz");
        let (code, report) = sigseal_verify(stack, command, &other, b);
        assert_eq!(code, Some(1), "sigseal accepted {what} for another file: {report}");
    }
}

/// An in-toto statement about `subject`, signed by sigstore-js into the v2 log as a DSSE
/// envelope (a `dsse` 0.0.2 entry); returns the bundle.
fn js_sign_statement(stack: &Stack, dir: &Path, subject: &Path, name: &str) -> PathBuf {
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(subject).unwrap()));
    let statement = dir.join(format!("{name}.statement.json"));
    std::fs::write(
        &statement,
        format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"{}","digest":{{"sha256":"{digest}"}}}}],"predicateType":"https://example.com/predicate/v1","predicate":{{}}}}"#,
            subject.file_name().unwrap().to_string_lossy()
        ),
    )
    .unwrap();
    let token_file = dir.join(format!("{name}.token"));
    std::fs::write(&token_file, stack.token(ALICE, 600)).unwrap();
    let bundle = dir.join(name);
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/sign-bundle.js"));
    c.args(["--fulcio", &stack.url, "--rekor", &stack.rekor_v2_url(), "--rekor-version", "2", "--tsa", &stack.url]);
    c.arg("--token-file").arg(&token_file).arg("--artifact").arg(&statement).arg("--bundle").arg(&bundle);
    c.arg("--in-toto");
    let out = c.env("NO_PROXY", "127.0.0.1,localhost").stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "sigstore-js attestation into v2: {}", text(&out));
    let kind = json(&bundle)["verificationMaterial"]["tlogEntries"][0]["kindVersion"].clone();
    assert_eq!(kind, serde_json::json!({"kind": "dsse", "version": "0.0.2"}), "sigstore-js logged a dsse 0.0.2 entry");
    bundle
}

#[test]
fn a_dsse_entry_of_another_envelope_is_refused() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (artifact(dir.path(), "one.tar.gz"), artifact(dir.path(), "two.tar.gz"));
    let bundle_a = js_sign_statement(stack, dir.path(), &a, "one.intoto.sigstore.json");
    let bundle_b = js_sign_statement(stack, dir.path(), &b, "two.intoto.sigstore.json");
    let mut swapped = json(&bundle_a);
    swapped["verificationMaterial"]["tlogEntries"] = json(&bundle_b)["verificationMaterial"]["tlogEntries"].clone();
    let path = dir.path().join("swapped.intoto.sigstore.json");
    std::fs::write(&path, serde_json::to_vec(&swapped).unwrap()).unwrap();
    assert_eq!(sigseal_verify(stack, "verify-blob-attestation", &a, &bundle_a).0, Some(0));
    let (code, report) = sigseal_verify(stack, "verify-blob-attestation", &a, &path);
    assert_eq!(code, Some(1), "another envelope's entry was accepted: {report}");
    assert_eq!(report["failed_check"], "log-entry-match", "{report}");
}

#[test]
fn git_signatures_logged_in_rekor_v2_verify_with_every_git_and_sigseal_even_with_the_stack_stopped() {
    let stack = Stack::start();
    let mut repos = Vec::new();
    for git in gits() {
        let token = stack.token_file(ALICE);
        let mut env = v2_env(&stack, &stack.path("signing_config_v2.json"));
        env.push(("SIGSEAL_TOKEN_FILE".into(), s(&token)));
        let repo = Repo::new(&git, env);
        repo.commit_file("README", "logged in a tile-based log\n");
        repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed into Rekor v2"]);
        repo.ok(&["tag", "-s", "v2.0", "-m", "release v2.0"]);
        repos.push((git, repo));
    }
    let before = stack.stats();
    assert!(before["rekor2"].as_u64().unwrap_or(0) >= 4, "the signatures went to the v2 log: {before}");
    assert_eq!(before["rekor"], 0, "nothing went to the v1 log: {before}");
    let check = |stopped: bool| {
        for (git, repo) in &repos {
            let v = git_version(git);
            for (cmd, rev) in [("verify-commit", "HEAD"), ("verify-tag", "v2.0")] {
                let out = repo.run(&[cmd, rev]);
                assert!(out.status.success(), "{v} (stack stopped: {stopped}): git {cmd}: {}", text(&out));
            }
            let out = repo.sigseal(&[
                "verify",
                "HEAD",
                "v2.0",
                "--offline",
                "--certificate-identity",
                ALICE,
                "--certificate-oidc-issuer",
                &stack.oidc,
                "-v",
            ]);
            assert!(out.status.success(), "{v} (stack stopped: {stopped}): sigseal verify: {}", text(&out));
            let report = text(&out);
            assert_eq!(report.matches("a Rekor v2 entry: no signed entry timestamp").count(), 2, "{v}: {report}");
            assert_eq!(report.matches("they are the signing time").count(), 2, "{v}: {report}");
        }
    };
    check(false);
    stack.stop();
    check(true);

    // The commit's signature as a bundle: the v2 entry and the timestamp, verified as a blob.
    let (_, repo) = &repos[0];
    let dir = tempfile::tempdir().unwrap();
    let (bundle, signed) = (dir.path().join("head.sigstore.json"), dir.path().join("head.der"));
    let out = repo.sigseal(&["export-bundle", "HEAD", "--bundle", &s(&bundle), "--artifact", &s(&signed)]);
    assert!(out.status.success(), "export-bundle: {}", text(&out));
    assert_v2_bundle(&json(&bundle), "the exported commit signature");
    let (code, report) = sigseal_verify(&stack, "verify-blob", &signed, &bundle);
    assert_eq!(code, Some(0), "the exported bundle: {report}");
}

#[test]
fn a_changed_proof_checkpoint_or_signature_another_entry_or_no_timestamp_is_refused_by_name() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let env = with_token(stack, v2_env(stack, &stack.path("signing_config_v2.json")));
    let sign = |name: &str| {
        let blob = artifact(dir.path(), name);
        let bundle = dir.path().join(format!("{name}.sigstore.json"));
        let out = sigseal(&["sign-blob", &s(&blob), "--bundle", &s(&bundle)], &env, b"");
        assert!(out.status.success(), "sign-blob: {}", text(&out));
        (blob, json(&bundle))
    };
    let (a, bundle_a) = sign("a.tar.gz");
    let (_, bundle_b) = sign("b.tar.gz");
    let check = |what: &str, bundle: &serde_json::Value, failed: &str| {
        let path = dir.path().join("changed.sigstore.json");
        std::fs::write(&path, serde_json::to_vec(bundle).unwrap()).unwrap();
        let (code, report) = sigseal_verify(stack, "verify-blob", &a, &path);
        assert_eq!(code, Some(1), "{what} was accepted: {report}");
        assert_eq!(report["failed_check"], failed, "{what}: {report}");
    };
    let mut changed = bundle_a.clone();
    let hashes = &mut changed["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"];
    let mut first = b64.decode(hashes[0].as_str().unwrap()).unwrap();
    first[0] ^= 1;
    hashes[0] = b64.encode(first).into();
    check("a changed inclusion proof", &changed, "inclusion-proof");

    let envelope = bundle_a["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"]
        .as_str()
        .unwrap()
        .to_string();
    let mut lines: Vec<String> = envelope.split('\n').map(str::to_string).collect();
    let size: u64 = lines[1].parse().unwrap();
    lines[1] = (size + 1).to_string();
    let mut changed = bundle_a.clone();
    changed["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] =
        lines.join("\n").into();
    check("a changed checkpoint", &changed, "checkpoint");

    let signature_line = envelope.lines().find(|l| l.starts_with('\u{2014}')).unwrap().to_string();
    let sig_b64 = signature_line.rsplit(' ').next().unwrap();
    let mut sig = b64.decode(sig_b64).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    let mut changed = bundle_a.clone();
    changed["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] =
        envelope.replacen(sig_b64, &b64.encode(sig), 1).into();
    check("a changed checkpoint signature", &changed, "checkpoint");

    let mut changed = bundle_a.clone();
    changed["verificationMaterial"]["tlogEntries"] = bundle_b["verificationMaterial"]["tlogEntries"].clone();
    check("the entry of another signature", &changed, "log-entry-match");

    let mut changed = bundle_a.clone();
    changed["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"] = serde_json::json!([]);
    // Caught by the bundle's structure already: nothing in it proves when it was signed.
    check("a v2 entry without its timestamp", &changed, "bundle-version");
}

#[test]
fn with_only_a_v2_log_and_its_timestamp_authority_down_nothing_is_logged_or_written() {
    let stack = Stack::start();
    let mut config = json(&stack.path("signing_config_v2.json"));
    config["tsaUrls"][0]["url"] = format!("{}/api/v1/no-such-timestamp-authority", stack.url).into();
    let broken = stack.path("signing_config_v2_tsa_down.json");
    std::fs::write(&broken, serde_json::to_vec(&config).unwrap()).unwrap();
    let before = stack.stats();

    let token = stack.token_file(ALICE);
    let mut env = v2_env(&stack, &broken);
    env.push(("SIGSEAL_TOKEN_FILE".into(), s(&token)));
    common::assert_nothing_signed_without_a_timestamp(&env);

    let after = stack.stats();
    assert!(after["fulcio"].as_u64() > before["fulcio"].as_u64(), "the signings got their certificates: {after}");
    assert_eq!(after["rekor2"], before["rekor2"], "something reached the v2 log: {before} -> {after}");
}

#[test]
fn a_v2_entry_logged_but_its_answer_lost_fails_the_signing_naming_the_entry_and_writes_nothing() {
    let stack = Stack::shared();
    let proxy = FaultProxy::start(stack);
    // The v2-only signing config, every service reached through the proxy.
    let config = std::fs::read_to_string(stack.path("signing_config_v2.json")).unwrap().replace(&stack.url, &proxy.url);
    let dir = tempfile::tempdir().unwrap();
    let through_proxy = dir.path().join("signing_config_v2_proxy.json");
    std::fs::write(&through_proxy, config).unwrap();
    proxy.set(&[("rekor", "lost-reply-once")]);
    let env = with_token(stack, v2_env(stack, &through_proxy));
    let blob = artifact(dir.path(), "lost.tar.gz");
    let bundle = dir.path().join("lost.sigstore.json");
    let out = sigseal(&["sign-blob", &s(&blob), "--bundle", &s(&bundle)], &env, b"");
    assert!(!out.status.success(), "signed without the entry's proof: {}", text(&out));
    assert!(text(&out).contains("holds this signature already (entry "), "{}", text(&out));
    assert!(!bundle.exists(), "a bundle was written");
}

/// The git signatures of the acceptance: a v2-signed commit whose embedded entry (or timestamp)
/// is changed, written back as a new commit object over the same content, fails `sigseal
/// verify` at the check the change breaks.
#[test]
fn a_git_signature_with_a_changed_v2_entry_or_no_timestamp_fails_at_the_check_named() {
    use base64::Engine;
    use sigseal::cms::{self, Unsigned};
    let b64 = base64::engine::general_purpose::STANDARD;
    let stack = Stack::shared();
    let token = stack.token_file(ALICE);
    let mut env = v2_env(stack, &stack.path("signing_config_v2.json"));
    env.push(("SIGSEAL_TOKEN_FILE".into(), s(&token)));
    let repo = Repo::new(&gits()[0], env);
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "first"]);
    let signed_a = repo.ok(&["rev-parse", "HEAD"]).trim().to_string();
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "second"]);
    let b = repo.ok(&["rev-parse", "HEAD"]).trim().to_string();
    let parts = |id: &str| {
        let (payload, armored) = common::split_signed_object(&repo.raw("commit", id));
        let der = cms::armor::decode(&armored).unwrap();
        let parsed = cms::parse(&der).unwrap();
        (payload, der, parsed.tlog_entry.clone().unwrap(), parsed.timestamps.clone())
    };
    let (payload, der, entry_a, stamps) = parts(&signed_a);
    let (_, _, entry_b, _) = parts(&b);
    assert_eq!(stamps.len(), 1, "the commit carries its timestamp");
    let entry_json =
        |bytes: &[u8]| serde_json::to_value(sigseal::sigstore::entry_from_protobuf(bytes, Vec::new).unwrap()).unwrap();
    let to_bytes = |v: &serde_json::Value| {
        sigseal::sigstore::entry_to_protobuf(&serde_json::from_value(v.clone()).unwrap()).unwrap()
    };
    let verify = |what: &str, unsigned: &[Unsigned], failed: &str| {
        let changed = cms::replace_unsigned(&der, unsigned).unwrap();
        let id = repo.write_object("commit", &common::commit_with_signature(&payload, &changed));
        let out = repo.sigseal(&["verify", &id, "--offline", "--insecure-any-identity", "-o", "json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let object = &report["objects"][0];
        assert_eq!(out.status.code(), Some(1), "{what} was accepted: {object}");
        assert_eq!(object["failed_check"], failed, "{what}: {object}");
    };
    let stamp = Unsigned::Der(cms::OID_TIMESTAMP_TOKEN, stamps[0].clone());
    let with = |entry: Vec<u8>| vec![Unsigned::OctetString(cms::OID_TLOG_ENTRY, entry), stamp.clone()];
    // The untouched signature, rebuilt the same way, verifies.
    let same = cms::replace_unsigned(&der, &with(entry_a.clone())).unwrap();
    let id = repo.write_object("commit", &common::commit_with_signature(&payload, &same));
    assert!(repo.sigseal(&["verify", &id, "--offline", "--insecure-any-identity"]).status.success());

    let mut proof = entry_json(&entry_a);
    let hash = &mut proof["inclusionProof"]["hashes"][0];
    let mut bytes = b64.decode(hash.as_str().unwrap()).unwrap();
    bytes[0] ^= 1;
    *hash = b64.encode(bytes).into();
    verify("a changed inclusion proof", &with(to_bytes(&proof)), "inclusion-proof");

    let envelope = entry_json(&entry_a)["inclusionProof"]["checkpoint"]["envelope"].as_str().unwrap().to_string();
    let mut lines: Vec<String> = envelope.split('\n').map(str::to_string).collect();
    lines[1] = (lines[1].parse::<u64>().unwrap() + 1).to_string();
    let mut checkpoint = entry_json(&entry_a);
    checkpoint["inclusionProof"]["checkpoint"]["envelope"] = lines.join("\n").into();
    verify("a changed checkpoint", &with(to_bytes(&checkpoint)), "checkpoint");

    let line = envelope.lines().find(|l| l.starts_with('\u{2014}')).unwrap();
    let sig = line.rsplit(' ').next().unwrap();
    let mut raw = b64.decode(sig).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    let mut signature = entry_json(&entry_a);
    signature["inclusionProof"]["checkpoint"]["envelope"] = envelope.replacen(sig, &b64.encode(raw), 1).into();
    verify("a changed checkpoint signature", &with(to_bytes(&signature)), "checkpoint");

    verify("the entry of another signature", &with(entry_b), "log-entry-match");
    verify(
        "a v2 entry without its timestamp",
        &[Unsigned::OctetString(cms::OID_TLOG_ENTRY, entry_a.clone())],
        "signing-time",
    );
}
