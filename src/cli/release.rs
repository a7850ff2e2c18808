//! Release commands: `sign-blob`, `verify-blob`, `sign-release`, `verify-release`,
//! `attest-blob`, `verify-blob-attestation`, `generate-key-pair`, and the sigstore-conformance
//! protocol (`sign-bundle`, `verify-bundle`, hidden). Flags follow cosign's names. Only the
//! flags live here: they become the option structs of [`crate::release`], whose reports are
//! rendered as text or as the JSON documents of docs/output.md.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::verify::{
    config_for, fail_setup, policy_from, policy_options, root_for, Format as VerifyFormat, HowArgs, OutputArgs,
    PolicyArgs, TrustArgs,
};
use super::Format;
use crate::error::{Error, Result};
use crate::keyless::KeySource;
use crate::release::attest;
use crate::release::manifest;
use crate::release::run::{self, SignedFile};
use crate::release::session::{Instance, SignOptions, Signer};
use crate::release::verify::{self as check, Artifact, Checker, SignatureSource};
use crate::verify::github::{self, GitHubOptions};
use crate::verify::{render, PolicyOptions, Report};

/// How release signatures are made.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Sign with this cosign key file (`ENCRYPTED SIGSTORE PRIVATE KEY`) instead of keylessly:
    /// the disaster-recovery fallback. Password: `SIGSEAL_PASSWORD`, `COSIGN_PASSWORD`, or a prompt.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Log the signatures in Rekor. Only --key signatures may skip the log (=false).
    #[arg(long, value_name = "BOOL", default_value = "true", action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tlog_upload: bool,
    /// An RFC 3161 timestamp authority to countersign every signature (default:
    /// sigseal.timestampURL, else the signing config's TSA).
    #[arg(long, value_name = "URL")]
    timestamp_server_url: Option<String>,
    /// An OIDC identity token to sign with (default: the CI's ambient token, the agent, or a
    /// login). Prefer `SIGSTORE_ID_TOKEN`: a command line is visible to other local users.
    #[arg(long, value_name = "TOKEN")]
    identity_token: Option<String>,
    /// The trusted root the new bundles are checked against (default: sigseal.trustedRoot).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// A signing config naming Fulcio, Rekor, TSA and OIDC issuer (default: sigseal.signingConfig).
    #[arg(long, value_name = "FILE")]
    signing_config: Option<PathBuf>,
    /// Sign with the public-good staging instance.
    #[arg(long, conflicts_with_all = ["trusted_root", "signing_config"])]
    staging: bool,
    /// The Rekor API version to write: of sigseal.rekorURL when it is set (default 1, or
    /// sigseal.rekorVersion), else the one to pick from the signing config (default: the highest).
    #[arg(long, value_name = "1|2", value_parser = clap::value_parser!(u32).range(1..=2))]
    rekor_version: Option<u32>,
}

/// How a signing command reports what it wrote.
#[derive(Debug, clap::Args)]
pub struct SignOutputArgs {
    /// Report format: text (lines on stderr) or json (one document on stdout naming every file
    /// written, the digests, the signer and the log entries; see docs/output.md).
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

/// `sigseal sign-blob`.
#[derive(Debug, clap::Args)]
pub struct SignBlobArgs {
    /// Files to sign (one login and one certificate for all of them).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Where to write the bundle (one file only; default: FILE.sigstore.json beside each file).
    #[arg(long, value_name = "PATH")]
    bundle: Option<PathBuf>,
    /// Also write the signature as cosign does (base64 DER; one file only).
    #[arg(long, value_name = "PATH")]
    output_signature: Option<PathBuf>,
    /// Also write the signing certificate as cosign does (base64 of the PEM; one file only,
    /// keyless only).
    #[arg(long, value_name = "PATH")]
    output_certificate: Option<PathBuf>,
    /// cosign's --b64: base64-encode the .sig and .pem files (=false: DER signature, PEM).
    #[arg(long, value_name = "BOOL", default_value = "true", action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    b64: bool,
    #[command(flatten)]
    sign: SignArgs,
    #[command(flatten)]
    out: SignOutputArgs,
}

/// `sigseal sign-release`.
#[derive(Debug, clap::Args)]
pub struct SignReleaseArgs {
    /// A directory of release assets (every regular file in it), or asset files of one directory.
    #[arg(value_name = "DIR|FILE", required = true)]
    inputs: Vec<PathBuf>,
    /// Name of the checksum manifest written beside the assets.
    #[arg(long, value_name = "NAME", default_value = manifest::FILE_NAME)]
    manifest: String,
    /// Also write cosign's ASSET.sig and ASSET.pem beside each asset (base64, as cosign's default).
    #[arg(long)]
    cosign_files: bool,
    #[command(flatten)]
    sign: SignArgs,
    #[command(flatten)]
    out: SignOutputArgs,
}

/// How a release bundle's signer is trusted.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// Trust bundles made by this public key (cosign.pub) instead of a Fulcio identity.
    #[arg(long, value_name = "PUBLIC_KEY")]
    key: Option<PathBuf>,
    /// With --key: accept a bundle that was never logged in Rekor.
    #[arg(long, requires = "key")]
    insecure_ignore_tlog: bool,
}

