//! OIDC identity: where tokens come from ([`ci`]: CI ambient tokens, token files, the
//! environment; [`login`]: browser and device-flow logins), the checks every token passes before
//! Fulcio is contacted (expiry, audience, issuer, signature against the issuer's JWKS). The
//! credential agent that lets one login serve a whole rebase holds certificates, not tokens: it
//! is [`crate::keyless::agent`].
//!
//! Tokens are secrets: they are held in [`Token`], which never prints its value and is zeroized
//! on drop.

pub mod ci;
pub mod login;
mod oidc;
pub(crate) mod terminal;

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The audience Sigstore's Fulcio expects.
pub const AUDIENCE: &str = "sigstore";

/// Seconds of life a token must have left to be worth sending to Fulcio.
const MIN_LIFETIME_SECS: i64 = 5;

/// Which issuers a token from a given source may come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedIssuer {
    /// Exactly this issuer URL.
    Exact(String),
    /// This URL or a path below it (GitHub Enterprise issuers, `CircleCI` organisations).
    Under(String),
    /// Any well-formed issuer URL (tokens the user handed over explicitly).
    AnyUrl,
}

impl ExpectedIssuer {
    fn admits(&self, iss: &str) -> bool {
        match self {
            Self::Exact(want) => iss.trim_end_matches('/') == want.trim_end_matches('/'),
            Self::Under(base) => {
                let base = base.trim_end_matches('/');
                iss == base || iss.strip_prefix(base).is_some_and(|rest| rest.starts_with('/'))
            }
            Self::AnyUrl => true,
        }
    }
}

/// An OIDC identity token (JWT) with the claims sigseal uses.
pub struct Token {
    jwt: Zeroizing<String>,
    /// Where it came from (for messages), e.g. `SIGSTORE_ID_TOKEN`.
    pub source: String,
    /// `iss` claim.
    pub issuer: String,
    /// `sub` claim.
    pub subject: String,
    /// `email` claim, when present.
    pub email: Option<String>,
    /// `email_verified` claim.
    pub email_verified: bool,
    /// `exp` claim (unix seconds).
    pub expires_at: i64,
    /// `aud` claim values.
    pub audiences: Vec<String>,
    /// The issuers this token's source may issue.
    pub expected_issuer: ExpectedIssuer,
    /// The audience Fulcio will check: `sigstore` for CI and user tokens, the client id for a
    /// login.
    pub expected_audience: String,
    /// The identities a certificate for this token may carry (see [`Token::certifies`]).
    certificate_names: Vec<String>,
    /// The issuer a certificate for this token must name.
    certificate_issuer: String,
}

#[allow(clippy::missing_fields_in_debug, reason = "the token itself is a secret and is never printed")]
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("source", &self.source)
            .field("issuer", &self.issuer)
            .field("subject", &self.subject)
            .field("jwt", &"<redacted>")
            .finish()
    }
}

