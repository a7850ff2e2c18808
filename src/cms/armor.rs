//! PEM armor of git's x509 signatures: `-----BEGIN SIGNED MESSAGE-----`, 64-column base64.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::{Error, Result};

const BEGIN: &str = "-----BEGIN SIGNED MESSAGE-----";

/// Armor DER bytes the way gpgsm and gitsign do (git looks for the BEGIN line).
pub fn encode(der: &[u8]) -> String {
    pem("SIGNED MESSAGE", der)
}

/// PEM with 64-column base64 and a trailing newline, as Go's `pem.Encode` writes it (gitsign's
/// armor, Rekor's re-encoded certificates).
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 32);
    out.push_str(&format!("-----BEGIN {label}-----\n"));
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The first PEM block labelled `label` in `text`, decoded; `None` when there is none or its
/// base64 is damaged.
pub fn pem_decode(label: &str, text: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let body: String = text[start..stop].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(body.as_bytes()).ok()
}

/// Decode an armored signature (`SIGNED MESSAGE` or `PKCS7` label); raw DER is passed through.
pub fn decode(input: &[u8]) -> Result<Vec<u8>> {
    if input.first() == Some(&0x30) {
        return Ok(input.to_vec());
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| Error::Malformed("signature is neither DER nor PEM text".into()))?;
    let mut body = String::new();
    let mut inside = false;
    let mut seen_end = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if !inside {
            if line == BEGIN || line == "-----BEGIN PKCS7-----" {
                inside = true;
            }
            continue;
        }
        if line.starts_with("-----END ") {
            seen_end = true;
            break;
        }
        body.push_str(line.trim());
    }
    if !inside || !seen_end {
        return Err(Error::Malformed("no complete '-----BEGIN SIGNED MESSAGE-----' block found".into()));
    }
    STANDARD
        .decode(body.as_bytes())
        .map_err(|e| Error::Malformed(format!("signature base64: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armor_round_trips_with_64_columns() {
        let der: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let pem = encode(&der);
        assert!(pem.starts_with("-----BEGIN SIGNED MESSAGE-----\n"));
        assert!(pem.ends_with("-----END SIGNED MESSAGE-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        assert_eq!(decode(pem.as_bytes()).unwrap(), der);
    }

    #[test]
    fn truncated_armor_is_rejected() {
        assert!(decode(b"-----BEGIN SIGNED MESSAGE-----\nMIIB\n").is_err());
        assert!(decode(b"hello").is_err());
    }
}
