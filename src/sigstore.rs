//! The one door to the sigstore-rust crates (`sigstore-sign` / `sigstore-verify` 0.15.x and
//! `sigstore_protobuf_specs`): every other module talks to Fulcio, Rekor, trusted roots and the
//! bundle verifier through the functions and re-exports here, so a version bump touches one file.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use prost::Message;

use crate::error::{Error, Result};

pub use sigstore_sign::crypto::{KeyPair, SubjectAltName};
pub use sigstore_verify::trust_root::TrustedRoot;
pub use sigstore_verify::types::{Bundle, DerCertificate, TransparencyLogEntry};
pub use sigstore_verify::trust_root::SigningConfig;

use sigstore_sign::oidc::IdentityToken;
use sigstore_verify::types::bundle::{
    CertificateContent, MessageDigest, MessageSignature, SignatureContent, TimestampVerificationData,
    VerificationMaterial, VerificationMaterialContent, Rfc3161Timestamp,
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
    parse_signing_config(
        sigstore_verify::trust_root::SIGSTORE_PRODUCTION_SIGNING_CONFIG,
        "embedded production",
    )
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

/// Ask Fulcio for a signing certificate; returns the chain, leaf first (DER).
pub async fn fulcio_certificate(url: &str, token: &str, key: &KeyPair) -> Result<Vec<Vec<u8>>> {
    let fail = |reason: String| Error::Fulcio { url: url.to_string(), reason };
    let token = IdentityToken::from_jwt(token).map_err(|e| Error::TokenRejected(format!("{e}")))?;
    let client = sigstore_sign::fulcio::FulcioClient::builder(url)
        .with_http_client(http_client()?)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let cert = client.create_signing_certificate(&token, key).await.map_err(|e| fail(e.to_string()))?;
    Ok(cert.certificate_chain().iter().map(|c| c.as_bytes().to_vec()).collect())
}

/// Rekor's canonical hashedrekord v0.0.1 body for a CMS signature: what gitsign strips from the
/// embedded entry and a verifier rebuilds (keys sorted, no spaces, PEM re-encoded at 64 columns).
pub fn hashedrekord_body(artifact_sha256: &[u8; 32], signature: &[u8], leaf_der: &[u8]) -> Vec<u8> {
    let pem = crate::cms::armor::pem("CERTIFICATE", leaf_der);
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
    let pb: PbEntry =
        serde_json::from_value(json).map_err(|e| Error::Crypto(format!("log entry to protobuf: {e}")))?;
    Ok(pb.encode_to_vec())
}

/// Parse a protobuf `TransparencyLogEntry`. When the canonicalized body was stripped (gitsign),
/// `rebuilt_body` supplies it.
pub fn entry_from_protobuf(bytes: &[u8], rebuilt_body: &[u8]) -> Result<TransparencyLogEntry> {
    let pb = PbEntry::decode(bytes)
        .map_err(|e| Error::Malformed(format!("transparency log entry is not a Rekor TransparencyLogEntry: {e}")))?;
    let mut json = serde_json::to_value(&pb)
        .map_err(|e| Error::Malformed(format!("transparency log entry: {e}")))?;
    if let Some(obj) = json.as_object_mut() {
        let empty = obj.get("canonicalizedBody").and_then(|v| v.as_str()).is_none_or(str::is_empty);
        if empty {
            obj.insert("canonicalizedBody".into(), STANDARD.encode(rebuilt_body).into());
        }
    }
    serde_json::from_value(json)
        .map_err(|e| Error::Malformed(format!("transparency log entry is incomplete: {e}")))
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
    pub fn verify(&self, artifact: &[u8], bundle: &Bundle, chain_known_good: bool) -> std::result::Result<Verified, Failure> {
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
        MessageSignature::new(SignatureBytes::new(signature.to_vec()))
            .with_message_digest(MessageDigest::new(HashAlgorithm::Sha2256, DigestBytes::new(signed_attrs_sha256.to_vec()))),
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
    use sigstore_sign::types::Sha256Hash;
    let fail = |reason: String| Error::Rekor { url: url.to_string(), reason };
    let client = rekor_client(url)?;
    let uuids = client.search_by_hash(&Sha256Hash::from(*artifact_sha256)).await.map_err(|e| fail(format!("search: {e}")))?;
    let mut out = Vec::new();
    // A search can return many entries for one hash; a legitimate object has one or two.
    for uuid in uuids.iter().take(MAX_LOOKUP_ENTRIES) {
        let entry = client.get_entry_by_uuid(uuid).await.map_err(|e| fail(format!("entry {uuid}: {e}")))?;
        match entry.to_bundle_entry(sigstore_verify::types::KindVersion::HashedRekordV001) {
            Ok(e) => out.push(e),
            Err(_) => continue,
        }
    }
    Ok(out)
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
/// bytes, as the Sigstore client spec has it); returns the DER TimeStampToken.
pub async fn tsa_timestamp(url: &str, signature: &[u8]) -> Result<Vec<u8>> {
    use sigstore_sign::types::SignatureBytes;
    let fail = |reason: String| Error::Timestamp { url: url.to_string(), reason };
    let client = sigstore_sign::tsa::TimestampClient::builder(url)
        .with_http_client(http_client()?)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let token = client.timestamp_signature(&SignatureBytes::new(signature.to_vec())).await.map_err(|e| fail(e.to_string()))?;
    Ok(token.as_bytes().to_vec())
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
            Material::Certificate(der) => crate::cms::armor::pem("CERTIFICATE", der),
            Material::PublicKey(der) => crate::cms::armor::pem("PUBLIC KEY", der),
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

fn rekor_client(url: &str) -> Result<sigstore_sign::rekor::RekorClient> {
    sigstore_sign::rekor::RekorClient::builder(url)
        .with_http_client(http_client()?)
        .build()
        .map_err(|e| Error::Rekor { url: url.to_string(), reason: e.to_string() })
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
    let request: sigstore_sign::rekor::HashedRekord = serde_json::from_value(serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex::encode(artifact_sha256)}},
            "signature": {"content": STANDARD.encode(signature), "publicKey": {"content": STANDARD.encode(pem.as_bytes())}},
        },
    }))
    .map_err(|e| fail(format!("building the entry: {e}")))?;
    let logged = rekor_client(url)?.create_entry(request).await.map_err(|e| fail(e.to_string()))?;
    logged
        .to_bundle_entry(sigstore_verify::types::KindVersion::HashedRekordV001)
        .map_err(|e| fail(format!("unusable log entry: {e}")))
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
    let request: sigstore_sign::rekor::DsseEntry = serde_json::from_value(serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {"proposedContent": {"envelope": envelope_json, "verifiers": [STANDARD.encode(pem.as_bytes())]}},
    }))
    .map_err(|e| fail(format!("building the entry: {e}")))?;
    let logged = rekor_client(url)?.create_dsse_entry(request).await.map_err(|e| fail(e.to_string()))?;
    logged
        .to_bundle_entry(sigstore_verify::types::KindVersion::DsseV001)
        .map_err(|e| fail(format!("unusable log entry: {e}")))
}

