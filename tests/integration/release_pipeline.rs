//! The release pipeline of .github/workflows/release.yml run locally, script by script
//! (scripts/release/*.sh), as real processes (bash, git, the sigseal binary) against the local
//! Sigstore stack. The signing identity comes the way it does on GitHub Actions: sigseal asks a
//! local HTTP endpoint that speaks GitHub's ID-token contract (`ACTIONS_ID_TOKEN_REQUEST_URL` and
//! _TOKEN) for a token whose issuer is GitHub's and whose subject is the release workflow of
//! octo/app at the tag, so the certificates name
//! `https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1.0.0`.
//! cosign is not available here: the gate's cosign calls are checked with a stand-in `cosign`
//! that records its arguments and verifies through `sigseal verify-blob`.

use crate::common::{self, s};

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use common::{http_post, isolate, repo_root, sigseal_bin, Stack};

const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
const IDENTITY: &str = "https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1.0.0";
const TAG: &str = "v1.0.0";
const TARGET: &str = "x86_64-unknown-linux-gnu";
const REQUEST_TOKEN: &str = "request-secret-for-the-test";

/// The stack of this test binary, with the issuer's default email claim dropped: a token then
/// carries only the claims it is minted with, and Fulcio certifies its `sub` as a URI.
fn stack() -> &'static Stack {
    static READY: OnceLock<()> = OnceLock::new();
    let stack = Stack::shared();
    READY.get_or_init(|| {
        http_post(&format!("{}/_claims", stack.oidc), "{}");
    });
    stack
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// An HTTP endpoint with GitHub's ID-token contract, answering every request: `{"value": TOKEN}`
/// for `Authorization: bearer REQUEST_TOKEN` and `audience=sigstore`, 403 otherwise. Counts the
/// tokens it handed out.
fn github_token_endpoint(token: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/token?api-version=2.0", listener.local_addr().expect("addr"));
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (token, counter) = (token.clone(), counter.clone());
            std::thread::spawn(move || {
                let _ = answer(stream, &token, &counter);
            });
        }
    });
    (url, served)
}

fn answer(mut stream: TcpStream, token: &str, served: &AtomicUsize) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorized = false;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        if h.to_ascii_lowercase().starts_with("authorization:")
            && h.trim_end().ends_with(&format!("bearer {REQUEST_TOKEN}"))
        {
            authorized = true;
        }
    }
    let ok = authorized && request_line.contains("audience=sigstore") && request_line.contains("api-version=2.0");
    let body = if ok { serde_json::json!({ "value": token }).to_string() } else { "{}".into() };
    if ok {
        served.fetch_add(1, Ordering::SeqCst);
    }
    let status = if ok { "200 OK" } else { "403 Forbidden" };
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A GitHub Actions job's environment for the scripts: the ambient-token contract, the stack's
/// services and trust, the sigseal under test, and files for `GITHUB_STEP_SUMMARY` / `GITHUB_OUTPUT`.
struct Job {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    served: Arc<AtomicUsize>,
}

