//! The one door to the sigstore-rust crates (`sigstore-sign` / `sigstore-verify` 0.15.x and
//! `sigstore_protobuf_specs`): every other module talks to Fulcio, Rekor, trusted roots and the
//! bundle verifier through the functions and re-exports here, so a version bump touches one file.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use prost::Message;

use crate::error::{Error, Result};

pub use sigstore_sign::crypto::{KeyPair, SubjectAltName};
pub use sigstore_verify::trust_root::SigningConfig;
pub use sigstore_verify::trust_root::TrustedRoot;
pub use sigstore_verify::types::{Bundle, DerCertificate, TransparencyLogEntry};

use sigstore_sign::oidc::IdentityToken;
use sigstore_verify::types::bundle::{
    CertificateContent, MessageDigest, MessageSignature, Rfc3161Timestamp, SignatureContent, TimestampVerificationData,
    VerificationMaterial, VerificationMaterialContent,
};
use sigstore_verify::types::{HashAlgorithm, MediaType};

type PbEntry = sigstore_protobuf_specs::dev::sigstore::rekor::v1::TransparencyLogEntry;

/// The embedded Sigstore public-good production trusted root.
pub fn embedded_production_root() -> Result<TrustedRoot> {
    TrustedRoot::from_json(sigstore_verify::trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT)
        .map_err(|e| Error::TrustRoot(format!("embedded production root: {e}")))
}

/// The embedded Sigstore public-good staging trusted root.
pub fn embedded_staging_root() -> Result<TrustedRoot> {
    TrustedRoot::from_json(sigstore_verify::trust_root::SIGSTORE_STAGING_TRUSTED_ROOT)
        .map_err(|e| Error::TrustRoot(format!("embedded staging root: {e}")))
}

/// Parse a trusted root (protobuf-specs JSON).
pub fn parse_trusted_root(json: &str, origin: &str) -> Result<TrustedRoot> {
    TrustedRoot::from_json(json).map_err(|e| Error::TrustRoot(format!("{origin}: {e}")))
}

/// Parse a signing config (v0.2 JSON).
pub fn parse_signing_config(json: &str, origin: &str) -> Result<SigningConfig> {
    SigningConfig::from_json(json).map_err(|e| Error::Config(format!("signing config {origin}: {e}")))
}

/// The production signing config shipped with the crates (service URLs of the public instance).
pub fn embedded_production_signing_config() -> Result<SigningConfig> {
    parse_signing_config(sigstore_verify::trust_root::SIGSTORE_PRODUCTION_SIGNING_CONFIG, "embedded production")
}

/// An instance's trusted root through TUF with an on-disk cache: refreshed from the network
/// when `online`, else read from the cache of an earlier refresh.
pub async fn tuf_root(instance: Instance, cache_dir: std::path::PathBuf, online: bool) -> Result<TrustedRoot> {
    use sigstore_verify::trust_root::TufConfig;
    let config = match instance {
        Instance::Production => TufConfig::production(),
        Instance::Staging => TufConfig::staging(),
    };
    let mut config = config.with_cache_dir(cache_dir);
    if !online {
        config = config.offline();
    }
    TrustedRoot::from_tuf(config).await.map_err(|e| Error::TrustRoot(format!("TUF refresh: {e}")))
}

/// Load an ECDSA P-256 key pair from PKCS#8 DER. The crypto provider's copy is cleansed when
/// the key pair is dropped.
pub fn key_from_pkcs8(pkcs8: &[u8]) -> Result<KeyPair> {
    KeyPair::from_pkcs8_der(pkcs8).map_err(|e| Error::Crypto(format!("loading the signing key: {e}")))
}

/// Sign bytes (ECDSA P-256, SHA-256), DER signature.
pub fn sign(key: &KeyPair, data: &[u8]) -> Result<Vec<u8>> {
    key.sign(data).map(|s| s.as_bytes().to_vec()).map_err(|e| Error::Crypto(format!("signing: {e}")))
}

fn http_client() -> Result<sigstore_sign::reqwest::Client> {
    sigstore_sign::reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(60))
        .user_agent(concat!("sigseal/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Crypto(format!("HTTP client: {e}")))
}

/// Ask Fulcio for a signing certificate; returns the chain, leaf first (DER). The request is
/// made here (not by sigstore-fulcio's client) so that the reply is read with a cap and an error
/// reply reaches messages only through [`crate::http::sanitize`], the token redacted.
pub async fn fulcio_certificate(url: &str, token: &str, key: &KeyPair) -> Result<Vec<Vec<u8>>> {
    let fail = |reason: String| Error::Fulcio { url: url.to_string(), reason };
    let id_token = IdentityToken::from_jwt(token)
        .map_err(|e| Error::TokenRejected(crate::http::sanitize(&e.to_string(), &[token])))?;
    let public_key =
        key.public_key_der().map_err(|e| Error::Crypto(format!("exporting the public key: {e}")))?.to_pem();
    // Proof of possession: the key signs the identity the token names (email, else subject).
    let proof = sign(key, id_token.identity().as_bytes())?;
    let request = zeroize::Zeroizing::new(
        serde_json::to_vec(&serde_json::json!({
            "credentials": {"oidcIdentityToken": token},
            "publicKeyRequest": {
                "publicKey": {"algorithm": "", "content": public_key},
                "proofOfPossession": STANDARD.encode(&proof),
            },
        }))
        .map_err(|e| fail(format!("building the request: {e}")))?,
    );
    let endpoint = format!("{}/api/v2/signingCert", url.trim_end_matches('/'));
    let body = crate::http::exchange(
        http_client()?.post(&endpoint).header("Content-Type", "application/json").body(request.to_vec()),
        crate::http::JSON_LIMIT,
        &[token],
    )
    .await
    .map_err(|why| fail(format!("certificate request failed: {why}")))?;
    fulcio_chain(&body).map_err(|why| fail(format!("unusable answer: {why}")))
}

/// The certificate chain (leaf first, DER) in Fulcio's v2 `signingCert` answer.
fn fulcio_chain(body: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))?;
    let chain = ["signedCertificateEmbeddedSct", "signedCertificateDetachedSct"]
        .iter()
        .find_map(|k| json.get(*k))
        .and_then(|v| v.pointer("/chain/certificates"))
        .and_then(|v| v.as_array())
        .ok_or("no certificate chain in it")?;
    if chain.is_empty() {
        return Err("the certificate chain is empty".into());
    }
    chain
        .iter()
        .map(|pem| {
            let pem = pem.as_str().ok_or("a certificate is not a PEM string")?;
            DerCertificate::from_pem(pem)
                .map(|c| c.as_bytes().to_vec())
                .map_err(|e| format!("a certificate is not PEM: {}", crate::http::sanitize(&e.to_string(), &[])))
        })
        .collect()
}

