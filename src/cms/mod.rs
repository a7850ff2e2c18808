//! Detached CMS (PKCS#7) signatures in gitsign's shape: building them when signing and taking
//! them apart when verifying.
//!
//! Shape: ContentInfo(SignedData v1), digest sha256, detached id-data, certificates = the leaf,
//! one `SignerInfo` v1 identified by issuer and serial number, ecdsa-with-SHA256 over the DER SET of
//! the signed attributes (content-type, signing-time as `UTCTime`, message-digest). Unsigned
//! attributes may carry a Rekor `TransparencyLogEntry` (1.3.6.1.4.1.57264.3.1) and RFC 3161
//! timestamp tokens (1.2.840.113549.1.9.16.2.14).

pub mod armor;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::error::{Error, Result};

/// id-signedData.
pub const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-data.
pub const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// sha256.
pub const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// ecdsa-with-SHA256.
pub const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// contentType attribute.
pub const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// messageDigest attribute.
pub const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// signingTime attribute.
pub const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// Sigstore: Rekor `TransparencyLogEntry` (protobuf) as unsigned attribute.
pub const OID_TLOG_ENTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.3.1");
/// RFC 3161 signature timestamp token (id-aa-timeStampToken).
pub const OID_TIMESTAMP_TOKEN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// Largest signature sigseal will parse (a normal one is ~4 KiB).
pub const MAX_SIGNATURE_BYTES: usize = 256 * 1024;

/// Signed attributes ready to be signed: the DER SET is what the key signs and what Rekor logs
/// (as its sha256).
#[derive(Clone, Debug)]
pub struct SignedAttrs {
    attrs: SignedAttributes,
    /// DER of the SET OF Attribute (tag 0x31): the bytes the signature covers.
    pub der: Vec<u8>,
    /// The signing time in it (Unix seconds).
    pub signing_time: u64,
}

impl SignedAttrs {
    /// Signed attributes for a payload: content-type id-data, signing-time, message-digest.
    pub fn for_payload(payload: &[u8], signing_time_unix: u64) -> Result<Self> {
        let digest = Sha256::digest(payload);
        let time = UtcTime::from_unix_duration(std::time::Duration::from_secs(signing_time_unix))
            .map_err(|e| Error::Crypto("signing time out of UTCTime range".into()).because(e))?;
        let attrs = SetOfVec::try_from(vec![
            attribute(OID_CONTENT_TYPE, Any::encode_from(&OID_DATA))?,
            attribute(OID_SIGNING_TIME, Any::encode_from(&time))?,
            attribute(OID_MESSAGE_DIGEST, Any::encode_from(&OctetString::new(digest.to_vec()).map_err(der_err)?))?,
        ])
        .map_err(der_err)?;
        let der = attrs.to_der().map_err(der_err)?;
        Ok(Self { attrs, der, signing_time: signing_time_unix })
    }
}

fn attribute(oid: ObjectIdentifier, value: der::Result<Any>) -> Result<Attribute> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value.map_err(der_err)?]).map_err(der_err)? })
}

fn der_err(e: der::Error) -> Error {
    Error::Malformed("DER".into()).because(e)
}

fn alg(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters: None }
}

/// An unsigned attribute to embed: OID and the contents of its single OCTET STRING / value.
#[derive(Clone, Debug)]
pub enum Unsigned {
    /// Value is an OCTET STRING with these bytes (used for the transparency log entry).
    OctetString(ObjectIdentifier, Vec<u8>),
    /// Value is this DER element, as is (used for RFC 3161 `TimeStampToken` `ContentInfo`).
    Der(ObjectIdentifier, Vec<u8>),
}

