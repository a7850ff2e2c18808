//! Verification of release bundles: a Sigstore bundle (v0.1 to v0.3; message signature or
//! DSSE attestation) over an artifact given as a stream or as its SHA-256, trusted through a
//! Fulcio certificate and the identity policy, or through a public key (the key-based
//! fallback). Produces the same [`Report`] as git signatures, so text and JSON read alike.

use super::{Outcome, Report, Trust, Verdict, Verifier};
use crate::sigstore::{self, BlobInput, Bundle, KeyTrust};

impl Verifier {
    /// Verify `bundle` over `input`. With a [`KeyTrust::PublicKey`] the key is the trust anchor
    /// (no certificate, no identity); otherwise the certificate must chain to the root and its
    /// signer must satisfy the policy.
    #[allow(clippy::too_many_lines, reason = "the checks of a bundle in the order the report lists them")]
    pub fn verify_bundle(&self, input: BlobInput<'_>, bundle: &Bundle, key: KeyTrust<'_>) -> Report {
        let mut r = Report::empty();
        let facts = sigstore::bundle_facts(bundle);
        r.log_index = facts.log_index;
        if let Err(f) = sigstore::check_bundle_version(bundle) {
            r.fail(f);
            return r;
        }
        match (&facts.certificate, key) {
            (Some(cert), KeyTrust::Certificate) => {
                r.certificate.clone_from(cert);
                match self.cert_info(cert) {
                    Ok(info) => {
                        r.fingerprint.clone_from(&info.fingerprint);
                        r.identity.clone_from(&info.identity);
                        r.issuer.clone_from(&info.issuer);
                        r.claims = info.claims.named();
                        r.certificate_validity = Some((info.not_before, info.not_after));
                    }
                    Err(why) => {
                        r.fail(sigstore::Failure { check: "certificate", bad: false, why });
                        return r;
                    }
                }
            }
            (None, KeyTrust::Certificate) => {
                let why = if facts.key_hint.is_some() {
                    "the bundle was signed with a key, not a Fulcio certificate: verify it with --key PUBLIC_KEY"
                } else {
                    "the bundle carries no signing certificate"
                };
                r.fail(sigstore::Failure { check: "certificate", bad: false, why: why.into() });
                return r;
            }
            (Some(_), KeyTrust::PublicKey { .. }) => {
                r.fail(sigstore::Failure {
                    check: "public-key",
                    bad: false,
                    why: "--key was given, but the bundle was signed with a Fulcio certificate: verify it with an identity policy instead".into(),
                });
                return r;
            }
            (None, KeyTrust::PublicKey { .. }) => {}
        }
        if facts.log_index.is_none() && matches!(key, KeyTrust::PublicKey { require_log: true, .. }) {
            r.fail(sigstore::Failure {
                check: "transparency-log",
                bad: false,
                why: "the bundle was never logged in Rekor (signed with --tlog-upload=false); --insecure-ignore-tlog accepts that".into(),
            });
            return r;
        }
        let (instance, root) = match (&facts.certificate, key) {
            (Some(cert), KeyTrust::Certificate) => self.root_for(cert),
            _ => self.root_for(&[]),
        };
        if matches!(key, KeyTrust::Certificate) {
            r.instance = Some(instance.to_string());
        }
        match root.verify_blob(input, bundle, key) {
            Ok(v) => {
                r.integrated_time = v.integrated_time;
                if v.identity.is_some() {
                    r.identity = v.identity;
                }
                if v.issuer.is_some() {
                    r.issuer = v.issuer;
                }
                let what = if facts.dsse.is_some() {
                    "DSSE envelope signature verifies; a statement subject is this artifact's digest"
                } else {
                    "signature over the artifact's digest verifies"
                };
                r.check("signature", Outcome::Pass, what);
                match key {
                    KeyTrust::Certificate => {
                        r.check(
                            "certificate-chain",
                            Outcome::Pass,
                            format!(
                                "chains to a Fulcio CA of the {instance} trusted root, valid at every verified time"
                            ),
                        );
                        if v.sct_verified {
                            r.check("sct", Outcome::Pass, "certificate transparency SCT verifies");
                        }
                    }
                    KeyTrust::PublicKey { .. } => {
                        r.check("public-key", Outcome::Pass, "made by the given public key");
                    }
                }
                match (r.log_index, key) {
                    (Some(_), _) => r.check(
                        "transparency-log",
                        Outcome::Pass,
                        "SET or inclusion proof and checkpoint verify with a log key of the trusted root; entry matches this signature",
                    ),
                    (None, KeyTrust::PublicKey { require_log: false, .. }) => r.check(
                        "transparency-log",
                        Outcome::NotChecked,
                        "not logged, and --insecure-ignore-tlog accepts that",
                    ),
                    (None, _) => {}
                }
                if facts.timestamps > 0 {
                    r.check(
                        "timestamp",
                        Outcome::Pass,
                        format!(
                            "{} RFC 3161 timestamp(s) verify against a TSA of the {instance} trusted root{}",
                            facts.timestamps,
                            if r.log_index.is_none() {
                                " (its verified signing time: this root lists no transparency log)"
                            } else {
                                ""
                            }
                        ),
                    );
                }
            }
            Err(mut f) => {
                if matches!(key, KeyTrust::PublicKey { .. }) && f.check == "signature" {
                    f = sigstore::Failure {
                        check: "public-key",
                        bad: true,
                        why: format!("the bundle was not signed by the given public key ({})", f.why),
                    };
                }
                r.fail(f);
                return r;
            }
        }
        match key {
            KeyTrust::Certificate => self.judge(&mut r),
            KeyTrust::PublicKey { .. } => {
                r.trust = Trust::Fully;
                r.policy_detail = "signed by the given key".into();
            }
        }
        r
    }
}

impl Report {
    /// Add a check made outside the signature (predicate type, manifest digest); a failure
    /// makes the report not accepted.
    pub fn add_check(&mut self, name: &'static str, ok: bool, detail: impl Into<String>) {
        let detail = detail.into();
        if ok {
            self.check(name, Outcome::Pass, detail);
        } else {
            self.check(name, Outcome::Fail, detail.clone());
            if self.verdict == Verdict::Good {
                self.verdict = Verdict::Bad(detail);
            }
        }
    }

    /// A report for something that could not be verified at all (unreadable bundle, missing
    /// file), naming the check that failed.
    pub fn unusable(check: &'static str, why: impl Into<String>) -> Self {
        let mut r = Report::empty();
        r.fail(sigstore::Failure { check, bad: false, why: why.into() });
        r
    }
}
