//! Verification with sigstore-verify: a verifier prepared once from a trusted root, checking git
//! signatures' bundles and release bundles (a certificate or a public key), and the failures it
//! reports sorted into the checks they belong to.

use crate::error::{Error, Result};

use super::{Bundle, DerCertificate, TrustedRoot};
use sigstore_verify::types::bundle::SignatureContent;
use sigstore_verify::types::HashAlgorithm;

/// Everything the bundle verifier established about a signature.
#[derive(Clone, Debug)]
pub struct Verified {
    /// SAN identity (email or URI).
    pub identity: Option<String>,
    /// OIDC issuer from the certificate (1.3.6.1.4.1.57264.1.8, else .1.1).
    pub issuer: Option<String>,
    /// Rekor integrated time (unix seconds), when a log entry was verified.
    pub integrated_time: Option<i64>,
    /// Whether the SCT was verified.
    pub sct_verified: bool,
    /// Times proven by verified RFC 3161 timestamps (unix seconds).
    pub timestamps: Vec<i64>,
}

pub use super::failure::Failure;

impl Verified {
    /// What sigstore-verify established; `sct_known_good` when this certificate's SCT was
    /// verified earlier in the run and its check was skipped.
    fn from_result(r: &sigstore_verify::VerificationResult, sct_known_good: bool) -> Self {
        Verified {
            identity: r.identity().map(|s| s.as_str().to_string()),
            issuer: r.issuer().map(str::to_string),
            integrated_time: r.integrated_time().map(jiff::Timestamp::as_second),
            sct_verified: r.sct_verified() || sct_known_good,
            timestamps: r.verified_timestamps().iter().map(|t| t.as_second()).collect(),
        }
    }
}

/// Sort a sigstore-verify error into the check it belongs to.
fn failure(e: &sigstore_verify::Error) -> Failure {
    use sigstore_verify::error::{CertificateError as C, TimestampError as T, TransparencyLogError as L};
    use sigstore_verify::Error as E;
    let why = e.to_string();
    let check = match e {
        E::SignatureInvalid(_) => return Failure { check: "signature", bad: true, why },
        // The bundle's digest is built from the signature itself, so an artifact mismatch here
        // means the log entry describes something else: not a bad signature, an unusable proof.
        E::ArtifactMismatch(_) | E::TransparencyLog(L::EntryMismatch(_)) => {
            return Failure::unverifiable(
                "log-entry-match",
                format!("the transparency log entry does not match this signature: {why}"),
            )
        }
        E::Certificate(C::Expired { .. } | C::NotYetValid { .. }) => "certificate-validity",
        E::Certificate(C::Sct(_)) => "sct",
        // webpki reports a certificate outside its validity at the log's time inside a chain
        // error; it is the validity window that failed, not the chain of issuers.
        E::Certificate(C::ChainInvalid(m)) if m.contains("CertNotValidYet") || m.contains("CertExpired") => {
            "certificate-validity"
        }
        E::Certificate(_) => "certificate-chain",
        E::TransparencyLog(L::UnknownLog { .. }) => "log-key",
        E::TransparencyLog(L::InclusionProof(_)) => "inclusion-proof",
        E::TransparencyLog(L::Checkpoint(_)) => "checkpoint",
        E::TransparencyLog(L::InclusionPromise(_)) => "signed-entry-timestamp",
        E::TransparencyLog(L::IntegratedTime(_)) => "integrated-time",
        E::TransparencyLog(_) => "log-entry",
        E::Timestamp(T::NoVerifiedTimestamp(_)) => "signing-time",
        E::Timestamp(_) => "timestamp",
        E::InvalidTrustRoot(_) | E::TrustRoot(_) | E::TrustedCertificate(_) => "trusted-root",
        _ => "bundle",
    };
    Failure::unverifiable(check, why)
}

