//! Signatures that break sigseal's accepted shape are refused with a named reason (ERRSIG,
//! exit 1), never a crash or a GOODSIG.

mod common;

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
    for (name, content) in [("empty", &b""[..]), ("text", b"not a signature"), ("truncated", b"-----BEGIN SIGNED MESSAGE-----\nMIIB\n")] {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let out = sigseal(&["--status-fd=1", "--verify", p.to_str().unwrap(), "-"], &[], b"payload");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let status = String::from_utf8_lossy(&out.stdout);
        assert!(status.contains("ERRSIG") && !status.contains("GOODSIG"), "{name}: {status}");
    }
}
