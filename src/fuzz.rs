//! Fuzz targets: one function per parser of untrusted input, each feeding arbitrary bytes to the
//! real parser and checking, where it is cheap, an invariant the parser promises (a round trip,
//! a reassembly, a second parse giving the same result).
//!
//! A target never panics on any input unless an invariant is violated: such a panic is the
//! finding. The same functions run under `cargo test` on the stable toolchain (the committed
//! corpus plus a bounded, seeded mutation run, `tests/integration/fuzz_corpus.rs`) and under libFuzzer on
//! nightly (the `fuzz/` crate, `scripts/fuzz.sh`); docs/fuzzing.md says how to run both.

use crate::cms::{self, armor};
use crate::git::object::{self, Format, Kind};
use crate::release::{cosign, keypair};
use crate::sigstore;
use crate::verify::{policy, Claims, Policy, Signer};

/// A fuzz target: its name and the function that takes the input.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by the name its corpus directory and libFuzzer binary carry.
pub const TARGETS: [Target; 7] = [
    ("signature", signature),
    ("timestamp", timestamp),
    ("git_object", git_object),
    ("bundle", bundle),
    ("cosign_files", cosign_files),
    ("trust_json", trust_json),
    ("policy", policy),
];

/// Password the key-file seeds are sealed with, so the fuzzer can reach the decryption path.
pub const KEY_PASSWORD: &[u8] = b"fuzz";

/// scrypt work (N·r·p) above which a key file is only parsed and checked, not opened: the
/// bounds the reader enforces allow seconds of work per file, too slow for a fuzzing loop.
const MAX_FUZZ_SCRYPT_WORK: u64 = 1 << 10;

/// Git's x509 signature armor and the CMS `SignedData` inside it.
///
/// The input is tried both as armor (what git hands over) and as DER. Invariants: armor that
/// decodes re-encodes to exactly the input (one spelling per signature); any bytes armored by
/// [`armor::encode`] decode back; a parsed signature's signer certificate is one of its
/// certificates and its message digest is a sha256.
pub fn signature(data: &[u8]) {
    if let Ok(der) = armor::decode(data) {
        assert_eq!(armor::encode(&der).as_bytes(), data, "armor decoded from a spelling it does not write");
        check_cms(&der);
    }
    let armored = armor::encode(data);
    assert_eq!(armor::decode(armored.as_bytes()).ok().as_deref(), Some(data), "armor round trip");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::pem::decode("SIGNED MESSAGE", text);
    }
    check_cms(data);
}

fn check_cms(der: &[u8]) {
    let Ok(parsed) = cms::parse(der) else { return };
    assert!(parsed.certificates.contains(&parsed.signer_certificate), "signer certificate not in the bag");
    assert_eq!(parsed.message_digest.len(), 32, "message digest is not a sha256");
    assert_eq!(parsed.signed_attrs_der.first(), Some(&0x31), "signed attributes are not a DER SET");
    let _ = cms::digest_matches(&parsed, der);
    let _ = parsed.signed_attrs_sha256();
    let _ = sigstore::certificate_facts(&parsed.signer_certificate);
    let _ = Claims::from_certificate(&parsed.signer_certificate);
}

/// RFC 3161 timestamp replies and tokens (bundles' `signedTimestamp`, git signatures'
/// id-aa-timeStampToken, a TSA's answer), decoded by sigseal with fractional genTime.
///
/// Invariants: a decoded reply's token decodes again to the same genTime and accuracy; a token
/// whose accuracy is read is well-formed; the checks against an empty set of authorities refuse
/// it (no authority, no trust).
pub fn timestamp(data: &[u8]) {
    use crate::sigstore::timestamp::{Authorities, Token};
    let Ok(token) = Token::decode(data) else { return };
    let accuracy = token.accuracy();
    let _ = token.stamps(b"fuzz");
    let _ = token.echoes(1);
    if let Ok(der) = Token::token_der(data) {
        let again = Token::decode(&der);
        assert!(
            matches!(&again, Ok(t) if t.time() == token.time() && t.accuracy() == accuracy),
            "the token of a reply reads differently"
        );
    }
    if let Ok(root) = sigstore::parse_trusted_root(crate::fuzz::EMPTY_ROOT, "fuzz") {
        assert!(Authorities::of(&root).verify_decoded(&token).is_err(), "a token verified with no authority");
    }
}

/// A trusted root with no authority at all.
const EMPTY_ROOT: &str = r#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[],"certificateAuthorities":[],"ctlogs":[],"timestampAuthorities":[]}"#;

/// Signed-payload extraction of git commits and tags. The first byte picks the kind and object
/// format (commit SHA-1, commit SHA-256, tag), the rest is the raw object.
///
/// Invariants: a tag's payload followed by its signature is the object; a commit's signature,
/// written back as its header (`gpgsig SIG` with continuation spaces), occurs in the object as
/// it was; the payload holds no signature header, so splitting it again finds it unsigned and
/// unchanged; nothing is invented (payload and signature together are no longer than the object).
pub fn git_object(data: &[u8]) {
    let Some((&selector, raw)) = data.split_first() else { return };
    let (kind, format) = match selector % 3 {
        0 => (Kind::Commit, Format::Sha1),
        1 => (Kind::Commit, Format::Sha256),
        _ => (Kind::Tag, Format::Sha1),
    };
    let Ok(split) = object::split(kind, raw, format) else { return };
    let sig_len = split.signature.as_ref().map_or(0, |(_, s)| s.len());
    assert!(split.payload.len() + sig_len <= raw.len(), "split invents bytes");
    match (kind, &split.signature) {
        (Kind::Tag, Some((_, sig))) => {
            assert_eq!([split.payload.as_slice(), sig.as_slice()].concat(), raw, "tag payload + signature != object");
        }
        (Kind::Tag, None) => assert_eq!(split.payload, raw, "unsigned tag payload != object"),
        (Kind::Commit, Some((_, sig))) => {
            let header = match format {
                Format::Sha1 => &b"gpgsig"[..],
                Format::Sha256 => &b"gpgsig-sha256"[..],
            };
            let mut stored = header.to_vec();
            stored.push(b' ');
            for (i, b) in sig.iter().enumerate() {
                stored.push(*b);
                if *b == b'\n' && i + 1 < sig.len() {
                    stored.push(b' ');
                }
            }
            assert!(
                raw.windows(stored.len()).any(|w| w == stored.as_slice()),
                "the commit's signature is not stored in it as a `{}` header",
                String::from_utf8_lossy(header)
            );
        }
        (Kind::Commit, None) => {}
    }
    if kind == Kind::Commit {
        let again = object::split(kind, &split.payload, format);
        assert!(
            matches!(&again, Ok(s) if s.signature.is_none() && s.payload == split.payload),
            "the payload of a commit does not split to itself: {again:?}"
        );
    }
}

