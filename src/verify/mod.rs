//! Verification core: takes a detached CMS signature and the exact payload bytes, checks
//! digest, signature, certificate chain at the log's integrated time, SCT, SET, inclusion proof
//! and checkpoint against a trusted root, then applies an identity policy. Produces a [`Report`]
//! listing every check, so callers (git's verify mode, `sigseal verify`) can explain the verdict.

use regex::Regex;

use crate::cms::{self, ParsedSignature};
use crate::config::VerifyPolicy;
use crate::error::{Error, Result};
use crate::sigstore::{self, TrustedRoot, VerifyFailure};
use crate::transparency::{self, Embedded};

/// Outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Checked and holds.
    Pass,
    /// Checked and does not hold.
    Fail,
    /// Not checked (with the reason in the detail).
    NotChecked,
}

/// One named check with a human detail.
#[derive(Clone, Debug)]
pub struct Check {
    /// Stable name, e.g. `message-digest`.
    pub name: &'static str,
    /// Result.
    pub outcome: Outcome,
    /// Why.
    pub detail: String,
}

/// The verdict on the signature itself (before policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Everything verified.
    Good,
    /// Signature or digest does not match (BADSIG).
    Bad(String),
    /// Cannot be verified (ERRSIG).
    Unverifiable(String),
}

/// Trust level from the identity policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// A policy is configured and the signer satisfies it.
    Fully,
    /// No policy configured.
    Undefined,
    /// A policy is configured and the signer does not satisfy it.
    Never,
}

/// Everything known about one signature after verification.
#[derive(Clone, Debug)]
pub struct Report {
    /// SHA-1 fingerprint of the signer certificate, upper-case hex (gpgsm style).
    pub fingerprint: String,
    /// SAN identity.
    pub identity: Option<String>,
    /// OIDC issuer.
    pub issuer: Option<String>,
    /// Rekor global log index.
    pub log_index: Option<i64>,
    /// Rekor integrated time (verified), unix seconds.
    pub integrated_time: Option<i64>,
    /// Signing time claimed in the signature, unix seconds.
    pub signing_time: Option<i64>,
    /// Every check made.
    pub checks: Vec<Check>,
    /// Verdict on the signature.
    pub verdict: Verdict,
    /// Trust from the policy (meaningful only when the verdict is Good).
    pub trust: Trust,
    /// Why the policy gave that trust.
    pub policy_detail: String,
}

impl Report {
    fn check(&mut self, name: &'static str, outcome: Outcome, detail: impl Into<String>) {
        self.checks.push(Check { name, outcome, detail: detail.into() });
    }
}

/// A compiled identity policy; regular expressions match the whole value.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    identity: Option<String>,
    identity_re: Option<Regex>,
    issuer: Option<String>,
    issuer_re: Option<Regex>,
}

fn whole(pattern: &str, what: &str) -> Result<Regex> {
    Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| Error::Config(format!("{what} regular expression {pattern:?}: {e}")))
}

impl Policy {
    /// Compile a configured policy.
    pub fn new(p: &VerifyPolicy) -> Result<Self> {
        Ok(Self {
            identity: p.identity.clone(),
            identity_re: p.identity_regexp.as_deref().map(|r| whole(r, "identity")).transpose()?,
            issuer: p.issuer.clone(),
            issuer_re: p.issuer_regexp.as_deref().map(|r| whole(r, "issuer")).transpose()?,
        })
    }

    /// True when nothing is constrained.
    pub fn is_empty(&self) -> bool {
        self.identity.is_none() && self.identity_re.is_none() && self.issuer.is_none() && self.issuer_re.is_none()
    }

