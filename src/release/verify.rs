//! Verification of release artifacts: a file (or its `sha256:` digest) against its bundle, a
//! cosign `.sig`/`.pem` pair (its bundle rebuilt with the Rekor entry found by searching), or a
//! public key; attestations and what they attest (a file of one bundle, or JSON lines of
//! bundles as `gh attestation download` writes them, each judged); and whole release directories (the
//! manifest's signature, every listed digest, every asset's bundle). Each artifact gets a
//! [`Report`]; nothing is printed here.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::attest::{self, StatementFacts};
use super::select::{self, ATTESTATION_SUFFIX, BUNDLE_SUFFIX};
use super::{cosign, hash, keypair, manifest};
use crate::error::{Error, Result};
use crate::input;
use crate::sigstore::{self, BlobInput, Bundle, KeyTrust};
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
    /// A checker for bundles chaining to one of `roots` (the one whose Fulcio CA issued the
    /// certificate) whose signer `policy` accepts, or (with `public_key`, SPKI DER) made by
    /// that key; `require_log` says whether a key bundle must have been logged. `rekor_url` is
    /// searched for cosign `.sig`/`.pem` pairs (none: offline).
    pub fn new(
        roots: &[crate::trust::NamedRoot],
        policy: Policy,
        rekor_url: Option<String>,
        public_key: Option<Vec<u8>>,
        require_log: bool,
    ) -> Result<Self> {
        let deadline = crate::http::Deadline::default();
        Ok(Self { verifier: Verifier::with_roots(roots, policy)?, rekor_url, deadline, key: public_key, require_log })
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
                    let mut reader = std::io::BufReader::with_capacity(64 * 1024, f);
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

/// Most bundles one attestation file may hold (`gh attestation download` fetches at most 1000).
pub const MAX_ATTESTATION_BUNDLES: usize = 1000;

/// Where a bundle of an attestation file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundlePlace {
    /// The file.
    pub path: PathBuf,
    /// Its position in the file, from 1.
    pub index: usize,
    /// The line it starts on.
    pub line: usize,
    /// How many bundles the file holds.
    pub count: usize,
}

/// The verdict on one attestation bundle, and what it attests when its statement could be read.
#[derive(Debug)]
pub struct AttestationReport {
    /// The subject artifact's verdict.
    pub artifact: ArtifactReport,
    /// The statement.
    pub statement: Option<StatementFacts>,
    /// Which bundle of the file this is.
    pub place: BundlePlace,
}

/// A bundle of an attestation file, or why it is not one, with the line it starts on.
pub(crate) type BundleEntry = (usize, std::result::Result<Bundle, sigstore::Failure>);

/// The bundles of an attestation file, each with the line it starts on: one Sigstore bundle
/// (pretty-printed or not), or several, one per line as `gh attestation download` writes them.
/// A value may also be an object whose `bundle` field is the bundle, as GitHub's attestations
/// API returns them. A value that is not a bundle is a failed entry; text that is not JSON
/// ends the file with a failed entry (nothing after it can be placed).
pub(crate) fn read_bundles(path: &Path) -> std::result::Result<Vec<BundleEntry>, sigstore::Failure> {
    let text = input::read_capped_string(path, input::BUNDLE).map_err(|e| unreadable(&e))?;
    let origin = path.display().to_string();
    let fail = |why: String| sigstore::Failure { check: "bundle", bad: false, why };
    let mut out = Vec::new();
    let mut values = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    loop {
        let offset = values.byte_offset();
        let rest = text.get(offset..).unwrap_or("");
        let start = offset + (rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len());
        let line = 1 + text.as_bytes().iter().take(start).filter(|b| **b == b'\n').count();
        let value = match values.next() {
            None => break,
            Some(Err(e)) => {
                out.push((line, Err(fail(format!("{origin} line {}: not JSON: {e}", e.line())))));
                break;
            }
            Some(Ok(v)) => v,
        };
        if out.len() == MAX_ATTESTATION_BUNDLES {
            return Err(fail(format!(
                "{origin} holds more than {MAX_ATTESTATION_BUNDLES} bundles; split it, or keep the attestations of this artifact only"
            )));
        }
        let value = match value {
            serde_json::Value::Object(mut m) if !m.contains_key("mediaType") => match m.remove("bundle") {
                Some(bundle) => bundle,
                None => serde_json::Value::Object(m),
            },
            other => other,
        };
        let bundle = sigstore::parse_bundle(&value.to_string(), &format!("{origin} line {line}"));
        out.push((line, bundle));
    }
    if out.is_empty() {
        return Err(fail(format!(
            "{origin} holds no bundle: expected a Sigstore bundle, or JSON lines of bundles as gh attestation download writes them"
        )));
    }
    Ok(out)
}