/// Rekor's canonical hashedrekord v0.0.1 body for a CMS signature: what gitsign strips from the
/// embedded entry and a verifier rebuilds (keys sorted, no spaces, PEM re-encoded at 64 columns).
pub fn hashedrekord_body(artifact_sha256: &[u8; 32], signature: &[u8], leaf_der: &[u8]) -> Vec<u8> {
    let pem = crate::pem::encode("CERTIFICATE", leaf_der);
    format!(
        r#"{{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{{"data":{{"hash":{{"algorithm":"sha256","value":"{}"}}}},"signature":{{"content":"{}","publicKey":{{"content":"{}"}}}}}}}}"#,
        hex::encode(artifact_sha256),
        STANDARD.encode(signature),
        STANDARD.encode(pem.as_bytes()),
    )
    .into_bytes()
}

/// Serialize a log entry as the Sigstore protobuf `TransparencyLogEntry` (the CMS attribute).
pub fn entry_to_protobuf(entry: &TransparencyLogEntry) -> Result<Vec<u8>> {
    let json = serde_json::to_value(entry).map_err(|e| Error::Crypto(format!("log entry to JSON: {e}")))?;
    let pb: PbEntry = serde_json::from_value(json).map_err(|e| Error::Crypto(format!("log entry to protobuf: {e}")))?;
    Ok(pb.encode_to_vec())
}

/// Parse a protobuf `TransparencyLogEntry`. When the canonicalized body was stripped (gitsign),
/// `rebuilt_body` supplies it.
pub fn entry_from_protobuf(bytes: &[u8], rebuilt_body: &[u8]) -> Result<TransparencyLogEntry> {
    let pb = PbEntry::decode(bytes)
        .map_err(|e| Error::Malformed(format!("transparency log entry is not a Rekor TransparencyLogEntry: {e}")))?;
    // One encoding per entry (no unknown fields, no re-ordered or padded varints): the entry
    // is outside the signature, and a second spelling would make a new object id.
    if pb.encode_to_vec() != bytes {
        return Err(Error::Malformed(
            "transparency log entry is not in the canonical protobuf encoding git signers write".into(),
        ));
    }
    let mut json = serde_json::to_value(&pb).map_err(|e| Error::Malformed(format!("transparency log entry: {e}")))?;
    if let Some(obj) = json.as_object_mut() {
        let empty = obj.get("canonicalizedBody").and_then(|v| v.as_str()).is_none_or(str::is_empty);
        if empty {
            obj.insert("canonicalizedBody".into(), STANDARD.encode(rebuilt_body).into());
        }
    }
    serde_json::from_value(json).map_err(|e| Error::Malformed(format!("transparency log entry is incomplete: {e}")))
}

/// Everything the bundle verifier established about a signature.
#[derive(Clone, Debug)]
pub struct Verified {
    /// SAN identity (email or URI).
    pub identity: Option<String>,
    /// OIDC issuer from the certificate (1.3.6.1.4.1.57264.1.8, else .1.1).
    pub issuer: Option<String>,
    /// Rekor integrated time (unix seconds), when a log entry was verified.
    pub integrated_time: Option<i64>,
    /// Whether the SCT was verified.
    pub sct_verified: bool,
    /// Times proven by verified RFC 3161 timestamps (unix seconds).
    pub timestamps: Vec<i64>,
}

/// A failed verification: the check that failed (a stable name used in reports and JSON),
/// whether it makes the signature bad (BADSIG) or only unverifiable (ERRSIG), and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Stable check name, e.g. `inclusion-proof`.
    pub check: &'static str,
    /// The signature does not match (as opposed to: cannot be trusted).
    pub bad: bool,
    /// What failed, in words.
    pub why: String,
}

impl Verified {
    /// What sigstore-verify established; `sct_known_good` when this certificate's SCT was
    /// verified earlier in the run and its check was skipped.
    fn from_result(r: &sigstore_verify::VerificationResult, sct_known_good: bool) -> Self {
        Verified {
            identity: r.identity().map(|s| s.as_str().to_string()),
            issuer: r.issuer().map(str::to_string),
            integrated_time: r.integrated_time().map(|t| t.as_second()),
            sct_verified: r.sct_verified() || sct_known_good,
            timestamps: r.verified_timestamps().iter().map(|t| t.as_second()).collect(),
        }
    }
}

impl Failure {
    fn unverifiable(check: &'static str, why: impl Into<String>) -> Self {
        Self { check, bad: false, why: why.into() }
    }
}

/// Sort a sigstore-verify error into the check it belongs to.
fn failure(e: sigstore_verify::Error) -> Failure {
    use sigstore_verify::error::{CertificateError as C, TimestampError as T, TransparencyLogError as L};
    use sigstore_verify::Error as E;
    let why = e.to_string();
    let check = match &e {
        E::SignatureInvalid(_) => return Failure { check: "signature", bad: true, why },
        // The bundle's digest is built from the signature itself, so an artifact mismatch here
        // means the log entry describes something else: not a bad signature, an unusable proof.
        E::ArtifactMismatch(_) | E::TransparencyLog(L::EntryMismatch(_)) => {
            return Failure::unverifiable(
                "log-entry-match",
                format!("the transparency log entry does not match this signature: {why}"),
            )
        }
        E::Certificate(C::Expired { .. } | C::NotYetValid { .. }) => "certificate-validity",
        E::Certificate(C::Sct(_)) => "sct",
        // webpki reports a certificate outside its validity at the log's time inside a chain
        // error; it is the validity window that failed, not the chain of issuers.
        E::Certificate(C::ChainInvalid(m)) if m.contains("CertNotValidYet") || m.contains("CertExpired") => {
            "certificate-validity"
        }
        E::Certificate(_) => "certificate-chain",
        E::TransparencyLog(L::UnknownLog { .. }) => "log-key",
        E::TransparencyLog(L::InclusionProof(_)) => "inclusion-proof",
        E::TransparencyLog(L::Checkpoint(_)) => "checkpoint",
        E::TransparencyLog(L::InclusionPromise(_)) => "signed-entry-timestamp",
        E::TransparencyLog(L::IntegratedTime(_)) => "integrated-time",
        E::TransparencyLog(_) => "log-entry",
        E::Timestamp(T::NoVerifiedTimestamp(_)) => "signing-time",
        E::Timestamp(_) => "timestamp",
        E::InvalidTrustRoot(_) | E::TrustRoot(_) | E::TrustedCertificate(_) => "trusted-root",
        _ => "bundle",
    };
    Failure::unverifiable(check, why)
}

