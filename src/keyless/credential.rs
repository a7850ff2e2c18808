//! The credential of a keyless signature: an ephemeral P-256 key and the Fulcio certificate chain
//! that binds it to the caller's OIDC identity, checked to certify this key and this token's
//! identity before it is used.

use p256::pkcs8::EncodePrivateKey;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::identity::Token;
use crate::sigstore::{self, KeyPair};

/// Seconds before a certificate's notAfter after which it is no longer used: signing, logging
/// and the log's integration must all fall inside the certificate's validity.
pub const EXPIRY_MARGIN_SECS: i64 = 60;

/// An ephemeral key and the Fulcio certificate chain that binds it to an identity.
pub struct Credential {
    key: KeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
    /// Certificate chain, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// Identity in the leaf (email or URI).
    pub identity: String,
    /// OIDC issuer in the leaf.
    pub issuer: String,
    /// Leaf notAfter (unix seconds).
    pub not_after: i64,
}

#[allow(
    clippy::missing_fields_in_debug,
    reason = "the private key and its PKCS#8 bytes are secrets and are never printed"
)]
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("identity", &self.identity)
            .field("issuer", &self.issuer)
            .field("not_after", &self.not_after)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Credential {
    /// A fresh key and a certificate for `token` (already checked).
    pub async fn request(cfg: &Config, token: &Token) -> Result<Self> {
        let secret = p256::SecretKey::random(&mut rand_core::OsRng);
        let pkcs8 = Zeroizing::new(
            secret.to_pkcs8_der().map_err(|e| Error::Crypto("encoding the key".into()).because(e))?.as_bytes().to_vec(),
        );
        drop(secret);
        let key = sigstore::key_from_pkcs8(&pkcs8)?;
        let http = crate::http::Client::new(&cfg.deadline);
        let chain = sigstore::fulcio_certificate(&http, &cfg.fulcio_url, token.expose(), &key).await?;
        let credential = Self::assemble(key, pkcs8, chain)
            .map_err(|e| Error::Fulcio { url: cfg.fulcio_url.clone(), reason: format!("unusable certificate: {e}") })?;
        // A certificate for anyone else (a swapped token, a misbehaving CA) is never used: it
        // would sign as that identity. Checked before anything reaches Rekor or a TSA.
        if !token.certifies(&credential.identity, &credential.issuer) {
            return Err(Error::Fulcio {
                url: cfg.fulcio_url.clone(),
                reason: format!(
                    "answered with a certificate for {} from {}, but the token is for {}; nothing was signed",
                    crate::http::sanitize(&credential.identity, &[]),
                    crate::http::sanitize(&credential.issuer, &[]),
                    token.certificate_expectation()
                ),
            });
        }
        Ok(credential)
    }

    /// Rebuild a credential from its parts (the agent's side), checking that the key is the one
    /// the leaf certifies.
    pub fn from_parts(pkcs8: Zeroizing<Vec<u8>>, chain: Vec<Vec<u8>>) -> Result<Self> {
        let key = sigstore::key_from_pkcs8(&pkcs8)?;
        Self::assemble(key, pkcs8, chain)
    }

    fn assemble(key: KeyPair, pkcs8: Zeroizing<Vec<u8>>, chain: Vec<Vec<u8>>) -> Result<Self> {
        use der::Decode;
        let leaf = chain.first().ok_or_else(|| Error::Malformed("empty certificate chain".into()))?;
        let cert =
            x509_cert::Certificate::from_der(leaf).map_err(|e| Error::Malformed("certificate".into()).because(e))?;
        let spki_key = cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
        if spki_key != key.public_key_bytes() {
            return Err(Error::Crypto("the certificate does not certify this key".into()));
        }
        let facts = sigstore::certificate_facts(leaf)?;
        Ok(Self {
            key,
            pkcs8,
            identity: facts.identity.ok_or_else(|| Error::Malformed("certificate has no identity".into()))?,
            issuer: facts.issuer.unwrap_or_default(),
            not_after: facts.not_after,
            chain,
        })
    }

    /// ECDSA P-256 / SHA-256 signature over `message` (DER).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        sigstore::sign(&self.key, message)
    }

    /// ECDSA P-256 signature over a SHA-256 digest (DER): release assets of any size.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        sigstore::sign_digest(&self.key, digest)
    }

    /// The private key (PKCS#8 DER), for handing to the agent only.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// Last second at which this credential may start a signature.
    pub fn usable_until(&self) -> i64 {
        self.not_after - EXPIRY_MARGIN_SECS
    }

    /// True while the certificate has more than the safety margin left.
    pub fn is_usable(&self, now: i64) -> bool {
        now < self.usable_until()
    }
}
