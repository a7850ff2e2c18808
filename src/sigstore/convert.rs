//! Conversions between the JSON and protobuf forms of Sigstore data and sigstore-rust types:
//! Rekor entries (the v1 API's JSON, the protobuf `TransparencyLogEntry` of a CMS attribute, the
//! canonicalized hashedrekord body gitsign strips), what vouches for a key, and DSSE envelopes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use prost::Message;

use crate::error::{Error, Result};

use super::{DerCertificate, DsseEnvelope, TransparencyLogEntry};

type PbEntry = sigstore_protobuf_specs::dev::sigstore::rekor::v1::TransparencyLogEntry;

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

/// Serialize a log entry as the Sigstore protobuf `TransparencyLogEntry` (the CMS attribute),
/// field by field: the reflection-based JSON mapping would build the protobuf descriptors of
/// the whole Sigstore schema in every process that signs or verifies a commit.
pub fn entry_to_protobuf(entry: &TransparencyLogEntry) -> Result<Vec<u8>> {
    use sigstore_protobuf_specs::dev::sigstore::common::v1::LogId;
    use sigstore_protobuf_specs::dev::sigstore::rekor::v1::{
        Checkpoint, InclusionPromise, InclusionProof, KindVersion,
    };
    let tree_size = |n: u64| i64::try_from(n).map_err(|_| Error::Crypto("log entry to protobuf: tree size".into()));
    let pb = PbEntry {
        log_index: entry.log_index.as_i64(),
        log_id: Some(LogId { key_id: entry.log_id.key_id.as_bytes().to_vec() }),
        kind_version: Some(KindVersion {
            kind: entry.kind_version.kind().to_string(),
            version: entry.kind_version.version().to_string(),
        }),
        integrated_time: entry.integrated_time.map_or(0, jiff::Timestamp::as_second),
        inclusion_promise: entry
            .inclusion_promise
            .as_ref()
            .map(|p| InclusionPromise { signed_entry_timestamp: p.signed_entry_timestamp.as_bytes().to_vec() }),
        inclusion_proof: match &entry.inclusion_proof {
            None => None,
            Some(p) => Some(InclusionProof {
                log_index: p.log_index.as_i64(),
                root_hash: p.root_hash.as_bytes().to_vec(),
                tree_size: tree_size(p.tree_size)?,
                hashes: p.hashes.iter().map(|h| h.as_bytes().to_vec()).collect(),
                checkpoint: (!p.checkpoint.is_empty())
                    .then(|| Checkpoint { envelope: p.checkpoint.envelope().to_string() }),
            }),
        },
        canonicalized_body: entry.canonicalized_body.as_bytes().to_vec(),
    };
    Ok(pb.encode_to_vec())
}