/// A verifier prepared once from a trusted root (its keys, CA anchors and timestamp authorities
/// parsed once) and shared by every signature of a run, across threads.
///
/// What a signature must bring depends on what the root provides, as the Sigstore client
/// specification has it: a root that lists a transparency log requires a log entry with its
/// proof (the public-good instance); a root that lists none (GitHub's instance) requires at
/// least one RFC 3161 timestamp from one of its timestamp authorities. Every timestamp a bundle
/// carries must verify, and the certificate must be valid at every verified time.
pub struct BundleVerifier {
    inner: sigstore_verify::Verifier,
    /// Start and end of every Fulcio CA validity window in the root (unix seconds).
    ca_boundaries: Vec<i64>,
    tsas: super::timestamp::Authorities,
    /// The root lists a transparency log: a log entry with its proof is required.
    requires_log: bool,
    /// The root lists CT logs: certificates' SCTs are checked.
    checks_sct: bool,
    /// Every certificate of every Fulcio CA chain (as sigstore-verify anchors them), with the
    /// CA's validity window.
    fulcio_anchors: Vec<(Vec<u8>, Option<sigstore_verify::types::TimeRange>)>,
    /// Subject and subject key identifier of every Fulcio CA certificate, to tell whether a
    /// certificate was issued by this root's CAs.
    ca_names: Vec<(x509_cert::name::Name, Option<Vec<u8>>)>,
    /// The root itself, for the checks sigseal makes (CT and transparency log keys).
    root: TrustedRoot,
}

/// A certificate's subject key identifier, when it states one.
fn subject_key_id(cert: &x509_cert::Certificate) -> Option<Vec<u8>> {
    cert.tbs_certificate
        .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, ski)| ski.0.as_bytes().to_vec())
}

/// The authority key identifier a certificate names its issuer's key by, when it states one.
fn authority_key_id(cert: &x509_cert::Certificate) -> Option<Vec<u8>> {
    cert.tbs_certificate
        .get::<x509_cert::ext::pkix::AuthorityKeyIdentifier>()
        .ok()
        .flatten()
        .and_then(|(_, aki)| aki.key_identifier.map(|k| k.as_bytes().to_vec()))
}

impl BundleVerifier {
    /// Prepare a verifier.
    pub fn new(root: &TrustedRoot) -> Result<Self> {
        let inner = sigstore_verify::Verifier::new(root)
            .map_err(|e| Error::TrustRoot("unusable trusted root".into()).because(e))?;
        let mut ca_boundaries = Vec::new();
        for window in root.certificate_authorities.iter().filter_map(|ca| ca.valid_for.as_ref()) {
            ca_boundaries.push(window.start.as_second());
            if let Some(end) = window.end {
                ca_boundaries.push(end.as_second());
            }
        }
        let fulcio_anchors: Vec<(Vec<u8>, Option<sigstore_verify::types::TimeRange>)> = root
            .certificate_authorities
            .iter()
            .flat_map(|ca| ca.cert_chain.certificates.iter().map(|c| (c.raw_bytes.as_bytes().to_vec(), ca.valid_for)))
            .collect();
        let ca_names = fulcio_anchors
            .iter()
            .filter_map(|(der, _)| {
                use der::Decode;
                x509_cert::Certificate::from_der(der).ok()
            })
            .map(|c| (c.tbs_certificate.subject.clone(), subject_key_id(&c)))
            .collect();
        Ok(Self {
            inner,
            root: root.clone(),
            ca_names,
            ca_boundaries,
            tsas: super::timestamp::Authorities::of(root),
            requires_log: !root.tlogs.is_empty(),
            checks_sct: !root.ctlogs.is_empty(),
            fulcio_anchors,
        })
    }

    /// Whether a Fulcio CA of this root issued the certificate `leaf_der`: one of its CA
    /// certificates has the leaf's issuer as subject and, when both state them, the key
    /// identifier the leaf names. (Only a choice of root: the path itself is verified later.)
    pub fn issued(&self, leaf_der: &[u8]) -> bool {
        use der::Decode;
        let Ok(leaf) = x509_cert::Certificate::from_der(leaf_der) else { return false };
        let aki = authority_key_id(&leaf);
        self.ca_names.iter().any(|(subject, ski)| {
            *subject == leaf.tbs_certificate.issuer
                && match (&aki, ski) {
                    (Some(a), Some(s)) => a == s,
                    _ => true,
                }
        })
    }

