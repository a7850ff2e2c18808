//! Verifying git objects and whole histories: each named object or range is read with gix on
//! the core that verifies it, cut into payload and signature; results come back in order,
//! a batch at a time, so a long history streams. Legacy (online-mode) signatures are
//! completed by a Rekor search when the network is allowed.

use rayon::prelude::*;

use super::{Check, Outcome, Report, Trust, Verdict, Verifier};
use crate::cms::armor;
use crate::error::Error;
use crate::git::object::{self, Format, Kind, Scheme};
use crate::git::repo::{RawObject, Repo, Target};

/// How many objects are verified between two flushes of results.
const BATCH: usize = 512;

/// The verdict on one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Signed, verified, and (when a policy is given) by an allowed signer.
    Verified,
    /// Not signed (a failure only when named explicitly or with `--require-signed`).
    Unsigned,
    /// Anything else: refused, bad, unverifiable, or an unallowed signer.
    Failed,
}

impl Status {
    /// `verified`, `unsigned` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Unsigned => "unsigned",
            Status::Failed => "failed",
        }
    }
}

/// Everything known about one object.
#[derive(Clone, Debug)]
pub struct ObjectReport {
    /// Object id (hex).
    pub id: String,
    /// Commit or tag (None when the object could not even be read).
    pub kind: Option<Kind>,
    /// The name the user gave, if any.
    pub named: Option<String>,
    /// Checks made on the object itself (read, format) before the signature.
    pub object_checks: Vec<Check>,
    /// The signature's report, when there is a signature sigseal could read.
    pub signature: Option<Report>,
    /// The verdict.
    pub status: Status,
    /// Whether this object's failure counts (unsigned objects in a range do not, unless
    /// `--require-signed`).
    pub counts_as_failure: bool,
}

impl ObjectReport {
    /// Every check, object checks first.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.object_checks.iter().chain(self.signature.iter().flat_map(|r| r.checks.iter()))
    }

    /// The first failed check.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks().find(|c| c.outcome == Outcome::Fail)
    }

    /// Why the object is not verified, as (check name, reason): the first failed check, else
    /// for a signature that could not be verified, the first check that could not be made.
    pub fn failure(&self) -> Option<(&'static str, String)> {
        if self.status == Status::Verified {
            return None;
        }
        if let Some(c) = self.object_checks.iter().find(|c| c.outcome == Outcome::Fail) {
            return Some((c.name, c.detail.clone()));
        }
        self.signature.as_ref()?.failure()
    }
}

/// Options of a verification run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Unsigned commits in a range are failures.
    pub require_signed: bool,
    /// Rekor to search for legacy signatures; `None` means offline.
    pub rekor_url: Option<String>,
    /// The run's network deadline (`sigseal.timeout`).
    pub deadline: crate::http::Deadline,
}

/// Counts of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects verified.
    pub verified: usize,
    /// Objects failed (counting only failures that count).
    pub failed: usize,
    /// Unsigned objects.
    pub unsigned: usize,
    /// Objects examined.
    pub total: usize,
}

fn check(name: &'static str, outcome: Outcome, detail: impl Into<String>) -> Check {
    Check { name, outcome, detail: detail.into() }
}

/// Verify one object's raw bytes.
pub fn verify_raw(raw: &RawObject, format: Format, verifier: &Verifier, named: Option<String>) -> ObjectReport {
    let mut rep = ObjectReport {
        id: raw.id.to_string(),
        kind: Some(raw.kind),
        named,
        object_checks: Vec::new(),
        signature: None,
        status: Status::Failed,
        counts_as_failure: true,
    };
    let split = match object::split(raw.kind, &raw.data, format) {
        Ok(s) => s,
        Err(e) => {
            rep.object_checks.push(check("object-format", Outcome::Fail, strip(&e)));
            return rep;
        }
    };
    rep.object_checks.push(check(
        "object-format",
        Outcome::Pass,
        "read from the object's raw bytes; headers unambiguous, one signature block",
    ));
    let Some((scheme, block)) = split.signature else {
        rep.status = Status::Unsigned;
        rep.object_checks.push(check(
            "signed",
            Outcome::Fail,
            format!("the {} carries no signature", raw.kind.as_str()),
        ));
        return rep;
    };
    if scheme != Scheme::X509 {
        rep.object_checks.push(check(
            "signature-format",
            Outcome::Fail,
            format!(
                "an {} signature; sigseal verifies X.509 (CMS) signatures made by sigseal or gitsign",
                scheme.name()
            ),
        ));
        return rep;
    }
    let der = match armor::decode(&block) {
        Ok(d) => d,
        Err(e) => {
            rep.object_checks.push(check("signature-format", Outcome::Fail, strip(&e)));
            return rep;
        }
    };
    let report = verifier.verify_detached(&der, &split.payload);
    rep.status = status_of(&report);
    rep.signature = Some(report);
    rep
}

