//! Reports for people and programs: one line per object (every check with `-v`), and a JSON
//! document whose objects name every check with its result and reason. The JSON is written
//! as a stream (`{"objects":[` … `],"summary":…}`) so a long history never waits in memory.

use std::fmt::Write as _;
use std::io::Write;

use serde_json::{json, Map, Value};

use super::history::{ObjectReport, Status, Summary};
use super::{Check, Outcome, Report, Trust};
use crate::error::{Error, Result};

fn outcome(o: &Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::NotChecked => "not-checked",
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// The human report of one object: one line, and every check below it when `verbose`.
pub fn text(rep: &ObjectReport, verbose: bool) -> Vec<String> {
    let kind = rep.kind.map_or("object", |k| k.as_str());
    let name = match &rep.named {
        Some(n) => format!("{n} ({kind} {})", short(&rep.id)),
        None => format!("{kind} {}", short(&rep.id)),
    };
    let sig = rep.signature.as_ref();
    let who = sig.map(|r| {
        format!(
            "{} ({})",
            r.identity.as_deref().unwrap_or("unknown identity"),
            r.issuer.as_deref().unwrap_or("unknown issuer")
        )
    });
    let mut line = match rep.status {
        Status::Verified => {
            let mut l = format!("verified  {name}  {}", who.unwrap_or_default());
            if let Some(r) = sig {
                l.push_str(&verified_details(r));
            }
            l
        }
        Status::Unsigned => {
            let note = if rep.counts_as_failure { "" } else { "  (allowed in a range; --require-signed refuses it)" };
            format!("unsigned  {name}{note}")
        }
        Status::Failed => {
            let why = rep.failure().map_or_else(|| "not verified".into(), |(check, why)| format!("{check}: {why}"));
            match who {
                Some(w) => format!("FAILED    {name}  {w}  {why}"),
                None => format!("FAILED    {name}  {why}"),
            }
        }
    };
    line = line.trim_end().to_string();
    let mut out = vec![line];
    if verbose {
        verbose_lines(sig, rep.checks(), &mut out);
    }
    out
}

/// What a verified line says after the signer: log index, integrated time, and a note when
/// the signer was not judged.
fn verified_details(r: &Report) -> String {
    let mut l = String::new();
    if let Some(i) = r.log_index {
        let _ = write!(l, "  rekor #{i}");
    }
    if let Some(t) = r.integrated_time {
        let _ = write!(l, "  {}", crate::iso_time(t));
    }
    if r.log_index.is_none() {
        if let Some(instance) = &r.instance {
            let _ = write!(l, "  timestamped ({instance} trusted root)");
        }
    }
    if r.trust == Trust::Undefined {
        l.push_str("  [signer not judged: --insecure-any-identity]");
    }
    l
}

/// The indented detail of `-v`: certificate, claims, then every check.
fn verbose_lines<'a>(sig: Option<&Report>, checks: impl Iterator<Item = &'a Check>, out: &mut Vec<String>) {
    if let Some(r) = sig {
        if let Some(instance) = &r.instance {
            out.push(format!("    trusted root {instance}"));
        }
        if !r.fingerprint.is_empty() {
            out.push(format!("    certificate {}", r.fingerprint));
        }
        for (k, v) in &r.claims {
            out.push(format!("    claim {k} = {v}"));
        }
    }
    for c in checks {
        let tag = match c.outcome {
            Outcome::Pass => "ok  ",
            Outcome::Fail => "FAIL",
            Outcome::NotChecked => "skip",
        };
        out.push(format!("    {tag} {}: {}", c.name, c.detail));
    }
}

fn trust_name(t: Trust) -> &'static str {
    match t {
        Trust::Fully => "fully",
        Trust::Undefined => "undefined",
        Trust::Never => "never",
    }
}

/// The signer, certificate, log and check fields shared by git objects and release artifacts.
fn signature_fields(sig: Option<&Report>, checks: &[&Check], out: &mut Map<String, Value>) {
    let fields = json!({
        "identity": sig.and_then(|r| r.identity.clone()),
        "issuer": sig.and_then(|r| r.issuer.clone()),
        "claims": sig.map(|r| json!(r.claims)).unwrap_or(json!({})),
        "certificate": sig.filter(|r| !r.fingerprint.is_empty()).map(|r| json!({
            "sha1_fingerprint": r.fingerprint,
            "not_before": r.certificate_validity.map(|v| crate::iso_time(v.0)),
            "not_after": r.certificate_validity.map(|v| crate::iso_time(v.1)),
        })),
        "trusted_root": sig.and_then(|r| r.instance.clone()),
        "log_index": sig.and_then(|r| r.log_index),
        "integrated_time": sig.and_then(|r| r.integrated_time).map(crate::iso_time),
        "integrated_time_unix": sig.and_then(|r| r.integrated_time),
        "claimed_signing_time": sig.and_then(|r| r.signing_time).map(crate::iso_time),
        "trust": sig.map(|r| trust_name(r.trust)),
        "checks": checks.iter().map(|c| json!({"name": c.name, "result": outcome(&c.outcome), "reason": c.detail})).collect::<Vec<_>>(),
    });
    if let Value::Object(m) = fields {
        out.extend(m);
    }
}

