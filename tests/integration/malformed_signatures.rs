//! Signatures that break sigseal's accepted shape are refused with a named reason (ERRSIG,
//! exit 1), never a crash or a GOODSIG.

use crate::common;

use common::sigseal;

fn verify_fixture(name: &str) -> (i32, String, String) {
    let dir = common::repo_root().join("fixtures/cms");
    let payload = std::fs::read(dir.join("payload")).unwrap();
    let sig = dir.join(name);
    let out = sigseal(&["--status-fd=1", "--verify", sig.to_str().unwrap(), "-"], &[], &payload);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn malformed_signatures_are_refused_with_a_reason() {
    for (file, reason) in [
        ("embedded-content.pem", "not detached"),
        ("two-signers.pem", "2 signers"),
        ("no-certificate.pem", "no certificate in the signature matches"),
        ("self-signed.pem", "no transparency-log proof"),
    ] {
        let (code, status, stderr) = verify_fixture(file);
        assert_eq!(code, 1, "{file}: {status}{stderr}");
        assert!(status.contains("[GNUPG:] ERRSIG"), "{file}: {status}");
        assert!(!status.contains("GOODSIG"), "{file}: {status}");
        assert!(stderr.contains(reason), "{file}: expected {reason:?} in {stderr}");
    }
}

#[test]
fn garbage_signature_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in
        [("empty", &b""[..]), ("text", b"not a signature"), ("truncated", b"-----BEGIN SIGNED MESSAGE-----\nMIIB\n")]
    {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let out = sigseal(&["--status-fd=1", "--verify", p.to_str().unwrap(), "-"], &[], b"payload");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let status = String::from_utf8_lossy(&out.stdout);
        assert!(status.contains("ERRSIG") && !status.contains("GOODSIG"), "{name}: {status}");
    }
}

#[test]
fn every_failure_in_git_verify_mode_exits_one_with_errsig() {
    let dir = tempfile::tempdir().unwrap();
    let good = common::repo_root().join("fixtures/cms/self-signed.pem");
    let missing = dir.path().join("no-such-signature");
    let bad_root = dir.path().join("root.json");
    std::fs::write(&bad_root, "{ not a trusted root").unwrap();
    type Case<'a> = (&'a str, &'a std::path::Path, Vec<(String, String)>);
    let cases: [Case; 3] = [
        ("unreadable signature file", &missing, vec![]),
        ("unusable trusted root", &good, vec![("SIGSEAL_TRUSTED_ROOT".into(), bad_root.display().to_string())]),
        ("invalid configuration", &good, vec![("SIGSEAL_FULCIO_URL".into(), "http://fulcio.example".into())]),
    ];
    for (what, sig, env) in cases {
        let out = sigseal(&["--status-fd=1", "--verify", sig.to_str().unwrap(), "-"], &env, b"payload");
        let status = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{what}: {status}{}", String::from_utf8_lossy(&out.stderr));
        assert!(status.contains("[GNUPG:] ERRSIG") && !status.contains("GOODSIG"), "{what}: {status}");
    }
}

#[test]
fn an_oversized_signature_is_refused_without_reading_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let sig = dir.path().join("huge.pem");
    let f = std::fs::File::create(&sig).unwrap();
    f.set_len(200 * 1024 * 1024).unwrap();
    let out = common::run_measured(
        &common::sigseal_bin(),
        &["--status-fd=1", "--verify", sig.to_str().unwrap(), "-"],
        &[],
        dir.path(),
    );
    let status = String::from_utf8_lossy(&out.0.stdout);
    assert_eq!(out.0.status.code(), Some(1), "{status}");
    assert!(status.contains("[GNUPG:] ERRSIG"), "{status}");
    assert!(
        String::from_utf8_lossy(&out.0.stderr).contains("larger than"),
        "{}",
        String::from_utf8_lossy(&out.0.stderr)
    );
    assert!(out.1 < 64 * 1024, "peak RSS {} KiB for a 200 MiB signature file", out.1);
}
