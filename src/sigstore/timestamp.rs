//! RFC 3161 timestamp tokens, decoded and checked by sigseal: the token's `TSTInfo` is read here
//! with a genTime of its own, because RFC 3161 allows fractional seconds (OpenSSL-based TSAs and
//! sigstore-js's mock stamp milliseconds) while the `der` crate's `GeneralizedTime`, and so
//! sigstore-rust's TSA parser built on it, refuses them. Everything else stays on the existing
//! crates: the CMS structures (`cms`), certificates (`x509-cert`), signature algorithms
//! (sigstore-crypto) and the certificate path (webpki, through [`super::path`]).
//!
//! A token is accepted for an authority of the trusted root when: it is a granted `TimeStampResp` or
//! a bare `TimeStampToken` holding `SignedData` of a `TSTInfo` (version 1, a policy); it stamps the
//! signature (SHA-256/384/512 imprint); its one signer is the authority's leaf certificate, which
//! signed the signed attributes, whose content type is `TSTInfo` and whose message digest is the
//! `TSTInfo`'s; the leaf chains to the authority's root through its intermediates with the
//! time-stamping key usage at genTime, within the leaf's validity; its accuracy, when stated, is
//! well-formed; and genTime lies within the authority's validity window in the trusted root.
//! When signing, the nonce must be echoed too.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, Int, OctetString};
use der::{Decode, Encode, Sequence};
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::{DerCertificate, TrustedRoot};

const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

/// A timestamp token that was checked against a trusted authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The token's genTime, to the fraction of a second it states.
    pub time: jiff::Timestamp,
    /// The accuracy the token states (`None`: not stated).
    pub accuracy: Option<std::time::Duration>,
    /// The TSA's policy OID under which the token was issued.
    pub policy: String,
    /// The URI of the trusted root's authority that issued it.
    pub authority: String,
}

/// Why a token is not usable, in words for the report.
pub type Refusal = String;

/// A token's decoded content, before any check against an authority.
pub struct Token {
    info: TstInfo,
    /// The DER `TSTInfo`, as the signer's message-digest attribute covers it.
    info_der: Vec<u8>,
    signed: cms::signed_data::SignedData,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("gen_time", &self.info.gen_time.time).finish_non_exhaustive()
    }
}

/// `GeneralizedTime` as RFC 3161 uses it: `YYYYMMDDHHMMSS[.f]Z`, the fraction of a second optional,
/// without trailing zeros (DER).
#[derive(Clone, Debug, PartialEq, Eq)]
struct GenTime {
    time: jiff::Timestamp,
    raw: Vec<u8>,
}

impl der::FixedTag for GenTime {
    const TAG: der::Tag = der::Tag::GeneralizedTime;
}

impl<'a> der::DecodeValue<'a> for GenTime {
    fn decode_value<R: der::Reader<'a>>(reader: &mut R, header: der::Header) -> der::Result<Self> {
        let raw = reader.read_vec(header.length)?;
        let time = parse_generalized_time(&raw).ok_or_else(|| der::Tag::GeneralizedTime.value_error())?;
        Ok(Self { time, raw })
    }
}

impl der::EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<der::Length> {
        der::Length::try_from(self.raw.len())
    }
    fn encode_value(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        writer.write(&self.raw)
    }
}

/// Parse the content of a DER `GeneralizedTime` with an optional fraction of a second.
fn parse_generalized_time(raw: &[u8]) -> Option<jiff::Timestamp> {
    let text = std::str::from_utf8(raw).ok()?;
    let body = text.strip_suffix('Z')?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| whole.get(r)?.parse::<i16>().ok();
    let (year, month, day) = (num(0..4)?, i8::try_from(num(4..6)?).ok()?, i8::try_from(num(6..8)?).ok()?);
    let (hour, minute, second) =
        (i8::try_from(num(8..10)?).ok()?, i8::try_from(num(10..12)?).ok()?, i8::try_from(num(12..14)?).ok()?);
    let nanos = match fraction {
        None => 0,
        // DER: at least one digit, no trailing zero; nanoseconds are the finest jiff keeps.
        Some(f) if f.is_empty() || f.len() > 9 || f.ends_with('0') || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return None
        }
        Some(f) => f.parse::<i32>().ok()? * 10i32.pow(u32::try_from(9 - f.len()).ok()?),
    };
    let civil = jiff::civil::DateTime::new(year, month, day, hour, minute, second, nanos).ok()?;
    civil.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

