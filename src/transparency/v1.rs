//! Rekor's v1 REST API: `POST /api/v1/log/entries` (a proposed `hashedrekord` or `dsse`
//! entry; 201 with the entry, or 409 Conflict naming the entry already logged, which is read
//! back), `GET /api/v1/log/entries/{uuid}`, and `POST /api/v1/index/retrieve` (entry UUIDs by
//! artifact digest). Every request may be repeated, so each is retried by the HTTP client.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::{Log, Proposal, MAX_LOOKUP_ENTRIES};
use crate::error::Result;
use crate::http::Request;
use crate::sigstore::{self, EntryKind, Material, TransparencyLogEntry};

/// HTTP 409 Conflict: the proposed entry is in the log already.
const CONFLICT: u16 = 409;

fn kind_of(proposal: &Proposal<'_>) -> EntryKind {
    match proposal {
        Proposal::HashedRekord { .. } => EntryKind::HashedRekord,
        Proposal::Dsse { .. } => EntryKind::Dsse,
    }
}

/// The request body of a proposed entry (the API's JSON; sigstore-rust's request types keep
/// their fields private).
fn proposed_entry(proposal: &Proposal<'_>) -> Result<serde_json::Value> {
    Ok(match proposal {
        Proposal::HashedRekord { artifact_sha256, signature, material } => serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": hex::encode(artifact_sha256)}},
                "signature": {
                    "content": STANDARD.encode(signature),
                    "publicKey": {"content": STANDARD.encode(material.pem().as_bytes())},
                },
            },
        }),
        // proposedContent: Rekor reads the signatures from the envelope and checks them with
        // the verifier.
        Proposal::Dsse { envelope, material } => serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {"proposedContent": {
                "envelope": sigstore::envelope_to_json(envelope)?,
                "verifiers": [STANDARD.encode(material.pem().as_bytes())],
            }},
        }),
    })
}

/// Whether a PEM text (as an entry body holds it, base64-encoded) is `material`.
fn is_material(b64_pem: Option<&serde_json::Value>, material: Material<'_>) -> bool {
    let (label, der) = match material {
        Material::Certificate(der) => ("CERTIFICATE", der),
        Material::PublicKey(der) => ("PUBLIC KEY", der),
    };
    b64_pem
        .and_then(serde_json::Value::as_str)
        .and_then(|s| STANDARD.decode(s).ok())
        .and_then(|pem| String::from_utf8(pem).ok())
        .and_then(|pem| crate::pem::decode(label, &pem))
        .is_some_and(|got| got == der)
}

/// Whether a base64 field holds `want`.
fn is_bytes(b64: Option<&serde_json::Value>, want: &[u8]) -> bool {
    b64.and_then(serde_json::Value::as_str).and_then(|s| STANDARD.decode(s).ok()).is_some_and(|got| got == want)
}

/// Whether a `{algorithm, value}` hash field is this SHA-256.
fn is_sha256(hash: Option<&serde_json::Value>, want: &[u8]) -> bool {
    hash.is_some_and(|h| {
        h.get("algorithm").and_then(serde_json::Value::as_str) == Some("sha256")
            && h.get("value")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(&hex::encode(want)))
    })
}

/// Whether a logged entry's canonicalized body records `proposal`: the same digest (or DSSE
/// payload), signature and key. Rekor rewrites what it stores (PEM re-encoded, a `dsse` entry
/// reduced to hashes), so the parts are compared, not the bytes.
fn records(body: &[u8], proposal: &Proposal<'_>) -> bool {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else { return false };
    let kind = json.get("kind").and_then(serde_json::Value::as_str);
    match proposal {
        Proposal::HashedRekord { artifact_sha256, signature, material } => {
            kind == Some("hashedrekord")
                && is_sha256(json.pointer("/spec/data/hash"), artifact_sha256)
                && is_bytes(json.pointer("/spec/signature/content"), signature)
                && is_material(json.pointer("/spec/signature/publicKey/content"), *material)
        }
        Proposal::Dsse { envelope, material } => {
            let payload = Sha256::digest(sigstore::envelope_payload(envelope));
            let signature = sigstore::envelope_signature(envelope);
            kind == Some("dsse")
                && is_sha256(json.pointer("/spec/payloadHash"), &payload)
                && json.pointer("/spec/signatures").and_then(serde_json::Value::as_array).is_some_and(|all| {
                    all.iter()
                        .any(|s| is_bytes(s.get("signature"), signature) && is_material(s.get("verifier"), *material))
                })
        }
    }
}

