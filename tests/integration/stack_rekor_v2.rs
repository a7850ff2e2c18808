//! The local stack's Rekor v2 log (tests/stack/rekor-v2.js, tile-based like sigstore/rekor-tiles,
//! under `SIGSTORE_URL/rekor2`), judged by code this project did not write: sigstore-python 4.5.1
//! signs into it (`sign`, and `attest`, which logs a DSSE envelope as a hashedrekord 0.0.2 over
//! its PAE) and verifies offline; sigstore-js (@sigstore/sign, @sigstore/verify) signs into it and
//! verifies; both refuse a proof changed by one byte and a checkpoint signed by another key; openssl
//! checks the checkpoint's Ed25519 signature and witness cosignature and makes the signatures of
//! the direct requests; and the tree is recomputed here from the tiles and entry bundles served.

use crate::common::{self, repo_root, s, text, Stack};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const ALICE: &str = "alice@example.com";
/// Entries the log starts with: more than a full tile of 256, so level-1 tiles exist.
const SEED_ENTRIES: &str = "300";

/// This module's stack (its own, so the counters and the tree are this module's alone).
fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| Stack::start_with(&["--seed-leaves", SEED_ENTRIES]))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD.decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

// ---------------------------------------------------------------------------------------------
// Clients

/// sigstore-python with the Rekor v2 trust configuration (`trust_config_v2.json`).
fn python(stack: &Stack, args: &[&str]) -> Output {
    common::python_with(stack, "trust_config_v2.json", args)
}

fn python_verify(stack: &Stack, bundle: &Path, artifact: &Path) -> Output {
    let (bundle, artifact) = (s(bundle), s(artifact));
    let identity = ["--cert-identity", ALICE, "--cert-oidc-issuer", &stack.oidc];
    python(stack, &[&["verify", "identity", "--offline", "--bundle", &bundle][..], &identity, &[&artifact]].concat())
}

/// A file signed by sigstore-python into the Rekor v2 log (`sign`), or attested (`attest`: an
/// in-toto statement about it in a DSSE envelope).
fn python_sign(stack: &Stack, dir: &Path, artifact: &Path, attest: bool) -> PathBuf {
    let token = stack.token(ALICE, 600);
    let bundle = dir.join(if attest { "python.intoto.sigstore.json" } else { "python.sigstore.json" });
    let predicate = dir.join("predicate.json");
    std::fs::write(&predicate, br#"{"buildDefinition":{"buildType":"https://example.com/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/builder"}}}"#).unwrap();
    let mut args = vec![if attest { "attest" } else { "sign" }];
    let predicate = s(&predicate);
    if attest {
        args.extend(["--predicate", &predicate, "--predicate-type", "https://slsa.dev/provenance/v1"]);
    }
    let (bundle_arg, artifact_arg) = (s(&bundle), s(artifact));
    args.extend(["--identity-token", &token, "--bundle", &bundle_arg, &artifact_arg]);
    let out = python(stack, &args);
    assert!(out.status.success(), "sigstore-python {}: {}", args[0], text(&out));
    bundle
}

/// `node tests/stack/sign-bundle.js --rekor-version 2` (sigstore-js) against the stack.
fn js_sign(stack: &Stack, dir: &Path, artifact: &Path, bundle: &Path, in_toto: bool) -> Output {
    let token_file = dir.join("token");
    std::fs::write(&token_file, stack.token(ALICE, 600)).unwrap();
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/sign-bundle.js"));
    c.args(["--fulcio", &stack.url, "--rekor", &stack.rekor_v2_url(), "--rekor-version", "2", "--tsa", &stack.url]);
    c.arg("--token-file").arg(&token_file).arg("--artifact").arg(artifact).arg("--bundle").arg(bundle);
    if in_toto {
        c.arg("--in-toto");
    }
    c.env("NO_PROXY", "127.0.0.1,localhost");
    c.stdin(Stdio::null()).output().expect("run node tests/stack/sign-bundle.js")
}

fn js_verify(stack: &Stack, bundle: &Path, artifact: &Path) -> Output {
    common::js_verify(stack, bundle, artifact, ALICE)
}

fn artifact(dir: &Path) -> PathBuf {
    let file = dir.join("tool-2.0.0.tar.gz");
    std::fs::write(&file, (0..20_000u32).map(|i| (i * 13 % 251) as u8).collect::<Vec<u8>>()).unwrap();
    file
}

/// An in-toto statement whose one subject is `artifact`.
fn statement_about(dir: &Path, artifact: &Path) -> PathBuf {
    let digest = hex::encode(Sha256::digest(std::fs::read(artifact).unwrap()));
    let statement = dir.join("statement.json");
    let body = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "tool-2.0.0.tar.gz", "digest": {"sha256": digest}}],
        "predicateType": "https://example.com/predicate/v1",
        "predicate": {},
    });
    std::fs::write(&statement, body.to_string()).unwrap();
    statement
}