fn material_of(material: Material<'_>) -> VerificationMaterialContent {
    use sigstore_verify::types::bundle::PublicKeyIdentifier;
    match material {
        Material::Certificate(der) => {
            VerificationMaterialContent::Certificate(CertificateContent::new(DerCertificate::from(der.to_vec())))
        }
        Material::PublicKey(der) => VerificationMaterialContent::PublicKey(PublicKeyIdentifier::new(public_key_hint(der))),
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
        MessageSignature::new(SignatureBytes::new(signature.to_vec()))
            .with_message_digest(MessageDigest::new(HashAlgorithm::Sha2256, DigestBytes::new(artifact_sha256.to_vec()))),
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
    pub fn verify_blob(&self, input: BlobInput<'_>, bundle: &Bundle, key: KeyTrust<'_>) -> std::result::Result<Verified, Failure> {
        use sigstore_verify::types::Sha256Hash;
        let policy: Box<dyn sigstore_verify::Policy> = match key {
            KeyTrust::Certificate => Box::new(sigstore_verify::VerificationPolicy::any_identity()),
            KeyTrust::PublicKey { spki_der, require_log } => {
                let policy =
                    sigstore_verify::PublicKeyVerificationPolicy::new(sigstore_verify::types::DerPublicKey::new(spki_der.to_vec()));
                Box::new(if require_log { policy } else { policy.skip_tlog_unsafe() })
            }
        };
        let result = match input {
            BlobInput::Reader(r) => self.inner.verify_reader(r, bundle, policy.as_ref()),
            BlobInput::Sha256(d) => self.inner.verify(Sha256Hash::from(d), bundle, policy.as_ref()),
        };
        match result {
            Ok(r) => Ok(Verified::from_result(&r, false)),
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
