//! The transparency log (Rekor), every exchange sigseal has with it: logging a signature (a
//! `hashedrekord` entry over a digest, or a `dsse` entry over an envelope), reading an entry
//! back (a create answered 409 Conflict was logged before), searching entries by artifact digest
//! (for signatures that carry no log proof), and reading the entry embedded in a CMS signature,
//! in gitsign's form (canonicalized body stripped, rebuilt here) or in sigseal's (body kept).
//!
//! A [`Log`] is one log at one API version; Rekor v1 is spoken in `v1`, so another version is
//! a sibling of it behind the same [`Log`]. Requests go through the operation's
//! [`crate::http::Client`]; conversions to and from sigstore-rust types are
//! [`crate::sigstore`]'s. The entries returned carry their inclusion proof and signed entry
//! timestamp; the bundle verifier checks them.

mod v1;
mod v2;

use crate::cms::ParsedSignature;
use crate::error::{Error, Result};
use crate::http;
use crate::sigstore::{self, DsseEnvelope, Material, TransparencyLogEntry};

/// How many log entries found by one search are examined.
pub const MAX_LOOKUP_ENTRIES: usize = 16;

/// What a signature says about its log entry.
#[derive(Debug)]
pub enum Embedded {
    /// No log entry attribute (gitsign online mode): nothing proves time or inclusion offline.
    Absent,
    /// A log entry, ready for verification.
    Entry(Box<TransparencyLogEntry>),
    /// The attribute is there but is not a usable Rekor `TransparencyLogEntry`.
    Unreadable(String),
}

/// Read the log entry embedded in a signature.
pub fn embedded(sig: &ParsedSignature) -> Embedded {
    let Some(bytes) = &sig.tlog_entry else {
        let sigstore_attrs: Vec<&str> =
            sig.other_unsigned.iter().map(String::as_str).filter(|o| o.starts_with("1.3.6.1.4.1.57264.3.")).collect();
        if sigstore_attrs.is_empty() {
            return Embedded::Absent;
        }
        return Embedded::Unreadable(format!(
            "unrecognized Sigstore attributes {} (an unreleased gitsign format)",
            sigstore_attrs.join(", ")
        ));
    };
    let body = || sigstore::hashedrekord_body(&sig.signed_attrs_sha256(), &sig.signature, &sig.signer_certificate);
    match sigstore::entry_from_protobuf(bytes, body) {
        Ok(e) => Embedded::Entry(Box::new(e)),
        Err(e) => Embedded::Unreadable(e.to_string()),
    }
}

/// The global log index of an entry.
pub fn log_index(entry: &TransparencyLogEntry) -> i64 {
    sigstore::log_index(entry)
}

/// Where the log at `url` (API `version` 1 or 2) answers with its state to a plain GET: its
/// tree head (v1) or its signed checkpoint (v2).
pub fn info_url(url: &str, version: u32) -> String {
    let url = url.trim_end_matches('/');
    if version == 2 {
        format!("{url}/api/v2/checkpoint")
    } else {
        format!("{url}/api/v1/log")
    }
}

/// The API version a log is spoken to in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Api {
    /// Rekor v1 (`/api/v1/log/entries`, `/api/v1/index/retrieve`).
    V1,
    /// Rekor v2, a tile-based log (`/api/v2/log/entries`; no search, no signing time).
    V2,
}

/// What is proposed to the log.
#[derive(Clone, Copy, Debug)]
pub enum Proposal<'a> {
    /// A signature over a SHA-256 digest (`hashedrekord`).
    HashedRekord {
        /// The signed artifact's SHA-256 (for a CMS signature: of its DER signed attributes).
        artifact_sha256: [u8; 32],
        /// The DER signature.
        signature: &'a [u8],
        /// The certificate or public key that verifies it.
        material: Material<'a>,
    },
    /// A signed DSSE envelope (`dsse`).
    Dsse {
        /// The envelope.
        envelope: &'a DsseEnvelope,
        /// The certificate or public key that verifies its signature.
        material: Material<'a>,
    },
}

/// One transparency log, spoken to through one operation's HTTP client.
#[derive(Clone, Debug)]
pub struct Log {
    http: http::Client,
    url: String,
    api: Api,
    /// The trusted root a v2 log's answers are checked against before use.
    root: Option<std::sync::Arc<sigstore::TrustedRoot>>,
}

