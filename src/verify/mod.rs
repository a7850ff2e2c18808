//! Verification core: takes a detached CMS signature and the exact payload bytes, checks
//! digest, signature, certificate chain at the log's integrated time, SCT, SET, inclusion proof
//! and checkpoint against a trusted root, then applies an identity policy. Produces a [`Report`]
//! listing every check, so callers (git's verify mode, `sigseal verify`) can explain the verdict.

pub mod blob;
pub mod claims;
pub mod export;
pub mod github;
pub mod history;
pub mod policy;
pub mod render;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub use claims::Claims;
pub use policy::{Matcher, Policy, PolicyOptions, Rule, Signer, Trust};

use crate::cms::{self, ParsedSignature};
use crate::error::Result;
use crate::sigstore::{self, BundleVerifier, Failure, TrustedRoot};
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

/// Everything known about one signature after verification.
#[derive(Clone, Debug)]
pub struct Report {
    /// SHA-1 fingerprint of the signer certificate, upper-case hex (gpgsm style).
    pub fingerprint: String,
    /// SAN identity.
    pub identity: Option<String>,
    /// OIDC issuer.
    pub issuer: Option<String>,
    /// Fulcio claims of the certificate (name → value).
    pub claims: BTreeMap<String, String>,
    /// The signer certificate (DER).
    pub certificate: Vec<u8>,
    /// The signer certificate's validity (unix seconds).
    pub certificate_validity: Option<(i64, i64)>,
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
    /// The signature carries no log proof (gitsign online mode): its Rekor entry can only be
    /// found by a search, which [`Verifier::lookup`] does when the network is allowed.
    pub needs_log_lookup: bool,
    /// The trusted root the signature was checked against (`public-good`, `GitHub`, `file
    /// PATH`...), once one was chosen.
    pub instance: Option<String>,
}

impl Report {
    fn empty() -> Self {
        Report {
            fingerprint: String::new(),
            identity: None,
            issuer: None,
            claims: BTreeMap::new(),
            certificate: Vec::new(),
            certificate_validity: None,
            log_index: None,
            integrated_time: None,
            signing_time: None,
            checks: Vec::new(),
            verdict: Verdict::Good,
            trust: Trust::Undefined,
            policy_detail: String::new(),
            needs_log_lookup: false,
            instance: None,
        }
    }

    fn check(&mut self, name: &'static str, outcome: Outcome, detail: impl Into<String>) {
        self.checks.push(Check { name, outcome, detail: detail.into() });
    }

    fn fail(&mut self, f: Failure) {
        self.check(f.check, Outcome::Fail, f.why.clone());
        self.verdict = if f.bad { Verdict::Bad(f.why) } else { Verdict::Unverifiable(f.why) };
    }

    /// The first failed check, if any.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.outcome == Outcome::Fail)
    }

    /// Why the signature is not accepted, as (check name, reason): the first failed check, else
    /// for a signature that could not be verified, the first check that could not be made.
    pub fn failure(&self) -> Option<(&'static str, String)> {
        if self.accepted() {
            return None;
        }
        if let Some(c) = self.first_failure() {
            return Some((c.name, c.detail.clone()));
        }
        let why = match &self.verdict {
            Verdict::Unverifiable(why) | Verdict::Bad(why) => why.clone(),
            Verdict::Good => return None,
        };
        let name = self
            .checks
            .iter()
            .find(|c| c.outcome == Outcome::NotChecked && c.name != "identity-policy")
            .map_or("signature", |c| c.name);
        Some((name, why))
    }

    /// Verified and the signer satisfies the policy (or no policy was asked for).
    pub fn accepted(&self) -> bool {
        self.verdict == Verdict::Good && self.trust != Trust::Never
    }
}

