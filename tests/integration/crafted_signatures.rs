//! Signatures assembled by hand against the local stack, for cases sigseal itself never
//! produces: a certificate that had expired when its log entry was made, legacy gitsign
//! online-mode signatures whose Rekor entry is found by a search (and entries for another
//! certificate or signature, which must not count), and a signature that ships its own root CA.

use crate::common;

use std::process::Command;

use common::{commit_with_signature, gits, http_post, Repo, Stack};
use der::{Decode, Encode};
use p256::pkcs8::EncodePrivateKey;
use sha2::{Digest, Sha256};
use sigseal::cms::{self, SignedAttrs, Unsigned};
use sigseal::sigstore;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn http() -> sigseal::http::Client {
    sigseal::http::Client::new(&sigseal::http::Deadline::default())
}

/// The stack's Rekor.
fn rekor(stack: &Stack) -> sigseal::transparency::Log {
    sigseal::transparency::Log::v1(&http(), &stack.url)
}

/// A fresh P-256 key and a Fulcio certificate for alice from the stack.
fn credential(stack: &Stack) -> (sigstore::KeyPair, Vec<u8>) {
    let secret = p256::SecretKey::random(&mut rand_core::OsRng);
    let key = sigstore::key_from_pkcs8(secret.to_pkcs8_der().unwrap().as_bytes()).unwrap();
    let token = stack.token("alice@example.com", 600);
    let chain = runtime().block_on(sigstore::fulcio_certificate(&http(), &stack.url, &token, &key)).unwrap();
    (key, chain[0].clone())
}

fn payload(message: &str) -> Vec<u8> {
    format!(
        "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Alice <alice@example.com> 1700000000 +0000\ncommitter Alice <alice@example.com> 1700000000 +0000\n\n{message}\n"
    )
    .into_bytes()
}

fn log(stack: &Stack, artifact: &[u8], signature: &[u8], leaf: &[u8]) -> sigstore::TransparencyLogEntry {
    let digest: [u8; 32] = Sha256::digest(artifact).into();
    runtime().block_on(rekor(stack).log_digest(&digest, signature, sigstore::Material::Certificate(leaf))).unwrap()
}

fn verify_args<'a>(id: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args =
        vec!["verify", id, "--certificate-identity", "alice@example.com", "--certificate-oidc-issuer-regexp", ".+"];
    args.extend(extra);
    args
}

fn verify_json(repo: &Repo, id: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = verify_args(id, extra);
    args.extend(["--output", "json"]);
    let out = repo.sigseal(&args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert_eq!(v["exit_code"].as_i64(), out.status.code().map(i64::from), "{v}");
    v
}

fn verify_text(repo: &Repo, id: &str, extra: &[&str]) -> (i32, String) {
    let out = repo.sigseal(&verify_args(id, extra));
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into())
}

/// Verified offline, the object fails and both text and JSON name `check`.
fn assert_offline_failure_names(repo: &Repo, id: &str, check: &str) {
    let v = verify_json(repo, id, &["--offline"]);
    assert_eq!(v["exit_code"], 1, "{v}");
    assert_eq!(v["objects"][0]["failed_check"], check, "{v}");
    let (code, text) = verify_text(repo, id, &["--offline"]);
    assert_eq!(code, 1);
    assert!(text.contains(&format!("{check}:")), "{text}");
}

#[test]
fn leaf_expired_at_integrated_time_is_rejected() {
    let stack = Stack::start();
    http_post(&format!("{}/_fulcio/backdate?seconds=1200", stack.url), "");
    let (key, leaf) = credential(&stack);
    http_post(&format!("{}/_fulcio/backdate?seconds=0", stack.url), "");
    let p = payload("signed with a certificate that expired ten minutes ago");
    let attrs = SignedAttrs::for_payload(&p, 1_700_000_000).unwrap();
    let sig = sigstore::sign(&key, &attrs.der).unwrap();
    let entry = log(&stack, &attrs.der, &sig, &leaf);
    let der = cms::build(
        &leaf,
        &attrs,
        &sig,
        &[Unsigned::OctetString(cms::OID_TLOG_ENTRY, sigstore::entry_to_protobuf(&entry).unwrap())],
    )
    .unwrap();
    let repo = Repo::new(&gits()[0], stack.service_env());
    let id = repo.write_object("commit", &commit_with_signature(&p, &der));
    assert_offline_failure_names(&repo, &id, "certificate-validity");
}

