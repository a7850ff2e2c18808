//! `sigseal verify` / `verify-tag` on repositories signed through the local stack: identity
//! policy outcomes, exit codes, JSON that names every check, ranges with unsigned commits,
//! SHA-256 repositories, objects git and other readers could disagree about, and legacy
//! (online-mode) signatures completed by a Rekor search.

use crate::common;

use common::{git_version, gits, Repo, Stack};
use serde_json::Value;

/// `sigseal verify ARGS` in the repository.
fn run(repo: &Repo, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["verify"];
    all.extend(args);
    let out = repo.sigseal(&all);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn run_json(repo: &Repo, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--output", "json"]);
    let (code, stdout, stderr) = run(repo, &all);
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("JSON ({e}):\n{stdout}\n{stderr}"));
    assert_eq!(v["exit_code"].as_i64(), Some(i64::from(code)), "{stdout}");
    (code, v)
}

fn policy<'a>(stack: &'a Stack, identity: &'a str) -> Vec<&'a str> {
    vec!["--certificate-identity", identity, "--certificate-oidc-issuer", &stack.oidc]
}

fn signed_repo(stack: &Stack) -> Repo {
    let token = stack.token_file("alice@example.com");
    let repo = Repo::new(&gits()[0], stack.env(&token));
    repo.commit_file("a", "one\n");
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed two"]);
    repo.ok(&["tag", "-s", "v1", "-m", "release one"]);
    repo.ok(&["tag", "light"]);
    repo
}

fn assert_failed_check(repo: &Repo, args: &[&str], check: &str) -> Value {
    let (code, text, stderr) = run(repo, args);
    assert_eq!(code, 1, "{args:?}: exit code\n{text}{stderr}");
    assert!(text.contains("FAILED") && text.contains(check), "{args:?}: text names {check}:\n{text}");
    let (code, v) = run_json(repo, args);
    assert_eq!(code, 1);
    let obj = &v["objects"][0];
    assert_eq!(obj["verdict"], "failed", "{obj}");
    assert_eq!(obj["failed_check"], check, "{obj}");
    let named =
        obj["checks"].as_array().unwrap().iter().find(|c| c["name"] == check).unwrap_or_else(|| panic!("{obj}"));
    assert_eq!(named["result"], "fail");
    assert!(!named["reason"].as_str().unwrap().is_empty());
    v
}

