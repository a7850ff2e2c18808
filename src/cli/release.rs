//! Release commands: `sign-blob`, `verify-blob`, `sign-release`, `verify-release`,
//! `attest-blob`, `verify-blob-attestation`, `generate-key-pair`, and the sigstore-conformance
//! protocol (`sign-bundle`, `verify-bundle`, hidden). Flags follow cosign's names.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::verify::{
    config_for, fail_setup, policy_from, root_for, Format, HowArgs, OutputArgs, PolicyArgs, TrustArgs,
};
use crate::config::{Config, Sources};
use crate::error::{Error, Result};
use crate::identity::{login, Token};
use crate::input;
use crate::keyless::{DigestSigner, KeySource};
use crate::release::output::{self, Group};
use crate::release::progress::Progress;
use crate::release::sign::{self, Services};
use crate::release::{attest, cosign, hash, keypair, manifest};
use crate::sigstore::{self, BlobInput, Bundle, KeyTrust, TrustedRoot};
use crate::verify::{render, Policy, Report, Verifier};

/// How release signatures are made.
#[derive(Debug, Default, clap::Args)]
pub struct SignArgs {
    /// Sign with this cosign key file (`ENCRYPTED SIGSTORE PRIVATE KEY`) instead of keylessly:
    /// the disaster-recovery fallback. Password: SIGSEAL_PASSWORD, COSIGN_PASSWORD, or a prompt.
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
    /// login). Prefer SIGSTORE_ID_TOKEN: a command line is visible to other local users.
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
}

/// `sigseal verify-blob-attestation`.
#[derive(Debug, clap::Args)]
pub struct VerifyAttestationArgs {
    /// The subject artifact, or `sha256:<64 hex>`.
    #[arg(value_name = "FILE|sha256:HEX")]
    artifact: String,
    /// The attestation bundle (default: FILE.intoto.sigstore.json).
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// The predicate type that must have been attested (URI or cosign shorthand).
    #[arg(long = "type", value_name = "URI")]
    predicate_type: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    how: HowArgs,
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
// Signing.

fn note(msg: &str) {
    eprintln!("sigseal: {msg}");
}

fn signing_config(a: &SignArgs) -> Result<Config> {
    let mut sources = Sources::load();
    if a.staging {
        sources.set_env("SIGSEAL_FULCIO_URL", crate::config::STAGING_FULCIO_URL);
        sources.set_env("SIGSEAL_REKOR_URL", crate::config::STAGING_REKOR_URL);
        sources.set_env("SIGSEAL_OIDC_ISSUER", crate::config::STAGING_OIDC_ISSUER);
    }
    if let Some(p) = &a.trusted_root {
        sources.set_env("SIGSEAL_TRUSTED_ROOT", p.display().to_string());
    }
    if let Some(p) = &a.signing_config {
        sources.set_env("SIGSEAL_SIGNING_CONFIG", p.display().to_string());
    }
    let mut cfg = Config::from_sources(&sources)?;
    if a.staging {
        cfg.trusted_root = None;
    }
    if let Some(url) = &a.timestamp_server_url {
        crate::config::check_service_url("timestamp authority", url)?;
        cfg.timestamp_url = Some(url.clone());
    }
    Ok(cfg)
}

/// Everything a signing run needs, set up before any file is hashed (so a bad flag or an
/// unreadable key fails at once).
struct Session {
    cfg: Config,
    services: Services,
    key_pkcs8: Option<zeroize::Zeroizing<Vec<u8>>>,
}

fn session(a: &SignArgs) -> Result<Session> {
    let cfg = signing_config(a)?;
    cfg.require_services()?;
    if !a.tlog_upload && a.key.is_none() {
        return Err(Error::Usage(
            "--tlog-upload=false needs --key: a short-lived certificate can only be trusted through its log entry"
                .into(),
        ));
    }
    if !a.tlog_upload && cfg.timestamp_url.is_none() {
        return Err(Error::Usage(
            "--tlog-upload=false needs an RFC 3161 timestamp authority (--timestamp-server-url or sigseal.timestampURL): \
             a Sigstore bundle must prove when it was signed, by a log entry or a timestamp"
                .into(),
        ));
    }
    let key_pkcs8 = match &a.key {
        Some(path) => {
            let pem = zeroize::Zeroizing::new(input::read_capped_string(path, input::KEY)?);
            let password = keypair::read_password(false, &format!("the password for {}", path.display()))?;
            Some(keypair::decrypt(&pem, &password, &path.display().to_string())?)
        }
        None => None,
    };
    let services =
        Services { rekor_url: a.tlog_upload.then(|| cfg.rekor_url.clone()), tsa_url: cfg.timestamp_url.clone() };
    Ok(Session { cfg, services, key_pkcs8 })
}

impl Session {
    /// The trusted root and the run's signer (a login happens here when one is needed).
    async fn signer(&self, a: &SignArgs) -> Result<(TrustedRoot, DigestSigner)> {
        let (root, _) = crate::trust::load(&self.cfg, true).await?;
        let signer = match &self.key_pkcs8 {
            Some(pkcs8) => DigestSigner::with_key(pkcs8)?,
            None => {
                let token = a.identity_token.as_deref().map(|t| Token::parse(t, "--identity-token")).transpose()?;
                DigestSigner::keyless(&self.cfg, token, login::Stdin::Free).await?
            }
        };
        Ok((root, signer))
    }