    /// Judge an identity and issuer.
    pub fn judge(&self, identity: Option<&str>, issuer: Option<&str>) -> (Trust, String) {
        if self.is_empty() {
            return (Trust::Undefined, "no identity policy configured (sigseal.verify.*)".into());
        }
        let id = identity.unwrap_or("");
        let iss = issuer.unwrap_or("");
        let mut why = Vec::new();
        if let Some(want) = &self.identity {
            if want != id {
                why.push(format!("identity {id:?} is not {want:?}"));
            }
        }
        if let Some(re) = &self.identity_re {
            if !re.is_match(id) {
                why.push(format!("identity {id:?} does not match {}", re.as_str()));
            }
        }
        if let Some(want) = &self.issuer {
            if want != iss {
                why.push(format!("issuer {iss:?} is not {want:?}"));
            }
        }
        if let Some(re) = &self.issuer_re {
            if !re.is_match(iss) {
                why.push(format!("issuer {iss:?} does not match {}", re.as_str()));
            }
        }
        if why.is_empty() {
            (Trust::Fully, "identity and issuer satisfy the policy".into())
        } else {
            (Trust::Never, why.join("; "))
        }
    }
}

/// SHA-1 fingerprint of a DER certificate, upper-case hex.
pub fn fingerprint(cert_der: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    hex::encode_upper(Sha1::digest(cert_der))
}

/// Verify a DER detached signature over `payload`.
pub fn verify_detached(sig_der: &[u8], payload: &[u8], root: &TrustedRoot, policy: &Policy) -> Report {
    let mut r = Report {
        fingerprint: String::new(),
        identity: None,
        issuer: None,
        log_index: None,
        integrated_time: None,
        signing_time: None,
        checks: Vec::new(),
        verdict: Verdict::Good,
        trust: Trust::Undefined,
        policy_detail: String::new(),
    };
    let parsed = match cms::parse(sig_der) {
        Ok(p) => p,
        Err(e) => {
            r.check("cms-structure", Outcome::Fail, e.to_string());
            r.verdict = Verdict::Unverifiable(e.to_string());
            return r;
        }
    };
    r.check("cms-structure", Outcome::Pass, "one signer, sha256, detached id-data, signer certificate found by issuer and serial");
    verify_parsed(&parsed, payload, root, policy, &mut r);
    r
}

fn verify_parsed(p: &ParsedSignature, payload: &[u8], root: &TrustedRoot, policy: &Policy, r: &mut Report) {
    r.fingerprint = fingerprint(&p.signer_certificate);
    r.signing_time = p.signing_time;
    match sigstore::certificate_facts(&p.signer_certificate) {
        Ok(f) => {
            r.identity = f.identity;
            r.issuer = f.issuer;
        }
        Err(e) => {
            r.check("certificate", Outcome::Fail, e.to_string());
            r.verdict = Verdict::Unverifiable(e.to_string());
            return;
        }
    }
    if !cms::digest_matches(p, payload) {
        let why = "message-digest attribute is not sha256 of the signed payload (the content was changed)";
        r.check("message-digest", Outcome::Fail, why);
        r.verdict = Verdict::Bad(why.into());
        return;
    }
    r.check("message-digest", Outcome::Pass, "sha256 of the payload matches the signed attributes");

    let entry = match transparency::embedded(p) {
        Embedded::Entry(e) => e,
        Embedded::Absent => {
            return without_log_proof(p, r, "no transparency-log proof is embedded (gitsign online mode)".into())
        }
        Embedded::Unreadable(why) => {
            return without_log_proof(p, r, format!("the log-entry attribute is not a usable Rekor entry ({why})"))
        }
    };
    r.log_index = Some(transparency::log_index(&entry));
    let bundle = sigstore::bundle_for(
        &p.signer_certificate,
        &p.signed_attrs_sha256(),
        &p.signature,
        Some(*entry),
        &p.timestamps,
    );
    match sigstore::verify_bundle(root, &p.signed_attrs_der, &bundle) {
        Ok(v) => {
            r.integrated_time = v.integrated_time;
            if v.identity.is_some() {
                r.identity = v.identity;
            }
            if v.issuer.is_some() {
                r.issuer = v.issuer;
            }
            r.check("signature", Outcome::Pass, "signature over the signed attributes verifies with the leaf key");
            r.check("certificate-chain", Outcome::Pass, "chains to a Fulcio CA of the trusted root, valid at the integrated time");
            if v.sct_verified {
                r.check("sct", Outcome::Pass, "certificate transparency SCT verifies");
            }
            r.check("transparency-log", Outcome::Pass, "SET, inclusion proof and checkpoint verify; entry matches this signature");
        }
        Err(VerifyFailure::Bad(why)) => {
            r.check("signature", Outcome::Fail, why.clone());
            r.verdict = Verdict::Bad(why);
            return;
        }
        Err(VerifyFailure::Unverifiable(why)) => {
            r.check("sigstore-bundle", Outcome::Fail, why.clone());
            r.verdict = Verdict::Unverifiable(why);
            return;
        }
    }
    let (trust, detail) = policy.judge(r.identity.as_deref(), r.issuer.as_deref());
    r.check(
        "identity-policy",
        match trust {
            Trust::Fully => Outcome::Pass,
            Trust::Never => Outcome::Fail,
            Trust::Undefined => Outcome::NotChecked,
        },
        detail.clone(),
    );
    r.trust = trust;
    r.policy_detail = detail;
}

