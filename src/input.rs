//! Bounded reads of the small files users hand to sigseal: bundles, detached signatures and
//! certificates, key files, policy files, trusted roots, signing configs, identity-token files,
//! checksum manifests and in-toto statements. Each kind has a size limit; a file is read through
//! `Read::take(limit + 1)`, so nothing larger than the limit is ever buffered, whatever the file's
//! metadata says (a FIFO, `/dev/stdin`, a file still growing). Release assets are not read here:
//! they are hashed as streams (`release::hash`).

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// What a file is and the most sigseal reads of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The kind of file, for messages (e.g. "Sigstore bundle").
    pub what: &'static str,
    /// The largest size accepted, in bytes.
    pub bytes: u64,
}

/// Sigstore bundles: a few KiB, but an attestation bundle carries its predicate (at most
/// 16 MiB, [`crate::release::attest::MAX_PREDICATE_BYTES`]) base64-encoded.
pub const BUNDLE: Limit = Limit { what: "Sigstore bundle", bytes: 32 << 20 };
/// In-toto statements signed by the conformance protocol: the predicate plus its subjects.
pub const STATEMENT: Limit = Limit { what: "in-toto statement", bytes: 32 << 20 };
/// cosign's detached `.sig` and `.pem` files (a few hundred bytes to a few KiB); the same bound
/// as a git signature.
pub const SIGNATURE_FILE: Limit = Limit { what: "signature or certificate file", bytes: 256 << 10 };
/// cosign key files, private and public (well under 1 KiB).
pub const KEY: Limit = Limit { what: "key file", bytes: 64 << 10 };
/// Policy files (allowed signers).
pub const POLICY: Limit = Limit { what: "policy file", bytes: 1 << 20 };
/// Trusted roots (`trusted_root.json`, tens of KiB).
pub const TRUSTED_ROOT: Limit = Limit { what: "trusted root", bytes: 4 << 20 };
/// Signing configs (`signing_config.json`, a few KiB).
pub const SIGNING_CONFIG: Limit = Limit { what: "signing config", bytes: 1 << 20 };
/// TUF metadata read directly (the cached `timestamp.json`, under 1 KiB).
pub const TUF_METADATA: Limit = Limit { what: "TUF metadata file", bytes: 1 << 20 };
/// Identity-token files (a JWT of a few KiB); the same bound as a token given to the agent.
pub const TOKEN: Limit = Limit { what: "identity token file", bytes: 64 << 10 };
/// Checksum manifests (`SHA256SUMS`: one ~100-byte line per asset).
pub const MANIFEST: Limit = Limit { what: "checksum manifest", bytes: 16 << 20 };

impl Limit {
    /// The limit in words: "32 MiB", "64 KiB", "100 bytes".
    pub fn size(&self) -> String {
        human(self.bytes)
    }
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes % (1 << 10) == 0 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// Read all of `path`, refusing it (without buffering more than `limit.bytes + 1` bytes) when it
/// is larger than the limit.
pub fn read_capped(path: &Path, limit: Limit) -> Result<Vec<u8>> {
    let context = || format!("reading {} {}", limit.what, path.display());
    let file = std::fs::File::open(path).map_err(|e| Error::io(context(), e))?;
    // A regular file that is already too large is refused before anything is read.
    if file.metadata().is_ok_and(|m| m.is_file() && m.len() > limit.bytes) {
        return Err(too_large(path, limit));
    }
    let mut buf = Vec::new();
    file.take(limit.bytes.saturating_add(1)).read_to_end(&mut buf).map_err(|e| Error::io(context(), e))?;
    if buf.len() as u64 > limit.bytes {
        return Err(too_large(path, limit));
    }
    Ok(buf)
}

/// [`read_capped`] for text files; the file must be UTF-8.
pub fn read_capped_string(path: &Path, limit: Limit) -> Result<String> {
    String::from_utf8(read_capped(path, limit)?).map_err(|e| {
        Error::io(
            format!("reading {} {}", limit.what, path.display()),
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not UTF-8 text ({e})")),
        )
    })
}

fn too_large(path: &Path, limit: Limit) -> Error {
    Error::TooLarge { what: limit.what, path: path.display().to_string(), limit: limit.size() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: Limit = Limit { what: "test file", bytes: 10 };

    #[test]
    fn a_file_at_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(read_capped(&p, TINY).unwrap(), b"0123456789");
        assert_eq!(read_capped_string(&p, TINY).unwrap(), "0123456789");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_naming_file_and_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, b"0123456789x").unwrap();
        let e = read_capped(&p, TINY).unwrap_err();
        assert_eq!(e.code(), "SS0005");
        let text = e.to_string();
        assert!(
            text.contains("test file") && text.contains(&p.display().to_string()) && text.contains("10 bytes"),
            "{text}"
        );
    }

    #[test]
    fn a_pipe_is_cut_at_the_limit_whatever_its_metadata_says() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "yes 0123456789 | head -c 100000"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let mut out = child.stdout.take().unwrap();
        let fifo2 = fifo.clone();
        let writer = std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(&fifo2).unwrap();
            let _ = std::io::copy(&mut out, &mut w);
        });
        let e = read_capped(&fifo, TINY).unwrap_err();
        assert_eq!(e.code(), "SS0005", "{e}");
        writer.join().unwrap();
        let _ = child.wait();
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(BUNDLE.size(), "32 MiB");
        assert_eq!(KEY.size(), "64 KiB");
        assert_eq!(TINY.size(), "10 bytes");
    }
}