    /// Whether the root requires a transparency-log entry (it lists a log), else RFC 3161
    /// timestamps.
    pub fn requires_log(&self) -> bool {
        self.requires_log
    }

    /// Whether a certificate valid from `not_before` to `not_after` meets the same set of
    /// valid CAs at every instant: then a chain verified once for it holds for all its
    /// signatures, and the chain check may be reused.
    pub fn chain_result_reusable(&self, not_before: i64, not_after: i64) -> bool {
        !self.ca_boundaries.iter().any(|b| *b >= not_before && *b <= not_after)
    }

    /// Verify a git signature's bundle over `artifact` (see [`Self::verify_blob`] for the checks).
    /// With `chain_known_good` the certificate path and SCT checks are skipped because this
    /// exact certificate already passed them (see [`Self::chain_result_reusable`]); every other
    /// check still runs. Identity policy is applied by the caller.
    pub fn verify(
        &self,
        artifact: &[u8],
        bundle: &Bundle,
        chain_known_good: bool,
    ) -> std::result::Result<Verified, Failure> {
        self.keyless(Input::Bytes(artifact), bundle, chain_known_good)
    }

    /// Verify a release bundle (message signature or DSSE attestation) over an artifact:
    /// the verified times (log entry with proof and signed entry timestamp, RFC 3161
    /// timestamps, as the root requires), certificate path and validity at each of them, SCT
    /// (or the given public key), the signature, and that the log entry and the artifact
    /// match the bundle.
    pub fn verify_blob(
        &self,
        input: BlobInput<'_>,
        bundle: &Bundle,
        key: KeyTrust<'_>,
    ) -> std::result::Result<Verified, Failure> {
        let input = match input {
            BlobInput::Reader(r) => Input::Reader(r),
            BlobInput::Sha256(d) => Input::Sha256(d),
        };
        match key {
            KeyTrust::Certificate => self.keyless(input, bundle, false),
            KeyTrust::PublicKey { spki_der, require_log } => {
                let key = sigstore_verify::types::DerPublicKey::new(spki_der.to_vec());
                let policy = sigstore_verify::PublicKeyVerificationPolicy::new(key.clone());
                let policy = if require_log { policy } else { policy.skip_tlog_unsafe() };
                // Timestamps of a key-signed bundle are sigseal's to check (fractions).
                let stamps = self.stamps(bundle)?;
                let mut verified =
                    if !stamps.is_empty() && !require_log && bundle.verification_material.tlog_entries.is_empty() {
                        // Without a log entry, the timestamps are all the bundle has beside the
                        // signature: checked above, and the signature here.
                        signature_check(input, bundle, &key)?;
                        Verified {
                            identity: None,
                            issuer: None,
                            integrated_time: None,
                            sct_verified: false,
                            timestamps: Vec::new(),
                        }
                    } else {
                        self.upstream(input, &without_timestamps(bundle), &policy, &key, false)?
                    };
                verified.timestamps.extend(stamps.iter().map(|s| s.time.as_second()));
                Ok(verified)
            }
        }
    }

    /// Every RFC 3161 timestamp of `bundle` checked against the root's authorities.
    fn stamps(&self, bundle: &Bundle) -> std::result::Result<Vec<super::timestamp::Stamp>, Failure> {
        let tokens = &bundle.verification_material.timestamp_verification_data.rfc3161_timestamps;
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        if tokens.len() > MAX_TIMESTAMPS {
            return Err(Failure::unverifiable(
                "timestamp",
                format!(
                    "the bundle carries {} RFC 3161 timestamps; at most {MAX_TIMESTAMPS} are checked (Sigstore clients write one or two)",
                    tokens.len()
                ),
            ));
        }
        let signature = signature_of(bundle)
            .ok_or_else(|| Failure::unverifiable("bundle", "the bundle carries no signature to timestamp"))?;
        let mut stamps = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.iter().enumerate() {
            let stamp = self.tsas.verify(token.signed_timestamp.as_bytes(), signature).map_err(|why| {
                Failure::unverifiable("timestamp", format!("RFC 3161 timestamp {} of {}: {why}", i + 1, tokens.len()))
            })?;
            stamps.push(stamp);
        }
        Ok(stamps)
    }

