//! `sigseal verify-release-asset`: GitHub's attestations of immutable releases, as the local
//! stack's GitHub-like instance issues them (`POST /github/_release-attestation`: a DSSE in-toto
//! release statement, signed under `https://dotcom.releases.github.com`, one RFC 3161 timestamp,
//! no log entry), checked as `gh release verify-asset` checks them: every listed asset verifies
//! (as a file, as `sha256:HEX`, as a directory), and another file, tag, repository or commit,
//! the main instance's root, or the main instance's ordinary signer are refused, each naming
//! what differs.

use crate::common::{self, s, text};

use common::{http_post, repo_root, Stack};
use serde_json::{json, Value};
use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const REPO: &str = "octo-org/tool";
const TAG: &str = "v1.0.0";
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const RELEASES_SAN: &str = "https://dotcom.releases.github.com";

fn sha256_hex(file: &Path) -> String {
    hex::encode(sha2::Sha256::digest(std::fs::read(file).unwrap()))
}

fn github_root(stack: &Stack) -> PathBuf {
    stack.path("github").join("trusted_root.json")
}

/// A release directory of three assets and GitHub's attestation of the release (written to
/// `release.sigstore.json` beside the directory), for `predicate_type` (default v0.2).
struct Release {
    dir: tempfile::TempDir,
    bundle: PathBuf,
}

impl Release {
    fn new(stack: &Stack, predicate_type: Option<&str>) -> Release {
        let dir = tempfile::tempdir().unwrap();
        let dist = dir.path().join("dist");
        std::fs::create_dir(&dist).unwrap();
        let files: [(&str, Vec<u8>); 3] = [
            ("tool-1.0.0-linux-amd64.tar.gz", (0..5000u32).map(|i| (i % 251) as u8).collect()),
            ("tool-1.0.0-darwin-arm64.zip", b"the macOS build".to_vec()),
            ("SHA256SUMS", b"checksums of the builds\n".to_vec()),
        ];
        let mut assets = Vec::new();
        for (name, bytes) in &files {
            let path = dist.join(name);
            std::fs::write(&path, bytes).unwrap();
            assets.push(json!({"name": name, "sha256": sha256_hex(&path)}));
        }
        let mut request = json!({"repository": REPO, "tag": TAG, "commit": COMMIT, "assets": assets});
        if let Some(t) = predicate_type {
            request["predicateType"] = json!(t);
        }
        let body = http_post(&format!("{}/github/_release-attestation", stack.url), &request.to_string());
        let bundle = dir.path().join("release.sigstore.json");
        std::fs::write(&bundle, body).unwrap();
        Release { dir, bundle }
    }

    fn dist(&self) -> PathBuf {
        self.dir.path().join("dist")
    }

    fn asset(&self, name: &str) -> PathBuf {
        self.dist().join(name)
    }
}

/// `sigseal verify-release-asset TAG ARTIFACT --repo REPO --bundle BUNDLE --trusted-root R...
/// EXTRA -o json`.
fn verify(tag: &str, artifact: &str, repo: &str, bundle: &Path, roots: &[PathBuf], extra: &[&str]) -> Output {
    let bundle = s(bundle);
    let mut args = vec!["verify-release-asset", tag, artifact, "--repo", repo, "--bundle", &bundle];
    let roots: Vec<String> = roots.iter().map(|r| s(r)).collect();
    for r in &roots {
        args.extend(["--trusted-root", r.as_str()]);
    }
    args.extend_from_slice(extra);
    common::sigseal(&args, &[], b"")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", text(out)))
}

/// The one artifact of a JSON report, after checking the exit code.
fn only_artifact(out: &Output, code: i32) -> Value {
    assert_eq!(out.status.code(), Some(code), "{}", text(out));
    let doc = json_of(out);
    assert_eq!(doc["exit_code"], code, "{doc}");
    let artifacts = doc["artifacts"].as_array().unwrap_or_else(|| panic!("no artifacts: {doc}"));
    assert_eq!(artifacts.len(), 1, "{doc}");
    artifacts[0].clone()
}