/// `sigseal verify-blob`.
#[derive(Debug, clap::Args)]
pub struct VerifyBlobArgs {
    /// The artifact, or `sha256:<64 hex>` when only its digest is known.
    #[arg(value_name = "FILE|sha256:HEX")]
    artifact: String,
    /// The Sigstore bundle (default: FILE.sigstore.json).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["signature", "certificate"])]
    bundle: Option<PathBuf>,
    /// cosign's detached signature (.sig); its Rekor entry is looked up online.
    #[arg(long, value_name = "FILE", requires = "certificate")]
    signature: Option<PathBuf>,
    /// cosign's certificate (.pem) for --signature.
    #[arg(long, value_name = "FILE", requires = "signature")]
    certificate: Option<PathBuf>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    how: HowArgs,
}

/// `sigseal verify-release`.
#[derive(Debug, clap::Args)]
pub struct VerifyReleaseArgs {
    /// The directory holding the assets, the manifest and their bundles.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Name of the checksum manifest.
    #[arg(long, value_name = "NAME", default_value = manifest::FILE_NAME)]
    manifest: String,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    how: HowArgs,
}

/// `sigseal attest-blob`.
#[derive(Debug, clap::Args)]
pub struct AttestBlobArgs {
    /// The subjects of the attestation.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// The predicate (a JSON object). Without it, `--type slsaprovenance1` generates SLSA v1
    /// provenance from the GitHub Actions environment.
    #[arg(long, value_name = "FILE")]
    predicate: Option<PathBuf>,
    /// Predicate type: a URI or one of cosign's shorthands (slsaprovenance1, spdxjson,
    /// cyclonedx, openvex, vuln, link, custom, …).
    #[arg(long = "type", value_name = "URI", default_value = "custom")]
    predicate_type: String,
    /// Where to write the bundle (default: FILE.intoto.sigstore.json for one subject).
    #[arg(long, value_name = "PATH")]
    bundle: Option<PathBuf>,
    #[command(flatten)]
    sign: SignArgs,
    #[command(flatten)]
    out: SignOutputArgs,
}

/// `sigseal verify-blob-attestation`.
#[derive(Debug, clap::Args)]
pub struct VerifyAttestationArgs {
    /// The subject artifact, or `sha256:<64 hex>`.
    #[arg(value_name = "FILE|sha256:HEX")]
    artifact: String,
    /// The attestation bundle: one Sigstore bundle, or JSON lines of bundles as `gh attestation
    /// download` writes them, of which one verifying is enough (default: FILE.intoto.sigstore.json).
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// The predicate type that must have been attested (URI or cosign shorthand; with the
    /// GitHub flags, default `https://slsa.dev/provenance/v1`).
    #[arg(long = "type", visible_alias = "predicate-type", value_name = "URI")]
    predicate_type: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    how: HowArgs,
    // Last: its help heading holds for every flag after it.
    #[command(flatten)]
    github: GitHubArgs,
}

