//! Streaming SHA-256 of release assets (64 KiB reads, constant memory; several files at once on
//! several cores) and the `sha256:<hex>` form an artifact digest can be given in.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An asset's SHA-256 and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest {
    /// SHA-256.
    pub sha256: [u8; 32],
    /// Bytes hashed.
    pub size: u64,
}

impl Digest {
    /// Lower-case hex of the SHA-256.
    pub fn hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// Hash everything `reader` yields ([`crate::digest::sha256_stream`]); `progress` is told how
/// many bytes each read added.
pub fn sha256_reader(reader: impl Read, progress: impl FnMut(u64)) -> std::io::Result<Digest> {
    let (sha256, size) = crate::digest::sha256_stream(reader, progress)?;
    Ok(Digest { sha256, size })
}

/// Hash a file.
pub fn sha256_file(path: &Path, progress: impl FnMut(u64)) -> Result<Digest> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    sha256_reader(file, progress).map_err(|e| Error::io(format!("reading {}", path.display()), e))
}

/// Hash regular files in order, with one progress bar for the run (see
/// [`super::progress`]); anything but a regular file is refused before any hashing.
pub fn sha256_files(files: &[PathBuf]) -> Result<Vec<Digest>> {
    let mut total = 0u64;
    for f in files {
        let meta = std::fs::metadata(f).map_err(|e| Error::io(format!("reading {}", f.display()), e))?;
        if !meta.is_file() {
            return Err(Error::Usage(format!("{} is not a regular file", f.display())));
        }
        total += meta.len();
    }
    let progress = super::progress::Progress::hashing(files.len(), total);
    let out = sha256_parallel(files, |f, n| {
        if n == 0 {
            progress.file(&f.display().to_string());
        }
        progress.advance(n);
    });
    progress.finish();
    out.into_iter().collect()
}

/// The digests of `files`, in their order, hashed on every core at once (each file streamed in
/// [`CHUNK`]s: memory stays a buffer per core). `progress` is told when a file starts (0 bytes)
/// and how many bytes each read added.
pub fn sha256_parallel(files: &[PathBuf], progress: impl Fn(&Path, u64) + Sync) -> Vec<Result<Digest>> {
    use rayon::prelude::*;
    files
        .par_iter()
        .map(|f| {
            progress(f, 0);
            sha256_file(f, |n| progress(f, n))
        })
        .collect()
}

/// `sha256:<64 hex>` as a digest, or `None` when `arg` is not of that form.
pub fn parse_sha256_arg(arg: &str) -> Option<[u8; 32]> {
    parse_sha256_hex(arg.strip_prefix("sha256:")?)
}

/// 64 hex digits as a SHA-256, or `None`.
pub fn parse_sha256_hex(hex_part: &str) -> Option<[u8; 32]> {
    if hex_part.len() != 64 {
        return None;
    }
    let bytes = hex::decode(hex_part).ok()?;
    <[u8; 32]>::try_from(bytes.as_slice()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::CHUNK;
    use sha2::{Digest as _, Sha256};

    #[test]
    fn streamed_hash_matches_the_known_digest_across_chunk_boundaries() {
        let data = vec![b'a'; CHUNK * 2 + 7];
        let mut seen = 0;
        let d = sha256_reader(data.as_slice(), |n| seen += n).unwrap();
        assert_eq!(d.size, data.len() as u64);
        assert_eq!(seen, d.size);
        assert_eq!(d.sha256, <[u8; 32]>::from(Sha256::digest(&data)));
        let empty = sha256_reader(&b""[..], |_| {}).unwrap();
        assert_eq!(empty.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn only_a_full_sha256_prefix_form_is_a_digest() {
        let hex64 = "a".repeat(64);
        assert_eq!(parse_sha256_arg(&format!("sha256:{hex64}")), Some([0xaa; 32]));
        assert_eq!(parse_sha256_arg(&hex64), None);
        assert_eq!(parse_sha256_arg(&format!("sha256:{}", "a".repeat(63))), None);
        assert_eq!(parse_sha256_arg(&format!("sha512:{hex64}")), None);
        assert_eq!(parse_sha256_arg(&format!("sha256:{}", "g".repeat(64))), None);
    }
}
