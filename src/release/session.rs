//! A release signing run's setup and its one key: the configuration the options name (staging,
//! trusted root, signing config, timestamp authority), the services the signatures go to, the
//! key file opened up front, and then the signer (an identity token, the agent, a login, or the
//! key file) that signs every digest of the run. A bad option or an unreadable key fails before
//! any file is hashed or any service contacted.

use zeroize::Zeroizing;

use super::keypair;
use super::sign::{self, Services, Signed};
use crate::config::{Config, Overrides};
use crate::error::{Error, Result};
use crate::identity::{login, Token};
use crate::input;
use crate::keyless::{DigestSigner, KeySource};
use crate::sigstore::{self, Material, TrustedRoot};

/// How release signatures are made. The default signs keylessly and logs in Rekor.
#[derive(Clone)]
pub struct SignOptions {
    /// Sign with this cosign key file instead of keylessly; its password comes from
    /// [`keypair::read_password`].
    pub key: Option<std::path::PathBuf>,
    /// Log the signatures in Rekor (only key signatures may skip the log).
    pub tlog_upload: bool,
    /// An RFC 3161 timestamp authority to countersign every signature (default: the
    /// configuration's).
    pub timestamp_server_url: Option<String>,
    /// An OIDC identity token to sign with (default: the CI's, the agent, or a login).
    pub identity_token: Option<Zeroizing<String>>,
    /// The trusted root file the new bundles are checked against.
    pub trusted_root: Option<std::path::PathBuf>,
    /// A signing config file naming Fulcio, Rekor, TSA and OIDC issuer.
    pub signing_config: Option<std::path::PathBuf>,
    /// Sign with the public-good staging instance.
    pub staging: bool,
    /// The Rekor API version to write (`--rekor-version`): of an explicit Rekor, or the one to
    /// select from the signing config.
    pub rekor_version: Option<u32>,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            key: None,
            tlog_upload: true,
            timestamp_server_url: None,
            identity_token: None,
            trusted_root: None,
            signing_config: None,
            staging: false,
            rekor_version: None,
        }
    }
}

impl std::fmt::Debug for SignOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignOptions")
            .field("key", &self.key)
            .field("tlog_upload", &self.tlog_upload)
            .field("timestamp_server_url", &self.timestamp_server_url)
            .field("identity_token", &self.identity_token.as_ref().map(|_| "<redacted>"))
            .field("trusted_root", &self.trusted_root)
            .field("signing_config", &self.signing_config)
            .field("staging", &self.staging)
            .field("rekor_version", &self.rekor_version)
            .finish()
    }
}

/// The services a run's signatures went to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Instance {
    /// Fulcio that issued the certificate (keyless runs).
    pub fulcio_url: Option<String>,
    /// Rekor the signatures were logged in (none with `tlog_upload` off).
    pub rekor_url: Option<String>,
    /// The timestamp authority that countersigned them.
    pub tsa_url: Option<String>,
}

/// Who signed a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// Where the key came from.
    pub source: KeySource,
    /// The certificate's identity (keyless runs).
    pub identity: Option<String>,
    /// The certificate's OIDC issuer (keyless runs).
    pub issuer: Option<String>,
    /// The public key's hint, as in the bundles (key-file runs).
    pub public_key_hint: Option<String>,
}

/// The signatures of one run, in the order of the digests signed.
#[derive(Debug)]
pub struct SignedRun {
    /// One per digest.
    pub signed: Vec<Signed>,
    /// The signing certificate (DER) of a keyless run.
    pub certificate: Option<Vec<u8>>,
    /// Who signed.
    pub signer: Signer,
}

/// Everything a signing run needs, set up before any file is hashed.
pub struct Session {
    cfg: Config,
    services: Services,
    key_pkcs8: Option<Zeroizing<Vec<u8>>>,
    identity_token: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("services", &self.services).finish_non_exhaustive()
    }
}

/// The configuration a run signs with: the options override the environment and git config.
fn signing_config(o: &SignOptions) -> Result<Config> {
    Config::load_with(&Overrides {
        instance: o.staging.then_some(sigstore::Instance::Staging),
        trusted_root: o.trusted_root.clone(),
        signing_config: o.signing_config.clone(),
        timestamp_url: o.timestamp_server_url.clone(),
        rekor_version: o.rekor_version,
        ..Overrides::default()
    })
}