/// The JSON form of one object.
pub fn json_object(rep: &ObjectReport) -> Value {
    let mut out = Map::new();
    out.insert("object".into(), json!(rep.id));
    out.insert("kind".into(), json!(rep.kind.map(super::super::git::object::Kind::as_str)));
    out.insert("name".into(), json!(rep.named));
    out.insert("verdict".into(), json!(rep.status.as_str()));
    out.insert("counts_as_failure".into(), json!(rep.status != Status::Verified && rep.counts_as_failure));
    signature_fields(rep.signature.as_ref(), &rep.checks().collect::<Vec<_>>(), &mut out);
    let failure = rep.failure();
    out.insert("failed_check".into(), json!(failure.as_ref().map(|f| f.0)));
    out.insert("reason".into(), json!(failure.map(|f| f.1)));
    Value::Object(out)
}

/// The JSON form of one verified (or not) release artifact: `artifact`, `sha256`, `verdict`
/// (`verified`/`failed`), the signer fields of git objects, and `extra` (e.g. the statement).
pub fn json_artifact(name: &str, sha256: Option<&str>, rep: &Report, extra: Value) -> Value {
    let mut out = Map::new();
    out.insert("artifact".into(), json!(name));
    out.insert("sha256".into(), json!(sha256));
    out.insert("verdict".into(), json!(if rep.accepted() { "verified" } else { "failed" }));
    signature_fields(Some(rep), &rep.checks.iter().collect::<Vec<_>>(), &mut out);
    let failure = rep.failure();
    out.insert("failed_check".into(), json!(failure.as_ref().map(|f| f.0)));
    out.insert("reason".into(), json!(failure.map(|f| f.1)));
    if let Value::Object(m) = extra {
        out.extend(m);
    }
    Value::Object(out)
}

/// The human report of one release artifact: one line, and every check when `verbose`.
pub fn text_artifact(name: &str, rep: &Report, verbose: bool) -> Vec<String> {
    let who = match (&rep.identity, &rep.issuer) {
        (Some(i), Some(s)) => format!("  {i} ({s})"),
        (Some(i), None) => format!("  {i}"),
        _ if rep.trust == Trust::Fully && rep.certificate.is_empty() => "  the given public key".into(),
        _ => String::new(),
    };
    let line = if rep.accepted() {
        format!("verified  {name}{who}{}", verified_details(rep))
    } else {
        let why = rep.failure().map_or_else(|| rep.policy_detail.clone(), |(check, why)| format!("{check}: {why}"));
        format!("FAILED    {name}{who}  {why}")
    };
    let mut out = vec![line.trim_end().to_string()];
    if verbose {
        verbose_lines(Some(rep), rep.checks.iter(), &mut out);
    }
    out
}

/// Streams a JSON report: `{"objects":[...],"summary":{...},"exit_code":N}`.
pub struct JsonStream<W: Write> {
    out: W,
    first: bool,
}

fn write_err(e: std::io::Error) -> Error {
    Error::io("writing the report to stdout", e)
}

impl<W: Write> JsonStream<W> {
    /// Start the document.
    pub fn start(mut out: W) -> Result<Self> {
        out.write_all(b"{\"objects\":[").map_err(write_err)?;
        Ok(Self { out, first: true })
    }

    /// Add one object.
    pub fn object(&mut self, rep: &ObjectReport) -> Result<()> {
        if !self.first {
            self.out.write_all(b",").map_err(write_err)?;
        }
        self.first = false;
        self.out.write_all(b"\n").map_err(write_err)?;
        serde_json::to_writer(&mut self.out, &json_object(rep)).map_err(|e| write_err(e.into()))?;
        self.out.flush().map_err(write_err)
    }

    /// Close the document with the summary and exit code.
    pub fn finish(mut self, s: &Summary, exit_code: i32) -> Result<()> {
        let tail = json!({
            "verified": s.verified, "failed": s.failed, "unsigned": s.unsigned, "total": s.total,
        });
        write!(self.out, "\n],\"summary\":{tail},\"exit_code\":{exit_code}}}\n").map_err(write_err)?;
        self.out.flush().map_err(write_err)
    }
}

/// A usage or environment error as a JSON document (for `--output json`), with the empty
/// `list` (`objects` or `artifacts`) a successful run's document would have had.
pub fn json_error(e: &Error, list: &str, check: Option<&str>, exit_code: i32) -> Value {
    let mut doc = Map::new();
    doc.insert(list.into(), json!([]));
    doc.insert("error".into(), json!({"code": e.code(), "check": check, "message": e.to_string(), "hint": e.hint()}));
    doc.insert("exit_code".into(), json!(exit_code));
    Value::Object(doc)
}
