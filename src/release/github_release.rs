//! GitHub's attestations of immutable releases, checked as `gh release verify-asset` checks
//! them, offline: the bundle is verified as any DSSE attestation (certificate path to the Fulcio
//! CA of the trusted root that issued it, RFC 3161 timestamp, signature; see
//! [`super::verify::Checker`]) under GitHub's release signer, [`RELEASES_IDENTITY`] (the only
//! identity policy, as gh hardcodes it; the certificate names no OIDC issuer), and its in-toto
//! statement must be a release attestation ([`PREDICATE_V02`], [`PREDICATE_V01`]) whose first
//! subject is the release's tag (`pkg:github/OWNER/REPO@TAG`), optionally at a given commit,
//! and which lists the artifact's SHA-256 among the release's assets. An attestation file may
//! hold several bundles (JSON lines); each artifact is judged with the one for this release
//! that lists it. Nothing is printed here.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::hash;
use super::verify::{self as check, Artifact, ArtifactReport, BundlePlace, Checker};
use crate::error::{Error, Result};
use crate::sigstore::{self, Bundle};
use crate::trust::NamedRoot;
use crate::verify::{Matcher, Policy, Report, Rule};

/// The certificate identity (URI SAN) of GitHub's release attestations on github.com (trust
/// domain `dotcom`). gh hardcodes it, and so does sigseal: no flag changes it.
pub const RELEASES_IDENTITY: &str = "https://dotcom.releases.github.com";
/// The predicate type of GitHub's release attestations.
pub const PREDICATE_V02: &str = "https://in-toto.io/attestation/release/v0.2";
/// The predicate type of GitHub's earlier release attestations.
pub const PREDICATE_V01: &str = "https://in-toto.io/attestation/release/v0.1";

/// How many asset names a failure lists before it says how many more there are.
const NAMES_SHOWN: usize = 8;

/// The release an attestation must be for: a tag of a repository, and optionally the commit
/// the tag points to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    owner: String,
    repo: String,
    tag: String,
    commit: Option<String>,
}

impl Release {
    /// The release `tag` of `repository` (`OWNER/REPO`); with `commit` (40 or 64 hex digits),
    /// the attestation must also name that commit.
    pub fn new(repository: &str, tag: &str, commit: Option<&str>) -> Result<Self> {
        let part = |p: &str| !p.is_empty() && !p.chars().any(|c| c.is_whitespace() || c.is_control() || c == '@');
        let (owner, repo) = match repository.trim().split_once('/') {
            Some((o, r)) if part(o) && part(r) && !r.contains('/') => (o.to_string(), r.to_string()),
            _ => {
                return Err(Error::Usage(format!(
                "--repo {repository:?}: expected OWNER/REPO, the repository that published the release (e.g. acme/app)"
            )))
            }
        };
        if tag.trim().is_empty() || tag.chars().any(char::is_control) {
            return Err(Error::Usage(format!(
                "the tag {tag:?} is empty or has control characters; give the release's tag, e.g. v1.2.0"
            )));
        }
        let commit = match commit.map(str::trim) {
            None => None,
            Some(c) if matches!(c.len(), 40 | 64) && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(c.to_ascii_lowercase())
            }
            Some(c) => {
                return Err(Error::Usage(format!(
                    "--commit {c:?}: expected the full commit id the tag points to (40 hex digits, or 64 in a SHA-256 repository)"
                )))
            }
        };
        Ok(Self { owner, repo, tag: tag.to_string(), commit })
    }

    /// `OWNER/REPO`, as given.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    /// The tag.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The commit the attestation must name, when one was given (lower-case hex).
    pub fn commit(&self) -> Option<&str> {
        self.commit.as_deref()
    }

    /// The tag's package URL as GitHub's attestations name it: `pkg:github/OWNER/REPO@TAG`.
    pub fn purl(&self) -> String {
        format!("pkg:github/{}/{}@{}", self.owner, self.repo, self.tag)
    }
}

