//! The signing runs behind `sign-blob`, `sign-release`, `attest-blob`, `generate-key-pair` and
//! the conformance `sign-bundle`: check the options, hash the files, sign every digest with one
//! key, write every output or none, and return a report of what was written.

use std::path::{Path, PathBuf};

use super::hash::{self, Digest};
use super::output::{self, Group};
use super::select::{self, ATTESTATION_SUFFIX, BUNDLE_SUFFIX};
use super::session::{Instance, Session, SignOptions, Signer};
use super::{attest, cosign, keypair, manifest};
use crate::error::{Error, Result};
use crate::input;
use crate::sigstore::{self, Bundle, Verified};

/// What `sign-blob` signs and where it writes.
#[derive(Clone, Debug, Default)]
pub struct SignBlobOptions {
    /// Files to sign (one key and one certificate for all of them).
    pub files: Vec<PathBuf>,
    /// The bundle's path (one file only; default: FILE.sigstore.json beside each file).
    pub bundle: Option<PathBuf>,
    /// Also write cosign's signature file here (one file only).
    pub output_signature: Option<PathBuf>,
    /// Also write cosign's certificate file here (one file only, keyless only).
    pub output_certificate: Option<PathBuf>,
    /// Base64-encode the `.sig` and `.pem` files (cosign's `--b64`).
    pub b64: bool,
    /// How the signatures are made.
    pub sign: SignOptions,
}

/// What `sign-release` signs.
#[derive(Clone, Debug, Default)]
pub struct SignReleaseOptions {
    /// A release directory, or asset files of one directory.
    pub inputs: Vec<PathBuf>,
    /// The checksum manifest's file name.
    pub manifest: String,
    /// Also write cosign's ASSET.sig and ASSET.pem beside each asset.
    pub cosign_files: bool,
    /// How the signatures are made.
    pub sign: SignOptions,
}

/// What `attest-blob` attests.
#[derive(Clone, Debug, Default)]
pub struct AttestOptions {
    /// The subjects.
    pub files: Vec<PathBuf>,
    /// The predicate file (a JSON object); without it only SLSA v1 provenance is generated.
    pub predicate: Option<PathBuf>,
    /// The predicate type as given (a URI or a cosign shorthand).
    pub predicate_type: String,
    /// The bundle's path (default: FILE.intoto.sigstore.json for one subject).
    pub bundle: Option<PathBuf>,
    /// How the signature is made.
    pub sign: SignOptions,
}

/// One signed file and the files written for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedFile {
    /// The signed file.
    pub artifact: PathBuf,
    /// Its SHA-256 and size.
    pub digest: Digest,
    /// The bundle written for it.
    pub bundle: PathBuf,
    /// cosign's signature file written for it.
    pub signature: Option<PathBuf>,
    /// cosign's certificate file written for it.
    pub certificate: Option<PathBuf>,
    /// Its Rekor log index, when logged.
    pub log_index: Option<i64>,
    /// Rekor's integrated time (unix seconds), when logged.
    pub integrated_time: Option<i64>,
}

/// What `sign-blob` wrote.
#[derive(Clone, Debug)]
pub struct SignBlobReport {
    /// The files, in the order given.
    pub files: Vec<SignedFile>,
    /// Who signed.
    pub signer: Signer,
    /// Where the signatures went.
    pub instance: Instance,
    /// Every file written, in the order written.
    pub written: Vec<PathBuf>,
}

/// What `sign-release` wrote.
#[derive(Clone, Debug)]
pub struct SignReleaseReport {
    /// The release directory.
    pub dir: PathBuf,
    /// The manifest's name in it.
    pub manifest_name: String,
    /// The manifest, signed like an asset.
    pub manifest: SignedFile,
    /// The assets by name, sorted, as the manifest lists them.
    pub assets: Vec<(String, SignedFile)>,
    /// Who signed.
    pub signer: Signer,
    /// Where the signatures went.
    pub instance: Instance,
    /// Every file written, in the order written.
    pub written: Vec<PathBuf>,
}

/// One subject of an attestation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The file.
    pub artifact: PathBuf,
    /// Its name in the statement.
    pub name: String,
    /// Its SHA-256 and size.
    pub digest: Digest,
}

/// What `attest-blob` wrote.
#[derive(Clone, Debug)]
pub struct AttestReport {
    /// The attestation bundle.
    pub bundle: PathBuf,
    /// The predicate type (a URI).
    pub predicate_type: String,
    /// The subjects, in the order given.
    pub subjects: Vec<Subject>,
    /// The Rekor log index, when logged.
    pub log_index: Option<i64>,
    /// Rekor's integrated time (unix seconds), when logged.
    pub integrated_time: Option<i64>,
    /// Who signed.
    pub signer: Signer,
    /// Where the signature went.
    pub instance: Instance,
    /// Every file written.
    pub written: Vec<PathBuf>,
}

/// What `generate-key-pair` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPairReport {
    /// The encrypted private key (mode 0600).
    pub private_key: PathBuf,
    /// The public key.
    pub public_key: PathBuf,
}

