//! GitHub artifact attestations checked the way `gh attestation verify` checks them: attestations
//! made with `sigseal attest-blob` against the local stack, with tokens carrying the claims a
//! GitHub Actions job's token carries (the stack's Fulcio turns `repository`, `repository_owner`,
//! `ref`, `sha`, `job_workflow_ref` and `runner_environment` into the Fulcio extensions GitHub's
//! certificates have), verified with gh's flags: `--owner`, `--repo`, `--signer-workflow`,
//! `--source-ref`, `--source-digest`, `--deny-self-hosted-runners`, `--predicate-type`; and
//! bundle files of several bundles, one per line, as `gh attestation download` writes them.

use crate::common::{self, s, text, Stack};

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const SLSA_V1: &str = "https://slsa.dev/provenance/v1";

/// The GitHub Actions run an attestation is made in.
struct Run<'a> {
    repo: &'a str,
    git_ref: &'a str,
    workflow: &'a str,
    runner: &'a str,
}

const MAIN: Run<'static> =
    Run { repo: "octo/app", git_ref: "refs/heads/main", workflow: "release.yml", runner: "github-hosted" };

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A token with the claims of a GitHub Actions job of `run`, issued (as far as Fulcio can tell)
/// by GitHub's issuer.
fn github_token(stack: &Stack, run: &Run) -> String {
    let owner = run.repo.split('/').next().unwrap();
    let path = format!("{}/.github/workflows/{}@{}", run.repo, run.workflow, run.git_ref);
    let sub = format!("https://github.com/{path}");
    let claims = [
        ("sub", sub.as_str()),
        ("iss", GITHUB_ISSUER),
        ("email", ""),
        ("email_verified", "false"),
        ("repository", run.repo),
        ("repository_owner", owner),
        ("repository_id", "123"),
        ("repository_owner_id", "456"),
        ("ref", run.git_ref),
        ("sha", SHA),
        ("event_name", "push"),
        ("workflow_ref", &path),
        ("job_workflow_ref", &path),
        ("runner_environment", run.runner),
        ("ttl", "600"),
    ];
    let query: Vec<String> = claims.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    stack.token_with(&query.join("&"))
}

fn run(args: &[&str], env: &[(String, String)]) -> Output {
    common::sigseal(args, env, b"")
}

/// Attest `subject` in `run` with predicate type `kind` (a cosign shorthand), writing `bundle`.
fn attest(stack: &Stack, dir: &Path, subject: &Path, run_: &Run, kind: &str, bundle: &Path) {
    let predicate = dir.join("predicate.json");
    std::fs::write(
        &predicate,
        r#"{"buildDefinition": {"buildType": "https://actions.github.io/buildtypes/workflow/v1"}}"#,
    )
    .unwrap();
    let mut env = stack.service_env();
    env.push(("SIGSTORE_ID_TOKEN".into(), github_token(stack, run_)));
    let out =
        run(&["attest-blob", &s(subject), "--predicate", &s(&predicate), "--type", kind, "--bundle", &s(bundle)], &env);
    assert!(out.status.success(), "attest-blob: {}", text(&out));
}

/// A subject file and its attestation made in `run_`.
fn attested(stack: &Stack, dir: &Path, run_: &Run, kind: &str) -> (PathBuf, PathBuf) {
    let subject = dir.join("app.tar.gz");
    if !subject.exists() {
        std::fs::write(&subject, b"the release archive\n").unwrap();
    }
    let bundle = dir.join(format!("attestation-{}.sigstore.json", std::fs::read_dir(dir).unwrap().count()));
    attest(stack, dir, &subject, run_, kind, &bundle);
    (subject, bundle)
}

/// `verify-blob-attestation SUBJECT --bundle BUNDLE FLAGS --offline` against the stack's root.
fn verify(stack: &Stack, subject: &Path, bundle: &Path, flags: &[&str]) -> Output {
    let root = s(&stack.trusted_root());
    let (subject, bundle) = (s(subject), s(bundle));
    let mut args = vec!["verify-blob-attestation", &subject, "--bundle", &bundle, "--trusted-root", &root, "--offline"];
    args.extend_from_slice(flags);
    run(&args, &[])
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)))
}