/// The Sigstore instances whose trust material is embedded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instance {
    /// The public-good production instance.
    Production,
    /// The public-good staging instance.
    Staging,
}

/// The embedded trusted root of an instance.
pub fn embedded_root(instance: Instance) -> Result<TrustedRoot> {
    match instance {
        Instance::Production => embedded_production_root(),
        Instance::Staging => embedded_staging_root(),
    }
}

/// One authority of a trusted root and when it may be used (unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// The authority's URL (CA or TSA URI, log base URL).
    pub url: String,
    /// Start of its validity; `None` when the root states no window (always valid).
    pub start: Option<i64>,
    /// End of its validity; `None` when open-ended.
    pub end: Option<i64>,
}

/// The validity windows of a trusted root's authorities, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootWindows {
    /// Fulcio certificate authorities.
    pub fulcio: Vec<Window>,
    /// Transparency log (Rekor) keys.
    pub rekor: Vec<Window>,
    /// Certificate transparency log keys.
    pub ctlogs: Vec<Window>,
    /// RFC 3161 timestamp authorities.
    pub tsa: Vec<Window>,
}

/// Read the validity windows of every authority in `root`.
pub fn root_windows(root: &TrustedRoot) -> RootWindows {
    let window = |url: &str, range: Option<&sigstore_verify::types::TimeRange>| Window {
        url: url.to_string(),
        start: range.map(|r| r.start.as_second()),
        end: range.and_then(|r| r.end.map(|e| e.as_second())),
    };
    RootWindows {
        fulcio: root.certificate_authorities.iter().map(|ca| window(&ca.uri, ca.valid_for.as_ref())).collect(),
        rekor: root.tlogs.iter().map(|t| window(&t.base_url, t.public_key.valid_for.as_ref())).collect(),
        ctlogs: root.ctlogs.iter().map(|t| window(&t.base_url, t.public_key.valid_for.as_ref())).collect(),
        tsa: root
            .timestamp_authorities
            .iter()
            .map(|t| window(t.uri.as_deref().unwrap_or(""), t.valid_for.as_ref()))
            .collect(),
    }
}

/// A verifier prepared once from a trusted root (its keys and CA anchors parsed once) and
/// shared by every signature of a run, across threads.
pub struct BundleVerifier {
    inner: sigstore_verify::Verifier,
    /// Start and end of every Fulcio CA validity window in the root (unix seconds).
    ca_boundaries: Vec<i64>,
}

impl BundleVerifier {
    /// Prepare a verifier.
    pub fn new(root: &TrustedRoot) -> Result<Self> {
        let inner = sigstore_verify::Verifier::new(root)
            .map_err(|e| Error::TrustRoot(format!("unusable trusted root: {e}")))?;
        let mut ca_boundaries = Vec::new();
        for window in root.certificate_authorities.iter().filter_map(|ca| ca.valid_for.as_ref()) {
            ca_boundaries.push(window.start.as_second());
            if let Some(end) = window.end {
                ca_boundaries.push(end.as_second());
            }
        }
        Ok(Self { inner, ca_boundaries })
    }

    /// Whether a certificate valid from `not_before` to `not_after` meets the same set of
    /// valid CAs at every instant: then a chain verified once for it holds for all its
    /// signatures, and the chain check may be reused.
    pub fn chain_result_reusable(&self, not_before: i64, not_after: i64) -> bool {
        !self.ca_boundaries.iter().any(|b| *b >= not_before && *b <= not_after)
    }

    /// Verify a bundle over `artifact`: chain at the log's time, SCT, SET, inclusion proof,
    /// checkpoint, integrated time within the certificate, signature, and entry consistency.
    /// With `chain_known_good` the certificate chain and SCT checks are skipped because this
    /// exact certificate already passed them (see [`Self::chain_result_reusable`]); every
    /// other check still runs. Identity policy is applied by the caller.
    pub fn verify(
        &self,
        artifact: &[u8],
        bundle: &Bundle,
        chain_known_good: bool,
    ) -> std::result::Result<Verified, Failure> {
        let mut policy = sigstore_verify::VerificationPolicy::any_identity();
        if chain_known_good {
            policy = policy.skip_certificate_chain().skip_sct();
        }
        match self.inner.verify(artifact, bundle, &policy) {
            Ok(r) => Ok(Verified::from_result(&r, chain_known_good)),
            Err(e) => Err(failure(e)),
        }
    }
}

/// The Sigstore bundle (v0.3) equivalent of a CMS signature: a message signature over the DER
/// signed attributes, by the leaf certificate, with the log entry and timestamps.
pub fn bundle_for(
    leaf_der: &[u8],
    signed_attrs_sha256: &[u8; 32],
    signature: &[u8],
    entry: Option<TransparencyLogEntry>,
    timestamps: &[Vec<u8>],
) -> Bundle {
    use sigstore_verify::types::{DigestBytes, SignatureBytes, TimestampToken};
    let material = VerificationMaterial::new(VerificationMaterialContent::Certificate(CertificateContent::new(
        DerCertificate::from(leaf_der.to_vec()),
    )))
    .with_tlog_entries(entry.into_iter().collect())
    .with_timestamp_verification_data(TimestampVerificationData::new(
        timestamps.iter().map(|t| Rfc3161Timestamp::new(TimestampToken::new(t.clone()))).collect(),
    ));
    let content = SignatureContent::MessageSignature(
        MessageSignature::new(SignatureBytes::new(signature.to_vec())).with_message_digest(MessageDigest::new(
            HashAlgorithm::Sha2256,
            DigestBytes::new(signed_attrs_sha256.to_vec()),
        )),
    );
    Bundle::new(MediaType::Bundle0_3, material, content)
}