/// Judge one attestation bundle over the artifact.
fn attestation_bundle(
    checker: &Checker,
    artifact: &Artifact,
    bundle: std::result::Result<Bundle, sigstore::Failure>,
    predicate_type: Option<&str>,
) -> (Report, Option<StatementFacts>) {
    let bundle = match bundle {
        Err(f) => return (unusable(f), None),
        Ok(b) => b,
    };
    let Some((payload_type, payload)) = sigstore::bundle_facts(&bundle).dsse else {
        let rep = Report::unusable(
            "attestation",
            "the bundle holds a plain signature, not a DSSE attestation (use verify-blob)",
        );
        return (rep, None);
    };
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
            (rep, Some(st))
        }
        Err(e) => {
            rep.add_check("statement", false, e.to_string());
            (rep, None)
        }
    }
}

/// Verify the attestation bundles of a file (default: FILE.intoto.sigstore.json) over a
/// subject, and that each attests `predicate_type` (a URI, see [`attest::predicate_type`]) when
/// one is required. One verdict per bundle of the file (see [`read_bundles`]'s formats), in
/// file order; the subject is attested when any of them is accepted ([`accepted_bundles`]).
pub fn attestation(
    checker: &Checker,
    artifact: &Artifact,
    bundle: Option<&Path>,
    predicate_type: Option<&str>,
) -> Result<Vec<AttestationReport>> {
    let bundle_path = match bundle {
        Some(b) => b.to_path_buf(),
        None => artifact.default_bundle(ATTESTATION_SUFFIX)?,
    };
    let bundles = read_bundles(&bundle_path).unwrap_or_else(|f| vec![(1, Err(f))]);
    let count = bundles.len();
    // Several bundles over one file: the file is hashed once, and its digest is verified.
    let (subject, sha256) = match artifact {
        Artifact::File(_) if count > 1 => match artifact.sha256() {
            Ok(d) => (Artifact::Digest(d), Some(hex::encode(d))),
            Err(_) => (artifact.clone(), None),
        },
        _ => (artifact.clone(), None),
    };
    let reports = bundles
        .into_iter()
        .enumerate()
        .map(|(i, (line, b))| {
            let (report, statement) = attestation_bundle(checker, &subject, b, predicate_type);
            AttestationReport {
                artifact: ArtifactReport { name: artifact.name(), sha256: sha256.clone(), report },
                statement,
                place: BundlePlace { path: bundle_path.clone(), index: i + 1, line, count },
            }
        })
        .collect();
    Ok(reports)
}

/// The positions (from 1) of the bundles that were accepted: the subject is attested when
/// there is one.
pub fn accepted_bundles(reports: &[AttestationReport]) -> Vec<usize> {
    reports.iter().filter(|r| r.artifact.report.accepted()).map(|r| r.place.index).collect()
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
    // Every listed asset inside the directory, hashed on every core at once; reported in order.
    let inside: Vec<PathBuf> =
        entries.iter().filter(|e| select::safe_relative(&e.name)).map(|e| dir.join(&e.name)).collect();
    let mut digests = hash::sha256_parallel(&inside, |_, _| {}).into_iter();
    for entry in &entries {
        let want = hex::encode(entry.sha256);
        let path = dir.join(&entry.name);
        let report = if select::safe_relative(&entry.name) {
            let digest = digests.next().unwrap_or_else(|| hash::sha256_file(&path, |_| {}));
            match digest {
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
    fn attestation_files_are_one_bundle_or_json_lines_each_placed_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(
            &p,
            "{\"mediaType\": \"x\"}\n\n{\"bundle\": {\"mediaType\": \"y\"}, \"repository_id\": 1}\nnot json\n{}\n",
        )
        .unwrap();
        let entries = read_bundles(&p).unwrap();
        let lines: Vec<usize> = entries.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [1, 3, 4], "text that is not JSON ends the file");
        let why = |i: usize| entries[i].1.as_ref().unwrap_err().why.clone();
        assert!(why(0).contains("line 1") && why(0).contains("mediaType"), "{}", why(0));
        assert!(
            why(1).contains("line 3") && why(1).contains("mediaType") && why(1).contains('y'),
            "the bundle field is read: {}",
            why(1)
        );
        assert!(why(2).contains("not JSON"), "{}", why(2));

        std::fs::write(&p, "{\n  \"mediaType\": \"z\"\n}\n").unwrap();
        assert_eq!(read_bundles(&p).unwrap().len(), 1, "a pretty-printed bundle is one bundle");
        std::fs::write(&p, "\n \n").unwrap();
        assert!(read_bundles(&p).unwrap_err().why.contains("holds no bundle"));
        std::fs::write(&p, "{}\n".repeat(MAX_ATTESTATION_BUNDLES + 1)).unwrap();
        assert!(read_bundles(&p).unwrap_err().why.contains("more than"));
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