    /// A keyless (Fulcio certificate) bundle: the evidence the root asks for, then every other
    /// check. Identity policy is applied by the caller.
    fn keyless(
        &self,
        input: Input<'_>,
        bundle: &Bundle,
        chain_known_good: bool,
    ) -> std::result::Result<Verified, Failure> {
        let entries = &bundle.verification_material.tlog_entries;
        let stamps = self.stamps(bundle)?;
        let leaf = bundle
            .signing_certificate()
            .ok_or_else(|| Failure::unverifiable("certificate", "the bundle has no signing certificate"))?;
        let leaf_info = sigstore_sign::crypto::parse_certificate_info(leaf)
            .map_err(|e| Failure::unverifiable("certificate", format!("unreadable signing certificate: {e}")))?;
        // The certificate must be valid at every verified time (each timestamp's, here; the
        // log's integrated time is checked by sigstore-verify).
        let mut issuer_key = None;
        for stamp in &stamps {
            issuer_key = self.certificate_valid_at(bundle, &leaf_info, stamp, chain_known_good)?;
        }
        if self.requires_log && entries.is_empty() {
            return Err(Failure::unverifiable(
                "log-entry",
                "the trusted root lists a transparency log, so a signature must come with its log entry and inclusion proof; this one has none",
            ));
        }
        if !self.requires_log && !entries.is_empty() {
            return Err(Failure::unverifiable(
                "log-key",
                "the bundle carries a transparency log entry, but the trusted root lists no log to check it against (is this the right trusted root?)",
            ));
        }
        let with_set = |e: &&sigstore_verify::types::bundle::TransparencyLogEntry| {
            e.integrated_time.is_some() && e.inclusion_promise.is_some()
        };
        let has_set = entries.iter().any(|e| with_set(&e));
        if has_set {
            // The entry's signed entry timestamp is a verified time: sigstore-verify checks the
            // rest at it (the timestamps, checked above, are left out of what it is given).
            let mut policy = sigstore_verify::VerificationPolicy::any_identity();
            if chain_known_good {
                policy = policy.skip_certificate_chain().skip_sct();
            } else if !self.checks_sct {
                policy = policy.skip_sct();
            }
            // When every entry has a SET, sigstore-verify checks each SET (its integrated time
            // is then a verified time) and each entry's binding to this signature, and sigseal
            // checks each inclusion proof and checkpoint and the integrated time, once:
            // sigstore-verify's own log check would verify every SET a second time.
            let own_log_check = entries.iter().all(|e| with_set(&e));
            if own_log_check {
                policy = policy.skip_tlog_unsafe();
            }
            let mut verified =
                self.upstream(input, &without_timestamps(bundle), &policy, &leaf_info.public_key, chain_known_good)?;
            if own_log_check {
                let mut integrated = None;
                for entry in entries {
                    super::tlog::verify_inclusion_v1(entry, &self.root)?;
                    if let Some(t) = entry.integrated_time {
                        integrated = Some(integrated.map_or(t, |i: jiff::Timestamp| i.min(t)));
                    }
                }
                if let Some(t) = integrated {
                    integrated_time_valid(t, &leaf_info)?;
                }
                verified.integrated_time = integrated.map(jiff::Timestamp::as_second);
            }
            verified.timestamps = stamps.iter().map(|s| s.time.as_second()).collect();
            return Ok(verified);
        }
        // Without a signed entry timestamp (a Rekor v2 entry, or no log at all) the verified
        // times are the RFC 3161 timestamps, and sigseal checks the rest at them.
        if stamps.is_empty() {
            let why = if self.requires_log {
                "the log entry has no signed entry timestamp (a Rekor v2 entry), so the signature needs an RFC 3161 timestamp as its signing time; it has none"
            } else {
                "the trusted root lists no transparency log, so a signature needs an RFC 3161 timestamp from one of its timestamp authorities; this one has neither a log entry nor a timestamp"
            };
            return Err(Failure::unverifiable("signing-time", why));
        }
        if self.checks_sct && !chain_known_good {
            let issuer = issuer_key.unwrap_or_default();
            super::sct::verify_embedded(leaf.as_bytes(), &issuer, &self.root)
                .map_err(|why| Failure::unverifiable("sct", why))?;
        }
        let signed = signature_check(input, bundle, &leaf_info.public_key)?;
        let times: Vec<jiff::Timestamp> = stamps.iter().map(|s| s.time).collect();
        let signature = signature_of(bundle).unwrap_or_default();
        for entry in entries {
            let expected = super::tlog::Expected {
                signature,
                verifier: super::Material::Certificate(leaf.as_bytes()),
                digest: signed,
                payload_sha256: payload_sha256(bundle),
            };
            super::tlog::verify_entry(entry, &self.root, &times, &expected)?;
        }
        Ok(Verified {
            identity: leaf_info.identity.as_ref().map(|s| s.as_str().to_string()),
            issuer: leaf_info.issuer.clone(),
            integrated_time: None,
            sct_verified: self.checks_sct,
            timestamps: stamps.iter().map(|s| s.time.as_second()).collect(),
        })
    }