/// Verify an ECDSA signature with a certificate's key (used when no log proof exists).
pub fn verify_with_certificate(leaf_der: &[u8], data: &[u8], signature: &[u8]) -> std::result::Result<(), Failure> {
    use sigstore_verify::types::SignatureBytes;
    let info = sigstore_sign::crypto::parse_certificate_info(&DerCertificate::from(leaf_der.to_vec()))
        .map_err(|e| Failure::unverifiable("certificate", format!("certificate: {e}")))?;
    sigstore_sign::crypto::verify_signature(
        &info.public_key,
        data,
        &SignatureBytes::new(signature.to_vec()),
        info.key_algorithm.default_signing_scheme(),
    )
    .map_err(|e| Failure {
        check: "signature",
        bad: true,
        why: format!("signature does not verify with the certificate's key: {e}"),
    })
}

/// Identity, issuer and validity of a certificate, without any trust decision.
#[derive(Clone, Debug)]
pub struct CertFacts {
    /// SAN identity.
    pub identity: Option<String>,
    /// OIDC issuer.
    pub issuer: Option<String>,
    /// notBefore (unix seconds).
    pub not_before: i64,
    /// notAfter (unix seconds).
    pub not_after: i64,
}

/// Read a certificate's Sigstore facts.
pub fn certificate_facts(leaf_der: &[u8]) -> Result<CertFacts> {
    let info = sigstore_sign::crypto::parse_certificate_info(&DerCertificate::from(leaf_der.to_vec()))
        .map_err(|e| Error::Malformed(format!("certificate: {e}")))?;
    Ok(CertFacts {
        identity: info.identity.map(|s| s.as_str().to_string()),
        issuer: info.issuer,
        not_before: info.not_before.as_second(),
        not_after: info.not_after.as_second(),
    })
}

/// Find the Rekor v1 entries of an artifact by its sha256 (the index search), each read back in
/// bundle form with its inclusion proof and SET. The caller verifies them.
pub async fn rekor_entries_for(url: &str, artifact_sha256: &[u8; 32]) -> Result<Vec<TransparencyLogEntry>> {
    let fail = |reason: String| Error::Rekor { url: url.to_string(), reason };
    let base = url.trim_end_matches('/');
    let client = http_client()?;
    let query = serde_json::json!({"hash": format!("sha256:{}", hex::encode(artifact_sha256))});
    let body = crate::http::exchange(
        client
            .post(format!("{base}/api/v1/index/retrieve"))
            .header("Content-Type", "application/json")
            .body(query.to_string()),
        crate::http::JSON_LIMIT,
        &[],
    )
    .await
    .map_err(|why| fail(format!("search: {why}")))?;
    let uuids: Vec<String> = serde_json::from_slice(&body)
        .map_err(|e| fail(format!("search: the answer is not a list of entry ids ({e})")))?;
    let mut out = Vec::new();
    // A search can return many entries for one hash; a legitimate object has one or two.
    for uuid in uuids.iter().take(MAX_LOOKUP_ENTRIES) {
        // An entry id is hex; anything else would be put into the request path.
        if uuid.is_empty() || uuid.len() > 128 || !uuid.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail(format!("search: {:?} is not an entry id", crate::http::sanitize(uuid, &[]))));
        }
        let body = crate::http::exchange(
            client.get(format!("{base}/api/v1/log/entries/{uuid}")),
            crate::http::JSON_LIMIT,
            &[],
        )
        .await
        .map_err(|why| fail(format!("entry {uuid}: {why}")))?;
        let entry = rekor_single_entry(&body).map_err(|why| fail(format!("entry {uuid}: {why}")))?;
        match entry.to_bundle_entry(sigstore_verify::types::KindVersion::HashedRekordV001) {
            Ok(e) => out.push(e),
            Err(_) => continue,
        }
    }
    Ok(out)
}

/// The one entry of a Rekor v1 `{uuid: entry}` answer.
fn rekor_single_entry(body: &[u8]) -> std::result::Result<sigstore_sign::rekor::LogEntry, String> {
    let entries: std::collections::HashMap<String, sigstore_sign::rekor::LogEntry> = serde_json::from_slice(body)
        .map_err(|e| format!("not a log entry ({})", crate::http::sanitize(&e.to_string(), &[])))?;
    let mut entries = entries.into_iter();
    let (Some((uuid, mut entry)), None) = (entries.next(), entries.next()) else {
        return Err("the answer holds no single log entry".into());
    };
    entry.uuid = sigstore_sign::types::EntryUuid::new(uuid);
    Ok(entry)
}

/// POST a proposed entry (Rekor v1 JSON) to the log; the logged entry, read with a cap.
async fn rekor_create(url: &str, proposed: &serde_json::Value) -> Result<sigstore_sign::rekor::LogEntry> {
    let fail = |reason: String| Error::Rekor { url: url.to_string(), reason };
    let endpoint = format!("{}/api/v1/log/entries", url.trim_end_matches('/'));
    let body = crate::http::exchange(
        http_client()?.post(endpoint).header("Content-Type", "application/json").body(proposed.to_string()),
        crate::http::JSON_LIMIT,
        &[],
    )
    .await
    .map_err(|why| fail(format!("the entry was not logged: {why}")))?;
    rekor_single_entry(&body).map_err(|why| fail(format!("unusable answer: {why}")))
}

/// How many log entries found by one search are examined.
pub const MAX_LOOKUP_ENTRIES: usize = 16;

/// A bundle as Sigstore bundle v0.3 JSON (protobuf-specs JSON form).
pub fn bundle_to_json(bundle: &Bundle) -> Result<String> {
    bundle.to_json_pretty().map_err(|e| Error::Crypto(format!("bundle to JSON: {e}")))
}

/// The signature inside a hashedrekord log entry's body (base64 `spec.signature.content`).
pub fn hashedrekord_signature(entry: &TransparencyLogEntry) -> Option<Vec<u8>> {
    let json: serde_json::Value = serde_json::from_slice(entry.canonicalized_body.as_bytes()).ok()?;
    if json.get("kind")?.as_str()? != "hashedrekord" {
        return None;
    }
    let content = json.pointer("/spec/signature/content")?.as_str()?;
    STANDARD.decode(content).ok()
}

