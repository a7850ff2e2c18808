//! OIDC identity tokens: where they come from (CI ambient tokens, token files, the environment)
//! and the checks every token passes before Fulcio is contacted (expiry, audience, issuer).
//!
//! Tokens are secrets: they are held in [`Token`], which never prints its value and is zeroized
//! on drop.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::{Error, Result};

/// The audience Sigstore's Fulcio expects.
pub const AUDIENCE: &str = "sigstore";

/// Seconds of life a token must have left to be worth sending to Fulcio.
const MIN_LIFETIME_SECS: i64 = 5;

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
}

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
    /// Parse the claims of a JWT (the signature is checked by Fulcio).
    pub fn parse(jwt: &str, source: &str) -> Result<Self> {
        let jwt = Zeroizing::new(jwt.trim().to_string());
        let reject = |why: &str| Error::TokenRejected(format!("token from {source}: {why}"));
        let mut parts = jwt.split('.');
        let (Some(_), Some(payload), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(reject("not a JWT (expected three dot-separated parts)"));
        };
        let raw = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| reject("payload is not base64url"))?;
        let claims: serde_json::Value = serde_json::from_slice(&raw).map_err(|_| reject("payload is not JSON"))?;
        let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let audiences = match claims.get("aud") {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => vec![],
        };
        Ok(Self {
            source: source.to_string(),
            issuer: text("iss").ok_or_else(|| reject("no 'iss' claim"))?,
            subject: text("sub").ok_or_else(|| reject("no 'sub' claim"))?,
            email: text("email"),
            email_verified: claims.get("email_verified").and_then(|v| v.as_bool().or_else(|| v.as_str().map(|s| s == "true"))).unwrap_or(false),
            expires_at: claims.get("exp").and_then(|v| v.as_i64()).ok_or_else(|| reject("no 'exp' claim"))?,
            audiences,
            jwt,
        })
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

    /// Checks made before any certificate is requested: not expired and audience `sigstore`
    /// (the issuer and the token's signature are checked by Fulcio).
    pub fn check(&self, now: i64) -> Result<()> {
        if self.expires_at <= now + MIN_LIFETIME_SECS {
            return Err(Error::TokenRejected(format!(
                "token from {} expired {} seconds ago",
                self.source,
                now - self.expires_at
            )));
        }
        if !self.audiences.iter().any(|a| a == AUDIENCE) {
            return Err(Error::TokenRejected(format!(
                "token from {} has audience {:?}, Fulcio needs '{AUDIENCE}'",
                self.source, self.audiences
            )));
        }
        Ok(())
    }
}

/// Find an identity token, in this order: GitHub Actions ambient token, token file
/// (`SIGSEAL_TOKEN_FILE` / `sigseal.tokenFile`), `SIGSTORE_ID_TOKEN`.
pub async fn ambient_token(cfg: &Config) -> Result<Token> {
    if let (Ok(url), Ok(bearer)) =
        (std::env::var("ACTIONS_ID_TOKEN_REQUEST_URL"), std::env::var("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
    {
        let bearer = Zeroizing::new(bearer);
        return github_actions_token(&url, &bearer).await;
    }
    if let Some(path) = &cfg.token_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading token file {}", path.display()), e))?,
        );
        return Token::parse(&text, &format!("token file {}", path.display()));
    }
    if let Ok(t) = std::env::var("SIGSTORE_ID_TOKEN") {
        let t = Zeroizing::new(t);
        if !t.trim().is_empty() {
            return Token::parse(&t, "SIGSTORE_ID_TOKEN");
        }
    }
    Err(Error::NoToken(
        "no SIGSTORE_ID_TOKEN, no token file, and not running in GitHub Actions with id-token permission".into(),
    ))
}

/// GitHub Actions: GET `$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore` with the request token.
async fn github_actions_token(url: &str, bearer: &str) -> Result<Token> {
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{url}{sep}audience={AUDIENCE}");
    let fail = |why: String| Error::NoToken(format!("GitHub Actions token request failed: {why}"));
    let client = sigstore_sign::reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let resp = client
        .get(&full)
        .header("Authorization", format!("bearer {bearer}"))
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| fail(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(fail(format!("HTTP {}", resp.status())));
    }
    let body: serde_json::Value = resp.json().await.map_err(|e| fail(e.without_url().to_string()))?;
    let value = Zeroizing::new(
        body.get("value").and_then(|v| v.as_str()).ok_or_else(|| fail("response has no 'value'".into()))?.to_string(),
    );
    Token::parse(&value, "GitHub Actions")
}

#[cfg(test)]
pub(crate) fn test_jwt(claims: serde_json::Value) -> String {
    format!("eyJhbGciOiJub25lIn0.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_is_verified_email_else_subject() {
        let t = Token::parse(&test_jwt(json!({"iss":"i","sub":"s","email":"a@b","email_verified":true,"exp":10,"aud":"sigstore"})), "t").unwrap();
        assert_eq!(t.identity(), "a@b");
        let t = Token::parse(&test_jwt(json!({"iss":"i","sub":"s","email":"a@b","exp":10,"aud":["x","sigstore"]})), "t").unwrap();
        assert_eq!(t.identity(), "s");
        assert!(t.check(0).is_ok());
    }

    #[test]
    fn expired_token_is_rejected() {
        let t = Token::parse(&test_jwt(json!({"iss":"i","sub":"s","exp":100,"aud":"sigstore"})), "t").unwrap();
        let e = t.check(200).unwrap_err();
        assert!(e.to_string().contains("expired 100 seconds ago"), "{e}");
    }

    #[test]
    fn wrong_audience_is_rejected() {
        let t = Token::parse(&test_jwt(json!({"iss":"i","sub":"s","exp":1000,"aud":"other"})), "t").unwrap();
        assert!(t.check(0).unwrap_err().to_string().contains("audience"));
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let jwt = test_jwt(json!({"iss":"i","sub":"s","exp":1000,"aud":"sigstore"}));
        let t = Token::parse(&jwt, "t").unwrap();
        assert!(!format!("{t:?}").contains(&jwt));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        assert!(Token::parse("abc", "t").is_err());
        assert!(Token::parse("a.!!!.c", "t").is_err());
    }
}
