//! Verification of release artifacts: a file (or its `sha256:` digest) against its bundle, a
//! cosign `.sig`/`.pem` pair (its bundle rebuilt with the Rekor entry found by searching), or a
//! public key; attestations and what they attest; and whole release directories (the
//! manifest's signature, every listed digest, every asset's bundle). Each artifact gets a
//! [`Report`]; nothing is printed here.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::attest::{self, StatementFacts};
use super::select::{self, ATTESTATION_SUFFIX, BUNDLE_SUFFIX};
use super::{cosign, hash, keypair, manifest};
use crate::error::{Error, Result};
use crate::input;
use crate::sigstore::{self, BlobInput, Bundle, KeyTrust, TrustedRoot};
use crate::verify::{Policy, PolicyOptions, Report, Verifier};

/// The artifact of a verification: a file, or `sha256:<hex>` when no such file exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Artifact {
    /// A file, read as a stream.
    File(PathBuf),
    /// Only the SHA-256 is known.
    Digest([u8; 32]),
}

impl Artifact {
    /// A path that exists, else `sha256:<64 hex>`.
    pub fn parse(arg: &str) -> Result<Self> {
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
    pub fn sha256(&self) -> Result<[u8; 32]> {
        match self {
            Self::Digest(d) => Ok(*d),
            Self::File(p) => Ok(hash::sha256_file(p, |_| {})?.sha256),
        }
    }

    /// How reports name it: the path, or `sha256:<hex>`.
    pub fn name(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::Digest(d) => format!("sha256:{}", hex::encode(d)),
        }
    }

    /// The bundle beside the file (`suffix` appended); a digest has none.
    pub fn default_bundle(&self, suffix: &str) -> Result<PathBuf> {
        match self {
            Self::File(p) => Ok(select::with_suffix(p, suffix)),
            Self::Digest(_) => Err(Error::Usage("with a sha256: digest, name the bundle with --bundle FILE".into())),
        }
    }
}

/// The policy of a verification against a public key: none, since the key is the trust
/// anchor. Identity options make no sense then and are refused.
pub fn key_policy(identity: &PolicyOptions) -> Result<Policy> {
    let id = identity.identity.is_some()
        || identity.identity_regexp.is_some()
        || identity.issuer.is_some()
        || identity.issuer_regexp.is_some();
    if id {
        return Err(Error::Usage("--key trusts a public key; certificate identity flags do not apply to it".into()));
    }
    Ok(Policy::default())
}

/// Read a public key file (`cosign.pub`) as SPKI DER.
pub fn read_public_key(path: &Path) -> Result<Vec<u8>> {
    let pem = input::read_capped_string(path, input::KEY)?;
    keypair::public_key_der(&pem, &path.display().to_string())
}

/// Read a bundle to verify; a failure names the check (`bundle`, `bundle-version`).
fn read_bundle(path: &Path) -> std::result::Result<Bundle, sigstore::Failure> {
    let text = input::read_capped_string(path, input::BUNDLE).map_err(|e| unreadable(&e))?;
    sigstore::parse_bundle(&text, &path.display().to_string())
}

fn unreadable(e: &Error) -> sigstore::Failure {
    sigstore::Failure { check: "bundle", bad: false, why: e.to_string() }
}

fn unusable(f: sigstore::Failure) -> Report {
    Report::unusable(f.check, f.why)
}

/// Everything a blob verification checks against: trusted root and policy, the Rekor that
/// may be searched, and the public key that replaces the certificate identity.
pub struct Checker {
    verifier: Verifier,
    rekor_url: Option<String>,
    deadline: crate::http::Deadline,
    key: Option<Vec<u8>>,
    require_log: bool,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("rekor_url", &self.rekor_url)
            .field("public_key", &self.key.is_some())
            .field("require_log", &self.require_log)
            .finish_non_exhaustive()
    }
}

