//! `sigseal doctor`: parses its flags, runs the library's diagnosis ([`crate::doctor`]) and
//! renders the report as text (one line per finding, fixes indented below, a summary line) or as
//! one JSON document.

use serde::Serialize;

use crate::doctor::{Finding, Options, Report, Summary};
use crate::error::{Error, Result};

/// Arguments of `sigseal doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Skip the network: no service is contacted and the trusted root is not refreshed.
    #[arg(long)]
    offline: bool,
    /// Report format.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

/// Report format of `sigseal doctor`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per finding, fixes indented below.
    #[default]
    Text,
    /// One JSON document: findings, summary, exit code.
    Json,
}

/// Run `sigseal doctor`: print the report, return the exit code.
pub fn run(args: &DoctorArgs) -> Result<i32> {
    use std::io::Write;
    let report = crate::doctor::diagnose(&Options { offline: args.offline });
    let text = match args.output {
        Format::Text => text(&report),
        Format::Json => format!("{}\n", json(&report)),
    };
    let mut stdout = super::out::stdout();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| Error::io("writing the report", e))?;
    Ok(report.exit_code())
}

/// The text report: one line per finding, fixes indented below, a summary line.
fn text(report: &Report) -> String {
    use std::fmt::Write;
    let width = report.findings.iter().map(|f| f.check.len()).max().unwrap_or(0);
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(out, "{:<4} {:<width$}  {}", f.status.as_str(), f.check, f.detail);
        if let Some(fix) = &f.fix {
            let _ = writeln!(out, "     fix: {fix}");
        }
    }
    let s = report.summary();
    let _ = writeln!(out, "summary: {} ok, {} warn, {} fail, {} info", s.ok, s.warn, s.fail, s.info);
    out
}

/// The JSON report: `{"findings": [...], "summary": {...}, "exit_code": N}`.
fn json(report: &Report) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        findings: &'a [Finding],
        summary: Summary,
        exit_code: i32,
    }
    let doc = Document { findings: &report.findings, summary: report.summary(), exit_code: report.exit_code() };
    // Plain strings, numbers and enums: serializing cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn finding(check: &'static str, status: Status, detail: &str, fix: Option<&str>) -> Finding {
        Finding { check, status, detail: detail.into(), fix: fix.map(str::to_string) }
    }

    #[test]
    fn text_report_aligns_checks_and_indents_fixes() {
        let r = Report {
            findings: vec![finding("a", Status::Ok, "x", None), finding("bbb", Status::Warn, "y", Some("do z"))],
        };
        assert_eq!(text(&r), "ok   a    x\nwarn bbb  y\n     fix: do z\nsummary: 1 ok, 1 warn, 0 fail, 0 info\n");
    }

    #[test]
    fn json_report_counts_every_status_and_keeps_null_fixes() {
        let r = Report {
            findings: vec![
                finding("a", Status::Ok, "x", None),
                finding("b", Status::Warn, "y", Some("do z")),
                finding("c", Status::Fail, "broken", Some("fix it")),
            ],
        };
        let doc: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(doc["summary"], serde_json::json!({"ok": 1, "warn": 1, "fail": 1, "info": 0}));
        assert_eq!(doc["exit_code"], 1);
        assert_eq!(doc["findings"][2]["status"], "fail");
        assert_eq!(doc["findings"][0]["fix"], serde_json::Value::Null);
        let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["exit_code", "findings", "summary"]);
    }
}