// ---------------------------------------------------------------------------------------------
// The log as the trusted root names it, and its entries

/// The Rekor v2 log's instance in the stack's trusted root.
fn v2_log(stack: &Stack) -> Value {
    let root = read_json(&stack.trusted_root());
    let tlogs = root["tlogs"].as_array().unwrap();
    assert_eq!(tlogs.len(), 2, "the trusted root lists the Rekor v1 and v2 logs: {root:#}");
    assert_eq!(tlogs[0]["baseUrl"], stack.url.as_str(), "Rekor v1 stays the first log");
    tlogs.iter().find(|t| t["baseUrl"] == stack.rekor_v2_url().as_str()).cloned().expect("the v2 log")
}

/// The checkpoint origin: the log's URL without its scheme.
fn origin(stack: &Stack) -> String {
    stack.rekor_v2_url().trim_start_matches("http://").to_string()
}

/// A signed note split into its body (the signed text) and its signature lines (name, bytes).
fn split_note(note: &str) -> (String, Vec<(String, Vec<u8>)>) {
    let at = note.find("\n\n").unwrap_or_else(|| panic!("no blank line in the note {note:?}"));
    let body = note[..=at].to_string();
    let lines = note[at + 2..]
        .lines()
        .map(|l| {
            let rest = l.strip_prefix("\u{2014} ").unwrap_or_else(|| panic!("not a signature line: {l:?}"));
            let (name, sig) = rest.split_once(' ').unwrap();
            (name.to_string(), STANDARD.decode(sig).unwrap())
        })
        .collect();
    (body, lines)
}

/// The bundle's one log entry, checked against what Rekor v2 writes: `kind` 0.0.2, the v2
/// log's ID, no integrated time or SET, an inclusion proof whose checkpoint is the v2 log's.
fn v2_entry(stack: &Stack, bundle: &Path, kind: &str) -> Value {
    let b = read_json(bundle);
    let entries = b["verificationMaterial"]["tlogEntries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{b:#}");
    let e = entries[0].clone();
    assert_eq!(e["kindVersion"], json!({"kind": kind, "version": "0.0.2"}), "{e:#}");
    assert_eq!(e["logId"]["keyId"], v2_log(stack)["logId"]["keyId"], "the entry names the v2 log: {e:#}");
    assert!(e["integratedTime"].is_null() || e["integratedTime"] == "0", "a Rekor v2 entry has no time: {e:#}");
    assert!(e["inclusionPromise"].is_null(), "a Rekor v2 entry has no SET: {e:#}");
    let proof = &e["inclusionProof"];
    assert_eq!(proof["logIndex"], e["logIndex"], "{e:#}");
    let (body, sigs) = split_note(proof["checkpoint"]["envelope"].as_str().unwrap());
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines,
        [origin(stack).as_str(), proof["treeSize"].as_str().unwrap(), proof["rootHash"].as_str().unwrap()]
    );
    assert_eq!(sigs[0].0, origin(stack), "the log signs under its origin");
    assert_eq!(sigs[0].1[..4], b64(&e["logId"]["keyId"])[..4], "the key hint is the logId's first 4 bytes");
    assert_eq!(
        b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"].as_array().map(Vec::len),
        Some(1),
        "a Rekor v2 bundle carries a TSA timestamp: {b:#}"
    );
    // The proof, checked here too.
    let index: u64 = e["logIndex"].as_str().unwrap().parse().unwrap();
    let size: u64 = proof["treeSize"].as_str().unwrap().parse().unwrap();
    let path: Vec<[u8; 32]> = proof["hashes"].as_array().unwrap().iter().map(|h| b64(h).try_into().unwrap()).collect();
    let leaf = sha256(&[&[0], &b64(&e["canonicalizedBody"])]);
    assert_eq!(
        root_from_inclusion_proof(index, size, leaf, &path).map(|r| r.to_vec()),
        Some(b64(&proof["rootHash"])),
        "the inclusion proof does not lead to the checkpoint's root"
    );
    e
}

fn body_of(entry: &Value) -> Value {
    serde_json::from_slice(&b64(&entry["canonicalizedBody"])).unwrap()
}

/// The DSSE pre-authentication encoding of a bundle's envelope.
fn pae(bundle: &Value) -> Vec<u8> {
    let env = &bundle["dsseEnvelope"];
    let payload = b64(&env["payload"]);
    let ty = env["payloadType"].as_str().unwrap();
    let mut out = format!("DSSEv1 {} {ty} {} ", ty.len(), payload.len()).into_bytes();
    out.extend(payload);
    out
}

// ---------------------------------------------------------------------------------------------
// RFC 6962 / RFC 9162

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    sha256(&[&[1], left, right])
}

