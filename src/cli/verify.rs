//! `sigseal verify`, `sigseal verify-tag` and `sigseal export-bundle`: the flags (cosign's
//! policy flags, trust and output options) and the run: resolve what was named, verify it,
//! report it, and exit 0 (all verified), 1 (an object failed) or 2 (usage or environment).

use std::io::Write;
use std::path::PathBuf;

use crate::config::{Config, Overrides};
use crate::error::{Error, Result};

use crate::git::repo::{Repo, Target};
use crate::sigstore::Instance;
use crate::verify::history::{self, ObjectReport, Options};
use crate::verify::render::{self, JsonStream};
use crate::verify::{Policy, PolicyOptions, Verifier};

/// Who may have signed (cosign-compatible flags).
#[derive(Debug, Default, clap::Args)]
pub struct PolicyArgs {
    /// The certificate identity (email or URI) that must have signed.
    #[arg(long, value_name = "IDENTITY", conflicts_with = "certificate_identity_regexp")]
    pub(super) certificate_identity: Option<String>,
    /// A regular expression the whole certificate identity must match.
    #[arg(long, value_name = "REGEXP")]
    pub(super) certificate_identity_regexp: Option<String>,
    /// The OIDC issuer that must have vouched for the identity.
    #[arg(long, value_name = "URL", conflicts_with = "certificate_oidc_issuer_regexp")]
    pub(super) certificate_oidc_issuer: Option<String>,
    /// A regular expression the whole OIDC issuer must match.
    #[arg(long, value_name = "REGEXP")]
    pub(super) certificate_oidc_issuer_regexp: Option<String>,
    /// GitHub repository (owner/repo) the signing workflow ran in.
    #[arg(long, value_name = "OWNER/REPO")]
    pub(super) certificate_github_workflow_repository: Option<String>,
    /// Git ref the signing workflow ran on (e.g. refs/tags/v1.2.0).
    #[arg(long, value_name = "REF")]
    pub(super) certificate_github_workflow_ref: Option<String>,
    /// Commit the signing workflow ran on.
    #[arg(long, value_name = "SHA")]
    pub(super) certificate_github_workflow_sha: Option<String>,
    /// Event that triggered the signing workflow (e.g. push, release).
    #[arg(long, value_name = "EVENT")]
    pub(super) certificate_github_workflow_trigger: Option<String>,
    /// Name of the signing workflow.
    #[arg(long, value_name = "NAME")]
    pub(super) certificate_github_workflow_name: Option<String>,
    /// A certificate extension that must have this value: a dotted OID or a Fulcio claim name
    /// (source-repository-ref, build-signer-uri, …). Repeatable.
    #[arg(long, value_name = "OID=VALUE")]
    pub(super) certificate_extension: Vec<String>,
    /// A policy file of allowed signers (default: sigseal.verify.policyFile).
    #[arg(long, value_name = "FILE")]
    pub(super) policy: Option<PathBuf>,
    /// Run without an identity policy: signatures, certificates and the log are checked, but not
    /// who signed. (A policy that is given or configured still applies.)
    #[arg(long)]
    pub(super) insecure_any_identity: bool,
}

/// Which trust material, and whether the network may be used.
#[derive(Debug, Default, clap::Args)]
pub struct TrustArgs {
    /// A trusted root JSON file (private Sigstore deployments; default: sigseal.trustedRoot).
    /// Repeat it to give several: each signature is checked against the one whose Fulcio CA
    /// issued its certificate. Default: the public-good and GitHub roots, chosen the same way.
    #[arg(long, value_name = "FILE")]
    pub(super) trusted_root: Vec<PathBuf>,
    /// Trust the public-good staging instance instead of production.
    #[arg(long, conflicts_with = "trusted_root")]
    pub(super) staging: bool,
    /// Use no network at all: no TUF refresh, no Rekor search (legacy git signatures, cosign
    /// .sig/.pem pairs).
    #[arg(long)]
    pub(super) offline: bool,
    /// Rekor to search for legacy (online-mode) git signatures and cosign .sig/.pem pairs
    /// (default: sigseal.rekorURL).
    #[arg(long, value_name = "URL")]
    pub(super) rekor_url: Option<String>,
}

/// Report format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per object.
    #[default]
    Text,
    /// One JSON document naming every check.
    Json,
}

/// How to report.
#[derive(Debug, Default, clap::Args)]
pub struct OutputArgs {
    /// Report format.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    pub(super) output: Format,
    /// Show every check of every object.
    #[arg(long, short = 'v')]
    pub(super) verbose: bool,
}

