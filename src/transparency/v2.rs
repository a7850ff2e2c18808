//! Rekor's v2 API (tile-based logs such as rekor-tiles): `POST {log}/api/v2/log/entries` with a
//! `hashedrekord` 0.0.2 request (a signature over a SHA-256 digest: the artifact's, or for a DSSE
//! envelope its PAE's, as Sigstore clients log envelopes in v2). The answer is the
//! `TransparencyLogEntry` itself, with an inclusion proof and a signed checkpoint and without a
//! signing time (v2 logs record none: the signature's time comes from its RFC 3161 timestamp).
//! It is checked before use against the trusted root: the checkpoint signed by the log's key, the
//! proof leading to its root, and the entry recording exactly what was proposed. A repeated
//! request proposes the same entry, so it is retried; a 409 Conflict (the log holds the entry
//! already) fails the signing with the entry's index, since a v2 log has no read-back of an
//! entry with its proof.

use super::{Log, Proposal};

/// HTTP 409 Conflict: the proposed entry is in the log already.
const CONFLICT: u16 = 409;
use crate::error::Result;
use crate::http::Request;
use crate::sigstore;

pub(super) async fn create(log: &Log, proposal: &Proposal<'_>) -> Result<sigstore::TransparencyLogEntry> {
    let (digest, signature, material) = match proposal {
        Proposal::HashedRekord { artifact_sha256, signature, material } => (*artifact_sha256, *signature, *material),
        Proposal::Dsse { envelope, material } => {
            (sigstore::envelope_pae_sha256(envelope), sigstore::envelope_signature(envelope), *material)
        }
    };
    let root = log
        .root
        .as_deref()
        .ok_or_else(|| log.fail("a Rekor v2 log's answers are checked against the trusted root, and none was given"))?;
    let body = sigstore::v2_request(&digest, signature, material)?;
    let request = Request::post(format!("{}/api/v2/log/entries", log.url), "application/json", body)
        .idempotent()
        .accept(CONFLICT);
    let reply = log.http.send(&request).await.map_err(|why| log.fail("the entry was not logged").because(why))?;
    if reply.status == CONFLICT {
        // Logged before (an attempt whose answer was lost, or this very signature again). A v2
        // log answers no entry with its proof for an index; its tiles would have to be read.
        let index = reply.header("x-log-index").filter(|i| i.bytes().all(|b| b.is_ascii_digit())).unwrap_or("?");
        return Err(log.fail(format!(
            "the log holds this signature already (entry {index}); its proof cannot be read back from a v2 log yet, so nothing was signed: sign again"
        )));
    }
    let entry = sigstore::entry_from_v2_json(&reply.body).map_err(|why| log.fail(format!("unusable answer: {why}")))?;
    sigstore::check_logged(&entry, root, &digest, signature, material).map_err(|f| {
        log.fail(format!("the log's answer does not verify ({}: {}); nothing was signed", f.check, f.why))
    })?;
    Ok(entry)
}