/// Sigstore bundle JSON, every version (`verify-blob`, `verify-bundle`, `verify-release`).
///
/// Invariant: a bundle that parses is written back as JSON that parses again to the same facts
/// (certificate, key hint, signature, DSSE payload, log index, timestamps).
#[allow(
    clippy::panic,
    reason = "a broken invariant must crash the fuzz target: that is how libFuzzer and the corpus test report it"
)]
pub fn bundle(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(bundle) = sigstore::bundle_from_json(text, "fuzz") else { return };
    let facts = sigstore::bundle_facts(&bundle);
    if let Some(cert) = &facts.certificate {
        let _ = sigstore::certificate_facts(cert);
        let _ = Claims::from_certificate(cert);
    }
    for entry in &bundle.verification_material.tlog_entries {
        let _ = sigstore::hashedrekord_signature(entry);
    }
    if let Ok(json) = sigstore::bundle_to_json(&bundle) {
        let back = sigstore::bundle_from_json(&json, "fuzz");
        let back = match back {
            Ok(b) => b,
            Err(e) => panic!("a bundle sigseal wrote does not parse back: {e}\n{json}"),
        };
        assert_eq!(
            format!("{:?}", sigstore::bundle_facts(&back)),
            format!("{facts:?}"),
            "a bundle written back reads differently"
        );
    }
}

/// cosign's detached files: `.sig` (base64 or DER signature), `.pem` (PEM certificate or its
/// base64), `.pub` (PEM public key) and `.key` (password-protected private key).
///
/// Invariants: what the readers return is written by the writers in a form they read back to
/// the same bytes. A private key file is opened only when its scrypt cost is small (the seeds
/// are sealed with [`KEY_PASSWORD`] at such a cost); otherwise only its checks run.
pub fn cosign_files(data: &[u8]) {
    if let Ok(der) = cosign::read_signature(data, "fuzz.sig") {
        let file = cosign::signature_file(&der, true);
        assert_eq!(cosign::read_signature(&file, "fuzz.sig").ok(), Some(der), "signature file round trip");
    }
    if let Ok(der) = cosign::read_certificate(data, "fuzz.pem") {
        let _ = sigstore::certificate_facts(&der);
        let _ = Claims::from_certificate(&der);
        for b64 in [false, true] {
            let file = cosign::certificate_file(&der, b64);
            assert_eq!(
                cosign::read_certificate(&file, "fuzz.pem").ok().as_ref(),
                Some(&der),
                "certificate file round trip (b64={b64})"
            );
        }
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = keypair::public_key_der(text, "fuzz.pub");
    if let Ok(work) = keypair::scrypt_work(text, "fuzz.key") {
        if work <= MAX_FUZZ_SCRYPT_WORK {
            if let Ok(pkcs8) = keypair::decrypt(text, KEY_PASSWORD, "fuzz.key") {
                let _ = crate::keyless::public_key_of(&pkcs8);
            }
        }
    }
}

/// `trusted_root.json` and `signing_config.json` (protobuf-specs JSON). Both parsers see every
/// input; a root that parses is read for its validity windows and prepared for verification,
/// a signing config for its service URLs.
pub fn trust_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(root) = sigstore::parse_trusted_root(text, "fuzz") {
        let _ = sigstore::root_windows(&root);
        let _ = sigstore::BundleVerifier::new(&root);
    }
    if let Ok(sc) = sigstore::parse_signing_config(text, "fuzz") {
        let _ = sc.fulcio_url();
        let _ = sc.rekor_url(Some(1));
        let _ = sc.oidc_url();
        let _ = sc.tsa_url();
    }
}

/// Policy files (`sigseal.verify.policyFile`, `--policy-file`).
///
/// Invariants: parsing is deterministic (the same text gives the same rules); no rule is made
/// from nothing (at most one rule per line). A parsed policy judges a sample signer without
/// panicking, which runs every matcher the file compiled.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(rules) = policy::parse_file(text, "fuzz") else { return };
    let again = policy::parse_file(text, "fuzz");
    assert_eq!(format!("{again:?}"), format!("{:?}", Ok::<_, ()>(&rules)), "the same policy text parsed differently");
    assert!(rules.len() <= text.lines().count(), "more rules than lines");
    let claims = Claims::default();
    let policy = Policy::from_rules(rules);
    for (identity, issuer) in [(Some("dev@example.com"), Some("https://accounts.example.com")), (None, None)] {
        let _ = policy.judge(&Signer { identity, issuer, claims: &claims, time: Some(1_700_000_000) });
    }
}