    /// The signing certificate at a timestamp's time: within its own validity, and (unless its
    /// path is known good) chaining to a Fulcio CA of the root whose window holds that time,
    /// with the code-signing key usage.
    fn certificate_valid_at(
        &self,
        bundle: &Bundle,
        leaf: &sigstore_verify::crypto::CertificateInfo,
        stamp: &super::timestamp::Stamp,
        chain_known_good: bool,
    ) -> std::result::Result<Option<Vec<u8>>, Failure> {
        let t = stamp.time;
        if t < leaf.not_before || t > leaf.not_after {
            return Err(Failure::unverifiable(
                "certificate-validity",
                format!(
                    "the signing certificate (valid {} to {}) was not valid at the time of the RFC 3161 timestamp, {t}",
                    leaf.not_before, leaf.not_after
                ),
            ));
        }
        if chain_known_good {
            return Ok(None);
        }
        let anchors: Vec<_> = self
            .fulcio_anchors
            .iter()
            .filter(|(_, window)| window.is_none_or(|w| w.contains(t)))
            .filter_map(|(der, _)| super::path::anchor(der))
            .collect();
        if anchors.is_empty() {
            return Err(Failure::unverifiable(
                "certificate-chain",
                format!("no Fulcio CA of the trusted root was valid at the time of the RFC 3161 timestamp, {t}"),
            ));
        }
        let intermediates: Vec<&[u8]> = match &bundle.verification_material.content {
            sigstore_verify::types::bundle::VerificationMaterialContent::X509CertificateChain { certificates } => {
                certificates.iter().skip(1).map(|c| c.raw_bytes.as_bytes()).collect()
            }
            _ => Vec::new(),
        };
        let leaf_der = bundle.signing_certificate().map(DerCertificate::as_bytes).unwrap_or_default();
        super::path::valid_at(leaf_der, &intermediates, &anchors, t, super::path::CODE_SIGNING).map(Some).map_err(|e| {
            Failure::unverifiable(
                "certificate-chain",
                format!("the signing certificate does not chain to a Fulcio CA of the trusted root at the time of the RFC 3161 timestamp, {t} ({e})"),
            )
        })
    }

