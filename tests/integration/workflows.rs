//! The GitHub Actions files (.github/workflows/*.yml and the composite action.yml): actionlint
//! (with shellcheck on `run:` steps) passes on all of them, and the release workflow's trigger,
//! permissions and action pins are what docs/github-actions.md promises. The linters and `PyYAML`
//! are installed by scripts/lint-tools.sh into a venv under the target dir; the YAML is parsed
//! by `PyYAML` and the assertions are made here on its JSON.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::repo_root;
use serde_json::Value;

struct Tools {
    actionlint: PathBuf,
    shellcheck: PathBuf,
    python: PathBuf,
}

/// The linters, installed once per test process by scripts/lint-tools.sh.
fn tools() -> &'static Tools {
    static TOOLS: OnceLock<Tools> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let mut tools = common::install_tools("scripts/lint-tools.sh", "the linters");
        let mut get =
            |key: &str| tools.remove(key).unwrap_or_else(|| panic!("scripts/lint-tools.sh printed no {key}= line"));
        Tools { actionlint: get("ACTIONLINT"), shellcheck: get("SHELLCHECK"), python: get("PYTHON") }
    })
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// YAML (1.1, as `PyYAML` reads it) to JSON. GitHub's `on:` key is the boolean true in YAML 1.1;
/// it is put back under "on".
const YAML_TO_JSON: &str = r#"
import json, sys, yaml
doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
if isinstance(doc, dict) and True in doc:
    doc["on"] = doc.pop(True)
print(json.dumps(doc))
"#;

fn parse(path: &Path) -> Value {
    let out = Command::new(&tools().python).arg("-c").arg(YAML_TO_JSON).arg(path).output().expect("run python");
    assert!(out.status.success(), "{} is not valid YAML:\n{}", path.display(), text(&out));
    serde_json::from_slice(&out.stdout).expect("JSON from PyYAML")
}

fn workflows() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo_root().join(".github/workflows"))
        .expect(".github/workflows")
        .map(|e| e.expect("entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    v.sort();
    v
}

fn actionlint(dir: &Path, files: &[PathBuf]) -> Output {
    Command::new(&tools().actionlint)
        .arg("-no-color")
        .arg("-shellcheck")
        .arg(&tools().shellcheck)
        .args(files)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run actionlint")
}

#[test]
fn actionlint_passes_on_every_workflow() {
    let files = workflows();
    let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().to_string()).collect();
    assert!(names.contains(&"release.yml".to_string()) && names.contains(&"ci.yml".to_string()), "{names:?}");
    let out = actionlint(&repo_root(), &files);
    assert!(out.status.success(), "actionlint found problems:\n{}", text(&out));
}