impl Log {
    /// The Rekor v1 log at `url` (its base URL), spoken to through `http`.
    pub fn v1(http: &http::Client, url: &str) -> Self {
        Self { http: http.clone(), url: url.trim_end_matches('/').to_string(), api: Api::V1, root: None }
    }

    /// The Rekor v2 log at `url`, whose answers are checked against `root` before use.
    pub fn v2(http: &http::Client, url: &str, root: &sigstore::TrustedRoot) -> Self {
        Self {
            http: http.clone(),
            url: url.trim_end_matches('/').to_string(),
            api: Api::V2,
            root: Some(std::sync::Arc::new(root.clone())),
        }
    }

    /// The log at `url` in API version `version` (1 or 2, as configuration resolved it).
    pub fn for_version(http: &http::Client, url: &str, version: u32, root: &sigstore::TrustedRoot) -> Self {
        if version == 2 {
            Self::v2(http, url, root)
        } else {
            Self::v1(http, url)
        }
    }

    /// The log's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The API version it is spoken to in.
    pub fn api(&self) -> Api {
        self.api
    }

    /// Where the log answers with its state (tree size, root hash) to a plain GET: what a
    /// health check of this log probes.
    pub fn info_url(&self) -> String {
        info_url(&self.url, if self.api == Api::V2 { 2 } else { 1 })
    }

    /// A failure of this log.
    fn fail(&self, reason: impl Into<String>) -> Error {
        Error::Rekor { url: self.url.clone(), reason: reason.into() }
    }

    /// Log `proposal`; the logged entry, in bundle form. A proposal the log already holds (an
    /// earlier attempt logged it, its answer lost) is read back and used once it is checked to
    /// be this very proposal.
    pub async fn log(&self, proposal: &Proposal<'_>) -> Result<TransparencyLogEntry> {
        match self.api {
            Api::V1 => v1::create(self, proposal).await,
            Api::V2 => v2::create(self, proposal).await,
        }
    }

    /// Log a CMS signature: a `hashedrekord` over the SHA-256 of its DER signed attributes.
    pub async fn log_signature(
        &self,
        signed_attrs_der: &[u8],
        signature: &[u8],
        leaf_der: &[u8],
    ) -> Result<TransparencyLogEntry> {
        use sha2::{Digest, Sha256};
        let artifact_sha256: [u8; 32] = Sha256::digest(signed_attrs_der).into();
        self.log(&Proposal::HashedRekord { artifact_sha256, signature, material: Material::Certificate(leaf_der) })
            .await
    }

    /// Log a signature over `artifact_sha256` made by a certificate's or a public key's key.
    pub async fn log_digest(
        &self,
        artifact_sha256: &[u8; 32],
        signature: &[u8],
        material: Material<'_>,
    ) -> Result<TransparencyLogEntry> {
        self.log(&Proposal::HashedRekord { artifact_sha256: *artifact_sha256, signature, material }).await
    }

    /// Log a DSSE envelope signed by a certificate's or a public key's key.
    pub async fn log_dsse(&self, envelope: &DsseEnvelope, material: Material<'_>) -> Result<TransparencyLogEntry> {
        self.log(&Proposal::Dsse { envelope, material }).await
    }

    /// The `hashedrekord` entries over `artifact_sha256` (at most [`MAX_LOOKUP_ENTRIES`]), each
    /// read back with its inclusion proof and SET. The caller verifies them.
    pub async fn entries_for(&self, artifact_sha256: &[u8; 32]) -> Result<Vec<TransparencyLogEntry>> {
        match self.api {
            Api::V1 => v1::search(self, artifact_sha256).await,
            // A tile-based log keeps no index: nothing can be found by digest.
            Api::V2 => Err(self.fail(
                "a Rekor v2 log cannot be searched by digest (it has no index); a signature logged there carries its entry",
            )),
        }
    }

    /// The `hashedrekord` entry for this artifact digest and signature (cosign's
    /// `--signature`/`--certificate` input carries no log proof): the entry among those over the
    /// digest whose signature is this one. The caller verifies it.
    pub async fn entry_for_signature(
        &self,
        artifact_sha256: &[u8; 32],
        signature: &[u8],
    ) -> Result<Option<TransparencyLogEntry>> {
        let entries = self.entries_for(artifact_sha256).await?;
        Ok(entries.into_iter().find(|e| sigstore::hashedrekord_signature(e).as_deref() == Some(signature)))
    }
}