/// Ask an RFC 3161 timestamp authority to timestamp a signature (sha256 of the signature
/// bytes, as the Sigstore client spec has it); returns the DER reply (TimeStampResp). The
/// exchange is made here so the reply is read with a cap; the reply must be granted and its
/// TSTInfo must carry the imprint and the nonce asked for.
pub async fn tsa_timestamp(url: &str, signature: &[u8]) -> Result<Vec<u8>> {
    use der::Encode;
    use sha2::{Digest, Sha256};
    let fail = |reason: String| Error::Timestamp { url: url.to_string(), reason };
    let imprint: [u8; 32] = Sha256::digest(signature).into();
    let nonce = {
        let mut n = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut n);
        u64::from_be_bytes(n) >> 1
    };
    let request = tsp::TimeStampReq {
        version: 1,
        message_imprint: tsp::MessageImprint::sha256(&imprint)
            .map_err(|e| fail(format!("building the request: {e}")))?,
        nonce: Some(nonce),
        cert_req: true,
    }
    .to_der()
    .map_err(|e| fail(format!("building the request: {e}")))?;
    let reply = crate::http::exchange(
        http_client()?.post(url).header("Content-Type", "application/timestamp-query").body(request),
        crate::http::SMALL_LIMIT,
        &[],
    )
    .await
    .map_err(|why| fail(format!("timestamp request failed: {why}")))?;
    tsp::check_reply(&reply, &imprint, nonce).map_err(|why| fail(format!("unusable answer: {why}")))?;
    Ok(reply)
}

/// The RFC 3161 structures sigseal sends and checks (the parts of them it reads).
mod tsp {
    use der::asn1::{Any, GeneralizedTime, Int, ObjectIdentifier, OctetString};
    use der::{Decode, Sequence};
    use x509_cert::spki::AlgorithmIdentifierOwned;

    const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

    #[derive(Sequence)]
    pub(super) struct MessageImprint {
        hash_algorithm: AlgorithmIdentifierOwned,
        hashed_message: OctetString,
    }

    impl MessageImprint {
        pub(super) fn sha256(digest: &[u8; 32]) -> der::Result<Self> {
            Ok(Self {
                hash_algorithm: AlgorithmIdentifierOwned { oid: SHA256, parameters: None },
                hashed_message: OctetString::new(digest.to_vec())?,
            })
        }
    }

    #[derive(Sequence)]
    pub(super) struct TimeStampReq {
        pub(super) version: u8,
        pub(super) message_imprint: MessageImprint,
        #[asn1(optional = "true")]
        pub(super) nonce: Option<u64>,
        pub(super) cert_req: bool,
    }

    #[derive(Sequence)]
    struct PkiStatusInfo {
        status: u8,
        #[asn1(optional = "true")]
        status_string: Option<Any>,
        #[asn1(optional = "true")]
        fail_info: Option<Any>,
    }

    #[derive(Sequence)]
    struct TimeStampResp {
        status: PkiStatusInfo,
        #[asn1(optional = "true")]
        time_stamp_token: Option<cms::content_info::ContentInfo>,
    }

    #[derive(Sequence)]
    struct Accuracy {
        #[asn1(optional = "true")]
        seconds: Option<Int>,
        #[asn1(context_specific = "0", optional = "true", tag_mode = "IMPLICIT")]
        millis: Option<Int>,
        #[asn1(context_specific = "1", optional = "true", tag_mode = "IMPLICIT")]
        micros: Option<Int>,
    }

    fn no() -> bool {
        false
    }

    #[derive(Sequence)]
    struct TstInfo {
        version: u8,
        policy: ObjectIdentifier,
        message_imprint: MessageImprint,
        serial_number: Int,
        gen_time: GeneralizedTime,
        #[asn1(optional = "true")]
        accuracy: Option<Accuracy>,
        #[asn1(default = "no")]
        ordering: bool,
        #[asn1(optional = "true")]
        nonce: Option<Int>,
        #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
        tsa: Option<x509_cert::ext::pkix::name::GeneralName>,
        #[asn1(context_specific = "1", optional = "true", tag_mode = "IMPLICIT")]
        extensions: Option<x509_cert::ext::Extensions>,
    }

