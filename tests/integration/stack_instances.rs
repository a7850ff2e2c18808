//! The local Sigstore stack itself, judged by tools this project did not write (openssl,
//! sigstore-js through tests/stack/sign-bundle.js and verify-bundle.js, curl): its TSAs stamp
//! milliseconds by default and whole seconds in the second mode; the GitHub-like instance under
//! `/github` has its own CA and TSA and no logs, so what it certifies verifies with its trusted
//! root alone; and its release attestations are shaped like GitHub's for immutable releases.

use crate::common::{self, s, text};

use base64::Engine as _;
use common::{http_get, repo_root, Stack};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ALICE: &str = "alice@example.com";
const RELEASES_SAN: &str = "https://dotcom.releases.github.com";

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl").args(args).current_dir(dir).stdin(Stdio::null()).output().expect("run openssl")
}

fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `openssl dgst -sha256` of a file, as lowercase hex.
fn sha256_hex(file: &Path) -> String {
    let out = openssl_ok(Path::new("."), &["dgst", "-sha256", "-r", &s(file)]);
    out.split_whitespace().next().expect("a digest").to_string()
}

/// A DER `TimeStampReq` made by openssl for `data` (with a nonce and certReq), posted to `url`;
/// returns the request and reply files.
fn stamp(url: &str, dir: &Path, data: &Path, name: &str) -> (PathBuf, PathBuf) {
    let query = dir.join(format!("{name}.tsq"));
    let reply = dir.join(format!("{name}.tsr"));
    openssl_ok(dir, &["ts", "-query", "-data", &s(data), "-sha256", "-cert", "-out", &s(&query)]);
    let out = Command::new("curl")
        .args(["-fsS", "--max-time", "20", "-H", "content-type: application/timestamp-query", "--data-binary"])
        .arg(format!("@{}", s(&query)))
        .args(["-o", &s(&reply), url])
        .output()
        .expect("curl");
    assert!(out.status.success(), "POST {url}: {}", text(&out));
    (query, reply)
}

/// The `Time stamp:` line of `openssl ts -reply -text` (genTime as openssl prints it).
fn gen_time(dir: &Path, reply: &Path) -> String {
    let t = openssl_ok(dir, &["ts", "-reply", "-in", &s(reply), "-text"]);
    t.lines()
        .find_map(|l| l.strip_prefix("Time stamp: "))
        .unwrap_or_else(|| panic!("no Time stamp line in:\n{t}"))
        .trim()
        .to_string()
}

/// The millisecond digits of a genTime printed by openssl ("Dec  3 16:27:33.425 2026 GMT"), or
/// None for whole seconds ("Dec  3 16:27:33 2026 GMT").
fn millis(gen_time: &str) -> Option<String> {
    let re = regex::Regex::new(r"^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.(\d+))? \d{4} GMT$").unwrap();
    let caps = re.captures(gen_time).unwrap_or_else(|| panic!("not an openssl time: {gen_time:?}"));
    caps.get(1).map(|m| m.as_str().to_string())
}

/// The PEM certificates of a chain file, in order.
fn pem_certs(file: &Path) -> Vec<String> {
    let pem = std::fs::read_to_string(file).unwrap();
    pem.split_inclusive("-----END CERTIFICATE-----\n")
        .filter(|c| c.contains("BEGIN CERTIFICATE"))
        .map(str::to_string)
        .collect()
}

fn github(stack: &Stack, f: &str) -> PathBuf {
    stack.path("github").join(f)
}

