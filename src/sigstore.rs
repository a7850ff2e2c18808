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

/// The production trusted root through TUF with an on-disk cache: refreshed from the network
/// when `online`, else read from the cache of an earlier refresh.
pub async fn tuf_production_root(cache_dir: std::path::PathBuf, online: bool) -> Result<TrustedRoot> {
    let mut config = sigstore_verify::trust_root::TufConfig::production().with_cache_dir(cache_dir);
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

/// Log a hashedrekord v0.0.1 entry in Rekor v1; returns the bundle-form log entry.
pub async fn rekor_hashedrekord(
    url: &str,
    artifact_sha256: &[u8; 32],
    signature: &[u8],
    leaf_der: &[u8],
) -> Result<TransparencyLogEntry> {
    use sigstore_sign::types::{Sha256Hash, SignatureBytes};
    let fail = |reason: String| Error::Rekor { url: url.to_string(), reason };
    let client = sigstore_sign::rekor::RekorClient::builder(url)
        .with_http_client(http_client()?)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let entry = sigstore_sign::rekor::HashedRekord::new(
        &Sha256Hash::from(*artifact_sha256),
        &SignatureBytes::new(signature.to_vec()),
        &DerCertificate::from(leaf_der.to_vec()),
    );
    let logged = client.create_entry(entry).await.map_err(|e| fail(e.to_string()))?;
    logged
        .to_bundle_entry(sigstore_verify::types::KindVersion::HashedRekordV001)
        .map_err(|e| fail(format!("unusable log entry: {e}")))
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
}

/// A failed verification, sorted into git's two failure kinds.
#[derive(Debug)]
pub enum VerifyFailure {
    /// The signature or digest does not match (BADSIG).
    Bad(String),
    /// Something needed to trust it does not hold (ERRSIG).
    Unverifiable(String),
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

/// Verify a bundle over `artifact` against a trusted root: chain at the log's time, SCT, SET,
/// inclusion proof and checkpoint, signature. Identity policy is applied by the caller.
pub fn verify_bundle(root: &TrustedRoot, artifact: &[u8], bundle: &Bundle) -> std::result::Result<Verified, VerifyFailure> {
    use sigstore_verify::Error as E;
    let verifier = sigstore_verify::Verifier::new(root).map_err(|e| VerifyFailure::Unverifiable(format!("trusted root: {e}")))?;
    let policy = sigstore_verify::VerificationPolicy::any_identity();
    match verifier.verify(artifact, bundle, &policy) {
        Ok(r) => Ok(Verified {
            identity: r.identity().map(|s| s.as_str().to_string()),
            issuer: r.issuer().map(str::to_string),
            integrated_time: r.integrated_time().map(|t| t.as_second()),
            sct_verified: r.sct_verified(),
        }),
        // The bundle's digest is built from the signature itself, so an artifact mismatch here
        // means the log entry describes something else: not a bad signature, an unusable proof.
        Err(e @ E::SignatureInvalid(_)) => Err(VerifyFailure::Bad(e.to_string())),
        Err(e @ E::ArtifactMismatch(_)) => {
            Err(VerifyFailure::Unverifiable(format!("transparency log entry does not match this signature: {e}")))
        }
        Err(e) => Err(VerifyFailure::Unverifiable(e.to_string())),
    }
}

/// Verify an ECDSA signature with a certificate's key (used when no log proof exists).
pub fn verify_with_certificate(leaf_der: &[u8], data: &[u8], signature: &[u8]) -> std::result::Result<(), VerifyFailure> {
    use sigstore_verify::types::SignatureBytes;
    let info = sigstore_sign::crypto::parse_certificate_info(&DerCertificate::from(leaf_der.to_vec()))
        .map_err(|e| VerifyFailure::Unverifiable(format!("certificate: {e}")))?;
    sigstore_sign::crypto::verify_signature(
        &info.public_key,
        data,
        &SignatureBytes::new(signature.to_vec()),
        info.key_algorithm.default_signing_scheme(),
    )
    .map_err(|e| VerifyFailure::Bad(format!("signature does not verify with the certificate's key: {e}")))
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
