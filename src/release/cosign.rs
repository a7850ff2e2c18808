//! cosign's detached file encodings, so `cosign verify-blob --signature F.sig --certificate
//! F.pem` reads what sigseal writes and sigseal reads what cosign writes. With cosign's default
//! `--b64=true` the `.sig` file is the base64 of the DER signature and the `.pem` file is the
//! base64 of the PEM certificate (both without a newline); with `--b64=false` they are the raw
//! DER signature and the PEM certificate. Readers accept every form.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::{Error, Result};

/// `.sig` contents for a DER signature: base64 (`b64`, cosign's default) or the DER itself.
pub fn signature_file(der: &[u8], b64: bool) -> Vec<u8> {
    if b64 {
        STANDARD.encode(der).into_bytes()
    } else {
        der.to_vec()
    }
}

/// `.pem` contents for a DER certificate: base64 of the PEM (`b64`, cosign's default) or the PEM.
pub fn certificate_file(der: &[u8], b64: bool) -> Vec<u8> {
    let pem = crate::pem::encode("CERTIFICATE", der);
    if b64 {
        STANDARD.encode(pem.as_bytes()).into_bytes()
    } else {
        pem.into_bytes()
    }
}

/// Read a `.sig` file: base64 (whitespace ignored) of a DER signature, or the DER itself.
pub fn read_signature(text: &[u8], origin: &str) -> Result<Vec<u8>> {
    // A DER ECDSA signature starts with SEQUENCE (0x30); base64 text never has that byte
    // followed by a length below 0x80 and a 0x02 INTEGER tag.
    if text.first() == Some(&0x30) && text.get(2) == Some(&0x02) {
        return Ok(text.to_vec());
    }
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
    crate::pem::decode("CERTIFICATE", &pem_text)
        .ok_or_else(|| Error::Malformed(format!("{origin} holds no CERTIFICATE PEM block")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_and_certificate_files_round_trip_in_both_cosign_forms() {
        let sig = vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02];
        let file = signature_file(&sig, true);
        assert!(!file.ends_with(b"\n"), "cosign writes no newline after the base64");
        assert_eq!(read_signature(&file, "x.sig").unwrap(), sig);
        assert_eq!(signature_file(&sig, false), sig);
        assert_eq!(read_signature(&sig, "x.sig").unwrap(), sig);
        assert_eq!(read_signature(b"MAYCAQECAQI=\n", "x.sig").unwrap(), sig);
        assert!(read_signature(b"not base64!", "x.sig").is_err());

        let cert = vec![0x30, 0x03, 0x02, 0x01, 0x05];
        let pem = certificate_file(&cert, false);
        assert!(String::from_utf8_lossy(&pem).starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(read_certificate(&pem, "x.pem").unwrap(), cert);
        let double = certificate_file(&cert, true);
        assert_eq!(double, STANDARD.encode(&pem).into_bytes(), "cosign's default: base64 of the PEM");
        assert_eq!(read_certificate(&double, "x.pem").unwrap(), cert);
        assert!(read_certificate(b"-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n", "x.pem").is_err());
    }
}