impl Checker {
    /// A checker for bundles chaining to `root` whose signer `policy` accepts, or (with
    /// `public_key`, SPKI DER) made by that key; `require_log` says whether a key bundle must
    /// have been logged. `rekor_url` is searched for cosign `.sig`/`.pem` pairs (none: offline).
    pub fn new(
        root: &TrustedRoot,
        policy: Policy,
        rekor_url: Option<String>,
        public_key: Option<Vec<u8>>,
        require_log: bool,
    ) -> Result<Self> {
        let deadline = crate::http::Deadline::default();
        Ok(Self { verifier: Verifier::new(root, policy)?, rekor_url, deadline, key: public_key, require_log })
    }

    /// Bound the Rekor search of cosign `.sig`/`.pem` pairs by `deadline` (`sigseal.timeout`).
    #[must_use]
    pub fn with_deadline(mut self, deadline: &crate::http::Deadline) -> Self {
        self.deadline = deadline.clone();
        self
    }

    fn trust(&self) -> KeyTrust<'_> {
        match &self.key {
            Some(spki_der) => KeyTrust::PublicKey { spki_der, require_log: self.require_log },
            None => KeyTrust::Certificate,
        }
    }

    /// Verify `bundle` over the artifact (streamed from its file, or by digest).
    pub fn verify(&self, artifact: &Artifact, bundle: &Bundle) -> Report {
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

    /// cosign's `--signature`/`--certificate` pair: the bundle is rebuilt with the Rekor entry
    /// found by searching for the artifact's digest (so the network is needed).
    fn bundle_from_cosign_files(&self, digest: &[u8; 32], sig: &Path, cert: &Path) -> Result<Bundle> {
        let signature =
            cosign::read_signature(&input::read_capped(sig, input::SIGNATURE_FILE)?, &sig.display().to_string())?;
        let certificate =
            cosign::read_certificate(&input::read_capped(cert, input::SIGNATURE_FILE)?, &cert.display().to_string())?;
        let Some(rekor) = &self.rekor_url else {
            return Err(Error::Unverifiable(
                "a .sig/.pem pair carries no log proof; its Rekor entry must be looked up, which --offline forbids (use the .sigstore.json bundle)".into(),
            ));
        };
        let entry = crate::runtime()?
            .block_on(
                crate::transparency::Log::v1(&crate::http::Client::new(&self.deadline), rekor)
                    .entry_for_signature(digest, &signature),
            )?
            .ok_or_else(|| {
                Error::Unverifiable(format!("Rekor at {rekor} has no entry for this artifact and signature"))
            })?;
        Ok(sigstore::message_bundle(
            sigstore::Material::Certificate(&certificate),
            digest,
            &signature,
            Some(entry),
            &[],
        ))
    }
}

/// Where a blob's signature is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SignatureSource {
    /// The bundle beside the file (FILE.sigstore.json).
    #[default]
    Beside,
    /// This bundle.
    Bundle(PathBuf),
    /// cosign's `.sig` and `.pem` files; the log entry is searched for.
    Cosign {
        /// The `.sig` file.
        signature: PathBuf,
        /// The `.pem` file.
        certificate: PathBuf,
    },
}

/// The verdict on one artifact.
#[derive(Debug)]
pub struct ArtifactReport {
    /// How the artifact is named in reports.
    pub name: String,
    /// Its SHA-256 (hex), when it was computed or given.
    pub sha256: Option<String>,
    /// The checks.
    pub report: Report,
}