#[test]
fn actionlint_reports_a_broken_workflow() {
    // The linter is live: an unknown runner label, an injectable expression in a script and a
    // shellcheck finding are all reported.
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("broken.yml");
    std::fs::write(
        &wf,
        "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-19.04-arm\n    steps:\n      - run: echo ${{ github.event.head_commit.message }}\n      - run: cd $HOME/x; rm -rf $DIR/*\n",
    )
    .unwrap();
    let out = actionlint(dir.path(), &[wf]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    for rule in ["[runner-label]", "[expression]", "[shellcheck]"] {
        assert!(report.contains(rule), "actionlint did not report {rule}:\n{}", text(&out));
    }
}

fn release() -> Value {
    parse(&repo_root().join(".github/workflows/release.yml"))
}

fn jobs(wf: &Value) -> Vec<(String, Value)> {
    wf["jobs"].as_object().expect("jobs").iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Every `run:` script of a job, joined.
fn scripts(job: &Value) -> String {
    job["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|st| st["run"].as_str()).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

fn uses(job: &Value) -> Vec<String> {
    job["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|st| st["uses"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[test]
fn release_workflow_runs_on_published_releases_and_on_manual_dry_runs_with_a_tag() {
    let wf = release();
    let on = &wf["on"];
    assert_eq!(on["release"]["types"], serde_json::json!(["published"]), "{on:#}");
    let input = &on["workflow_dispatch"]["inputs"]["tag"];
    assert_eq!(input["required"], true, "{on:#}");
    assert_eq!(on.as_object().unwrap().len(), 2, "no other trigger: {on:#}");
    // The dry run uploads and pushes nothing: every job that writes runs for releases only.
    for (name, job) in jobs(&wf) {
        if job["permissions"]["contents"] == "write" {
            assert_eq!(job["if"], "github.event_name == 'release'", "job {name} writes and must not run in a dry run");
        }
    }
    let sign = &wf["jobs"]["sign"];
    let dry: Vec<&Value> = sign["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["if"] == "github.event_name == 'workflow_dispatch'")
        .collect();
    assert!(
        dry.iter().any(|s| s["run"].as_str().unwrap_or("").contains("scripts/release/verify-gate.sh")),
        "the dry run runs the gate"
    );
}

#[test]
fn release_workflow_permissions_are_least_privilege() {
    let wf = release();
    assert_eq!(wf["permissions"], serde_json::json!({"contents": "read"}), "top level: read-only");
    let mut signers = Vec::new();
    for (name, job) in jobs(&wf) {
        let perms = job["permissions"].as_object().unwrap_or_else(|| panic!("job {name} states its permissions"));
        let run = scripts(&job);
        for (scope, level) in perms {
            assert!(
                level == "read"
                    || (scope == "contents" && level == "write")
                    || (scope == "id-token" && level == "write"),
                "job {name}: unexpected permission {scope}: {level}"
            );
        }
        let signs = run.contains("scripts/release/sign-tag.sh") || run.contains("scripts/release/sign-assets.sh");
        let id_token = perms.get("id-token").is_some_and(|v| v == "write");
        assert_eq!(id_token, signs, "job {name}: id-token: write exactly where sigseal signs");
        if id_token {
            signers.push(name.clone());
        }
        let writes = [
            "gh release upload",
            "gh release edit",
            "git push",
            "push-tag.sh",
            "release-state.sh hold",
            "release-state.sh final",
        ]
        .iter()
        .any(|w| run.contains(w));
        let contents_write = perms.get("contents").is_some_and(|v| v == "write");
        assert_eq!(
            contents_write, writes,
            "job {name}: contents: write exactly where the release is edited, uploaded or the tag pushed"
        );
        assert!(!(id_token && contents_write), "job {name} may sign or write, not both");
    }
    assert_eq!(signers, vec!["sign".to_string()], "one signing job");
    // The gate comes after the upload and before the release is made final.
    assert_eq!(wf["jobs"]["gate"]["needs"], serde_json::json!(["publish"]));
    assert_eq!(wf["jobs"]["finalize"]["needs"], serde_json::json!(["gate"]));
    let gate = &wf["jobs"]["gate"];
    let run = scripts(gate);
    assert!(
        run.contains("gh release download")
            && run.contains("scripts/release/verify-gate.sh")
            && run.contains("--require-cosign"),
        "{run}"
    );
    assert!(uses(gate).iter().any(|u| u.starts_with("sigstore/cosign-installer@")), "the gate installs cosign");
    assert!(scripts(&wf["jobs"]["finalize"]).contains("release-state.sh final"));
}

/// Problems with the pins of `uses:` in a parsed workflow or action, and in its text (the
/// comment naming the release is only in the text).
fn pin_problems(doc: &Value, source: &str) -> Vec<String> {
    let mut found = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(u) = m.get("uses").and_then(Value::as_str) {
                    out.push(u.to_string());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(doc, &mut found);
    let sha = regex::Regex::new(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$").unwrap();
    let commented = regex::Regex::new(r"uses:\s*(\S+)\s+#\s*v\d+\.\d+\.\d+\s*$").unwrap();
    let mut problems = Vec::new();
    for u in found {
        if u.starts_with("./") || u.starts_with("docker://") {
            continue;
        }
        if !sha.is_match(&u) {
            problems.push(format!("{u}: not pinned to a full commit SHA"));
            continue;
        }
        let has_comment = source.lines().filter_map(|l| commented.captures(l)).any(|c| c[1] == *u);
        if !has_comment {
            problems.push(format!("{u}: no `# vX.Y.Z` comment naming the release"));
        }
    }
    problems
}

#[test]
fn every_third_party_action_is_pinned_to_a_full_commit_sha_with_its_release_named() {
    let mut files = workflows();
    files.push(repo_root().join("action.yml"));
    let mut count = 0;
    for f in &files {
        let source = std::fs::read_to_string(f).unwrap();
        count += source.matches("uses:").count();
        let problems = pin_problems(&parse(f), &source);
        assert!(problems.is_empty(), "{}:\n{}", f.display(), problems.join("\n"));
    }
    assert!(count >= 10, "the pins were not found ({count} uses)");

    // The check itself catches a tag, a short SHA and a missing comment.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    let src = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v6\n      - uses: actions/checkout@de0fac2e\n      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd\n      - uses: ./local\n";
    std::fs::write(&bad, src).unwrap();
    let problems = pin_problems(&parse(&bad), src);
    assert_eq!(problems.len(), 3, "{problems:#?}");
}

#[test]
fn composite_action_reuses_the_release_scripts_and_its_documented_example_passes_actionlint() {
    let action = parse(&repo_root().join("action.yml"));
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().unwrap();
    for i in [
        "assets",
        "sign-tag",
        "certificate-identity",
        "certificate-identity-regexp",
        "certificate-oidc-issuer",
        "policy-file",
        "sigseal-version",
        "upload",
    ] {
        assert!(inputs.contains_key(i), "input {i} missing");
    }
    let outputs = action["outputs"].as_object().unwrap();
    assert!(outputs.contains_key("signed-files") && outputs.contains_key("manifest"));
    let steps = action["runs"]["steps"].as_array().unwrap();
    let runs: String = steps.iter().filter_map(|s| s["run"].as_str()).collect::<Vec<_>>().join("\n");
    for script in ["install-sigseal.sh", "sign-tag.sh", "sign-assets.sh", "verify-gate.sh"] {
        assert!(
            runs.contains(&format!("$GITHUB_ACTION_PATH/scripts/release/{script}")),
            "the action does not run {script}"
        );
    }

    // Every run step is bash that passes shellcheck (no ${{ }} inside: inputs come through env).
    let dir = tempfile::tempdir().unwrap();
    for (i, s) in steps.iter().enumerate() {
        let Some(run) = s["run"].as_str() else { continue };
        assert_eq!(s["shell"], "bash", "step {i}");
        assert!(!run.contains("${{"), "step {i} interpolates an expression into its script:\n{run}");
        let f = dir.path().join(format!("step{i}.sh"));
        std::fs::write(&f, format!("#!/usr/bin/env bash\nset -euo pipefail\n{run}")).unwrap();
        let out = Command::new(&tools().shellcheck).arg(&f).output().unwrap();
        assert!(out.status.success(), "action.yml step {i} ({}):\n{}", s["name"], text(&out));
    }

    // The consumer example of docs/github-actions.md, pointed at this action.yml (`uses: ./`),
    // passes actionlint, which then checks its `with:` against the action's inputs.
    let doc = std::fs::read_to_string(repo_root().join("docs/github-actions.md")).unwrap();
    let start = doc.find("<!-- consumer-example -->").expect("docs/github-actions.md marks its consumer example");
    let rest = &doc[start..];
    let body =
        rest.split("```yaml\n").nth(1).and_then(|b| b.split("\n```").next()).expect("a yaml block after the marker");
    let re = regex::Regex::new(r"uses: \S+/sigseal@[0-9a-f]{40} # v\S+").unwrap();
    assert!(re.is_match(body), "the example pins the action by SHA:\n{body}");
    let local = re.replace_all(body, "uses: ./");
    let repo = tempfile::tempdir().unwrap();
    let git = Command::new("git").args(["init", "-q"]).current_dir(repo.path()).status().unwrap();
    assert!(git.success());
    std::fs::create_dir_all(repo.path().join(".github/workflows")).unwrap();
    std::fs::copy(repo_root().join("action.yml"), repo.path().join("action.yml")).unwrap();
    let wf = repo.path().join(".github/workflows/release.yml");
    std::fs::write(&wf, local.as_bytes()).unwrap();
    let out = actionlint(repo.path(), std::slice::from_ref(&wf));
    assert!(out.status.success(), "the documented example fails actionlint:\n{}\n{local}", text(&out));
    // ... and actionlint does read the action: an unknown input is reported.
    std::fs::write(&wf, local.replace("upload: true", "upload: true\n          no-such-input: x")).unwrap();
    let out = actionlint(repo.path(), &[wf]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no-such-input"), "{}", text(&out));
}

#[test]
fn release_scripts_pass_shellcheck() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("scripts/release"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    files.push(repo_root().join("scripts/lint-tools.sh"));
    let out = Command::new(&tools().shellcheck).arg("-x").args(&files).current_dir(repo_root()).output().unwrap();
    assert!(out.status.success(), "shellcheck:\n{}", text(&out));
    // Each script starts with its usage and fails fast.
    for f in files.iter().filter(|f| !f.ends_with("common.sh")) {
        let src = std::fs::read_to_string(f).unwrap();
        assert!(src.starts_with("#!/usr/bin/env bash\n"), "{}", f.display());
        assert!(src.contains("\n# usage: ") && src.contains("\nset -euo pipefail\n"), "{}", f.display());
    }
}

#[test]
fn ci_workflow_runs_the_project_test_command_read_only() {
    let wf = parse(&repo_root().join(".github/workflows/ci.yml"));
    assert_eq!(wf["permissions"], serde_json::json!({"contents": "read"}));
    let all: String = jobs(&wf).iter().map(|(_, j)| scripts(j)).collect::<Vec<_>>().join("\n");
    assert!(all.contains("bash .ci/run"), "{all}");
    for (name, job) in jobs(&wf) {
        for (scope, level) in job["permissions"].as_object().unwrap_or_else(|| panic!("{name} states its permissions"))
        {
            assert_eq!(level, "read", "job {name}: {scope}");
        }
    }
}