    /// The checks sigstore-verify makes, on `bundle` (whose timestamps sigseal checked).
    fn upstream(
        &self,
        input: Input<'_>,
        bundle: &Bundle,
        policy: &dyn sigstore_verify::Policy,
        key: &sigstore_verify::types::DerPublicKey,
        sct_known_good: bool,
    ) -> std::result::Result<Verified, Failure> {
        use sigstore_verify::types::Sha256Hash;
        // The artifact's digest is kept (hashed on the way through for a stream) to tell, when
        // something does not match it, whether it is the user's file or the log entry.
        let (result, artifact_sha256) = match input {
            // A git signature's artifact is the signed content the bundle was built from, so a
            // mismatch can only be the log entry's (see `failure`).
            Input::Bytes(b) => (self.inner.verify(b, bundle, policy), None),
            // Where the artifact's digest is all sigstore-verify needs (an ECDSA signature, which
            // it checks prehashed, or an attestation, whose subject it compares), the stream is
            // hashed once, here; otherwise (Ed25519) it reads the bytes, hashed on the way.
            Input::Reader(r) if digest_suffices(bundle, key) => {
                let (d, _) = crate::digest::sha256_stream(r, |_| {})
                    .map_err(|e| Failure::unverifiable("artifact", format!("cannot read the artifact: {e}")))?;
                (self.inner.verify(Sha256Hash::from(d), bundle, policy), Some(d))
            }
            Input::Reader(r) => {
                use sha2::Digest;
                let mut tee = Sha256Tee { inner: r, hasher: sha2::Sha256::new() };
                let result = self.inner.verify_reader(&mut tee, bundle, policy);
                (result, Some(<[u8; 32]>::from(tee.hasher.finalize())))
            }
            Input::Sha256(d) => (self.inner.verify(Sha256Hash::from(d), bundle, policy), Some(d)),
        };
        match (result, artifact_sha256) {
            (Ok(r), _) => Ok(Verified::from_result(&r, sct_known_good)),
            // The bundle itself names this artifact, so what does not match it is the log
            // entry: it belongs to another signature.
            (Err(sigstore_verify::Error::ArtifactMismatch(why)), Some(d))
                if bundle_names_artifact(bundle, &d) == Some(true) =>
            {
                Err(Failure::unverifiable(
                    "log-entry-match",
                    format!(
                        "the bundle signs this artifact, but its transparency log entry records another one (the entry belongs to another signature): {why}"
                    ),
                ))
            }
            // Here the artifact is the user's file: a mismatch means it is not what was signed.
            (Err(sigstore_verify::Error::ArtifactMismatch(why)), Some(_)) => Err(Failure {
                check: "artifact-digest",
                bad: true,
                why: format!("the artifact is not the one that was signed (changed since, or another file): {why}"),
            }),
            (Err(e), _) => Err(failure(&e)),
        }
    }
}

/// A log's integrated time (authenticated by its SET) is not in the future and lies inside the
/// signing certificate's validity.
fn integrated_time_valid(
    t: jiff::Timestamp,
    leaf: &sigstore_verify::crypto::CertificateInfo,
) -> std::result::Result<(), Failure> {
    let why = if t > jiff::Timestamp::now() {
        format!("the log's integrated time {t} is in the future")
    } else if t < leaf.not_before {
        format!("the log's integrated time {t} is before the certificate's validity (notBefore {})", leaf.not_before)
    } else if t > leaf.not_after {
        format!("the log's integrated time {t} is after the certificate's validity (notAfter {})", leaf.not_after)
    } else {
        return Ok(());
    };
    Err(Failure::unverifiable("integrated-time", why))
}

/// The most RFC 3161 timestamps one signature may carry: each costs signature checks, and a
/// bundle of 32 MiB could otherwise hold thousands.
pub const MAX_TIMESTAMPS: usize = 32;

/// The artifact as the verification reads it.
enum Input<'a> {
    Bytes(&'a [u8]),
    Reader(&'a mut dyn std::io::Read),
    Sha256([u8; 32]),
}

/// The SHA-256 of a DSSE bundle's payload (what a `dsse` log entry records).
fn payload_sha256(bundle: &Bundle) -> Option<[u8; 32]> {
    use sha2::Digest;
    match &bundle.content {
        SignatureContent::DsseEnvelope(e) => Some(sha2::Sha256::digest(e.payload.as_bytes()).into()),
        _ => None,
    }
}

/// `bundle` without its RFC 3161 timestamps, for the checks sigstore-verify makes: sigseal checks
/// them itself ([`BundleVerifier::stamps`]), and sigstore-verify's parser refuses fractions of a
/// second. A copy only when there is something to leave out.
fn without_timestamps(bundle: &Bundle) -> std::borrow::Cow<'_, Bundle> {
    if bundle.verification_material.timestamp_verification_data.rfc3161_timestamps.is_empty() {
        return std::borrow::Cow::Borrowed(bundle);
    }
    let mut plain = bundle.clone();
    plain.verification_material.timestamp_verification_data.rfc3161_timestamps.clear();
    std::borrow::Cow::Owned(plain)
}