/// Assemble the DER `ContentInfo` of a detached signature.
pub fn build(leaf_der: &[u8], attrs: &SignedAttrs, signature: &[u8], unsigned: &[Unsigned]) -> Result<Vec<u8>> {
    let leaf =
        Certificate::from_der(leaf_der).map_err(|e| Error::Malformed("signing certificate".into()).because(e))?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: leaf.tbs_certificate.issuer.clone(),
        serial_number: leaf.tbs_certificate.serial_number.clone(),
    });
    let unsigned_attrs = unsigned_attributes(unsigned)?;
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: alg(OID_SHA256),
        signed_attrs: Some(attrs.attrs.clone()),
        signature_algorithm: alg(OID_ECDSA_SHA256),
        signature: OctetString::new(signature.to_vec()).map_err(der_err)?,
        unsigned_attrs,
    };
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![alg(OID_SHA256)]).map_err(der_err)?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: OID_DATA, econtent: None },
        certificates: Some(CertificateSet(
            SetOfVec::try_from(vec![CertificateChoices::Certificate(leaf)]).map_err(der_err)?,
        )),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer]).map_err(der_err)?),
    };
    let ci = ContentInfo { content_type: OID_SIGNED_DATA, content: Any::encode_from(&sd).map_err(der_err)? };
    ci.to_der().map_err(der_err)
}

/// Replace the unsigned attributes of a signature's single signer (e.g. to attach a timestamp or
/// log entry after signing); the signed part is untouched.
pub fn replace_unsigned(der: &[u8], unsigned: &[Unsigned]) -> Result<Vec<u8>> {
    let ci = ContentInfo::from_der(der).map_err(|e| Error::Malformed("not a CMS ContentInfo".into()).because(e))?;
    let mut sd: SignedData = ci.content.decode_as().map_err(|e| Error::Malformed("SignedData".into()).because(e))?;
    let mut signers: Vec<SignerInfo> = sd.signer_infos.0.into_vec();
    let [signer] = signers.as_mut_slice() else {
        return Err(Error::Malformed("expected exactly one signer".into()));
    };
    signer.unsigned_attrs = unsigned_attributes(unsigned)?;
    sd.signer_infos = SignerInfos(SetOfVec::try_from(signers).map_err(der_err)?);
    let ci = ContentInfo { content_type: OID_SIGNED_DATA, content: Any::encode_from(&sd).map_err(der_err)? };
    ci.to_der().map_err(der_err)
}

fn unsigned_attributes(unsigned: &[Unsigned]) -> Result<Option<SignedAttributes>> {
    if unsigned.is_empty() {
        return Ok(None);
    }
    let mut list = Vec::new();
    for u in unsigned {
        list.push(match u {
            Unsigned::OctetString(oid, bytes) => {
                attribute(*oid, Any::encode_from(&OctetString::new(bytes.clone()).map_err(der_err)?))?
            }
            Unsigned::Der(oid, der) => attribute(*oid, Any::from_der(der))?,
        });
    }
    Ok(Some(SetOfVec::try_from(list).map_err(der_err)?))
}

/// A detached signature taken apart.
#[derive(Clone, Debug)]
pub struct ParsedSignature {
    /// Every certificate in the bag, DER, in the order found.
    pub certificates: Vec<Vec<u8>>,
    /// The signer's certificate (matched by issuer and serial number), DER.
    pub signer_certificate: Vec<u8>,
    /// DER SET of the signed attributes: what the signature covers.
    pub signed_attrs_der: Vec<u8>,
    /// The message-digest attribute.
    pub message_digest: Vec<u8>,
    /// The signing-time attribute (unix seconds), a claim of the signer, not a trusted time.
    pub signing_time: Option<i64>,
    /// The signature value (DER ECDSA).
    pub signature: Vec<u8>,
    /// Contents of the Sigstore transparency-log-entry attribute, when present as an OCTET STRING.
    pub tlog_entry: Option<Vec<u8>>,
    /// RFC 3161 TimeStampToken(s), DER `ContentInfo`.
    pub timestamps: Vec<Vec<u8>>,
    /// OIDs of unsigned attributes sigseal does not interpret.
    pub other_unsigned: Vec<String>,
}

impl ParsedSignature {
    /// sha256 of the DER signed attributes (the hashedrekord artifact hash).
    pub fn signed_attrs_sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.signed_attrs_der).into()
    }
}

