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

/// A failed verification: the check that failed (a stable name used in reports and JSON),
/// whether it makes the signature bad (BADSIG) or only unverifiable (ERRSIG), and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Stable check name, e.g. `inclusion-proof`.
    pub check: &'static str,
    /// The signature does not match (as opposed to: cannot be trusted).
    pub bad: bool,
    /// What failed, in words.
    pub why: String,
}

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

impl Failure {
    pub(super) fn unverifiable(check: &'static str, why: impl Into<String>) -> Self {
        Self { check, bad: false, why: why.into() }
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

/// A verifier prepared once from a trusted root (its keys and CA anchors parsed once) and
/// shared by every signature of a run, across threads.
pub struct BundleVerifier {
    inner: sigstore_verify::Verifier,
    /// Start and end of every Fulcio CA validity window in the root (unix seconds).
    ca_boundaries: Vec<i64>,
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
        Ok(Self { inner, ca_boundaries })
    }

    /// Whether a certificate valid from `not_before` to `not_after` meets the same set of
    /// valid CAs at every instant: then a chain verified once for it holds for all its
    /// signatures, and the chain check may be reused.
    pub fn chain_result_reusable(&self, not_before: i64, not_after: i64) -> bool {
        !self.ca_boundaries.iter().any(|b| *b >= not_before && *b <= not_after)
    }

    /// Verify a bundle over `artifact`: chain at the log's time, SCT, SET, inclusion proof,
    /// checkpoint, integrated time within the certificate, signature, and entry consistency.
    /// With `chain_known_good` the certificate chain and SCT checks are skipped because this
    /// exact certificate already passed them (see [`Self::chain_result_reusable`]); every
    /// other check still runs. Identity policy is applied by the caller.
    pub fn verify(
        &self,
        artifact: &[u8],
        bundle: &Bundle,
        chain_known_good: bool,
    ) -> std::result::Result<Verified, Failure> {
        let mut policy = sigstore_verify::VerificationPolicy::any_identity();
        if chain_known_good {
            policy = policy.skip_certificate_chain().skip_sct();
        }
        match self.inner.verify(artifact, bundle, &policy) {
            Ok(r) => Ok(Verified::from_result(&r, chain_known_good)),
            Err(e) => Err(failure(&e)),
        }
    }
}

impl BundleVerifier {
    /// Verify a release bundle (message signature or DSSE attestation) over an artifact:
    /// certificate chain and SCT (or the given public key), log inclusion, SET, checkpoint,
    /// timestamps, signature, and that the entry and the artifact match the bundle.
    pub fn verify_blob(
        &self,
        input: BlobInput<'_>,
        bundle: &Bundle,
        key: KeyTrust<'_>,
    ) -> std::result::Result<Verified, Failure> {
        use sigstore_verify::types::Sha256Hash;
        let policy: Box<dyn sigstore_verify::Policy> = match key {
            KeyTrust::Certificate => Box::new(sigstore_verify::VerificationPolicy::any_identity()),
            KeyTrust::PublicKey { spki_der, require_log } => {
                let policy = sigstore_verify::PublicKeyVerificationPolicy::new(
                    sigstore_verify::types::DerPublicKey::new(spki_der.to_vec()),
                );
                Box::new(if require_log { policy } else { policy.skip_tlog_unsafe() })
            }
        };
        // The artifact's digest is kept (hashed on the way through for a stream) to tell, when
        // something does not match it, whether it is the user's file or the log entry.
        let (result, artifact_sha256) = match input {
            BlobInput::Reader(r) => {
                use sha2::Digest;
                let mut tee = Sha256Tee { inner: r, hasher: sha2::Sha256::new() };
                let result = self.inner.verify_reader(&mut tee, bundle, policy.as_ref());
                (result, <[u8; 32]>::from(tee.hasher.finalize()))
            }
            BlobInput::Sha256(d) => (self.inner.verify(Sha256Hash::from(d), bundle, policy.as_ref()), d),
        };
        match result {
            Ok(r) => Ok(Verified::from_result(&r, false)),
            // The bundle itself names this artifact, so what does not match it is the log
            // entry: it belongs to another signature.
            Err(sigstore_verify::Error::ArtifactMismatch(why)) if bundle_names_artifact(bundle, &artifact_sha256) == Some(true) => {
                Err(Failure::unverifiable(
                    "log-entry-match",
                    format!(
                        "the bundle signs this artifact, but its transparency log entry records another one (the entry belongs to another signature): {why}"
                    ),
                ))
            }
            // Here the artifact is the user's file: a mismatch means it is not what was signed.
            Err(sigstore_verify::Error::ArtifactMismatch(why)) => Err(Failure {
                check: "artifact-digest",
                bad: true,
                why: format!("the artifact is not the one that was signed (changed since, or another file): {why}"),
            }),
            Err(e) => Err(failure(&e)),
        }
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