/// The signature bytes an RFC 3161 timestamp of `bundle` stamps.
fn signature_of(bundle: &Bundle) -> Option<&[u8]> {
    match &bundle.content {
        SignatureContent::MessageSignature(m) => Some(m.signature.as_bytes()),
        SignatureContent::DsseEnvelope(e) => Some(e.signature.sig.as_bytes()),
        _ => None,
    }
}

/// The signature of a bundle checked by sigseal (its times come from RFC 3161 timestamps
/// checked by the caller), made with `key` over the artifact: a message signature over the
/// artifact's SHA-256 digest, which the bundle must also name; or a DSSE envelope whose
/// signature covers its PAE and whose in-toto statement names the artifact among its subjects
/// (any other payload must be the artifact itself). Returns the digest that was signed (the
/// artifact's, or the PAE's), which a log entry of the signature must record.
fn signature_check(
    input: Input<'_>,
    bundle: &Bundle,
    key: &sigstore_verify::types::DerPublicKey,
) -> std::result::Result<[u8; 32], Failure> {
    use sigstore_verify::crypto::{KeyAlgorithm, SigningScheme};
    use sigstore_verify::types::SignatureBytes;
    let digest: [u8; 32] = match input {
        Input::Bytes(b) => {
            use sha2::Digest;
            sha2::Sha256::digest(b).into()
        }
        Input::Reader(r) => {
            crate::digest::sha256_stream(r, |_| {})
                .map_err(|e| Failure::unverifiable("artifact", format!("cannot read the artifact: {e}")))?
                .0
        }
        Input::Sha256(d) => d,
    };
    let algorithm = KeyAlgorithm::from_spki(key)
        .map_err(|e| Failure::unverifiable("certificate", format!("unsupported signing key: {e}")))?;
    let (scheme, prehashed) = match algorithm {
        KeyAlgorithm::EcdsaP256 => (SigningScheme::EcdsaP256Sha256, true),
        KeyAlgorithm::EcdsaP384 => (SigningScheme::EcdsaP384Sha256, true),
        other => (other.default_signing_scheme(), false),
    };
    let bad = |why: String| Failure { check: "signature", bad: true, why };
    let not_this = || Failure {
        check: "artifact-digest",
        bad: true,
        why: "the artifact is not the one that was signed (changed since, or another file)".into(),
    };
    match &bundle.content {
        SignatureContent::MessageSignature(m) => {
            let named = m
                .message_digest
                .as_ref()
                .filter(|d| d.algorithm == HashAlgorithm::Sha2256)
                .map(|d| d.digest.as_bytes() == digest.as_slice());
            if named == Some(false) {
                return Err(not_this());
            }
            if !prehashed {
                return Err(Failure::unverifiable(
                    "signature",
                    "a message signature without a log entry is checked over its digest, which needs an ECDSA key",
                ));
            }
            sigstore_verify::crypto::verify_signature_prehashed(key, &digest, &m.signature, scheme)
                .map_err(|e| bad(format!("the signature over the artifact's digest does not verify: {e}")))?;
            Ok(digest)
        }
        SignatureContent::DsseEnvelope(e) => {
            let pae = sigstore_verify::types::dsse::pae(&e.payload_type, e.payload.as_bytes());
            sigstore_verify::crypto::verify_signature(
                key,
                &pae,
                &SignatureBytes::new(e.signature.sig.as_bytes().to_vec()),
                scheme,
            )
            .map_err(|why| bad(format!("the DSSE envelope's signature does not verify: {why}")))?;
            let binds = if e.payload_type == super::IN_TOTO_PAYLOAD_TYPE {
                bundle_names_artifact(bundle, &digest) == Some(true)
            } else {
                use sha2::Digest;
                <[u8; 32]>::from(sha2::Sha256::digest(e.payload.as_bytes())) == digest
            };
            if binds {
                use sha2::Digest;
                Ok(sha2::Sha256::digest(&pae).into())
            } else {
                Err(not_this())
            }
        }
        _ => Err(Failure::unverifiable("bundle", "the bundle holds neither a message signature nor a DSSE envelope")),
    }
}