impl Job {
    fn new() -> Job {
        let stack = stack();
        let token = stack.token_with(&format!("sub={IDENTITY}&iss={GITHUB_ISSUER}&ttl=600"));
        let (url, served) = github_token_endpoint(token);
        let dir = tempfile::tempdir().expect("job dir");
        let mut env = stack.service_env();
        env.extend(
            [
                ("CI", "true".to_string()),
                ("GITHUB_ACTIONS", "true".to_string()),
                ("ACTIONS_ID_TOKEN_REQUEST_URL", url),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN.to_string()),
                ("SIGSEAL", s(&sigseal_bin())),
                ("HOME", s(dir.path())),
                ("GITHUB_STEP_SUMMARY", s(&dir.path().join("summary.md"))),
                ("GITHUB_OUTPUT", s(&dir.path().join("output"))),
                ("GITHUB_PATH", s(&dir.path().join("path"))),
                ("GITHUB_ENV", s(&dir.path().join("env"))),
                ("GIT_COMMITTER_NAME", "github-actions[bot]".to_string()),
                ("GIT_COMMITTER_EMAIL", "41898282+github-actions[bot]@users.noreply.github.com".to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
        );
        Job { dir, env, served }
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// Empty the step summary and the outputs, as a new step sees them.
    fn next_step(&self) {
        let _ = std::fs::remove_file(self.dir.path().join("summary.md"));
        let _ = std::fs::remove_file(self.dir.path().join("output"));
    }

    /// Prepend a directory to PATH (stand-ins for cosign or gh).
    fn with_path(&mut self, dir: &Path) {
        self.env.push(("PATH".into(), format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())));
    }

    /// Run scripts/release/NAME in `cwd`.
    fn script(&self, name: &str, args: &[&str], cwd: &Path) -> Output {
        let mut c = Command::new("bash");
        isolate(&mut c);
        c.arg(repo_root().join("scripts/release").join(name)).args(args).current_dir(cwd).stdin(Stdio::null());
        c.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.output().unwrap_or_else(|e| panic!("run scripts/release/{name}: {e}"))
    }

    fn ok(&self, name: &str, args: &[&str], cwd: &Path) -> Output {
        let out = self.script(name, args, cwd);
        assert!(out.status.success(), "scripts/release/{name} {args:?} failed:\n{}", text(&out));
        out
    }
}

/// git in `dir`, isolated from the user's configuration; returns stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let mut c = Command::new("git");
    isolate(&mut c);
    c.args(args).current_dir(dir).stdin(Stdio::null());
    c.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null").env("HOME", dir);
    let out = c.output().expect("run git");
    assert!(out.status.success(), "git {args:?} in {}:\n{}", dir.display(), text(&out));
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// A repository with one commit, configured with a maintainer's identity.
fn new_repo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Maintainer"]);
    git(dir, &["config", "user.email", "maintainer@example.com"]);
    std::fs::write(dir.join("main.rs"), "fn main() {}\n").unwrap();
    git(dir, &["add", "main.rs"]);
    git(dir, &["commit", "-q", "-m", "release me"]);
}

/// `sigseal verify-tag TAG` in `repo` for one identity at one issuer.
fn verify_tag(repo: &Path, identity: &str, issuer: &str) -> Output {
    let mut c = Command::new(sigseal_bin());
    isolate(&mut c);
    c.args(["verify-tag", TAG, "--certificate-identity", identity, "--certificate-oidc-issuer", issuer]);
    c.current_dir(repo).stdin(Stdio::null());
    c.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null").env("HOME", repo);
    for (k, v) in stack().service_env() {
        c.env(k, v);
    }
    c.output().expect("run sigseal verify-tag")
}

/// Release assets that are small enough to sign in every test.
fn small_release(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("app-linux.tar.gz"), b"linux build\n".repeat(100)).unwrap();
    std::fs::write(dir.join("app-darwin.tar.gz"), b"darwin build\n".repeat(100)).unwrap();
}

