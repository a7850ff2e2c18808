//! Sigstore bundles: assembling v0.3 bundles (a message signature or a DSSE envelope, with the
//! log entry and timestamps), reading and writing their JSON, the shape each bundle version
//! prescribes, and what a bundle carries.

use crate::error::{Error, Result};

use super::convert::Material;
use super::verify::Failure;
use super::{Bundle, DerCertificate, DsseEnvelope, TransparencyLogEntry};
use sigstore_verify::types::bundle::{
    CertificateContent, MessageDigest, MessageSignature, Rfc3161Timestamp, SignatureContent, TimestampVerificationData,
    VerificationMaterial, VerificationMaterialContent,
};
use sigstore_verify::types::{HashAlgorithm, MediaType};

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
    envelope: DsseEnvelope,
    entry: Option<TransparencyLogEntry>,
    timestamps: &[Vec<u8>],
) -> Bundle {
    assemble(material, entry, timestamps, SignatureContent::DsseEnvelope(envelope))
}

fn material_of(material: Material<'_>) -> VerificationMaterialContent {
    use sigstore_verify::types::bundle::PublicKeyIdentifier;
    match material {
        Material::Certificate(der) => {
            VerificationMaterialContent::Certificate(CertificateContent::new(DerCertificate::from(der.to_vec())))
        }
        Material::PublicKey(der) => {
            VerificationMaterialContent::PublicKey(PublicKeyIdentifier::new(super::keys::public_key_hint(der)))
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

/// Parse a Sigstore bundle (v0.1 to v0.3 JSON).
pub fn bundle_from_json(json: &str, origin: &str) -> Result<Bundle> {
    let malformed = |e: &dyn std::fmt::Display| Error::Malformed(format!("{origin} is not a Sigstore bundle: {e}"));
    match Bundle::from_json(json) {
        Ok(bundle) => Ok(bundle),
        Err(first) => {
            // sigstore-rust 0.15 knows no `dsse` 0.0.2 entry (Rekor v2's kind for a DSSE envelope,
            // as sigstore-js logs it). Such an entry is read under the v2 kind it does know; it
            // is then judged by the kind its logged body states (see `tlog`), never by this label,
            // since the body is what the inclusion proof authenticates.
            let mut value: serde_json::Value = serde_json::from_str(json).map_err(|e| malformed(&e))?;
            let mut relabelled = false;
            if let Some(entries) =
                value.pointer_mut("/verificationMaterial/tlogEntries").and_then(serde_json::Value::as_array_mut)
            {
                for entry in entries {
                    let kv = &mut entry["kindVersion"];
                    if kv["kind"] == "dsse" && kv["version"] == "0.0.2" {
                        kv["kind"] = "hashedrekord".into();
                        relabelled = true;
                    }
                }
            }
            if !relabelled {
                return Err(malformed(&first));
            }
            serde_json::from_value(value).map_err(|e| malformed(&e))
        }
    }
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

/// A bundle as Sigstore bundle v0.3 JSON (protobuf-specs JSON form).
pub fn bundle_to_json(bundle: &Bundle) -> Result<String> {
    bundle.to_json_pretty().map_err(|e| Error::Crypto("bundle to JSON".into()).because(e))
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
            f.certificate = certificates.first().map(|c| c.raw_bytes.as_bytes().to_vec());
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
    f.log_index = bundle.verification_material.tlog_entries.first().map(super::convert::log_index);
    f.timestamps = bundle.verification_material.timestamp_verification_data.rfc3161_timestamps.len();
    f
}