fn assert_refused(a: &Value, check: &str, reason_has: &str) {
    assert_eq!(a["verdict"], "failed", "{a}");
    assert_eq!(a["failed_check"], check, "{a}");
    let reason = a["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(reason_has), "the reason does not say {reason_has:?}: {reason}");
}

#[test]
fn the_attestation_verifies_every_listed_asset_as_a_file_a_digest_and_a_directory() {
    let stack = Stack::shared();
    let release = Release::new(stack, None);
    let roots = [github_root(stack)];

    for name in ["tool-1.0.0-linux-amd64.tar.gz", "tool-1.0.0-darwin-arm64.zip", "SHA256SUMS"] {
        let file = release.asset(name);
        for artifact in [s(&file), format!("sha256:{}", sha256_hex(&file))] {
            let out = verify(TAG, &artifact, REPO, &release.bundle, &roots, &["-o", "json"]);
            let a = only_artifact(&out, 0);
            assert_eq!(a["verdict"], "verified", "{a}");
            assert_eq!(a["artifact"], artifact);
            assert_eq!(a["sha256"], sha256_hex(&file));
            assert_eq!(a["asset"], name);
            assert_eq!(a["identity"], RELEASES_SAN);
            assert_eq!(a["issuer"], Value::Null, "GitHub's release signer names no OIDC issuer: {a}");
            assert_eq!(a["log_index"], Value::Null, "timestamp-only: {a}");
            assert_eq!(a["trust"], "fully");
            assert_eq!(a["attestation"]["purl"], format!("pkg:github/{REPO}@{TAG}"));
            assert_eq!(a["attestation"]["commit"], COMMIT);
            assert_eq!(a["release"]["purl"], format!("pkg:github/{REPO}@{TAG}"));
            let passed: Vec<&str> = a["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["result"] == "pass")
                .map(|c| c["name"].as_str().unwrap())
                .collect();
            for check in [
                "signature",
                "certificate-chain",
                "timestamp",
                "identity-policy",
                "predicate-type",
                "release",
                "release-asset",
            ] {
                assert!(passed.contains(&check), "{check} did not pass: {a}");
            }
        }
    }

    // The directory: each file reported, in name order, in text and in JSON.
    let out = verify(TAG, &s(&release.dist()), REPO, &release.bundle, &roots, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, name) in lines.iter().zip(["SHA256SUMS", "tool-1.0.0-darwin-arm64.zip", "tool-1.0.0-linux-amd64.tar.gz"])
    {
        assert!(line.starts_with("verified  ") && line.contains(name) && line.contains(RELEASES_SAN), "{line}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 verified, 0 failed"), "{}", text(&out));

    // v0.1, GitHub's earlier release predicate, verifies the same way.
    let old = Release::new(stack, Some("https://in-toto.io/attestation/release/v0.1"));
    let out = verify(TAG, &s(&old.dist()), REPO, &old.bundle, &roots, &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json_of(&out)["summary"]["verified"], 3);
}

#[test]
fn with_both_roots_the_github_root_is_chosen_by_the_certificate_s_issuer() {
    let stack = Stack::shared();
    let release = Release::new(stack, None);
    let roots = [stack.trusted_root(), github_root(stack)];
    let out = verify(TAG, &s(&release.asset("SHA256SUMS")), "Octo-Org/Tool", &release.bundle, &roots, &["-o", "json"]);
    let a = only_artifact(&out, 0);
    assert_eq!(a["verdict"], "verified", "owner and repository are compared in any case: {a}");
    assert_eq!(a["trusted_root"], format!("file {}", s(&github_root(stack))), "{a}");

    // The same bundle under the main root alone: its certificate and timestamp are not that
    // root's.
    let out =
        verify(TAG, &s(&release.asset("SHA256SUMS")), REPO, &release.bundle, &[stack.trusted_root()], &["-o", "json"]);
    let a = only_artifact(&out, 1);
    assert_eq!(a["verdict"], "failed", "{a}");
    assert_eq!(a["trusted_root"], format!("file {}", s(&stack.trusted_root())), "{a}");
    assert!(
        ["timestamp", "certificate-chain"].contains(&a["failed_check"].as_str().unwrap_or_default()),
        "refused for another reason than its trust: {a}"
    );
}

#[test]
fn a_file_not_in_the_release_or_changed_since_is_refused_naming_the_release() {
    let stack = Stack::shared();
    let release = Release::new(stack, None);
    let roots = [github_root(stack)];
    let purl = format!("pkg:github/{REPO}@{TAG}");

    let stranger = release.dir.path().join("tool-1.0.0-windows.zip");
    std::fs::write(&stranger, b"never released").unwrap();
    let out = verify(TAG, &s(&stranger), REPO, &release.bundle, &roots, &["-o", "json"]);
    let a = only_artifact(&out, 1);
    assert_refused(&a, "release-asset", &format!("is not among the 3 assets the attestation lists for {purl}"));
    assert_eq!(a["asset"], Value::Null);
    let out = verify(TAG, &format!("sha256:{}", "ab".repeat(32)), REPO, &release.bundle, &roots, &["-o", "json"]);
    assert_refused(&only_artifact(&out, 1), "release-asset", &"ab".repeat(32));

    // One changed asset in the directory: it fails, the others still verify, the run fails.
    let changed = release.asset("tool-1.0.0-darwin-arm64.zip");
    std::fs::write(&changed, b"the macOS build, patched").unwrap();
    let out = verify(TAG, &s(&release.dist()), REPO, &release.bundle, &roots, &["-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json_of(&out);
    assert_eq!(doc["summary"], json!({"verified": 2, "failed": 1, "total": 3}), "{doc}");
    let failed: Vec<&Value> =
        doc["artifacts"].as_array().unwrap().iter().filter(|a| a["verdict"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["artifact"], s(&changed));
    assert_refused(failed[0], "release-asset", "the file was changed, or is not an asset of this release");
    let out = verify(TAG, &s(&changed), REPO, &release.bundle, &roots, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(line.starts_with("FAILED    ") && line.contains("release-asset: sha256"), "{line}");
}

#[test]
fn another_tag_repository_or_commit_is_refused_naming_what_differs() {
    let stack = Stack::shared();
    let release = Release::new(stack, None);
    let roots = [github_root(stack)];
    let asset = s(&release.asset("SHA256SUMS"));
    let purl = format!("pkg:github/{REPO}@{TAG}");

    let out = verify("v2.0.0", &asset, REPO, &release.bundle, &roots, &["-o", "json"]);
    assert_refused(&only_artifact(&out, 1), "release", &format!("the attestation is for {purl}, not v2.0.0"));
    let out = verify("V1.0.0", &asset, REPO, &release.bundle, &roots, &["-o", "json"]);
    assert_refused(&only_artifact(&out, 1), "release", "not V1.0.0");
    let out = verify(TAG, &asset, "octo-org/other", &release.bundle, &roots, &["-o", "json"]);
    assert_refused(
        &only_artifact(&out, 1),
        "release",
        &format!("the attestation is for {purl}, not the repository octo-org/other"),
    );
    let out = verify("v2.0.0", &asset, "evil/tool", &release.bundle, &roots, &["-o", "json"]);
    assert_refused(&only_artifact(&out, 1), "release", "not pkg:github/evil/tool@v2.0.0");

    let out = verify(TAG, &asset, REPO, &release.bundle, &roots, &["--commit", COMMIT, "-o", "json"]);
    assert_eq!(only_artifact(&out, 0)["verdict"], "verified");
    let other = "fe".repeat(20);
    let out = verify(TAG, &asset, REPO, &release.bundle, &roots, &["--commit", &other, "-o", "json"]);
    assert_refused(&only_artifact(&out, 1), "commit", &format!("pointed to commit {COMMIT}, not {other}"));
}

/// `node tests/stack/sign-bundle.js` (sigstore-js) with `args`.
fn js_sign(args: &[&str]) -> Output {
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/sign-bundle.js")).args(args);
    c.env("NO_PROXY", "127.0.0.1,localhost");
    c.stdin(Stdio::null()).output().expect("run node tests/stack/sign-bundle.js")
}

#[test]
fn the_same_statement_signed_by_the_main_instance_s_ordinary_signer_is_refused() {
    use base64::Engine as _;
    let stack = Stack::shared();
    let release = Release::new(stack, None);
    let dir = release.dir.path();
    // GitHub's statement, word for word, signed by alice through the main instance (logged).
    let github: Value = serde_json::from_str(&std::fs::read_to_string(&release.bundle).unwrap()).unwrap();
    let payload =
        base64::engine::general_purpose::STANDARD.decode(github["dsseEnvelope"]["payload"].as_str().unwrap()).unwrap();
    let statement = dir.join("statement.json");
    std::fs::write(&statement, &payload).unwrap();
    let token = dir.join("token");
    std::fs::write(&token, stack.token("alice@example.com", 600)).unwrap();
    let forged = dir.join("forged.sigstore.json");
    let out = js_sign(&[
        "--fulcio",
        &stack.url,
        "--rekor",
        &stack.url,
        "--token-file",
        &s(&token),
        "--artifact",
        &s(&statement),
        "--bundle",
        &s(&forged),
        "--in-toto",
    ]);
    assert!(out.status.success(), "sigstore-js could not sign: {}", text(&out));

    let roots = [stack.trusted_root(), github_root(stack)];
    let asset = s(&release.asset("SHA256SUMS"));
    let out = verify(TAG, &asset, REPO, &forged, &roots, &["-o", "json"]);
    let a = only_artifact(&out, 1);
    assert_eq!(a["trusted_root"], format!("file {}", s(&stack.trusted_root())), "{a}");
    assert_refused(&a, "identity-policy", &format!("identity \"alice@example.com\" is not \"{RELEASES_SAN}\""));
    let out = verify(TAG, &asset, REPO, &forged, &[github_root(stack)], &["-o", "json"]);
    assert_eq!(only_artifact(&out, 1)["verdict"], "failed");

    // Both in one JSON-lines file (as gh attestation download writes them): GitHub's is the one
    // that verifies, and the report says which.
    let lines = dir.join("attestations.jsonl");
    let compact = |p: &Path| serde_json::from_str::<Value>(&std::fs::read_to_string(p).unwrap()).unwrap().to_string();
    std::fs::write(&lines, format!("{}\n{}\n", compact(&forged), compact(&release.bundle))).unwrap();
    let out = verify(TAG, &asset, REPO, &lines, &roots, &["-o", "json"]);
    let a = only_artifact(&out, 0);
    assert_eq!(a["identity"], RELEASES_SAN, "{a}");
    assert_eq!(a["bundle"], json!({"path": s(&lines), "index": 2, "line": 2, "count": 2}));
}

#[test]
fn bad_flags_and_an_empty_directory_are_usage_errors_and_the_attestation_file_is_not_an_asset() {
    let stack = Stack::shared();
    let release = Release::new(stack, None);
    let roots = [github_root(stack)];
    let asset = s(&release.asset("SHA256SUMS"));
    for (tag, repo, extra) in [
        (TAG, "octo-org", &[][..]),
        (TAG, "octo-org/tool/x", &[][..]),
        (TAG, REPO, &["--commit", "0123abc"][..]),
        ("", REPO, &[][..]),
    ] {
        let mut flags = extra.to_vec();
        flags.extend(["-o", "json"]);
        let out = verify(tag, &asset, repo, &release.bundle, &roots, &flags);
        assert_eq!(out.status.code(), Some(2), "{tag} {repo} {extra:?}: {}", text(&out));
        let doc = json_of(&out);
        assert_eq!(doc["error"]["code"], "SS0001", "{doc}");
        assert_eq!(doc["artifacts"], json!([]));
    }
    let empty = release.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = verify(TAG, &s(&empty), REPO, &release.bundle, &roots, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(common::error_line(&out).contains("holds no files"), "{}", text(&out));

    // The attestation downloaded into the release directory is left out and named.
    let inside = release.dist().join("release.sigstore.json");
    std::fs::copy(&release.bundle, &inside).unwrap();
    let out = verify(TAG, &s(&release.dist()), REPO, &inside, &roots, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3, "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not checked: "), "{}", text(&out));
}