/// Whether `uuid` is an entry UUID: hex, not empty, at most 128 digits (it goes into a path).
fn is_uuid(uuid: &str) -> bool {
    !uuid.is_empty() && uuid.len() <= 128 && uuid.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The UUID of the entry a 409 Conflict names: the last segment of its `Location`, else its
/// `ETag`. Only the UUID is taken; the entry is read from the log's own URL.
fn conflict_uuid(reply: &crate::http::Reply) -> Option<String> {
    let from_location =
        reply.header("location").and_then(|l| l.split(['?', '#']).next()).and_then(|l| l.rsplit('/').next());
    let from_etag = reply.header("etag").map(|e| e.trim_start_matches("W/").trim_matches('"'));
    [from_location, from_etag].into_iter().flatten().map(str::to_string).find(|u| is_uuid(u))
}

/// Whether the answer's UUID is the one asked for (Rekor may answer a leaf hash with the UUID
/// that prefixes it with its tree id) and ends with the leaf hash of `body`.
fn uuid_matches(asked: &str, answered: &str, body: &[u8]) -> bool {
    let (asked, answered) = (asked.to_ascii_lowercase(), answered.to_ascii_lowercase());
    let same = asked.ends_with(&answered) || answered.ends_with(&asked);
    let mut leaf = Sha256::new();
    leaf.update([0u8]);
    leaf.update(body);
    same && answered.ends_with(&hex::encode(leaf.finalize()))
}

/// Log `proposal`.
pub(super) async fn create(log: &Log, proposal: &Proposal<'_>) -> Result<TransparencyLogEntry> {
    let kind = kind_of(proposal);
    let body = proposed_entry(proposal)?.to_string().into_bytes();
    let request = Request::post(format!("{}/api/v1/log/entries", log.url), "application/json", body)
        .idempotent()
        .accept(CONFLICT);
    let reply = log.http.send(&request).await.map_err(|why| log.fail("the entry was not logged").because(why))?;
    let entry = if reply.status == CONFLICT {
        // Logged before: by an attempt whose answer was lost, or the same signature twice.
        let uuid = conflict_uuid(&reply).ok_or_else(|| {
            log.fail("answered 409 Conflict (the entry exists) without naming the entry in Location or ETag")
        })?;
        read(log, &uuid, kind).await?
    } else {
        sigstore::entry_from_v1_json(&reply.body, kind).map_err(|why| log.fail(format!("unusable answer: {why}")))?.1
    };
    if !records(sigstore::entry_body(&entry), proposal) {
        return Err(log.fail(format!(
            "entry {} records another signature than the one proposed; nothing was signed",
            sigstore::log_index(&entry)
        )));
    }
    Ok(entry)
}

/// Read the entry `uuid`, checking that the answer is that entry.
async fn read(log: &Log, uuid: &str, kind: EntryKind) -> Result<TransparencyLogEntry> {
    let reply = log
        .http
        .send(&Request::get(format!("{}/api/v1/log/entries/{uuid}", log.url)))
        .await
        .map_err(|why| log.fail(format!("reading entry {uuid}")).because(why))?;
    let (answered, entry) =
        sigstore::entry_from_v1_json(&reply.body, kind).map_err(|why| log.fail(format!("entry {uuid}: {why}")))?;
    if !uuid_matches(uuid, &answered, sigstore::entry_body(&entry)) {
        return Err(
            log.fail(format!("asked for entry {uuid}, answered with entry {}", crate::http::sanitize(&answered, &[])))
        );
    }
    Ok(entry)
}

/// The `hashedrekord` entries over `artifact_sha256`.
pub(super) async fn search(log: &Log, artifact_sha256: &[u8; 32]) -> Result<Vec<TransparencyLogEntry>> {
    let query = serde_json::json!({"hash": format!("sha256:{}", hex::encode(artifact_sha256))});
    let request =
        Request::post(format!("{}/api/v1/index/retrieve", log.url), "application/json", query.to_string().into_bytes())
            .idempotent();
    let reply = log.http.send(&request).await.map_err(|why| log.fail("search").because(why))?;
    let uuids: Vec<String> = serde_json::from_slice(&reply.body)
        .map_err(|e| log.fail(format!("search: the answer is not a list of entry ids ({e})")))?;
    let mut out = Vec::new();
    // A search can return many entries for one hash; a legitimate object has one or two.
    for uuid in uuids.iter().take(MAX_LOOKUP_ENTRIES) {
        if !is_uuid(uuid) {
            return Err(log.fail(format!("search: {:?} is not an entry id", crate::http::sanitize(uuid, &[]))));
        }
        let reply = log
            .http
            .send(&Request::get(format!("{}/api/v1/log/entries/{uuid}", log.url)))
            .await
            .map_err(|why| log.fail(format!("entry {uuid}")).because(why))?;
        // Entries of other kinds over the same digest are not this signature's.
        if let Ok((_, entry)) = sigstore::entry_from_v1_json(&reply.body, EntryKind::HashedRekord) {
            out.push(entry);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashedrekord_body_is_recognised_only_for_its_own_digest_signature_and_key() {
        let leaf = b"not really DER, but bytes";
        let body = sigstore::hashedrekord_body(&[7; 32], b"sig", leaf);
        let proposal = |d: [u8; 32], s: &'static [u8], k: &'static [u8]| Proposal::HashedRekord {
            artifact_sha256: d,
            signature: s,
            material: Material::Certificate(k),
        };
        assert!(records(&body, &proposal([7; 32], b"sig", b"not really DER, but bytes")));
        assert!(!records(&body, &proposal([8; 32], b"sig", b"not really DER, but bytes")));
        assert!(!records(&body, &proposal([7; 32], b"other", b"not really DER, but bytes")));
        assert!(!records(&body, &proposal([7; 32], b"sig", b"another key")));
        assert!(!records(b"not json", &proposal([7; 32], b"sig", b"not really DER, but bytes")));
    }

    #[test]
    fn a_dsse_body_is_recognised_by_payload_hash_signature_and_verifier() {
        let envelope = sigstore::dsse_envelope(b"{\"_type\":\"x\"}", b"dsse-sig");
        let pem = crate::pem::encode("PUBLIC KEY", b"spki");
        let body = serde_json::json!({"apiVersion":"0.0.1","kind":"dsse","spec":{
            "envelopeHash":{"algorithm":"sha256","value":"00"},
            "payloadHash":{"algorithm":"sha256","value":hex::encode(Sha256::digest(b"{\"_type\":\"x\"}"))},
            "signatures":[{"signature":STANDARD.encode(b"dsse-sig"),"verifier":STANDARD.encode(pem.as_bytes())}]}})
        .to_string();
        assert!(records(
            body.as_bytes(),
            &Proposal::Dsse { envelope: &envelope, material: Material::PublicKey(b"spki") }
        ));
        assert!(!records(
            body.as_bytes(),
            &Proposal::Dsse { envelope: &envelope, material: Material::PublicKey(b"other") }
        ));
        let other = sigstore::dsse_envelope(b"{\"_type\":\"y\"}", b"dsse-sig");
        assert!(!records(
            body.as_bytes(),
            &Proposal::Dsse { envelope: &other, material: Material::PublicKey(b"spki") }
        ));
    }

    #[test]
    fn an_answered_uuid_must_be_the_one_asked_for_and_hash_the_body() {
        let body = b"{\"kind\":\"hashedrekord\"}";
        let mut leaf = Sha256::new();
        leaf.update([0u8]);
        leaf.update(body);
        let hash = hex::encode(leaf.finalize());
        let with_tree = format!("24296fb24b8ad77a{hash}");
        assert!(uuid_matches(&hash, &hash, body));
        assert!(uuid_matches(&hash, &with_tree, body));
        assert!(uuid_matches(&with_tree, &hash, body));
        assert!(!uuid_matches(&hash, &hash, b"another body"));
        assert!(!uuid_matches(&"ab".repeat(32), &hash, body));
        assert!(is_uuid(&hash) && !is_uuid("../../admin") && !is_uuid(""));
    }
}