/// The artifact a bundle is checked against.
pub enum BlobInput<'a> {
    /// The artifact's bytes, read to the end in constant memory.
    Reader(&'a mut dyn std::io::Read),
    /// Only the artifact's SHA-256 is known.
    Sha256([u8; 32]),
}

/// How the signing key of a bundle is trusted.
#[derive(Clone, Copy, Debug)]
pub enum KeyTrust<'a> {
    /// A Fulcio certificate chaining to the trusted root (identity policy applied by the caller).
    Certificate,
    /// This public key (SPKI DER); `require_log` says whether the bundle must be logged.
    PublicKey {
        /// SPKI DER.
        spki_der: &'a [u8],
        /// Require and verify a transparency-log entry.
        require_log: bool,
    },
}

/// Whether a bundle's own statement about its artifact (the message signature's SHA-256
/// digest, or a DSSE statement's subjects) names `sha256`; `None` when it states none.
fn bundle_names_artifact(bundle: &Bundle, sha256: &[u8; 32]) -> Option<bool> {
    match &bundle.content {
        SignatureContent::MessageSignature(m) => m
            .message_digest
            .as_ref()
            .filter(|d| d.algorithm == HashAlgorithm::Sha2256)
            .map(|d| d.digest.as_bytes() == sha256.as_slice()),
        SignatureContent::DsseEnvelope(e) => {
            let statement: serde_json::Value = serde_json::from_slice(e.payload.as_bytes()).ok()?;
            let want = hex::encode(sha256);
            let subjects = statement.get("subject")?.as_array()?;
            Some(subjects.iter().any(|s| {
                s.pointer("/digest/sha256").and_then(|d| d.as_str()).is_some_and(|d| d.eq_ignore_ascii_case(&want))
            }))
        }
        _ => None,
    }
}

/// Whether sigstore-verify can judge the bundle from the artifact's SHA-256 alone: an
/// attestation (its subject is compared by digest), or a message signature by an ECDSA `key`
/// (checked prehashed).
fn digest_suffices(bundle: &Bundle, key: &sigstore_verify::types::DerPublicKey) -> bool {
    use sigstore_verify::crypto::KeyAlgorithm;
    match &bundle.content {
        SignatureContent::DsseEnvelope(_) => true,
        SignatureContent::MessageSignature(_) => {
            KeyAlgorithm::from_spki(key).is_ok_and(|a| matches!(a, KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384))
        }
        _ => false,
    }
}

/// A reader that hashes (SHA-256) what passes through it.
struct Sha256Tee<'a> {
    inner: &'a mut dyn std::io::Read,
    hasher: sha2::Sha256,
}

impl std::io::Read for Sha256Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

/// Verify an ECDSA signature with a certificate's key (used when no log proof exists).
pub fn verify_with_certificate(leaf_der: &[u8], data: &[u8], signature: &[u8]) -> std::result::Result<(), Failure> {
    use sigstore_verify::types::SignatureBytes;
    let info = sigstore_sign::crypto::parse_certificate_info(&DerCertificate::from(leaf_der.to_vec()))
        .map_err(|e| Failure::unverifiable("certificate", format!("certificate: {e}")))?;
    sigstore_sign::crypto::verify_signature(
        &info.public_key,
        data,
        &SignatureBytes::new(signature.to_vec()),
        info.key_algorithm.default_signing_scheme(),
    )
    .map_err(|e| Failure {
        check: "signature",
        bad: true,
        why: format!("signature does not verify with the certificate's key: {e}"),
    })
}
