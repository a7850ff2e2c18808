//! The one error type of sigseal: every failure has a stable code, a cause and a hint.
//!
//! Codes are stable across releases (documented in `docs/errors.md`); the text may improve.
//! Exit codes: 0 success, 1 a signature or verification failed, 2 usage or environment error.

use std::fmt;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A lower-level error (a DER decoder's, an I/O error, a parser's) kept as the cause of a
/// sigseal error, so that [`std::error::Error::source`] reaches it.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong, grouped by the stage that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Command line not understood.
    #[error("{0}")]
    Usage(String),
    /// A verification was asked for without saying who may have signed (no identity policy from
    /// the flags, a policy file or git config, and no `--insecure-any-identity`). A usage error
    /// (SS0001) that reports name as the identity-policy check.
    #[error(
        "no identity policy: sigseal will not say a signature is good without knowing who may have made it; \
         give --certificate-identity or --certificate-identity-regexp with --certificate-oidc-issuer(-regexp), \
         a policy file (--policy, sigseal.verify.policyFile), or --insecure-any-identity to check everything but the signer"
    )]
    NoPolicy,
    /// Configuration (git config or environment) is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// Running git failed.
    #[error("git: {0}")]
    Git(String),
    /// No identity token could be found.
    #[error("no identity token: {0}")]
    NoToken(String),
    /// The identity token is unusable (expired, wrong audience, malformed).
    #[error("identity token rejected: {0}")]
    TokenRejected(String),
    /// An interactive or device login did not complete (denied, timed out, forged callback).
    #[error("login failed: {0}")]
    Login(String),
    /// `sigseal.matchCommitter` is on and the signing identity is not the committer/tagger.
    #[error("identity does not match the committer: {0}")]
    CommitterMismatch(String),
    /// The credential agent could not be reached, refused a request, or is unsafe to use.
    #[error("credential agent: {0}")]
    Agent(String),
    /// Fulcio could not be reached or refused the certificate request.
    #[error("Fulcio ({url}): {reason}")]
    Fulcio {
        /// The Fulcio base URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// Rekor could not be reached or refused the entry.
    #[error("Rekor ({url}): {reason}")]
    Rekor {
        /// The Rekor base URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The timestamp authority could not be reached or refused the request.
    #[error("timestamp authority ({url}): {reason}")]
    Timestamp {
        /// The TSA URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The trusted root could not be loaded.
    #[error("trusted root: {0}")]
    TrustRoot(String),
    /// A signature could not be parsed (not CMS, not our shape).
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The signature does not match the payload or the key (BADSIG).
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// The signature cannot be checked: chain, log proof, time (ERRSIG).
    #[error("cannot verify: {0}")]
    Unverifiable(String),
    /// The signature is valid but the signer does not satisfy the policy (`TRUST_NEVER`).
    #[error("policy not met: {0}")]
    Policy(String),
    /// A git object is malformed or ambiguous (repeated headers, a signature in an unexpected
    /// place, oversized), so it is refused before any signature check.
    #[error("malformed object: {0}")]
    Object(String),
    /// A freshly made signature failed its own checks before being handed out.
    #[error("signing aborted: {0}")]
    SelfCheck(String),
    /// Any other error, with the lower-level error that caused it: made by [`Error::because`].
    /// Its code, exit code and hint are those of `error`; [`Error::kind`] is `error`.
    #[error("{error}: {cause}")]
    Caused {
        /// What failed, as one of the other variants.
        error: Box<Error>,
        /// Why: the lower-level error, reachable through `source()`.
        #[source]
        cause: Cause,
    },
    /// Local I/O failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A key file (cosign's encrypted private key, a public key) is unreadable or unusable.
    #[error("key file: {0}")]
    Key(String),
    /// The password does not open a key file.
    #[error("wrong password: {0}")]
    WrongPassword(String),
    /// Anything from a cryptographic primitive.
    #[error("crypto: {0}")]
    Crypto(String),
    /// A file given to sigseal (bundle, signature, key, policy, trusted root, token, ...) is
    /// larger than sigseal reads for its kind; it was refused without being read whole.
    #[error("{what} {path} is larger than {limit}, the most sigseal reads for a {what}")]
    TooLarge {
        /// The kind of file.
        what: &'static str,
        /// The file.
        path: String,
        /// The limit, in words ("32 MiB").
        limit: String,
    },
}

impl Error {
    /// This error with the lower-level error that caused it, kept as its `source()`. The message
    /// reads `<this error>: <cause>`.
    #[must_use]
    pub fn because(self, cause: impl Into<Cause>) -> Self {
        Error::Caused { error: Box::new(self), cause: cause.into() }
    }

    /// What failed, without the cause attached by [`Error::because`]: match on this.
    pub fn kind(&self) -> &Error {
        match self {
            Error::Caused { error, .. } => error.kind(),
            other => other,
        }
    }

    /// Stable diagnostic code, e.g. `SS0301`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Caused { error, .. } => error.code(),
            Error::Usage(_) | Error::NoPolicy => "SS0001",
            Error::Config(_) => "SS0002",
            Error::Git(_) => "SS0003",
            Error::Io { .. } => "SS0004",
            Error::TooLarge { .. } => "SS0005",
            Error::NoToken(_) => "SS0101",
            Error::TokenRejected(_) => "SS0102",
            Error::Login(_) => "SS0103",
            Error::CommitterMismatch(_) => "SS0104",
            Error::Agent(_) => "SS0105",
            Error::Fulcio { .. } => "SS0201",
            Error::Rekor { .. } => "SS0202",
            Error::SelfCheck(_) => "SS0203",
            Error::Crypto(_) => "SS0204",
            Error::Timestamp { .. } => "SS0205",
            Error::Key(_) => "SS0206",
            Error::WrongPassword(_) => "SS0207",
            Error::TrustRoot(_) => "SS0301",
            Error::Malformed(_) => "SS0401",
            Error::BadSignature(_) => "SS0402",
            Error::Unverifiable(_) => "SS0403",
            Error::Policy(_) => "SS0404",
            Error::Object(_) => "SS0405",
        }
    }

    /// Process exit code for this error (1 = verification/signing verdict, 2 = usage/environment).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Caused { error, .. } => error.exit_code(),
            Error::BadSignature(_)
            | Error::Unverifiable(_)
            | Error::Policy(_)
            | Error::Malformed(_)
            | Error::Object(_)
            | Error::SelfCheck(_)
            | Error::CommitterMismatch(_) => 1,
            _ => 2,
        }
    }

    /// What the user can do about it, when there is something useful to say.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Error::Caused { error, .. } => return error.hint(),
            Error::NoToken(_) => {
                "run `sigseal login`, set SIGSTORE_ID_TOKEN, point sigseal.tokenFile at a token, or give the CI job an OIDC token (see docs/identity.md)"
            }
            Error::Login(_) => "run `sigseal login` again; without a browser use `sigseal login --device` (see docs/identity.md)",
            Error::CommitterMismatch(_) => {
                "log in as the committer, set user.email to your signing identity, or unset sigseal.matchCommitter"
            }
            Error::Agent(_) => "run `sigseal agent --stop` and retry, or set sigseal.agent=false to sign without the agent",
            Error::TokenRejected(_) => "get a fresh token with audience 'sigstore'",
            Error::Fulcio { .. } => "check sigseal.fulcioURL / SIGSEAL_FULCIO_URL and your network",
            Error::Rekor { .. } => "check sigseal.rekorURL / SIGSEAL_REKOR_URL and your network",
            Error::Timestamp { .. } => "check sigseal.timestampURL / SIGSEAL_TIMESTAMP_URL, or unset it to sign without a timestamp",
            Error::TrustRoot(_) => "check sigseal.trustedRoot / SIGSEAL_TRUSTED_ROOT",
            Error::Policy(_) => {
                "give --certificate-identity(-regexp) and --certificate-oidc-issuer(-regexp), or a policy file (sigseal.verify.policyFile); see docs/verification.md"
            }
            Error::Usage(_) | Error::NoPolicy => "see `sigseal --help`",
            Error::TooLarge { .. } => {
                "check that the path names the intended file; genuine ones are far smaller (size limits: docs/release.md#input-size-limits)"
            }
            Error::WrongPassword(_) => "set SIGSEAL_PASSWORD (or COSIGN_PASSWORD) to the password the key was made with, or unset both to be asked",
            Error::Key(_) => "make a key pair with `sigseal generate-key-pair` (or `cosign generate-key-pair`) and pass PREFIX.key to sign, PREFIX.pub to verify",
            _ => return None,
        })
    }

    /// Shorthand for an I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// One line for stderr: `error[CODE]: message (hint: ...)`.
    pub fn one_line(&self) -> OneLine<'_> {
        OneLine(self)
    }
}