/// The identity policy of release attestations: the certificate's identity is exactly
/// [`RELEASES_IDENTITY`], whatever issuer (these certificates name none).
pub fn policy() -> Policy {
    Policy::from_rules([Rule::new("GitHub's release attestations").identity(Matcher::exact(RELEASES_IDENTITY))])
}

/// A checker of release attestations against `roots` (each certificate is checked against the
/// root whose Fulcio CA issued it): [`policy`], no Rekor search, no public key.
pub fn checker(roots: &[NamedRoot]) -> Result<Checker> {
    Checker::new(roots, policy(), None, None, true)
}

/// An asset of the release as the attestation lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    /// Its file name in the release.
    pub name: String,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// What a release attestation's in-toto statement says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseStatement {
    /// `predicateType`.
    pub predicate_type: String,
    /// The first subject's `uri`: the tag's package URL.
    pub purl: Option<String>,
    /// The first subject's digest: the commit the tag pointed to (`sha1`, or `sha256` in a
    /// SHA-256 repository), lower-case hex.
    pub commit: Option<String>,
    /// Every later subject with a SHA-256: the release's assets.
    pub assets: Vec<Asset>,
    /// `predicate.repository`, when present.
    pub predicate_repository: Option<String>,
    /// `predicate.tag`, when present.
    pub predicate_tag: Option<String>,
}

impl ReleaseStatement {
    /// The asset whose SHA-256 is `sha256`.
    pub fn asset(&self, sha256: &[u8; 32]) -> Option<&Asset> {
        let want = hex::encode(sha256);
        self.assets.iter().find(|a| a.sha256 == want)
    }
}

/// Read a DSSE payload as a release attestation's statement (any predicate type: that is
/// judged by [`release_checks`]).
pub fn read_statement(payload_type: &str, payload: &[u8]) -> Result<ReleaseStatement> {
    if payload_type != sigstore::IN_TOTO_PAYLOAD_TYPE {
        return Err(Error::Malformed(format!(
            "the envelope's payload type is {payload_type:?}, not an in-toto statement ({})",
            sigstore::IN_TOTO_PAYLOAD_TYPE
        )));
    }
    let v: Value =
        serde_json::from_slice(payload).map_err(|e| Error::Malformed("the in-toto statement".into()).because(e))?;
    let predicate_type = v["predicateType"]
        .as_str()
        .ok_or_else(|| Error::Malformed("the in-toto statement has no predicateType".into()))?
        .to_string();
    let subjects = v["subject"]
        .as_array()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Malformed("the in-toto statement has no subject".into()))?;
    let text = |v: &Value| v.as_str().map(str::to_string);
    let release = subjects.first().unwrap_or(&Value::Null);
    let digest = &release["digest"];
    let commit =
        ["sha1", "sha256", "gitCommit"].iter().find_map(|alg| digest[*alg].as_str()).map(str::to_ascii_lowercase);
    let assets = subjects
        .iter()
        .skip(1)
        .filter_map(|s| {
            s["digest"]["sha256"].as_str().map(|d| Asset {
                name: s["name"].as_str().unwrap_or_default().to_string(),
                sha256: d.to_ascii_lowercase(),
            })
        })
        .collect();
    Ok(ReleaseStatement {
        predicate_type,
        purl: text(&release["uri"]),
        commit,
        assets,
        predicate_repository: text(&v["predicate"]["repository"]),
        predicate_tag: text(&v["predicate"]["tag"]),
    })
}