    /// Sign digests with one key: the bundles in order, the certificate (keyless) and where
    /// the key came from.
    fn sign_all(&self, a: &SignArgs, digests: &[[u8; 32]]) -> Result<(Vec<sign::Signed>, Option<Vec<u8>>, KeySource)> {
        crate::runtime()?.block_on(async {
            let (root, mut signer) = self.signer(a).await?;
            let signed = sign::sign_digests(&mut signer, digests, &self.services, &root).await?;
            let cert = match signer.material()? {
                sigstore::Material::Certificate(c) => Some(c.to_vec()),
                sigstore::Material::PublicKey(_) => None,
            };
            Ok((signed, cert, signer.source))
        })
    }

    /// Sign an in-toto statement; `subject` is one subject's SHA-256 for the self-check.
    fn attest(&self, a: &SignArgs, statement: &[u8], subject: &[u8; 32]) -> Result<(Bundle, KeySource)> {
        crate::runtime()?.block_on(async {
            let (root, mut signer) = self.signer(a).await?;
            let bundle = sign::sign_statement(&mut signer, statement, subject, &self.services, &root).await?;
            Ok((bundle, signer.source))
        })
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

/// Hash files with one progress bar; (display name, digest) per file.
fn hash_files(files: &[PathBuf]) -> Result<Vec<hash::Digest>> {
    let mut total = 0u64;
    for f in files {
        let meta = std::fs::metadata(f).map_err(|e| Error::io(format!("reading {}", f.display()), e))?;
        if !meta.is_file() {
            return Err(Error::Usage(format!("{} is not a regular file", f.display())));
        }
        total += meta.len();
    }
    let progress = Progress::hashing(files.len(), total);
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        progress.file(&f.display().to_string());
        out.push(hash::sha256_file(f, |n| progress.advance(n))?);
    }
    progress.finish();
    Ok(out)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Bundle suffix of signed assets.
const BUNDLE_SUFFIX: &str = ".sigstore.json";
/// Bundle suffix of attestations.
const ATTESTATION_SUFFIX: &str = ".intoto.sigstore.json";

fn log_note(bundle: &Bundle) -> String {
    sigstore::bundle_facts(bundle).log_index.map(|i| format!(" (rekor #{i})")).unwrap_or_else(|| " (not logged)".into())
}

/// `sigseal sign-blob`.
pub fn sign_blob(a: &SignBlobArgs) -> Result<()> {
    let single = a.files.len() == 1;
    for (flag, given) in [
        ("--bundle", a.bundle.is_some()),
        ("--output-signature", a.output_signature.is_some()),
        ("--output-certificate", a.output_certificate.is_some()),
    ] {
        if given && !single {
            return Err(Error::Usage(format!(
                "{flag} names one output, so it takes one FILE; with several files each gets FILE{BUNDLE_SUFFIX}"
            )));
        }
    }
    if a.output_certificate.is_some() && a.sign.key.is_some() {
        return Err(Error::Usage("--output-certificate: a --key signature has no certificate".into()));
    }
    let bundle_paths: Vec<PathBuf> =
        a.files.iter().map(|f| a.bundle.clone().unwrap_or_else(|| with_suffix(f, BUNDLE_SUFFIX))).collect();
    output::check_unique(
        bundle_paths.iter().chain(&a.output_signature).chain(&a.output_certificate).map(PathBuf::as_path),
    )?;
    let session = session(&a.sign)?;
    let digests = hash_files(&a.files)?;
    let sha: Vec<[u8; 32]> = digests.iter().map(|d| d.sha256).collect();
    let (signed, cert, source) = session.sign_all(&a.sign, &sha)?;
    let mut group = Group::new();
    let mut lines = Vec::new();
    for ((file, s), bundle_path) in a.files.iter().zip(&signed).zip(&bundle_paths) {
        group.add(bundle_path, sigstore::bundle_to_json(&s.bundle)?.into_bytes());
        lines.push(format!("signed {} -> {}{}", file.display(), bundle_path.display(), log_note(&s.bundle)));
        if let Some(p) = &a.output_signature {
            group.add(p, cosign::signature_file(&s.signature, a.b64));
        }
        if let (Some(p), Some(c)) = (&a.output_certificate, &cert) {
            group.add(p, cosign::certificate_file(c, a.b64));
        }
    }
    group.commit()?;
    for l in lines {
        note(&l);
    }
    note(&format!("{} file(s) signed with one key ({})", a.files.len(), source_name(source)));
    Ok(())
}

/// Files that sigseal writes beside assets, never assets themselves: the manifest and its
/// signatures, bundles, hidden files, and an ASSET.sig / ASSET.pem whose ASSET is in `names`.
fn is_signing_output(name: &str, manifest_name: &str, names: &std::collections::HashSet<String>) -> bool {
    let cosign_file =
        [".sig", ".pem"].iter().any(|ext| name.strip_suffix(ext).is_some_and(|stem| names.contains(stem)));
    name == manifest_name
        || name.starts_with(&format!("{manifest_name}."))
        || name.ends_with(BUNDLE_SUFFIX)
        || name.starts_with('.')
        || cosign_file
}

/// Regular files (or links to them) directly in `dir`, by name.
fn files_in(dir: &Path) -> Result<std::collections::HashSet<String>> {
    let mut names = std::collections::HashSet::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(Error::Usage(format!("{} has no usable file name (UTF-8 names only)", path.display())));
        };
        if path.is_file() {
            names.insert(name);
        }
    }
    Ok(names)
}

/// The assets of `sign-release`: every regular file of one directory, or the files named (all
/// in one directory). Returns (directory, sorted asset names).
fn release_assets(inputs: &[PathBuf], manifest_name: &str) -> Result<(PathBuf, Vec<String>)> {
    let name_of = |p: &Path| -> Result<String> {
        p.file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
            .ok_or_else(|| Error::Usage(format!("{} has no usable file name (UTF-8 names only)", p.display())))
    };
    if let [one] = inputs {
        if one.is_dir() {
            let all = files_in(one)?;
            let mut names: Vec<String> =
                all.iter().filter(|n| !is_signing_output(n, manifest_name, &all)).cloned().collect();
            names.sort();
            if names.is_empty() {
                return Err(Error::Usage(format!("{} holds no release assets", one.display())));
            }
            return Ok((one.clone(), names));
        }
    }
    let mut dir: Option<PathBuf> = None;
    let mut names = Vec::new();
    for p in inputs {
        let parent = p.parent().map(Path::to_path_buf).unwrap_or_default();
        let parent = if parent.as_os_str().is_empty() { PathBuf::from(".") } else { parent };
        match &dir {
            None => dir = Some(parent),
            Some(d) if *d == parent => {}
            Some(d) => {
                return Err(Error::Usage(format!(
                    "{} is not in {}: the manifest lists names relative to one directory, so the assets must share it",
                    p.display(),
                    d.display()
                )))
            }
        }
        names.push(name_of(p)?);
    }
    names.sort();
    names.dedup();
    Ok((dir.unwrap_or_else(|| PathBuf::from(".")), names))
}

/// `sigseal sign-release`.
pub fn sign_release(a: &SignReleaseArgs) -> Result<()> {
    if a.manifest.contains('/') || a.manifest.is_empty() {
        return Err(Error::Usage(format!("--manifest {:?} must be a file name", a.manifest)));
    }
    let (dir, names) = release_assets(&a.inputs, &a.manifest)?;
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    let session = session(&a.sign)?;
    let digests = hash_files(&paths)?;
    let entries: Vec<manifest::Entry> =
        names.iter().zip(&digests).map(|(n, d)| manifest::Entry { name: n.clone(), sha256: d.sha256 }).collect();
    let manifest_text = manifest::render(&entries);
    let manifest_digest =
        hash::sha256_reader(manifest_text.as_bytes(), |_| {}).map_err(|e| Error::io("hashing the manifest", e))?;
    let mut all: Vec<[u8; 32]> = digests.iter().map(|d| d.sha256).collect();
    all.push(manifest_digest.sha256);
    let (signed, cert, source) = session.sign_all(&a.sign, &all)?;
    let mut group = Group::new();
    let manifest_path = dir.join(&a.manifest);
    group.add(&manifest_path, manifest_text.into_bytes());
    for (path, s) in paths.iter().chain(std::iter::once(&manifest_path)).zip(&signed) {
        group.add(with_suffix(path, BUNDLE_SUFFIX), sigstore::bundle_to_json(&s.bundle)?.into_bytes());
        if a.cosign_files {
            group.add(with_suffix(path, ".sig"), cosign::signature_file(&s.signature, true));
            if let Some(c) = &cert {
                group.add(with_suffix(path, ".pem"), cosign::certificate_file(c, true));
            }
        }
    }
    let written = group.commit()?;
    note(&format!(
        "signed {} asset(s) and {} in {} with one key ({}); wrote {} files",
        names.len(),
        a.manifest,
        dir.display(),
        source_name(source),
        written.len()
    ));
    Ok(())
}

/// `sigseal attest-blob`.
pub fn attest_blob(a: &AttestBlobArgs) -> Result<()> {
    let predicate_type = attest::predicate_type(&a.predicate_type)?;
    let predicate = match &a.predicate {
        Some(p) => attest::read_predicate(p)?,
        None if predicate_type == attest::SLSA_PROVENANCE_V1 => attest::github_provenance(|n| std::env::var(n).ok())?,
        None => {
            return Err(Error::Usage(format!(
            "--predicate FILE is required for --type {} (only slsaprovenance1 can be generated, from GitHub Actions)",
            a.predicate_type
        )))
        }
    };
    let bundle_path = match (&a.bundle, a.files.as_slice()) {
        (Some(p), _) => p.clone(),
        (None, [one]) => with_suffix(one, ATTESTATION_SUFFIX),
        (None, _) => {
            return Err(Error::Usage("one attestation covers all the files: name its bundle with --bundle PATH".into()))
        }
    };
    let session = session(&a.sign)?;
    let digests = hash_files(&a.files)?;
    let mut subjects = Vec::new();
    for (f, d) in a.files.iter().zip(&digests) {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| f.display().to_string());
        subjects.push((name, d.sha256));
    }
    let statement = attest::statement(&subjects, &predicate_type, predicate)?;
    let first = digests.first().map(|d| d.sha256).ok_or_else(|| Error::Usage("no files to attest".into()))?;
    let (bundle, source) = session.attest(&a.sign, &statement, &first)?;
    let mut group = Group::new();
    group.add(&bundle_path, sigstore::bundle_to_json(&bundle)?.into_bytes());
    group.commit()?;
    note(&format!(
        "attested {} subject(s) ({predicate_type}) -> {}{} with {}",
        subjects.len(),
        bundle_path.display(),
        log_note(&bundle),
        source_name(source)
    ));
    Ok(())
}