/// Parse a protobuf `TransparencyLogEntry`. When the canonicalized body was stripped (gitsign),
/// `rebuilt_body` supplies it. Mapped field by field (see [`entry_to_protobuf`]).
pub fn entry_from_protobuf(bytes: &[u8], rebuild_body: impl FnOnce() -> Vec<u8>) -> Result<TransparencyLogEntry> {
    let pb = PbEntry::decode(bytes).map_err(|e| {
        Error::Malformed("transparency log entry is not a Rekor TransparencyLogEntry".into()).because(e)
    })?;
    // One encoding per entry (no unknown fields, no re-ordered or padded varints): the entry
    // is outside the signature, and a second spelling would make a new object id.
    if pb.encode_to_vec() != bytes {
        return Err(Error::Malformed(
            "transparency log entry is not in the canonical protobuf encoding git signers write".into(),
        ));
    }
    // gitsign leaves the body out (it is rebuilt from the signature); sigseal writes it.
    let rebuilt;
    let body = if pb.canonicalized_body.is_empty() {
        rebuilt = rebuild_body();
        rebuilt.as_slice()
    } else {
        pb.canonicalized_body.as_slice()
    };
    let mut json = serde_json::json!({
        "logIndex": pb.log_index.to_string(),
        "logId": {"keyId": STANDARD.encode(pb.log_id.as_ref().map(|l| l.key_id.as_slice()).unwrap_or_default())},
        "kindVersion": {
            "kind": pb.kind_version.as_ref().map(|k| k.kind.as_str()).unwrap_or_default(),
            "version": pb.kind_version.as_ref().map(|k| k.version.as_str()).unwrap_or_default(),
        },
        "canonicalizedBody": STANDARD.encode(body),
    });
    if pb.integrated_time != 0 {
        json["integratedTime"] = pb.integrated_time.to_string().into();
    }
    if let Some(promise) = &pb.inclusion_promise {
        json["inclusionPromise"] =
            serde_json::json!({"signedEntryTimestamp": STANDARD.encode(&promise.signed_entry_timestamp)});
    }
    if let Some(proof) = &pb.inclusion_proof {
        json["inclusionProof"] = serde_json::json!({
            "logIndex": proof.log_index.to_string(),
            "rootHash": STANDARD.encode(&proof.root_hash),
            "treeSize": proof.tree_size.to_string(),
            "hashes": proof.hashes.iter().map(|h| STANDARD.encode(h)).collect::<Vec<_>>(),
            "checkpoint": {"envelope": proof.checkpoint.as_ref().map(|c| c.envelope.as_str()).unwrap_or_default()},
        });
    }
    serde_json::from_value(json).map_err(|e| Error::Malformed("transparency log entry is incomplete".into()).because(e))
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

/// The DSSE payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// DSSE pre-authentication encoding of an in-toto payload (what is signed).
pub fn dsse_pae(payload: &[u8]) -> Vec<u8> {
    sigstore_verify::types::dsse::pae(IN_TOTO_PAYLOAD_TYPE, payload)
}

/// A signed DSSE envelope over an in-toto statement.
pub fn dsse_envelope(payload: &[u8], signature: &[u8]) -> DsseEnvelope {
    use sigstore_verify::types::{DsseSignature, KeyId, PayloadBytes, SignatureBytes};
    DsseEnvelope::new(
        IN_TOTO_PAYLOAD_TYPE,
        PayloadBytes::new(payload.to_vec()),
        DsseSignature::new(SignatureBytes::new(signature.to_vec()), KeyId::default()),
    )
}

/// An envelope as the JSON the Rekor v1 `dsse` kind takes (`proposedContent.envelope`).
pub fn envelope_to_json(envelope: &DsseEnvelope) -> Result<String> {
    serde_json::to_string(envelope).map_err(|e| Error::Crypto("DSSE envelope to JSON".into()).because(e))
}

/// An envelope's payload.
pub fn envelope_payload(envelope: &DsseEnvelope) -> &[u8] {
    envelope.payload.as_bytes()
}

/// An envelope's signature.
pub fn envelope_signature(envelope: &DsseEnvelope) -> &[u8] {
    envelope.signature.sig.as_bytes()
}

/// The global log index of an entry.
pub fn log_index(entry: &TransparencyLogEntry) -> i64 {
    entry.log_index.as_i64()
}

/// An entry's canonicalized body (the Rekor v1 entry's JSON, as logged).
pub fn entry_body(entry: &TransparencyLogEntry) -> &[u8] {
    entry.canonicalized_body.as_bytes()
}

/// The kind and version of a Rekor v1 entry, which says how it becomes a bundle's entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// `hashedrekord` 0.0.1: a signature over a digest.
    HashedRekord,
    /// `dsse` 0.0.1: a DSSE envelope.
    Dsse,
}

/// The one entry of a Rekor v1 `{uuid: entry}` answer, as a bundle's log entry (with the
/// inclusion proof and signed entry timestamp it carries), and its UUID. Nothing is verified
/// here; the bundle verifier does that.
pub fn entry_from_v1_json(body: &[u8], kind: EntryKind) -> std::result::Result<(String, TransparencyLogEntry), String> {
    use sigstore_verify::types::KindVersion;
    let entries: std::collections::HashMap<String, sigstore_sign::rekor::LogEntry> = serde_json::from_slice(body)
        .map_err(|e| format!("not a log entry ({})", crate::http::sanitize(&e.to_string(), &[])))?;
    let mut entries = entries.into_iter();
    let (Some((uuid, mut entry)), None) = (entries.next(), entries.next()) else {
        return Err("the answer holds no single log entry".into());
    };
    entry.uuid = sigstore_sign::types::EntryUuid::new(uuid.clone());
    let kind = match kind {
        EntryKind::HashedRekord => KindVersion::HashedRekordV001,
        EntryKind::Dsse => KindVersion::DsseV001,
    };
    let entry = entry
        .to_bundle_entry(kind)
        .map_err(|e| format!("unusable log entry: {}", crate::http::sanitize(&e.to_string(), &[])))?;
    Ok((uuid, entry))
}

