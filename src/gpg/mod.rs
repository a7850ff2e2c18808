//! git's gpg-program protocol: sigseal answers `git tag -s` / `git commit -S` and
//! `git verify-tag` / `git verify-commit` exactly as gpgsm would, with `[GNUPG:]` status lines
//! on the status fd, the armored signature (and nothing else) on stdout, and a human summary on
//! stderr. On any signing failure it emits no `SIG_CREATED` and writes nothing to stdout, so git
//! never records an unsigned object.

mod args;
pub mod setup;

use std::io::{Read, Write};

pub use args::{looks_like_gpg, parse, GpgArgs, Mode};

use crate::cms::armor;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::verify::{self, Outcome, Policy, Report, Trust, Verdict};

/// Where `[GNUPG:]` lines go.
pub struct StatusFd {
    out: Option<Box<dyn Write>>,
}

impl StatusFd {
    /// Open status fd N (1 = stdout, 2 = stderr, others through /dev/fd).
    pub fn open(fd: Option<u32>) -> Result<Self> {
        let out: Option<Box<dyn Write>> = match fd {
            None => None,
            Some(1) => Some(Box::new(std::io::stdout())),
            Some(2) => Some(Box::new(std::io::stderr())),
            Some(n) => Some(Box::new(
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(format!("/dev/fd/{n}"))
                    .map_err(|e| Error::io(format!("opening status fd {n}"), e))?,
            )),
        };
        Ok(Self { out })
    }

    /// Write one status line.
    pub fn line(&mut self, text: &str) -> Result<()> {
        if let Some(out) = &mut self.out {
            out.write_all(format!("[GNUPG:] {text}\n").as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("writing to the status fd", e))?;
        }
        Ok(())
    }
}

/// Largest armored signature git can hand over that could hold a signature sigseal accepts
/// (base64 of [`crate::cms::MAX_SIGNATURE_BYTES`] plus the armor).
const MAX_ARMORED_SIGNATURE_BYTES: u64 = (crate::cms::MAX_SIGNATURE_BYTES as u64) * 4 / 3 + 16 * 1024;

/// Read a whole input (a file, or stdin for `-` / none), refusing one larger than `limit`
/// without buffering more than `limit + 1` bytes of it.
fn read_input(path: Option<&str>, what: &str, limit: u64) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let (source, result) = match path {
        None | Some("-") => ("stdin".to_string(), std::io::stdin().lock().take(limit + 1).read_to_end(&mut buf)),
        Some(p) => (p.to_string(), std::fs::File::open(p).and_then(|f| f.take(limit + 1).read_to_end(&mut buf))),
    };
    result.map_err(|e| Error::io(format!("reading {what} from {source}"), e))?;
    if buf.len() as u64 > limit {
        return Err(Error::Malformed(format!(
            "{what} from {source} is larger than {limit} bytes, more than git hands over for one signed object"
        )));
    }
    Ok(buf)
}

/// Run gpg mode; returns the process exit code.
pub fn run(args: &GpgArgs) -> i32 {
    match &args.mode {
        Mode::Sign { input } => match sign(args, input.as_deref()) {
            Ok(()) => 0,
            Err(e) => {
                let line = e.one_line().to_string();
                eprintln!("{line}");
                if args.status_fd == Some(2) {
                    // git before 2.42 swallows the signing program's stderr when it owns it as
                    // the status fd; say it on the terminal too, so the cause is never lost.
                    crate::identity::terminal::echo_to_tty(&line);
                }
                e.exit_code().max(1)
            }
        },
        Mode::Verify { signature, data } => verify_mode(args, signature, data.as_deref()),
    }
}

fn sign(args: &GpgArgs, input: Option<&str>) -> Result<()> {
    let mut status = StatusFd::open(args.status_fd)?;
    let payload = read_input(input, "payload", crate::git::object::MAX_OBJECT_BYTES)?;
    let cfg = Config::load()?;
    // git owns stdout (the signature) and usually stderr (status lines): prompts go to the
    // terminal.
    crate::identity::terminal::prefer_tty(true);
    let signature = crate::runtime()?.block_on(async {
        let (root, _) = crate::trust::load(&cfg, true).await?;
        let cfg = crate::trust::signing_services(&cfg, None, true).await?;
        let stdin = if input.is_some_and(|p| p != "-") {
            crate::identity::login::Stdin::Free
        } else {
            crate::identity::login::Stdin::Taken
        };
        crate::keyless::sign(&cfg, &root, &payload, stdin).await
    })?;
    status.line("BEGIN_SIGNING H8")?;
    let pem = armor::encode(&signature.der);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(pem.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::io("writing the signature to stdout", e))?;
    status.line(&format!("SIG_CREATED D 19 8 00 {} {}", signature.signing_time, signature.fingerprint))?;
    eprintln!(
        "sigseal: signed as {} (certificate {}, Rekor log index {})",
        signature.identity, signature.fingerprint, signature.log_index
    );
    Ok(())
}

