//! Release assets: signing files of any size (`sign-blob`, `sign-release`), checksum manifests,
//! in-toto attestations and SLSA provenance, cosign's `.sig`/`.pem` encodings and key files.
//! Assets are hashed as streams; the signature is over the SHA-256 digest, so memory stays
//! constant whatever the file size. Every run either writes all its outputs or none.

pub mod attest;
pub mod cosign;
pub mod hash;
pub mod keypair;
pub mod manifest;
pub mod output;
pub mod progress;
pub mod sign;

pub use hash::{sha256_file, Digest};