/// `%XX` sequences decoded (a package URL's version is percent-encoded); `None` when the
/// result is not UTF-8.
fn percent_decoded(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex_pair = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        if let (b'%', Some(v)) = (b, hex_pair.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            out.push(v);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `pkg:github/OWNER/REPO@VERSION` as (`OWNER/REPO`, `VERSION`), both as written.
fn split_purl(purl: &str) -> Option<(&str, &str)> {
    let scheme = purl.get(..11).filter(|p| p.eq_ignore_ascii_case("pkg:github/"))?;
    let (path, version) = purl.get(scheme.len()..)?.split_once('@')?;
    let (owner, repo) = path.split_once('/')?;
    (!owner.is_empty() && !repo.is_empty() && !repo.contains('/')).then_some((path, version))
}

/// Does the statement's first subject name this release (repository in any case, as GitHub
/// treats names; the tag exactly)?
fn names(statement: &ReleaseStatement, release: &Release) -> bool {
    release_check(statement, release).0
}

/// The `release` check: the first subject is this release's tag, and the predicate agrees.
fn release_check(st: &ReleaseStatement, release: &Release) -> (bool, String) {
    let Some(purl) = &st.purl else {
        return (
            false,
            "the statement's first subject has no uri, so it names no release (GitHub's release attestations start \
             with pkg:github/OWNER/REPO@TAG)"
                .into(),
        );
    };
    let Some((path, version)) = split_purl(purl) else {
        return (
            false,
            format!("the statement's first subject is {purl:?}, not a GitHub release (pkg:github/OWNER/REPO@TAG)"),
        );
    };
    let same = |written: &str, want: &str, fold: bool| {
        let eq = |a: &str| if fold { a.eq_ignore_ascii_case(want) } else { a == want };
        eq(written) || percent_decoded(written).is_some_and(|d| eq(&d))
    };
    let repository = release.repository();
    match (same(path, &repository, true), same(version, &release.tag, false)) {
        (true, true) => {}
        (true, false) => return (false, format!("the attestation is for {purl}, not {}", release.tag)),
        (false, true) => return (false, format!("the attestation is for {purl}, not the repository {repository}")),
        (false, false) => return (false, format!("the attestation is for {purl}, not {}", release.purl())),
    }
    if let Some(t) = st.predicate_tag.as_deref().filter(|t| *t != release.tag) {
        return (false, format!("the statement's subject is {purl}, but its predicate names the tag {t:?}"));
    }
    if let Some(r) = st.predicate_repository.as_deref().filter(|r| !r.eq_ignore_ascii_case(&repository)) {
        return (false, format!("the statement's subject is {purl}, but its predicate names the repository {r:?}"));
    }
    (true, format!("the attestation is for {purl}"))
}

/// The checks of a release attestation's statement about the artifact whose SHA-256 is
/// `sha256`, in report order: `predicate-type`, `release`, `commit` (when one is required),
/// `release-asset`. Each is (name, holds, why).
pub fn release_checks(
    st: &ReleaseStatement,
    release: &Release,
    sha256: &[u8; 32],
) -> Vec<(&'static str, bool, String)> {
    let mut out = Vec::new();
    let known = st.predicate_type == PREDICATE_V02 || st.predicate_type == PREDICATE_V01;
    out.push((
        "predicate-type",
        known,
        if known {
            format!("a GitHub release attestation ({})", st.predicate_type)
        } else {
            format!(
                "the attested predicate type is {}, not GitHub's release attestation ({PREDICATE_V02} or {PREDICATE_V01})",
                st.predicate_type
            )
        },
    ));
    let (ok, why) = release_check(st, release);
    out.push(("release", ok, why));
    if let Some(want) = release.commit() {
        let (ok, why) = match st.commit.as_deref() {
            Some(c) if c == want => (true, format!("the tag pointed to commit {c} when it was attested")),
            Some(c) => (false, format!("the attestation's tag pointed to commit {c}, not {want}")),
            None => (false, "the statement's first subject has no commit digest".to_string()),
        };
        out.push(("commit", ok, why));
    }
    let hex = hex::encode(sha256);
    let what = st.purl.as_deref().unwrap_or("the release");
    let (ok, why) = match st.asset(sha256) {
        Some(a) => (true, format!("sha256 is that of the asset {:?} of {what}", a.name)),
        None if st.assets.is_empty() => (
            false,
            format!(
                "sha256 {hex} is not an asset of {what}: the attestation lists no assets (a release without assets)"
            ),
        ),
        None => {
            let mut shown: Vec<&str> = st.assets.iter().take(NAMES_SHOWN).map(|a| a.name.as_str()).collect();
            let more = st.assets.len().saturating_sub(NAMES_SHOWN);
            let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
            shown.retain(|n| !n.is_empty());
            (
                false,
                format!(
                    "sha256 {hex} is not among the {} assets the attestation lists for {what} ({}{tail}): the file was \
                     changed, or is not an asset of this release",
                    st.assets.len(),
                    shown.join(", ")
                ),
            )
        }
    };
    out.push(("release-asset", ok, why));
    out
}

/// What to check: one artifact (a file, or `sha256:<hex>`), or every regular file directly in
/// a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assets {
    /// One artifact.
    One(Artifact),
    /// A directory of assets.
    Directory(PathBuf),
}

impl Assets {
    /// A directory that exists, else what [`Artifact::parse`] reads.
    pub fn parse(arg: &str) -> Result<Self> {
        let path = Path::new(arg);
        if path.is_dir() {
            return Ok(Self::Directory(path.to_path_buf()));
        }
        Artifact::parse(arg).map(Self::One)
    }
}

/// The verdict on one artifact.
#[derive(Debug)]
pub struct AssetVerdict {
    /// The artifact, its SHA-256 (when it could be computed) and the checks.
    pub artifact: ArtifactReport,
    /// The asset of the judged attestation whose SHA-256 the artifact has.
    pub asset: Option<String>,
    /// What the judged attestation says, when its statement could be read.
    pub statement: Option<ReleaseStatement>,
    /// Which bundle of the attestation file was judged (none when the file held none).
    pub place: Option<BundlePlace>,
}

/// The verdicts of a run, one per artifact in name order, and the files of a directory left
/// out (the attestation file itself, when it is in the directory).
#[derive(Debug, Default)]
pub struct Verification {
    /// One per artifact.
    pub verdicts: Vec<AssetVerdict>,
    /// Files of the directory not checked.
    pub skipped: Vec<PathBuf>,
}

/// One bundle of the attestation file, read once for every artifact.
struct Entry {
    place: BundlePlace,
    bundle: std::result::Result<Bundle, sigstore::Failure>,
    /// The statement, when the bundle is a DSSE envelope.
    statement: Option<std::result::Result<ReleaseStatement, String>>,
}

impl Entry {
    fn statement(&self) -> Option<&ReleaseStatement> {
        self.statement.as_ref().and_then(|s| s.as_ref().ok())
    }
}

fn read_entries(path: &Path) -> std::result::Result<Vec<Entry>, sigstore::Failure> {
    let bundles = check::read_bundles(path)?;
    let count = bundles.len();
    Ok(bundles
        .into_iter()
        .enumerate()
        .map(|(i, (line, bundle))| {
            let statement = bundle.as_ref().ok().and_then(|b| {
                sigstore::bundle_facts(b).dsse.map(|(t, p)| read_statement(&t, &p).map_err(|e| e.to_string()))
            });
            Entry { place: BundlePlace { path: path.to_path_buf(), index: i + 1, line, count }, bundle, statement }
        })
        .collect())
}

/// Verify the artifact with one bundle: the signature as any attestation's, then what the
/// statement says about the release.
fn judge(checker: &Checker, release: &Release, entry: &Entry, sha256: &[u8; 32]) -> Report {
    let bundle = match &entry.bundle {
        Ok(b) => b,
        Err(f) => return Report::unusable(f.check, f.why.clone()),
    };
    let Some(statement) = &entry.statement else {
        return Report::unusable(
            "attestation",
            "the bundle holds a plain signature, not an attestation (GitHub's release attestations are DSSE \
             envelopes of an in-toto statement)",
        );
    };
    let mut rep = checker.verify(&Artifact::Digest(*sha256), bundle);
    let st = match statement {
        Ok(st) => st,
        Err(why) => {
            rep.add_check("statement", false, why.clone());
            return rep;
        }
    };
    let signature_missed_it = rep.first_failure().is_some_and(|c| c.name == "artifact-digest");
    for (name, ok, why) in release_checks(st, release, sha256) {
        rep.add_check(name, ok, why);
    }
    // An artifact outside the release also fails the signature's subject binding; the release
    // check says which release it is not in, so it leads.
    if signature_missed_it {
        if let Some(i) =
            rep.checks.iter().position(|c| c.name == "release-asset" && c.outcome != crate::verify::Outcome::Pass)
        {
            let c = rep.checks.remove(i);
            rep.checks.insert(0, c);
        }
    }
    rep
}

/// Judge one artifact with the attestation file's bundles, as gh picks them: those for this
/// release, and among them those listing the artifact; the first of these that verifies, else
/// the first of them (or, when none is for this release, the file's first bundle) with why it
/// fails.
fn verdict(
    checker: &Checker,
    release: &Release,
    entries: &std::result::Result<Vec<Entry>, sigstore::Failure>,
    name: String,
    sha256: [u8; 32],
) -> AssetVerdict {
    let hex = Some(hex::encode(sha256));
    let entries = match entries {
        Ok(e) => e,
        Err(f) => {
            let report = Report::unusable(f.check, f.why.clone());
            return AssetVerdict {
                artifact: ArtifactReport { name, sha256: hex, report },
                asset: None,
                statement: None,
                place: None,
            };
        }
    };
    let for_release: Vec<&Entry> =
        entries.iter().filter(|e| e.statement().is_some_and(|s| names(s, release))).collect();
    let listing: Vec<&Entry> =
        for_release.iter().copied().filter(|e| e.statement().is_some_and(|s| s.asset(&sha256).is_some())).collect();
    let candidates = if listing.is_empty() {
        for_release.first().copied().or_else(|| entries.first()).into_iter().collect()
    } else {
        listing
    };
    let mut first: Option<(&Entry, Report)> = None;
    for entry in candidates {
        let report = judge(checker, release, entry, &sha256);
        if report.accepted() {
            first = Some((entry, report));
            break;
        }
        if first.is_none() {
            first = Some((entry, report));
        }
    }
    match first {
        Some((entry, report)) => {
            let statement = entry.statement().cloned();
            AssetVerdict {
                asset: statement.as_ref().and_then(|s| s.asset(&sha256)).map(|a| a.name.clone()),
                artifact: ArtifactReport { name, sha256: hex, report },
                statement,
                place: Some(entry.place.clone()),
            }
        }
        None => AssetVerdict {
            artifact: ArtifactReport {
                name,
                sha256: hex,
                report: Report::unusable("bundle", "the attestation file holds no bundle"),
            },
            asset: None,
            statement: None,
            place: None,
        },
    }
}

/// The artifact's SHA-256, or why it could not be read.
fn digest_of(artifact: &Artifact) -> std::result::Result<[u8; 32], String> {
    match artifact {
        Artifact::Digest(d) => Ok(*d),
        Artifact::File(p) => {
            hash::sha256_file(p, |_| {}).map(|d| d.sha256).map_err(|e| format!("cannot read {}: {e}", p.display()))
        }
    }
}

/// Verify `assets` against GitHub's attestation of `release` in `bundle` (one Sigstore bundle,
/// or several, one per line, as GitHub's attestations API lists them). One verdict per
/// artifact; an unreadable attestation file fails every artifact. A directory is every regular
/// file directly in it, in name order, but the attestation file itself; a directory without
/// any is a usage error.
pub fn verify(checker: &Checker, release: &Release, assets: &Assets, bundle: &Path) -> Result<Verification> {
    let mut run = Verification::default();
    let artifacts: Vec<Artifact> = match assets {
        Assets::One(a) => vec![a.clone()],
        Assets::Directory(dir) => {
            let mut names: Vec<String> = super::select::files_in(dir)?.into_iter().collect();
            names.sort();
            let attestation_file = std::fs::canonicalize(bundle).ok();
            let mut files = Vec::new();
            for name in names {
                let path = dir.join(name);
                if attestation_file.is_some() && std::fs::canonicalize(&path).ok() == attestation_file {
                    run.skipped.push(path);
                } else {
                    files.push(Artifact::File(path));
                }
            }
            if files.is_empty() {
                return Err(Error::Usage(format!(
                    "{} holds no files to check (only regular files directly in it are checked)",
                    dir.display()
                )));
            }
            files
        }
    };
    let entries = read_entries(bundle);
    for artifact in artifacts {
        let name = artifact.name();
        let v = match digest_of(&artifact) {
            Ok(d) => verdict(checker, release, &entries, name, d),
            Err(why) => AssetVerdict {
                artifact: ArtifactReport { name, sha256: None, report: Report::unusable("artifact", why) },
                asset: None,
                statement: None,
                place: None,
            },
        };
        run.verdicts.push(v);
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(purl: &str, tag: &str, assets: &[(&str, [u8; 32])]) -> ReleaseStatement {
        ReleaseStatement {
            predicate_type: PREDICATE_V02.into(),
            purl: Some(purl.into()),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            assets: assets.iter().map(|(n, d)| Asset { name: (*n).into(), sha256: hex::encode(d) }).collect(),
            predicate_repository: Some("octo-org/tool".into()),
            predicate_tag: Some(tag.into()),
        }
    }

    fn failed(checks: &[(&'static str, bool, String)]) -> Vec<(&'static str, String)> {
        checks.iter().filter(|c| !c.1).map(|c| (c.0, c.2.clone())).collect()
    }

    #[test]
    fn a_release_is_owner_repo_and_a_tag_and_maybe_a_full_commit() {
        let r = Release::new("octo-org/tool", "v1.0.0", Some("0123456789ABCDEF0123456789abcdef01234567")).unwrap();
        assert_eq!(r.purl(), "pkg:github/octo-org/tool@v1.0.0");
        assert_eq!(r.commit(), Some("0123456789abcdef0123456789abcdef01234567"));
        for (repo, tag, commit) in [
            ("tool", "v1", None),
            ("o/r/x", "v1", None),
            ("o /r", "v1", None),
            ("o/r", "", None),
            ("o/r", "v1", Some("0123abc")),
            ("o/r", "v1", Some(&"g".repeat(40)[..])),
        ] {
            assert_eq!(Release::new(repo, tag, commit).unwrap_err().code(), "SS0001", "{repo} {tag} {commit:?}");
        }
    }

    #[test]
    fn the_statement_must_name_this_release_and_list_the_artifact() {
        let release = Release::new("Octo-Org/Tool", "v1.0.0", None).unwrap();
        let st = statement("pkg:github/octo-org/tool@v1.0.0", "v1.0.0", &[("a.tar.gz", [1; 32]), ("b.zip", [2; 32])]);
        assert!(failed(&release_checks(&st, &release, &[2; 32])).is_empty(), "owner and repository in any case");

        let missing = failed(&release_checks(&st, &release, &[3; 32]));
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0, "release-asset");
        assert!(missing[0].1.contains("a.tar.gz, b.zip") && missing[0].1.contains(&"03".repeat(32)), "{missing:?}");

        let v2 = Release::new("octo-org/tool", "v2", None).unwrap();
        let why = failed(&release_checks(&st, &v2, &[1; 32]));
        assert_eq!(why, [("release", "the attestation is for pkg:github/octo-org/tool@v1.0.0, not v2".to_string())]);
        let elsewhere = Release::new("octo-org/other", "v1.0.0", None).unwrap();
        let why = failed(&release_checks(&st, &elsewhere, &[1; 32]));
        assert!(why[0].1.ends_with("not the repository octo-org/other"), "{why:?}");
        let case = Release::new("octo-org/tool", "V1.0.0", None).unwrap();
        assert_eq!(failed(&release_checks(&st, &case, &[1; 32]))[0].0, "release", "the tag is exact");

        let inconsistent = statement("pkg:github/octo-org/tool@v1.0.0", "v9", &[("a.tar.gz", [1; 32])]);
        let why = failed(&release_checks(&inconsistent, &release, &[1; 32]));
        assert!(why[0].1.contains("predicate names the tag \"v9\""), "{why:?}");

        let other_type = ReleaseStatement { predicate_type: "https://slsa.dev/provenance/v1".into(), ..st.clone() };
        assert_eq!(failed(&release_checks(&other_type, &release, &[1; 32]))[0].0, "predicate-type");
        let v01 = ReleaseStatement { predicate_type: PREDICATE_V01.into(), ..st.clone() };
        assert!(failed(&release_checks(&v01, &release, &[1; 32])).is_empty());
        let no_uri = ReleaseStatement { purl: None, ..st };
        assert_eq!(failed(&release_checks(&no_uri, &release, &[1; 32]))[0].0, "release");
    }

    #[test]
    fn a_percent_encoded_tag_matches_and_a_commit_is_checked_only_when_given() {
        let st = ReleaseStatement {
            predicate_repository: Some("o/r".into()),
            ..statement("pkg:github/o/r@release%2F1.0", "release/1.0", &[("a", [1; 32])])
        };
        let release = Release::new("o/r", "release/1.0", None).unwrap();
        assert!(failed(&release_checks(&st, &release, &[1; 32])).is_empty());
        let at = |c: &str| Release::new("o/r", "release/1.0", Some(c)).unwrap();
        assert!(failed(&release_checks(&st, &at("0123456789abcdef0123456789abcdef01234567"), &[1; 32])).is_empty());
        let why = failed(&release_checks(&st, &at(&"ab".repeat(20)), &[1; 32]));
        assert_eq!(why[0].0, "commit");
        assert!(why[0].1.contains(&"ab".repeat(20)), "{why:?}");
        assert_eq!(split_purl("pkg:npm/o/r@1"), None);
        assert_eq!(split_purl("PKG:GITHUB/o/r@v1"), Some(("o/r", "v1")));
        assert_eq!(percent_decoded("a%2Fb%zz%+1%"), Some("a/b%zz%+1%".into()));
    }

    #[test]
    fn statements_are_read_from_in_toto_payloads_only() {
        let payload = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [
                {"uri": "pkg:github/o/r@v1", "digest": {"sha1": "0123456789ABCDEF0123456789abcdef01234567"}},
                {"name": "a.tar.gz", "digest": {"sha256": "AB".repeat(32)}},
                {"name": "no-sha256", "digest": {"sha512": "00"}},
            ],
            "predicateType": PREDICATE_V02,
            "predicate": {"repository": "o/r", "tag": "v1"},
        })
        .to_string();
        let st = read_statement(sigstore::IN_TOTO_PAYLOAD_TYPE, payload.as_bytes()).unwrap();
        assert_eq!(st.purl.as_deref(), Some("pkg:github/o/r@v1"));
        assert_eq!(st.commit.as_deref(), Some("0123456789abcdef0123456789abcdef01234567"));
        assert_eq!(st.assets, [Asset { name: "a.tar.gz".into(), sha256: "ab".repeat(32) }]);
        assert_eq!(st.asset(&[0xab; 32]).map(|a| a.name.as_str()), Some("a.tar.gz"));
        assert_eq!(read_statement("text/plain", payload.as_bytes()).unwrap_err().code(), "SS0401");
        assert!(read_statement(sigstore::IN_TOTO_PAYLOAD_TYPE, b"{\"predicateType\":\"x\",\"subject\":[]}").is_err());
    }
}