/// Arguments of `sigseal verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Revisions: a commit or annotated tag (REV), or a range A..B. Default: HEAD.
    #[arg(value_name = "REV|A..B")]
    revs: Vec<String>,
    /// Every annotated tag and every commit reachable from any reference.
    #[arg(long, conflicts_with = "revs")]
    all: bool,
    /// Unsigned commits in a range or --all are failures (named objects always must be signed).
    #[arg(long)]
    require_signed: bool,
    #[command(flatten)]
    how: HowArgs,
}

/// Policy, trust and output options shared by `verify` and `verify-tag`.
#[derive(Debug, clap::Args)]
pub struct HowArgs {
    #[command(flatten)]
    pub(super) policy: PolicyArgs,
    #[command(flatten)]
    pub(super) trust: TrustArgs,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// Arguments of `sigseal verify-tag`.
#[derive(Debug, clap::Args)]
pub struct VerifyTagArgs {
    /// Tag names.
    #[arg(value_name = "TAG", required = true)]
    tags: Vec<String>,
    #[command(flatten)]
    how: HowArgs,
}

/// Arguments of `sigseal export-bundle`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The signed commit or annotated tag.
    #[arg(value_name = "REV")]
    rev: String,
    /// Where to write the Sigstore bundle (default: <object id>.sigstore.json).
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// Where to write the signed artifact, the DER signed attributes (default:
    /// <object id>.signed-attributes.der).
    #[arg(long, value_name = "FILE")]
    artifact: Option<PathBuf>,
}

/// The policy the flags ask for: the library's [`PolicyOptions`] filled from them.
pub(super) fn policy_from(a: &PolicyArgs, cfg: &Config) -> Result<Policy> {
    Policy::from_options(&policy_options(a), &cfg.verify)
}

/// The library's [`PolicyOptions`] filled from the flags.
pub(super) fn policy_options(a: &PolicyArgs) -> PolicyOptions {
    PolicyOptions {
        identity: a.certificate_identity.clone(),
        identity_regexp: a.certificate_identity_regexp.clone(),
        issuer: a.certificate_oidc_issuer.clone(),
        issuer_regexp: a.certificate_oidc_issuer_regexp.clone(),
        github_workflow_repository: a.certificate_github_workflow_repository.clone(),
        github_workflow_ref: a.certificate_github_workflow_ref.clone(),
        github_workflow_sha: a.certificate_github_workflow_sha.clone(),
        github_workflow_trigger: a.certificate_github_workflow_trigger.clone(),
        github_workflow_name: a.certificate_github_workflow_name.clone(),
        extensions: a.certificate_extension.clone(),
        policy_file: a.policy.clone(),
        insecure_any_identity: a.insecure_any_identity,
    }
}

struct Prepared {
    repo: Repo,
    verifier: Verifier,
    options: Options,
}

/// The configuration a verification runs with: `--trusted-root` names the root file, and
/// `--staging` the staging instance's own trust material.
pub(super) fn config_for(trust: &TrustArgs) -> Result<Config> {
    Config::load_with(&Overrides {
        trusted_root: trust.trusted_root.first().cloned(),
        instance: trust.staging.then_some(Instance::Staging),
        ..Overrides::default()
    })
}

/// The trusted roots, and the Rekor that may be searched (none with `--offline`).
pub(super) fn root_for(cfg: &Config, trust: &TrustArgs) -> Result<(Vec<crate::trust::NamedRoot>, Option<String>)> {
    let options = crate::trust::TrustOptions {
        staging: trust.staging,
        offline: trust.offline,
        rekor_url: trust.rekor_url.clone(),
        more_roots: trust.trusted_root.iter().skip(1).cloned().collect(),
    };
    crate::runtime()?.block_on(crate::trust::for_verification(cfg, &options))
}

fn prepare(policy_args: &PolicyArgs, trust: &TrustArgs, require_signed: bool) -> Result<Prepared> {
    let cfg = config_for(trust)?;
    let policy = policy_from(policy_args, &cfg)?;
    let (roots, rekor_url) = root_for(&cfg, trust)?;
    let verifier = Verifier::with_roots(&roots, policy)?;
    let cwd = std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))?;
    let repo = Repo::discover(&cwd)?;
    Ok(Prepared { repo, verifier, options: Options { require_signed, rekor_url, deadline: cfg.deadline.clone() } })
}

fn run_report(p: &Prepared, targets: &[Target], out: &OutputArgs) -> Result<i32> {
    run_report_with(out, |sink| history::verify_targets(&p.repo, targets, &p.verifier, &p.options, sink))
}