/// The body of a Rekor v2 `hashedrekord` 0.0.2 request for a signature over `digest` (the
/// artifact's SHA-256, or a DSSE envelope's PAE's), made with sigstore-rust's request type.
pub fn v2_request(digest: &[u8; 32], signature: &[u8], material: Material<'_>) -> Result<Vec<u8>> {
    use sigstore_verify::rekor::{HashedRekordV2, RekorV2KeyDetails};
    use sigstore_verify::types::{DerPublicKey, Sha256Hash, SignatureBytes};
    let (digest, signature) = (Sha256Hash::from(*digest), SignatureBytes::new(signature.to_vec()));
    let details = RekorV2KeyDetails::PkixEcdsaP256Sha256;
    let request = match material {
        Material::Certificate(der) => {
            HashedRekordV2::new_with_certificate(&digest, &signature, &DerCertificate::from(der.to_vec()), details)
        }
        Material::PublicKey(spki) => {
            HashedRekordV2::new_with_public_key(&digest, &signature, &DerPublicKey::new(spki.to_vec()), details)
        }
    };
    serde_json::to_vec(&request).map_err(|e| Error::Malformed("Rekor v2 request".into()).because(e))
}

/// A Rekor v2 answer: the `TransparencyLogEntry` in protobuf JSON, as bundles carry it.
pub fn entry_from_v2_json(body: &[u8]) -> std::result::Result<TransparencyLogEntry, String> {
    let entry: TransparencyLogEntry = serde_json::from_slice(body).map_err(|e| format!("not a log entry ({e})"))?;
    if entry.integrated_time.is_some() || entry.inclusion_promise.is_some() {
        return Err("a v2 entry with an integrated time or a signed entry timestamp".into());
    }
    Ok(entry)
}

/// The SHA-256 of a DSSE envelope's PAE: what a Rekor v2 entry of the envelope records.
pub fn envelope_pae_sha256(envelope: &DsseEnvelope) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(envelope.pae()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_entry_survives_the_protobuf_round_trip_field_for_field() {
        let b64 = |s: &str| STANDARD.encode(s);
        for with_time in [true, false] {
            let mut json = serde_json::json!({
                "logIndex": "42",
                "logId": {"keyId": b64("0123456789abcdef0123456789abcdef")},
                "kindVersion": {"kind": "hashedrekord", "version": if with_time { "0.0.1" } else { "0.0.2" }},
                "inclusionProof": {
                    "logIndex": "42",
                    "rootHash": b64("rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"),
                    "treeSize": "100",
                    "hashes": [b64("hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"), b64("iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii")],
                    "checkpoint": {"envelope": format!("log.example\n100\n{}\n\n\u{2014} log.example {}\n", b64("rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"), b64("kkkksignature"))},
                },
                "canonicalizedBody": b64("{\"kind\":\"hashedrekord\"}"),
            });
            if with_time {
                json["integratedTime"] = "1700000000".into();
                json["inclusionPromise"] = serde_json::json!({"signedEntryTimestamp": b64("set")});
            }
            let entry: TransparencyLogEntry = serde_json::from_value(json).unwrap();
            let pb = entry_to_protobuf(&entry).unwrap();
            assert_eq!(entry_from_protobuf(&pb, || b"unused".to_vec()).unwrap(), entry, "with a time: {with_time}");
            // A body stripped by the signer is filled in from the one rebuilt.
            let mut stripped = PbEntry::decode(pb.as_slice()).unwrap();
            stripped.canonicalized_body.clear();
            let back = entry_from_protobuf(&stripped.encode_to_vec(), || b"rebuilt".to_vec()).unwrap();
            assert_eq!(back.canonicalized_body.as_bytes(), b"rebuilt");
        }
    }
}