/// A stand-in for cosign: records `cosign ARGS` in `COSIGN_LOG` and verifies with
/// `sigseal verify-blob` (which takes cosign's flags), dropping `--new-bundle-format`.
fn fake_cosign(bin: &Path, log: &Path) {
    std::fs::create_dir_all(bin).unwrap();
    let script = format!(
        r#"#!/usr/bin/env bash
printf 'cosign %s\n' "$*" >>'{log}'
if [ "${{1:-}}" = version ]; then echo 'GitVersion:    stand-in'; exit 0; fi
[ "${{1:-}}" = verify-blob ] || {{ echo "stand-in cosign: unsupported: $*" >&2; exit 3; }}
shift
args=()
for a in "$@"; do [ "$a" = --new-bundle-format ] || args+=("$a"); done
exec '{sigseal}' verify-blob "${{args[@]}}"
"#,
        log = log.display(),
        sigseal = sigseal_bin().display()
    );
    let path = bin.join("cosign");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn gate_args<'a>(dir: &'a str, root: &'a str) -> Vec<&'a str> {
    vec![dir, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", GITHUB_ISSUER, "--trusted-root", root]
}

#[test]
fn release_pipeline_signs_the_tag_and_assets_and_the_gate_passes_then_fails_for_an_asset_changed_after_signing() {
    let stack = stack();
    let job = Job::new();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();

    // The project: a repository whose release tag is an unsigned annotated tag, pushed to a
    // "GitHub" remote (a bare repository).
    let origin = w.join("origin.git");
    git(w, &["init", "-q", "--bare", "-b", "main", &s(&origin)]);
    let dev = w.join("dev");
    new_repo(&dev);
    git(&dev, &["tag", "-a", TAG, "-m", "sigseal v1.0.0\n\nThe first release."]);
    git(&dev, &["remote", "add", "origin", &s(&origin)]);
    git(&dev, &["push", "-q", "origin", "main", TAG]);
    let commit = git(&dev, &["rev-parse", "v1.0.0^{commit}"]);
    let unsigned_tag = git(&dev, &["rev-parse", "refs/tags/v1.0.0"]);

    // build job: package the already built sigseal as the release archive.
    let release = w.join("release");
    let t0 = std::time::Instant::now();
    let out = job.ok(
        "build.sh",
        &["--tag", TAG, "--target", TARGET, "--out", &s(&release), "--binary", &s(&sigseal_bin())],
        w,
    );
    let archive_name = format!("sigseal-{TAG}-{TARGET}.tar.gz");
    let archive = release.join(&archive_name);
    assert!(
        String::from_utf8_lossy(&out.stdout).trim_end().ends_with(&format!("ARCHIVE={}", archive.display())),
        "{}",
        text(&out)
    );
    eprintln!("build.sh packaged the debug binary in {:.1}s", t0.elapsed().as_secs_f64());
    let listing = Command::new("tar").arg("-tzf").arg(&archive).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout).to_string();
    let top = format!("sigseal-{TAG}-{TARGET}");
    assert!(
        listing.lines().any(|l| l == format!("{top}/sigseal"))
            && listing.lines().any(|l| l == format!("{top}/README.md")),
        "{listing}"
    );
    // The packaged binary is the one under test and runs.
    let unpacked = w.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    assert!(Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(&unpacked).status().unwrap().success());
    let v = Command::new(unpacked.join(&top).join("sigseal")).arg("--version").output().unwrap();
    assert!(v.status.success() && String::from_utf8_lossy(&v.stdout).starts_with("sigseal "), "{}", text(&v));
    std::fs::write(release.join("NOTES.txt"), "release notes\n").unwrap();

    // sign job, in a fresh clone of the tag (as actions/checkout makes it).
    let sign_ws = w.join("sign");
    git(w, &["clone", "-q", &s(&origin), &s(&sign_ws)]);
    let tag_object = w.join("handover/tag-object");
    let policy = repo_root().join(".github/release-signers.policy");
    let out = job.ok(
        "sign-tag.sh",
        &[
            TAG,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
            "--policy",
            &s(&policy),
            "--export",
            &s(&tag_object),
        ],
        &sign_ws,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is an unsigned annotated tag") && err.contains("signing it as"), "{}", text(&out));
    let raw = git(&sign_ws, &["cat-file", "tag", TAG]);
    assert!(
        raw.starts_with(&format!("object {commit}\ntype commit\ntag {TAG}\n")),
        "the signed tag names the same commit:\n{raw}"
    );
    assert!(
        raw.contains("\n\nsigseal v1.0.0\n\nThe first release.\n-----BEGIN SIGNED MESSAGE-----"),
        "the message is kept:\n{raw}"
    );
    let signed_tag = git(&sign_ws, &["rev-parse", "refs/tags/v1.0.0"]);
    assert_ne!(signed_tag, unsigned_tag);
    assert_eq!(std::fs::read_to_string(&tag_object).unwrap().trim_end(), raw, "the exported object is the signed tag");
    assert!(
        job.read("output").contains("resigned<<") && job.read("output").contains("\ntrue\n"),
        "{}",
        job.read("output")
    );
    assert!(job.read("summary.md").contains("### Tag v1.0.0: signed"), "{}", job.read("summary.md"));

    job.next_step();
    let out = job.ok("sign-assets.sh", &[&s(&release)], w);
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    for name in [archive_name.as_str(), "NOTES.txt", "SHA256SUMS"] {
        for suffix in ["", ".sigstore.json", ".sig", ".pem"] {
            let p = release.join(format!("{name}{suffix}"));
            assert!(p.is_file(), "{} was not written", p.display());
            assert!(listed.contains(&s(&p)), "{} is not in the signed-files list:\n{listed:?}", p.display());
        }
    }
    assert_eq!(listed.len(), 12, "{listed:?}");
    let output = job.read("output");
    assert!(output.contains("signed-files<<") && output.contains(&s(&release.join("SHA256SUMS.pem"))), "{output}");
    assert!(output.contains("manifest<<EOF_") && output.contains(&s(&release.join("SHA256SUMS"))), "{output}");
    assert!(job.read("summary.md").contains(&format!("| `{archive_name}` |")), "{}", job.read("summary.md"));
    assert!(job.served.load(Ordering::SeqCst) >= 2, "the tag and the assets were signed with GitHub's ambient token");

    // publish job: push the signed tag object, from another fresh clone.
    let publish_ws = w.join("publish");
    git(w, &["clone", "-q", &s(&origin), &s(&publish_ws)]);
    job.next_step();
    job.ok(
        "push-tag.sh",
        &[
            TAG,
            "--object",
            &s(&tag_object),
            "--remote",
            "origin",
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
            "--policy",
            &s(&policy),
        ],
        &publish_ws,
    );
    assert_eq!(git(&origin, &["rev-parse", "refs/tags/v1.0.0"]), signed_tag, "the remote has the signed tag");
    let again = job.ok(
        "push-tag.sh",
        &[
            TAG,
            "--object",
            &s(&tag_object),
            "--remote",
            "origin",
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
        &publish_ws,
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to push"), "{}", text(&again));

    // A user's clone verifies the tag as the docs say, and another identity does not pass.
    let user = w.join("user");
    git(w, &["clone", "-q", &s(&origin), &s(&user)]);
    let good = verify_tag(&user, IDENTITY, GITHUB_ISSUER);
    assert!(good.status.success(), "{}", text(&good));
    let other =
        verify_tag(&user, "https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v0.9.0", GITHUB_ISSUER);
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));

    // gate job: the "downloaded" release and the pushed tag.
    let downloaded = w.join("downloaded");
    std::fs::create_dir_all(&downloaded).unwrap();
    for e in std::fs::read_dir(&release).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), downloaded.join(e.file_name())).unwrap();
    }
    let root = s(&stack.trusted_root());
    let down = s(&downloaded);
    let (user_s, policy_s) = (s(&user), s(&policy));
    let mut args = gate_args(&down, &root);
    args.extend(["--expect", &archive_name, "--tag", TAG, "--repo", &user_s, "--policy", &policy_s]);
    job.next_step();
    let t1 = std::time::Instant::now();
    let pass = job.ok("verify-gate.sh", &args, w);
    eprintln!("verify-gate.sh passed in {:.1}s", t1.elapsed().as_secs_f64());
    let err = String::from_utf8_lossy(&pass.stderr);
    assert!(err.contains("the release gate PASSED"), "{}", text(&pass));
    assert!(
        err.contains("SKIPPED the cosign checks: 'cosign' is not on PATH"),
        "the gate says the cosign part was skipped:\n{}",
        text(&pass)
    );
    assert!(err.contains("ok   sigseal verify-tag: v1.0.0"), "{}", text(&pass));
    let summary = job.read("summary.md");
    assert!(
        summary.contains("## Release verification gate: PASSED") && summary.contains("cosign checks SKIPPED"),
        "{summary}"
    );

    // An asset changed between signing and the gate: the gate fails and names it.
    let mut bytes = std::fs::read(downloaded.join(&archive_name)).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(downloaded.join(&archive_name), bytes).unwrap();
    job.next_step();
    let fail = job.script("verify-gate.sh", &args, w);
    assert_eq!(fail.status.code(), Some(1), "{}", text(&fail));
    let err = String::from_utf8_lossy(&fail.stderr);
    assert!(
        err.lines().any(
            |l| l.starts_with(&format!("verify-gate.sh: FAILED {archive_name}: ")) && l.contains("manifest-digest")
        ),
        "the gate names the changed asset and why:\n{}",
        text(&fail)
    );
    assert!(
        !err.contains("FAILED NOTES.txt") && !err.contains("FAILED SHA256SUMS"),
        "only the changed asset fails:\n{}",
        text(&fail)
    );
    let summary = job.read("summary.md");
    assert!(
        summary.contains("## Release verification gate: FAILED") && summary.contains(&format!("- `{archive_name}`:")),
        "{summary}"
    );

    // No token in any output, signature file or the signing clone's repository (the archive
    // itself is the binary under test, not scanned).
    let mut texts: Vec<Vec<u8>> =
        vec![pass.stdout.clone(), pass.stderr.clone(), fail.stderr.clone(), out.stdout.clone(), out.stderr.clone()];
    for e in std::fs::read_dir(&release).unwrap() {
        let p = e.unwrap().path();
        if !p.to_string_lossy().ends_with(".tar.gz") {
            texts.push(std::fs::read(&p).unwrap());
        }
    }
    let refs: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
    common::assert_no_token_leak(stack, &refs, &[&sign_ws.join(".git")]);
}