fn log_facts(bundle: &Bundle, verified: &Verified) -> (Option<i64>, Option<i64>) {
    let index = sigstore::bundle_facts(bundle).log_index;
    (index, index.and(verified.integrated_time))
}

/// `sign-blob`: a bundle per file (and cosign's files on request), one key for all of them.
pub fn sign_blob(o: &SignBlobOptions) -> Result<SignBlobReport> {
    let single = o.files.len() == 1;
    for (flag, given) in [
        ("--bundle", o.bundle.is_some()),
        ("--output-signature", o.output_signature.is_some()),
        ("--output-certificate", o.output_certificate.is_some()),
    ] {
        if given && !single {
            return Err(Error::Usage(format!(
                "{flag} names one output, so it takes one FILE; with several files each gets FILE{BUNDLE_SUFFIX}"
            )));
        }
    }
    if o.output_certificate.is_some() && o.sign.key.is_some() {
        return Err(Error::Usage("--output-certificate: a --key signature has no certificate".into()));
    }
    let bundle_paths: Vec<PathBuf> =
        o.files.iter().map(|f| o.bundle.clone().unwrap_or_else(|| select::with_suffix(f, BUNDLE_SUFFIX))).collect();
    output::check_unique(
        bundle_paths.iter().chain(&o.output_signature).chain(&o.output_certificate).map(PathBuf::as_path),
    )?;
    let session = Session::open(&o.sign)?;
    let digests = hash::sha256_files(&o.files)?;
    let sha: Vec<[u8; 32]> = digests.iter().map(|d| d.sha256).collect();
    let run = session.sign_digests(&sha)?;
    let mut group = Group::new();
    let mut files = Vec::with_capacity(o.files.len());
    for (((file, s), bundle_path), digest) in o.files.iter().zip(&run.signed).zip(&bundle_paths).zip(&digests) {
        group.add(bundle_path, sigstore::bundle_to_json(&s.bundle)?.into_bytes());
        if let Some(p) = &o.output_signature {
            group.add(p, cosign::signature_file(&s.signature, o.b64));
        }
        let certificate = match (&o.output_certificate, &run.certificate) {
            (Some(p), Some(c)) => {
                group.add(p, cosign::certificate_file(c, o.b64));
                Some(p.clone())
            }
            _ => None,
        };
        let (log_index, integrated_time) = log_facts(&s.bundle, &s.verified);
        files.push(SignedFile {
            artifact: file.clone(),
            digest: *digest,
            bundle: bundle_path.clone(),
            signature: o.output_signature.clone(),
            certificate,
            log_index,
            integrated_time,
        });
    }
    let written = group.commit()?;
    Ok(SignBlobReport { files, signer: run.signer, instance: session.instance(), written })
}

/// `sign-release`: the checksum manifest of the assets, and a bundle (and cosign's files on
/// request) for it and for every asset, one key for all of them.
pub fn sign_release(o: &SignReleaseOptions) -> Result<SignReleaseReport> {
    if o.manifest.contains('/') || o.manifest.is_empty() {
        return Err(Error::Usage(format!("--manifest {:?} must be a file name", o.manifest)));
    }
    let select::Assets { dir, names } = select::release_assets(&o.inputs, &o.manifest)?;
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    let session = Session::open(&o.sign)?;
    let digests = hash::sha256_files(&paths)?;
    let entries: Vec<manifest::Entry> =
        names.iter().zip(&digests).map(|(n, d)| manifest::Entry { name: n.clone(), sha256: d.sha256 }).collect();
    let manifest_text = manifest::render(&entries);
    let manifest_digest =
        hash::sha256_reader(manifest_text.as_bytes(), |_| {}).map_err(|e| Error::io("hashing the manifest", e))?;
    let mut all: Vec<[u8; 32]> = digests.iter().map(|d| d.sha256).collect();
    all.push(manifest_digest.sha256);
    let run = session.sign_digests(&all)?;
    let mut group = Group::new();
    let manifest_path = dir.join(&o.manifest);
    group.add(&manifest_path, manifest_text.into_bytes());
    let mut signed_files = Vec::with_capacity(all.len());
    let all_digests = digests.iter().chain(std::iter::once(&manifest_digest));
    for ((path, s), digest) in paths.iter().chain(std::iter::once(&manifest_path)).zip(&run.signed).zip(all_digests) {
        let bundle = select::with_suffix(path, BUNDLE_SUFFIX);
        group.add(&bundle, sigstore::bundle_to_json(&s.bundle)?.into_bytes());
        let (mut signature, mut certificate) = (None, None);
        if o.cosign_files {
            let sig = select::with_suffix(path, ".sig");
            group.add(&sig, cosign::signature_file(&s.signature, true));
            signature = Some(sig);
            if let Some(c) = &run.certificate {
                let pem = select::with_suffix(path, ".pem");
                group.add(&pem, cosign::certificate_file(c, true));
                certificate = Some(pem);
            }
        }
        let (log_index, integrated_time) = log_facts(&s.bundle, &s.verified);
        signed_files.push(SignedFile {
            artifact: path.clone(),
            digest: *digest,
            bundle,
            signature,
            certificate,
            log_index,
            integrated_time,
        });
    }
    let written = group.commit()?;
    let manifest = signed_files.pop().ok_or_else(|| Error::SelfCheck("no bundle was produced".into()))?;
    Ok(SignReleaseReport {
        dir,
        manifest_name: o.manifest.clone(),
        manifest,
        assets: names.into_iter().zip(signed_files).collect(),
        signer: run.signer,
        instance: session.instance(),
        written,
    })
}

