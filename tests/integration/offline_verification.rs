//! Offline verification of signatures made through the local stack: the embedded proof keeps
//! `git verify-tag` working with the stack stopped, and every altered piece of evidence (proof,
//! checkpoint, SET, log key, time, CA window, another signature's entry) is rejected.

use crate::common;

use base64::Engine;
use common::{gits, sigseal, split_signed_object, Repo, Stack};
use prost::Message;
use sigseal::cms::{self, Unsigned};
use sigstore_protobuf_specs::dev::sigstore::rekor::v1::TransparencyLogEntry;

struct Signed {
    payload: Vec<u8>,
    der: Vec<u8>,
}

/// Sign two tags as alice and a third as bob with the stack; return the repo and the
/// signatures.
fn sign_three(stack: &Stack) -> (Repo, Signed, Signed, Signed) {
    let token = stack.token_file("alice@example.com");
    let repo = Repo::new(&gits()[0], stack.env(&token));
    repo.commit_file("f", "content\n");
    repo.ok(&["tag", "-s", "v1", "-m", "one"]);
    repo.ok(&["tag", "-s", "v2", "-m", "two"]);
    let bob = stack.token_file("bob@example.com");
    let out = repo.cmd(&["tag", "-s", "v3", "-m", "three"]).env("SIGSEAL_TOKEN_FILE", &bob).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let get = |t: &str| {
        let (payload, armored) = split_signed_object(&repo.run(&["cat-file", "tag", t]).stdout);
        Signed { payload, der: cms::armor::decode(&armored).unwrap() }
    };
    let (a, b, c) = (get("v1"), get("v2"), get("v3"));
    (repo, a, b, c)
}

fn entry(der: &[u8]) -> TransparencyLogEntry {
    TransparencyLogEntry::decode(cms::parse(der).unwrap().tlog_entry.unwrap().as_slice()).unwrap()
}

fn with_entry(der: &[u8], e: &TransparencyLogEntry) -> Vec<u8> {
    cms::replace_unsigned(der, &[Unsigned::OctetString(cms::OID_TLOG_ENTRY, e.encode_to_vec())]).unwrap()
}

/// Verify through sigseal's git verify mode; returns (exit code, status lines, stderr).
fn verify(der: &[u8], payload: &[u8], root: &std::path::Path) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let sig = dir.path().join("sig");
    std::fs::write(&sig, cms::armor::encode(der)).unwrap();
    let env = vec![("SIGSEAL_TRUSTED_ROOT".to_string(), root.display().to_string())];
    let out = sigseal(&["--status-fd=1", "--verify", sig.to_str().unwrap(), "-"], &env, payload);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn assert_errsig(case: &str, (code, status, stderr): (i32, String, String), needle: &str) {
    assert_eq!(code, 1, "{case}: exit code\n{status}{stderr}");
    assert!(status.contains("[GNUPG:] ERRSIG "), "{case}: {status}");
    assert!(!status.contains("GOODSIG"), "{case}: {status}");
    assert!(stderr.to_lowercase().contains(needle), "{case}: expected {needle:?} in\n{stderr}");
}

/// A tag object of `payload` and the armored signature `der`; its id.
fn store_tag(repo: &Repo, payload: &[u8], der: &[u8]) -> String {
    let mut object = payload.to_vec();
    object.extend(cms::armor::encode(der).as_bytes());
    repo.write_object("tag", &object)
}

/// `sigseal verify`'s options for alice's signatures, offline, under `root`.
fn alice_offline(root: &std::path::Path) -> [&str; 7] {
    [
        "--offline",
        "--trusted-root",
        root.to_str().unwrap(),
        "--certificate-identity",
        "alice@example.com",
        "--certificate-oidc-issuer-regexp",
        ".+",
    ]
}

/// Store `payload` + the armored signature as a tag object and run `sigseal verify` on it
/// (offline, alice's policy), in text and in JSON; both must name the failed check.
fn assert_verify_names(case: &str, repo: &Repo, der: &[u8], payload: &[u8], root: &std::path::Path, check: &str) {
    let id = store_tag(repo, payload, der);
    let mut args = vec!["verify", &id];
    args.extend(alice_offline(root));
    let out = repo.sigseal(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{case}: {text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        text.starts_with("FAILED") && text.contains(&format!("{check}:")),
        "{case}: text should name {check}:\n{text}"
    );
    let mut json_args = args.clone();
    json_args.extend(["--output", "json"]);
    let out = repo.sigseal(&json_args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["exit_code"], 1, "{case}: {v}");
    assert_eq!(v["objects"][0]["failed_check"], check, "{case}: {v}");
    assert_eq!(v["objects"][0]["verdict"], "failed", "{case}: {v}");
}

fn write_root(dir: &std::path::Path, name: &str, root: &serde_json::Value) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(root).unwrap()).unwrap();
    p
}