#[test]
fn a_matching_github_attestation_passes_with_the_gh_flags() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let (subject, bundle) = attested(stack, dir.path(), &MAIN, "slsaprovenance1");

    let out = verify(
        stack,
        &subject,
        &bundle,
        &[
            "--repo",
            "octo/app",
            "--signer-workflow",
            "octo/app/.github/workflows/release.yml",
            "--source-ref",
            "refs/heads/main",
            "--source-digest",
            SHA,
            "--deny-self-hosted-runners",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    let a = &doc["artifacts"][0];
    assert_eq!(a["verdict"], "verified", "{doc:#}");
    assert_eq!(a["predicate_type"], SLSA_V1, "{doc:#}");
    assert_eq!(a["identity"], "https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main");
    assert_eq!(a["issuer"], GITHUB_ISSUER);
    let policy = a["checks"].as_array().unwrap().iter().find(|c| c["name"] == "identity-policy").unwrap();
    assert_eq!(policy["result"], "pass", "{doc:#}");
    assert!(policy["reason"].as_str().unwrap().contains("GitHub attestation flags"), "{doc:#}");

    // The owner alone, in another case (gh compares in any case), and the text report.
    let out = verify(stack, &subject, &bundle, &["--owner", "Octo"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("verified  "), "{}", text(&out));
}

#[test]
fn each_gh_flag_refuses_a_mismatching_attestation_and_names_the_claim() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let self_hosted = Run { runner: "self-hosted", ..MAIN };
    let (subject, bundle) = attested(stack, dir.path(), &self_hosted, "slsaprovenance1");

    // The attestation itself is good: the repository alone accepts it.
    let out = verify(stack, &subject, &bundle, &["--repo", "octo/app"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let cases: [(&[&str], &str, &[&str]); 7] = [
        (
            &["--owner", "evil"],
            "identity-policy",
            &["source-repository-owner-uri", "https://github.com/octo", "https://github.com/evil"],
        ),
        (
            &["--repo", "octo/other"],
            "identity-policy",
            &["source-repository-uri", "https://github.com/octo/app", "https://github.com/octo/other"],
        ),
        (
            &["--repo", "octo/app", "--signer-workflow", "octo/app/.github/workflows/deploy.yml"],
            "identity-policy",
            &[
                "identity",
                "https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main",
                "https://github.com/octo/app/.github/workflows/deploy.yml",
            ],
        ),
        (
            &["--repo", "octo/app", "--source-ref", "refs/tags/v1.0.0"],
            "identity-policy",
            &["source-repository-ref", "refs/heads/main", "refs/tags/v1.0.0"],
        ),
        (
            &["--repo", "octo/app", "--source-digest", "ffffffffffffffffffffffffffffffffffffffff"],
            "identity-policy",
            &["source-repository-digest", SHA, "ffffffffffffffffffffffffffffffffffffffff"],
        ),
        (
            &["--repo", "octo/app", "--deny-self-hosted-runners"],
            "identity-policy",
            &["runner-environment", "self-hosted", "github-hosted"],
        ),
        (
            &["--repo", "octo/app", "--predicate-type", "https://spdx.dev/Document"],
            "predicate-type",
            &[SLSA_V1, "https://spdx.dev/Document"],
        ),
    ];
    for (flags, check, named) in cases {
        let mut args = flags.to_vec();
        args.extend(["-o", "json"]);
        let out = verify(stack, &subject, &bundle, &args);
        assert_eq!(out.status.code(), Some(1), "{flags:?}: {}", text(&out));
        let doc = json(&out);
        let a = &doc["artifacts"][0];
        assert_eq!(a["verdict"], "failed", "{flags:?}: {doc:#}");
        assert_eq!(a["failed_check"], check, "{flags:?}: {doc:#}");
        let reason = a["reason"].as_str().unwrap();
        for want in named {
            assert!(reason.contains(want), "{flags:?}: {want:?} not in {reason:?}");
        }
        // The text report says the same on the artifact's line.
        let out = verify(stack, &subject, &bundle, flags);
        assert_eq!(out.status.code(), Some(1), "{flags:?}: {}", text(&out));
        let line = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(line.starts_with("FAILED") && line.contains(named[0]), "{flags:?}: {}", text(&out));
    }
}

#[test]
fn github_flags_require_provenance_unless_another_predicate_type_is_named() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let (subject, bundle) = attested(stack, dir.path(), &MAIN, "spdxjson");

    let out = verify(stack, &subject, &bundle, &["--repo", "octo/app", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["artifacts"][0]["failed_check"], "predicate-type", "{doc:#}");
    assert!(doc["artifacts"][0]["reason"].as_str().unwrap().contains(SLSA_V1), "{doc:#}");

    for named in ["https://spdx.dev/Document", "spdxjson"] {
        let out = verify(stack, &subject, &bundle, &["--repo", "octo/app", "--predicate-type", named]);
        assert_eq!(out.status.code(), Some(0), "{named}: {}", text(&out));
    }
    // Without GitHub flags there is no default predicate type (cosign's flags, as before).
    let identity = "https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main";
    let out = verify(
        stack,
        &subject,
        &bundle,
        &["--certificate-identity", identity, "--certificate-oidc-issuer", GITHUB_ISSUER],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A bundle file as JSON text on one line; `api` wraps it as GitHub's attestations API does.
fn line_of(bundle: &Path, api: bool) -> String {
    let b: Value = serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    if api {
        serde_json::json!({"bundle": b, "repository_id": 123}).to_string()
    } else {
        b.to_string()
    }
}

#[test]
fn a_json_lines_file_passes_when_one_bundle_matches_and_reports_every_bundle() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let (subject, other_repo) = attested(stack, dir.path(), &Run { repo: "octo/other", ..MAIN }, "slsaprovenance1");
    let (_, matching) = attested(stack, dir.path(), &MAIN, "slsaprovenance1");
    let (_, branch) = attested(stack, dir.path(), &Run { git_ref: "refs/heads/dev", ..MAIN }, "slsaprovenance1");
    let jsonl = dir.path().join("sha256-app.jsonl");
    let lines = [line_of(&other_repo, false), line_of(&matching, true), line_of(&branch, false)];
    std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
    let flags = ["--repo", "octo/app", "--source-ref", "refs/heads/main"];

    let mut json_flags = flags.to_vec();
    json_flags.extend(["-o", "json"]);
    let out = verify(stack, &subject, &jsonl, &json_flags);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    let artifacts = doc["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 3, "{doc:#}");
    let verdicts: Vec<&str> = artifacts.iter().map(|a| a["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["failed", "verified", "failed"], "{doc:#}");
    for (i, a) in artifacts.iter().enumerate() {
        assert_eq!(a["bundle"]["index"], i + 1, "{doc:#}");
        assert_eq!(a["bundle"]["line"], i + 1, "{doc:#}");
        assert_eq!(a["bundle"]["count"], 3, "{doc:#}");
    }
    assert!(artifacts[0]["reason"].as_str().unwrap().contains("source-repository-uri"), "{doc:#}");
    assert!(artifacts[2]["reason"].as_str().unwrap().contains("source-repository-ref"), "{doc:#}");
    assert_eq!(doc["summary"]["accepted_bundles"], serde_json::json!([2]), "{doc:#}");
    assert_eq!(doc["summary"]["attested"], true, "{doc:#}");
    assert_eq!(doc["exit_code"], 0, "{doc:#}");

    let out = verify(stack, &subject, &jsonl, &flags);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", text(&out));
    assert!(lines[0].starts_with("FAILED") && lines[0].contains("(bundle 1 of 3, line 1)"), "{}", text(&out));
    assert!(lines[1].starts_with("verified") && lines[1].contains("(bundle 2 of 3, line 2)"), "{}", text(&out));
    assert!(lines[2].starts_with("FAILED") && lines[2].contains("(bundle 3 of 3, line 3)"), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("attested by bundle 2 of 3"), "{}", text(&out));
}

#[test]
fn a_json_lines_file_where_no_bundle_matches_exits_1() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let (subject, other_repo) = attested(stack, dir.path(), &Run { repo: "octo/other", ..MAIN }, "slsaprovenance1");
    let (_, branch) = attested(stack, dir.path(), &Run { git_ref: "refs/heads/dev", ..MAIN }, "slsaprovenance1");
    let jsonl = dir.path().join("none.jsonl");
    std::fs::write(&jsonl, format!("{}\n{}\n", line_of(&other_repo, true), line_of(&branch, false))).unwrap();
    let flags = ["--repo", "octo/app", "--source-ref", "refs/heads/main"];

    let out = verify(stack, &subject, &jsonl, &flags);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with("FAILED")).count(), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not attested"), "{}", text(&out));

    let mut json_flags = flags.to_vec();
    json_flags.extend(["-o", "json"]);
    let out = verify(stack, &subject, &jsonl, &json_flags);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["summary"]["accepted_bundles"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["summary"]["attested"], false, "{doc:#}");
    assert_eq!(doc["exit_code"], 1, "{doc:#}");
}

#[test]
fn github_flags_without_owner_or_repo_or_with_a_key_are_usage_errors() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let subject = dir.path().join("a.bin");
    std::fs::write(&subject, b"a").unwrap();
    let key = dir.path().join("cosign.pub");
    std::fs::write(&key, b"not read").unwrap();
    let bundle = dir.path().join("a.bin.intoto.sigstore.json");
    for (flags, named) in [
        (vec!["--source-ref", "refs/heads/main"], "--owner OWNER or --repo OWNER/REPO"),
        (vec!["--repo", "octo"], "OWNER/REPO"),
        (vec!["--repo", "octo/app", "--hostname", "github.example.com"], "GitHub Enterprise Server"),
        (vec!["--repo", "octo/app", "--key", key.to_str().unwrap()], "--key"),
        (vec!["--repo", "octo/app", "--certificate-oidc-issuer", GITHUB_ISSUER], "--cert-oidc-issuer"),
    ] {
        let out = verify(stack, &subject, &bundle, &flags);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains(named), "{flags:?}: {}", text(&out));
    }
}
