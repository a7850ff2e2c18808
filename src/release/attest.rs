//! Attestations: in-toto Statement v1 over release assets (subjects = file names and SHA-256),
//! cosign's predicate-type shorthands, and SLSA v1 provenance generated from the GitHub Actions
//! environment (the shape of GitHub's own build-provenance attestations).

use serde_json::{json, Value};

use crate::error::{Error, Result};

/// in-toto Statement v1 type.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// SLSA provenance v1 predicate type.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// Build type of provenance generated from a GitHub Actions workflow run.
pub const GITHUB_WORKFLOW_BUILD_TYPE: &str = "https://actions.github.io/buildtypes/workflow/v1";
/// Largest predicate file read.
pub const MAX_PREDICATE_BYTES: u64 = 16 << 20;

/// cosign's `--type` shorthands and the predicate type URIs they stand for.
pub const SHORTHANDS: [(&str, &str); 10] = [
    ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance1", SLSA_PROVENANCE_V1),
    ("link", "https://in-toto.io/Link/v1"),
    ("spdx", "https://spdx.dev/Document"),
    ("spdxjson", "https://spdx.dev/Document"),
    ("cyclonedx", "https://cyclonedx.org/bom"),
    ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
    ("openvex", "https://openvex.dev/ns"),
    ("custom", "https://cosign.sigstore.dev/attestation/v1"),
];

/// The predicate type URI for a `--type` value: a shorthand or an absolute URI.
pub fn predicate_type(arg: &str) -> Result<String> {
    if let Some((_, uri)) = SHORTHANDS.iter().find(|(short, _)| short.eq_ignore_ascii_case(arg)) {
        return Ok((*uri).to_string());
    }
    match url::Url::parse(arg) {
        Ok(u) if !u.cannot_be_a_base() => Ok(arg.to_string()),
        _ => Err(Error::Usage(format!(
            "--type {arg:?} is neither a predicate type URI nor one of: {}",
            SHORTHANDS.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// An in-toto Statement v1 (JSON bytes) about `subjects` (name, SHA-256).
pub fn statement(subjects: &[(String, [u8; 32])], predicate_type: &str, predicate: &Value) -> Result<Vec<u8>> {
    if !predicate.is_object() {
        return Err(Error::Usage("the predicate must be a JSON object".into()));
    }
    let subject: Vec<Value> =
        subjects.iter().map(|(name, d)| json!({"name": name, "digest": {"sha256": hex::encode(d)}})).collect();
    let st =
        json!({"_type": STATEMENT_V1, "subject": subject, "predicateType": predicate_type, "predicate": predicate});
    serde_json::to_vec(&st).map_err(|e| Error::Crypto("statement to JSON".into()).because(e))
}

/// Read a predicate file (JSON object).
pub fn read_predicate(path: &std::path::Path) -> Result<Value> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut text = Vec::new();
    file.take(MAX_PREDICATE_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    if text.len() as u64 > MAX_PREDICATE_BYTES {
        return Err(Error::Usage(format!(
            "{} is larger than {} MiB; a predicate is metadata",
            path.display(),
            MAX_PREDICATE_BYTES >> 20
        )));
    }
    let value: Value =
        serde_json::from_slice(&text).map_err(|e| Error::Usage(format!("{} is not JSON: {e}", path.display())))?;
    if !value.is_object() {
        return Err(Error::Usage(format!("{} must hold a JSON object (the predicate)", path.display())));
    }
    Ok(value)
}

/// SLSA v1 provenance for the GitHub Actions run described by `env` (a variable lookup, e.g.
/// the process environment): builder id = the workflow ref, the source repository and commit
/// as the resolved dependency, the event, and the run as invocation.
pub fn github_provenance(env: impl Fn(&str) -> Option<String>) -> Result<Value> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let required = [
        "GITHUB_REPOSITORY",
        "GITHUB_WORKFLOW_REF",
        "GITHUB_SHA",
        "GITHUB_REF",
        "GITHUB_RUN_ID",
        "GITHUB_RUN_ATTEMPT",
        "GITHUB_EVENT_NAME",
    ];
    let missing: Vec<&str> = required.iter().copied().filter(|n| get(n).is_none()).collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "--type slsaprovenance1 without --predicate generates provenance from a GitHub Actions run, \
             but {} {} not set; run it in a workflow step, or give --predicate FILE",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )));
    }
    let v = |n: &str| get(n).unwrap_or_default();
    let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    let server = server.trim_end_matches('/');
    let repository = v("GITHUB_REPOSITORY");
    let workflow_ref = v("GITHUB_WORKFLOW_REF");
    // owner/repo/.github/workflows/release.yml@refs/tags/v1.0.0
    let (workflow_path_full, workflow_git_ref) = workflow_ref
        .split_once('@')
        .ok_or_else(|| Error::Usage(format!("GITHUB_WORKFLOW_REF {workflow_ref:?} is not OWNER/REPO/PATH@REF")))?;
    let workflow_path =
        workflow_path_full.strip_prefix(&format!("{repository}/")).unwrap_or(workflow_path_full).to_string();
    let optional = |n: &str| get(n).map_or(Value::Null, Value::String);
    Ok(json!({
        "buildDefinition": {
            "buildType": GITHUB_WORKFLOW_BUILD_TYPE,
            "externalParameters": {
                "workflow": {
                    "ref": workflow_git_ref,
                    "repository": format!("{server}/{repository}"),
                    "path": workflow_path,
                }
            },
            "internalParameters": {
                "github": {
                    "event_name": v("GITHUB_EVENT_NAME"),
                    "repository_id": optional("GITHUB_REPOSITORY_ID"),
                    "repository_owner_id": optional("GITHUB_REPOSITORY_OWNER_ID"),
                    "runner_environment": optional("RUNNER_ENVIRONMENT"),
                }
            },
            "resolvedDependencies": [{
                "uri": format!("git+{server}/{repository}@{}", v("GITHUB_REF")),
                "digest": {"gitCommit": v("GITHUB_SHA")},
            }],
        },
        "runDetails": {
            "builder": {"id": format!("{server}/{workflow_ref}")},
            "metadata": {
                "invocationId": format!("{server}/{repository}/actions/runs/{}/attempts/{}", v("GITHUB_RUN_ID"), v("GITHUB_RUN_ATTEMPT")),
            },
        },
    }))
}