#[test]
fn identity_policy_decides_and_json_names_every_check() {
    let stack = Stack::shared();
    let repo = signed_repo(stack);

    let alice = policy(stack, "alice@example.com");
    let mut args = vec!["HEAD", "v1"];
    args.extend(&alice);
    let (code, text, stderr) = run(&repo, &args);
    assert_eq!(code, 0, "{text}{stderr}");
    assert_eq!(text.lines().filter(|l| l.starts_with("verified")).count(), 2, "{text}");
    assert!(stderr.contains("2 verified, 0 failed"), "{stderr}");

    let (code, v) = run_json(&repo, &args);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["verified"], 2);
    for obj in v["objects"].as_array().unwrap() {
        assert_eq!(obj["verdict"], "verified", "{obj}");
        assert_eq!(obj["identity"], "alice@example.com");
        assert_eq!(obj["issuer"], stack.oidc.as_str());
        assert_eq!(obj["trust"], "fully");
        assert!(obj["log_index"].as_i64().unwrap() >= 0);
        assert!(obj["integrated_time"].as_str().unwrap().ends_with('Z'));
        let names: Vec<&str> = obj["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        for want in [
            "object-format",
            "cms-structure",
            "message-digest",
            "signature",
            "certificate-chain",
            "transparency-log",
            "integrated-time",
            "identity-policy",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert!(obj["checks"].as_array().unwrap().iter().all(|c| c["result"] == "pass"), "{obj}");
    }
    assert_eq!(v["objects"][1]["kind"], "tag");
    assert_eq!(v["objects"][1]["name"], "v1");

    // Identity and issuer mismatches.
    let mut bob = vec!["HEAD"];
    bob.extend(policy(stack, "bob@example.com"));
    let v = assert_failed_check(&repo, &bob, "identity-policy");
    assert!(v["objects"][0]["reason"].as_str().unwrap().contains("bob@example.com"));
    assert_failed_check(
        &repo,
        &[
            "HEAD",
            "--certificate-identity",
            "alice@example.com",
            "--certificate-oidc-issuer",
            "https://accounts.example.com",
        ],
        "identity-policy",
    );
    // Regular expressions match the whole value: a prefix or a suffix is not enough.
    for re in ["alice", "example\\.com", "alice@example"] {
        assert_failed_check(
            &repo,
            &["HEAD", "--certificate-identity-regexp", re, "--certificate-oidc-issuer", &stack.oidc],
            "identity-policy",
        );
    }
    let issuer_prefix = stack.oidc.trim_end_matches(|c: char| c.is_ascii_digit());
    assert_failed_check(
        &repo,
        &["HEAD", "--certificate-identity", "alice@example.com", "--certificate-oidc-issuer-regexp", issuer_prefix],
        "identity-policy",
    );
    let (code, _, _) = run(
        &repo,
        &[
            "HEAD",
            "--certificate-identity-regexp",
            ".*@example\\.com",
            "--certificate-oidc-issuer-regexp",
            "http://127\\.0\\.0\\.1:[0-9]+",
        ],
    );
    assert_eq!(code, 0);

    // No policy at all: refused before looking at any object (exit 2), unless asked.
    let (code, stdout, stderr) = run(&repo, &["HEAD"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("no identity policy"), "{stderr}");
    let (code, v) = run_json(&repo, &["HEAD"]);
    assert_eq!(code, 2);
    assert_eq!(v["error"]["check"], "identity-policy", "{v}");
    let (code, v) = run_json(&repo, &["HEAD", "--insecure-any-identity"]);
    assert_eq!(code, 0);
    assert_eq!(v["objects"][0]["trust"], "undefined");
    // As cosign: an identity without an issuer (or the reverse) is a usage error.
    let (code, _, stderr) = run(&repo, &["HEAD", "--certificate-identity", "alice@example.com"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("give both an identity"), "{stderr}");

    // A policy file with several allowed signers; the second rule admits alice.
    let pol = repo.path().join("allowed-signers");
    std::fs::write(
        &pol,
        format!("# release signers\nbob@example.com {0}\nalice@example.com {0} valid-after=2020-01-01\n", stack.oidc),
    )
    .unwrap();
    let (code, v) = run_json(&repo, &["HEAD", "--policy", pol.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert!(v["objects"][0]["checks"].to_string().contains("allowed-signers:3"), "{v}");
    // The same file through git config; a window that closed before the signature refuses it.
    std::fs::write(&pol, format!("alice@example.com {} valid-before=2020-01-01\n", stack.oidc)).unwrap();
    repo.ok(&["config", "sigseal.verify.policyFile", pol.to_str().unwrap()]);
    let v = assert_failed_check(&repo, &["HEAD"], "identity-policy");
    assert!(v["objects"][0]["reason"].as_str().unwrap().contains("valid-before"), "{v}");
    // git's verify mode reads the same policy file for its TRUST level.
    let out = repo.run(&["verify-commit", "--raw", "HEAD"]);
    let status = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && status.contains("TRUST_NEVER"), "{status}");
    std::fs::write(&pol, format!("alice@example.com {}\n", stack.oidc)).unwrap();
    let out = repo.run(&["verify-commit", "--raw", "HEAD"]);
    let status = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && status.contains("TRUST_FULLY"), "{status}");
    repo.ok(&["config", "--unset", "sigseal.verify.policyFile"]);

    // verify-tag: annotated tags by name; a lightweight tag has no signature.
    let mut tag_args = vec!["verify-tag", "v1"];
    tag_args.extend(&alice);
    let out = repo.sigseal(&tag_args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut light = vec!["verify-tag", "light"];
    light.extend(&alice);
    let out = repo.sigseal(&light);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lightweight"));
}

fn verify_args<'a>(stack: &'a Stack, rev: &'a str) -> Vec<&'a str> {
    let mut a = vec![rev];
    a.extend(policy(stack, "alice@example.com"));
    a
}

#[test]
fn tampered_payload_is_rejected() {
    let stack = Stack::shared();
    let repo = signed_repo(stack);
    let raw = repo.raw("commit", "HEAD");
    let text = String::from_utf8(raw).unwrap();
    let forged = repo.write_object("commit", text.replace("signed two", "signed 2wo").as_bytes());
    let v = assert_failed_check(&repo, &verify_args(stack, &forged), "message-digest");
    assert!(v["objects"][0]["reason"].as_str().unwrap().contains("content was changed"));
    let raw = repo.raw("tag", "v1");
    let forged =
        repo.write_object("tag", String::from_utf8(raw).unwrap().replace("release one", "release 0ne").as_bytes());
    assert_failed_check(&repo, &verify_args(stack, &forged), "message-digest");
}

#[test]
fn ambiguous_objects_are_refused_before_any_signature_check() {
    let stack = Stack::shared();
    let repo = signed_repo(stack);
    let commit = String::from_utf8(repo.raw("commit", "HEAD")).unwrap();
    let (head, _) = commit.split_once("\n\n").unwrap();
    let sig_header = &head[head.find("gpgsig ").unwrap()..];
    let tree_line = head.lines().next().unwrap();

    // A second gpgsig header (git would concatenate both).
    let dup_sig = repo.write_object("commit", commit.replacen("\n\n", &format!("\n{sig_header}\n\n"), 1).as_bytes());
    let v = assert_failed_check(&repo, &verify_args(stack, &dup_sig), "object-format");
    assert!(v["objects"][0]["reason"].as_str().unwrap().contains("two `gpgsig` headers"), "{v}");
    // A second tree header.
    let dup_tree = repo.write_object("commit", commit.replacen('\n', &format!("\n{tree_line}\n"), 1).as_bytes());
    assert_failed_check(&repo, &verify_args(stack, &dup_tree), "object-format");
    // A SHA-256 signature header in a SHA-1 repository.
    let wrong_header = repo.write_object("commit", commit.replace("\ngpgsig ", "\ngpgsig-sha256 ").as_bytes());
    assert_failed_check(&repo, &verify_args(stack, &wrong_header), "object-format");
    // A tag with two signature blocks.
    let tag = String::from_utf8(repo.raw("tag", "v1")).unwrap();
    let block = &tag[tag.find("-----BEGIN SIGNED MESSAGE-----").unwrap()..];
    let two = repo.write_object("tag", format!("{tag}{block}").as_bytes());
    assert_failed_check(&repo, &verify_args(stack, &two), "object-format");

    // Oversized: an object over the size cap is not read at all.
    let huge = format!("{head}\n\n{}\n", "x".repeat(9 * 1024 * 1024));
    let big = repo.write_object("commit", huge.as_bytes());
    let v = assert_failed_check(&repo, &verify_args(stack, &big), "object-read");
    assert!(v["objects"][0]["reason"].as_str().unwrap().contains("more than"), "{v}");

    // Several signers in the CMS.
    let dir = common::repo_root().join("fixtures/cms");
    let mut payload = std::fs::read(dir.join("payload")).unwrap();
    payload.extend(std::fs::read(dir.join("two-signers.pem")).unwrap());
    let two_signers = repo.write_object("tag", &payload);
    let v = assert_failed_check(&repo, &verify_args(stack, &two_signers), "cms-structure");
    assert!(v["objects"][0]["reason"].as_str().unwrap().contains("2 signers"), "{v}");
}

#[test]
fn ranges_report_unsigned_commits_and_require_signed_refuses_them() {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    let repo = Repo::new(&gits()[0], stack.env(&token));
    repo.commit_file("a", "unsigned\n");
    let base = repo.ok(&["rev-parse", "HEAD"]).trim().to_string();
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "two"]);
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "three"]);
    repo.ok(&["tag", "-s", "v3", "-m", "three"]);
    repo.ok(&["-c", "tag.gpgSign=false", "tag", "-a", "unsigned-tag", "-m", "not signed", &base]);
    let alice = policy(stack, "alice@example.com");

    let range = format!("{base}..HEAD");
    let mut args = vec![range.as_str()];
    args.extend(&alice);
    let (code, v) = run_json(&repo, &args);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["verified"], 2);
    assert_eq!(v["summary"]["total"], 2);

    let mut all = vec!["--all"];
    all.extend(&alice);
    let (code, v) = run_json(&repo, &all);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["verified"], 3, "two commits and the tag: {v}");
    assert_eq!(v["summary"]["unsigned"], 2, "the first commit and the unsigned tag: {v}");
    let unsigned: Vec<&Value> =
        v["objects"].as_array().unwrap().iter().filter(|o| o["verdict"] == "unsigned").collect();
    assert!(unsigned.iter().any(|o| o["object"] == base.as_str() && o["kind"] == "commit"), "{v}");
    assert!(unsigned.iter().any(|o| o["kind"] == "tag" && o["name"] == "refs/tags/unsigned-tag"), "{v}");
    assert!(unsigned.iter().all(|o| o["counts_as_failure"] == false), "{v}");

    all.push("--require-signed");
    let (code, v) = run_json(&repo, &all);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["summary"]["failed"], 2);

    // A named unsigned commit is a failure by itself.
    let mut named = vec![base.as_str()];
    named.extend(&alice);
    let (code, text, _) = run(&repo, &named);
    assert_eq!(code, 1);
    assert!(text.starts_with("unsigned"), "{text}");

    // Usage errors exit 2.
    let mut bad = vec!["no-such-revision"];
    bad.extend(&alice);
    assert_eq!(run(&repo, &bad).0, 2);
}

