//! The failure of a signature check, shared by every check sigseal and sigstore-verify make:
//! which check failed (a stable name used in reports and JSON), whether the signature is bad or
//! only unverifiable, and why.

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

impl Failure {
    /// A check that could not establish trust (ERRSIG), as opposed to a bad signature.
    pub(super) fn unverifiable(check: &'static str, why: impl Into<String>) -> Self {
        Self { check, bad: false, why: why.into() }
    }
}
