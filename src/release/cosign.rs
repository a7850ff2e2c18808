//! cosign's detached file encodings, so `cosign verify-blob --signature F.sig --certificate
//! F.pem` reads what sigseal writes and sigseal reads what cosign writes: the `.sig` file is the
//! base64 of the DER signature (no newline); the `.pem` file is the PEM certificate (cosign
//! also accepts, and some versions wrote, that PEM base64-encoded once more).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::{Error, Result};

/// `.sig` contents for a DER signature.
pub fn signature_file(der: &[u8]) -> Vec<u8> {
    STANDARD.encode(der).into_bytes()
}

/// `.pem` contents for a DER certificate.
pub fn certificate_file(der: &[u8]) -> Vec<u8> {
    crate::cms::armor::pem("CERTIFICATE", der).into_bytes()
}

/// Read a `.sig` file: base64 (whitespace ignored) of a DER signature.
pub fn read_signature(text: &[u8], origin: &str) -> Result<Vec<u8>> {
    let compact: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    let der = STANDARD
        .decode(&compact)
        .map_err(|e| Error::Malformed(format!("{origin} is not a base64 signature (cosign .sig): {e}")))?;
    if der.first() != Some(&0x30) {
        return Err(Error::Malformed(format!("{origin} does not hold a DER ECDSA signature")));
    }
    Ok(der)
}

/// Read a `.pem` file: a PEM certificate, or the base64 of one.
pub fn read_certificate(text: &[u8], origin: &str) -> Result<Vec<u8>> {
    let as_text = String::from_utf8_lossy(text);
    let pem_text = if as_text.contains("-----BEGIN") {
        as_text.into_owned()
    } else {
        let compact: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
        let inner = STANDARD
            .decode(&compact)
            .map_err(|_| Error::Malformed(format!("{origin} is neither a PEM certificate nor base64 of one")))?;
        String::from_utf8(inner).map_err(|_| Error::Malformed(format!("{origin} is not a PEM certificate")))?
    };
    crate::cms::armor::pem_decode("CERTIFICATE", &pem_text)
        .ok_or_else(|| Error::Malformed(format!("{origin} holds no CERTIFICATE PEM block")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_and_certificate_files_round_trip_in_both_cosign_forms() {
        let sig = vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02];
        let file = signature_file(&sig);
        assert!(!file.ends_with(b"\n"), "cosign writes no newline after the base64");
        assert_eq!(read_signature(&file, "x.sig").unwrap(), sig);
        assert_eq!(read_signature(b"MAYCAQECAQI=\n", "x.sig").unwrap(), sig);
        assert!(read_signature(b"not base64!", "x.sig").is_err());

        let cert = vec![0x30, 0x03, 0x02, 0x01, 0x05];
        let pem = certificate_file(&cert);
        assert!(String::from_utf8_lossy(&pem).starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(read_certificate(&pem, "x.pem").unwrap(), cert);
        let double = STANDARD.encode(&pem);
        assert_eq!(read_certificate(double.as_bytes(), "x.pem").unwrap(), cert);
        assert!(read_certificate(b"-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n", "x.pem").is_err());
    }
}