/// What a verified attestation says.
#[derive(Clone, Debug)]
pub struct StatementFacts {
    /// `predicateType`.
    pub predicate_type: String,
    /// Subjects: name and SHA-256 hex (when given).
    pub subjects: Vec<(String, Option<String>)>,
    /// The predicate.
    pub predicate: Value,
}

/// Read a DSSE payload as an in-toto statement.
pub fn read_statement(payload_type: &str, payload: &[u8]) -> Result<StatementFacts> {
    if payload_type != crate::sigstore::IN_TOTO_PAYLOAD_TYPE {
        return Err(Error::Malformed(format!(
            "the envelope's payload type is {payload_type:?}, not an in-toto statement"
        )));
    }
    let v: Value =
        serde_json::from_slice(payload).map_err(|e| Error::Malformed("in-toto statement".into()).because(e))?;
    let predicate_type = v["predicateType"]
        .as_str()
        .ok_or_else(|| Error::Malformed("in-toto statement has no predicateType".into()))?
        .to_string();
    let subjects = v["subject"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap_or_default().to_string(),
                        s["digest"]["sha256"].as_str().map(str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(StatementFacts { predicate_type, subjects, predicate: v["predicate"].clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn shorthands_and_uris_name_predicate_types_and_others_are_refused() {
        assert_eq!(predicate_type("slsaprovenance1").unwrap(), SLSA_PROVENANCE_V1);
        assert_eq!(predicate_type("SPDXJSON").unwrap(), "https://spdx.dev/Document");
        assert_eq!(predicate_type("https://example.com/p/v1").unwrap(), "https://example.com/p/v1");
        assert_eq!(predicate_type("sbom").unwrap_err().code(), "SS0001");
    }

    #[test]
    fn statement_lists_every_subject_with_its_sha256() {
        let st = statement(&[("a.tar.gz".into(), [1; 32]), ("b.zip".into(), [2; 32])], "https://x/y", &json!({"k": 1}))
            .unwrap();
        let v: Value = serde_json::from_slice(&st).unwrap();
        assert_eq!(v["_type"], STATEMENT_V1);
        assert_eq!(v["subject"][1]["name"], "b.zip");
        assert_eq!(v["subject"][1]["digest"]["sha256"], "02".repeat(32));
        assert_eq!(v["predicate"]["k"], 1);
        assert!(statement(&[], "https://x/y", &json!([1])).is_err());
    }

    fn actions_env() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("GITHUB_WORKFLOW_REF", "octo/app/.github/workflows/release.yml@refs/tags/v1.2.0"),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            ("GITHUB_REF", "refs/tags/v1.2.0"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_EVENT_NAME", "push"),
            ("RUNNER_ENVIRONMENT", "github-hosted"),
        ])
    }

    #[test]
    fn provenance_names_the_workflow_source_commit_and_run() {
        let env = actions_env();
        let p = github_provenance(|n| env.get(n).map(ToString::to_string)).unwrap();
        assert_eq!(
            p["runDetails"]["builder"]["id"],
            "https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1.2.0"
        );
        assert_eq!(p["buildDefinition"]["buildType"], GITHUB_WORKFLOW_BUILD_TYPE);
        let wf = &p["buildDefinition"]["externalParameters"]["workflow"];
        assert_eq!(wf["path"], ".github/workflows/release.yml");
        assert_eq!(wf["ref"], "refs/tags/v1.2.0");
        assert_eq!(wf["repository"], "https://github.com/octo/app");
        let dep = &p["buildDefinition"]["resolvedDependencies"][0];
        assert_eq!(dep["uri"], "git+https://github.com/octo/app@refs/tags/v1.2.0");
        assert_eq!(dep["digest"]["gitCommit"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(
            p["runDetails"]["metadata"]["invocationId"],
            "https://github.com/octo/app/actions/runs/42/attempts/2"
        );
        assert_eq!(p["buildDefinition"]["internalParameters"]["github"]["event_name"], "push");
    }

    #[test]
    fn provenance_outside_actions_names_what_is_missing() {
        let mut env = actions_env();
        env.remove("GITHUB_SHA");
        env.remove("GITHUB_RUN_ID");
        let e = github_provenance(|n| env.get(n).map(ToString::to_string)).unwrap_err();
        assert!(e.to_string().contains("GITHUB_SHA, GITHUB_RUN_ID are not set"), "{e}");
    }
}