#[test]
fn sha256_repository_commits_are_signed_in_gpgsig_sha256_and_verify() {
    let stack = Stack::shared();
    let Some(git) = gits().into_iter().find(|g| !git_version(g).contains(" 2.39")) else {
        eprintln!("skipped: no git newer than 2.39 for a SHA-256 repository");
        return;
    };
    let token = stack.token_file("alice@example.com");
    let repo = Repo::new(&git, stack.env(&token));
    // Re-initialise as SHA-256 (the directory is still empty of objects).
    std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
    repo.ok(&["init", "-q", "--object-format=sha256", "-b", "main"]);
    repo.ok(&["config", "user.name", "Alice"]);
    repo.ok(&["config", "user.email", "alice@example.com"]);
    repo.ok(&["config", "gpg.format", "x509"]);
    repo.ok(&["config", "gpg.x509.program", common::sigseal_bin().to_str().unwrap()]);
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "sha256 signed"]);
    repo.ok(&["tag", "-s", "v1", "-m", "sha256 tag"]);
    let raw = String::from_utf8(repo.raw("commit", "HEAD")).unwrap();
    assert!(raw.contains("\ngpgsig-sha256 -----BEGIN SIGNED MESSAGE-----"), "{raw}");
    let head = repo.ok(&["rev-parse", "HEAD"]).trim().to_string();
    assert_eq!(head.len(), 64);
    let mut args = vec!["HEAD", "v1"];
    args.extend(policy(stack, "alice@example.com"));
    let (code, v) = run_json(&repo, &args);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["objects"][0]["object"], head.as_str());
    // git agrees.
    repo.ok(&["verify-commit", "HEAD"]);
    // Tampering is caught in SHA-256 repositories too.
    let forged = repo.write_object("commit", raw.replace("sha256 signed", "sha256 5igned").as_bytes());
    assert_failed_check(&repo, &verify_args(stack, &forged), "message-digest");
}