/// The Merkle tree hash of these leaf hashes.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256(&[]),
        1 => leaves[0],
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros()); // largest power of two < n
            node(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// RFC 9162, 2.1.3.2: the root an inclusion proof leads to, or None when it is malformed.
fn root_from_inclusion_proof(index: u64, size: u64, leaf: [u8; 32], path: &[[u8; 32]]) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let (mut fnode, mut snode, mut r) = (index, size - 1, leaf);
    for p in path {
        if snode == 0 {
            return None;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    (snode == 0).then_some(r)
}

// ---------------------------------------------------------------------------------------------
// openssl and curl

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl").args(args).current_dir(dir).stdin(Stdio::null()).output().expect("run openssl")
}

fn openssl_ok(dir: &Path, args: &[&str]) {
    let out = openssl(dir, args);
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
}

/// Whether `signature` is an Ed25519 signature of `message` by the SPKI DER key `spki`.
fn ed25519_verifies(dir: &Path, spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let n = rand_name();
    let (key, msg, sig) =
        (dir.join(format!("{n}.pub.der")), dir.join(format!("{n}.msg")), dir.join(format!("{n}.sig")));
    std::fs::write(&key, spki).unwrap();
    std::fs::write(&msg, message).unwrap();
    std::fs::write(&sig, signature).unwrap();
    let args = ["pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", &s(&key), "-rawin", "-in", &s(&msg)];
    openssl(dir, &[&args[..], &["-sigfile", &s(&sig)]].concat()).status.success()
}

fn rand_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("f{}", N.fetch_add(1, Ordering::Relaxed))
}

/// GET with curl: (status, body).
fn get(url: &str) -> (u16, Vec<u8>) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20", "-w", "\n%{http_code}", url])
        .stdin(Stdio::null())
        .output()
        .expect("curl");
    assert!(out.status.success(), "GET {url}: {}", text(&out));
    let split = out.stdout.iter().rposition(|b| *b == b'\n').unwrap();
    (String::from_utf8_lossy(&out.stdout[split + 1..]).parse().unwrap(), out.stdout[..split].to_vec())
}

fn get_ok(url: &str) -> Vec<u8> {
    let (status, body) = get(url);
    assert_eq!(status, 200, "GET {url}: {}", String::from_utf8_lossy(&body));
    body
}

/// POST a JSON body with curl: (status, response headers, body as JSON).
fn post(url: &str, body: &str) -> (u16, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let (headers, reply) = (dir.path().join("headers"), dir.path().join("reply"));
    let mut child = Command::new("curl")
        .args(["-sS", "--max-time", "20", "-X", "POST", "-H", "content-type: application/json", "--data-binary", "@-"])
        .arg("-D")
        .arg(&headers)
        .arg("-o")
        .arg(&reply)
        .args(["-w", "%{http_code}", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), body.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "POST {url}: {}", text(&out));
    let status = String::from_utf8_lossy(&out.stdout).parse().unwrap();
    let reply = std::fs::read(&reply).unwrap();
    let json = serde_json::from_slice(&reply).unwrap_or_else(|e| {
        panic!("POST {url} answered {status} with non-JSON ({e}): {}", String::from_utf8_lossy(&reply))
    });
    (status, std::fs::read_to_string(&headers).unwrap(), json)
}

/// A digest function (SHA-256, SHA-384 or SHA-512).
type DigestFn = fn(&[u8]) -> Vec<u8>;

/// A key made by openssl, and what a hashedrekord request with it needs.
struct Key {
    pem: PathBuf,
    spki: Vec<u8>,
    details: &'static str,
    digest: DigestFn,
    dgst: &'static str,
}

fn openssl_key(dir: &Path, name: &str, genpkey: &[&str], details: &'static str) -> Key {
    let pem = dir.join(format!("{name}.key.pem"));
    let der = dir.join(format!("{name}.pub.der"));
    openssl_ok(dir, &[&["genpkey"], genpkey, &["-out", &s(&pem)]].concat());
    openssl_ok(dir, &["pkey", "-in", &s(&pem), "-pubout", "-outform", "DER", "-out", &s(&der)]);
    let (digest, dgst): (DigestFn, _) = match details {
        "PKIX_ECDSA_P384_SHA_384" => (|d| Sha384::digest(d).to_vec(), "-sha384"),
        "PKIX_ECDSA_P521_SHA_512" => (|d| Sha512::digest(d).to_vec(), "-sha512"),
        _ => (|d| Sha256::digest(d).to_vec(), "-sha256"),
    };
    Key { pem, spki: std::fs::read(der).unwrap(), details, digest, dgst }
}

impl Key {
    /// openssl's signature over `data` (its digest, the hash of the key details).
    fn sign(&self, dir: &Path, data: &[u8]) -> Vec<u8> {
        let n = rand_name();
        let (file, sig) = (dir.join(format!("{n}.data")), dir.join(format!("{n}.sig")));
        std::fs::write(&file, data).unwrap();
        openssl_ok(dir, &["dgst", self.dgst, "-sign", &s(&self.pem), "-out", &s(&sig), &s(&file)]);
        std::fs::read(sig).unwrap()
    }

