//! Files sigseal reads whole are refused past their size limit without being buffered: the
//! real binary, given a 300 MiB bundle or trusted root (sparse files) or a policy file that is a
//! pipe fed 300 MiB, fails with an error naming the file and the limit, and its peak resident
//! memory (the kernel's peak resident set size) stays far below the input's size.

use crate::common::{self, s, text};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

const BIG: u64 = 300 << 20;
/// Far below BIG: the binary itself, its trusted root and a bounded read fit well under it.
const MAX_RSS_KIB: u64 = 100 << 10;

/// A sparse file of `len` bytes (zeros, which are valid UTF-8 text).
fn sparse(path: &Path, len: u64) -> PathBuf {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
    path.to_path_buf()
}

/// Run sigseal, feeding `stdin_len` bytes of comment lines on stdin (stopping quietly when
/// sigseal closes it); returns the output and the peak RSS in KiB.
fn measured(dir: &Path, args: &[&str], stdin_len: u64) -> (Output, u64) {
    let env = vec![("XDG_CACHE_HOME".to_string(), dir.join("cache").display().to_string())];
    common::run_measured_fed(&common::sigseal_bin(), args, &env, dir, move |mut stdin| {
        let chunk = b"# a comment line of a policy file\n".repeat(1 << 15);
        let mut sent = 0u64;
        while sent < stdin_len {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            sent += chunk.len() as u64;
        }
    })
}

#[test]
fn oversized_bundle_policy_and_trusted_root_are_refused_without_being_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("app.tar.gz");
    std::fs::write(&artifact, b"release asset").unwrap();
    let policy = ["--certificate-identity", "alice@example.com", "--certificate-oidc-issuer", "https://issuer.example"];

    // A bundle: reported per artifact as the failed `bundle` check.
    let bundle = sparse(&dir.path().join("app.tar.gz.sigstore.json"), BIG);
    let mut args = vec!["verify-blob", "--offline", "-o", "json"];
    args.extend(policy);
    let artifact_arg = s(&artifact);
    args.push(&artifact_arg);
    let (out, rss) = measured(dir.path(), &args, 0);
    eprintln!("bundle of {} MiB: peak RSS {} KiB", BIG >> 20, rss);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let art = &doc["artifacts"][0];
    assert_eq!(art["failed_check"], "bundle", "{doc:#}");
    let reason = art.to_string();
    assert!(reason.contains("larger than 32 MiB") && reason.contains(&s(&bundle)), "{doc:#}");
    assert!(rss < MAX_RSS_KIB, "a {} MiB bundle took {rss} KiB of memory", BIG >> 20);

    // A trusted root: the run cannot start.
    std::fs::write(&bundle, b"{}").unwrap();
    let root = sparse(&dir.path().join("trusted_root.json"), BIG);
    let root_arg = s(&root);
    let mut args = vec!["verify-blob", "--offline", "--trusted-root", &root_arg];
    args.extend(policy);
    args.push(&artifact_arg);
    let (out, rss) = measured(dir.path(), &args, 0);
    eprintln!("trusted root of {} MiB: peak RSS {} KiB", BIG >> 20, rss);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[SS0005]") && stderr.contains("larger than 4 MiB") && stderr.contains(&root_arg),
        "{}",
        text(&out)
    );
    assert!(stderr.contains("hint:"), "the error says what to do: {}", text(&out));
    assert!(rss < MAX_RSS_KIB, "a {} MiB trusted root took {rss} KiB of memory", BIG >> 20);

    // A policy file that is a pipe: its metadata says nothing about its size.
    let (out, rss) = measured(dir.path(), &["verify-blob", "--offline", "--policy", "/dev/stdin", &artifact_arg], BIG);
    eprintln!("policy pipe of {} MiB: peak RSS {} KiB", BIG >> 20, rss);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[SS0005]") && stderr.contains("policy file /dev/stdin is larger than 1 MiB"),
        "{}",
        text(&out)
    );
    assert!(rss < MAX_RSS_KIB, "a {} MiB policy pipe took {rss} KiB of memory", BIG >> 20);
}