fn read_json(file: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// `node tests/stack/sign-bundle.js` (sigstore-js) with `args`.
fn js_sign(args: &[&str]) -> Output {
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/sign-bundle.js")).args(args);
    c.env("NO_PROXY", "127.0.0.1,localhost");
    c.stdin(Stdio::null()).output().expect("run node tests/stack/sign-bundle.js")
}

/// `node tests/stack/verify-bundle.js` (sigstore-js) against `root`; `extra` adds policy and
/// thresholds.
fn js_verify(root: &Path, bundle: &Path, artifact: &Path, extra: &[&str]) -> Output {
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/verify-bundle.js"));
    c.arg("--trusted-root").arg(root).arg("--bundle").arg(bundle).arg("--artifact").arg(artifact).args(extra);
    c.stdin(Stdio::null()).output().expect("run node tests/stack/verify-bundle.js")
}

/// The DER certificate and RFC 3161 timestamps of a bundle, written next to it.
fn bundle_parts(bundle: &serde_json::Value, dir: &Path, name: &str) -> (PathBuf, Vec<PathBuf>) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let vm = &bundle["verificationMaterial"];
    let cert = dir.join(format!("{name}.crt"));
    std::fs::write(&cert, b64.decode(vm["certificate"]["rawBytes"].as_str().expect("certificate.rawBytes")).unwrap())
        .unwrap();
    let stamps = vm["timestampVerificationData"]["rfc3161Timestamps"].as_array().cloned().unwrap_or_default();
    let files = stamps
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let f = dir.join(format!("{name}-{i}.tsr"));
            std::fs::write(&f, b64.decode(t["signedTimestamp"].as_str().expect("signedTimestamp")).unwrap()).unwrap();
            f
        })
        .collect();
    (cert, files)
}

#[test]
fn main_tsa_stamps_milliseconds_never_a_multiple_of_ten_by_default() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    std::fs::write(&data, b"stamp me").unwrap();
    let chain = pem_certs(&stack.path("tsa_chain.pem"));
    let root = dir.path().join("tsa-root.pem");
    std::fs::write(&root, chain.last().expect("a TSA root")).unwrap();
    for i in 0..5 {
        let (query, reply) = stamp(&format!("{}/api/v1/timestamp", stack.url), dir.path(), &data, &format!("main{i}"));
        let t = gen_time(dir.path(), &reply);
        let ms = millis(&t).unwrap_or_else(|| panic!("genTime in whole seconds by default: {t}"));
        assert_eq!(ms.len(), 3, "genTime fraction is not milliseconds: {t}");
        assert!(!ms.ends_with('0'), "genTime is a multiple of 10 ms, which sigstore-js cannot parse: {t}");
        let verified = openssl(
            dir.path(),
            &[
                "ts",
                "-verify",
                "-queryfile",
                &s(&query),
                "-in",
                &s(&reply),
                "-CAfile",
                &s(&root),
                "-untrusted",
                &s(&stack.path("tsa_chain.pem")),
            ],
        );
        assert!(
            String::from_utf8_lossy(&verified.stdout).contains("Verification: OK"),
            "openssl does not verify the TSA's token: {}",
            text(&verified)
        );
    }
}