#[test]
fn gate_runs_cosign_with_the_exact_identity_on_every_file_and_fails_for_a_bad_cosign_signature() {
    let stack = stack();
    let mut job = Job::new();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let release = w.join("release");
    small_release(&release);
    job.ok("sign-assets.sh", &[&s(&release)], w);

    let log = w.join("cosign.log");
    fake_cosign(&w.join("bin"), &log);
    job.with_path(&w.join("bin"));
    let root = s(&stack.trusted_root());
    let dir = s(&release);
    let mut args = gate_args(&dir, &root);
    args.push("--require-cosign");
    let pass = job.ok("verify-gate.sh", &args, w);
    let err = String::from_utf8_lossy(&pass.stderr);
    assert!(err.contains("cosign verified 3 file(s) (bundle and .sig/.pem)"), "{}", text(&pass));
    let calls = std::fs::read_to_string(&log).unwrap();
    for name in ["SHA256SUMS", "app-linux.tar.gz", "app-darwin.tar.gz"] {
        let f = release.join(name);
        let who = format!("--certificate-identity {IDENTITY} --certificate-oidc-issuer {GITHUB_ISSUER}");
        let bundle = format!(
            "cosign verify-blob --bundle {}.sigstore.json --new-bundle-format {who} --trusted-root {root} {}",
            f.display(),
            f.display()
        );
        let pair = format!(
            "cosign verify-blob --signature {0}.sig --certificate {0}.pem {who} --trusted-root {root} {0}",
            f.display()
        );
        assert!(calls.lines().any(|l| l == bundle), "no `{bundle}` in:\n{calls}");
        assert!(calls.lines().any(|l| l == pair), "no `{pair}` in:\n{calls}");
    }

    // verify-release never reads the .sig files: a wrong one is caught by the cosign check.
    std::fs::copy(release.join("app-darwin.tar.gz.sig"), release.join("app-linux.tar.gz.sig")).unwrap();
    job.next_step();
    let fail = job.script("verify-gate.sh", &args, w);
    assert_eq!(fail.status.code(), Some(1), "{}", text(&fail));
    let err = String::from_utf8_lossy(&fail.stderr);
    assert!(
        err.contains("verify-gate.sh: FAILED app-linux.tar.gz: cosign verify-blob --signature app-linux.tar.gz.sig"),
        "{}",
        text(&fail)
    );
    assert!(!err.contains("FAILED app-darwin.tar.gz"), "{}", text(&fail));
    assert!(
        job.read("summary.md").contains("- `app-linux.tar.gz`: cosign verify-blob --signature"),
        "{}",
        job.read("summary.md")
    );
}

