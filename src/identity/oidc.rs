//! `OpenID` Connect plumbing shared by the login flows and the token checks: the HTTP client
//! handed to `openidconnect` (sigseal's [`crate::http::Client`]: its deadline, retries of GETs,
//! capped replies, no redirect away from the issuer's host), provider discovery (with the
//! optional RFC 8628 device endpoint), and ID-token signature checks against the issuer's JWKS.

use std::str::FromStr;
use std::time::Duration;

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType, CoreIdToken, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, DeviceAuthorizationUrl, HttpRequest, HttpResponse, IdTokenVerifier,
    IssuerUrl, Nonce, ProviderMetadata,
};
use serde::{Deserialize, Serialize};

use super::Token;
use crate::error::{Error, Result};

/// Discovery metadata with the device authorization endpoint, when the issuer has one.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct DeviceEndpoint {
    /// RFC 8628 device authorization endpoint.
    pub device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
}
impl AdditionalProviderMetadata for DeviceEndpoint {}

/// Provider metadata as sigseal reads it.
pub type Metadata = ProviderMetadata<
    DeviceEndpoint,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// An HTTP failure, as `openidconnect` wants it (an `std::error::Error`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// How long the local check of a token's signature (discovery and keys) may take before it is
/// left to Fulcio.
const SIGNATURE_CHECK_LIMIT: Duration = Duration::from_secs(10);

/// The HTTP client for OIDC endpoints: sigseal's, within `deadline`. A redirect is followed
/// only within the endpoint's origin (a token request is never sent elsewhere); discovery and
/// key GETs are retried, token and device POSTs are sent once (a code is good for one use).
#[derive(Clone)]
pub struct Http(crate::http::Client);

impl Http {
    /// A client whose requests end by `deadline`.
    pub fn new(deadline: &crate::http::Deadline) -> Self {
        Self(crate::http::Client::new(deadline))
    }

    /// Perform one request (the shape `openidconnect` calls); replies of any status go back to
    /// `openidconnect`, which reads the error replies of the OAuth 2.0 endpoints.
    pub async fn call(&self, request: HttpRequest) -> std::result::Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        // Discovery documents, key sets and token replies are small; nothing larger is read.
        let request = crate::http::Request::new(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .limit(crate::http::JSON_LIMIT)
            .any_status();
        let reply = self.0.send(&request).await.map_err(|e| HttpError(e.to_string()))?;
        let mut builder = openidconnect::http::Response::builder().status(reply.status);
        for (name, value) in &reply.headers {
            builder = builder.header(name, value);
        }
        builder.body(reply.body).map_err(|e| HttpError(e.to_string()))
    }

    /// A closure over this client, usable wherever `openidconnect` takes an async HTTP client.
    pub fn client(
        &self,
    ) -> impl Fn(
        HttpRequest,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = std::result::Result<HttpResponse, HttpError>>>>
           + '_ {
        move |req| {
            let this = self.clone();
            Box::pin(async move { this.call(req).await })
        }
    }
}

/// Fetch and validate `issuer`'s discovery document (its `issuer` must match exactly).
pub async fn discover(http: &Http, issuer: &str) -> std::result::Result<Metadata, String> {
    let url = IssuerUrl::new(issuer.to_string()).map_err(|e| format!("issuer URL {issuer}: {e}"))?;
    Metadata::discover_async(url, &http.client()).await.map_err(|e| {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        crate::http::sanitize(&msg, &[])
    })
}

/// Signature algorithms accepted on ID tokens (never `none`, never HMAC).
pub fn allowed_algs() -> Vec<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    vec![
        A::RsaSsaPkcs1V15Sha256,
        A::RsaSsaPkcs1V15Sha384,
        A::RsaSsaPkcs1V15Sha512,
        A::RsaSsaPssSha256,
        A::EcdsaP256Sha256,
        A::EcdsaP384Sha384,
        A::EdDsa,
    ]
}

/// Outcome of the JWKS check of a token's signature.
#[derive(Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Signed by one of the issuer's published keys.
    Verified,
    /// The issuer's discovery document or keys could not be fetched (offline, firewalled).
    Unreachable(String),
}

/// Check `token`'s signature (and issuer, audience `sigstore`, expiry) against the keys its
/// issuer publishes, within `deadline` (and at most 10 s of it). A signature that does not
/// verify is an error; an unreachable issuer is not.
pub async fn verify_signature(token: &Token, deadline: &crate::http::Deadline) -> Result<SignatureCheck> {
    let http = Http::new(&deadline.at_most(SIGNATURE_CHECK_LIMIT));
    let meta = match discover(&http, &token.issuer).await {
        Ok(m) => m,
        Err(why) => return Ok(SignatureCheck::Unreachable(format!("discovery at {}: {why}", token.issuer))),
    };
    let jwks = match CoreJsonWebKeySet::fetch_async(meta.jwks_uri(), &http.client()).await {
        Ok(k) => k,
        Err(e) => {
            return Ok(SignatureCheck::Unreachable(format!(
                "keys at {}: {}",
                meta.jwks_uri().url(),
                crate::http::sanitize(&e.to_string(), &[token.expose()])
            )))
        }
    };
    let reject = |why: String| Error::TokenRejected(format!("token from {}: {why}", token.source));
    let id_token = CoreIdToken::from_str(token.expose()).map_err(|e| reject(format!("not a valid ID token: {e}")))?;
    let verifier = IdTokenVerifier::new_public_client(
        ClientId::new(token.expected_audience.clone()),
        IssuerUrl::new(token.issuer.clone()).map_err(|e| reject(e.to_string()))?,
        jwks,
    )
    .set_allowed_algs(allowed_algs())
    .set_other_audience_verifier_fn(|_| true);
    id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())).map_err(|e| {
        reject(format!(
            "signature or claims do not verify against the issuer's keys: {}",
            crate::http::sanitize(&e.to_string(), &[token.expose()])
        ))
    })?;
    Ok(SignatureCheck::Verified)
}