    /// A granted reply whose token stamps `imprint` (SHA-256) and echoes `nonce`.
    pub(super) fn check_reply(reply: &[u8], imprint: &[u8; 32], nonce: u64) -> std::result::Result<(), String> {
        let resp = TimeStampResp::from_der(reply).map_err(|e| format!("not an RFC 3161 reply ({e})"))?;
        // 0 granted, 1 granted with modifications.
        if resp.status.status > 1 {
            return Err(format!("the request was not granted (status {})", resp.status.status));
        }
        let token = resp.time_stamp_token.ok_or("the reply carries no timestamp token")?;
        let signed: cms::signed_data::SignedData =
            token.content.decode_as().map_err(|e| format!("the token is not CMS SignedData ({e})"))?;
        if signed.encap_content_info.econtent_type != TST_INFO {
            return Err("the token does not carry a TSTInfo".into());
        }
        let content = signed.encap_content_info.econtent.ok_or("the token carries no TSTInfo")?;
        let info = TstInfo::from_der(content.value()).map_err(|e| format!("unreadable TSTInfo ({e})"))?;
        if info.message_imprint.hash_algorithm.oid != SHA256
            || info.message_imprint.hashed_message.as_bytes() != imprint
        {
            return Err("the token stamps something else than the signature".into());
        }
        let echoed =
            info.nonce.as_ref().map(|n| n.as_bytes().iter().skip_while(|b| **b == 0).copied().collect::<Vec<u8>>());
        let sent: Vec<u8> = nonce.to_be_bytes().iter().skip_while(|b| **b == 0).copied().collect();
        if echoed.as_deref() != Some(sent.as_slice()) {
            return Err("the token does not echo the request's nonce (a replayed timestamp?)".into());
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Release assets: blobs, DSSE attestations, key-signed bundles.

/// What vouches for a signing key, in a bundle and in its Rekor entry.
#[derive(Clone, Copy, Debug)]
pub enum Material<'a> {
    /// A Fulcio leaf certificate (DER).
    Certificate(&'a [u8]),
    /// A long-lived public key (SPKI DER), for the key-based fallback.
    PublicKey(&'a [u8]),
}

impl Material<'_> {
    /// The PEM form Rekor v1 takes as an entry's verifier.
    pub fn pem(&self) -> String {
        match self {
            Material::Certificate(der) => crate::pem::encode("CERTIFICATE", der),
            Material::PublicKey(der) => crate::pem::encode("PUBLIC KEY", der),
        }
    }
}

/// ECDSA P-256 signature over an already computed SHA-256 digest (DER).
pub fn sign_digest(key: &KeyPair, digest: &[u8; 32]) -> Result<Vec<u8>> {
    key.sign_digest(&sigstore_sign::types::Sha256Hash::from(*digest))
        .map(|s| s.as_bytes().to_vec())
        .map_err(|e| Error::Crypto(format!("signing: {e}")))
}

/// Verify an ECDSA P-256 signature over a SHA-256 digest with a public key (SPKI DER).
pub fn verify_digest(spki_der: &[u8], digest: &[u8; 32], signature: &[u8]) -> Result<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::pkcs8::DecodePublicKey;
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der)
        .map_err(|e| Error::Crypto(format!("public key is not ECDSA P-256: {e}")))?;
    let sig = p256::ecdsa::Signature::from_der(signature)
        .map_err(|e| Error::BadSignature(format!("signature is not DER ECDSA: {e}")))?;
    key.verify_prehash(digest, &sig)
        .map_err(|_| Error::BadSignature("signature does not verify with the public key".into()))
}

/// The public-key hint written into key-signed bundles: base64 of sha256 over the SPKI DER
/// (what cosign writes).
pub fn public_key_hint(spki_der: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    STANDARD.encode(Sha256::digest(spki_der))
}

/// Log a hashedrekord v0.0.1 entry for a signature over `artifact_sha256` made by a
/// certificate's or a public key's key, in Rekor v1; returns the bundle-form log entry.
pub async fn rekor_log_digest(
    url: &str,
    artifact_sha256: &[u8; 32],
    signature: &[u8],
    material: Material<'_>,
) -> Result<TransparencyLogEntry> {
    let fail = |reason: String| Error::Rekor { url: url.to_string(), reason };
    let pem = material.pem();
    // The request type's fields are private; its serde form is the Rekor API's JSON.
    let request = serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex::encode(artifact_sha256)}},
            "signature": {"content": STANDARD.encode(signature), "publicKey": {"content": STANDARD.encode(pem.as_bytes())}},
        },
    });
    let logged = rekor_create(url, &request).await?;
    logged
        .to_bundle_entry(sigstore_verify::types::KindVersion::HashedRekordV001)
        .map_err(|e| fail(format!("unusable log entry: {}", crate::http::sanitize(&e.to_string(), &[]))))
}

/// The DSSE payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// DSSE pre-authentication encoding of an in-toto payload (what is signed).
pub fn dsse_pae(payload: &[u8]) -> Vec<u8> {
    sigstore_verify::types::dsse::pae(IN_TOTO_PAYLOAD_TYPE, payload)
}

/// A signed DSSE envelope over an in-toto statement.
pub fn dsse_envelope(payload: &[u8], signature: &[u8]) -> sigstore_verify::types::DsseEnvelope {
    use sigstore_verify::types::{DsseEnvelope, DsseSignature, KeyId, PayloadBytes, SignatureBytes};
    DsseEnvelope::new(
        IN_TOTO_PAYLOAD_TYPE,
        PayloadBytes::new(payload.to_vec()),
        DsseSignature::new(SignatureBytes::new(signature.to_vec()), KeyId::default()),
    )
}

/// Log a dsse v0.0.1 entry (Rekor v1) for an envelope signed by a certificate's or a public
/// key's key.
pub async fn rekor_log_dsse(
    url: &str,
    envelope: &sigstore_verify::types::DsseEnvelope,
    material: Material<'_>,
) -> Result<TransparencyLogEntry> {
    let fail = |reason: String| Error::Rekor { url: url.to_string(), reason };
    let pem = material.pem();
    let envelope_json = serde_json::to_string(envelope).map_err(|e| fail(format!("envelope to JSON: {e}")))?;
    // proposedContent: Rekor reads the signatures from the envelope and checks them with the
    // verifier; the request type's fields are private, its serde form is the API's JSON.
    let request = serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {"proposedContent": {"envelope": envelope_json, "verifiers": [STANDARD.encode(pem.as_bytes())]}},
    });
    let logged = rekor_create(url, &request).await?;
    logged
        .to_bundle_entry(sigstore_verify::types::KindVersion::DsseV001)
        .map_err(|e| fail(format!("unusable log entry: {}", crate::http::sanitize(&e.to_string(), &[]))))
}

fn material_of(material: Material<'_>) -> VerificationMaterialContent {
    use sigstore_verify::types::bundle::PublicKeyIdentifier;
    match material {
        Material::Certificate(der) => {
            VerificationMaterialContent::Certificate(CertificateContent::new(DerCertificate::from(der.to_vec())))
        }
        Material::PublicKey(der) => {
            VerificationMaterialContent::PublicKey(PublicKeyIdentifier::new(public_key_hint(der)))
        }
    }
}

fn assemble(
    material: Material<'_>,
    entry: Option<TransparencyLogEntry>,
    timestamps: &[Vec<u8>],
    content: SignatureContent,
) -> Bundle {
    use sigstore_verify::types::TimestampToken;
    let material = VerificationMaterial::new(material_of(material))
        .with_tlog_entries(entry.into_iter().collect())
        .with_timestamp_verification_data(TimestampVerificationData::new(
            timestamps.iter().map(|t| Rfc3161Timestamp::new(TimestampToken::new(t.clone()))).collect(),
        ));
    Bundle::new(MediaType::Bundle0_3, material, content)
}