    /// A `hashedRekordRequestV002` for `data` signed with this key (a public-key verifier).
    fn request(&self, dir: &Path, data: &[u8]) -> Value {
        json!({"hashedRekordRequestV002": {
            "digest": STANDARD.encode((self.digest)(data)),
            "signature": {
                "content": STANDARD.encode(self.sign(dir, data)),
                "verifier": {"publicKey": {"rawBytes": STANDARD.encode(&self.spki)}, "keyDetails": self.details},
            },
        }})
    }
}

fn entries_url(stack: &Stack) -> String {
    format!("{}/api/v2/log/entries", stack.rekor_v2_url())
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn the_trusted_root_names_the_v2_log_by_its_signed_note_key_id() {
    let stack = stack();
    let log = v2_log(stack);
    assert_eq!(log["publicKey"]["keyDetails"], "PKIX_ED25519", "{log:#}");
    let spki = b64(&log["publicKey"]["rawBytes"]);
    assert_eq!(spki.len(), 44, "an Ed25519 SPKI");
    // C2SP signed-note key ID: SHA-256(origin || "\n" || 0x01 || raw key), as rekor-tiles and
    // the public trusted roots have it; not the SHA-256 of the SPKI (Rekor v1's log ID).
    let key_id = sha256(&[origin(stack).as_bytes(), b"\n", &[1], &spki[12..]]);
    assert_eq!(b64(&log["logId"]["keyId"]), key_id, "{log:#}");
    assert_ne!(key_id, sha256(&[&spki]));
    assert_eq!(std::fs::read_to_string(stack.path("rekor2_pub.pem")).unwrap(), pem("PUBLIC KEY", &spki));

    let config = read_json(&stack.path("signing_config_v2.json"));
    assert_eq!(config["mediaType"], "application/vnd.dev.sigstore.signingconfig.v0.2+json");
    assert_eq!(
        config["rekorTlogUrls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (&u["url"], &u["majorApiVersion"]))
            .collect::<Vec<_>>(),
        [(&json!(stack.rekor_v2_url()), &json!(2))],
        "the v2 signing config lists the v2 log alone: {config:#}"
    );
    assert_eq!(config["rekorTlogConfig"], json!({"selector": "ANY"}));
    assert_eq!(config["tsaUrls"][0]["url"], format!("{}/api/v1/timestamp", stack.url));
    let trust = read_json(&stack.path("trust_config_v2.json"));
    assert_eq!(trust["signingConfig"], config);
    assert_eq!(trust["trustedRoot"], read_json(&stack.trusted_root()));
    let v1 = read_json(&stack.path("signing_config.json"));
    assert_eq!(v1["rekorTlogUrls"][0]["url"], stack.url.as_str(), "the v1 signing config is unchanged: {v1:#}");
    assert_eq!(v1["rekorTlogUrls"].as_array().unwrap().len(), 1);
}

fn pem(label: &str, der: &[u8]) -> String {
    let b = STANDARD.encode(der);
    let lines: Vec<&str> = b.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

#[test]
fn sigstore_python_signs_into_rekor_v2_and_both_clients_verify_offline() {
    let stack = stack();
    let dir = tempfile::tempdir().unwrap();
    let file = artifact(dir.path());
    let before = stack.stats()["rekor2"].as_u64().unwrap();
    let bundle = python_sign(stack, dir.path(), &file, false);
    assert!(stack.stats()["rekor2"].as_u64().unwrap() > before, "sigstore-python did not write to the v2 log");
    assert_eq!(stack.stats()["rekor"], 0, "sigstore-python wrote to the Rekor v1 log with the v2 configuration");

    let entry = v2_entry(stack, &bundle, "hashedrekord");
    let spec = &body_of(&entry)["spec"]["hashedRekordV002"];
    assert_eq!(spec["data"]["algorithm"], "SHA2_256");
    assert_eq!(b64(&spec["data"]["digest"]), Sha256::digest(std::fs::read(&file).unwrap()).to_vec());
    let b = read_json(&bundle);
    assert_eq!(spec["signature"]["content"], b["messageSignature"]["signature"]);
    assert_eq!(
        spec["signature"]["verifier"]["x509Certificate"]["rawBytes"],
        b["verificationMaterial"]["certificate"]["rawBytes"]
    );
    assert_eq!(spec["signature"]["verifier"]["keyDetails"], "PKIX_ECDSA_P256_SHA_256");

    let out = python_verify(stack, &bundle, &file);
    assert!(out.status.success(), "sigstore-python refused its own Rekor v2 bundle: {}", text(&out));
    let out = js_verify(stack, &bundle, &file);
    assert!(out.status.success(), "sigstore-js refused sigstore-python's Rekor v2 bundle: {}", text(&out));
    let other = dir.path().join("other");
    std::fs::write(&other, b"another file").unwrap();
    assert!(!python_verify(stack, &bundle, &other).status.success(), "sigstore-python accepted another file");
    assert!(!js_verify(stack, &bundle, &other).status.success(), "sigstore-js accepted another file");
}

#[test]
fn sigstore_python_logs_an_attestation_as_a_hashedrekord_over_the_envelope() {
    let stack = stack();
    let dir = tempfile::tempdir().unwrap();
    let file = artifact(dir.path());
    let bundle = python_sign(stack, dir.path(), &file, true);
    let entry = v2_entry(stack, &bundle, "hashedrekord");
    let b = read_json(&bundle);
    let spec = &body_of(&entry)["spec"]["hashedRekordV002"];
    assert_eq!(b64(&spec["data"]["digest"]), Sha256::digest(pae(&b)).to_vec(), "the digest is the PAE's");
    assert_eq!(spec["signature"]["content"], b["dsseEnvelope"]["signatures"][0]["sig"]);

    let out = python_verify(stack, &bundle, &file);
    assert!(out.status.success(), "sigstore-python refused its own Rekor v2 attestation: {}", text(&out));
    let out = js_verify(stack, &bundle, &file);
    assert!(out.status.success(), "sigstore-js refused sigstore-python's Rekor v2 attestation: {}", text(&out));
}

#[test]
fn sigstore_js_signs_into_rekor_v2_and_both_clients_verify() {
    let stack = stack();
    let dir = tempfile::tempdir().unwrap();
    let file = artifact(dir.path());
    let bundle = dir.path().join("js.sigstore.json");
    let out = js_sign(stack, dir.path(), &file, &bundle, false);
    assert!(out.status.success(), "sigstore-js sign into Rekor v2: {}", text(&out));
    v2_entry(stack, &bundle, "hashedrekord");
    let out = js_verify(stack, &bundle, &file);
    assert!(out.status.success(), "sigstore-js refused its own Rekor v2 bundle: {}", text(&out));
    let out = python_verify(stack, &bundle, &file);
    assert!(out.status.success(), "sigstore-python refused sigstore-js's Rekor v2 bundle: {}", text(&out));

    // sigstore-js logs a DSSE envelope as the (deprecated) dsse 0.0.2 kind, which the log stores
    // as rekor-tiles up to v2.2 did: the payload's hash and each signature with its verifier.
    let statement = statement_about(dir.path(), &file);
    let attestation = dir.path().join("js.intoto.sigstore.json");
    let out = js_sign(stack, dir.path(), &statement, &attestation, true);
    assert!(out.status.success(), "sigstore-js attest into Rekor v2: {}", text(&out));
    let entry = v2_entry(stack, &attestation, "dsse");
    let b = read_json(&attestation);
    let spec = &body_of(&entry)["spec"]["dsseV002"];
    assert_eq!(spec["payloadHash"]["algorithm"], "SHA2_256");
    assert_eq!(b64(&spec["payloadHash"]["digest"]), Sha256::digest(b64(&b["dsseEnvelope"]["payload"])).to_vec());
    assert_eq!(spec["signatures"].as_array().unwrap().len(), 1, "{spec:#}");
    assert_eq!(spec["signatures"][0]["content"], b["dsseEnvelope"]["signatures"][0]["sig"]);
    assert_eq!(
        spec["signatures"][0]["verifier"]["x509Certificate"]["rawBytes"],
        b["verificationMaterial"]["certificate"]["rawBytes"]
    );
    let out = js_verify(stack, &attestation, &file);
    assert!(out.status.success(), "sigstore-js refused its own Rekor v2 attestation: {}", text(&out));
}

#[test]
fn a_proof_changed_by_one_byte_or_a_checkpoint_signed_by_another_key_is_refused() {
    let stack = stack();
    let dir = tempfile::tempdir().unwrap();
    let file = artifact(dir.path());
    let bundle = python_sign(stack, dir.path(), &file, false);
    let original = read_json(&bundle);
    let entry = v2_entry(stack, &bundle, "hashedrekord");
    assert!(!entry["inclusionProof"]["hashes"].as_array().unwrap().is_empty(), "a trivial proof proves nothing here");

    let mut proof_changed = original.clone();
    let hashes = &mut proof_changed["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"];
    let mut first = b64(&hashes[0]);
    first[7] ^= 0x01;
    hashes[0] = json!(STANDARD.encode(first));

    // The same checkpoint, signed by another Ed25519 key under the log's name and key hint.
    let note = entry["inclusionProof"]["checkpoint"]["envelope"].as_str().unwrap();
    let (body, sigs) = split_note(note);
    let other_key = dir.path().join("other.key.pem");
    openssl_ok(dir.path(), &["genpkey", "-algorithm", "ed25519", "-out", &s(&other_key)]);
    std::fs::write(dir.path().join("note"), &body).unwrap();
    let sig_file = dir.path().join("note.sig");
    openssl_ok(
        dir.path(),
        &["pkeyutl", "-sign", "-inkey", &s(&other_key), "-rawin", "-in", "note", "-out", &s(&sig_file)],
    );
    let forged = [&sigs[0].1[..4], &std::fs::read(&sig_file).unwrap()[..]].concat();
    let forged_note = format!("{body}\n\u{2014} {} {}\n", sigs[0].0, STANDARD.encode(forged));
    let mut foreign = original.clone();
    foreign["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] = json!(forged_note);

    let out = python_verify(stack, &bundle, &file);
    assert!(out.status.success(), "sigstore-python refused the untouched bundle: {}", text(&out));
    for (what, changed, says) in [
        ("a proof changed by one byte", proof_changed, "inclusion"),
        ("a checkpoint signed by another key", foreign, "checkpoint"),
    ] {
        let path = dir.path().join("changed.sigstore.json");
        std::fs::write(&path, changed.to_string()).unwrap();
        let out = python_verify(stack, &path, &file);
        assert!(!out.status.success(), "sigstore-python accepted {what}: {}", text(&out));
        assert!(
            common::combined_output(&out).to_lowercase().contains(says),
            "sigstore-python refused {what} for another reason: {}",
            text(&out)
        );
        let out = js_verify(stack, &path, &file);
        assert_eq!(out.status.code(), Some(1), "sigstore-js accepted {what}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("TLOG_INCLUSION_PROOF_ERROR"),
            "sigstore-js refused {what} for another reason: {}",
            text(&out)
        );
    }
}

#[test]
fn the_tiles_and_entry_bundles_served_recompute_the_signed_checkpoint() {
    let stack = stack();
    let dir = tempfile::tempdir().unwrap();
    let base = stack.rekor_v2_url();
    // An entry of this test's own, to find in the entry bundles.
    let key = openssl_key(
        dir.path(),
        "p256",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "PKIX_ECDSA_P256_SHA_256",
    );
    let (status, _, created) =
        post(&entries_url(stack), &key.request(dir.path(), b"an entry to find in the tiles").to_string());
    assert_eq!(status, 201, "{created:#}");
    let index: usize = created["logIndex"].as_str().unwrap().parse().unwrap();

    let note = String::from_utf8(get_ok(&format!("{base}/checkpoint"))).unwrap();
    assert_eq!(get_ok(&format!("{base}/api/v2/checkpoint")), note.as_bytes(), "both checkpoint paths serve the same");
    let (body, sigs) = split_note(&note);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 3, "origin, size and root, no extension lines: {note:?}");
    assert_eq!(lines[0], origin(stack));
    let size: usize = lines[1].parse().unwrap();
    let root = STANDARD.decode(lines[2]).unwrap();
    assert!(size > index && size > 256, "the checkpoint (size {size}) covers the new entry and a full tile");

    // The log's signature, and the witness's cosignature (C2SP tlog-cosignature v1), by openssl.
    let log = v2_log(stack);
    assert_eq!(sigs.len(), 2, "the log's signature and a witness cosignature: {note:?}");
    assert_eq!(sigs[0].1[..4], b64(&log["logId"]["keyId"])[..4]);
    assert!(ed25519_verifies(dir.path(), &b64(&log["publicKey"]["rawBytes"]), body.as_bytes(), &sigs[0].1[4..]));
    let witness_pem = std::fs::read_to_string(stack.path("rekor2_witness_pub.pem")).unwrap();
    let witness_spki =
        STANDARD.decode(witness_pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>()).unwrap();
    let (witness, cosig) = (&sigs[1].0, &sigs[1].1);
    assert_eq!(cosig[..4], sha256(&[witness.as_bytes(), b"\n", &[4], &witness_spki[12..]])[..4], "cosignature key ID");
    let time = u64::from_be_bytes(cosig[4..12].try_into().unwrap());
    let cosigned = format!("cosignature/v1\ntime {time}\n{body}");
    assert!(ed25519_verifies(dir.path(), &witness_spki, cosigned.as_bytes(), &cosig[12..]), "the witness cosignature");

    // Level 0: full tiles of 256 leaf hashes, then the partial tile of the checkpoint's size.
    let path = |n: usize| {
        let text = format!("{n}");
        let padded = format!("{}{text}", "0".repeat((3 - text.len() % 3) % 3));
        let groups: Vec<&str> = padded.as_bytes().chunks(3).map(|c| std::str::from_utf8(c).unwrap()).collect();
        let last = groups.len() - 1;
        groups
            .iter()
            .enumerate()
            .map(|(i, g)| if i < last { format!("x{g}") } else { (*g).to_string() })
            .collect::<Vec<_>>()
            .join("/")
    };
    assert_eq!(path(1_234_067), "x001/x234/067");
    let tiles = |prefix: &str, count: usize| -> Vec<u8> {
        let mut out = Vec::new();
        for n in 0..count / 256 {
            out.extend(get_ok(&format!("{base}/tile/{prefix}{}", path(n))));
        }
        if count % 256 != 0 {
            out.extend(get_ok(&format!("{base}/tile/{prefix}{}.p/{}", path(count / 256), count % 256)));
        }
        out
    };
    let level0 = tiles("0/", size);
    assert_eq!(level0.len(), size * 32);
    let leaves: Vec<[u8; 32]> = level0.chunks(32).map(|c| c.try_into().unwrap()).collect();
    assert_eq!(mth(&leaves).to_vec(), root, "the tiles' tree is not the checkpoint's");

    // Entry bundles: uint16-length-prefixed entries that hash to the level-0 tiles.
    let bundles = tiles("entries/", size);
    let mut entries = Vec::new();
    let mut rest = &bundles[..];
    while !rest.is_empty() {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        entries.push(rest[2..2 + len].to_vec());
        rest = &rest[2 + len..];
    }
    assert_eq!(entries.len(), size);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(sha256(&[&[0], e]), leaves[i], "entry {i} does not hash to its leaf");
    }
    assert_eq!(entries[index], b64(&created["canonicalizedBody"]), "the entry bundle holds the logged body");

    // Level 1: the hash of each full level-0 tile.
    let level1 = get_ok(&format!("{base}/tile/1/{}.p/{}", path(0), size / 256));
    assert_eq!(level1[..32], mth(&leaves[..256]), "level-1 tile");
    assert_eq!(get_ok(&format!("{base}/api/v2/tile/1/000.p/{}", size / 256)), level1, "both tile paths serve the same");
    // Nothing beyond the tree, and no tile in a non-canonical path.
    assert_eq!(get(&format!("{base}/tile/0/{}", path(size / 256 + 1))).0, 404);
    assert_eq!(get(&format!("{base}/tile/0/{}.p/{}", path(size / 256), 255)).0, 404);
    assert_eq!(get(&format!("{base}/tile/0/0")).0, 404);
    assert_eq!(get(&format!("{base}/tile/entries/x000/000")).0, 404);
}

#[test]
fn rekor_v2_validates_requests_like_rekor_tiles_and_answers_a_resubmission_with_409() {
    let stack = stack();
    let dir = tempfile::tempdir().unwrap();
    let url = entries_url(stack);
    let d = dir.path();
    let keys = [
        openssl_key(d, "p256", &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "PKIX_ECDSA_P256_SHA_256"),
        openssl_key(d, "p384", &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "PKIX_ECDSA_P384_SHA_384"),
        openssl_key(d, "p521", &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], "PKIX_ECDSA_P521_SHA_512"),
        openssl_key(
            d,
            "rsa",
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            "PKIX_RSA_PKCS1V15_2048_SHA256",
        ),
    ];
    for key in &keys {
        let data = format!("signed with {}", key.details);
        let request = key.request(d, data.as_bytes()).to_string();
        let (status, _, entry) = post(&url, &request);
        assert_eq!(status, 201, "{}: {entry:#}", key.details);
        assert_eq!(entry["kindVersion"], json!({"kind": "hashedrekord", "version": "0.0.2"}));
        assert_eq!(entry["integratedTime"], "0", "the gateway writes unpopulated fields");
        assert!(entry.get("inclusionPromise").is_some_and(Value::is_null), "{entry:#}");
        let spec = &body_of(&entry)["spec"]["hashedRekordV002"];
        let algorithm = match key.details {
            "PKIX_ECDSA_P384_SHA_384" => "SHA2_384",
            "PKIX_ECDSA_P521_SHA_512" => "SHA2_512",
            _ => "SHA2_256",
        };
        assert_eq!(spec["data"]["algorithm"], algorithm, "{}", key.details);
        assert_eq!(spec["signature"]["verifier"]["publicKey"]["rawBytes"], STANDARD.encode(&key.spki));

        // The same request again: the index it was logged at, as rekor-tiles answers.
        let (status, headers, dup) = post(&url, &request);
        assert_eq!(status, 409, "{dup:#}");
        assert_eq!(dup["code"], 6, "gRPC ALREADY_EXISTS: {dup:#}");
        let index = entry["logIndex"].as_str().unwrap();
        assert!(dup["message"].as_str().unwrap().ends_with(&format!("with index {index}")), "{dup:#}");
        assert!(headers.to_lowercase().contains(&format!("x-log-index: {index}\r\n")), "{headers}");

        // The signature over other data, and a signature changed by one byte.
        let mut other = key.request(d, b"other data");
        other["hashedRekordRequestV002"]["digest"] = json!(STANDARD.encode((key.digest)(b"data never signed")));
        let mut flipped = key.request(d, data.as_bytes());
        let mut sig = b64(&flipped["hashedRekordRequestV002"]["signature"]["content"]);
        let last = sig.len() - 1;
        sig[last] ^= 0x01;
        flipped["hashedRekordRequestV002"]["signature"]["content"] = json!(STANDARD.encode(sig));
        for (what, bad) in [("another digest", other), ("a changed signature", flipped)] {
            let (status, _, reply) = post(&url, &bad.to_string());
            assert_eq!(
                (status, &reply["message"]),
                (400, &json!("invalid hashedrekord request")),
                "{}: {what}",
                key.details
            );
        }
    }

    // The request forms: snake_case field names (protojson reads both spellings), and what
    // rekor-tiles refuses.
    let p256 = &keys[0];
    let sig = p256.sign(d, b"snake case");
    let snake = json!({"hashed_rekord_request_v002": {
        "digest": STANDARD.encode(Sha256::digest(b"snake case")),
        "signature": {"content": STANDARD.encode(&sig),
            "verifier": {"key_details": "PKIX_ECDSA_P256_SHA_256", "public_key": {"raw_bytes": STANDARD.encode(&p256.spki)}}},
    }});
    let (status, _, reply) = post(&url, &snake.to_string());
    assert_eq!(status, 201, "{reply:#}");

    let mut wrong_details = keys[1].request(d, b"P-384 key, P-256 details");
    wrong_details["hashedRekordRequestV002"]["signature"]["verifier"]["keyDetails"] = json!("PKIX_ECDSA_P256_SHA_256");
    wrong_details["hashedRekordRequestV002"]["digest"] =
        json!(STANDARD.encode(Sha256::digest(b"P-384 key, P-256 details")));
    let mut not_a_certificate = p256.request(d, b"certificate");
    not_a_certificate["hashedRekordRequestV002"]["signature"]["verifier"] = json!({"x509Certificate": {"rawBytes": STANDARD.encode(b"not a certificate")}, "keyDetails": "PKIX_ECDSA_P256_SHA_256"});
    let mut no_details = p256.request(d, b"details");
    no_details["hashedRekordRequestV002"]["signature"]["verifier"].as_object_mut().unwrap().remove("keyDetails");
    let mut short_digest = p256.request(d, b"short");
    short_digest["hashedRekordRequestV002"]["digest"] = json!(STANDARD.encode([7u8; 20]));
    let mut unknown_field = p256.request(d, b"unknown");
    unknown_field["hashedRekordRequestV002"]["comment"] = json!("not in the message");
    let mut both = p256.request(d, b"both");
    both["dsseRequestV002"] = json!({"verifiers": []});
    for (what, bad, message) in [
        ("a key whose curve is not the details'", wrong_details.to_string(), Some("invalid hashedrekord request")),
        ("a certificate that is not DER X.509", not_a_certificate.to_string(), Some("invalid hashedrekord request")),
        ("no key details", no_details.to_string(), Some("invalid hashedrekord request")),
        ("a digest of the wrong size", short_digest.to_string(), Some("invalid hashedrekord request")),
        ("an unknown field", unknown_field.to_string(), None),
        ("two members of the oneof", both.to_string(), None),
        ("no entry", "{}".to_string(), Some("invalid type, must be either hashedrekord or dsse")),
        ("not JSON", "hashedrekord please".to_string(), None),
    ] {
        let (status, _, reply) = post(&url, &bad);
        assert_eq!(status, 400, "{what}: {reply:#}");
        assert_eq!(reply["code"], 3, "gRPC INVALID_ARGUMENT for {what}: {reply:#}");
        if let Some(message) = message {
            assert_eq!(reply["message"], message, "{what}");
        }
    }
    let (status, _) = get(&url);
    assert_eq!(status, 405, "entries are created with POST only");
}

#[test]
fn a_log_that_takes_hashedrekord_only_refuses_sigstore_js_dsse_and_takes_sigstore_python_attest() {
    // rekor-tiles from v2.3 takes hashedrekord alone: DSSE envelopes are logged by their PAE.
    let stack = Stack::start_with(&["--rekor2-hashedrekord-only"]);
    let dir = tempfile::tempdir().unwrap();
    let file = artifact(dir.path());
    let statement = statement_about(dir.path(), &file);
    let out = js_sign(&stack, dir.path(), &statement, &dir.path().join("js.intoto.sigstore.json"), true);
    assert_eq!(out.status.code(), Some(1), "sigstore-js logged a dsse entry: {}", text(&out));
    let log = std::fs::read_to_string(stack.path("sigstore.log")).unwrap();
    assert!(
        log.contains(
            r#"POST /rekor2/api/v2/log/entries -> 400 {"code":3,"message":"invalid type, must be hashedrekord""#
        ),
        "{log}"
    );

    let bundle = python_sign(&stack, dir.path(), &file, true);
    v2_entry(&stack, &bundle, "hashedrekord");
    let out = python_verify(&stack, &bundle, &file);
    assert!(out.status.success(), "sigstore-python refused its attestation: {}", text(&out));
}