/// Render the reports `verify` hands to its sink, as the output format asks.
fn run_report_with(
    out: &OutputArgs,
    verify: impl FnOnce(&mut dyn FnMut(&ObjectReport) -> Result<()>) -> Result<history::Summary>,
) -> Result<i32> {
    let summary;
    let code;
    match out.output {
        Format::Json => {
            let mut stream = JsonStream::start(super::out::stdout())?;
            summary = verify(&mut |rep| stream.object(rep))?;
            code = i32::from(summary.failed > 0);
            stream.finish(&summary, code)?;
        }
        Format::Text => {
            let mut lock = super::out::stdout();
            summary = verify(&mut |rep| {
                for line in render::text(rep, out.verbose) {
                    writeln!(lock, "{line}").map_err(|e| Error::io("writing the report to stdout", e))?;
                }
                Ok(())
            })?;
            code = i32::from(summary.failed > 0);
            eprintln!(
                "sigseal: {} verified, {} failed, {} unsigned ({} object{})",
                summary.verified,
                summary.failed,
                summary.unsigned,
                summary.total,
                if summary.total == 1 { "" } else { "s" }
            );
        }
    }
    Ok(code)
}

/// Report an error that stopped the run before any object was judged (no policy, bad flags,
/// unreadable root or repository) in the chosen format; always exit 2.
pub(super) fn fail_setup(e: &Error, output: Format, list: &str) -> i32 {
    let code = 2;
    if output == Format::Json {
        let check = match e.kind() {
            Error::NoPolicy | Error::Policy(_) => Some("identity-policy"),
            Error::TrustRoot(_) => Some("trusted-root"),
            _ => None,
        };
        let _ = super::out::line(render::json_error(e, list, check, code));
    }
    eprintln!("{}", e.one_line());
    code
}

/// `sigseal verify`.
pub fn verify(a: &VerifyArgs) -> i32 {
    let run = || -> Result<i32> {
        let p = prepare(&a.how.policy, &a.how.trust, a.require_signed)?;
        if a.all {
            let (tags, walk) = p.repo.everything()?;
            let objects = tags.iter().map(|t| (t.clone(), p.repo.read(t.id))).chain(walk);
            return run_report_with(&a.how.output, |sink| {
                history::verify_objects(objects, p.repo.format(), &p.verifier, &p.options, sink)
            });
        }
        let targets = if a.revs.is_empty() {
            p.repo.resolve("HEAD")?
        } else {
            let mut t = Vec::new();
            for rev in &a.revs {
                t.extend(p.repo.resolve(rev)?);
            }
            t
        };
        run_report(&p, &targets, &a.how.output)
    };
    run().unwrap_or_else(|e| fail_setup(&e, a.how.output.output, "objects"))
}

/// `sigseal verify-tag`.
pub fn verify_tag(a: &VerifyTagArgs) -> i32 {
    let run = || -> Result<i32> {
        let p = prepare(&a.how.policy, &a.how.trust, true)?;
        let mut targets = Vec::new();
        for tag in &a.tags {
            targets.push(p.repo.resolve_tag(tag)?);
        }
        run_report(&p, &targets, &a.how.output)
    };
    run().unwrap_or_else(|e| fail_setup(&e, a.how.output.output, "objects"))
}

/// `sigseal export-bundle`: write the object's signature as a Sigstore bundle v0.3 and the
/// signed artifact (the DER signed attributes), so other Sigstore clients can verify it.
pub fn export_bundle(a: &ExportArgs) -> Result<()> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))?;
    let repo = Repo::discover(&cwd)?;
    let exported = crate::verify::export::bundle_of(&repo, &a.rev)?;
    let id = exported.id.clone();
    let bundle_path = a.bundle.clone().unwrap_or_else(|| PathBuf::from(format!("{id}.sigstore.json")));
    let artifact_path = a.artifact.clone().unwrap_or_else(|| PathBuf::from(format!("{id}.signed-attributes.der")));
    std::fs::write(&bundle_path, exported.bundle_json.as_bytes())
        .map_err(|e| Error::io(format!("writing {}", bundle_path.display()), e))?;
    std::fs::write(&artifact_path, &exported.signed_attributes)
        .map_err(|e| Error::io(format!("writing {}", artifact_path.display()), e))?;
    eprintln!(
        "sigseal: wrote {} (Sigstore bundle v0.3) and {} (the signed artifact: DER signed attributes of {} {})",
        bundle_path.display(),
        artifact_path.display(),
        exported.kind.as_str(),
        id
    );
    Ok(())
}
