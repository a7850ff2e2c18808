//! Transparency-log entries without a signed entry timestamp (Rekor v2's `hashedrekord` 0.0.2),
//! checked by sigseal where sigstore-rust's bundle verifier cannot be used (the signature's
//! verified times are RFC 3161 timestamps sigseal read itself): the log the entry names is one
//! of the trusted root's, valid at the signing time; its checkpoint is signed by that log's key;
//! the inclusion proof leads from the entry's leaf hash to the checkpoint's root; and the entry
//! records this signature, this certificate and the digest that was signed. The signed-note
//! parsing and signature check (sigstore-crypto) and the RFC 6962 proof (sigstore-merkle) are
//! the crates'; what is checked, and in which order, is here.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::failure::Failure;
use super::{TransparencyLogEntry, TrustedRoot};

/// What a log entry must record: the signature, what vouches for its key (a certificate or a
/// public key) and the SHA-256 digest that was signed (the artifact's, or the DSSE envelope's
/// PAE's).
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The signature bytes.
    pub signature: &'a [u8],
    /// The certificate (DER) or public key (SPKI DER) of the signer.
    pub verifier: super::Material<'a>,
    /// The signed digest.
    pub digest: [u8; 32],
    /// For a DSSE envelope, the SHA-256 of its payload (what a `dsse` 0.0.2 entry records).
    pub payload_sha256: Option<[u8; 32]>,
}

fn fail(check: &'static str, why: impl Into<String>) -> Failure {
    Failure::unverifiable(check, why)
}

/// Check one entry (see the module documentation); `times` are the signature's verified times,
/// at which the log's key must have been valid.
pub fn verify_entry(
    entry: &TransparencyLogEntry,
    root: &TrustedRoot,
    times: &[jiff::Timestamp],
    expected: &Expected<'_>,
) -> Result<(), Failure> {
    let log = log_of(entry, root)?;
    if let Some(window) = log.public_key.valid_for {
        if let Some(t) = times.iter().find(|t| !window.contains(**t)) {
            return Err(fail(
                "log-key",
                format!("the log's key ({}) was not valid at the signing time {t}", log.base_url),
            ));
        }
    }
    let proof =
        entry.inclusion_proof.as_ref().ok_or_else(|| fail("inclusion-proof", "the entry has no inclusion proof"))?;
    let checkpoint = signed_checkpoint(log, proof)?;
    // The checkpoint's size and root are the signed ones; the proof's own copies are not
    // authenticated and are not used (as in every Rekor v2 client).
    let index = u64::try_from(entry.log_index.as_i64())
        .map_err(|_| fail("inclusion-proof", "the entry has a negative log index"))?;
    included(entry, index, &checkpoint, proof)?;
    binds(entry.canonicalized_body.as_bytes(), expected)
}

/// The inclusion proof and checkpoint of a Rekor v1 entry whose signed entry timestamp was
/// verified already (that SET makes its integrated time a verified time; sigstore-verify checks
/// it, and its binding to this signature): the checkpoint is signed by the entry's log, the
/// proof's tree size and root are the checkpoint's, and the proof leads from the entry's leaf,
/// at the proof's own index (a shard's index in a sharded log), to that root. An entry with a
/// SET but no proof (bundles v0.1) has nothing to check here, as for every Sigstore client.
pub fn verify_inclusion_v1(entry: &TransparencyLogEntry, root: &TrustedRoot) -> Result<(), Failure> {
    let Some(proof) = entry.inclusion_proof.as_ref() else { return Ok(()) };
    let log = log_of(entry, root)?;
    let checkpoint = signed_checkpoint(log, proof)?;
    if checkpoint.root_hash().as_bytes() != proof.root_hash.as_bytes() || checkpoint.tree_size() != proof.tree_size {
        return Err(fail(
            "checkpoint",
            "the checkpoint names another tree (size or root hash) than the inclusion proof",
        ));
    }
    let index = u64::try_from(proof.log_index.as_i64())
        .map_err(|_| fail("inclusion-proof", "the inclusion proof has a negative log index"))?;
    included(entry, index, &checkpoint, proof)
}

/// The trusted root's log the entry names.
fn log_of<'r>(
    entry: &TransparencyLogEntry,
    root: &'r TrustedRoot,
) -> Result<&'r sigstore_verify::trust_root::TransparencyLog, Failure> {
    root.tlogs
        .iter()
        .find(|l| l.log_id.key_id.as_bytes() == entry.log_id.key_id.as_bytes())
        .ok_or_else(|| fail("log-key", "the entry's log is not one of the trusted root's transparency logs"))
}