#[test]
fn legacy_online_mode_signature_is_accepted_only_with_a_matching_rekor_entry() {
    let stack = Stack::start();
    let repo = Repo::new(&gits()[0], stack.service_env());

    // gitsign online mode: CMS without a log entry; Rekor holds a hashedrekord over the
    // object id, signed with the same key.
    let (key, leaf) = credential(&stack);
    let p = payload("legacy online mode");
    let attrs = SignedAttrs::for_payload(&p, 1_700_000_000).unwrap();
    let der = cms::build(&leaf, &attrs, &sigstore::sign(&key, &attrs.der).unwrap(), &[]).unwrap();
    let id = repo.write_object("commit", &commit_with_signature(&p, &der));
    let logged = log(&stack, id.as_bytes(), &sigstore::sign(&key, id.as_bytes()).unwrap(), &leaf);

    let v = verify_json(&repo, &id, &[]);
    assert_eq!(v["exit_code"], 0, "{v}");
    let obj = &v["objects"][0];
    assert_eq!(obj["verdict"], "verified", "{obj}");
    assert_eq!(obj["log_index"].as_i64(), Some(logged.log_index.as_i64()), "{obj}");
    assert!(obj["checks"].to_string().contains("found by searching"), "{obj}");

    // Offline, the same object is not verified, and sigseal says what was not checked.
    let v = verify_json(&repo, &id, &["--offline"]);
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["objects"][0]["failed_check"], "transparency-log", "{v}");
    assert!(v["objects"][0]["reason"].as_str().unwrap().contains("--offline"), "{v}");
    let (_, text) = verify_text(&repo, &id, &["--offline"]);
    assert!(text.starts_with("FAILED") && text.contains("--offline"), "{text}");

    // Entries over the right hash but with another certificate, or with a signature that is
    // not over the object id, do not count.
    let (key2, leaf2) = credential(&stack);
    let p2 = payload("legacy, wrong entries");
    let attrs2 = SignedAttrs::for_payload(&p2, 1_700_000_000).unwrap();
    let der2 = cms::build(&leaf2, &attrs2, &sigstore::sign(&key2, &attrs2.der).unwrap(), &[]).unwrap();
    let id2 = repo.write_object("commit", &commit_with_signature(&p2, &der2));
    let (key3, leaf3) = credential(&stack);
    log(&stack, id2.as_bytes(), &sigstore::sign(&key3, id2.as_bytes()).unwrap(), &leaf3);
    let digest: [u8; 32] = Sha256::digest(id2.as_bytes()).into();
    let wrong_sig = sigstore::sign(&key2, b"some other message").unwrap();
    runtime().block_on(rekor(&stack).log_digest(&digest, &wrong_sig, sigstore::Material::Certificate(&leaf2))).unwrap();
    let v = verify_json(&repo, &id2, &[]);
    assert_eq!(v["exit_code"], 1, "{v}");
    let obj = &v["objects"][0];
    assert_eq!(obj["failed_check"], "transparency-log", "{obj}");
    let reason = obj["reason"].as_str().unwrap();
    assert!(reason.contains("no Rekor entry") && reason.matches("entry ").count() >= 2, "{reason}");
    // And a legacy object with no entry at all.
    let p3 = payload("legacy, never logged");
    let attrs3 = SignedAttrs::for_payload(&p3, 1_700_000_000).unwrap();
    let der3 = cms::build(&leaf, &attrs3, &sigstore::sign(&key, &attrs3.der).unwrap(), &[]).unwrap();
    let id3 = repo.write_object("commit", &commit_with_signature(&p3, &der3));
    let v = verify_json(&repo, &id3, &[]);
    assert_eq!(v["objects"][0]["failed_check"], "transparency-log", "{v}");
    assert!(v["objects"][0]["reason"].as_str().unwrap().contains("has no entry"), "{v}");
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn root_certificate_inside_the_signature_is_not_trusted() {
    let stack = Stack::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An attacker's own CA and a Fulcio-looking leaf for alice issued by it.
    openssl(d, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/O=sigstore.dev/CN=sigstore",
            "-days",
            "2",
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    openssl(d, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "leaf.key"]);
    openssl(d, &["req", "-new", "-key", "leaf.key", "-subj", "/O=x", "-out", "leaf.csr"]);
    std::fs::write(
        d.join("ext.cnf"),
        format!("subjectAltName=email:alice@example.com\nextendedKeyUsage=codeSigning\nkeyUsage=critical,digitalSignature\n1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:{}\n", stack.oidc),
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "7",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-outform",
            "DER",
            "-out",
            "leaf.der",
        ],
    );
    openssl(d, &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"]);
    openssl(d, &["pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out", "leaf.pk8"]);
    let leaf = std::fs::read(d.join("leaf.der")).unwrap();
    let root = std::fs::read(d.join("ca.der")).unwrap();
    let key = sigstore::key_from_pkcs8(&std::fs::read(d.join("leaf.pk8")).unwrap()).unwrap();

    // Signed, logged in the (real) local Rekor, and the root shipped in the certificate bag.
    let p = payload("signed under a root of my own");
    let attrs = SignedAttrs::for_payload(&p, 1_700_000_000).unwrap();
    let sig = sigstore::sign(&key, &attrs.der).unwrap();
    let entry = log(&stack, &attrs.der, &sig, &leaf);
    let der = cms::build(
        &leaf,
        &attrs,
        &sig,
        &[Unsigned::OctetString(cms::OID_TLOG_ENTRY, sigstore::entry_to_protobuf(&entry).unwrap())],
    )
    .unwrap();
    let der = {
        use ::cms::cert::CertificateChoices;
        use ::cms::content_info::ContentInfo;
        use ::cms::signed_data::{CertificateSet, SignedData};
        let ci = ContentInfo::from_der(&der).unwrap();
        let mut sd: SignedData = ci.content.decode_as().unwrap();
        let mut certs = sd.certificates.take().unwrap().0.into_vec();
        certs.push(CertificateChoices::Certificate(x509_cert::Certificate::from_der(&root).unwrap()));
        sd.certificates = Some(CertificateSet(der::asn1::SetOfVec::try_from(certs).unwrap()));
        ContentInfo { content_type: ci.content_type, content: der::Any::encode_from(&sd).unwrap() }.to_der().unwrap()
    };
    assert_eq!(cms::parse(&der).unwrap().certificates.len(), 2);
    let repo = Repo::new(&gits()[0], stack.service_env());
    let id = repo.write_object("commit", &commit_with_signature(&p, &der));
    assert_offline_failure_names(&repo, &id, "certificate-chain");
    // git's verify mode agrees (no GOODSIG).
    let out = repo.run(&["verify-commit", &id]);
    assert!(!out.status.success());
}
