//! Fulcio: the certificate request (v2 `signingCert`, the key's proof of possession over the
//! token's identity) through sigseal's HTTP client, and reading the chain in its answer.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::{Error, Result};
use crate::http;

use super::{DerCertificate, KeyPair};
use sigstore_sign::oidc::IdentityToken;

/// Ask Fulcio at `url` for a signing certificate through `client`; returns the chain, leaf
/// first (DER). The request is made here (not by sigstore-fulcio's client) so that it is
/// retried and bounded like every other, the reply is read with a cap, and an error reply
/// reaches messages only through [`crate::http::sanitize`], the token redacted. A repeated
/// request only gets another certificate for the same key, so it is retried.
pub async fn fulcio_certificate(client: &http::Client, url: &str, token: &str, key: &KeyPair) -> Result<Vec<Vec<u8>>> {
    let fail = |reason: String| Error::Fulcio { url: url.to_string(), reason };
    let id_token = IdentityToken::from_jwt(token)
        .map_err(|e| Error::TokenRejected(crate::http::sanitize(&e.to_string(), &[token])))?;
    let public_key =
        key.public_key_der().map_err(|e| Error::Crypto("exporting the public key".into()).because(e))?.to_pem();
    // Proof of possession: the key signs the identity the token names (email, else subject).
    let proof = super::sign(key, id_token.identity().as_bytes())?;
    let body = serde_json::to_vec(&serde_json::json!({
        "credentials": {"oidcIdentityToken": token},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "", "content": public_key},
            "proofOfPossession": STANDARD.encode(&proof),
        },
    }))
    .map_err(|e| fail(format!("building the request: {e}")))?;
    let endpoint = format!("{}/api/v2/signingCert", url.trim_end_matches('/'));
    let request = http::Request::post(endpoint, "application/json", body).idempotent().secret(token);
    let reply = client.send(&request).await.map_err(|why| fail("certificate request failed".into()).because(why))?;
    fulcio_chain(&reply.body).map_err(|why| fail(format!("unusable answer: {why}")))
}

/// The certificate chain (leaf first, DER) in Fulcio's v2 `signingCert` answer.
fn fulcio_chain(body: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))?;
    let chain = ["signedCertificateEmbeddedSct", "signedCertificateDetachedSct"]
        .iter()
        .find_map(|k| json.get(*k))
        .and_then(|v| v.pointer("/chain/certificates"))
        .and_then(|v| v.as_array())
        .ok_or("no certificate chain in it")?;
    if chain.is_empty() {
        return Err("the certificate chain is empty".into());
    }
    chain
        .iter()
        .map(|pem| {
            let pem = pem.as_str().ok_or("a certificate is not a PEM string")?;
            DerCertificate::from_pem(pem)
                .map(|c| c.as_bytes().to_vec())
                .map_err(|e| format!("a certificate is not PEM: {}", crate::http::sanitize(&e.to_string(), &[])))
        })
        .collect()
}