#[test]
fn whole_seconds_mode_stamps_whole_seconds_on_both_instances() {
    let stack = Stack::start_with(&["--tsa-whole-seconds"]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    std::fs::write(&data, b"stamp me").unwrap();
    for (name, url) in [
        ("main", format!("{}/api/v1/timestamp", stack.url)),
        ("github", format!("{}/github/api/v1/timestamp", stack.url)),
    ] {
        let (_, reply) = stamp(&url, dir.path(), &data, name);
        let t = gen_time(dir.path(), &reply);
        assert_eq!(millis(&t), None, "the {name} TSA stamped a fraction in whole-seconds mode: {t}");
    }
    // The default stack's GitHub-like TSA stamps milliseconds like the main one.
    let shared = Stack::shared();
    let (_, reply) = stamp(&format!("{}/github/api/v1/timestamp", shared.url), dir.path(), &data, "github-default");
    let t = gen_time(dir.path(), &reply);
    assert!(millis(&t).is_some_and(|ms| ms.len() == 3 && !ms.ends_with('0')), "GitHub-like TSA genTime: {t}");
}

#[test]
fn github_instance_trust_files_list_a_ca_and_a_tsa_and_no_logs() {
    let stack = Stack::shared();
    let root = read_json(&github(stack, "trusted_root.json"));
    assert_eq!(root["tlogs"], serde_json::json!([]), "{root}");
    assert_eq!(root["ctlogs"], serde_json::json!([]), "{root}");
    assert_eq!(root["certificateAuthorities"].as_array().map(Vec::len), Some(1), "{root}");
    assert_eq!(root["timestampAuthorities"].as_array().map(Vec::len), Some(1), "{root}");
    assert_eq!(root["certificateAuthorities"][0]["uri"], format!("{}/github", stack.url));
    let served: serde_json::Value =
        serde_json::from_str(&http_get(&format!("{}/github/trusted_root.json", stack.url))).unwrap();
    assert_eq!(served, root, "GET /github/trusted_root.json differs from github/trusted_root.json");

    let config = read_json(&github(stack, "signing_config.json"));
    assert_eq!(config["mediaType"], "application/vnd.dev.sigstore.signingconfig.v0.2+json");
    assert_eq!(config["caUrls"][0]["url"], format!("{}/github", stack.url));
    assert_eq!(config["tsaUrls"][0]["url"], format!("{}/github/api/v1/timestamp", stack.url));
    assert!(config.get("rekorTlogUrls").is_none(), "the GitHub-like instance has no log: {config}");
    let served: serde_json::Value =
        serde_json::from_str(&http_get(&format!("{}/github/signing_config.json", stack.url))).unwrap();
    assert_eq!(served, config);
    let trust = read_json(&github(stack, "trust_config.json"));
    assert_eq!(trust["trustedRoot"], root);
    assert_eq!(trust["signingConfig"], config);

    // Its own CA and TSA, named apart from the main instance's.
    let dir = Path::new(".");
    let fulcio_subject = openssl_ok(dir, &["x509", "-in", &s(&github(stack, "fulcio_root.pem")), "-noout", "-subject"]);
    assert!(fulcio_subject.contains("O = GitHub-like test"), "{fulcio_subject}");
    assert_ne!(
        std::fs::read_to_string(github(stack, "fulcio_root.pem")).unwrap(),
        std::fs::read_to_string(stack.path("fulcio_root.pem")).unwrap()
    );
    let chain = pem_certs(&github(stack, "tsa_chain.pem"));
    assert_eq!(chain.len(), 3, "TSA chain: signing certificate, intermediate, root");
    let served_chain = http_get(&format!("{}/github/api/v1/timestamp/certchain", stack.url));
    assert_eq!(served_chain, chain.concat());
    let leaf = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(leaf.path(), &chain[0]).unwrap();
    let leaf_text =
        openssl_ok(dir, &["x509", "-in", &s(leaf.path()), "-noout", "-subject", "-ext", "extendedKeyUsage"]);
    assert!(leaf_text.contains("O = GitHub-like test") && leaf_text.contains("Time Stamping"), "{leaf_text}");
}

#[test]
fn github_instance_issues_timestamp_only_bundles_that_verify_only_with_its_own_root() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("tool.tar.gz");
    std::fs::write(&artifact, b"a private repository's release").unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, stack.token(ALICE, 600)).unwrap();
    let before = stack.stats();

    let bundle = dir.path().join("tool.sigstore.json");
    let github_url = format!("{}/github", stack.url);
    let tsa_url = format!("{github_url}/api/v1/timestamp");
    let out = js_sign(&[
        "--fulcio",
        &github_url,
        "--no-rekor",
        "--tsa",
        &tsa_url,
        "--token-file",
        &s(&token),
        "--artifact",
        &s(&artifact),
        "--bundle",
        &s(&bundle),
    ]);
    assert!(out.status.success(), "sigstore-js could not sign with the GitHub-like instance: {}", text(&out));
    let after = stack.stats();
    for k in ["github_fulcio", "github_tsa"] {
        assert!(after[k].as_u64() > before[k].as_u64(), "{k} not counted: {before} -> {after}");
    }

    let json = read_json(&bundle);
    let tlog_entries = json["verificationMaterial"]["tlogEntries"].as_array().map_or(0, Vec::len);
    assert_eq!(tlog_entries, 0, "a timestamp-only bundle has a log entry: {json}");
    let (cert, stamps) = bundle_parts(&json, dir.path(), "tool");
    assert_eq!(stamps.len(), 1, "one RFC 3161 timestamp: {json}");
    let t = gen_time(dir.path(), &stamps[0]);
    assert!(millis(&t).is_some(), "the GitHub-like TSA (JSON request) stamped whole seconds: {t}");
    let cert_text = openssl_ok(dir.path(), &["x509", "-inform", "DER", "-in", &s(&cert), "-noout", "-issuer", "-text"]);
    assert!(cert_text.contains("O = GitHub-like test"), "not issued by the GitHub-like CA:\n{cert_text}");
    assert!(cert_text.contains("1.3.6.1.4.1.57264.1.8"), "Fulcio's issuer extension is missing:\n{cert_text}");
    assert!(!cert_text.contains("1.3.6.1.4.1.11129.2.4.2"), "an SCT without a CT log:\n{cert_text}");

    let no_logs = ["--tlog-threshold", "0", "--ctlog-threshold", "0"];
    let policy = ["--identity", ALICE, "--issuer", &stack.oidc];
    let github_root = github(stack, "trusted_root.json");
    let out = js_verify(&github_root, &bundle, &artifact, &[&policy[..], &no_logs[..]].concat());
    assert!(out.status.success(), "sigstore-js rejects the bundle with the GitHub-like root: {}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("OK: {ALICE} {}", stack.oidc));

    let out = js_verify(&stack.trusted_root(), &bundle, &artifact, &[&policy[..], &no_logs[..]].concat());
    assert_eq!(out.status.code(), Some(1), "sigstore-js accepted it with the main root: {}", text(&out));
    let out = js_verify(&github_root, &bundle, &artifact, &policy);
    assert_eq!(out.status.code(), Some(1), "sigstore-js found a log entry or SCT: {}", text(&out));
    let tampered = dir.path().join("tampered.tar.gz");
    std::fs::write(&tampered, b"a private repository's releasE").unwrap();
    let out = js_verify(&github_root, &bundle, &tampered, &[&policy[..], &no_logs[..]].concat());
    assert_eq!(out.status.code(), Some(1), "sigstore-js accepted a tampered artifact: {}", text(&out));

    // --no-rekor without a TSA has nothing to prove the signing time: refused before signing.
    let out = js_sign(&[
        "--fulcio",
        &github_url,
        "--no-rekor",
        "--token-file",
        &s(&token),
        "--artifact",
        &s(&artifact),
        "--bundle",
        &s(&dir.path().join("none.json")),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// POST /github/_release-attestation with curl; returns the HTTP status and body.
fn attest_release(stack: &Stack, body: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20", "-X", "POST", "-H", "content-type: application/json", "--data", body])
        .args(["-w", "\n%{http_code}", &format!("{}/github/_release-attestation", stack.url)])
        .output()
        .expect("curl");
    assert!(out.status.success(), "{}", text(&out));
    let t = String::from_utf8(out.stdout).unwrap();
    let (body, code) = t.rsplit_once('\n').expect("status line");
    (code.parse().expect("HTTP status"), body.to_string())
}

#[test]
fn release_attestation_binds_tag_commit_and_asset_digests_under_the_releases_identity() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let tarball = dir.path().join("tool-1.0.0.tar.gz");
    std::fs::write(&tarball, (0..4000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>()).unwrap();
    let sums = dir.path().join("SHA256SUMS");
    std::fs::write(&sums, b"checksums\n").unwrap();
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let request = serde_json::json!({
        "repository": "octo-org/tool",
        "tag": "v1.0.0",
        "commit": commit,
        "assets": [
            {"name": "tool-1.0.0.tar.gz", "sha256": sha256_hex(&tarball)},
            {"name": "SHA256SUMS", "sha256": sha256_hex(&sums)},
        ],
    });
    let (status, body) = attest_release(stack, &request.to_string());
    assert_eq!(status, 200, "{body}");
    let bundle_file = dir.path().join("release.sigstore.json");
    std::fs::write(&bundle_file, &body).unwrap();
    let bundle: serde_json::Value = serde_json::from_str(&body).unwrap();

    // Shaped like GitHub's: v0.3, the leaf alone, one timestamp, no log entries, DSSE in-toto.
    assert_eq!(bundle["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json");
    let vm = &bundle["verificationMaterial"];
    assert!(vm.get("tlogEntries").is_none(), "GitHub's release bundles have no tlogEntries: {vm}");
    assert!(vm.get("x509CertificateChain").is_none());
    let envelope = &bundle["dsseEnvelope"];
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    assert_eq!(envelope["signatures"].as_array().map(Vec::len), Some(1));
    let b64 = base64::engine::general_purpose::STANDARD;
    let statement: serde_json::Value =
        serde_json::from_slice(&b64.decode(envelope["payload"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://in-toto.io/attestation/release/v0.2");
    let purl = "pkg:github/octo-org/tool@v1.0.0";
    assert_eq!(
        statement["subject"],
        serde_json::json!([
            {"uri": purl, "digest": {"sha1": commit}},
            {"name": "tool-1.0.0.tar.gz", "digest": {"sha256": sha256_hex(&tarball)}},
            {"name": "SHA256SUMS", "digest": {"sha256": sha256_hex(&sums)}},
        ])
    );
    let predicate = &statement["predicate"];
    assert_eq!(predicate["purl"], purl);
    assert_eq!(predicate["repository"], "octo-org/tool");
    assert_eq!(predicate["tag"], "v1.0.0");
    for id in ["databaseId", "ownerId", "packageId", "repositoryId"] {
        assert!(
            predicate[id].as_str().is_some_and(|v| v.parse::<u64>().is_ok()),
            "{id} is not a decimal ID: {predicate}"
        );
    }

    // The signer: the GitHub-like CA's certificate for the releases identity, no OIDC issuer.
    let (cert, stamps) = bundle_parts(&bundle, dir.path(), "release");
    let san = openssl_ok(dir.path(), &["x509", "-inform", "DER", "-in", &s(&cert), "-noout", "-ext", "subjectAltName"]);
    assert_eq!(
        san.lines().map(str::trim).collect::<Vec<_>>(),
        ["X509v3 Subject Alternative Name:", &format!("URI:{RELEASES_SAN}")]
    );
    let cert_text = openssl_ok(dir.path(), &["x509", "-inform", "DER", "-in", &s(&cert), "-noout", "-issuer", "-text"]);
    assert!(cert_text.contains("issuer=CN = Fulcio Intermediate l1, O = GitHub-like test"), "{cert_text}");
    for oid in ["1.3.6.1.4.1.57264.1.1", "1.3.6.1.4.1.57264.1.8"] {
        assert!(!cert_text.contains(oid), "the release signer has an OIDC issuer extension {oid}:\n{cert_text}");
    }

    // One timestamp from the GitHub-like TSA over the DSSE signature (openssl checks both).
    assert_eq!(stamps.len(), 1);
    let signature = b64.decode(envelope["signatures"][0]["sig"].as_str().unwrap()).unwrap();
    let sig_file = dir.path().join("signature.bin");
    std::fs::write(&sig_file, &signature).unwrap();
    let chain = pem_certs(&github(stack, "tsa_chain.pem"));
    let tsa_root = dir.path().join("github-tsa-root.pem");
    std::fs::write(&tsa_root, chain.last().unwrap()).unwrap();
    let verify_stamp = |root: &Path, untrusted: &Path| {
        let out = openssl(
            dir.path(),
            &[
                "ts",
                "-verify",
                "-digest",
                &sha256_hex(&sig_file),
                "-in",
                &s(&stamps[0]),
                "-CAfile",
                &s(root),
                "-untrusted",
                &s(untrusted),
            ],
        );
        String::from_utf8_lossy(&out.stdout).contains("Verification: OK")
    };
    assert!(verify_stamp(&tsa_root, &github(stack, "tsa_chain.pem")), "openssl rejects the release timestamp");
    let main_root = dir.path().join("main-tsa-root.pem");
    std::fs::write(&main_root, pem_certs(&stack.path("tsa_chain.pem")).last().unwrap()).unwrap();
    assert!(
        !verify_stamp(&main_root, &stack.path("tsa_chain.pem")),
        "the main TSA's root verified a GitHub-like stamp"
    );
    assert!(millis(&gen_time(dir.path(), &stamps[0])).is_some());

    // sigstore-js: every asset verifies against the GitHub-like root under the releases identity,
    // and nothing else does.
    let github_root = github(stack, "trusted_root.json");
    let no_logs = ["--tlog-threshold", "0", "--ctlog-threshold", "0"];
    for asset in [&tarball, &sums] {
        let out =
            js_verify(&github_root, &bundle_file, asset, &[&["--identity", RELEASES_SAN][..], &no_logs[..]].concat());
        assert!(
            out.status.success(),
            "sigstore-js rejects the release attestation for {}: {}",
            asset.display(),
            text(&out)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("OK: {RELEASES_SAN} -"));
    }
    let out = js_verify(&stack.trusted_root(), &bundle_file, &tarball, &no_logs);
    assert_eq!(out.status.code(), Some(1), "the main root verified a GitHub-like attestation: {}", text(&out));
    let other = dir.path().join("other.tar.gz");
    std::fs::write(&other, b"not in the release").unwrap();
    let out = js_verify(&github_root, &bundle_file, &other, &no_logs);
    assert_eq!(out.status.code(), Some(1), "an asset outside the release verified: {}", text(&out));
    let out = js_verify(&github_root, &bundle_file, &tarball, &[&["--identity", ALICE][..], &no_logs[..]].concat());
    assert_eq!(out.status.code(), Some(1), "the releases identity matched another SAN: {}", text(&out));
}

#[test]
fn release_attestation_refuses_malformed_requests() {
    let stack = Stack::shared();
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let digest = "ab".repeat(32);
    for (what, body) in [
        ("a repository without owner", format!(r#"{{"repository":"tool","tag":"v1","commit":"{commit}"}}"#)),
        ("a short commit", r#"{"repository":"o/r","tag":"v1","commit":"0123abc"}"#.to_string()),
        ("an empty tag", format!(r#"{{"repository":"o/r","tag":"","commit":"{commit}"}}"#)),
        (
            "an asset without digest",
            format!(r#"{{"repository":"o/r","tag":"v1","commit":"{commit}","assets":[{{"name":"a"}}]}}"#),
        ),
        (
            "an unknown predicate type",
            format!(
                r#"{{"repository":"o/r","tag":"v1","commit":"{commit}","assets":[{{"name":"a","sha256":"{digest}"}}],"predicateType":"https://example.com/x"}}"#
            ),
        ),
        ("a body that is not JSON", "repository=o/r".to_string()),
    ] {
        let (status, answer) = attest_release(stack, &body);
        assert_eq!(status, 400, "{what}: {answer}");
    }
    // A SHA-256 repository's commit is a sha256 subject, and v0.1 is still issued on request.
    let sha256_commit = "cd".repeat(32);
    let (status, answer) = attest_release(
        stack,
        &format!(
            r#"{{"repository":"o/r","tag":"v2","commit":"{sha256_commit}","predicateType":"https://in-toto.io/attestation/release/v0.1"}}"#
        ),
    );
    assert_eq!(status, 200, "{answer}");
    let bundle: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let payload =
        base64::engine::general_purpose::STANDARD.decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap()).unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["predicateType"], "https://in-toto.io/attestation/release/v0.1");
    assert_eq!(
        statement["subject"],
        serde_json::json!([{"uri": "pkg:github/o/r@v2", "digest": {"sha256": sha256_commit}}])
    );
    assert!(statement["predicate"]["releaseId"].is_string(), "v0.1 names the release releaseId: {statement}");
}