impl Token {
    /// Parse the claims of a JWT (its signature is checked by [`verify_token`]).
    pub fn parse(jwt: &str, source: &str) -> Result<Self> {
        let jwt = Zeroizing::new(jwt.trim().to_string());
        let reject = |why: &str| Error::TokenRejected(format!("token from {source}: {why}"));
        let mut parts = jwt.split('.');
        let (Some(_), Some(payload), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(reject("not a JWT (expected three dot-separated parts)"));
        };
        let raw =
            URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).map_err(|_| reject("payload is not base64url"))?;
        let claims: serde_json::Value = serde_json::from_slice(&raw).map_err(|_| reject("payload is not JSON"))?;
        let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let audiences = match claims.get("aud") {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => vec![],
        };
        let issuer = text("iss").ok_or_else(|| reject("no 'iss' claim"))?;
        let (certificate_names, certificate_issuer) = certificate_names(&claims, &issuer);
        Ok(Self {
            certificate_names,
            certificate_issuer,
            source: source.to_string(),
            issuer,
            subject: text("sub").ok_or_else(|| reject("no 'sub' claim"))?,
            email: text("email"),
            email_verified: claims
                .get("email_verified")
                .and_then(|v| v.as_bool().or_else(|| v.as_str().map(|s| s == "true")))
                .unwrap_or(false),
            expires_at: claims
                .get("exp")
                .and_then(serde_json::Value::as_i64)
                .ok_or_else(|| reject("no 'exp' claim"))?,
            audiences,
            expected_issuer: ExpectedIssuer::AnyUrl,
            expected_audience: AUDIENCE.to_string(),
            jwt,
        })
    }

    /// The same token, for a login with OIDC client `client_id` (its audience).
    pub fn for_client(mut self, client_id: &str) -> Self {
        self.expected_audience = client_id.to_string();
        self
    }

    /// The same token, restricted to issuers `expected`.
    pub fn expecting(mut self, expected: ExpectedIssuer) -> Self {
        self.expected_issuer = expected;
        self
    }

    /// The raw JWT, for sending to Fulcio only.
    pub fn expose(&self) -> &str {
        &self.jwt
    }

    /// The identity Fulcio will certify: the email when verified, else the subject.
    pub fn identity(&self) -> &str {
        match &self.email {
            Some(e) if self.email_verified => e,
            _ => &self.subject,
        }
    }

    /// Whether a certificate naming `identity` (its SAN) and `issuer` (its OIDC issuer
    /// extension) is one Fulcio issues for this token: the issuer must be the token's (or, for a
    /// federating issuer, the upstream issuer the token names in `federated_claims`), and the
    /// identity one the token names. Fulcio's rules: the `email` claim for people; for CI
    /// tokens a URI built from the workflow claims (GitHub `job_workflow_ref`, GitLab
    /// `ci_config_ref_uri`, Buildkite organization and pipeline); else `sub`.
    pub fn certifies(&self, identity: &str, issuer: &str) -> bool {
        let same_issuer = issuer.trim_end_matches('/') == self.certificate_issuer.trim_end_matches('/');
        same_issuer
            && self
                .certificate_names
                .iter()
                .any(|n| n == identity || (n.contains('@') && n.eq_ignore_ascii_case(identity)))
    }

    /// What a certificate for this token must name, for messages: identity and issuer.
    pub fn certificate_expectation(&self) -> String {
        format!("{} from {}", self.certificate_names.join(" or "), self.certificate_issuer)
    }

    /// Offline checks made before any certificate is requested: not expired, audience
    /// `sigstore`, an issuer this token's source may use. The signature is checked by
    /// [`verify_token`] against the issuer's keys.
    pub fn check(&self, now: i64) -> Result<()> {
        if crate::config::check_service_url("token issuer", &self.issuer).is_err() {
            return Err(Error::TokenRejected(format!(
                "token from {} has issuer {:?}, which is not an https URL",
                self.source, self.issuer
            )));
        }
        if !self.expected_issuer.admits(&self.issuer) {
            let want = match &self.expected_issuer {
                ExpectedIssuer::Exact(u) => u.clone(),
                ExpectedIssuer::Under(u) => format!("{u} or below"),
                ExpectedIssuer::AnyUrl => String::new(),
            };
            return Err(Error::TokenRejected(format!(
                "token from {} was issued by {}, expected {want}",
                self.source, self.issuer
            )));
        }
        if self.expires_at <= now + MIN_LIFETIME_SECS {
            return Err(Error::TokenRejected(format!(
                "token from {} expired {} seconds ago",
                self.source,
                now - self.expires_at
            )));
        }
        if !self.audiences.contains(&self.expected_audience) {
            return Err(Error::TokenRejected(format!(
                "token from {} has audience {:?}, Fulcio needs '{}'",
                self.source, self.audiences, self.expected_audience
            )));
        }
        Ok(())
    }
}