impl Session {
    /// Resolve the configuration, check the options against each other, and open the key file
    /// (asking for its password) when one is named.
    pub fn open(o: &SignOptions) -> Result<Self> {
        let cfg = signing_config(o)?;
        cfg.require_services()?;
        // Keyless runs on the public-good defaults take their services from its signing config.
        let cfg = if o.key.is_none() {
            crate::runtime()?.block_on(crate::trust::signing_services(&cfg, o.rekor_version, true))?
        } else {
            cfg
        };
        if !o.tlog_upload && o.key.is_none() {
            return Err(Error::Usage(
                "--tlog-upload=false needs --key: a short-lived certificate can only be trusted through its log entry"
                    .into(),
            ));
        }
        if !o.tlog_upload && cfg.timestamp_url.is_none() {
            return Err(Error::Usage(
                "--tlog-upload=false needs an RFC 3161 timestamp authority (--timestamp-server-url or sigseal.timestampURL): \
                 a Sigstore bundle must prove when it was signed, by a log entry or a timestamp"
                    .into(),
            ));
        }
        let key_pkcs8 = match &o.key {
            Some(path) => {
                let pem = Zeroizing::new(input::read_capped_string(path, input::KEY)?);
                let password = keypair::read_password(false, &format!("the password for {}", path.display()))?;
                Some(keypair::decrypt(&pem, &password, &path.display().to_string())?)
            }
            None => None,
        };
        let services = Services {
            rekor_url: o.tlog_upload.then(|| cfg.rekor_url.clone()),
            rekor_version: cfg.rekor_version,
            tsa_url: cfg.timestamp_url.clone(),
            deadline: cfg.deadline.clone(),
        };
        Ok(Self { cfg, services, key_pkcs8, identity_token: o.identity_token.clone() })
    }

    /// The services this run's signatures go to.
    pub fn instance(&self) -> Instance {
        Instance {
            fulcio_url: self.key_pkcs8.is_none().then(|| self.cfg.fulcio_url.clone()),
            rekor_url: self.services.rekor_url.clone(),
            tsa_url: self.services.tsa_url.clone(),
        }
    }

    /// The trusted root and the run's signer (a login happens here when one is needed).
    async fn signer(&self) -> Result<(TrustedRoot, DigestSigner)> {
        let (root, _) = crate::trust::load(&self.cfg, true).await?;
        let signer = if let Some(pkcs8) = &self.key_pkcs8 {
            DigestSigner::with_key(pkcs8)?
        } else {
            let token = self.identity_token.as_deref().map(|t| Token::parse(t, "--identity-token")).transpose()?;
            DigestSigner::keyless(&self.cfg, token, login::Stdin::Free).await?
        };
        Ok((root, signer))
    }

    /// Sign digests with one key: verified bundles in the order of `digests`.
    pub fn sign_digests(&self, digests: &[[u8; 32]]) -> Result<SignedRun> {
        crate::runtime()?.block_on(async {
            let (root, mut key) = self.signer().await?;
            let bundles = sign::sign_digests(&mut key, digests, &self.services, &root).await?;
            let (certificate, public_key_hint) = material_of(&key)?;
            let signer = signer_of(&key, bundles.first(), public_key_hint);
            Ok(SignedRun { signed: bundles, certificate, signer })
        })
    }

    /// Sign an in-toto statement; `subject` is one subject's SHA-256 for the self-check.
    pub fn attest(&self, statement: &[u8], subject: &[u8; 32]) -> Result<(Signed, Signer)> {
        crate::runtime()?.block_on(async {
            let (root, mut key) = self.signer().await?;
            let attestation = sign::sign_statement(&mut key, statement, subject, &self.services, &root).await?;
            let (_, public_key_hint) = material_of(&key)?;
            let signer = signer_of(&key, Some(&attestation), public_key_hint);
            Ok((attestation, signer))
        })
    }
}

/// The certificate (keyless) or the public key's hint (key file) of a signer that signed.
fn material_of(signer: &DigestSigner) -> Result<(Option<Vec<u8>>, Option<String>)> {
    Ok(match signer.material()? {
        Material::Certificate(c) => (Some(c.to_vec()), None),
        Material::PublicKey(spki) => (None, Some(sigstore::public_key_hint(spki))),
    })
}

fn signer_of(signer: &DigestSigner, first: Option<&Signed>, public_key_hint: Option<String>) -> Signer {
    Signer {
        source: signer.source,
        identity: first.and_then(|s| s.verified.identity.clone()),
        issuer: first.and_then(|s| s.verified.issuer.clone()),
        public_key_hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_never_show_the_identity_token() {
        let o = SignOptions {
            identity_token: Some(Zeroizing::new("eyJhbGciOi.secret.sig".into())),
            ..SignOptions::default()
        };
        let shown = format!("{o:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(o.tlog_upload, "signatures are logged unless asked otherwise");
    }
}