/// No usable log proof: check what can be checked, then say plainly it is not fully verified.
fn without_log_proof(p: &ParsedSignature, r: &mut Report, absent: String) {
    match sigstore::verify_with_certificate(&p.signer_certificate, &p.signed_attrs_der, &p.signature) {
        Ok(()) => r.check("signature", Outcome::Pass, "signature verifies with the signer certificate's key"),
        Err(VerifyFailure::Bad(why)) | Err(VerifyFailure::Unverifiable(why)) => {
            r.check("signature", Outcome::Fail, why.clone());
            r.verdict = Verdict::Bad(why);
            return;
        }
    }
    r.check("transparency-log", Outcome::NotChecked, absent.clone());
    r.check(
        "certificate-chain",
        Outcome::NotChecked,
        "no trusted signing time to check the short-lived certificate against",
    );
    r.verdict = Verdict::Unverifiable(format!(
        "{absent}; the signature matches its certificate, but signing time and log inclusion cannot be proven offline"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(id: Option<&str>, id_re: Option<&str>, iss: Option<&str>, iss_re: Option<&str>) -> Policy {
        Policy::new(&VerifyPolicy {
            identity: id.map(Into::into),
            identity_regexp: id_re.map(Into::into),
            issuer: iss.map(Into::into),
            issuer_regexp: iss_re.map(Into::into),
        })
        .unwrap()
    }

    #[test]
    fn regexps_match_the_whole_value_only() {
        let p = policy(None, Some("alice@example\\.com"), None, None);
        assert_eq!(p.judge(Some("alice@example.com"), None).0, Trust::Fully);
        assert_eq!(p.judge(Some("alice@example.com.evil"), None).0, Trust::Never);
        assert_eq!(p.judge(Some("mallory-alice@example.com"), None).0, Trust::Never);
        let p = policy(None, None, None, Some("https://a|https://b"));
        assert_eq!(p.judge(None, Some("https://b")).0, Trust::Fully);
        assert_eq!(p.judge(None, Some("https://bb")).0, Trust::Never);
    }

    #[test]
    fn empty_policy_is_undefined_and_mismatch_is_never() {
        assert_eq!(Policy::default().judge(Some("x"), Some("y")).0, Trust::Undefined);
        let p = policy(Some("bob@example.com"), None, Some("https://i"), None);
        let (t, why) = p.judge(Some("alice@example.com"), Some("https://i"));
        assert_eq!(t, Trust::Never);
        assert!(why.contains("bob@example.com"));
    }

    #[test]
    fn invalid_regexp_is_a_config_error() {
        assert!(Policy::new(&VerifyPolicy { identity_regexp: Some("(".into()), ..Default::default() }).is_err());
    }
}