#[test]
fn gate_fails_for_an_unsigned_extra_asset_a_missing_expected_asset_and_a_missing_cosign() {
    let stack = stack();
    let job = Job::new();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let release = w.join("release");
    small_release(&release);
    job.ok("sign-assets.sh", &[&s(&release)], w);
    std::fs::write(release.join("app-windows.exe"), b"added after signing").unwrap();
    std::fs::remove_file(release.join("app-darwin.tar.gz.pem")).unwrap();

    let root = s(&stack.trusted_root());
    let dir = s(&release);
    let mut args = gate_args(&dir, &root);
    args.extend(["--expect", "app-linux.tar.gz", "--expect", "app-arm64.tar.gz", "--require-cosign"]);
    let fail = job.script("verify-gate.sh", &args, w);
    assert_eq!(fail.status.code(), Some(1), "{}", text(&fail));
    let err = String::from_utf8_lossy(&fail.stderr);
    for expected in [
        "FAILED app-windows.exe: in the release but not listed in SHA256SUMS: it is not signed",
        "FAILED app-arm64.tar.gz: expected asset is missing from the release",
        "FAILED cosign: not found on PATH, and --require-cosign was given",
        "FAILED app-darwin.tar.gz: cosign's app-darwin.tar.gz.sig or app-darwin.tar.gz.pem is missing",
    ] {
        assert!(err.contains(expected), "missing `{expected}`:\n{}", text(&fail));
    }
    assert!(!err.contains("FAILED app-linux.tar.gz"), "{}", text(&fail));
    assert!(err.contains("the release gate FAILED: 4 problem(s)"), "{}", text(&fail));
}

