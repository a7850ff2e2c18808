//! Keyless signing: an ephemeral P-256 key and a short-lived Fulcio certificate for the caller's
//! OIDC identity (a [`Credential`]), a CMS signature over the payload, a Rekor entry, and a full
//! offline verification of the result before anything is handed out.
//!
//! Where the signing key comes from, in order: a CI ambient token (fresh credential), the
//! credential agent (key stays in the agent), else a login whose fresh credential is then handed
//! to the agent so the next signature needs no login.

pub mod agent;
mod credential;
pub mod digest;
mod key;

pub use credential::{Credential, EXPIRY_MARGIN_SECS};
pub use digest::DigestSigner;
pub use key::public_key_of;

use crate::cms::{self, SignedAttrs, Unsigned};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::identity::{self, login};
use crate::sigstore::{self, TrustedRoot};
use crate::transparency;
use crate::verify::{self, Policy, Verdict};

/// A finished signature.
#[derive(Clone, Debug)]
pub struct Signature {
    /// DER `ContentInfo`.
    pub der: Vec<u8>,
    /// Leaf certificate SHA-1 fingerprint (upper-case hex).
    pub fingerprint: String,
    /// Signing time (unix seconds).
    pub signing_time: u64,
    /// Identity in the certificate.
    pub identity: String,
    /// Rekor log index.
    pub log_index: i64,
    /// Where the signing key came from.
    pub key_source: KeySource,
}

/// Where a signature's key came from (for the one-line summary).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A CI or user-supplied token; fresh key.
    Token,
    /// The credential agent.
    Agent,
    /// A login just now; fresh key.
    Login,
    /// A long-lived key from a key file (the key-based fallback of release signing).
    KeyFile,
}

/// `sigseal.matchCommitter`: the identity must be the committer/tagger email.
fn match_identity(required: Option<&str>, identity: &str) -> Result<()> {
    match required {
        Some(want) if !want.eq_ignore_ascii_case(identity) => Err(Error::CommitterMismatch(format!(
            "signing identity {identity} is not the committer/tagger {want}; nothing was signed"
        ))),
        _ => Ok(()),
    }
}

/// Sign `payload` (a git commit or tag, or any bytes) keylessly, verifying the result against
/// `root` before returning. `stdin` says whether a login may read a pasted code from stdin.
pub async fn sign(cfg: &Config, root: &TrustedRoot, payload: &[u8], stdin: login::Stdin) -> Result<Signature> {
    cfg.require_services()?;
    let required = if cfg.identity.match_committer {
        Some(crate::git::signer_email(payload).ok_or_else(|| {
            Error::CommitterMismatch(
                "sigseal.matchCommitter is on, but the payload names no committer or tagger".into(),
            )
        })?)
    } else {
        None
    };
    let (chain, attrs, signature, key_source) = signing_key(cfg, payload, required.as_deref(), stdin).await?;
    let signing_time = attrs.signing_time;
    let leaf = chain.first().ok_or_else(|| Error::Fulcio {
        url: cfg.fulcio_url.clone(),
        reason: "returned an empty certificate chain".into(),
    })?;

    let http = crate::http::Client::new(&cfg.deadline);
    // The timestamp before the log: a timestamp authority that fails leaves no public log entry
    // for a signature that is then never handed out.
    let token = match &cfg.timestamp_url {
        Some(tsa) => {
            let reply = sigstore::tsa_timestamp(&http, tsa, &signature, root).await?;
            Some(
                sigstore::timestamp::Token::token_der(&reply)
                    .map_err(|reason| Error::Timestamp { url: tsa.clone(), reason })?,
            )
        }
        None => None,
    };
    let entry = transparency::Log::for_version(&http, &cfg.rekor_url, cfg.rekor_version, root)
        .log_signature(&attrs.der, &signature, leaf)
        .await?;
    let log_index = transparency::log_index(&entry);
    let entry_pb = sigstore::entry_to_protobuf(&entry)?;
    let mut unsigned = vec![Unsigned::OctetString(cms::OID_TLOG_ENTRY, entry_pb)];
    if let Some(token) = token {
        unsigned.push(Unsigned::Der(cms::OID_TIMESTAMP_TOKEN, token));
    }
    let der = cms::build(leaf, &attrs, &signature, &unsigned)?;

    // Hand out nothing that does not verify offline, exactly as a verifier will check it.
    let report = verify::verify_detached(&der, payload, root, &Policy::default());
    match &report.verdict {
        Verdict::Good => {}
        Verdict::Bad(why) | Verdict::Unverifiable(why) => {
            return Err(Error::SelfCheck(format!("the new signature does not verify: {why}")))
        }
    }
    let identity = report.identity.clone().unwrap_or_default();
    match_identity(required.as_deref(), &identity)?;
    Ok(Signature { der, fingerprint: report.fingerprint, signing_time, identity, log_index, key_source })
}