/// The proof's checkpoint, once its signature by `log`'s key is verified.
fn signed_checkpoint(
    log: &sigstore_verify::trust_root::TransparencyLog,
    proof: &sigstore_verify::types::bundle::InclusionProof,
) -> Result<sigstore_verify::types::Checkpoint, Failure> {
    let key = sigstore_verify::crypto::VerificationKey::from_spki(&log.public_key.raw_bytes)
        .map_err(|e| fail("log-key", format!("the trusted root's key for {} is unusable: {e}", log.base_url)))?;
    let checkpoint = sigstore_verify::types::Checkpoint::from_text(proof.checkpoint.envelope())
        .map_err(|e| fail("checkpoint", format!("unreadable checkpoint: {e}")))?;
    // A checkpoint may carry witnesses' signatures too: the log's is the one whose key hint is
    // the first four bytes of the log's ID, and it must verify (hints may collide, so every
    // candidate is tried).
    let hint = log.log_id.key_id.as_bytes().get(..4).unwrap_or_default();
    let signed = checkpoint
        .signatures()
        .iter()
        .filter(|sig| sig.key_id.as_bytes().as_slice() == hint)
        .any(|sig| key.verify(checkpoint.signed_data(), &sig.signature).is_ok());
    if !signed {
        return Err(fail(
            "checkpoint",
            format!("the checkpoint is not signed by the key of {} in the trusted root", log.base_url),
        ));
    }
    Ok(checkpoint)
}

/// The proof leads from the entry's leaf at `index` to the checkpoint's root.
fn included(
    entry: &TransparencyLogEntry,
    index: u64,
    checkpoint: &sigstore_verify::types::Checkpoint,
    proof: &sigstore_verify::types::bundle::InclusionProof,
) -> Result<(), Failure> {
    let leaf = sigstore_merkle::hash_leaf(entry.canonicalized_body.as_bytes());
    sigstore_merkle::verify_inclusion_proof(&leaf, index, checkpoint.tree_size(), &proof.hashes, checkpoint.root_hash())
        .map_err(|e| {
            fail("inclusion-proof", format!("the inclusion proof does not lead to the checkpoint's root: {e}"))
        })
}

/// Whether a `hashedrekord` 0.0.2 body records `expected`.
fn binds(body: &[u8], expected: &Expected<'_>) -> Result<(), Failure> {
    let mismatch = |what: &str| {
        fail("log-entry-match", format!("the transparency log entry records another {what} than this signature's"))
    };
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| fail("log-entry", format!("unreadable entry body: {e}")))?;
    let b64 = |v: &serde_json::Value, what: &str| {
        v.as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .ok_or_else(|| fail("log-entry", format!("the entry body has no {what}")))
    };
    let verifier = match (json["kind"].as_str(), json["apiVersion"].as_str()) {
        (Some("hashedrekord"), Some("0.0.2")) => {
            let spec = &json["spec"]["hashedRekordV002"];
            if spec["data"]["algorithm"] != "SHA2_256" {
                return Err(fail("log-entry", format!("unsupported digest algorithm {}", spec["data"]["algorithm"])));
            }
            if b64(&spec["data"]["digest"], "digest")? != expected.digest {
                return Err(mismatch("digest"));
            }
            if b64(&spec["signature"]["content"], "signature")? != expected.signature {
                return Err(mismatch("signature"));
            }
            &spec["signature"]["verifier"]
        }
        // A DSSE envelope logged as such: the payload's hash and the one signature.
        (Some("dsse"), Some("0.0.2")) => {
            let spec = &json["spec"]["dsseV002"];
            let payload = expected.payload_sha256.ok_or_else(|| mismatch("kind of signature (a DSSE envelope)"))?;
            if spec["payloadHash"]["algorithm"] != "SHA2_256"
                || b64(&spec["payloadHash"]["digest"], "payload hash")? != payload
            {
                return Err(mismatch("payload"));
            }
            let signatures = spec["signatures"].as_array().map_or(&[][..], Vec::as_slice);
            let [one] = signatures else {
                return Err(fail(
                    "log-entry",
                    format!("the entry records {} signatures; the envelope has one", signatures.len()),
                ));
            };
            if b64(&one["content"], "signature")? != expected.signature {
                return Err(mismatch("signature"));
            }
            &one["verifier"]
        }
        (kind, version) => {
            return Err(fail(
                "log-entry",
                format!(
                    "an entry of kind {} {} has no signed entry timestamp to check here",
                    kind.unwrap_or("?"),
                    version.unwrap_or("?")
                ),
            ))
        }
    };
    match expected.verifier {
        super::Material::Certificate(der) => {
            if b64(&verifier["x509Certificate"]["rawBytes"], "certificate")? != der {
                return Err(mismatch("certificate"));
            }
        }
        super::Material::PublicKey(spki) => {
            if b64(&verifier["publicKey"]["rawBytes"], "public key")? != spki {
                return Err(mismatch("public key"));
            }
        }
    }
    Ok(())
}

/// Check a log's answer before it is used: `entry` is in a log of `root` (proof, signed
/// checkpoint) and records `signature` over `digest` by `verifier`.
pub fn check_logged(
    entry: &TransparencyLogEntry,
    root: &TrustedRoot,
    digest: &[u8; 32],
    signature: &[u8],
    verifier: super::Material<'_>,
) -> Result<(), Failure> {
    verify_entry(entry, root, &[], &Expected { signature, verifier, digest: *digest, payload_sha256: None })
}