/// The identities a Fulcio certificate for a token with `claims` may carry, and the issuer it
/// must name. Fulcio writes the verified email of a person, the `sub` of a plain URI or
/// SPIFFE identity, and for CI providers a URI from the provider's template.
fn certificate_names(claims: &serde_json::Value, iss: &str) -> (Vec<String>, String) {
    let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).filter(|v| !v.is_empty()).map(str::to_string);
    let verified = claims
        .get("email_verified")
        .and_then(|v| v.as_bool().or_else(|| v.as_str().map(|s| s == "true")))
        .unwrap_or(false);
    let mut names = Vec::new();
    match text("email") {
        Some(email) if verified => names.push(email),
        _ => {}
    }
    if let Some(sub) = text("sub") {
        names.push(sub);
    }
    let iss_trimmed = iss.trim_end_matches('/');
    if let Some(workflow) = text("job_workflow_ref") {
        // github.com (and GitHub Enterprise Cloud, below the same issuer): https://github.com;
        // GitHub Enterprise Server issues from SERVER/_services/token.
        let base = match iss_trimmed.strip_suffix("/_services/token") {
            Some(server) => server.to_string(),
            None => "https://github.com".to_string(),
        };
        names.push(format!("{base}/{workflow}"));
    }
    if let Some(config) = text("ci_config_ref_uri") {
        names.push(format!("https://{config}"));
    }
    if let (Some(org), Some(pipeline)) = (text("organization_slug"), text("pipeline_slug")) {
        names.push(format!("https://buildkite.com/{org}/{pipeline}"));
    }
    // CircleCI: Fulcio's template names the pipeline definition through the API URL.
    if let (Some(project), Some(definition)) =
        (text("oidc.circleci.com/project-id"), text("oidc.circleci.com/pipeline-definition-id"))
    {
        let api = text("api_url").unwrap_or_else(|| "https://circleci.com/api/v2".to_string());
        names.push(format!("{api}/projects/{project}/pipeline-definitions/{definition}"));
    }
    // Codefresh.
    if let (Some(account), Some(pipeline), Some(account_id), Some(pipeline_id)) =
        (text("account_name"), text("pipeline_name"), text("account_id"), text("pipeline_id"))
    {
        let platform = text("platform_url").unwrap_or_else(|| "https://g.codefresh.io".to_string());
        names.push(format!("{platform}/{account}/{pipeline}:{account_id}/{pipeline_id}"));
    }
    // Kubernetes service accounts.
    let k8s = |k: &str| claims.pointer(k).and_then(|v| v.as_str()).filter(|v| !v.is_empty());
    if let (Some(ns), Some(sa)) = (k8s("/kubernetes.io/namespace"), k8s("/kubernetes.io/serviceaccount/name")) {
        names.push(format!("https://kubernetes.io/namespaces/{ns}/serviceaccounts/{sa}"));
    }
    let issuer = claims
        .pointer("/federated_claims/connector_id")
        .and_then(|v| v.as_str())
        .filter(|v| v.starts_with("https://"))
        .map_or_else(|| iss.to_string(), str::to_string);
    (names, issuer)
}