/// `sigseal generate-key-pair`.
pub fn generate_key_pair(a: &GenerateKeyPairArgs) -> Result<()> {
    let private_path = with_suffix(&a.output_key_prefix, ".key");
    let public_path = with_suffix(&a.output_key_prefix, ".pub");
    for p in [&private_path, &public_path] {
        if p.exists() && !a.force {
            return Err(Error::Usage(format!("{} exists; pass --force to overwrite it", p.display())));
        }
    }
    let password = keypair::read_password(true, &format!("a password for {}", private_path.display()))?;
    let pair = keypair::generate(&password)?;
    let mut group = Group::new();
    group.add_private(&private_path, pair.private_pem.as_bytes().to_vec());
    group.add(&public_path, pair.public_pem.into_bytes());
    let written = group.commit()?;
    note(&format!(
        "wrote {} (encrypted private key, cosign format) and {} (public key)",
        written.first().map_or_else(String::new, |p| p.display().to_string()),
        public_path.display()
    ));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Verification.

/// The artifact of a verification: a file, or `sha256:<hex>` when no such file exists.
#[derive(Clone)]
enum Artifact {
    File(PathBuf),
    Digest([u8; 32]),
}

impl Artifact {
    fn parse(arg: &str) -> Result<Self> {
        let path = PathBuf::from(arg);
        if path.exists() {
            return Ok(Self::File(path));
        }
        match hash::parse_sha256_arg(arg) {
            Some(d) => Ok(Self::Digest(d)),
            None => Err(Error::Usage(format!("{arg}: no such file (give a file, or sha256:<64 hex digits>)"))),
        }
    }

    /// The artifact's SHA-256 (a file is hashed).
    fn sha256(&self) -> Result<[u8; 32]> {
        match self {
            Self::Digest(d) => Ok(*d),
            Self::File(p) => Ok(hash::sha256_file(p, |_| {})?.sha256),
        }
    }

    fn name(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::Digest(d) => format!("sha256:{}", hex::encode(d)),
        }
    }

    fn default_bundle(&self, suffix: &str) -> Result<PathBuf> {
        match self {
            Self::File(p) => Ok(with_suffix(p, suffix)),
            Self::Digest(_) => Err(Error::Usage("with a sha256: digest, name the bundle with --bundle FILE".into())),
        }
    }
}