fn verify_mode(args: &GpgArgs, signature: &str, data: Option<&str>) -> i32 {
    let mut status = match StatusFd::open(args.status_fd) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}", e.one_line());
            return 2;
        }
    };
    let outcome = (|| -> Result<Report> {
        let sig = read_input(Some(signature), "signature", MAX_ARMORED_SIGNATURE_BYTES)?;
        let payload = read_input(data, "signed data", crate::git::object::MAX_OBJECT_BYTES)?;
        let cfg = Config::load()?;
        let policy = Policy::new(&cfg.verify)?;
        let (root, _) = crate::runtime()?.block_on(crate::trust::load(&cfg, true))?;
        let der = armor::decode(&sig)?;
        Ok(verify::verify_detached(&der, &payload, &root, &policy))
    })();
    let report = match outcome {
        Ok(r) => r,
        Err(e) => {
            let _ = status.line("NEWSIG");
            let _ = status.line(&format!("ERRSIG 0000000000000000 19 8 00 {} 9", crate::unix_now()));
            eprintln!("{}", e.one_line());
            // git's verify mode knows one failure: whatever stopped the check (configuration,
            // I/O, trusted root, malformed input) is a signature that did not verify.
            return 1;
        }
    };
    let code = emit_verify_status(&mut status, &report);
    for line in summary(&report) {
        eprintln!("sigseal: {line}");
    }
    code
}

/// Write the status lines for a report; returns the exit code.
pub fn emit_verify_status(status: &mut StatusFd, r: &Report) -> i32 {
    let fpr = if r.fingerprint.is_empty() { "0000000000000000" } else { &r.fingerprint };
    let who =
        format!("{} ({})", r.identity.as_deref().unwrap_or("unknown"), r.issuer.as_deref().unwrap_or("unknown issuer"));
    let time = r.integrated_time.or(r.signing_time).unwrap_or(0);
    let mut lines = vec!["NEWSIG".to_string()];
    let code = match &r.verdict {
        Verdict::Good => {
            lines.push(format!("GOODSIG {fpr} {who}"));
            lines.push(format!("VALIDSIG {fpr} {} {time} 0 0 0 19 8 00 {fpr}", date(time)));
            match r.trust {
                Trust::Fully => {
                    lines.push("TRUST_FULLY 0 shell".into());
                    0
                }
                Trust::Undefined => {
                    lines.push("TRUST_UNDEFINED 0 shell".into());
                    0
                }
                Trust::Never => {
                    lines.push("TRUST_NEVER 0 shell".into());
                    1
                }
            }
        }
        Verdict::Bad(_) => {
            lines.push(format!("BADSIG {fpr} {who}"));
            1
        }
        Verdict::Unverifiable(_) => {
            lines.push(format!("ERRSIG {fpr} 19 8 00 {time} 9 {fpr}"));
            1
        }
    };
    for l in lines {
        if status.line(&l).is_err() {
            return 2;
        }
    }
    code
}

fn date(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(|_| "1970-01-01".into(), |t| t.strftime("%Y-%m-%d").to_string())
}

/// Human summary lines (for stderr): verdict, who, log facts, what was and was not checked.
pub fn summary(r: &Report) -> Vec<String> {
    let who = r.identity.as_deref().unwrap_or("unknown identity");
    let issuer = r.issuer.as_deref().unwrap_or("unknown issuer");
    let mut out = Vec::new();
    out.push(match (&r.verdict, r.trust) {
        (Verdict::Good, Trust::Fully) => format!("Good signature from {who} (issuer {issuer}), trusted by policy"),
        (Verdict::Good, Trust::Undefined) => {
            format!("Good signature from {who} (issuer {issuer}); no identity policy, signer not judged")
        }
        (Verdict::Good, Trust::Never) => {
            format!("Good signature from {who} (issuer {issuer}) but NOT TRUSTED: {}", r.policy_detail)
        }
        (Verdict::Bad(why), _) => format!("BAD signature from {who} (issuer {issuer}): {why}"),
        (Verdict::Unverifiable(why), _) => format!("Cannot verify signature from {who} (issuer {issuer}): {why}"),
    });
    let mut facts = Vec::new();
    if !r.fingerprint.is_empty() {
        facts.push(format!("certificate {}", r.fingerprint));
    }
    if let Some(i) = r.log_index {
        facts.push(format!("Rekor log index {i}"));
    }
    if let Some(t) = r.integrated_time {
        facts.push(format!("integrated {}", crate::iso_time(t)));
    } else if let Some(t) = r.signing_time {
        facts.push(format!("claimed signing time {} (unproven)", crate::iso_time(t)));
    }
    if !facts.is_empty() {
        out.push(format!("  {}", facts.join(", ")));
    }
    let names = |o: Outcome| r.checks.iter().filter(|c| c.outcome == o).map(|c| c.name).collect::<Vec<_>>();
    let passed = names(Outcome::Pass);
    if !passed.is_empty() {
        out.push(format!("  checked: {}", passed.join(", ")));
    }
    for c in r.checks.iter().filter(|c| c.outcome != Outcome::Pass) {
        let tag = if c.outcome == Outcome::Fail { "failed" } else { "not checked" };
        out.push(format!("  {tag}: {}: {}", c.name, c.detail));
    }
    out
}