/// Get a key and its certificate chain, then sign `payload`'s attributes with it: the chain,
/// the signed attributes, the signature. The signing time is taken once the certificate is in
/// hand, so it never precedes the certificate's notBefore (a certificate issued in the second
/// after a time taken before the request would make openssl and gpgsm refuse the signature).
async fn signing_key(
    cfg: &Config,
    payload: &[u8],
    required: Option<&str>,
    stdin: login::Stdin,
) -> Result<(Vec<Vec<u8>>, SignedAttrs, Vec<u8>, KeySource)> {
    let attrs_now = || SignedAttrs::for_payload(payload, u64::try_from(crate::unix_now()).unwrap_or(0));
    if let Some(token) = identity::ci::ambient(cfg).await? {
        let credential = token_credential(cfg, token, required).await?;
        let attrs = attrs_now()?;
        let signature = credential.sign(&attrs.der)?;
        return Ok((credential.chain.clone(), attrs, signature, KeySource::Token));
    }
    let agent = if cfg.identity.use_agent { agent::Client::connect(cfg).await? } else { None };
    if let Some(client) = &agent {
        let attrs = attrs_now()?;
        if let Some(hit) = client.sign(&cfg.fulcio_url, required, &attrs.der).await? {
            return Ok((hit.chain, attrs, hit.signature, KeySource::Agent));
        }
    }
    let credential = login_credential(cfg, agent, required, stdin).await?;
    let attrs = attrs_now()?;
    let signature = credential.sign(&attrs.der)?;
    Ok((credential.chain.clone(), attrs, signature, KeySource::Login))
}

/// A fresh credential for a token that did not come from a login (CI, `--identity-token`):
/// the token is checked, must name `required` when given, and is dropped once Fulcio answered.
pub(crate) async fn token_credential(
    cfg: &Config,
    token: identity::Token,
    required: Option<&str>,
) -> Result<Credential> {
    cfg.require_services()?;
    identity::verify_token(&token, &cfg.deadline).await?;
    match_identity(required, token.identity())?;
    Credential::request(cfg, &token).await
}

/// Log in, get a fresh credential (for `required`, when given), and hand it to the agent
/// (`running`, else one started now) when the agent is enabled. A failed hand-over only costs
/// the next login, so it is a note, not an error.
pub(crate) async fn login_credential(
    cfg: &Config,
    running: Option<agent::Client>,
    required: Option<&str>,
    stdin: login::Stdin,
) -> Result<Credential> {
    cfg.require_services()?;
    let token = login::login(cfg, login::Flow::from_config(cfg), stdin).await?;
    match_identity(required, token.identity())?;
    let credential = Credential::request(cfg, &token).await?;
    drop(token);
    if cfg.identity.use_agent {
        if let Err(e) = agent::hand_over(cfg, running, &credential).await {
            identity::terminal::note(&format!("sigseal: credential not cached: {}", e.one_line()));
        }
    }
    Ok(credential)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committer_match_is_case_insensitive_and_refuses_others() {
        assert!(match_identity(Some("Alice@Example.com"), "alice@example.com").is_ok());
        assert!(match_identity(None, "anyone").is_ok());
        let e = match_identity(Some("bob@example.com"), "alice@example.com").unwrap_err();
        assert_eq!(e.code(), "SS0104");
    }
}
