//! One signing key for a whole release run: every asset of `sign-blob` / `sign-release` /
//! `attest-blob` is signed (over its SHA-256 digest) by the same key and certificate, so a run
//! needs at most one login whatever the number of files. The key is a keyless credential (CI
//! token, the agent's, or a fresh login handed to the agent) or a long-lived key from a file.

use zeroize::Zeroizing;

use super::{Credential, KeySource};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::identity::{self, login, Token};
use crate::keyless::agent;
use crate::sigstore::{self, KeyPair, Material};

enum Key {
    /// A key this process holds with its certificate.
    Fresh(Credential),
    /// The agent holds the key; the chain is learned from its first signature.
    Agent { client: agent::Client, fulcio: String, chain: Option<Vec<Vec<u8>>> },
    /// A long-lived key (the key-based fallback), with its public key (SPKI DER).
    File { key: KeyPair, spki: Vec<u8> },
}

/// Signs digests for one run.
pub struct DigestSigner {
    key: Key,
    /// Where the key came from.
    pub source: KeySource,
}

impl std::fmt::Debug for DigestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestSigner").field("source", &self.source).field("key", &"<redacted>").finish()
    }
}

impl DigestSigner {
    /// A keyless signer: `token` when given (e.g. `--identity-token`), else the CI's ambient
    /// token, else a credential the agent holds for this Fulcio, else a login (whose credential
    /// is then handed to the agent when the agent is enabled).
    pub async fn keyless(cfg: &Config, token: Option<Token>, stdin: login::Stdin) -> Result<Self> {
        cfg.require_services()?;
        let token = match token {
            Some(t) => Some(t),
            None => identity::ci::ambient(cfg).await?,
        };
        if let Some(token) = token {
            let credential = super::token_credential(cfg, token, None).await?;
            return Ok(Self { key: Key::Fresh(credential), source: KeySource::Token });
        }
        let agent = if cfg.identity.use_agent { agent::Client::connect(cfg).await? } else { None };
        if let Some(client) = agent {
            let now = crate::unix_now();
            let holds = client.status().await?.held.iter().any(|h| h.fulcio == cfg.fulcio_url && h.usable_until > now);
            if holds {
                let key = Key::Agent { client, fulcio: cfg.fulcio_url.clone(), chain: None };
                return Ok(Self { key, source: KeySource::Agent });
            }
            let credential = super::login_credential(cfg, Some(client), None, stdin).await?;
            return Ok(Self { key: Key::Fresh(credential), source: KeySource::Login });
        }
        let credential = super::login_credential(cfg, None, None, stdin).await?;
        Ok(Self { key: Key::Fresh(credential), source: KeySource::Login })
    }

    /// A signer with a long-lived key (PKCS#8 DER, e.g. decrypted from a cosign key file).
    pub fn with_key(pkcs8: &Zeroizing<Vec<u8>>) -> Result<Self> {
        let key = sigstore::key_from_pkcs8(pkcs8)?;
        let spki = super::public_key_of(pkcs8)?;
        Ok(Self { key: Key::File { key, spki }, source: KeySource::KeyFile })
    }

    /// ECDSA P-256 signature over a SHA-256 digest (DER).
    pub async fn sign_digest(&mut self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        match &mut self.key {
            Key::Fresh(c) => c.sign_digest(digest),
            Key::File { key, .. } => sigstore::sign_digest(key, digest),
            Key::Agent { client, fulcio, chain } => {
                let hit = client.sign_digest(fulcio, digest).await?.ok_or_else(|| {
                    Error::Agent(
                        "the agent no longer holds a usable credential (it expired or was wiped during this run); run the command again"
                            .into(),
                    )
                })?;
                match chain {
                    Some(known) if *known != hit.chain => {
                        return Err(Error::Agent(
                            "the agent switched certificates during this run; run the command again".into(),
                        ))
                    }
                    Some(_) => {}
                    None => *chain = Some(hit.chain),
                }
                Ok(hit.signature)
            }
        }
    }

    /// ECDSA P-256 signature over `message` (hashed with SHA-256 here), DER.
    pub async fn sign_message(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        use sha2::{Digest, Sha256};
        let digest: [u8; 32] = Sha256::digest(message).into();
        self.sign_digest(&digest).await
    }

    /// The certificate or public key that vouches for this signer's key. For an agent-held key
    /// it is known after the first signature.
    pub fn material(&self) -> Result<Material<'_>> {
        let missing = || Error::Agent("no signature was made yet, so the agent's certificate is unknown".into());
        Ok(match &self.key {
            Key::Fresh(c) => Material::Certificate(c.chain.first().ok_or_else(missing)?),
            Key::Agent { chain, .. } => {
                Material::Certificate(chain.as_ref().and_then(|c| c.first()).ok_or_else(missing)?)
            }
            Key::File { spki, .. } => Material::PublicKey(spki),
        })
    }
}