/// The checks of `gh attestation verify`, for GitHub artifact attestations. Any of them needs
/// --owner or --repo.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "GitHub artifact attestations (as gh attestation verify)")]
pub struct GitHubArgs {
    /// The organization or user whose repository made the attestation.
    #[arg(long, value_name = "OWNER", conflicts_with = "repo")]
    owner: Option<String>,
    /// The repository that made the attestation.
    #[arg(long, value_name = "OWNER/REPO")]
    repo: Option<String>,
    /// The repository of the (reusable) workflow that signed.
    #[arg(long, value_name = "OWNER/REPO", conflicts_with = "signer_workflow")]
    signer_repo: Option<String>,
    /// The workflow that signed, a prefix of the certificate identity read as a regular
    /// expression (as gh reads it).
    #[arg(long, value_name = "[HOST/]OWNER/REPO/PATH")]
    signer_workflow: Option<String>,
    /// The commit of the signer workflow.
    #[arg(long, value_name = "SHA")]
    signer_digest: Option<String>,
    /// The git ref the workflow ran on (e.g. refs/tags/v1.2.0).
    #[arg(long, value_name = "REF")]
    source_ref: Option<String>,
    /// The commit the workflow ran on.
    #[arg(long, value_name = "SHA")]
    source_digest: Option<String>,
    /// Refuse attestations made on self-hosted runners.
    #[arg(long)]
    deny_self_hosted_runners: bool,
    /// github.com or a GHE.com tenant (TENANT.ghe.com) [default: github.com].
    #[arg(long, value_name = "HOST")]
    hostname: Option<String>,
    /// The OIDC issuer [default: GitHub Actions' issuer for the host].
    #[arg(long, value_name = "URL")]
    cert_oidc_issuer: Option<String>,
}

impl GitHubArgs {
    fn options(&self) -> GitHubOptions {
        GitHubOptions {
            owner: self.owner.clone(),
            repo: self.repo.clone(),
            signer_repo: self.signer_repo.clone(),
            signer_workflow: self.signer_workflow.clone(),
            signer_digest: self.signer_digest.clone(),
            source_ref: self.source_ref.clone(),
            source_digest: self.source_digest.clone(),
            deny_self_hosted_runners: self.deny_self_hosted_runners,
            hostname: self.hostname.clone(),
            cert_oidc_issuer: self.cert_oidc_issuer.clone(),
        }
    }
}