/// A maintainer signs the tag with their own identity before the release runs.
fn maintainer_signed_tag(repo: &Path, email: &str) {
    let stack = stack();
    let mut c = Command::new("git");
    isolate(&mut c);
    c.args(["-c", "gpg.format=x509", "-c"]).arg(format!("gpg.x509.program={}", sigseal_bin().display()));
    c.args(["tag", "-s", TAG, "-m", "signed by a maintainer"]).current_dir(repo).stdin(Stdio::null());
    c.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null").env("HOME", repo);
    for (k, v) in stack.service_env() {
        c.env(k, v);
    }
    c.env("SIGSTORE_ID_TOKEN", stack.token(email, 600));
    let out = c.output().expect("git tag -s");
    assert!(out.status.success(), "maintainer's git tag -s: {}", text(&out));
}

#[test]
fn maintainer_signed_tag_is_verified_against_the_policy_file_and_not_re_signed() {
    let stack = stack();
    let job = Job::new();
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    new_repo(&repo);
    maintainer_signed_tag(&repo, "maintainer@example.com");
    let before = git(&repo, &["rev-parse", "refs/tags/v1.0.0"]);
    let policy = work.path().join("release-signers.policy");
    std::fs::write(&policy, format!("# maintainers\nmaintainer@example.com  {}\n", stack.oidc)).unwrap();

    let out = job.ok(
        "sign-tag.sh",
        &[
            TAG,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
            "--policy",
            &s(&policy),
            "--export",
            &s(&work.path().join("obj")),
        ],
        &repo,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tag v1.0.0 is already signed") && err.contains("it is not re-signed"), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("maintainer@example.com"),
        "verify-tag names the maintainer:\n{}",
        text(&out)
    );
    assert_eq!(git(&repo, &["rev-parse", "refs/tags/v1.0.0"]), before, "the maintainer's tag object is kept");
    assert_eq!(job.served.load(Ordering::SeqCst), 0, "no signing token was even requested");
    assert!(job.read("output").contains("\nfalse\n"), "resigned=false: {}", job.read("output"));
    assert!(job.read("summary.md").contains("### Tag v1.0.0: already signed"), "{}", job.read("summary.md"));
    assert_eq!(
        git(&repo, &["cat-file", "tag", &before]),
        std::fs::read_to_string(work.path().join("obj")).unwrap().trim_end()
    );
}