#[test]
fn rfc3161_timestamps_are_embedded_when_configured_and_verified() {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    let mut env = stack.env(&token);
    env.push(("SIGSEAL_TIMESTAMP_URL".into(), format!("{}/api/v1/timestamp", stack.url)));
    let repo = Repo::new(&gits()[0], env);
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "timestamped"]);
    let (code, v) = run_json(&repo, &verify_args(stack, "HEAD"));
    assert_eq!(code, 0, "{v}");
    let ts = v["objects"][0]["checks"].as_array().unwrap().iter().find(|c| c["name"] == "timestamp").cloned();
    assert_eq!(ts.as_ref().map(|c| c["result"].clone()), Some("pass".into()), "{v}");

    // One byte of the token's signature changed: the timestamp check fails.
    let raw = String::from_utf8(repo.raw("commit", "HEAD")).unwrap();
    let (payload, armored) = common::split_signed_object(raw.as_bytes());
    let der = sigseal::cms::armor::decode(&armored).unwrap();
    let parsed = sigseal::cms::parse(&der).unwrap();
    let mut token = parsed.timestamps[0].clone();
    let last = token.len() - 3;
    token[last] ^= 1;
    let tampered = sigseal::cms::replace_unsigned(
        &der,
        &[
            sigseal::cms::Unsigned::OctetString(sigseal::cms::OID_TLOG_ENTRY, parsed.tlog_entry.clone().unwrap()),
            sigseal::cms::Unsigned::Der(sigseal::cms::OID_TIMESTAMP_TOKEN, token),
        ],
    )
    .unwrap();
    let forged = repo.write_object("commit", &common::commit_with_signature(&payload, &tampered));
    assert_failed_check(&repo, &verify_args(stack, &forged), "timestamp");
}