/// `sigseal verify-release-asset`: GitHub's attestation of an immutable release, checked as
/// `gh release verify-asset` checks it, offline.
#[derive(Debug, clap::Args)]
pub struct VerifyReleaseAssetArgs {
    /// The release's tag, exactly as the attestation names it.
    #[arg(value_name = "TAG")]
    tag: String,
    /// An asset file, `sha256:<64 hex>`, or a directory (every regular file directly in it).
    #[arg(value_name = "FILE|DIR|sha256:HEX")]
    artifact: String,
    /// The repository that published the release.
    #[arg(long, value_name = "OWNER/REPO")]
    repo: String,
    /// GitHub's attestation of the release: a Sigstore bundle, or several, one per line (the
    /// one for TAG that lists the file is judged).
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// The commit the tag points to (40 or 64 hex digits): the attestation must name it.
    #[arg(long, value_name = "SHA")]
    commit: Option<String>,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// `sigseal generate-key-pair`.
#[derive(Debug, clap::Args)]
pub struct GenerateKeyPairArgs {
    /// Write PREFIX.key (encrypted private key) and PREFIX.pub.
    #[arg(long, value_name = "PREFIX", default_value = "cosign")]
    output_key_prefix: PathBuf,
    /// Overwrite existing key files.
    #[arg(long)]
    force: bool,
}

/// `sigseal sign-bundle` (sigstore-conformance protocol).
#[derive(Debug, clap::Args)]
pub struct ConformanceSignArgs {
    /// Use the public-good staging instance.
    #[arg(long)]
    staging: bool,
    /// FILE is an in-toto statement to sign as a DSSE envelope.
    #[arg(long)]
    in_toto: bool,
    /// The OIDC identity token.
    #[arg(long, value_name = "TOKEN")]
    identity_token: String,
    /// Where to write the bundle.
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// Trusted root.
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// Signing config.
    #[arg(long, value_name = "FILE")]
    signing_config: Option<PathBuf>,
    /// The artifact.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// `sigseal verify-bundle` (sigstore-conformance protocol).
#[derive(Debug, clap::Args)]
pub struct ConformanceVerifyArgs {
    /// Use the public-good staging instance.
    #[arg(long)]
    staging: bool,
    /// The bundle.
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// Expected identity.
    #[arg(long, value_name = "IDENTITY", requires = "certificate_oidc_issuer")]
    certificate_identity: Option<String>,
    /// Expected OIDC issuer.
    #[arg(long, value_name = "URL", requires = "certificate_identity")]
    certificate_oidc_issuer: Option<String>,
    /// Public key (managed-key bundles).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["certificate_identity", "certificate_oidc_issuer"])]
    key: Option<PathBuf>,
    /// Trusted root.
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// The artifact, or `sha256:<64 hex>`.
    #[arg(value_name = "FILE|sha256:HEX")]
    artifact: String,
}

// ---------------------------------------------------------------------------------------------
// Signing: flags into options, the run, its report.

fn note(msg: &str) {
    eprintln!("sigseal: {msg}");
}

impl SignArgs {
    fn options(&self) -> SignOptions {
        SignOptions {
            key: self.key.clone(),
            tlog_upload: self.tlog_upload,
            timestamp_server_url: self.timestamp_server_url.clone(),
            identity_token: self.identity_token.clone().map(Zeroizing::new),
            trusted_root: self.trusted_root.clone(),
            signing_config: self.signing_config.clone(),
            staging: self.staging,
            rekor_version: self.rekor_version,
        }
    }
}

fn source_name(s: KeySource) -> &'static str {
    match s {
        KeySource::Token => "identity token",
        KeySource::Agent => "agent",
        KeySource::Login => "login",
        KeySource::KeyFile => "key file",
    }
}

/// The key source as the JSON reports name it.
fn source_key(s: KeySource) -> &'static str {
    match s {
        KeySource::Token => "token",
        KeySource::Agent => "agent",
        KeySource::Login => "login",
        KeySource::KeyFile => "key-file",
    }
}

fn log_note(log_index: Option<i64>) -> String {
    log_index.map_or_else(|| " (not logged)".into(), |i| format!(" (rekor #{i})"))
}

fn path_json(p: &Path) -> Value {
    json!(p.display().to_string())
}

fn signer_json(s: &Signer) -> Value {
    json!({
        "identity": s.identity,
        "issuer": s.issuer,
        "key_source": source_key(s.source),
        "public_key_hint": s.public_key_hint,
    })
}

fn instance_json(i: &Instance) -> Value {
    json!({"fulcio_url": i.fulcio_url, "rekor_url": i.rekor_url, "tsa_url": i.tsa_url})
}

fn log_json(log_index: Option<i64>, integrated_time: Option<i64>) -> Value {
    json!({
        "log_index": log_index,
        "integrated_time": integrated_time.map(crate::iso_time),
        "integrated_time_unix": integrated_time,
    })
}

fn merge(mut base: Value, more: Value) -> Value {
    if let (Value::Object(b), Value::Object(m)) = (&mut base, more) {
        b.extend(m);
    }
    base
}

fn file_json(f: &SignedFile) -> Value {
    merge(
        json!({
            "artifact": path_json(&f.artifact),
            "sha256": f.digest.hex(),
            "size": f.digest.size,
            "bundle": path_json(&f.bundle),
            "signature": f.signature.as_deref().map(path_json),
            "certificate": f.certificate.as_deref().map(path_json),
        }),
        log_json(f.log_index, f.integrated_time),
    )
}

/// The end of every signing document: signer, services, the files written, the exit code.
fn run_json(signer: &Signer, instance: &Instance, written: &[PathBuf]) -> Value {
    json!({
        "signer": signer_json(signer),
        "instance": instance_json(instance),
        "written": written.iter().map(|p| path_json(p)).collect::<Vec<_>>(),
        "exit_code": 0,
    })
}