#[test]
fn embedded_proof_verifies_with_the_stack_stopped_and_tampering_is_rejected() {
    let stack = Stack::start();
    let (repo, a, b, c) = sign_three(&stack);
    let root_path = stack.trusted_root();
    let root: serde_json::Value = serde_json::from_slice(&std::fs::read(&root_path).unwrap()).unwrap();
    let rekor_key = std::fs::read_to_string(stack.path("rekor.key.pem")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    // Keep the trust material, then stop every service.
    let root_path = write_root(scratch.path(), "root.json", &root);
    stack.stop();

    for git in gits() {
        for tag in ["v1", "v2"] {
            let out =
                repo.cmd_with(&git, &["verify-tag", tag]).env("SIGSEAL_TRUSTED_ROOT", &root_path).output().unwrap();
            assert!(out.status.success(), "verify-tag {tag} offline: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let (code, status, _) = verify(&a.der, &a.payload, &root_path);
    assert_eq!(code, 0, "{status}");

    // Inclusion proof: one sibling hash changed.
    let mut e = entry(&a.der);
    let proof = e.inclusion_proof.as_mut().unwrap();
    assert!(!proof.hashes.is_empty(), "the stack's tree has more than one leaf");
    proof.hashes[0][0] ^= 1;
    assert_errsig(
        "altered inclusion proof",
        verify(&with_entry(&a.der, &e), &a.payload, &root_path),
        "inclusion proof",
    );
    assert_verify_names(
        "altered inclusion proof",
        &repo,
        &with_entry(&a.der, &e),
        &a.payload,
        &root_path,
        "inclusion-proof",
    );

    // Checkpoint: its signature line altered.
    let mut e = entry(&a.der);
    let cp = &mut e.inclusion_proof.as_mut().unwrap().checkpoint.as_mut().unwrap().envelope;
    let sig_line = cp.lines().last().unwrap().to_string();
    let (prefix, b64) = sig_line.rsplit_once(' ').unwrap();
    let mut raw = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    *cp = cp.replace(&sig_line, &format!("{prefix} {}", base64::engine::general_purpose::STANDARD.encode(raw)));
    assert_errsig("altered checkpoint", verify(&with_entry(&a.der, &e), &a.payload, &root_path), "checkpoint");
    assert_verify_names("altered checkpoint", &repo, &with_entry(&a.der, &e), &a.payload, &root_path, "checkpoint");

    // SET: one byte changed.
    let mut e = entry(&a.der);
    let set = &mut e.inclusion_promise.as_mut().unwrap().signed_entry_timestamp;
    let mid = set.len() / 2;
    set[mid] ^= 1;
    assert_errsig("altered SET", verify(&with_entry(&a.der, &e), &a.payload, &root_path), "inclusion promise");
    assert_verify_names(
        "altered SET",
        &repo,
        &with_entry(&a.der, &e),
        &a.payload,
        &root_path,
        "signed-entry-timestamp",
    );

    // Another signature's log entry.
    let other = entry(&b.der);
    assert_errsig(
        "entry of another signature",
        verify(&with_entry(&a.der, &other), &a.payload, &root_path),
        "does not match this signature",
    );
    assert_verify_names(
        "entry of another signature",
        &repo,
        &with_entry(&a.der, &other),
        &a.payload,
        &root_path,
        "log-entry-match",
    );
    // Another certificate's entry (bob's), for another artifact.
    let bobs = entry(&c.der);
    assert_verify_names(
        "entry of another certificate",
        &repo,
        &with_entry(&a.der, &bobs),
        &a.payload,
        &root_path,
        "log-entry-match",
    );

    // Wrong log key: the trusted root names the CT log's key as Rekor's.
    let mut wrong = root.clone();
    wrong["tlogs"][0]["publicKey"]["rawBytes"] = root["ctlogs"][0]["publicKey"]["rawBytes"].clone();
    let wrong_path = write_root(scratch.path(), "wrong-log-key.json", &wrong);
    assert_errsig("wrong log key", verify(&a.der, &a.payload, &wrong_path), "inclusion promise");
    assert_verify_names("wrong log key", &repo, &a.der, &a.payload, &wrong_path, "signed-entry-timestamp");

    // Fulcio CA window ending before the integrated time.
    let mut old_ca = root.clone();
    old_ca["certificateAuthorities"][0]["validFor"]["end"] = serde_json::json!("2001-01-01T00:00:00Z");
    old_ca["certificateAuthorities"][0]["validFor"]["start"] = serde_json::json!("2000-01-01T00:00:00Z");
    let old_ca_path = write_root(scratch.path(), "old-ca.json", &old_ca);
    assert_errsig("CA outside validity", verify(&a.der, &a.payload, &old_ca_path), "certificate authority");
    assert_verify_names("CA outside validity", &repo, &a.der, &a.payload, &old_ca_path, "certificate-chain");

    // Leaf outside its validity at the integrated time: a log (holding the real key) that
    // stamps an integrated time before the certificate was valid, with a valid SET.
    let leaf = cms::parse(&a.der).unwrap().signer_certificate;
    let (not_before, not_after) = {
        use x509_cert::der::Decode;
        let c = x509_cert::Certificate::from_der(&leaf).unwrap();
        let v = &c.tbs_certificate.validity;
        (v.not_before.to_unix_duration().as_secs() as i64, v.not_after.to_unix_duration().as_secs() as i64)
    };
    let key = {
        use p256::pkcs8::DecodePrivateKey;
        p256::ecdsa::SigningKey::from_pkcs8_pem(&rekor_key).unwrap()
    };
    // The real entry, re-stamped by the log's own key at another integrated time.
    let stamped_at = |t: i64| {
        use p256::ecdsa::{signature::Signer, DerSignature};
        let mut e = entry(&a.der);
        e.integrated_time = t;
        let set_payload = format!(
            r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
            base64::engine::general_purpose::STANDARD.encode(&e.canonicalized_body),
            e.integrated_time,
            hex::encode(&e.log_id.as_ref().unwrap().key_id),
            e.log_index
        );
        let sig: DerSignature = key.sign(set_payload.as_bytes());
        e.inclusion_promise.as_mut().unwrap().signed_entry_timestamp = sig.as_bytes().to_vec();
        with_entry(&a.der, &e)
    };
    // Log key and CA valid long before, so only the leaf's window can fail.
    let mut early = root.clone();
    early["tlogs"][0]["publicKey"]["validFor"]["start"] = serde_json::json!("2000-01-01T00:00:00Z");
    early["certificateAuthorities"][0]["validFor"]["start"] = serde_json::json!("2000-01-01T00:00:00Z");
    let early_path = write_root(scratch.path(), "early.json", &early);
    assert_eq!(verify(&a.der, &a.payload, &early_path).0, 0, "the widened root still verifies the real entry");
    let before = stamped_at(not_before - 120);
    assert_errsig("leaf not yet valid at integrated time", verify(&before, &a.payload, &early_path), "certnotvalidyet");
    assert_verify_names(
        "leaf not yet valid at integrated time",
        &repo,
        &before,
        &a.payload,
        &early_path,
        "certificate-validity",
    );
    // An integrated time after the leaf expired would lie in the future here (10-minute
    // certificates); tests/integration/crafted_signatures.rs signs with a backdated certificate instead.
    let _ = not_after;

    // Payload changed: BADSIG, not ERRSIG.
    let mut p = a.payload.clone();
    p[0] ^= 1;
    let (code, status, _) = verify(&a.der, &p, &root_path);
    assert_eq!(code, 1);
    assert!(status.contains("[GNUPG:] BADSIG "), "{status}");
    let _ = b;
}

#[test]
fn log_proofs_are_checked_for_every_object_even_when_its_certificate_was_already_verified() {
    // One run verifies a good tag and then tags that carry the same signature, certificate and
    // payload with a changed log proof: the certificate's chain is known good by then, which
    // must not let any proof through; and a proof whose tree (size or root) is not the signed
    // checkpoint's is refused even though the checkpoint itself is genuine.
    let stack = Stack::shared();
    let (repo, a, _, _) = sign_three(stack);
    let root = stack.trusted_root();
    let tag = |der: &[u8]| store_tag(&repo, &a.payload, der);
    let good = tag(&a.der);
    let mut e = entry(&a.der);
    e.inclusion_proof.as_mut().unwrap().hashes[0][0] ^= 1;
    let bad_hash = tag(&with_entry(&a.der, &e));
    let mut e = entry(&a.der);
    e.inclusion_proof.as_mut().unwrap().tree_size += 1;
    let other_size = tag(&with_entry(&a.der, &e));
    let mut e = entry(&a.der);
    e.inclusion_proof.as_mut().unwrap().root_hash[0] ^= 1;
    let other_root = tag(&with_entry(&a.der, &e));
    let mut e = entry(&a.der);
    e.inclusion_proof.as_mut().unwrap().log_index -= 1;
    let other_index = tag(&with_entry(&a.der, &e));

    let mut args = vec!["verify", &good, &bad_hash, &other_size, &other_root, &other_index];
    args.extend(alice_offline(&root));
    args.extend(["--output", "json"]);
    let out = repo.sigseal(&args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objects = v["objects"].as_array().unwrap();
    let verdict = |id: &str| {
        let o = objects.iter().find(|o| o["object"] == id).unwrap_or_else(|| panic!("{id} not reported: {v}"));
        (o["verdict"].as_str().unwrap().to_string(), o["failed_check"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(verdict(&good), ("verified".to_string(), String::new()), "{v}");
    assert_eq!(verdict(&bad_hash), ("failed".to_string(), "inclusion-proof".to_string()), "{v}");
    assert_eq!(verdict(&other_size), ("failed".to_string(), "checkpoint".to_string()), "{v}");
    // sigstore-rust's bundle checks already refuse a proof whose root is not its checkpoint's.
    assert_eq!(verdict(&other_root), ("failed".to_string(), "bundle".to_string()), "{v}");
    assert_eq!(verdict(&other_index), ("failed".to_string(), "inclusion-proof".to_string()), "{v}");
    assert_eq!(v["exit_code"], 1, "{v}");
}