/// Verify a blob's signature. An attestation (DSSE) bundle counts only with `attestations`
/// (the conformance protocol): otherwise it is refused and sent to [`attestation`], which also
/// checks what was attested.
pub fn blob(checker: &Checker, artifact: &Artifact, source: &SignatureSource, attestations: bool) -> ArtifactReport {
    // A .sig/.pem pair needs the digest for its Rekor search: the file is hashed once, and that
    // digest is what is verified.
    let mut digest = match artifact {
        Artifact::Digest(d) => Some(*d),
        Artifact::File(_) => None,
    };
    let bundle = match source {
        SignatureSource::Bundle(b) => read_bundle(b),
        SignatureSource::Cosign { signature, certificate } => artifact
            .sha256()
            .and_then(|d| {
                digest = Some(d);
                checker.bundle_from_cosign_files(&d, signature, certificate)
            })
            .map_err(|e| unreadable(&e)),
        SignatureSource::Beside => {
            artifact.default_bundle(BUNDLE_SUFFIX).map_err(|e| unreadable(&e)).and_then(|b| read_bundle(&b))
        }
    };
    let input = digest.map_or(artifact.clone(), Artifact::Digest);
    let report = match bundle {
        Ok(b) if !attestations && sigstore::bundle_facts(&b).dsse.is_some() => Report::unusable(
            "bundle-kind",
            "the bundle is an attestation (DSSE envelope), not a signature of the file: check it with \
             verify-blob-attestation, which also checks what was attested",
        ),
        Ok(b) => checker.verify(&input, &b),
        Err(f) => unusable(f),
    };
    ArtifactReport { name: artifact.name(), sha256: digest.map(hex::encode), report }
}

/// The verdict on an attestation, and what it attests when its statement could be read.
#[derive(Debug)]
pub struct AttestationReport {
    /// The subject artifact's verdict.
    pub artifact: ArtifactReport,
    /// The statement.
    pub statement: Option<StatementFacts>,
}

/// Verify an attestation bundle (default: FILE.intoto.sigstore.json) over a subject, and that
/// it attests `predicate_type` (a URI, see [`attest::predicate_type`]) when one is required.
pub fn attestation(
    checker: &Checker,
    artifact: &Artifact,
    bundle: Option<&Path>,
    predicate_type: Option<&str>,
) -> Result<AttestationReport> {
    let bundle_path = match bundle {
        Some(b) => b.to_path_buf(),
        None => artifact.default_bundle(ATTESTATION_SUFFIX)?,
    };
    let mut statement = None;
    let report = match read_bundle(&bundle_path) {
        Err(f) => unusable(f),
        Ok(bundle) => match sigstore::bundle_facts(&bundle).dsse {
            None => Report::unusable(
                "attestation",
                "the bundle holds a plain signature, not a DSSE attestation (use verify-blob)",
            ),
            Some((payload_type, payload)) => {
                let mut rep = checker.verify(artifact, &bundle);
                match attest::read_statement(&payload_type, &payload) {
                    Ok(st) => {
                        if let Some(want) = predicate_type {
                            rep.add_check(
                                "predicate-type",
                                st.predicate_type == want,
                                format!("attested predicate type {}, required {want}", st.predicate_type),
                            );
                        }
                        statement = Some(st);
                    }
                    Err(e) => rep.add_check("statement", false, e.to_string()),
                }
                rep
            }
        },
    };
    Ok(AttestationReport { artifact: ArtifactReport { name: artifact.name(), sha256: None, report }, statement })
}

/// What an artifact of a release directory is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The checksum manifest.
    Manifest,
    /// An asset the manifest lists.
    Asset,
}

impl Role {
    /// `manifest` or `asset`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manifest => "manifest",
            Self::Asset => "asset",
        }
    }
}

/// What a release verification found beyond the per-artifact verdicts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleaseSummary {
    /// Files of the directory neither listed in the manifest nor signing outputs (not checked).
    pub unlisted: Vec<String>,
}