#[derive(Clone, Debug, Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<Int>,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "IMPLICIT")]
    millis: Option<Int>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "IMPLICIT")]
    micros: Option<Int>,
}

fn no() -> bool {
    false
}

#[derive(Clone, Debug, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: GenTime,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "no")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    tsa: Option<x509_cert::ext::pkix::name::GeneralName>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "IMPLICIT")]
    extensions: Option<x509_cert::ext::Extensions>,
}

#[derive(Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Any>,
    #[asn1(optional = "true")]
    fail_info: Option<Any>,
}

#[derive(Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<cms::content_info::ContentInfo>,
}

/// A non-negative INTEGER that fits 64 bits.
fn int_u64(i: &Int) -> Option<u64> {
    let bytes = i.as_bytes();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let bytes: Vec<u8> = bytes.iter().skip_while(|b| **b == 0).copied().collect();
    if bytes.len() > 8 {
        return None;
    }
    Some(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn digest(oid: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    use sha2::Digest;
    match *oid {
        SHA256 => Some(sha2::Sha256::digest(data).to_vec()),
        SHA384 => Some(sha2::Sha384::digest(data).to_vec()),
        SHA512 => Some(sha2::Sha512::digest(data).to_vec()),
        _ => None,
    }
}

impl Token {
    /// Decode a `TimeStampResp` (granted) or a bare `TimeStampToken` (`ContentInfo`), as TSAs
    /// answer and as bundles and git signatures carry them.
    pub fn decode(der: &[u8]) -> Result<Self, Refusal> {
        let content = match TimeStampResp::from_der(der) {
            Ok(resp) => {
                // 0 granted, 1 granted with modifications.
                if resp.status.status > 1 {
                    return Err(format!("the request was not granted (status {})", resp.status.status));
                }
                resp.time_stamp_token.ok_or("the reply carries no timestamp token")?
            }
            Err(_) => cms::content_info::ContentInfo::from_der(der)
                .map_err(|e| format!("neither an RFC 3161 reply nor a timestamp token ({e})"))?,
        };
        if content.content_type != SIGNED_DATA {
            return Err("the token is not CMS SignedData".into());
        }
        let signed: cms::signed_data::SignedData =
            content.content.decode_as().map_err(|e| format!("the token is not CMS SignedData ({e})"))?;
        if signed.encap_content_info.econtent_type != TST_INFO {
            return Err("the token does not carry a TSTInfo".into());
        }
        let econtent = signed.encap_content_info.econtent.as_ref().ok_or("the token carries no TSTInfo")?;
        let info_der = econtent.value().to_vec();
        let info = TstInfo::from_der(&info_der).map_err(|e| format!("unreadable TSTInfo ({e})"))?;
        if info.version != 1 {
            return Err(format!("TSTInfo version {} (RFC 3161 defines 1)", info.version));
        }
        Ok(Self { info, info_der, signed })
    }

    /// The token alone (`TimeStampToken`, a CMS `ContentInfo`), as a signature's
    /// id-aa-timeStampToken attribute carries it (RFC 3161 appendix A), from a reply or a token.
    pub fn token_der(der: &[u8]) -> Result<Vec<u8>, Refusal> {
        match TimeStampResp::from_der(der) {
            Ok(resp) => resp
                .time_stamp_token
                .ok_or("the reply carries no timestamp token")?
                .to_der()
                .map_err(|e| format!("the timestamp token cannot be encoded ({e})")),
            Err(_) => Self::decode(der).map(|_| der.to_vec()),
        }
    }

    /// genTime, to the fraction of a second the token states.
    pub fn time(&self) -> jiff::Timestamp {
        self.info.gen_time.time
    }

    /// The stated accuracy; an error when its milliseconds or microseconds are outside 1..=999
    /// (RFC 3161) or the seconds do not fit.
    pub fn accuracy(&self) -> Result<Option<std::time::Duration>, Refusal> {
        let Some(a) = &self.info.accuracy else { return Ok(None) };
        let part = |v: &Option<Int>, what: &str, max: u64| -> Result<u64, Refusal> {
            match v {
                None => Ok(0),
                Some(i) => match int_u64(i) {
                    Some(n) if max == 0 || (1..=max).contains(&n) => Ok(n),
                    _ => Err(format!("the token's accuracy has an invalid {what} value")),
                },
            }
        };
        let seconds = part(&a.seconds, "seconds", 0)?;
        let millis = part(&a.millis, "millis", 999)?;
        let micros = part(&a.micros, "micros", 999)?;
        Ok(Some(
            std::time::Duration::from_secs(seconds)
                + std::time::Duration::from_millis(millis)
                + std::time::Duration::from_micros(micros),
        ))
    }

    /// Whether the token stamps `signature` (its imprint is the signature's hash).
    pub fn stamps(&self, signature: &[u8]) -> Result<(), Refusal> {
        let imprint = &self.info.message_imprint;
        let ours = digest(&imprint.hash_algorithm.oid, signature)
            .ok_or_else(|| format!("the token's imprint uses an unsupported hash ({})", imprint.hash_algorithm.oid))?;
        if ours.as_slice() != imprint.hashed_message.as_bytes() {
            return Err("the token stamps something else than this signature".into());
        }
        Ok(())
    }

    /// Whether the token echoes `nonce` (a reply to this request, not a replayed one).
    pub fn echoes(&self, nonce: u64) -> bool {
        self.info.nonce.as_ref().and_then(int_u64) == Some(nonce)
    }

    /// Check the token against `authority`: signer, signature, path and validity (see the module
    /// documentation); the signature it stamps is checked separately ([`Self::stamps`]).
    fn issued_by(&self, authority: &Authority) -> Result<Stamp, Refusal> {
        let signers = &self.signed.signer_infos.0;
        if signers.len() != 1 {
            return Err(format!("the token has {} signers (RFC 3161: one)", signers.len()));
        }
        let signer = signers.get(0).ok_or("the token has no signer")?;
        if !authority.is_signer(&signer.sid) {
            return Err(NOT_THIS_AUTHORITY.into());
        }
        let attrs = signer.signed_attrs.as_ref().ok_or("the token's signer has no signed attributes")?;
        let attribute = |oid: ObjectIdentifier| {
            attrs.iter().find(|a| a.oid == oid).and_then(|a| if a.values.len() == 1 { a.values.get(0) } else { None })
        };
        let content_type = attribute(CONTENT_TYPE)
            .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
            .ok_or("the token's signed attributes have no content type")?;
        if content_type != TST_INFO {
            return Err("the token's signed content type is not TSTInfo".into());
        }
        let signed_digest = attribute(MESSAGE_DIGEST)
            .and_then(|v| v.decode_as::<OctetString>().ok())
            .ok_or("the token's signed attributes have no message digest")?;
        let info_digest = digest(&signer.digest_alg.oid, &self.info_der)
            .ok_or_else(|| format!("the token's digest algorithm is not supported ({})", signer.digest_alg.oid))?;
        if signed_digest.as_bytes() != info_digest.as_slice() {
            return Err("the token's signed message digest is not the TSTInfo's".into());
        }
        let signed_bytes = attrs.to_der().map_err(|e| format!("the token's signed attributes: {e}"))?;
        let scheme = authority.scheme(&signer.digest_alg.oid)?;
        sigstore_verify::crypto::verify_signature(
            &authority.key,
            &signed_bytes,
            &sigstore_verify::types::SignatureBytes::new(signer.signature.as_bytes().to_vec()),
            scheme,
        )
        .map_err(|_| "the token's signature does not verify with the authority's certificate".to_string())?;

        let time = self.time();
        // The accuracy must be well-formed; like every Sigstore client, the validity checks
        // take genTime itself (a TSA certificate issued in the same second as the token is
        // valid, whatever accuracy it states).
        let accuracy = self.accuracy()?;
        authority.path_valid_at(time)?;
        if time < authority.not_before || time > authority.not_after {
            return Err(format!(
                "the token's time {time} is outside its TSA certificate's validity ({} to {})",
                authority.not_before, authority.not_after
            ));
        }
        // The root's window is compared with genTime itself, both ends inclusive, as every
        // Sigstore client does (sigstore-conformance holds clients to it).
        if let Some(window) = &authority.window {
            if !window.contains(time) {
                return Err(format!(
                    "the token's time {time} is outside the validity window the trusted root gives its TSA ({})",
                    authority.uri
                ));
            }
        }
        Ok(Stamp { time, accuracy, policy: self.info.policy.to_string(), authority: authority.uri.clone() })
    }
}

const NOT_THIS_AUTHORITY: &str = "signed by another authority";

/// One timestamp authority of a trusted root, prepared for checking tokens.
struct Authority {
    uri: String,
    leaf: x509_cert::Certificate,
    leaf_der: Vec<u8>,
    key: sigstore_verify::types::DerPublicKey,
    intermediates: Vec<Vec<u8>>,
    root: Vec<u8>,
    not_before: jiff::Timestamp,
    not_after: jiff::Timestamp,
    window: Option<sigstore_verify::types::TimeRange>,
}

fn cert_time(t: &x509_cert::time::Time) -> jiff::Timestamp {
    jiff::Timestamp::try_from(t.to_system_time()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

impl Authority {
    fn new(
        uri: &str,
        chain: &[DerCertificate],
        window: Option<sigstore_verify::types::TimeRange>,
    ) -> Result<Self, Refusal> {
        let (leaf_der, intermediates, root) = match chain {
            [] => return Err(format!("the trusted root's TSA {uri} has no certificate")),
            [only] => (only, &[][..], only),
            [leaf, middle @ .., root] => (leaf, middle, root),
        };
        let leaf = x509_cert::Certificate::from_der(leaf_der.as_bytes())
            .map_err(|e| format!("the trusted root's TSA {uri} has an unreadable certificate ({e})"))?;
        let key = leaf
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| format!("the trusted root's TSA {uri}: {e}"))?;
        let validity = &leaf.tbs_certificate.validity;
        Ok(Self {
            uri: uri.to_string(),
            not_before: cert_time(&validity.not_before),
            not_after: cert_time(&validity.not_after),
            key: sigstore_verify::types::DerPublicKey::new(key),
            leaf_der: leaf_der.as_bytes().to_vec(),
            leaf,
            intermediates: intermediates.iter().map(|c| c.as_bytes().to_vec()).collect(),
            root: root.as_bytes().to_vec(),
            window,
        })
    }

    /// Whether the CMS signer identifier names this authority's leaf certificate.
    fn is_signer(&self, sid: &cms::signed_data::SignerIdentifier) -> bool {
        use cms::signed_data::SignerIdentifier as S;
        let tbs = &self.leaf.tbs_certificate;
        match sid {
            S::IssuerAndSerialNumber(i) => i.issuer == tbs.issuer && i.serial_number == tbs.serial_number,
            S::SubjectKeyIdentifier(ski) => tbs
                .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, own)| own.0.as_bytes() == ski.0.as_bytes()),
        }
    }

    /// The signature scheme of this authority's key with the token's digest algorithm.
    fn scheme(&self, digest_alg: &ObjectIdentifier) -> Result<sigstore_verify::crypto::SigningScheme, Refusal> {
        use super::keys::Hash;
        let hash = match *digest_alg {
            SHA256 => Hash::Sha256,
            SHA384 => Hash::Sha384,
            SHA512 => Hash::Sha512,
            other => return Err(format!("the token's digest algorithm {other} is not supported")),
        };
        super::keys::scheme_for(&self.key, hash).map_err(|why| format!("the token's signature: {why}"))
    }

    /// The leaf chains to the authority's root through its intermediates, every certificate
    /// valid at `time`, with the time-stamping key usage.
    fn path_valid_at(&self, time: jiff::Timestamp) -> Result<(), Refusal> {
        let anchor = super::path::anchor(&self.root)
            .ok_or_else(|| format!("the trusted root's TSA {} has an unusable root certificate", self.uri))?;
        let intermediates: Vec<&[u8]> = self.intermediates.iter().map(Vec::as_slice).collect();
        super::path::valid_at(&self.leaf_der, &intermediates, &[anchor], time, super::path::TIME_STAMPING)
            .map(|_| ())
            .map_err(|e| {
                format!("the TSA certificate does not chain to the trusted root's TSA {} at {time} ({e})", self.uri)
            })
    }
}

/// The timestamp authorities of a trusted root, prepared once.
pub struct Authorities {
    list: Vec<Authority>,
    /// Authorities the root lists that cannot be used, and why (reported when no other fits).
    unusable: Vec<Refusal>,
}

impl Authorities {
    /// Every timestamp authority `root` lists.
    pub fn of(root: &TrustedRoot) -> Self {
        let mut list = Vec::new();
        let mut unusable = Vec::new();
        for tsa in &root.timestamp_authorities {
            let chain: Vec<DerCertificate> = tsa.cert_chain.certificates.iter().map(|c| c.raw_bytes.clone()).collect();
            match Authority::new(tsa.uri.as_deref().unwrap_or("(no URI)"), &chain, tsa.valid_for) {
                Ok(a) => list.push(a),
                Err(why) => unusable.push(why),
            }
        }
        Self { list, unusable }
    }

    /// Whether the root lists any timestamp authority.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Check a token (DER, as a bundle or git signature carries it) over `signature`.
    pub fn verify(&self, token: &[u8], signature: &[u8]) -> Result<Stamp, Refusal> {
        let token = Token::decode(token)?;
        token.stamps(signature)?;
        self.verify_decoded(&token)
    }

    /// Check a decoded token against the authority that signed it.
    pub fn verify_decoded(&self, token: &Token) -> Result<Stamp, Refusal> {
        let mut refusals = Vec::new();
        for authority in &self.list {
            match token.issued_by(authority) {
                Ok(stamp) => return Ok(stamp),
                Err(why) if why == NOT_THIS_AUTHORITY => {}
                Err(why) => refusals.push(why),
            }
        }
        // An authority that recognised its signer explains best; else say none did.
        if let Some(why) = refusals.into_iter().next() {
            return Err(why);
        }
        let mut why = "the token was not signed by any timestamp authority of the trusted root".to_string();
        if self.list.is_empty() {
            why = "the trusted root lists no usable timestamp authority".into();
        }
        if let Some(first) = self.unusable.first() {
            why = format!("{why} ({first})");
        }
        Err(why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_time_reads_whole_seconds_and_fractions() {
        let t = |s: &str| parse_generalized_time(s.as_bytes());
        assert_eq!(t("20261203161723Z").map(jiff::Timestamp::as_second), Some(1_796_314_643));
        let ms = t("20261203161723.123Z").unwrap();
        assert_eq!(ms.as_second(), 1_796_314_643);
        assert_eq!(ms.subsec_millisecond(), 123);
        assert_eq!(t("20261203161723.000000001Z").map(jiff::Timestamp::subsec_nanosecond), Some(1));
    }

    #[test]
    fn generalized_time_refuses_what_der_forbids() {
        for bad in [
            "20261203161723",             // no Z
            "20261203161723.Z",           // empty fraction
            "20261203161723.120Z",        // trailing zero
            "20261203161723.1234567891Z", // finer than nanoseconds
            "2026120316172Z",             // short
            "20261303161723Z",            // month 13
            "20261203161723+0100",        // offset
            "20261203161723,5Z",          // comma
        ] {
            assert_eq!(parse_generalized_time(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn a_nonce_is_read_as_unsigned_and_refused_when_negative_or_wide() {
        assert_eq!(int_u64(&Int::new(&[0x00, 0xff]).unwrap()), Some(255));
        assert_eq!(
            int_u64(&Int::new(&[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap()),
            Some(i64::MAX as u64)
        );
        assert_eq!(int_u64(&Int::new(&[0x80]).unwrap()), None);
        assert_eq!(int_u64(&Int::new(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap()), None);
    }
}
