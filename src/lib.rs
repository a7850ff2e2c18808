//! sigseal: Sigstore keyless signing for git and software releases.
//!
//! Data flow: [`gpg`] (git's gpg-program protocol) → [`identity`] (OIDC tokens) → [`keyless`]
//! (ephemeral key, Fulcio) → [`cms`] (detached signatures) → [`transparency`] (Rekor) →
//! [`verify`] (checks, policy, reports) against [`trust`] (trusted roots). Release assets go
//! through [`release`] (blobs, manifests, attestations, key files). All sigstore-rust crates are
//! reached through [`sigstore`] only.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod cms;
pub mod config;
pub mod digest;
pub mod doctor;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod git;
pub mod gpg;
pub mod http;
pub mod identity;
pub mod input;
pub mod keyless;
pub mod pem;
pub mod process;
pub mod release;
pub mod sigstore;
pub mod transparency;
pub mod trust;
pub mod verify;

pub use error::{Error, Result};

/// The single-threaded async runtime every command runs its network work on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the async runtime", e))
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A unix time as RFC 3339 (UTC), or the bare number when it is out of range.
pub(crate) fn iso_time(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(|_| unix.to_string(), |t| t.to_string())
}