/// A bundle v0.3 with a message signature over an artifact's SHA-256.
pub fn message_bundle(
    material: Material<'_>,
    artifact_sha256: &[u8; 32],
    signature: &[u8],
    entry: Option<TransparencyLogEntry>,
    timestamps: &[Vec<u8>],
) -> Bundle {
    use sigstore_verify::types::{DigestBytes, SignatureBytes};
    let content = SignatureContent::MessageSignature(
        MessageSignature::new(SignatureBytes::new(signature.to_vec())).with_message_digest(MessageDigest::new(
            HashAlgorithm::Sha2256,
            DigestBytes::new(artifact_sha256.to_vec()),
        )),
    );
    assemble(material, entry, timestamps, content)
}

/// A bundle v0.3 carrying a DSSE envelope.
pub fn dsse_bundle(
    material: Material<'_>,
    envelope: sigstore_verify::types::DsseEnvelope,
    entry: Option<TransparencyLogEntry>,
    timestamps: &[Vec<u8>],
) -> Bundle {
    assemble(material, entry, timestamps, SignatureContent::DsseEnvelope(envelope))
}

/// Parse a Sigstore bundle (v0.1 to v0.3 JSON).
pub fn bundle_from_json(json: &str, origin: &str) -> Result<Bundle> {
    Bundle::from_json(json).map_err(|e| Error::Malformed(format!("{origin} is not a Sigstore bundle: {e}")))
}

/// The media types of the Sigstore bundle versions sigseal reads (v0.3 has two spellings).
pub const BUNDLE_MEDIA_TYPES: [&str; 4] = [
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
];

/// Parse a Sigstore bundle given to be verified. Its `mediaType` must be present and name a
/// known version (sigstore-rust alone would read a bundle without one as v0.1): otherwise the
/// `bundle-version` check fails; anything else unreadable fails the `bundle` check.
pub fn parse_bundle(json: &str, origin: &str) -> std::result::Result<Bundle, Failure> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "mediaType")]
        media_type: Option<serde_json::Value>,
    }
    let head: Head = serde_json::from_str(json)
        .map_err(|e| Failure::unverifiable("bundle", format!("{origin} is not a Sigstore bundle: {e}")))?;
    let known = BUNDLE_MEDIA_TYPES.join(", ");
    match head.media_type {
        Some(serde_json::Value::String(t)) if BUNDLE_MEDIA_TYPES.contains(&t.as_str()) => {}
        None => {
            return Err(Failure::unverifiable(
                "bundle-version",
                format!("{origin} has no mediaType: a Sigstore bundle names its version, one of {known}"),
            ))
        }
        Some(other) => {
            let shown: String = other.to_string().chars().take(100).collect();
            return Err(Failure::unverifiable(
                "bundle-version",
                format!("{origin} has the unknown mediaType {shown:?}; sigseal reads {known}"),
            ));
        }
    }
    bundle_from_json(json, origin).map_err(|e| Failure::unverifiable("bundle", e.to_string()))
}

/// Check that a bundle has the shape its version prescribes (protobuf-specs' bundle comments,
/// as sigstore-python enforces them): v0.1 and v0.2 carry their certificate in
/// `x509CertificateChain` (or a public key), v0.3 in `certificate` (or a public key); at most
/// one log entry; v0.1 requires its inclusion promise (SET); v0.2 and v0.3 require an inclusion
/// proof with a checkpoint, and a SET or an RFC 3161 timestamp to prove the signing time.
pub fn check_bundle_version(bundle: &Bundle) -> std::result::Result<(), Failure> {
    let fail = |why: String| Err(Failure::unverifiable("bundle-version", why));
    let version = bundle.media_type;
    let v = version.as_str();
    let legacy = matches!(version, MediaType::Bundle0_1 | MediaType::Bundle0_2);
    let material = &bundle.verification_material;
    match &material.content {
        VerificationMaterialContent::Certificate(_) if legacy => {
            return fail(format!(
                "a {v} bundle carries its certificate in x509CertificateChain; the single `certificate` field exists only from v0.3 on (a newer bundle relabelled?)"
            ))
        }
        VerificationMaterialContent::X509CertificateChain { .. } if !legacy => {
            return fail(format!("a {v} bundle carries a single `certificate`; x509CertificateChain belongs to v0.1 and v0.2 bundles"))
        }
        VerificationMaterialContent::X509CertificateChain { certificates } if certificates.is_empty() => {
            return fail(format!("the {v} bundle's x509CertificateChain is empty"))
        }
        _ => {}
    }
    let entries = &material.tlog_entries;
    if entries.len() > 1 {
        return fail(format!(
            "the bundle carries {} transparency log entries; a bundle has exactly one",
            entries.len()
        ));
    }
    let timestamped = !material.timestamp_verification_data.rfc3161_timestamps.is_empty();
    for entry in entries {
        if version == MediaType::Bundle0_1 {
            if entry.inclusion_promise.is_none() {
                return fail(format!(
                    "a {v} bundle must carry its log entry's inclusion promise (signed entry timestamp)"
                ));
            }
            continue;
        }
        match &entry.inclusion_proof {
            None => return fail(format!("a {v} bundle must carry an inclusion proof of its log entry")),
            Some(proof) if proof.checkpoint.is_empty() => {
                return fail(format!("a {v} bundle's inclusion proof must carry a checkpoint"))
            }
            Some(_) => {}
        }
        if entry.inclusion_promise.is_none() && !timestamped {
            return fail(format!(
                "a {v} bundle must carry an inclusion promise (signed entry timestamp) or an RFC 3161 timestamp: nothing else proves when it was signed"
            ));
        }
    }
    Ok(())
}

/// Whether a bundle's own statement about its artifact (the message signature's SHA-256
/// digest, or a DSSE statement's subjects) names `sha256`; `None` when it states none.
fn bundle_names_artifact(bundle: &Bundle, sha256: &[u8; 32]) -> Option<bool> {
    match &bundle.content {
        SignatureContent::MessageSignature(m) => m
            .message_digest
            .as_ref()
            .filter(|d| d.algorithm == HashAlgorithm::Sha2256)
            .map(|d| d.digest.as_bytes() == sha256.as_slice()),
        SignatureContent::DsseEnvelope(e) => {
            let statement: serde_json::Value = serde_json::from_slice(e.payload.as_bytes()).ok()?;
            let want = hex::encode(sha256);
            let subjects = statement.get("subject")?.as_array()?;
            Some(subjects.iter().any(|s| {
                s.pointer("/digest/sha256").and_then(|d| d.as_str()).is_some_and(|d| d.eq_ignore_ascii_case(&want))
            }))
        }
        _ => None,
    }
}

