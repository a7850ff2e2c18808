//! Keyless signing: an ephemeral P-256 key, a short-lived Fulcio certificate for the caller's
//! OIDC identity, a CMS signature over the payload, a Rekor entry, and a full offline
//! verification of the result before anything is handed out.

use crate::cms::{self, SignedAttrs, Unsigned};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::identity::Token;
use crate::sigstore::{self, TrustedRoot};
use crate::transparency;
use crate::verify::{self, Policy, Verdict};

/// A finished signature.
#[derive(Clone, Debug)]
pub struct Signature {
    /// DER ContentInfo.
    pub der: Vec<u8>,
    /// Leaf certificate SHA-1 fingerprint (upper-case hex).
    pub fingerprint: String,
    /// Signing time (unix seconds).
    pub signing_time: u64,
    /// Identity in the certificate.
    pub identity: String,
    /// Rekor log index.
    pub log_index: i64,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Sign `payload` keylessly with `token`, verifying the result against `root` before returning.
pub async fn sign(cfg: &Config, token: &Token, root: &TrustedRoot, payload: &[u8]) -> Result<Signature> {
    token.check(now() as i64)?;
    let key = sigstore::ephemeral_key()?;
    let chain = sigstore::fulcio_certificate(&cfg.fulcio_url, token.expose(), &key).await?;
    let leaf = chain.first().ok_or_else(|| Error::Fulcio {
        url: cfg.fulcio_url.clone(),
        reason: "returned an empty certificate chain".into(),
    })?;
    let signing_time = now();
    let attrs = SignedAttrs::for_payload(payload, signing_time)?;
    let signature = sigstore::sign(&key, &attrs.der)?;
    drop(key);

    let entry = transparency::log_signature(&cfg.rekor_url, &attrs.der, &signature, leaf).await?;
    let log_index = transparency::log_index(&entry);
    let entry_pb = sigstore::entry_to_protobuf(&entry)?;
    let der = cms::build(leaf, &attrs, &signature, &[Unsigned::OctetString(cms::OID_TLOG_ENTRY, entry_pb)])?;

    // Hand out nothing that does not verify offline, exactly as a verifier will check it.
    let report = verify::verify_detached(&der, payload, root, &Policy::default());
    match &report.verdict {
        Verdict::Good => {}
        Verdict::Bad(why) | Verdict::Unverifiable(why) => {
            return Err(Error::SelfCheck(format!("the new signature does not verify: {why}")))
        }
    }
    let identity = report.identity.clone().unwrap_or_default();
    Ok(Signature { der, fingerprint: report.fingerprint, signing_time, identity, log_index })
}
