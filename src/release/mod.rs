//! Release assets: signing files of any size (`sign-blob`, `sign-release`), checksum manifests,
//! in-toto attestations and SLSA provenance, cosign's `.sig`/`.pem` encodings and key files,
//! and their verification. Assets are hashed as streams; the signature is over the SHA-256
//! digest, so memory stays constant whatever the file size. Every run either writes all its
//! outputs or none, and returns a report of what it wrote or found; nothing here prints.
//!
//! Entry points: [`run`] (the signing runs, set up by [`session`]), [`verify`] (blobs,
//! attestations, release directories), [`select`] (which files a run covers).

pub mod attest;
pub mod cosign;
pub mod github_release;
pub mod hash;
pub mod keypair;
pub mod manifest;
pub mod output;
pub mod progress;
pub mod run;
pub mod select;
pub mod session;
pub mod sign;
pub mod verify;

pub use hash::{sha256_file, Digest};