/// A reader that hashes (SHA-256) what passes through it.
struct Sha256Tee<'a> {
    inner: &'a mut dyn std::io::Read,
    hasher: sha2::Sha256,
}

impl std::io::Read for Sha256Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

/// What a bundle carries, read without verifying anything.
#[derive(Clone, Debug, Default)]
pub struct BundleFacts {
    /// The leaf certificate (DER), for certificate bundles.
    pub certificate: Option<Vec<u8>>,
    /// The public-key hint, for key bundles.
    pub key_hint: Option<String>,
    /// The raw signature (message signature or the DSSE envelope's).
    pub signature: Vec<u8>,
    /// The DSSE envelope's payload type and payload, for attestations.
    pub dsse: Option<(String, Vec<u8>)>,
    /// The first log entry's index.
    pub log_index: Option<i64>,
    /// How many RFC 3161 timestamps it carries.
    pub timestamps: usize,
}

/// Read a bundle's parts.
pub fn bundle_facts(bundle: &Bundle) -> BundleFacts {
    let mut f = BundleFacts::default();
    match &bundle.verification_material.content {
        VerificationMaterialContent::Certificate(c) => f.certificate = Some(c.raw_bytes.as_bytes().to_vec()),
        VerificationMaterialContent::X509CertificateChain { certificates } => {
            f.certificate = certificates.first().map(|c| c.raw_bytes.as_bytes().to_vec())
        }
        VerificationMaterialContent::PublicKey(k) => f.key_hint = Some(k.hint.clone()),
        _ => {}
    }
    match &bundle.content {
        SignatureContent::MessageSignature(m) => f.signature = m.signature.as_bytes().to_vec(),
        SignatureContent::DsseEnvelope(e) => {
            f.signature = e.signature.sig.as_bytes().to_vec();
            f.dsse = Some((e.payload_type.clone(), e.payload.as_bytes().to_vec()));
        }
        _ => {}
    }
    f.log_index = bundle.verification_material.tlog_entries.first().map(crate::transparency::log_index);
    f.timestamps = bundle.verification_material.timestamp_verification_data.rfc3161_timestamps.len();
    f
}

/// The artifact a bundle is checked against.
pub enum BlobInput<'a> {
    /// The artifact's bytes, read to the end in constant memory.
    Reader(&'a mut dyn std::io::Read),
    /// Only the artifact's SHA-256 is known.
    Sha256([u8; 32]),
}

/// How the signing key of a bundle is trusted.
#[derive(Clone, Copy, Debug)]
pub enum KeyTrust<'a> {
    /// A Fulcio certificate chaining to the trusted root (identity policy applied by the caller).
    Certificate,
    /// This public key (SPKI DER); `require_log` says whether the bundle must be logged.
    PublicKey {
        /// SPKI DER.
        spki_der: &'a [u8],
        /// Require and verify a transparency-log entry.
        require_log: bool,
    },
}

impl BundleVerifier {
    /// Verify a release bundle (message signature or DSSE attestation) over an artifact:
    /// certificate chain and SCT (or the given public key), log inclusion, SET, checkpoint,
    /// timestamps, signature, and that the entry and the artifact match the bundle.
    pub fn verify_blob(
        &self,
        input: BlobInput<'_>,
        bundle: &Bundle,
        key: KeyTrust<'_>,
    ) -> std::result::Result<Verified, Failure> {
        use sigstore_verify::types::Sha256Hash;
        let policy: Box<dyn sigstore_verify::Policy> = match key {
            KeyTrust::Certificate => Box::new(sigstore_verify::VerificationPolicy::any_identity()),
            KeyTrust::PublicKey { spki_der, require_log } => {
                let policy = sigstore_verify::PublicKeyVerificationPolicy::new(
                    sigstore_verify::types::DerPublicKey::new(spki_der.to_vec()),
                );
                Box::new(if require_log { policy } else { policy.skip_tlog_unsafe() })
            }
        };
        // The artifact's digest is kept (hashed on the way through for a stream) to tell, when
        // something does not match it, whether it is the user's file or the log entry.
        let (result, artifact_sha256) = match input {
            BlobInput::Reader(r) => {
                use sha2::Digest;
                let mut tee = Sha256Tee { inner: r, hasher: sha2::Sha256::new() };
                let result = self.inner.verify_reader(&mut tee, bundle, policy.as_ref());
                (result, <[u8; 32]>::from(tee.hasher.finalize()))
            }
            BlobInput::Sha256(d) => (self.inner.verify(Sha256Hash::from(d), bundle, policy.as_ref()), d),
        };
        match result {
            Ok(r) => Ok(Verified::from_result(&r, false)),
            // The bundle itself names this artifact, so what does not match it is the log
            // entry: it belongs to another signature.
            Err(sigstore_verify::Error::ArtifactMismatch(why)) if bundle_names_artifact(bundle, &artifact_sha256) == Some(true) => {
                Err(Failure::unverifiable(
                    "log-entry-match",
                    format!(
                        "the bundle signs this artifact, but its transparency log entry records another one (the entry belongs to another signature): {why}"
                    ),
                ))
            }
            // Here the artifact is the user's file: a mismatch means it is not what was signed.
            Err(sigstore_verify::Error::ArtifactMismatch(why)) => Err(Failure {
                check: "artifact-digest",
                bad: true,
                why: format!("the artifact is not the one that was signed (changed since, or another file): {why}"),
            }),
            Err(e) => Err(failure(e)),
        }
    }
}

/// Find the Rekor v1 hashedrekord entry for this artifact digest, signature and certificate
/// (cosign's `--signature`/`--certificate` input carries no log proof): search by digest, keep
/// the entry whose signature matches; the caller verifies it.
pub async fn rekor_entry_for_signature(
    url: &str,
    artifact_sha256: &[u8; 32],
    signature: &[u8],
) -> Result<Option<TransparencyLogEntry>> {
    let entries = rekor_entries_for(url, artifact_sha256).await?;
    Ok(entries.into_iter().find(|e| hashedrekord_signature(e).as_deref() == Some(signature)))
}