/// Report a signing run: `text` on stderr, or its JSON document on stdout. A failed run in JSON
/// also gets a document (its error), then fails as usual.
fn report<T>(format: Format, result: Result<T>, text: impl FnOnce(&T), doc: impl FnOnce(&T) -> Value) -> Result<()> {
    match (format, result) {
        (Format::Text, Ok(r)) => {
            text(&r);
            Ok(())
        }
        (Format::Json, Ok(r)) => super::out::line(doc(&r)),
        (Format::Text, Err(e)) => Err(e),
        (Format::Json, Err(e)) => {
            let _ = super::out::line(render::json_error(&e, "artifacts", None, e.exit_code()));
            Err(e)
        }
    }
}

/// `sigseal sign-blob`.
pub fn sign_blob(a: &SignBlobArgs) -> Result<()> {
    let options = run::SignBlobOptions {
        files: a.files.clone(),
        bundle: a.bundle.clone(),
        output_signature: a.output_signature.clone(),
        output_certificate: a.output_certificate.clone(),
        b64: a.b64,
        sign: a.sign.options(),
    };
    report(
        a.out.output,
        run::sign_blob(&options),
        |r| {
            for f in &r.files {
                note(&format!("signed {} -> {}{}", f.artifact.display(), f.bundle.display(), log_note(f.log_index)));
            }
            note(&format!("{} file(s) signed with one key ({})", r.files.len(), source_name(r.signer.source)));
        },
        |r| {
            merge(
                json!({"artifacts": r.files.iter().map(file_json).collect::<Vec<_>>()}),
                run_json(&r.signer, &r.instance, &r.written),
            )
        },
    )
}

/// `sigseal sign-release`.
pub fn sign_release(a: &SignReleaseArgs) -> Result<()> {
    let options = run::SignReleaseOptions {
        inputs: a.inputs.clone(),
        manifest: a.manifest.clone(),
        cosign_files: a.cosign_files,
        sign: a.sign.options(),
    };
    report(
        a.out.output,
        run::sign_release(&options),
        |r| {
            note(&format!(
                "signed {} asset(s) and {} in {} with one key ({}); wrote {} files",
                r.assets.len(),
                r.manifest_name,
                r.dir.display(),
                source_name(r.signer.source),
                r.written.len()
            ));
        },
        |r| {
            let named =
                |role: &str, name: &str, f: &SignedFile| merge(json!({"role": role, "name": name}), file_json(f));
            let mut artifacts = vec![named("manifest", &r.manifest_name, &r.manifest)];
            artifacts.extend(r.assets.iter().map(|(name, f)| named("asset", name, f)));
            merge(
                json!({"directory": path_json(&r.dir), "manifest": r.manifest_name, "artifacts": artifacts}),
                run_json(&r.signer, &r.instance, &r.written),
            )
        },
    )
}

/// `sigseal attest-blob`.
pub fn attest_blob(a: &AttestBlobArgs) -> Result<()> {
    let options = run::AttestOptions {
        files: a.files.clone(),
        predicate: a.predicate.clone(),
        predicate_type: a.predicate_type.clone(),
        bundle: a.bundle.clone(),
        sign: a.sign.options(),
    };
    report(
        a.out.output,
        run::attest_blob(&options),
        |r| {
            note(&format!(
                "attested {} subject(s) ({}) -> {}{} with {}",
                r.subjects.len(),
                r.predicate_type,
                r.bundle.display(),
                log_note(r.log_index),
                source_name(r.signer.source)
            ));
        },
        |r| {
            let subjects: Vec<Value> = r
                .subjects
                .iter()
                .map(|s| {
                    json!({
                        "artifact": path_json(&s.artifact),
                        "name": s.name,
                        "sha256": s.digest.hex(),
                        "size": s.digest.size,
                    })
                })
                .collect();
            let head =
                json!({"bundle": path_json(&r.bundle), "predicate_type": r.predicate_type, "artifacts": subjects});
            merge(merge(head, log_json(r.log_index, r.integrated_time)), run_json(&r.signer, &r.instance, &r.written))
        },
    )
}