/// Every check before Fulcio: [`Token::check`], then the signature against the JWKS the issuer
/// publishes (OIDC discovery). When discovery cannot be reached the signature is left to Fulcio,
/// and a note says so; a signature that does not verify is always refused.
pub async fn verify_token(token: &Token, deadline: &crate::http::Deadline) -> Result<()> {
    token.check(crate::unix_now())?;
    match oidc::verify_signature(token, deadline).await? {
        oidc::SignatureCheck::Verified => Ok(()),
        oidc::SignatureCheck::Unreachable(why) => {
            terminal::note(&format!("note: token signature not checked locally ({why}); Fulcio checks it"));
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::needless_pass_by_value, reason = "each test passes its own json! literal")]
pub(crate) fn test_jwt(claims: serde_json::Value) -> String {
    format!("eyJhbGciOiJub25lIn0.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_is_verified_email_else_subject() {
        let t = Token::parse(&test_jwt(json!({"iss":"https://i.example","sub":"s","email":"a@b","email_verified":true,"exp":10,"aud":"sigstore"})), "t").unwrap();
        assert_eq!(t.identity(), "a@b");
        let t = Token::parse(
            &test_jwt(json!({"iss":"https://i.example","sub":"s","email":"a@b","exp":10,"aud":["x","sigstore"]})),
            "t",
        )
        .unwrap();
        assert_eq!(t.identity(), "s");
        assert!(t.check(0).is_ok());
    }

    #[test]
    fn expired_token_is_rejected() {
        let t = Token::parse(&test_jwt(json!({"iss":"https://i.example","sub":"s","exp":100,"aud":"sigstore"})), "t")
            .unwrap();
        let e = t.check(200).unwrap_err();
        assert!(e.to_string().contains("expired 100 seconds ago"), "{e}");
    }

    #[test]
    fn wrong_audience_is_rejected() {
        let t = Token::parse(&test_jwt(json!({"iss":"https://i.example","sub":"s","exp":1000,"aud":"other"})), "t")
            .unwrap();
        assert!(t.check(0).unwrap_err().to_string().contains("audience"));
    }

    #[test]
    fn issuer_must_be_the_one_the_source_uses() {
        let gh = "https://token.actions.githubusercontent.com";
        let t = |iss: &str| {
            Token::parse(&test_jwt(json!({"iss":iss,"sub":"s","exp":1000,"aud":"sigstore"})), "t")
                .unwrap()
                .expecting(ExpectedIssuer::Under(gh.into()))
        };
        assert!(t(gh).check(0).is_ok());
        assert!(t(&format!("{gh}/my-enterprise")).check(0).is_ok());
        let e = t("https://token.actions.githubusercontent.com.evil.example").check(0).unwrap_err();
        assert!(e.to_string().contains("expected"), "{e}");
        let e = t("http://issuer.example").check(0).unwrap_err();
        assert!(e.to_string().contains("not an https URL"), "{e}");
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let jwt = test_jwt(json!({"iss":"https://i.example","sub":"s","exp":1000,"aud":"sigstore"}));
        let t = Token::parse(&jwt, "t").unwrap();
        assert!(!format!("{t:?}").contains(&jwt));
    }

    #[test]
    fn a_certificate_must_name_the_tokens_identity_and_issuer() {
        let t = Token::parse(&test_jwt(json!({"iss":"https://i.example","sub":"s","email":"a@b.example","email_verified":true,"exp":10,"aud":"sigstore"})), "t").unwrap();
        assert!(t.certifies("a@b.example", "https://i.example"));
        assert!(t.certifies("A@B.example", "https://i.example/"));
        assert!(!t.certifies("mallory@b.example", "https://i.example"));
        assert!(!t.certifies("a@b.example", "https://other.example"));

        // GitHub Actions: Fulcio's URI is built from job_workflow_ref, not from `sub`.
        let gh = Token::parse(
            &test_jwt(
                json!({"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/app:ref:refs/heads/main",
            "job_workflow_ref":"acme/app/.github/workflows/release.yml@refs/heads/main","exp":10,"aud":"sigstore"}),
            ),
            "t",
        )
        .unwrap();
        assert!(gh.certifies(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
            "https://token.actions.githubusercontent.com"
        ));
        assert!(!gh.certifies(
            "https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main",
            "https://token.actions.githubusercontent.com"
        ));

        // A federating issuer (Sigstore's Dex) names the upstream issuer Fulcio writes.
        let dex = Token::parse(&test_jwt(json!({"iss":"https://oauth2.sigstore.dev/auth","sub":"x","email":"a@b.example","email_verified":true,
            "federated_claims":{"connector_id":"https://github.com/login/oauth","user_id":"1"},"exp":10,"aud":"sigstore"})), "t").unwrap();
        assert!(dex.certifies("a@b.example", "https://github.com/login/oauth"));
        assert!(!dex.certifies("a@b.example", "https://oauth2.sigstore.dev/auth"));
        // An unverified email is never the identity.
        let unverified = Token::parse(
            &test_jwt(json!({"iss":"https://i.example","sub":"s","email":"a@b.example","exp":10,"aud":"sigstore"})),
            "t",
        )
        .unwrap();
        assert!(!unverified.certifies("a@b.example", "https://i.example"));
        assert!(unverified.certifies("s", "https://i.example"));

        // CircleCI, Codefresh and Kubernetes: the URIs of Fulcio's templates.
        let circle = Token::parse(&test_jwt(json!({"iss":"https://oidc.circleci.com/org/o1","sub":"org/o1/project/p1/user/u1",
            "oidc.circleci.com/project-id":"p1","oidc.circleci.com/pipeline-definition-id":"d1","exp":10,"aud":"sigstore"})), "t").unwrap();
        assert!(circle.certifies(
            "https://circleci.com/api/v2/projects/p1/pipeline-definitions/d1",
            "https://oidc.circleci.com/org/o1"
        ));
        assert!(!circle.certifies(
            "https://circleci.com/api/v2/projects/p2/pipeline-definitions/d1",
            "https://oidc.circleci.com/org/o1"
        ));
        let codefresh = Token::parse(&test_jwt(json!({"iss":"https://oidc.codefresh.io","sub":"account:a1:pipeline:p1",
            "account_name":"acme","pipeline_name":"app/release","account_id":"a1","pipeline_id":"p1","exp":10,"aud":"sigstore"})), "t").unwrap();
        assert!(codefresh.certifies("https://g.codefresh.io/acme/app/release:a1/p1", "https://oidc.codefresh.io"));
        let k8s = Token::parse(&test_jwt(json!({"iss":"https://container.googleapis.com/v1/projects/x/locations/y/clusters/z",
            "sub":"system:serviceaccount:ci:signer","kubernetes.io":{"namespace":"ci","serviceaccount":{"name":"signer","uid":"u"}},
            "exp":10,"aud":"sigstore"})), "t").unwrap();
        assert!(k8s.certifies(
            "https://kubernetes.io/namespaces/ci/serviceaccounts/signer",
            "https://container.googleapis.com/v1/projects/x/locations/y/clusters/z"
        ));
        assert!(!k8s.certifies(
            "https://kubernetes.io/namespaces/ci/serviceaccounts/admin",
            "https://container.googleapis.com/v1/projects/x/locations/y/clusters/z"
        ));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        assert!(Token::parse("abc", "t").is_err());
        assert!(Token::parse("a.!!!.c", "t").is_err());
    }
}
