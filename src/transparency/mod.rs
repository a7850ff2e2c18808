//! Rekor: logging a signature (hashedrekord v0.0.1 over sha256 of the DER signed attributes) and
//! reading the log entry embedded in a signature, in gitsign's form (canonicalized body
//! stripped, rebuilt here) or in sigseal's (body kept).

use crate::cms::ParsedSignature;
use crate::error::Result;
use crate::sigstore::{self, TransparencyLogEntry};

/// What a signature says about its log entry.
#[derive(Debug)]
pub enum Embedded {
    /// No log entry attribute (gitsign online mode): nothing proves time or inclusion offline.
    Absent,
    /// A log entry, ready for verification.
    Entry(Box<TransparencyLogEntry>),
    /// The attribute is there but is not a usable Rekor TransparencyLogEntry.
    Unreadable(String),
}

/// Read the log entry embedded in a signature.
pub fn embedded(sig: &ParsedSignature) -> Embedded {
    let Some(bytes) = &sig.tlog_entry else {
        let sigstore_attrs: Vec<&str> =
            sig.other_unsigned.iter().map(String::as_str).filter(|o| o.starts_with("1.3.6.1.4.1.57264.3.")).collect();
        if sigstore_attrs.is_empty() {
            return Embedded::Absent;
        }
        return Embedded::Unreadable(format!(
            "unrecognized Sigstore attributes {} (an unreleased gitsign format)",
            sigstore_attrs.join(", ")
        ));
    };
    let body = sigstore::hashedrekord_body(&sig.signed_attrs_sha256(), &sig.signature, &sig.signer_certificate);
    match sigstore::entry_from_protobuf(bytes, &body) {
        Ok(e) => Embedded::Entry(Box::new(e)),
        Err(e) => Embedded::Unreadable(e.to_string()),
    }
}

/// Log a signature over the DER signed attributes in Rekor v1.
pub async fn log_signature(
    rekor_url: &str,
    signed_attrs_der: &[u8],
    signature: &[u8],
    leaf_der: &[u8],
) -> Result<TransparencyLogEntry> {
    use sha2::{Digest, Sha256};
    let digest: [u8; 32] = Sha256::digest(signed_attrs_der).into();
    sigstore::rekor_log_digest(rekor_url, &digest, signature, sigstore::Material::Certificate(leaf_der)).await
}

/// The global log index of an entry.
pub fn log_index(entry: &TransparencyLogEntry) -> i64 {
    entry.log_index.as_i64()
}
