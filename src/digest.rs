//! Streaming SHA-256 of anything read (release assets, artifacts given to verify-blob): 64 KiB
//! reads, constant memory. The one loop every file and stream hash in sigseal goes through.

use std::io::Read;

use sha2::{Digest as _, Sha256};

/// Read size: small enough to stay in the CPU's caches (1 MiB reads cost about a third more CPU
/// per byte), large enough for the kernel's read-ahead.
pub(crate) const CHUNK: usize = 64 << 10;

/// SHA-256 of everything `reader` yields, and how many bytes that was; `progress` is told how
/// many bytes each read added.
pub fn sha256_stream(mut reader: impl Read, mut progress: impl FnMut(u64)) -> std::io::Result<([u8; 32], u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(buf.get(..n).unwrap_or_default());
        size += n as u64;
        progress(n as u64);
    }
    Ok((hasher.finalize().into(), size))
}