#[test]
fn tag_signed_by_someone_not_in_the_policy_is_refused_and_left_as_it_is() {
    let stack = stack();
    let job = Job::new();
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    new_repo(&repo);
    maintainer_signed_tag(&repo, "mallory@example.com");
    let before = git(&repo, &["rev-parse", "refs/tags/v1.0.0"]);
    let policy = work.path().join("release-signers.policy");
    std::fs::write(&policy, format!("maintainer@example.com  {}\n", stack.oidc)).unwrap();

    // With the maintainers' rules, and with the repository's example file (comments only, so
    // no maintainers at all): refused either way, never replaced.
    for p in [policy.clone(), repo_root().join(".github/release-signers.policy")] {
        let out = job.script(
            "sign-tag.sh",
            &[TAG, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", GITHUB_ISSUER, "--policy", &s(&p)],
            &repo,
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("FAILED: tag v1.0.0 carries a signature, but not by an allowed signer"), "{}", text(&out));
        assert!(!err.contains("SS0002"), "a policy file with only comments is no error:\n{}", text(&out));
        assert_eq!(git(&repo, &["rev-parse", "refs/tags/v1.0.0"]), before, "the tag is left as it is");
    }
    assert_eq!(job.served.load(Ordering::SeqCst), 0);
    assert!(job.read("summary.md").contains("### Tag v1.0.0: FAILED"), "{}", job.read("summary.md"));
}

#[test]
fn lightweight_tag_becomes_a_signed_annotated_tag_of_the_same_commit() {
    let job = Job::new();
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    new_repo(&repo);
    git(&repo, &["tag", TAG]);
    let commit = git(&repo, &["rev-parse", "HEAD"]);
    job.ok(
        "sign-tag.sh",
        &[TAG, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", GITHUB_ISSUER],
        &repo,
    );
    assert_eq!(git(&repo, &["cat-file", "-t", "refs/tags/v1.0.0"]), "tag");
    let raw = git(&repo, &["cat-file", "tag", TAG]);
    assert!(raw.starts_with(&format!("object {commit}\n")), "{raw}");
    assert!(
        raw.contains("tagger github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"),
        "{raw}"
    );
    assert!(raw.contains("\n\nv1.0.0\n-----BEGIN SIGNED MESSAGE-----"), "{raw}");
    let v = verify_tag(&repo, IDENTITY, GITHUB_ISSUER);
    assert!(v.status.success(), "{}", text(&v));
}

#[test]
fn downloaded_sigseal_is_installed_only_after_cosign_verifies_it_as_the_release_workflow() {
    let stack = stack();
    let mut job = Job::new();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    // A "release" of octo/app v1.0.0 holding a small stand-in binary, signed by the workflow.
    let stand_in = w.join("stand-in-sigseal");
    std::fs::write(&stand_in, "#!/bin/sh\necho 'sigseal 1.0.0 (stand-in)'\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    let host = String::from_utf8(Command::new("rustc").arg("-vV").output().unwrap().stdout).unwrap();
    let host = host.lines().find_map(|l| l.strip_prefix("host: ")).unwrap_or(TARGET).to_string();
    let downloads = w.join("downloads");
    let release = downloads.join(TAG);
    job.ok("build.sh", &["--tag", TAG, "--target", &host, "--out", &s(&release), "--binary", &s(&stand_in)], w);
    job.ok("sign-assets.sh", &[&s(&release), "--no-cosign-files"], w);
    fake_cosign(&w.join("bin"), &w.join("cosign.log"));
    job.with_path(&w.join("bin"));

    let base = format!("file://{}", downloads.display());
    let root = s(&stack.trusted_root());
    let install = |dest: &Path, repository: &str| {
        job.script(
            "install-sigseal.sh",
            &[
                "--version",
                TAG,
                "--repository",
                repository,
                "--base-url",
                &base,
                "--target",
                &host,
                "--dest",
                &s(dest),
                "--trusted-root",
                &root,
            ],
            w,
        )
    };
    let dest = w.join("installed");
    let out = install(&dest, "octo/app");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .trim_end()
            .ends_with(&format!("SIGSEAL={}", dest.join("sigseal").display())),
        "{}",
        text(&out)
    );
    let v = Command::new(dest.join("sigseal")).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), "sigseal 1.0.0 (stand-in)");
    let calls = std::fs::read_to_string(w.join("cosign.log")).unwrap();
    assert!(
        calls.contains(&format!("--certificate-identity {IDENTITY} --certificate-oidc-issuer {GITHUB_ISSUER}")),
        "{calls}"
    );
    assert_eq!(job.read("path").trim_end(), s(&dest), "the install directory is added to GITHUB_PATH");

    // Another repository's release identity does not match: nothing installed.
    let elsewhere = w.join("elsewhere");
    let out = install(&elsewhere, "someone/sigseal");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!elsewhere.join("sigseal").exists());

    // A tampered archive: refused, nothing installed.
    let archive = release.join(format!("sigseal-{TAG}-{host}.tar.gz"));
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.push(0);
    std::fs::write(&archive, bytes).unwrap();
    let tampered = w.join("tampered");
    let out = install(&tampered, "octo/app");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not verify as signed by"), "{}", text(&out));
    assert!(!tampered.join("sigseal").exists(), "a download that did not verify must not be installed");
}

