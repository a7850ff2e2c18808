//! Real gitsign signatures (../shared/fixtures/gitsign) judged offline as EXPECTED.tsv says,
//! through sigseal's verify mode and through `git verify-tag` / `git verify-commit`.

use crate::common;

use common::{gits, sigseal, split_signed_object, Repo};

struct Case {
    file: String,
    kind: String,
    id: String,
    identity: String,
    issuer: String,
    expected: String,
}

fn cases() -> Option<(std::path::PathBuf, Vec<Case>)> {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared is absent; gitsign fixtures not checked");
        return None;
    };
    let dir = shared.join("fixtures/gitsign");
    let tsv = std::fs::read_to_string(dir.join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    let cases = tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Case {
                file: f[0].into(),
                kind: f[1].into(),
                id: f[2].into(),
                identity: f[5].into(),
                issuer: f[6].into(),
                expected: f[7].into(),
            }
        })
        .collect();
    Some((dir, cases))
}

#[test]
fn gitsign_objects_are_judged_as_expected_by_sigseal() {
    let Some((dir, cases)) = cases() else { return };
    assert_eq!(cases.len(), 7);
    let env =
        vec![("SIGSEAL_TRUSTED_ROOT".to_string(), dir.join("trusted_root.production.json").display().to_string())];
    let scratch = tempfile::tempdir().unwrap();
    for c in &cases {
        let raw = std::fs::read(dir.join(&c.file)).unwrap();
        let (payload, sig) = split_signed_object(&raw);
        let sig_path = scratch.path().join(&c.id);
        std::fs::write(&sig_path, &sig).unwrap();
        let out = sigseal(&["--status-fd=1", "--verify", sig_path.to_str().unwrap(), "-"], &env, &payload);
        let status = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            status.contains(&format!("{} ({})", c.identity, c.issuer)) || stderr.contains(&c.identity),
            "{}: {status}{stderr}",
            c.file
        );
        match c.expected.as_str() {
            "verified" => {
                assert_eq!(out.status.code(), Some(0), "{}: {status}{stderr}", c.file);
                assert!(status.contains("[GNUPG:] GOODSIG ") && status.contains("[GNUPG:] VALIDSIG "), "{}", c.file);
                assert!(stderr.contains("Rekor log index"), "{}: {stderr}", c.file);
            }
            "needs-log-lookup" => {
                assert_eq!(out.status.code(), Some(1), "{}: {status}{stderr}", c.file);
                assert!(status.contains("[GNUPG:] ERRSIG "), "{}: {status}", c.file);
                assert!(!status.contains("TRUST_FULLY") && !status.contains("GOODSIG"), "{}: {status}", c.file);
                assert!(stderr.contains("cannot be proven offline"), "{}: {stderr}", c.file);
            }
            other => panic!("unknown expectation {other}"),
        }
    }
}

#[test]
fn gitsign_objects_are_judged_as_expected_by_git() {
    let Some((dir, cases)) = cases() else { return };
    let root = dir.join("trusted_root.production.json").display().to_string();
    for git in gits() {
        let repo = Repo::new(&git, vec![("SIGSEAL_TRUSTED_ROOT".into(), root.clone())]);
        repo.ok(&["config", "sigseal.verify.identity", "billy@chainguard.dev"]);
        repo.ok(&["config", "sigseal.verify.issuer", "https://accounts.google.com"]);
        for c in &cases {
            let id = repo.ok(&["hash-object", "-w", "--literally", "-t", &c.kind, dir.join(&c.file).to_str().unwrap()]);
            assert_eq!(id.trim(), c.id, "{}", c.file);
            let out = repo.run(&[&format!("verify-{}", c.kind), "--raw", &c.id]);
            let status = String::from_utf8_lossy(&out.stderr);
            if c.expected.as_str() == "verified" {
                assert!(out.status.success(), "{}: {status}", c.file);
                assert!(status.contains("TRUST_FULLY"), "{}: {status}", c.file);
            } else {
                assert!(!out.status.success(), "{}: accepted without a log proof", c.file);
                assert!(!status.contains("TRUST_FULLY"), "{}: {status}", c.file);
            }
        }
    }
}

#[test]
fn signer_certificate_is_chosen_by_issuer_and_serial_not_position() {
    let Some((dir, _)) = cases() else { return };
    let raw = std::fs::read(dir.join("7dc71a2a12805f63b2a209a39e4f422e00670f61.commit")).unwrap();
    let (_, sig) = split_signed_object(&raw);
    let parsed = sigseal::cms::parse(&sigseal::cms::armor::decode(&sig).unwrap()).unwrap();
    assert_eq!(parsed.certificates.len(), 2);
    assert_ne!(parsed.certificates[0], parsed.signer_certificate, "intermediate comes first in this bag");
    assert_eq!(parsed.certificates[1], parsed.signer_certificate);
}

#[test]
fn gitsign_objects_are_judged_as_expected_by_sigseal_verify() {
    let Some((dir, cases)) = cases() else { return };
    let repo = Repo::new(&gits()[0], vec![]);
    for c in &cases {
        let id = repo.write_object(&c.kind, &std::fs::read(dir.join(&c.file)).unwrap());
        assert_eq!(id, c.id, "{}: object id", c.file);
    }
    let root = dir.join("trusted_root.production.json");
    for c in &cases {
        // Each object under its own signer's policy, offline: what EXPECTED.tsv says.
        let out = repo.sigseal(&[
            "verify",
            &c.id,
            "--offline",
            "--trusted-root",
            root.to_str().unwrap(),
            "--certificate-identity",
            &c.identity,
            "--certificate-oidc-issuer",
            &c.issuer,
            "--output",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{}: {e}", c.file));
        let obj = &v["objects"][0];
        assert_eq!(obj["identity"], c.identity.as_str(), "{}: {obj}", c.file);
        assert_eq!(obj["issuer"], c.issuer.as_str(), "{}: {obj}", c.file);
        assert_eq!(obj["kind"], c.kind.as_str());
        if c.expected.as_str() == "verified" {
            assert_eq!(out.status.code(), Some(0), "{}: {obj}", c.file);
            assert_eq!(obj["verdict"], "verified");
            assert_eq!(obj["trust"], "fully");
            assert!(obj["log_index"].as_i64().is_some());
        } else {
            assert_eq!(out.status.code(), Some(1), "{}: {obj}", c.file);
            assert_eq!(obj["verdict"], "failed", "{}: never reported as verified", c.file);
            assert_eq!(obj["failed_check"], "transparency-log", "{}: {obj}", c.file);
            let checks = obj["checks"].as_array().unwrap();
            let sig = checks.iter().find(|k| k["name"] == "signature").unwrap();
            assert_eq!(sig["result"], "pass", "{}: the CMS signature itself is valid", c.file);
            assert!(
                obj["reason"].as_str().unwrap().contains("signing time"),
                "{}: says what is unproven: {obj}",
                c.file
            );
        }
    }
    // The whole repository at once, in parallel, with any identity: the same verdicts.
    let out = repo.sigseal(
        &[
            "verify",
            "--offline",
            "--trusted-root",
            root.to_str().unwrap(),
            "--insecure-any-identity",
            "--output",
            "json",
        ]
        .iter()
        .copied()
        .chain(cases.iter().map(|c| c.id.as_str()))
        .collect::<Vec<_>>(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let verified = cases.iter().filter(|c| c.expected == "verified").count();
    assert_eq!(v["summary"]["verified"], verified as u64, "{v}");
    assert_eq!(v["summary"]["failed"], (cases.len() - verified) as u64, "{v}");
}