/// Parse a DER detached signature, enforcing sigseal's shape (one signer, sha256, id-data,
/// detached content, ECDSA-SHA256, signer certificate present).
#[allow(clippy::too_many_lines, reason = "one pass over the CMS structure, each check next to the field it reads")]
pub fn parse(der: &[u8]) -> Result<ParsedSignature> {
    if der.len() > MAX_SIGNATURE_BYTES {
        return Err(Error::Malformed(format!(
            "signature is {} bytes, more than the {} bytes sigseal accepts",
            der.len(),
            MAX_SIGNATURE_BYTES
        )));
    }
    let ci = ContentInfo::from_der(der).map_err(|e| Error::Malformed("not a CMS ContentInfo".into()).because(e))?;
    // One encoding per signature: DER as the signers write it, never a BER or re-ordered
    // spelling of the same values.
    if ci.to_der().map_err(der_err)? != der {
        return Err(Error::Malformed("the signature is not in canonical DER form".into()));
    }
    if ci.content_type != OID_SIGNED_DATA {
        return Err(Error::Malformed(format!("content type {} is not signedData", ci.content_type)));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| Error::Malformed("SignedData".into()).because(e))?;
    if sd.encap_content_info.econtent_type != OID_DATA {
        return Err(Error::Malformed("encapsulated content type is not id-data".into()));
    }
    if sd.encap_content_info.econtent.is_some() {
        return Err(Error::Malformed("signature is not detached (it embeds content)".into()));
    }
    let signers: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
    let signer = match signers.as_slice() {
        [one] => *one,
        [] => return Err(Error::Malformed("no SignerInfo".into())),
        many => return Err(Error::Malformed(format!("{} signers; sigseal accepts exactly one", many.len()))),
    };
    if signer.digest_alg.oid != OID_SHA256 {
        return Err(Error::Malformed(format!("digest algorithm {} is not sha256", signer.digest_alg.oid)));
    }
    if signer.signature_algorithm.oid != OID_ECDSA_SHA256 {
        return Err(Error::Malformed(format!(
            "signature algorithm {} is not ecdsa-with-SHA256",
            signer.signature_algorithm.oid
        )));
    }
    // Neither the digest-algorithms set nor the signer's algorithm identifiers are covered by
    // the signature: accept exactly the one spelling git signers write (sha256 and
    // ecdsa-with-SHA256 without parameters), or the same signature could be re-encoded into
    // new object ids.
    if signer.digest_alg.parameters.is_some() || signer.signature_algorithm.parameters.is_some() {
        return Err(Error::Malformed(
            "the signer's algorithm identifiers carry parameters; sha256 and ecdsa-with-SHA256 take none".into(),
        ));
    }
    let digest_algorithms: Vec<&AlgorithmIdentifierOwned> = sd.digest_algorithms.iter().collect();
    if !matches!(digest_algorithms.as_slice(), [only] if only.oid == OID_SHA256 && only.parameters.is_none()) {
        return Err(Error::Malformed(format!(
            "the digest-algorithms set is {}, not exactly sha256",
            digest_algorithms.iter().map(|a| a.oid.to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    let SignerIdentifier::IssuerAndSerialNumber(ias) = &signer.sid else {
        return Err(Error::Malformed("signer is identified by key id, not issuer and serial".into()));
    };

    let mut certificates = Vec::new();
    let mut signer_certificate = None;
    for choice in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let CertificateChoices::Certificate(c) = choice {
            let der = c.to_der().map_err(der_err)?;
            if c.tbs_certificate.issuer == ias.issuer && c.tbs_certificate.serial_number == ias.serial_number {
                if signer_certificate.is_some() {
                    return Err(Error::Malformed("two certificates match the signer's issuer and serial".into()));
                }
                signer_certificate = Some(der.clone());
            }
            certificates.push(der);
        }
    }
    let signer_certificate = signer_certificate.ok_or_else(|| {
        Error::Malformed("no certificate in the signature matches the signer's issuer and serial number".into())
    })?;
    // Besides the leaf, git signers include at most its issuing CA (older gitsign); any other
    // certificate is unsigned padding that would give the same signature a new object id.
    let extra: Vec<&Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c),
            CertificateChoices::Other(_) => None,
        })
        .filter(|c| !(c.tbs_certificate.issuer == ias.issuer && c.tbs_certificate.serial_number == ias.serial_number))
        .collect();
    if sd.certificates.iter().flat_map(|s| s.0.iter()).any(|c| !matches!(c, CertificateChoices::Certificate(_))) {
        return Err(Error::Malformed("the certificate set holds something other than X.509 certificates".into()));
    }
    match extra.as_slice() {
        [] => {}
        [ca] if ca.tbs_certificate.subject == ias.issuer => {}
        [_] => return Err(Error::Malformed("a certificate besides the signer's that is not its issuer".into())),
        more => {
            return Err(Error::Malformed(format!(
                "{} certificates besides the signer's; git signers include at most its issuer",
                more.len()
            )))
        }
    }
    if sd.crls.is_some() {
        return Err(Error::Malformed("revocation lists in the signature; git signers include none".into()));
    }

    let attrs = signer.signed_attrs.as_ref().ok_or_else(|| Error::Malformed("no signed attributes".into()))?;
    let signed_attrs_der = attrs.to_der().map_err(der_err)?;
    // The signature covers the bytes as sent; re-encoding must give them back exactly.
    let mut implicit = signed_attrs_der.clone();
    implicit[0] = 0xA0;
    if !contains(der, &implicit) {
        return Err(Error::Malformed("signed attributes are not in canonical DER form".into()));
    }
    let mut message_digest = None;
    let mut signing_time = None;
    let mut content_type = None;
    for a in attrs.iter() {
        let value = single(a)?;
        if a.oid == OID_MESSAGE_DIGEST {
            let os: OctetString = value.decode_as().map_err(der_err)?;
            message_digest = Some(os.as_bytes().to_vec());
        } else if a.oid == OID_SIGNING_TIME {
            if let Ok(t) = value.decode_as::<UtcTime>() {
                signing_time = i64::try_from(t.to_unix_duration().as_secs()).ok();
            } else if let Ok(t) = value.decode_as::<der::asn1::GeneralizedTime>() {
                signing_time = i64::try_from(t.to_unix_duration().as_secs()).ok();
            }
        } else if a.oid == OID_CONTENT_TYPE {
            content_type = Some(value.decode_as::<ObjectIdentifier>().map_err(der_err)?);
        }
    }
    if content_type != Some(OID_DATA) {
        return Err(Error::Malformed("content-type attribute is missing or not id-data".into()));
    }
    let message_digest =
        message_digest.ok_or_else(|| Error::Malformed("message-digest attribute is missing".into()))?;
    if message_digest.len() != 32 {
        return Err(Error::Malformed("message-digest is not a sha256 digest".into()));
    }

    let mut tlog_entry = None;
    let mut timestamps = Vec::new();
    let mut other_unsigned = Vec::new();
    for a in signer.unsigned_attrs.iter().flat_map(|s| s.iter()) {
        if a.oid == OID_TLOG_ENTRY {
            let value = single(a)?;
            match value.decode_as::<OctetString>() {
                Ok(os) if tlog_entry.is_none() => tlog_entry = Some(os.as_bytes().to_vec()),
                Ok(_) => return Err(Error::Malformed("two transparency log entry attributes".into())),
                Err(_) => other_unsigned.push(format!("{} (not an OCTET STRING)", a.oid)),
            }
        } else if a.oid == OID_TIMESTAMP_TOKEN {
            for v in a.values.iter() {
                timestamps.push(v.to_der().map_err(der_err)?);
            }
        } else {
            other_unsigned.push(a.oid.to_string());
        }
    }

    Ok(ParsedSignature {
        certificates,
        signer_certificate,
        signed_attrs_der,
        message_digest,
        signing_time,
        signature: signer.signature.as_bytes().to_vec(),
        tlog_entry,
        timestamps,
        other_unsigned,
    })
}

fn single(a: &Attribute) -> Result<&Any> {
    let mut it = a.values.iter();
    match (it.next(), it.next()) {
        (Some(v), None) => Ok(v),
        _ => Err(Error::Malformed(format!("attribute {} must have exactly one value", a.oid))),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() <= haystack.len() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Does the message-digest attribute equal sha256(payload)?
pub fn digest_matches(parsed: &ParsedSignature, payload: &[u8]) -> bool {
    Sha256::digest(payload)[..] == parsed.message_digest[..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_attributes_are_sorted_der_set() {
        let a = SignedAttrs::for_payload(b"hello", 1_700_000_000).unwrap();
        assert_eq!(a.der[0], 0x31);
        let back = SignedAttributes::from_der(&a.der).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back.to_der().unwrap(), a.der);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for input in [&b""[..], b"\x30\x00", b"\x30\x80\x00\x00", &[0xff; 64]] {
            let e = parse(input).unwrap_err();
            assert!(matches!(e.kind(), Error::Malformed(_)), "{e}");
        }
    }

    /// The well-formed openssl-made signature of fixtures/cms, taken apart for re-encoding.
    fn fixture() -> (Vec<u8>, SignedData) {
        let der = armor::decode(include_bytes!("../../fixtures/cms/self-signed.pem")).unwrap();
        parse(&der).unwrap();
        let sd = ContentInfo::from_der(&der).unwrap().content.decode_as().unwrap();
        (der, sd)
    }

    fn encode(sd: &SignedData) -> Vec<u8> {
        ContentInfo { content_type: OID_SIGNED_DATA, content: Any::encode_from(sd).unwrap() }.to_der().unwrap()
    }

    fn refusal(der: &[u8]) -> String {
        match parse(der) {
            Ok(_) => panic!("a re-encoded signature was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn unsigned_parts_accept_only_the_spelling_git_signers_write() {
        let (der, sd) = fixture();
        assert_eq!(encode(&sd), der, "re-encoding the fixture unchanged gives it back");

        let mut more_algs = sd.clone();
        more_algs.digest_algorithms = SetOfVec::try_from(vec![alg(OID_SHA256), alg(OID_DATA)]).unwrap();
        assert!(refusal(&encode(&more_algs)).contains("digest-algorithms"));

        let mut null_params = sd.clone();
        null_params.digest_algorithms =
            SetOfVec::try_from(vec![AlgorithmIdentifierOwned { oid: OID_SHA256, parameters: Some(Any::null()) }])
                .unwrap();
        assert!(refusal(&encode(&null_params)).contains("digest-algorithms"));

        let mut signer_params = sd.clone();
        let mut signers = signer_params.signer_infos.0.into_vec();
        signers[0].signature_algorithm.parameters = Some(Any::null());
        signer_params.signer_infos = SignerInfos(SetOfVec::try_from(signers).unwrap());
        assert!(refusal(&encode(&signer_params)).contains("parameters"));

        // The same certificate twice is the signer twice; a stranger is padding.
        let mut certs = sd.certificates.clone().unwrap().0.into_vec();
        let mut stranger = match &certs[0] {
            CertificateChoices::Certificate(c) => c.clone(),
            CertificateChoices::Other(_) => unreachable!(),
        };
        stranger.tbs_certificate.serial_number = x509_cert::serial_number::SerialNumber::new(&[0x7f, 1, 2]).unwrap();
        stranger.tbs_certificate.subject = x509_cert::name::Name::default();
        certs.push(CertificateChoices::Certificate(stranger));
        let mut padded = sd.clone();
        padded.certificates = Some(CertificateSet(SetOfVec::try_from(certs).unwrap()));
        assert!(refusal(&encode(&padded)).contains("besides the signer"));

        // Non-canonical DER (a long-form length where the short form fits) of the same value.
        let mut ber = der.clone();
        let len = ber[1];
        assert_eq!(len & 0x80, 0x80, "the outer SEQUENCE uses a long length");
        ber.splice(1..2, [len + 1, 0]);
        assert!(parse(&ber).is_err());
    }

    #[test]
    fn oversized_signature_is_refused() {
        let big = vec![0u8; MAX_SIGNATURE_BYTES + 1];
        let err = parse(&big).unwrap_err().to_string();
        assert!(err.contains("more than"), "{err}");
    }
}
