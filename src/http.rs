//! Bounded, sanitized server replies. Every HTTP reply sigseal reads from Fulcio, Rekor, a
//! timestamp authority, an OIDC issuer or a CI token endpoint is read through [`read_capped`]
//! (or [`exchange`]), so no reply can make sigseal hold more than a few MiB; and every message
//! built from what a server sent goes through [`sanitize`], so server text reaches the terminal
//! shortened, with control characters (ESC included) escaped and nothing token-shaped in it.

use std::sync::OnceLock;

/// Cap on a JSON reply (a Fulcio certificate chain, a Rekor entry or search, OIDC metadata).
pub const JSON_LIMIT: usize = 1024 * 1024;

/// Cap on a small binary reply (an RFC 3161 timestamp) and on the part of an error reply read
/// for its message.
pub const SMALL_LIMIT: usize = 64 * 1024;

/// How many characters of server text a message shows.
pub const MESSAGE_CHARS: usize = 300;

/// What stands in for anything token-shaped in server text.
const REDACTED: &str = "[redacted token]";

fn jwt_pattern() -> Option<&'static regex::Regex> {
    static RE: OnceLock<Option<regex::Regex>> = OnceLock::new();
    // A JWT (or any JOSE object) starts with base64url of `{"`; its parts are base64url runs
    // separated by dots. A header alone is enough to redact.
    RE.get_or_init(|| regex::Regex::new(r"eyJ[A-Za-z0-9_\-]{4,}(?:\.[A-Za-z0-9_\-=]*){0,4}").ok()).as_ref()
}

/// Bidirectional-text controls: invisible, and able to reorder what a terminal shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Server text made fit for a message: every `secrets` value (the token sent, say) and anything
/// JWT-shaped replaced by `[redacted token]`, control characters (ESC, CR, NUL, bidi controls)
/// escaped as `\u{..}`, and the whole cut to [`MESSAGE_CHARS`] characters.
pub fn sanitize(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().map(|s| s.trim()).filter(|s| s.len() >= 8) {
        text = text.replace(secret, REDACTED);
    }
    if let Some(re) = jwt_pattern() {
        text = re.replace_all(&text, REDACTED).into_owned();
    } else {
        // The pattern is a constant and compiles; should it not, fail safe.
        text = text.replace("eyJ", "[redacted]");
    }
    let total = text.chars().count();
    let mut out = String::with_capacity(text.len().min(MESSAGE_CHARS * 2));
    for c in text.chars().take(MESSAGE_CHARS) {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if total > MESSAGE_CHARS {
        out.push_str(&format!("… ({} more characters)", total - MESSAGE_CHARS));
    }
    out
}

/// [`sanitize`] for raw reply bytes (not necessarily UTF-8).
pub fn sanitize_bytes(body: &[u8], secrets: &[&str]) -> String {
    sanitize(&String::from_utf8_lossy(body), secrets)
}

/// A transport error as one sanitized line (its causes included, the URL left out).
pub fn transport_error(e: reqwest::Error, secrets: &[&str]) -> String {
    if e.is_timeout() {
        return "no answer in time".to_string();
    }
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        src = s.source();
    }
    sanitize(&msg, secrets)
}

/// The message for a reply over its cap.
pub fn too_large(limit: usize) -> String {
    format!("reply larger than {limit} bytes; refused")
}

/// Why a capped read failed.
#[derive(Debug)]
pub enum ReadError {
    /// The reply is longer than the cap (announced or sent).
    TooLarge(usize),
    /// The connection failed while reading (sanitized text).
    Transport(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(limit) => f.write_str(&too_large(*limit)),
            ReadError::Transport(why) => write!(f, "reading the reply: {why}"),
        }
    }
}

/// Read a reply body in chunks, at most `limit` bytes: a longer reply (by its Content-Length,
/// or once more than `limit` bytes arrived) is refused without reading the rest.
pub async fn read_capped(resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, ReadError> {
    read_prefix(resp, limit, false).await.map(|(body, _)| body)
}

/// Read at most `limit` bytes; with `truncate` a longer body is cut (and `true` returned) instead
/// of refused.
async fn read_prefix(mut resp: reqwest::Response, limit: usize, truncate: bool) -> Result<(Vec<u8>, bool), ReadError> {
    let announced = resp.content_length();
    if !truncate && announced.is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge(limit));
    }
    let mut body = Vec::with_capacity(announced.map_or(8 * 1024, |n| n.min(limit as u64) as usize));
    while let Some(chunk) = resp.chunk().await.map_err(|e| ReadError::Transport(transport_error(e, &[])))? {
        if body.len() + chunk.len() > limit {
            if !truncate {
                return Err(ReadError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk[..limit - body.len()]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// Send `request` and return the body of a successful reply, at most `limit` bytes. Any
/// failure comes back as one sanitized line (`secrets` redacted): the transport error, a reply
/// over the cap, or `HTTP <status>: <the start of the error body>`.
pub async fn exchange(request: reqwest::RequestBuilder, limit: usize, secrets: &[&str]) -> Result<Vec<u8>, String> {
    let resp = request.send().await.map_err(|e| transport_error(e, secrets))?;
    let status = resp.status();
    if status.is_success() {
        return read_capped(resp, limit).await.map_err(|e| e.to_string());
    }
    // Only the start of an error body is ever shown: read that much, drop the rest.
    let (body, cut) = read_prefix(resp, SMALL_LIMIT, true).await.map_err(|e| e.to_string())?;
    let text = sanitize_bytes(&body, secrets);
    Err(match (text.is_empty(), cut) {
        (true, _) => format!("HTTP {status}"),
        (false, false) => format!("HTTP {status}: {text}"),
        (false, true) => format!("HTTP {status}: {text} (reply cut at {SMALL_LIMIT} bytes)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_redacts_tokens_escapes_controls_and_shortens() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        let s = sanitize(&format!("bad token {jwt} \u{1b}[31mred\u{1b}[0m\r\n"), &[]);
        assert!(!s.contains("eyJ"), "{s}");
        assert!(s.contains(REDACTED), "{s}");
        assert!(!s.contains('\u{1b}') && !s.contains('\r') && !s.contains('\n'), "{s}");
        assert!(s.contains("\\u{1b}[31mred"), "{s}");

        let s = sanitize("the secret is opaque-secret-value!", &["opaque-secret-value"]);
        assert_eq!(s, format!("the secret is {REDACTED}!"));

        let long = "x".repeat(10_000);
        let s = sanitize(&long, &[]);
        assert!(s.chars().count() < MESSAGE_CHARS + 40, "{}", s.len());
        assert!(s.ends_with("(9700 more characters)"), "{s}");

        assert_eq!(sanitize("a\u{202e}b", &[]), "a\\u{202e}b");
    }

    #[test]
    fn a_token_cut_by_the_length_limit_is_still_redacted() {
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{}.sig", "A".repeat(400));
        let s = sanitize(&format!("{}{jwt}", "y".repeat(250)), &[]);
        assert!(!s.contains("eyJ") && !s.contains("AAAA"), "{s}");
    }
}
