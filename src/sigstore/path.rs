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
/// usage, as content bytes). The error is webpki's, in words.
pub fn valid_at(
    leaf: &[u8],
    intermediates: &[&[u8]],
    anchors: &[TrustAnchor<'_>],
    time: jiff::Timestamp,
    usage: &'static [u8],
) -> Result<(), String> {
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
    .map(|_| ())
    .map_err(|e| format!("{e:?}"))
}