/// `attest-blob`: one in-toto statement over every file (the given predicate, or SLSA v1
/// provenance from the GitHub Actions environment), signed as a DSSE envelope.
pub fn attest_blob(o: &AttestOptions) -> Result<AttestReport> {
    let predicate_type = attest::predicate_type(&o.predicate_type)?;
    let predicate = match &o.predicate {
        Some(p) => attest::read_predicate(p)?,
        None if predicate_type == attest::SLSA_PROVENANCE_V1 => attest::github_provenance(|n| std::env::var(n).ok())?,
        None => {
            return Err(Error::Usage(format!(
            "--predicate FILE is required for --type {} (only slsaprovenance1 can be generated, from GitHub Actions)",
            o.predicate_type
        )))
        }
    };
    let bundle_path = match (&o.bundle, o.files.as_slice()) {
        (Some(p), _) => p.clone(),
        (None, [one]) => select::with_suffix(one, ATTESTATION_SUFFIX),
        (None, _) => {
            return Err(Error::Usage("one attestation covers all the files: name its bundle with --bundle PATH".into()))
        }
    };
    let session = Session::open(&o.sign)?;
    let digests = hash::sha256_files(&o.files)?;
    let mut subjects = Vec::new();
    for (f, d) in o.files.iter().zip(&digests) {
        let name = f.file_name().map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned());
        subjects.push(Subject { artifact: f.clone(), name, digest: *d });
    }
    let named: Vec<(String, [u8; 32])> = subjects.iter().map(|s| (s.name.clone(), s.digest.sha256)).collect();
    let statement = attest::statement(&named, &predicate_type, &predicate)?;
    let first = digests.first().map(|d| d.sha256).ok_or_else(|| Error::Usage("no files to attest".into()))?;
    let (attestation, signer) = session.attest(&statement, &first)?;
    let mut group = Group::new();
    group.add(&bundle_path, sigstore::bundle_to_json(&attestation.bundle)?.into_bytes());
    let written = group.commit()?;
    let (log_index, integrated_time) = log_facts(&attestation.bundle, &attestation.verified);
    Ok(AttestReport {
        bundle: bundle_path,
        predicate_type,
        subjects,
        log_index,
        integrated_time,
        signer,
        instance: session.instance(),
        written,
    })
}

/// `generate-key-pair`: PREFIX.key (encrypted, owner-only) and PREFIX.pub, cosign's formats.
pub fn generate_key_pair(prefix: &Path, force: bool) -> Result<KeyPairReport> {
    let private_path = select::with_suffix(prefix, ".key");
    let public_path = select::with_suffix(prefix, ".pub");
    for p in [&private_path, &public_path] {
        if p.exists() && !force {
            return Err(Error::Usage(format!("{} exists; pass --force to overwrite it", p.display())));
        }
    }
    let password = keypair::read_password(true, &format!("a password for {}", private_path.display()))?;
    let pair = keypair::generate(&password)?;
    let mut group = Group::new();
    group.add_private(&private_path, pair.private_pem.as_bytes().to_vec());
    group.add(&public_path, pair.public_pem.into_bytes());
    group.commit()?;
    Ok(KeyPairReport { private_key: private_path, public_key: public_path })
}

/// The conformance protocol's `sign-bundle`: sign `file` (or, with `in_toto`, the in-toto
/// statement it holds) and write the bundle to `bundle`.
pub fn sign_bundle(sign: &SignOptions, file: &Path, in_toto: bool, bundle: &Path) -> Result<()> {
    let session = Session::open(sign)?;
    let made = if in_toto {
        let statement = input::read_capped(file, input::STATEMENT)?;
        let facts = attest::read_statement(sigstore::IN_TOTO_PAYLOAD_TYPE, &statement)?;
        let subject = facts
            .subjects
            .iter()
            .find_map(|(_, d)| d.as_deref().and_then(hash::parse_sha256_hex))
            .ok_or_else(|| Error::Usage("the statement has no subject with a sha256 digest".into()))?;
        session.attest(&statement, &subject)?.0.bundle
    } else {
        let digest = hash::sha256_file(file, |_| {})?;
        session
            .sign_digests(&[digest.sha256])?
            .signed
            .pop()
            .map(|s| s.bundle)
            .ok_or_else(|| Error::SelfCheck("no bundle was produced".into()))?
    };
    let mut group = Group::new();
    group.add(bundle, sigstore::bundle_to_json(&made)?.into_bytes());
    group.commit()?;
    Ok(())
}
