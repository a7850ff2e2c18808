//! PEM, the one home of it: labelled blocks of 64-column base64 as Go's `pem.Encode` writes them
//! (certificates, public keys, cosign key files, git's signature armor) and the lenient reading
//! of the first block with a given label. The strict reading of git's signature armor is
//! [`crate::cms::armor::decode`], built on the same spelling.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// PEM with 64-column base64 and a trailing newline, as Go's `pem.Encode` writes it (gitsign's
/// armor, Rekor's re-encoded certificates).
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 32);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// The first PEM block labelled `label` in `text`, decoded; `None` when there is none or its
/// base64 is damaged.
pub fn decode(label: &str, text: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let body: String = text[start..stop].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(body.as_bytes()).ok()
}