/// SHA-1 fingerprint of a DER certificate, upper-case hex.
pub fn fingerprint(cert_der: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    hex::encode_upper(Sha1::digest(cert_der))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

/// What is read once per certificate.
#[derive(Debug)]
struct CertInfo {
    fingerprint: String,
    identity: Option<String>,
    issuer: Option<String>,
    not_before: i64,
    not_after: i64,
    claims: Claims,
}

/// Largest number of certificates whose facts are kept for a run.
const CERT_CACHE_LIMIT: usize = 100_000;

/// Verifies detached signatures against one trusted root and one policy. Shared across
/// threads for a whole history: the root's keys and CAs are prepared once, each certificate is
/// parsed once, and a certificate whose chain and SCT verified is not chain-checked again
/// (only when no CA validity boundary falls inside its lifetime, so the result cannot differ).
pub struct Verifier {
    /// The first trusted root and its name in reports: the one a certificate that no root's
    /// CA issued is checked against (and refused by).
    primary: (String, BundleVerifier),
    /// More trusted roots; a signature is checked against the first root whose Fulcio CA
    /// issued its certificate.
    others: Vec<(String, BundleVerifier)>,
    policy: Policy,
    certs: Mutex<HashMap<[u8; 32], Arc<CertInfo>>>,
    chain_ok: Mutex<HashSet<[u8; 32]>>,
}

impl Verifier {
    /// Prepare a verifier for one trusted root.
    pub fn new(root: &TrustedRoot, policy: Policy) -> Result<Self> {
        Self::with_roots(&[crate::trust::NamedRoot { name: "trusted root".into(), root: root.clone() }], policy)
    }

    /// Prepare a verifier for several trusted roots (see [`crate::trust::for_verification`]):
    /// each signature is checked against the root whose Fulcio CA issued its certificate, and
    /// only against that one.
    pub fn with_roots(roots: &[crate::trust::NamedRoot], policy: Policy) -> Result<Self> {
        let mut prepared = roots.iter().map(|r| Ok((r.name.clone(), BundleVerifier::new(&r.root)?)));
        let primary = prepared
            .next()
            .ok_or_else(|| crate::error::Error::TrustRoot("no trusted root to verify against".into()))??;
        let others = prepared.collect::<Result<Vec<_>>>()?;
        Ok(Self { primary, others, policy, certs: Mutex::new(HashMap::new()), chain_ok: Mutex::new(HashSet::new()) })
    }

    /// The root a certificate is checked against, and its name: the first whose Fulcio CA
    /// issued it, else the first (whose path check then says it does not chain).
    fn root_for(&self, cert_der: &[u8]) -> (&str, &BundleVerifier) {
        let (name, root) = if self.others.is_empty() || self.primary.1.issued(cert_der) {
            &self.primary
        } else {
            self.others.iter().find(|(_, b)| b.issued(cert_der)).unwrap_or(&self.primary)
        };
        (name.as_str(), root)
    }

    /// The policy signers are judged by.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    fn cert_info(&self, der: &[u8]) -> std::result::Result<Arc<CertInfo>, String> {
        let key = sha256(der);
        if let Some(hit) = self.certs.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(hit);
        }
        let facts = sigstore::certificate_facts(der).map_err(|e| e.to_string())?;
        let info = Arc::new(CertInfo {
            fingerprint: fingerprint(der),
            identity: facts.identity,
            issuer: facts.issuer,
            not_before: facts.not_before,
            not_after: facts.not_after,
            claims: Claims::from_certificate(der),
        });
        if let Ok(mut m) = self.certs.lock() {
            if m.len() < CERT_CACHE_LIMIT {
                m.insert(key, info.clone());
            }
        }
        Ok(info)
    }

    /// The checks a git signature passed, as the bundle verifier established them.
    fn passed(r: &mut Report, v: sigstore::Verified, instance: &str, known_good: bool, timestamps: usize) {
        r.integrated_time = v.integrated_time;
        if v.identity.is_some() {
            r.identity = v.identity;
        }
        if v.issuer.is_some() {
            r.issuer = v.issuer;
        }
        r.check("signature", Outcome::Pass, "signature over the signed attributes verifies with the leaf key");
        let chain = if known_good {
            format!("chains to a Fulcio CA of the {instance} trusted root (verified for this certificate earlier in this run)")
        } else {
            format!("chains to a Fulcio CA of the {instance} trusted root, valid at every verified time")
        };
        r.check("certificate-chain", Outcome::Pass, chain);
        if v.sct_verified {
            r.check("sct", Outcome::Pass, "certificate transparency SCT verifies");
        }
        if v.integrated_time.is_some() {
            r.check(
                "transparency-log",
                Outcome::Pass,
                "SET, inclusion proof and checkpoint verify with a log key of the trusted root; entry matches this signature",
            );
            r.check("integrated-time", Outcome::Pass, "integrated time lies inside the certificate's validity");
        } else {
            r.check(
                "transparency-log",
                Outcome::Pass,
                "inclusion proof and checkpoint verify with a log key of the trusted root (a Rekor v2 entry: no signed entry timestamp); entry matches this signature",
            );
        }
        if timestamps != 0 {
            let role = if v.integrated_time.is_some() { "" } else { "; they are the signing time" };
            r.check(
                "timestamp",
                Outcome::Pass,
                format!("{timestamps} RFC 3161 timestamp(s) verify against a TSA of the trusted root{role}"),
            );
        }
    }

    /// Verify a DER detached signature over `payload`.
    pub fn verify_detached(&self, sig_der: &[u8], payload: &[u8]) -> Report {
        let mut r = Report::empty();
        let parsed = match cms::parse(sig_der) {
            Ok(p) => p,
            Err(e) => {
                r.fail(Failure { check: "cms-structure", bad: false, why: e.to_string() });
                return r;
            }
        };
        r.check(
            "cms-structure",
            Outcome::Pass,
            "one signer, sha256, detached id-data, signer certificate found by issuer and serial",
        );
        self.verify_parsed(&parsed, payload, &mut r);
        r
    }

    fn verify_parsed(&self, p: &ParsedSignature, payload: &[u8], r: &mut Report) {
        r.signing_time = p.signing_time;
        r.certificate.clone_from(&p.signer_certificate);
        let info = match self.cert_info(&p.signer_certificate) {
            Ok(i) => i,
            Err(why) => return r.fail(Failure { check: "certificate", bad: false, why }),
        };
        r.fingerprint.clone_from(&info.fingerprint);
        r.identity.clone_from(&info.identity);
        r.issuer.clone_from(&info.issuer);
        r.claims = info.claims.named();
        r.certificate_validity = Some((info.not_before, info.not_after));
        if !cms::digest_matches(p, payload) {
            return r.fail(Failure {
                check: "message-digest",
                bad: true,
                why: "message-digest attribute is not sha256 of the signed payload (the content was changed)".into(),
            });
        }
        r.check("message-digest", Outcome::Pass, "sha256 of the payload matches the signed attributes");

        let entry = match transparency::embedded(p) {
            Embedded::Entry(_) if !p.other_unsigned.is_empty() => {
                // Unsigned attributes are outside the signature: beside a log entry, one that
                // sigseal does not read would give the same signature a new object id.
                return r.fail(Failure {
                    check: "cms-structure",
                    bad: false,
                    why: format!(
                        "unsigned attributes {} beside the log entry; git signers write none",
                        p.other_unsigned.join(", ")
                    ),
                });
            }
            Embedded::Entry(e) => e,
            Embedded::Absent => {
                r.needs_log_lookup = true;
                return without_log_proof(p, r, "no transparency-log proof is embedded (gitsign online mode)");
            }
            Embedded::Unreadable(why) => {
                return without_log_proof(p, r, &format!("the log-entry attribute is not a usable Rekor entry ({why})"))
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
        let cert_key = sha256(&p.signer_certificate);
        let (instance, root) = self.root_for(&p.signer_certificate);
        r.instance = Some(instance.to_string());
        let known_good = root.chain_result_reusable(info.not_before, info.not_after)
            && self.chain_ok.lock().is_ok_and(|s| s.contains(&cert_key));
        match root.verify(&p.signed_attrs_der, &bundle, known_good) {
            Ok(v) => {
                if !known_good {
                    if let Ok(mut s) = self.chain_ok.lock() {
                        if s.len() < CERT_CACHE_LIMIT {
                            s.insert(cert_key);
                        }
                    }
                }
                Self::passed(r, v, instance, known_good, p.timestamps.len());
            }
            Err(f) => return r.fail(f),
        }
        self.judge(r);
    }

    fn judge(&self, r: &mut Report) {
        let empty = Claims::default();
        let info = self.cert_info(&r.certificate).ok();
        let signer = Signer {
            identity: r.identity.as_deref(),
            issuer: r.issuer.as_deref(),
            claims: info.as_ref().map_or(&empty, |i| &i.claims),
            time: r.integrated_time,
        };
        let (trust, detail) = self.policy.judge(&signer);
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

    /// Complete a report that has no embedded log proof (gitsign online mode) by searching
    /// `log` for entries over sha256 of the object id. An entry is accepted only
    /// when its hash, certificate and signature all match and its SET and inclusion proof
    /// verify; then the chain is checked at its integrated time and the policy applied.
    pub async fn lookup(&self, log: &transparency::Log, object_id: &str, r: &mut Report) {
        if !r.needs_log_lookup || r.certificate.is_empty() {
            return;
        }
        let digest = sha256(object_id.as_bytes());
        let entries = match log.entries_for(&digest).await {
            Ok(e) => e,
            Err(e) => {
                r.replace_check(
                    "transparency-log",
                    Outcome::NotChecked,
                    format!("legacy signature: searching Rekor for sha256({object_id}) failed: {e}"),
                );
                return;
            }
        };
        let mut rejected = Vec::new();
        for entry in entries {
            let index = transparency::log_index(&entry);
            let Some(signature) = sigstore::hashedrekord_signature(&entry) else {
                rejected.push(format!("entry {index}: not a hashedrekord with a signature"));
                continue;
            };
            let bundle = sigstore::bundle_for(&r.certificate, &digest, &signature, Some(entry), &[]);
            let (instance, root) = self.root_for(&r.certificate);
            r.instance = Some(instance.to_string());
            match root.verify(object_id.as_bytes(), &bundle, false) {
                Ok(v) => {
                    r.log_index = Some(index);
                    r.integrated_time = v.integrated_time;
                    r.needs_log_lookup = false;
                    r.replace_check(
                        "transparency-log",
                        Outcome::Pass,
                        format!(
                            "Rekor entry {index} found by searching sha256({object_id}): its hash, certificate and signature match, SET and inclusion proof verify"
                        ),
                    );
                    r.replace_check(
                        "certificate-chain",
                        Outcome::Pass,
                        "chains to a Fulcio CA of the trusted root, valid at the entry's integrated time".into(),
                    );
                    r.verdict = Verdict::Good;
                    self.judge(r);
                    return;
                }
                Err(f) => rejected.push(format!("entry {index}: {}: {}", f.check, f.why)),
            }
        }
        let why = if rejected.is_empty() {
            format!("legacy signature: Rekor at {} has no entry for sha256({object_id})", log.url())
        } else {
            format!("legacy signature: no Rekor entry for sha256({object_id}) matches: {}", rejected.join("; "))
        };
        r.replace_check("transparency-log", Outcome::Fail, why.clone());
        r.verdict = Verdict::Unverifiable(why);
    }
}

impl Report {
    /// Say what an online search would have checked for a legacy signature, and why it was not.
    pub fn note_offline(&mut self, object_id: &str) {
        if !self.needs_log_lookup {
            return;
        }
        self.replace_check(
            "transparency-log",
            Outcome::NotChecked,
            format!(
                "no log proof is embedded (gitsign online mode); its Rekor entry can only be found by searching for \
                 sha256({object_id}), which --offline forbids: signing time, log inclusion and the certificate chain are unchecked"
            ),
        );
        self.verdict = Verdict::Unverifiable(
            "legacy signature without an embedded log proof, and no Rekor search (--offline): signing time, log inclusion and the certificate chain are unchecked".into(),
        );
    }

    /// Replace a check in place (or add it).
    fn replace_check(&mut self, name: &'static str, outcome: Outcome, detail: String) {
        match self.checks.iter_mut().find(|c| c.name == name) {
            Some(c) => {
                c.outcome = outcome;
                c.detail = detail;
            }
            None => self.check(name, outcome, detail),
        }
    }
}

/// Verify a DER detached signature over `payload` once (git's verify mode, the signer's self
/// check). A trusted root that cannot be prepared makes the report unverifiable.
pub fn verify_detached(sig_der: &[u8], payload: &[u8], root: &TrustedRoot, policy: &Policy) -> Report {
    match Verifier::new(root, policy.clone()) {
        Ok(v) => v.verify_detached(sig_der, payload),
        Err(e) => {
            let mut r = Report::empty();
            r.fail(Failure { check: "trusted-root", bad: false, why: e.to_string() });
            r
        }
    }
}

/// No usable log proof: check what can be checked, then say plainly it is not fully verified.
fn without_log_proof(p: &ParsedSignature, r: &mut Report, absent: &str) {
    if let Err(f) = sigstore::verify_with_certificate(&p.signer_certificate, &p.signed_attrs_der, &p.signature) {
        return r.fail(f);
    }
    r.check("signature", Outcome::Pass, "signature verifies with the signer certificate's key");
    r.check("transparency-log", Outcome::NotChecked, absent.to_string());
    r.check(
        "certificate-chain",
        Outcome::NotChecked,
        "no trusted signing time to check the short-lived certificate against",
    );
    r.verdict = Verdict::Unverifiable(format!(
        "{absent}; the signature matches its certificate, but signing time and log inclusion cannot be proven offline"
    ));
}