fn status_of(r: &Report) -> Status {
    if r.verdict == Verdict::Good && r.trust != Trust::Never {
        Status::Verified
    } else {
        Status::Failed
    }
}

/// The message of an error without its category prefix (the check name says it).
fn strip(e: &Error) -> String {
    match e {
        Error::Object(m) | Error::Malformed(m) | Error::Git(m) => m.clone(),
        Error::Caused { error, cause } => format!("{}: {cause}", strip(error)),
        other => other.to_string(),
    }
}

fn unreadable(t: &Target, e: &Error) -> ObjectReport {
    ObjectReport {
        id: t.id.to_string(),
        kind: Some(t.kind),
        named: t.named.clone(),
        object_checks: vec![check("object-read", Outcome::Fail, strip(e))],
        signature: None,
        status: Status::Failed,
        counts_as_failure: true,
    }
}

/// Verify targets in order, `BATCH` at a time on all cores, handing each report to `sink` as
/// soon as its batch is done. Legacy signatures are looked up in Rekor (sequentially, after
/// their batch) when `opts.rekor_url` is set.
pub fn verify_targets(
    repo: &Repo,
    targets: &[Target],
    verifier: &Verifier,
    opts: &Options,
    sink: impl FnMut(&ObjectReport) -> crate::error::Result<()>,
) -> crate::error::Result<Summary> {
    let objects = targets.iter().map(|t| (t.clone(), repo.read(t.id)));
    verify_objects(objects, repo.format(), verifier, opts, sink)
}

/// [`verify_targets`] for objects read as they come (a [`crate::git::repo::CommitWalk`] reads
/// each commit once, for its parents and for its verification): this thread reads the next
/// batch while the pool verifies the current one.
pub fn verify_objects(
    mut objects: impl Iterator<Item = (Target, crate::error::Result<RawObject>)>,
    format: Format,
    verifier: &Verifier,
    opts: &Options,
    mut sink: impl FnMut(&ObjectReport) -> crate::error::Result<()>,
) -> crate::error::Result<Summary> {
    let mut summary = Summary::default();
    // Made on the first legacy signature only: most histories never need one.
    let mut runtime = None;
    let mut read = || -> Vec<(Target, crate::error::Result<RawObject>)> { objects.by_ref().take(BATCH).collect() };
    let mut current = read();
    while !current.is_empty() {
        let batch = std::mem::take(&mut current);
        let (reports, next) = std::thread::scope(|scope| {
            let verifying = scope.spawn(|| {
                batch
                    .par_iter()
                    .map(|(t, raw)| match raw {
                        Ok(raw) => verify_raw(raw, format, verifier, t.named.clone()),
                        Err(e) => unreadable(t, e),
                    })
                    .collect::<Vec<ObjectReport>>()
            });
            let next = read();
            (verifying.join(), next)
        });
        let mut reports = reports.map_err(|_| {
            Error::Unverifiable(
                "verifying a batch of objects stopped: its worker thread panicked (a bug; please report it)".into(),
            )
        })?;
        current = next;
        let explicit: Vec<bool> = batch.iter().map(|(t, _)| t.explicit).collect();
        for rep in &mut reports {
            let Some(sig) = rep.signature.as_mut().filter(|r| r.needs_log_lookup) else { continue };
            match &opts.rekor_url {
                Some(url) => {
                    if runtime.is_none() {
                        runtime = Some(crate::runtime()?);
                    }
                    if let Some(rt) = &runtime {
                        let log = crate::transparency::Log::v1(&crate::http::Client::new(&opts.deadline), url);
                        rt.block_on(verifier.lookup(&log, &rep.id, sig));
                    }
                }
                None => sig.note_offline(&rep.id),
            }
            rep.status = status_of(sig);
        }
        for (rep, explicit) in reports.iter_mut().zip(explicit) {
            if rep.status == Status::Unsigned {
                rep.counts_as_failure = explicit || opts.require_signed;
            }
            summary.total += 1;
            match rep.status {
                Status::Verified => summary.verified += 1,
                Status::Unsigned => summary.unsigned += 1,
                Status::Failed => {}
            }
            if rep.status != Status::Verified && rep.counts_as_failure {
                summary.failed += 1;
            }
            sink(rep)?;
        }
    }
    Ok(summary)
}