/// Read a bundle to verify; a failure names the check (`bundle`, `bundle-version`).
fn read_bundle(path: &Path) -> std::result::Result<Bundle, sigstore::Failure> {
    let text = input::read_capped_string(path, input::BUNDLE).map_err(|e| unreadable(&e))?;
    sigstore::parse_bundle(&text, &path.display().to_string())
}

fn unreadable(e: &Error) -> sigstore::Failure {
    sigstore::Failure { check: "bundle", bad: false, why: e.to_string() }
}

fn read_public_key(path: &Path) -> Result<Vec<u8>> {
    let pem = input::read_capped_string(path, input::KEY)?;
    keypair::public_key_der(&pem, &path.display().to_string())
}

/// The policy of a blob verification: an identity policy, or none with --key (the key is the
/// trust anchor; identity flags make no sense then).
fn blob_policy(policy: &PolicyArgs, key: &KeyArgs, cfg: &Config) -> Result<Policy> {
    if key.key.is_some() {
        let id = policy.certificate_identity.is_some()
            || policy.certificate_identity_regexp.is_some()
            || policy.certificate_oidc_issuer.is_some()
            || policy.certificate_oidc_issuer_regexp.is_some();
        if id {
            return Err(Error::Usage(
                "--key trusts a public key; certificate identity flags do not apply to it".into(),
            ));
        }
        return Ok(Policy::default());
    }
    policy_from(policy, cfg)
}

