//! The sigstore-conformance suite's signing tests, run by pytest against `sigseal sign-bundle` /
//! `verify-bundle` and the local stack: tests/conformance holds the suite's test code as it
//! ships and a pytest plugin (`local_stack.py`) that puts the stack where the suite would reach
//! the public-good instance. Its assets are read from ../shared; absent, the test is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{install_tools, isolate, repo_root, s, shared_dir, sigseal_bin, text, Stack};

/// The suite's signing tests (junit names): each must run and pass.
const SIGNING_TESTS: &[&str] = &[
    "test_simple",
    "test_sign_does_not_produce_root[PATH]",
    "test_sign_does_not_produce_root[DIGEST]",
    "test_sign_verify_rekor2",
    "test_sign_verify_dsse",
];

#[test]
fn conformance_signing_tests_pass_against_the_local_stack() {
    let Some(assets) = shared_dir().map(|d| d.join("conformance/assets")).filter(|d| d.is_dir()) else {
        eprintln!("SKIP: ../shared/conformance/assets is absent, so the sigstore-conformance suite cannot be run");
        return;
    };
    assert!(assets.join("a.txt").is_file(), "the suite's assets lack a.txt: {}", assets.display());
    let tools = install_tools("scripts/conformance-tools.sh", "pytest and the conformance suite's dependencies");
    let python = tools.get("CONFORMANCE_PYTHON").expect("scripts/conformance-tools.sh printed no CONFORMANCE_PYTHON=");
    let stack = Stack::shared();
    let work = tempfile::tempdir().expect("temp dir");

    // The client under test: sigseal with the stack's trust and signing config, which the
    // suite's --trusted-root / --signing-config override where it passes them.
    let sigseal = s(&sigseal_bin());
    let entrypoint = write_script(
        work.path(),
        "sigseal-client",
        &[
            ("SIGSEAL_TRUSTED_ROOT", s(&stack.trusted_root())),
            ("SIGSEAL_SIGNING_CONFIG", s(&stack.path("signing_config.json"))),
        ],
        &format!("exec {} \"$@\"", quote(&sigseal)),
    );
    let (out, outcomes) = run_suite(python, stack, &entrypoint, work.path(), "real");
    eprintln!("{}", text(&out));
    let problems = what_went_wrong(&out, &outcomes);
    assert!(problems.is_empty(), "sigstore-conformance signing tests: {problems:?}\n{}", text(&out));

    // The same check on a client that fails everything: a failing conformance test fails it.
    let broken = write_script(work.path(), "broken-client", &[], "echo 'no signature today' >&2\nexit 1");
    let (out, outcomes) = run_suite(python, stack, &broken, work.path(), "broken");
    let problems = what_went_wrong(&out, &outcomes);
    assert!(
        SIGNING_TESTS.iter().all(|t| problems.iter().any(|p| p.starts_with(&format!("{t}: failed")))),
        "a client that fails every command went unnoticed: {problems:?}\n{}",
        text(&out)
    );
}

/// Run pytest on tests/conformance with the `local_stack` plugin and `entrypoint` as the client;
/// returns its output and the outcome of each test from its junit XML.
fn run_suite(
    python: &Path,
    stack: &Stack,
    entrypoint: &Path,
    work: &Path,
    label: &str,
) -> (Output, BTreeMap<String, String>) {
    let dir = work.join(label);
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let junit = dir.join("junit.xml");
    let suite = repo_root().join("tests/conformance");
    let token =
        stack.token_with("sub=alice@example.com&email=alice@example.com&email_verified=true&aud=sigstore&ttl=900");
    let mut c = Command::new(python);
    isolate(&mut c);
    c.args(["-m", "pytest", "-p", "local_stack", "-rA", "--entrypoint"]).arg(entrypoint);
    c.arg("--junitxml").arg(&junit).arg("test").current_dir(&suite);
    c.env("PYTHONPATH", &suite).env("PYTHONDONTWRITEBYTECODE", "1").env("HOME", &dir).env("TMPDIR", &tmp);
    c.env("NO_PROXY", "127.0.0.1,localhost").env("COLUMNS", "200");
    c.env("CONFORMANCE_STACK_DIR", stack.dir.path()).env("CONFORMANCE_IDENTITY_TOKEN", &token);
    let mut out = c.stdin(Stdio::null()).output().expect("run pytest");
    // The suite prints a failed command whole, the token with it: keep it out of the test's output.
    for stream in [&mut out.stdout, &mut out.stderr] {
        *stream = String::from_utf8_lossy(stream).replace(&token, "[identity token]").into_bytes();
    }
    let xml = std::fs::read_to_string(&junit).unwrap_or_default();
    (out, junit_outcomes(&xml))
}

/// Everything wrong with a run: pytest's exit status, and each signing test that did not pass.
fn what_went_wrong(out: &Output, outcomes: &BTreeMap<String, String>) -> Vec<String> {
    let mut found: Vec<String> = SIGNING_TESTS
        .iter()
        .filter_map(|t| match outcomes.get(*t).map(String::as_str) {
            Some("passed") => None,
            Some(other) => Some(format!("{t}: {other}")),
            None => Some(format!("{t}: did not run")),
        })
        .collect();
    let others = outcomes.iter().filter(|(t, o)| *o != "passed" && !SIGNING_TESTS.contains(&t.as_str()));
    found.extend(others.map(|(t, o)| format!("{t}: {o}")));
    if !out.status.success() {
        found.push(format!("pytest exited with {}", out.status));
    }
    found
}

/// Name and outcome (`passed`, `failed`, `error`, `skipped`) of each `<testcase>` of pytest's
/// junit XML.
fn junit_outcomes(xml: &str) -> BTreeMap<String, String> {
    let mut outcomes = BTreeMap::new();
    for case in xml.split("<testcase ").skip(1) {
        let Some(open_end) = case.find('>') else { continue };
        let open = &case[..open_end];
        let Some(name) = open.split(" name=\"").nth(1).and_then(|n| n.split('"').next()) else { continue };
        let body = if open.ends_with('/') { "" } else { case[open_end..].split("</testcase>").next().unwrap_or("") };
        let outcome = ["failure", "error", "skipped"]
            .iter()
            .find(|tag| body.contains(&format!("<{tag}")))
            .map_or("passed", |tag| if *tag == "failure" { "failed" } else { tag });
        outcomes.insert(name.replace("&quot;", "\"").replace("&amp;", "&"), outcome.to_string());
    }
    outcomes
}

/// An executable shell script in `dir` that exports `env` and runs `body`.
fn write_script(dir: &Path, name: &str, env: &[(&str, String)], body: &str) -> PathBuf {
    use std::fmt::Write;
    use std::os::unix::fs::PermissionsExt;
    let mut script = String::from("#!/bin/sh\n");
    for (k, v) in env {
        writeln!(script, "export {k}={}", quote(v)).expect("write to a String");
    }
    script.push_str(body);
    script.push('\n');
    let path = dir.join(name);
    std::fs::write(&path, script).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod script");
    path
}

/// `v` single-quoted for sh.
fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}
