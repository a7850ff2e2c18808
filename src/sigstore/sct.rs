//! Signed certificate timestamps (RFC 6962) embedded in Fulcio certificates, checked by sigseal
//! where the bundle verifier of sigstore-rust cannot be used (a signature whose only verified
//! times are RFC 3161 timestamps sigseal read itself): the SCT list is read with `x509-cert`,
//! the precertificate it signed is rebuilt, and its signature is checked with the CT log key of
//! the trusted root that the SCT names and that was valid when it was issued.

use der::{Decode, Encode};
use x509_cert::ext::pkix::sct::{
    HashAlgorithm as SctHash, SignatureAlgorithm as SctSignature, SignedCertificateTimestampList,
};

use super::TrustedRoot;

/// The embedded-SCT extension (RFC 6962 section 3.3).
const SCT_LIST: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

/// Check the SCT embedded in `leaf_der`, issued over the precertificate by a CT log of `root`;
/// `issuer_spki` is the DER `SubjectPublicKeyInfo` of the CA that signed the leaf (from its
/// verified path). One SCT is expected, as Fulcio writes it.
pub fn verify_embedded(leaf_der: &[u8], issuer_spki: &[u8], root: &TrustedRoot) -> Result<(), String> {
    use sha2::Digest;
    let cert = x509_cert::Certificate::from_der(leaf_der).map_err(|e| format!("unreadable certificate ({e})"))?;
    let list = cert
        .tbs_certificate
        .get::<SignedCertificateTimestampList>()
        .map_err(|e| format!("unreadable SCT list ({e})"))?
        .ok_or("the certificate carries no signed certificate timestamp")?
        .1;
    let scts = list.parse_timestamps().map_err(|e| format!("unreadable SCT list ({e:?})"))?;
    let [one] = scts.as_slice() else {
        return Err(format!("the certificate carries {} SCTs; Fulcio writes exactly one", scts.len()));
    };
    let sct = one.parse_timestamp().map_err(|e| format!("unreadable SCT ({e:?})"))?;

    // The precertificate the log signed: the TBSCertificate without the SCT list.
    let mut tbs = cert.tbs_certificate.clone();
    tbs.extensions = tbs.extensions.map(|exts| exts.into_iter().filter(|e| e.extn_id != SCT_LIST).collect());
    let tbs_der = tbs.to_der().map_err(|e| format!("cannot rebuild the precertificate ({e})"))?;
    let issuer_key_hash = sha2::Sha256::digest(issuer_spki);
    let tbs_len = u32::try_from(tbs_der.len()).ok().filter(|n| *n < 1 << 24).ok_or("precertificate too large")?;
    let extensions = sct.extensions.as_slice();
    let ext_len = u16::try_from(extensions.len()).map_err(|_| "SCT extensions too large")?;
    let mut signed = Vec::with_capacity(tbs_der.len() + extensions.len() + 50);
    signed.push(0); // version v1
    signed.push(0); // signature_type certificate_timestamp
    signed.extend_from_slice(&sct.timestamp.to_be_bytes());
    signed.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    signed.extend_from_slice(&issuer_key_hash);
    signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
    signed.extend_from_slice(&tbs_der);
    signed.extend_from_slice(&ext_len.to_be_bytes());
    signed.extend_from_slice(extensions);

    let issued = i64::try_from(sct.timestamp)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .ok_or("the SCT's time is out of range")?;
    let log = root
        .ctlogs
        .iter()
        .find(|l| l.log_id.key_id.as_bytes() == sct.log_id.key_id.as_slice())
        .ok_or("the SCT was issued by a CT log the trusted root does not list")?;
    if log.public_key.valid_for.is_some_and(|w| !w.contains(issued)) {
        return Err(format!("the SCT was issued at {issued}, outside its CT log key's validity in the trusted root"));
    }
    let key = sigstore_verify::types::DerPublicKey::new(log.public_key.raw_bytes.as_bytes().to_vec());
    let scheme = scheme(&key, &sct.signature.algorithm.hash, &sct.signature.algorithm.signature)?;
    sigstore_verify::crypto::verify_signature(
        &key,
        &signed,
        &sigstore_verify::types::SignatureBytes::new(sct.signature.signature.as_slice().to_vec()),
        scheme,
    )
    .map_err(|_| "the SCT's signature does not verify with its CT log's key".to_string())
}

fn scheme(
    key: &sigstore_verify::types::DerPublicKey,
    hash: &SctHash,
    signature: &SctSignature,
) -> Result<sigstore_verify::crypto::SigningScheme, String> {
    use super::keys::Hash;
    use sigstore_verify::crypto::KeyAlgorithm;
    let unsupported = || format!("unsupported SCT signature ({signature:?} with {hash:?})");
    let hash = match hash {
        SctHash::Sha256 => Hash::Sha256,
        SctHash::Sha384 => Hash::Sha384,
        SctHash::Sha512 => Hash::Sha512,
        _ => return Err(unsupported()),
    };
    // The SCT names its signature algorithm: it must be the CT log key's kind.
    let ecdsa = matches!(KeyAlgorithm::from_spki(key), Ok(KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384));
    match (signature, ecdsa) {
        (SctSignature::Ecdsa, true) | (SctSignature::Rsa, false) => {
            super::keys::scheme_for(key, hash).map_err(|why| format!("unsupported SCT signature: {why}"))
        }
        _ => Err(unsupported()),
    }
}