/// Verify a release directory: the manifest's bundle, then every listed asset's digest and
/// bundle. Each verdict is handed to `on_artifact` as it is reached (manifest first); a
/// manifest that cannot be parsed is a second, failed manifest verdict that ends the run.
pub fn release(
    checker: &Checker,
    dir: &Path,
    manifest_name: &str,
    mut on_artifact: impl FnMut(Role, ArtifactReport) -> Result<()>,
) -> Result<ReleaseSummary> {
    let manifest_path = dir.join(manifest_name);
    let manifest_text = input::read_capped_string(&manifest_path, input::MANIFEST)?;
    let manifest_artifact = Artifact::File(manifest_path.clone());
    let report = match read_bundle(&select::with_suffix(&manifest_path, BUNDLE_SUFFIX)) {
        Ok(b) => checker.verify(&manifest_artifact, &b),
        Err(f) => unusable(f),
    };
    let manifest_ok = report.accepted();
    on_artifact(Role::Manifest, ArtifactReport { name: manifest_name.to_string(), sha256: None, report })?;
    let entries = match manifest::parse(&manifest_text, &manifest_path.display().to_string()) {
        Ok(e) => e,
        Err(e) => {
            let report = Report::unusable("manifest", e.to_string());
            on_artifact(Role::Manifest, ArtifactReport { name: manifest_name.to_string(), sha256: None, report })?;
            return Ok(ReleaseSummary::default());
        }
    };
    let listed: HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    for entry in &entries {
        let want = hex::encode(entry.sha256);
        let path = dir.join(&entry.name);
        let report = if select::safe_relative(&entry.name) {
            match hash::sha256_file(&path, |_| {}) {
                Err(e) => Report::unusable("manifest-digest", format!("listed in {manifest_name} but unreadable: {e}")),
                Ok(d) if d.sha256 != entry.sha256 => Report::unusable(
                    "manifest-digest",
                    format!(
                        "sha256 is {}, but {manifest_name} lists {want} (the asset was changed after signing)",
                        d.hex()
                    ),
                ),
                Ok(d) => {
                    let mut rep = match read_bundle(&select::with_suffix(&path, BUNDLE_SUFFIX)) {
                        Ok(b) => checker.verify(&Artifact::Digest(d.sha256), &b),
                        Err(f) => unusable(f),
                    };
                    rep.add_check("manifest-digest", true, format!("sha256 matches {manifest_name}"));
                    if !manifest_ok {
                        rep.add_check("manifest-signature", false, format!("{manifest_name} itself did not verify"));
                    }
                    rep
                }
            }
        } else {
            Report::unusable("manifest-entry", format!("{:?} points outside the release directory", entry.name))
        };
        on_artifact(Role::Asset, ArtifactReport { name: entry.name.clone(), sha256: Some(want), report })?;
    }
    Ok(ReleaseSummary { unlisted: select::unlisted(dir, manifest_name, &listed) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_key_policy_refuses_identity_options_and_otherwise_judges_no_signer() {
        for o in [
            PolicyOptions { identity: Some("alice@example.com".into()), ..PolicyOptions::default() },
            PolicyOptions { issuer_regexp: Some(".*".into()), ..PolicyOptions::default() },
        ] {
            assert_eq!(key_policy(&o).unwrap_err().code(), "SS0001");
        }
        assert!(key_policy(&PolicyOptions::default()).unwrap().is_empty());
    }

    #[test]
    fn an_artifact_is_a_file_that_exists_else_a_full_sha256_digest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.bin");
        std::fs::write(&file, b"a").unwrap();
        let a = Artifact::parse(&file.display().to_string()).unwrap();
        assert_eq!(a, Artifact::File(file.clone()));
        assert_eq!(a.default_bundle(BUNDLE_SUFFIX).unwrap(), dir.path().join("a.bin.sigstore.json"));
        let d = Artifact::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap();
        assert_eq!(d, Artifact::Digest([0xab; 32]));
        assert_eq!(d.name(), format!("sha256:{}", "ab".repeat(32)));
        assert_eq!(d.default_bundle(BUNDLE_SUFFIX).unwrap_err().code(), "SS0001");
        assert_eq!(Artifact::parse(&dir.path().join("missing").display().to_string()).unwrap_err().code(), "SS0001");
    }
}
