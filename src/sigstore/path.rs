//! Certificate paths at a given time, built and checked by webpki with the signature
//! algorithms sigstore-verify accepts: the one place sigseal verifies a chain itself (a Fulcio
//! leaf at a timestamp's time, a timestamp authority's certificate at its token's time).

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};

/// id-kp-codeSigning (1.3.6.1.5.5.7.3.3), as the content bytes webpki compares.
pub const CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
/// id-kp-timeStamping (1.3.6.1.5.5.7.3.8).
pub const TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];

/// The anchor a trusted certificate makes, when it is readable.
pub fn anchor(der: &[u8]) -> Option<TrustAnchor<'static>> {
    webpki::anchor_from_trusted_cert(&CertificateDer::from(der)).ok().map(|a| a.to_owned())
}

/// Whether `leaf` chains to one of `anchors` through `intermediates`, every certificate valid
/// at `time` (whole seconds, as certificates state them) and allowing `usage` (an extended key
/// usage, as content bytes); returns the DER `SubjectPublicKeyInfo` of the certificate that signed
/// the leaf on the verified path. The error is webpki's, in words.
pub fn valid_at(
    leaf: &[u8],
    intermediates: &[&[u8]],
    anchors: &[TrustAnchor<'_>],
    time: jiff::Timestamp,
    usage: &'static [u8],
) -> Result<Vec<u8>, String> {
    let leaf = CertificateDer::from(leaf);
    let leaf = webpki::EndEntityCert::try_from(&leaf).map_err(|e| format!("unreadable certificate ({e})"))?;
    let intermediates: Vec<CertificateDer<'_>> = intermediates.iter().map(|c| CertificateDer::from(*c)).collect();
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(u64::try_from(time.as_second()).unwrap_or(0)));
    leaf.verify_for_usage(
        sigstore_verify::crypto::WEBPKI_VERIFICATION_ALGS,
        anchors,
        &intermediates,
        at,
        webpki::KeyUsage::required(usage),
        None,
        None,
    )
    .map_err(|e| format!("{e:?}"))
    .and_then(|path| issuer_key(&path))
}

/// The key of the leaf's direct issuer on a verified path: its first intermediate, else the
/// anchor (whose key webpki keeps without the outer SEQUENCE).
fn issuer_key(path: &webpki::VerifiedPath<'_>) -> Result<Vec<u8>, String> {
    use der::Encode;
    match path.intermediate_certificates().next() {
        Some(issuer) => Ok(issuer.subject_public_key_info().as_ref().to_vec()),
        None => der::asn1::Any::new(der::Tag::Sequence, path.anchor().subject_public_key_info.as_ref())
            .and_then(|any| any.to_der())
            .map_err(|e| format!("cannot encode the issuer's key ({e})")),
    }
}
