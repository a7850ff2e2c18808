//! PEM armor of git's x509 signatures: `-----BEGIN SIGNED MESSAGE-----`, 64-column base64.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::{Error, Result};

const BEGIN: &str = "-----BEGIN SIGNED MESSAGE-----";
const END: &str = "-----END SIGNED MESSAGE-----";

/// Armor DER bytes the way gpgsm and gitsign do (git looks for the BEGIN line).
pub fn encode(der: &[u8]) -> String {
    crate::pem::encode("SIGNED MESSAGE", der)
}

/// Decode an armored signature as git hands it over (and as it is stored in a commit header or
/// at the end of a tag): exactly one `SIGNED MESSAGE` block in the form git, gitsign and sigseal
/// write it (base64 wrapped at 64 columns, canonical padding, one newline after the END line)
/// and nothing before or after it.
///
/// Any other spelling of the same DER is refused: git joins repeated signature headers into
/// what it hands over, and every byte of a signed object is part of its id, so a lenient reader
/// would let anyone mint new object ids that verify as an existing signature.
pub fn decode(input: &[u8]) -> Result<Vec<u8>> {
    let bad = |why: &str| Error::Malformed(format!("signature armor: {why}"));
    let text = std::str::from_utf8(input).map_err(|_| bad("not text (a signature is one PEM block)"))?;
    let begin_line = format!("{BEGIN}\n");
    let end_line = format!("{END}\n");
    let Some(after_begin) = text.strip_prefix(&begin_line) else {
        return Err(bad(if text.contains(BEGIN) {
            "something precedes the '-----BEGIN SIGNED MESSAGE-----' line"
        } else {
            "no '-----BEGIN SIGNED MESSAGE-----' line"
        }));
    };
    let blocks = text.matches(BEGIN).count();
    if blocks > 1 {
        return Err(bad(&format!(
            "{blocks} signature blocks where git signs one (repeated signature headers, or a signature appended to a signature)"
        )));
    }
    let Some(end_at) = after_begin.find(&end_line).or_else(|| after_begin.strip_suffix(END).map(str::len)) else {
        return Err(bad("no '-----END SIGNED MESSAGE-----' line"));
    };
    let body = &after_begin[..end_at];
    let rest = &after_begin[end_at..];
    if rest != end_line {
        return Err(bad(if rest == END { "no newline after the END line" } else { "data after the END line" }));
    }
    let b64: String = body.lines().collect();
    let der = STANDARD.decode(b64.as_bytes()).map_err(|e| bad(&format!("base64: {e}")))?;
    // One encoding only: what git, gitsign and sigseal write (64 columns, last line shorter).
    if encode(&der).as_bytes() != input {
        return Err(bad("the base64 is not wrapped in 64-column lines as git, gitsign and sigseal write it"));
    }
    Ok(der)
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

    fn refusal(input: &[u8]) -> String {
        match decode(input) {
            Ok(_) => panic!("accepted {:?}", String::from_utf8_lossy(input)),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn only_the_exact_armor_git_writes_is_accepted() {
        let der: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        let good = encode(&der);
        assert_eq!(decode(good.as_bytes()).unwrap(), der);
        // Two blocks, as git joins two gpgsig headers.
        assert!(refusal(format!("{good}{good}").as_bytes()).contains("2 signature blocks"));
        // Anything before or after the block.
        assert!(refusal(format!("x\n{good}").as_bytes()).contains("precedes"));
        assert!(refusal(format!("{good}trailer\n").as_bytes()).contains("after the END line"));
        assert!(refusal(format!("{good}\n").as_bytes()).contains("after the END line"));
        assert!(refusal(good.trim_end().as_bytes()).contains("no newline"));
        // A changed END line, CRLF, other wrapping: the same DER spelled differently.
        assert!(refusal(good.replace("END SIGNED MESSAGE", "END PKCS7").as_bytes()).contains("END"));
        assert!(refusal(good.replace('\n', "\r\n").as_bytes()).contains("armor"));
        let rewrapped = format!(
            "{BEGIN}\n{}\n{END}\n",
            STANDARD
                .encode(&der)
                .as_bytes()
                .chunks(76)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(refusal(rewrapped.as_bytes()).contains("64-column"));
        let unwrapped = format!("{BEGIN}\n{}\n{END}\n", STANDARD.encode(&der));
        assert!(refusal(unwrapped.as_bytes()).contains("64-column"));
        // Raw DER is not what git hands over.
        assert!(decode(&der).is_err());
    }
}