/// `sigseal generate-key-pair`.
pub fn generate_key_pair(a: &GenerateKeyPairArgs) -> Result<()> {
    let r = run::generate_key_pair(&a.output_key_prefix, a.force)?;
    note(&format!(
        "wrote {} (encrypted private key, cosign format) and {} (public key)",
        r.private_key.display(),
        r.public_key.display()
    ));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Verification: flags into a checker, the verdicts as text lines or one JSON document.

fn checker(how: &HowArgs, key: &KeyArgs) -> Result<Checker> {
    checker_with(how, key, None)
}

/// A checker; with `github` (gh's flags), their policy judges the signer instead of the
/// cosign flags' (which may only add the identity), and no public key may be given.
fn checker_with(how: &HowArgs, key: &KeyArgs, github: Option<&GitHubOptions>) -> Result<Checker> {
    let cfg = config_for(&how.trust)?;
    let policy = if let Some(options) = github {
        if key.key.is_some() {
            return Err(Error::Usage(
                "--key trusts a public key, the GitHub flags a GitHub Actions certificate; give one or the other"
                    .into(),
            ));
        }
        github::policy(options, &policy_options(&how.policy))?
    } else if key.key.is_some() {
        let p = &how.policy;
        check::key_policy(&PolicyOptions {
            identity: p.certificate_identity.clone(),
            identity_regexp: p.certificate_identity_regexp.clone(),
            issuer: p.certificate_oidc_issuer.clone(),
            issuer_regexp: p.certificate_oidc_issuer_regexp.clone(),
            ..PolicyOptions::default()
        })?
    } else {
        policy_from(&how.policy, &cfg)?
    };
    let key_der = key.key.as_deref().map(check::read_public_key).transpose()?;
    let (roots, rekor_url) = root_for(&cfg, &how.trust)?;
    Ok(Checker::new(&roots, policy, rekor_url, key_der, !key.insecure_ignore_tlog)?.with_deadline(&cfg.deadline))
}

/// Reports of a verification run, printed as text lines or one JSON document.
struct Reports {
    format: VerifyFormat,
    verbose: bool,
    artifacts: Vec<Value>,
    verified: usize,
    failed: usize,
}

impl Reports {
    fn new(out: &OutputArgs) -> Self {
        Self { format: out.output, verbose: out.verbose, artifacts: Vec::new(), verified: 0, failed: 0 }
    }

    fn add(&mut self, name: &str, sha256: Option<&str>, rep: &Report, extra: Value) -> Result<()> {
        if rep.accepted() {
            self.verified += 1;
        } else {
            self.failed += 1;
        }
        match self.format {
            VerifyFormat::Json => self.artifacts.push(render::json_artifact(name, sha256, rep, extra)),
            VerifyFormat::Text => {
                let mut out = super::out::stdout();
                for line in render::text_artifact(name, rep, self.verbose) {
                    writeln!(out, "{line}").map_err(|e| Error::io("writing the report to stdout", e))?;
                }
            }
        }
        Ok(())
    }

    /// Close a run over the bundles of one attestation file, where one accepted bundle
    /// (`accepted`, their positions) is enough.
    fn finish_any(self, accepted: &[usize]) -> Result<i32> {
        let code = i32::from(accepted.is_empty());
        let total = self.verified + self.failed;
        match self.format {
            VerifyFormat::Json => {
                let doc = json!({
                    "artifacts": self.artifacts,
                    "summary": {
                        "verified": self.verified, "failed": self.failed, "total": total,
                        "accepted_bundles": accepted, "attested": !accepted.is_empty(),
                    },
                    "exit_code": code,
                });
                super::out::line(doc)?;
            }
            VerifyFormat::Text if accepted.is_empty() => {
                eprintln!("sigseal: not attested: none of the {total} bundles verified");
            }
            VerifyFormat::Text => {
                let list = accepted.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
                eprintln!(
                    "sigseal: attested by bundle {list} of {total} ({} verified, {} failed; one is enough)",
                    self.verified, self.failed
                );
            }
        }
        Ok(code)
    }

    fn finish(self) -> Result<i32> {
        let code = i32::from(self.failed > 0 || self.verified == 0);
        let total = self.verified + self.failed;
        match self.format {
            VerifyFormat::Json => {
                let doc = json!({
                    "artifacts": self.artifacts,
                    "summary": {"verified": self.verified, "failed": self.failed, "total": total},
                    "exit_code": code,
                });
                super::out::line(doc)?;
            }
            VerifyFormat::Text => eprintln!(
                "sigseal: {} verified, {} failed ({total} artifact{})",
                self.verified,
                self.failed,
                if total == 1 { "" } else { "s" }
            ),
        }
        Ok(code)
    }
}

/// `sigseal verify-blob`.
pub fn verify_blob(a: &VerifyBlobArgs) -> i32 {
    verify_blob_bundle(a, false)
}

/// Verify a blob's bundle; an attestation (DSSE) bundle counts only with `attestations` (the
/// conformance protocol).
fn verify_blob_bundle(a: &VerifyBlobArgs, attestations: bool) -> i32 {
    let run = || -> Result<i32> {
        let artifact = Artifact::parse(&a.artifact)?;
        let checker = checker(&a.how, &a.key)?;
        let mut reports = Reports::new(&a.how.output);
        let source = match (&a.bundle, &a.signature, &a.certificate) {
            (Some(b), _, _) => SignatureSource::Bundle(b.clone()),
            (None, Some(s), Some(c)) => SignatureSource::Cosign { signature: s.clone(), certificate: c.clone() },
            _ => SignatureSource::Beside,
        };
        let verdict = check::blob(&checker, &artifact, &source, attestations);
        reports.add(&verdict.name, verdict.sha256.as_deref(), &verdict.report, json!({}))?;
        reports.finish()
    };
    run().unwrap_or_else(|e| fail_setup(&e, a.how.output.output, "artifacts"))
}

/// `sigseal verify-blob-attestation`.
pub fn verify_attestation(a: &VerifyAttestationArgs) -> i32 {
    let run = || -> Result<i32> {
        let artifact = Artifact::parse(&a.artifact)?;
        let options = a.github.options();
        let want =
            options.predicate_type(a.predicate_type.clone()).as_deref().map(attest::predicate_type).transpose()?;
        let checker = checker_with(&a.how, &a.key, options.is_set().then_some(&options))?;
        let mut reports = Reports::new(&a.how.output);
        let verdicts = check::attestation(&checker, &artifact, a.bundle.as_deref(), want.as_deref())?;
        let several = verdicts.len() > 1;
        for v in &verdicts {
            let mut extra = match &v.statement {
                Some(st) => json!({
                    "predicate_type": st.predicate_type,
                    "subjects": st.subjects.iter().map(|(n, d)| json!({"name": n, "sha256": d})).collect::<Vec<_>>(),
                    "predicate": st.predicate,
                }),
                None => json!({}),
            };
            let p = &v.place;
            extra["bundle"] = json!({"path": path_json(&p.path), "index": p.index, "line": p.line, "count": p.count});
            let name = if several && reports.format == VerifyFormat::Text {
                format!("{} (bundle {} of {}, line {})", v.artifact.name, p.index, p.count, p.line)
            } else {
                v.artifact.name.clone()
            };
            reports.add(&name, v.artifact.sha256.as_deref(), &v.artifact.report, extra)?;
        }
        if several {
            reports.finish_any(&check::accepted_bundles(&verdicts))
        } else {
            reports.finish()
        }
    };
    run().unwrap_or_else(|e| fail_setup(&e, a.how.output.output, "artifacts"))
}

/// `sigseal verify-release`.
pub fn verify_release(a: &VerifyReleaseArgs) -> i32 {
    let run = || -> Result<i32> {
        let checker = checker(&a.how, &a.key)?;
        let mut reports = Reports::new(&a.how.output);
        let summary = check::release(&checker, &a.dir, &a.manifest, |role, v| {
            reports.add(&v.name, v.sha256.as_deref(), &v.report, json!({"role": role.as_str()}))
        })?;
        if !summary.unlisted.is_empty() && a.how.output.output == VerifyFormat::Text {
            note(&format!("not listed in {} (not checked): {}", a.manifest, summary.unlisted.join(", ")));
        }
        reports.finish()
    };
    run().unwrap_or_else(|e| fail_setup(&e, a.how.output.output, "artifacts"))
}

/// `sigseal verify-release-asset`.
pub fn verify_release_asset(a: &VerifyReleaseAssetArgs) -> i32 {
    use crate::release::github_release;
    let run = || -> Result<i32> {
        let release = github_release::Release::new(&a.repo, &a.tag, a.commit.as_deref())?;
        let assets = github_release::Assets::parse(&a.artifact)?;
        let cfg = config_for(&a.trust)?;
        let (roots, _) = root_for(&cfg, &a.trust)?;
        let checker = github_release::checker(&roots)?;
        let run = github_release::verify(&checker, &release, &assets, &a.bundle)?;
        let mut reports = Reports::new(&a.output);
        for v in &run.verdicts {
            let attestation = v.statement.as_ref().map(|st| {
                json!({
                    "predicate_type": st.predicate_type,
                    "purl": st.purl,
                    "commit": st.commit,
                    "repository": st.predicate_repository,
                    "tag": st.predicate_tag,
                })
            });
            let bundle = v
                .place
                .as_ref()
                .map(|p| json!({"path": path_json(&p.path), "index": p.index, "line": p.line, "count": p.count}));
            let extra = json!({
                "release": {"repository": release.repository(), "tag": release.tag(), "purl": release.purl(), "commit": release.commit()},
                "asset": v.asset,
                "attestation": attestation,
                "bundle": bundle,
            });
            let mut name = v.artifact.name.clone();
            if reports.format == VerifyFormat::Text {
                let file_name = Path::new(&name).file_name().map(|n| n.to_string_lossy().to_string());
                if let Some(asset) = v.asset.as_deref().filter(|n| file_name.as_deref() != Some(*n)) {
                    name = format!("{name} (asset {asset})");
                }
                if let Some(p) = v.place.as_ref().filter(|p| p.count > 1) {
                    name = format!("{name} (bundle {} of {}, line {})", p.index, p.count, p.line);
                }
            }
            reports.add(&name, v.artifact.sha256.as_deref(), &v.artifact.report, extra)?;
        }
        if reports.format == VerifyFormat::Text {
            for p in &run.skipped {
                note(&format!("not checked: {} (the attestation file)", p.display()));
            }
        }
        reports.finish()
    };
    run().unwrap_or_else(|e| fail_setup(&e, a.output.output, "artifacts"))
}

// ---------------------------------------------------------------------------------------------
// sigstore-conformance protocol.

/// `sigseal sign-bundle`.
pub fn conformance_sign(a: &ConformanceSignArgs) -> Result<()> {
    let sign = SignOptions {
        identity_token: Some(Zeroizing::new(a.identity_token.clone())),
        trusted_root: a.trusted_root.clone(),
        signing_config: a.signing_config.clone(),
        staging: a.staging,
        ..SignOptions::default()
    };
    run::sign_bundle(&sign, &a.file, a.in_toto, &a.bundle)
}

/// `sigseal verify-bundle`.
pub fn conformance_verify(a: &ConformanceVerifyArgs) -> i32 {
    let how = HowArgs {
        policy: PolicyArgs {
            certificate_identity: a.certificate_identity.clone(),
            certificate_oidc_issuer: a.certificate_oidc_issuer.clone(),
            ..PolicyArgs::default()
        },
        trust: TrustArgs {
            trusted_root: a.trusted_root.clone().into_iter().collect(),
            staging: a.staging,
            ..TrustArgs::default()
        },
        output: OutputArgs { verbose: true, ..OutputArgs::default() },
    };
    let key = KeyArgs { key: a.key.clone(), insecure_ignore_tlog: false };
    verify_blob_bundle(
        &VerifyBlobArgs {
            artifact: a.artifact.clone(),
            bundle: Some(a.bundle.clone()),
            signature: None,
            certificate: None,
            key,
            how,
        },
        true,
    )
}