#[test]
fn release_is_held_as_a_pre_release_and_made_final_only_by_the_final_step() {
    let mut job = Job::new();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let bin = w.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = w.join("gh.log");
    std::fs::write(bin.join("gh"), format!("#!/bin/sh\nprintf 'gh %s\\n' \"$*\" >>'{}'\n", log.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("gh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    job.with_path(&bin);
    job.env.push(("GITHUB_REPOSITORY".into(), "octo/app".into()));

    job.ok("release-state.sh", &["hold", TAG], w);
    job.ok("release-state.sh", &["final", TAG], w);
    job.ok("release-state.sh", &["final", "v1.1.0-rc.1"], w);
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls,
        "gh release edit v1.0.0 --repo octo/app --prerelease\ngh release edit v1.0.0 --repo octo/app --prerelease=false --latest\n",
        "an -rc tag stays a pre-release"
    );

    job.next_step();
    let out = job.ok(
        "release-state.sh",
        &[
            "report",
            TAG,
            "hold=success",
            "build=success",
            "sign=success",
            "publish=success",
            "gate=failure",
            "finalize=skipped",
        ],
        w,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("stays a pre-release: gate=failure"), "{}", text(&out));
    let summary = job.read("summary.md");
    assert!(
        summary.contains("## Release v1.0.0 stays a pre-release") && summary.contains("- `gate`: failure"),
        "{summary}"
    );
    assert!(!summary.contains("`finalize`"), "skipped jobs are not failures: {summary}");
}
