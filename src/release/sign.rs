//! The signing pipeline for release assets: one signature per digest with the run's single
//! key, RFC 3161 timestamps when a TSA is configured (asked before the log, so a failing TSA
//! leaves no log entry), Rekor entries posted a few at a time, bundles v0.3 assembled, and each
//! bundle verified offline against the trusted root before anything is handed out. Attestations
//! go the same way as DSSE envelopes.

use futures_util::stream::{self, StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::keyless::DigestSigner;
use crate::sigstore::{
    self, BlobInput, Bundle, BundleVerifier, KeyTrust, Material, TransparencyLogEntry, TrustedRoot, Verified,
};

/// Rekor requests in flight at once: enough to hide latency, few enough to be polite.
pub const REKOR_CONCURRENCY: usize = 4;

/// Where signatures are logged and timestamped.
#[derive(Clone, Debug, Default)]
pub struct Services {
    /// Rekor base URL; `None` only for key-signed bundles with `--tlog-upload=false`.
    pub rekor_url: Option<String>,
    /// Its API version (1, or 2 for a tile-based log).
    pub rekor_version: u32,
    /// RFC 3161 timestamp authority.
    pub tsa_url: Option<String>,
    /// The run's network deadline (`sigseal.timeout`).
    pub deadline: crate::http::Deadline,
}

/// One signed digest (or statement).
#[derive(Debug)]
pub struct Signed {
    /// DER ECDSA signature over the digest (or the statement's DSSE PAE).
    pub signature: Vec<u8>,
    /// The bundle v0.3.
    pub bundle: Bundle,
    /// What the offline self-check of the bundle established: the signer's identity and
    /// issuer (certificate bundles) and the log's integrated time (logged bundles).
    pub verified: Verified,
}

fn key_trust<'a>(material: Material<'a>, services: &Services) -> KeyTrust<'a> {
    match material {
        Material::Certificate(_) => KeyTrust::Certificate,
        Material::PublicKey(spki_der) => KeyTrust::PublicKey { spki_der, require_log: services.rekor_url.is_some() },
    }
}

fn self_check(verifier: &BundleVerifier, digest: &[u8; 32], bundle: &Bundle, trust: KeyTrust<'_>) -> Result<Verified> {
    verifier.verify_blob(BlobInput::Sha256(*digest), bundle, trust).map_err(|f| {
        Error::SelfCheck(format!("the new bundle does not verify ({}: {}); nothing was written", f.check, f.why))
    })
}

fn log_at(services: &Services, url: &str, root: &TrustedRoot) -> crate::transparency::Log {
    crate::transparency::Log::for_version(
        &crate::http::Client::new(&services.deadline),
        url,
        services.rekor_version,
        root,
    )
}

async fn timestamp(services: &Services, signature: &[u8], root: &TrustedRoot) -> Result<Vec<Vec<u8>>> {
    match &services.tsa_url {
        Some(url) => Ok(vec![
            sigstore::tsa_timestamp(&crate::http::Client::new(&services.deadline), url, signature, root).await?,
        ]),
        None => Ok(Vec::new()),
    }
}

/// Sign every digest with `signer`, log and timestamp each signature, and return verified
/// bundles in the order of `digests`. Fails as a whole.
pub async fn sign_digests(
    signer: &mut DigestSigner,
    digests: &[[u8; 32]],
    services: &Services,
    root: &TrustedRoot,
) -> Result<Vec<Signed>> {
    let mut signatures = Vec::with_capacity(digests.len());
    for d in digests {
        signatures.push(signer.sign_digest(d).await?);
    }
    let material = signer.material()?;
    let logged: Vec<(Option<TransparencyLogEntry>, Vec<Vec<u8>>)> = stream::iter(digests.iter().zip(&signatures))
        .map(|(digest, signature)| async move {
            // The timestamp before the log: a failing timestamp authority leaves no log entry.
            let stamps = timestamp(services, signature, root).await?;
            let entry = match &services.rekor_url {
                Some(url) => Some(log_at(services, url, root).log_digest(digest, signature, material).await?),
                None => None,
            };
            Ok::<_, Error>((entry, stamps))
        })
        .buffered(REKOR_CONCURRENCY)
        .try_collect()
        .await?;
    let bundle_verifier = BundleVerifier::new(root)?;
    let trust = key_trust(material, services);
    let mut out = Vec::with_capacity(digests.len());
    for ((digest, signature), (entry, stamps)) in digests.iter().zip(signatures).zip(logged) {
        let bundle = sigstore::message_bundle(material, digest, &signature, entry, &stamps);
        let verified = self_check(&bundle_verifier, digest, &bundle, trust)?;
        out.push(Signed { signature, bundle, verified });
    }
    Ok(out)
}

/// Sign an in-toto statement as a DSSE envelope, log it as a `dsse` entry, timestamp it, and
/// return the verified bundle. `subject` is one subject's SHA-256, used for the self-check.
pub async fn sign_statement(
    signer: &mut DigestSigner,
    statement: &[u8],
    subject: &[u8; 32],
    services: &Services,
    root: &TrustedRoot,
) -> Result<Signed> {
    let signature = signer.sign_message(&sigstore::dsse_pae(statement)).await?;
    let envelope = sigstore::dsse_envelope(statement, &signature);
    let material = signer.material()?;
    let stamps = timestamp(services, &signature, root).await?;
    let entry = match &services.rekor_url {
        Some(url) => Some(log_at(services, url, root).log_dsse(&envelope, material).await?),
        None => None,
    };
    let bundle = sigstore::dsse_bundle(material, envelope, entry, &stamps);
    let verified = self_check(&BundleVerifier::new(root)?, subject, &bundle, key_trust(material, services))?;
    Ok(Signed { signature, bundle, verified })
}