/// Display adapter that renders an error on a single line with its code and hint.
pub struct OneLine<'a>(&'a Error);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = self.0.to_string().replace(['\n', '\r'], " ");
        write!(f, "sigseal: error[{}]: {}", self.0.code(), msg)?;
        if let Some(h) = self.0.hint() {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_has_code_and_no_newlines() {
        let e = Error::Fulcio { url: "http://127.0.0.1:1".into(), reason: "connection refused\nretry".into() };
        let s = e.one_line().to_string();
        assert!(s.starts_with("sigseal: error[SS0201]: Fulcio (http://127.0.0.1:1): connection refused retry"));
        assert!(!s.contains('\n'));
        assert_eq!(e.exit_code(), 2);
    }

    /// One error of every variant. The match below has no wildcard, so a new variant does not
    /// compile until it is listed here, and so until the documentation test sees its code.
    fn every_variant() -> Vec<Error> {
        let s = || String::from("x");
        let all = vec![
            Error::Usage(s()),
            Error::NoPolicy,
            Error::Config(s()),
            Error::Git(s()),
            Error::NoToken(s()),
            Error::TokenRejected(s()),
            Error::Login(s()),
            Error::CommitterMismatch(s()),
            Error::Agent(s()),
            Error::Fulcio { url: s(), reason: s() },
            Error::Rekor { url: s(), reason: s() },
            Error::Timestamp { url: s(), reason: s() },
            Error::TrustRoot(s()),
            Error::Malformed(s()),
            Error::BadSignature(s()),
            Error::Unverifiable(s()),
            Error::Policy(s()),
            Error::Object(s()),
            Error::SelfCheck(s()),
            Error::io(s(), std::io::Error::other("x")),
            Error::Key(s()),
            Error::WrongPassword(s()),
            Error::Crypto(s()),
            Error::TooLarge { what: "x", path: s(), limit: s() },
            Error::Crypto(s()).because(std::io::Error::other("x")),
        ];
        for e in &all {
            match e {
                Error::Usage(_)
                | Error::NoPolicy
                | Error::Config(_)
                | Error::Git(_)
                | Error::NoToken(_)
                | Error::TokenRejected(_)
                | Error::Login(_)
                | Error::CommitterMismatch(_)
                | Error::Agent(_)
                | Error::Fulcio { .. }
                | Error::Rekor { .. }
                | Error::Timestamp { .. }
                | Error::TrustRoot(_)
                | Error::Malformed(_)
                | Error::BadSignature(_)
                | Error::Unverifiable(_)
                | Error::Policy(_)
                | Error::Object(_)
                | Error::SelfCheck(_)
                | Error::Io { .. }
                | Error::Key(_)
                | Error::WrongPassword(_)
                | Error::Crypto(_)
                | Error::TooLarge { .. }
                | Error::Caused { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_code_is_documented_with_its_exit_code_and_every_documented_code_exists() {
        use std::collections::BTreeMap;
        let doc = include_str!("../docs/errors.md");
        let mut built: BTreeMap<&str, i32> = BTreeMap::new();
        for e in every_variant() {
            // NoPolicy is a usage error with a structure of its own (reports name its check).
            if matches!(e, Error::Caused { .. }) {
                // A cause changes nothing of the code: it is the wrapped variant's.
                assert_eq!((e.code(), e.exit_code()), (e.kind().code(), e.kind().exit_code()));
                continue;
            }
            if matches!(e, Error::NoPolicy) {
                assert_eq!((e.code(), e.exit_code()), (Error::Usage(String::new()).code(), 2));
                continue;
            }
            assert!(built.insert(e.code(), e.exit_code()).is_none(), "{} is used by two variants", e.code());
        }
        let mut documented: Vec<String> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| SS"))
            .map(|rest| format!("SS{}", rest.split(' ').next().unwrap_or("")))
            .collect();
        documented.sort();
        let codes: Vec<String> = built.keys().map(std::string::ToString::to_string).collect();
        assert_eq!(codes, documented, "codes in src/error.rs vs the rows of docs/errors.md");
        // The exit-code table names every code that exits 1; all others exit 2.
        let ones = doc.lines().find(|l| l.starts_with("| 1 |")).expect("exit code 1 row in docs/errors.md");
        for (code, exit) in &built {
            let listed = ones.contains(code);
            assert_eq!(
                *exit == 1,
                listed,
                "{code} exits {exit}, but docs/errors.md {} it in the exit-1 row",
                if listed { "lists" } else { "does not list" }
            );
            assert!(*exit == 1 || *exit == 2, "{code} exits {exit}");
        }
    }

    #[test]
    fn a_cause_is_kept_as_source_and_shown_after_the_message() {
        use std::error::Error as _;
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let e = Error::Malformed("certificate".into()).because(io);
        assert_eq!(e.to_string(), "malformed signature: certificate: denied");
        assert_eq!(e.code(), "SS0401");
        assert_eq!(e.exit_code(), 1);
        assert!(matches!(e.kind(), Error::Malformed(m) if m == "certificate"));
        let source = e.source().expect("the cause is the source");
        assert_eq!(
            source.downcast_ref::<std::io::Error>().map(std::io::Error::kind),
            Some(std::io::ErrorKind::PermissionDenied)
        );
    }

    #[test]
    fn verdict_errors_exit_one() {
        assert_eq!(Error::BadSignature("x".into()).exit_code(), 1);
        assert_eq!(Error::Usage("x".into()).exit_code(), 2);
    }
}