#[test]
fn patterns_that_match_anyone_are_refused_like_a_policy_of_star_star() {
    let stack = Stack::shared();
    let repo = signed_repo(stack);
    for (id, iss) in [(".*", ".*"), (".+", "(?s).*"), ("(.*)", ".*|x")] {
        let (code, _, stderr) =
            run(&repo, &["HEAD", "--certificate-identity-regexp", id, "--certificate-oidc-issuer-regexp", iss]);
        assert_eq!(code, 2, "{id} {iss}: {stderr}");
        assert!(stderr.contains("SS0001") && stderr.contains("--insecure-any-identity"), "{id} {iss}: {stderr}");
    }
    // A pattern that names someone, and "anyone" said plainly, still run.
    let (code, _, stderr) = run(
        &repo,
        &["HEAD", "--certificate-identity-regexp", ".*@example\\.com", "--certificate-oidc-issuer-regexp", ".*"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(&repo, &["HEAD", "--insecure-any-identity"]);
    assert_eq!(code, 0, "{stderr}");
    // An empty identity is a mistake, not a rule.
    let (code, _, stderr) =
        run(&repo, &["HEAD", "--certificate-identity", "", "--certificate-oidc-issuer", &stack.oidc]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_history_longer_than_many_batches_is_reported_whole_and_in_walk_order() {
    // Objects are read a batch ahead of the ones being verified: every commit of a history
    // spanning several batches is reported once, in the order git walks it, the signed ones at
    // the start, in the middle and at the end each where they are.
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    let repo = Repo::new(&gits()[0], stack.env(&token));
    let unsigned = |from: u32, to: u32| {
        let mut stream = String::new();
        for i in from..=to {
            let msg = format!("unsigned {i}\n");
            // The first commit continues the branch; the stream chains the rest.
            let from = if i == from { "from refs/heads/main^0\n" } else { "" };
            std::fmt::Write::write_fmt(
                &mut stream,
                format_args!(
                    "commit refs/heads/main\ncommitter Alice <alice@example.com> {} +0000\ndata {}\n{msg}{from}\n",
                    1_700_000_000 + i,
                    msg.len()
                ),
            )
            .expect("write to a String");
        }
        let mut fi = repo.cmd(&["fast-import", "--quiet", "--force"]);
        fi.stdin(std::process::Stdio::piped());
        let mut child = fi.spawn().expect("git fast-import");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), stream.as_bytes()).expect("feed fast-import");
        drop(child.stdin.take());
        assert!(child.wait().expect("fast-import").success());
        repo.ok(&["reset", "-q", "--hard", "main"]);
    };
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed first"]);
    unsigned(1, 650);
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed middle"]);
    unsigned(651, 1300);
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed last"]);

    let (code, v) = run_json(&repo, &["--all", "--insecure-any-identity", "--offline"]);
    assert_eq!(code, 0, "{}", v["summary"]);
    let objects = v["objects"].as_array().expect("objects");
    let ids: Vec<&str> = objects.iter().map(|o| o["object"].as_str().expect("object id")).collect();
    let walked = repo.ok(&["rev-list", "main"]);
    let walked: Vec<&str> = walked.lines().collect();
    assert_eq!(ids.len(), 1303, "{}", v["summary"]);
    assert_eq!(ids, walked, "sigseal's order is not git's walk");
    assert_eq!(v["summary"]["verified"], 3, "{}", v["summary"]);
    assert_eq!(v["summary"]["unsigned"], 1300, "{}", v["summary"]);
    let verified: Vec<usize> =
        objects.iter().enumerate().filter(|(_, o)| o["verdict"] == "verified").map(|(i, _)| i).collect();
    assert_eq!(verified, vec![0, 651, 1302], "signed commits reported out of place");
}

#[test]
fn a_shallow_clone_is_walked_to_its_boundary_and_a_missing_commit_fails_the_run_by_name() {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    let repo = Repo::new(&gits()[0], stack.env(&token));
    let mut ids = Vec::new();
    for i in 1..=6 {
        repo.ok(&["-c", "commit.gpgSign=false", "commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
        ids.push(repo.ok(&["rev-parse", "HEAD"]).trim().to_string());
    }

    // A clone of depth 3: three commits, the shallow boundary not crossed, nothing missing.
    let clone_dir = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", repo.path().display());
    let clone_path = clone_dir.path().join("c");
    repo.ok(&["clone", "-q", "--depth", "3", &url, clone_path.to_str().expect("utf8")]);
    let clone = Repo { dir: clone_dir, git: repo.git.clone(), env: repo.env.clone() };
    let out = std::process::Command::new(&repo.git)
        .args(["-C", clone_path.to_str().expect("utf8"), "rev-list", "--count", "HEAD"])
        .output()
        .expect("git");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3");
    let mut args = vec!["verify", "--all", "--insecure-any-identity", "--offline", "--output", "json"];
    let out = {
        let mut c = common::detached(&common::sigseal_bin());
        common::isolate(&mut c);
        c.args(&args).current_dir(&clone_path).env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null");
        c.envs(clone.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c.output().expect("run sigseal")
    };
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", common::text(&out)));
    assert_eq!(v["summary"]["total"], 3, "{}", v["summary"]);
    assert_eq!(v["summary"]["unsigned"], 3, "{}", v["summary"]);
    assert_eq!(v["exit_code"], 0, "{}", v["summary"]);

    // The fourth commit's object gone from the original: the walk reports it, cannot go past
    // it, and the run fails naming it.
    let gone = &ids[2];
    let loose = repo.path().join(".git/objects").join(&gone[..2]).join(&gone[2..]);
    std::fs::remove_file(&loose).expect("remove the loose commit object");
    args.retain(|a| *a != "--output" && *a != "json");
    let (code, v) = run_json(&repo, &args[1..]);
    assert_eq!(code, 1, "{v}");
    let objects = v["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 4, "{v}");
    let last = &objects[3];
    assert_eq!(last["object"], gone.as_str(), "{v}");
    assert_eq!(last["failed_check"], "object-read", "{v}");
    assert_eq!(v["summary"]["failed"], 1, "{}", v["summary"]);
}

#[test]
fn a_commit_whose_parents_cannot_be_read_fails_the_walk_by_name_rather_than_hiding_its_history() {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    let repo = Repo::new(&gits()[0], stack.env(&token));
    let tree = repo.ok(&["mktree"]);
    let raw =
        format!("tree {}\nparent nothex\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nbad\n", tree.trim());
    let id = repo.write_object("commit", raw.as_bytes());
    // git refuses to point a branch at it, so the reference is written as a file.
    std::fs::write(repo.path().join(".git/refs/heads/main"), format!("{id}\n")).expect("write the ref");
    let (code, v) = run_json(&repo, &["--all", "--insecure-any-identity", "--offline"]);
    assert_eq!(code, 1, "{v}");
    let objects = v["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 1, "{v}");
    assert_eq!(objects[0]["object"], id.as_str(), "{v}");
    assert_eq!(objects[0]["failed_check"], "object-read", "{v}");
    assert!(objects[0]["reason"].as_str().is_some_and(|r| r.contains("parents")), "{v}");
}