/// Reports of a verification run, printed as text lines or one JSON document.
struct Reports {
    format: Format,
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
            Format::Json => self.artifacts.push(render::json_artifact(name, sha256, rep, extra)),
            Format::Text => {
                let mut out = super::out::stdout();
                for line in render::text_artifact(name, rep, self.verbose) {
                    writeln!(out, "{line}").map_err(|e| Error::io("writing the report to stdout", e))?;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<i32> {
        let code = i32::from(self.failed > 0 || self.verified == 0);
        let total = self.verified + self.failed;
        match self.format {
            Format::Json => {
                let doc = json!({
                    "artifacts": self.artifacts,
                    "summary": {"verified": self.verified, "failed": self.failed, "total": total},
                    "exit_code": code,
                });
                super::out::line(doc)?;
            }
            Format::Text => eprintln!(
                "sigseal: {} verified, {} failed ({total} artifact{})",
                self.verified,
                self.failed,
                if total == 1 { "" } else { "s" }
            ),
        }
        Ok(code)
    }
}

struct Prepared {
    verifier: Verifier,
    rekor_url: Option<String>,
    key: Option<Vec<u8>>,
    require_log: bool,
}

impl Prepared {
    fn new(how: &HowArgs, key: &KeyArgs) -> Result<Self> {
        let cfg = config_for(&how.trust)?;
        let policy = blob_policy(&how.policy, key, &cfg)?;
        let key_der = key.key.as_deref().map(read_public_key).transpose()?;
        let (root, rekor_url) = root_for(&cfg, &how.trust)?;
        Ok(Self {
            verifier: Verifier::new(&root, policy)?,
            rekor_url,
            key: key_der,
            require_log: !key.insecure_ignore_tlog,
        })
    }

    fn trust(&self) -> KeyTrust<'_> {
        match &self.key {
            Some(spki_der) => KeyTrust::PublicKey { spki_der, require_log: self.require_log },
            None => KeyTrust::Certificate,
        }
    }

    /// Verify `bundle` over the artifact (streamed from its file, or by digest).
    fn verify(&self, artifact: &Artifact, bundle: &Bundle) -> Report {
        match artifact {
            Artifact::Digest(d) => self.verifier.verify_bundle(BlobInput::Sha256(*d), bundle, self.trust()),
            Artifact::File(p) => match std::fs::File::open(p) {
                Ok(f) => {
                    let mut reader = std::io::BufReader::with_capacity(1 << 20, f);
                    self.verifier.verify_bundle(BlobInput::Reader(&mut reader), bundle, self.trust())
                }
                Err(e) => Report::unusable("artifact", format!("cannot read {}: {e}", p.display())),
            },
        }
    }
}

/// cosign's `--signature`/`--certificate` pair: the bundle is rebuilt with the Rekor entry
/// found by searching for the artifact's digest (so the network is needed).
fn bundle_from_cosign_files(p: &Prepared, digest: &[u8; 32], sig: &Path, cert: &Path) -> Result<Bundle> {
    let signature =
        cosign::read_signature(&input::read_capped(sig, input::SIGNATURE_FILE)?, &sig.display().to_string())?;
    let certificate =
        cosign::read_certificate(&input::read_capped(cert, input::SIGNATURE_FILE)?, &cert.display().to_string())?;
    let Some(rekor) = &p.rekor_url else {
        return Err(Error::Unverifiable(
            "a .sig/.pem pair carries no log proof; its Rekor entry must be looked up, which --offline forbids (use the .sigstore.json bundle)".into(),
        ));
    };
    let entry = crate::runtime()?
        .block_on(sigstore::rekor_entry_for_signature(rekor, digest, &signature))?
        .ok_or_else(|| Error::Unverifiable(format!("Rekor at {rekor} has no entry for this artifact and signature")))?;
    Ok(sigstore::message_bundle(sigstore::Material::Certificate(&certificate), digest, &signature, Some(entry), &[]))
}

/// `sigseal verify-blob`.
pub fn verify_blob(a: &VerifyBlobArgs) -> i32 {
    verify_blob_bundle(a, false)
}

/// Verify a blob's bundle; an attestation (DSSE) bundle counts only with `attestations` (the
/// conformance protocol): `verify-blob` sends those to `verify-blob-attestation`, which also
/// checks what was attested.
fn verify_blob_bundle(a: &VerifyBlobArgs, attestations: bool) -> i32 {
    let run = || -> Result<i32> {
        let artifact = Artifact::parse(&a.artifact)?;
        let p = Prepared::new(&a.how, &a.key)?;
        let mut reports = Reports::new(&a.how.output);
        // A .sig/.pem pair needs the digest for its Rekor search: the file is hashed once, and
        // that digest is what is verified.
        let mut digest = match &artifact {
            Artifact::Digest(d) => Some(*d),
            Artifact::File(_) => None,
        };
        let bundle = match (&a.bundle, &a.signature, &a.certificate) {
            (Some(b), _, _) => read_bundle(b),
            (None, Some(s), Some(c)) => artifact
                .sha256()
                .and_then(|d| {
                    digest = Some(d);
                    bundle_from_cosign_files(&p, &d, s, c)
                })
                .map_err(|e| unreadable(&e)),
            _ => artifact.default_bundle(BUNDLE_SUFFIX).map_err(|e| unreadable(&e)).and_then(|b| read_bundle(&b)),
        };
        let checked = digest.map_or(artifact.clone(), Artifact::Digest);
        let rep = match bundle {
            Ok(b) if !attestations && sigstore::bundle_facts(&b).dsse.is_some() => Report::unusable(
                "bundle-kind",
                "the bundle is an attestation (DSSE envelope), not a signature of the file: check it with \
                 verify-blob-attestation, which also checks what was attested",
            ),
            Ok(b) => p.verify(&checked, &b),
            Err(f) => Report::unusable(f.check, f.why),
        };
        reports.add(&artifact.name(), digest.map(hex::encode).as_deref(), &rep, json!({}))?;
        reports.finish()
    };
    run().unwrap_or_else(|e| fail_setup(e, a.how.output.output, "artifacts"))
}

/// `sigseal verify-blob-attestation`.
pub fn verify_attestation(a: &VerifyAttestationArgs) -> i32 {
    let run = || -> Result<i32> {
        let artifact = Artifact::parse(&a.artifact)?;
        let want = a.predicate_type.as_deref().map(attest::predicate_type).transpose()?;
        let p = Prepared::new(&a.how, &a.key)?;
        let mut reports = Reports::new(&a.how.output);
        let bundle_path = match &a.bundle {
            Some(b) => b.clone(),
            None => artifact.default_bundle(ATTESTATION_SUFFIX)?,
        };
        let mut extra = json!({});
        let rep = match read_bundle(&bundle_path) {
            Err(f) => Report::unusable(f.check, f.why),
            Ok(bundle) => match sigstore::bundle_facts(&bundle).dsse {
                None => Report::unusable(
                    "attestation",
                    "the bundle holds a plain signature, not a DSSE attestation (use verify-blob)",
                ),
                Some((payload_type, payload)) => {
                    let mut rep = p.verify(&artifact, &bundle);
                    match attest::read_statement(&payload_type, &payload) {
                        Ok(st) => {
                            if let Some(want) = &want {
                                rep.add_check(
                                    "predicate-type",
                                    &st.predicate_type == want,
                                    format!("attested predicate type {}, required {want}", st.predicate_type),
                                );
                            }
                            extra = json!({
                                "predicate_type": st.predicate_type,
                                "subjects": st.subjects.iter().map(|(n, d)| json!({"name": n, "sha256": d})).collect::<Vec<_>>(),
                                "predicate": st.predicate,
                            });
                        }
                        Err(e) => rep.add_check("statement", false, e.to_string()),
                    }
                    rep
                }
            },
        };
        reports.add(&artifact.name(), None, &rep, extra)?;
        reports.finish()
    };
    run().unwrap_or_else(|e| fail_setup(e, a.how.output.output, "artifacts"))
}

/// A manifest name that stays inside the release directory.
fn safe_relative(name: &str) -> bool {
    let p = Path::new(name);
    !p.is_absolute() && p.components().all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// `sigseal verify-release`.
pub fn verify_release(a: &VerifyReleaseArgs) -> i32 {
    let run = || -> Result<i32> {
        let p = Prepared::new(&a.how, &a.key)?;
        let mut reports = Reports::new(&a.how.output);
        let manifest_path = a.dir.join(&a.manifest);
        let manifest_text = input::read_capped_string(&manifest_path, input::MANIFEST)?;
        let manifest_artifact = Artifact::File(manifest_path.clone());
        let rep = match read_bundle(&with_suffix(&manifest_path, BUNDLE_SUFFIX)) {
            Ok(b) => p.verify(&manifest_artifact, &b),
            Err(f) => Report::unusable(f.check, f.why),
        };
        let manifest_ok = rep.accepted();
        reports.add(&a.manifest, None, &rep, json!({"role": "manifest"}))?;
        let entries = match manifest::parse(&manifest_text, &manifest_path.display().to_string()) {
            Ok(e) => e,
            Err(e) => {
                reports.add(
                    &a.manifest,
                    None,
                    &Report::unusable("manifest", e.to_string()),
                    json!({"role": "manifest"}),
                )?;
                return reports.finish();
            }
        };
        let listed: std::collections::HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        for entry in &entries {
            let want = hex::encode(entry.sha256);
            let path = a.dir.join(&entry.name);
            let rep = if !safe_relative(&entry.name) {
                Report::unusable("manifest-entry", format!("{:?} points outside the release directory", entry.name))
            } else {
                match hash::sha256_file(&path, |_| {}) {
                    Err(e) => {
                        Report::unusable("manifest-digest", format!("listed in {} but unreadable: {e}", a.manifest))
                    }
                    Ok(d) if d.sha256 != entry.sha256 => Report::unusable(
                        "manifest-digest",
                        format!(
                            "sha256 is {}, but {} lists {want} (the asset was changed after signing)",
                            d.hex(),
                            a.manifest
                        ),
                    ),
                    Ok(d) => {
                        let mut rep = match read_bundle(&with_suffix(&path, BUNDLE_SUFFIX)) {
                            Ok(b) => p.verify(&Artifact::Digest(d.sha256), &b),
                            Err(f) => Report::unusable(f.check, f.why),
                        };
                        rep.add_check("manifest-digest", true, format!("sha256 matches {}", a.manifest));
                        if !manifest_ok {
                            rep.add_check("manifest-signature", false, format!("{} itself did not verify", a.manifest));
                        }
                        rep
                    }
                }
            };
            reports.add(&entry.name, Some(&want), &rep, json!({"role": "asset"}))?;
        }
        if let Ok(all) = files_in(&a.dir) {
            let mut unlisted: Vec<String> = all
                .iter()
                .filter(|n| !listed.contains(n.as_str()) && !is_signing_output(n, &a.manifest, &all))
                .cloned()
                .collect();
            unlisted.sort();
            if !unlisted.is_empty() && a.how.output.output == Format::Text {
                note(&format!("not listed in {} (not checked): {}", a.manifest, unlisted.join(", ")));
            }
        }
        reports.finish()
    };
    run().unwrap_or_else(|e| fail_setup(e, a.how.output.output, "artifacts"))
}

// ---------------------------------------------------------------------------------------------
// sigstore-conformance protocol.

/// `sigseal sign-bundle`.
pub fn conformance_sign(a: &ConformanceSignArgs) -> Result<()> {
    let sign = SignArgs {
        identity_token: Some(a.identity_token.clone()),
        trusted_root: a.trusted_root.clone(),
        signing_config: a.signing_config.clone(),
        staging: a.staging,
        tlog_upload: true,
        ..SignArgs::default()
    };
    let session = session(&sign)?;
    let bundle = if a.in_toto {
        let statement = input::read_capped(&a.file, input::STATEMENT)?;
        let facts = attest::read_statement(sigstore::IN_TOTO_PAYLOAD_TYPE, &statement)?;
        let subject = facts
            .subjects
            .iter()
            .find_map(|(_, d)| d.as_deref().and_then(hash::parse_sha256_hex))
            .ok_or_else(|| Error::Usage("the statement has no subject with a sha256 digest".into()))?;
        session.attest(&sign, &statement, &subject)?.0
    } else {
        let digest = hash::sha256_file(&a.file, |_| {})?;
        session
            .sign_all(&sign, &[digest.sha256])?
            .0
            .pop()
            .map(|s| s.bundle)
            .ok_or_else(|| Error::SelfCheck("no bundle was produced".into()))?
    };
    let mut group = Group::new();
    group.add(&a.bundle, sigstore::bundle_to_json(&bundle)?.into_bytes());
    group.commit()?;
    Ok(())
}

/// `sigseal verify-bundle`.
pub fn conformance_verify(a: &ConformanceVerifyArgs) -> i32 {
    let how = HowArgs {
        policy: PolicyArgs {
            certificate_identity: a.certificate_identity.clone(),
            certificate_oidc_issuer: a.certificate_oidc_issuer.clone(),
            ..PolicyArgs::default()
        },
        trust: TrustArgs { trusted_root: a.trusted_root.clone(), staging: a.staging, ..TrustArgs::default() },
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
