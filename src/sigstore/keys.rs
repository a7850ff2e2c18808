//! Keys and certificates: loading an ECDSA P-256 key, signing (a message or a SHA-256 digest),
//! checking a signature with a public key or a certificate's key, a public key's hint, and what
//! a certificate states.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::{Error, Result};

use super::{DerCertificate, KeyPair};

/// Load an ECDSA P-256 key pair from PKCS#8 DER. The crypto provider's copy is cleansed when
/// the key pair is dropped.
pub fn key_from_pkcs8(pkcs8: &[u8]) -> Result<KeyPair> {
    KeyPair::from_pkcs8_der(pkcs8).map_err(|e| Error::Crypto("loading the signing key".into()).because(e))
}

/// Sign bytes (ECDSA P-256, SHA-256), DER signature.
pub fn sign(key: &KeyPair, data: &[u8]) -> Result<Vec<u8>> {
    key.sign(data).map(|s| s.as_bytes().to_vec()).map_err(|e| Error::Crypto("signing".into()).because(e))
}

/// ECDSA P-256 signature over an already computed SHA-256 digest (DER).
pub fn sign_digest(key: &KeyPair, digest: &[u8; 32]) -> Result<Vec<u8>> {
    key.sign_digest(&sigstore_sign::types::Sha256Hash::from(*digest))
        .map(|s| s.as_bytes().to_vec())
        .map_err(|e| Error::Crypto("signing".into()).because(e))
}

/// Verify an ECDSA P-256 signature over a SHA-256 digest with a public key (SPKI DER).
pub fn verify_digest(spki_der: &[u8], digest: &[u8; 32], signature: &[u8]) -> Result<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::pkcs8::DecodePublicKey;
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der)
        .map_err(|e| Error::Crypto("public key is not ECDSA P-256".into()).because(e))?;
    let sig = p256::ecdsa::Signature::from_der(signature)
        .map_err(|e| Error::BadSignature("signature is not DER ECDSA".into()).because(e))?;
    key.verify_prehash(digest, &sig)
        .map_err(|_| Error::BadSignature("signature does not verify with the public key".into()))
}

/// The public-key hint written into key-signed bundles: base64 of sha256 over the SPKI DER
/// (what cosign writes).
pub fn public_key_hint(spki_der: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    STANDARD.encode(Sha256::digest(spki_der))
}

/// Identity, issuer and validity of a certificate, without any trust decision.
#[derive(Clone, Debug)]
pub struct CertFacts {
    /// SAN identity.
    pub identity: Option<String>,
    /// OIDC issuer.
    pub issuer: Option<String>,
    /// notBefore (unix seconds).
    pub not_before: i64,
    /// notAfter (unix seconds).
    pub not_after: i64,
}

/// Read a certificate's Sigstore facts.
pub fn certificate_facts(leaf_der: &[u8]) -> Result<CertFacts> {
    let info = sigstore_sign::crypto::parse_certificate_info(&DerCertificate::from(leaf_der.to_vec()))
        .map_err(|e| Error::Malformed("certificate".into()).because(e))?;
    Ok(CertFacts {
        identity: info.identity.map(|s| s.as_str().to_string()),
        issuer: info.issuer,
        not_before: info.not_before.as_second(),
        not_after: info.not_after.as_second(),
    })
}

/// The hash of a signature whose scheme is named apart from its key (a CMS signer's digest
/// algorithm, an SCT's hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// The signature scheme of `key` (SPKI DER) with `hash`: ECDSA P-256 or P-384 with SHA-256 or
/// SHA-384, RSA PKCS#1 v1.5 with SHA-256, -384 or -512. `Err` says which pair is not supported.
pub(super) fn scheme_for(
    key: &sigstore_verify::types::DerPublicKey,
    hash: Hash,
) -> std::result::Result<sigstore_verify::crypto::SigningScheme, String> {
    use sigstore_verify::crypto::{KeyAlgorithm as K, SigningScheme as S};
    let algorithm = K::from_spki(key).map_err(|e| format!("unsupported key ({e})"))?;
    match (algorithm, hash) {
        (K::EcdsaP256, Hash::Sha256) => Ok(S::EcdsaP256Sha256),
        (K::EcdsaP256, Hash::Sha384) => Ok(S::EcdsaP256Sha384),
        (K::EcdsaP384, Hash::Sha256) => Ok(S::EcdsaP384Sha256),
        (K::EcdsaP384, Hash::Sha384) => Ok(S::EcdsaP384Sha384),
        (K::Rsa, Hash::Sha256) => Ok(S::RsaPkcs1Sha256),
        (K::Rsa, Hash::Sha384) => Ok(S::RsaPkcs1Sha384),
        (K::Rsa, Hash::Sha512) => Ok(S::RsaPkcs1Sha512),
        (other, hash) => Err(format!("{other:?} with {hash:?} is not supported")),
    }
}
