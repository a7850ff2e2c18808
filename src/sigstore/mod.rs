//! The one door to the sigstore-rust crates (`sigstore-sign` / `sigstore-verify` 0.15.x and
//! `sigstore_protobuf_specs`): every other module reaches trusted roots, keys, Fulcio, timestamp
//! authorities, bundles and the bundle verifier through the functions and re-exports here, so a
//! version bump touches this folder only. Rekor is spoken to by [`crate::transparency`], which
//! uses the conversions of this module for what it sends and reads.
//!
//! Fulcio and timestamp requests go through [`crate::http`]'s client; so does the TUF refresh.

mod bundle;
mod convert;
mod failure;
mod fulcio;
mod keys;
mod path;
mod root;
mod sct;
pub mod timestamp;
mod tlog;
mod tsa;
mod verify;

pub use sigstore_sign::crypto::{KeyPair, SubjectAltName};
pub use sigstore_verify::trust_root::{SigningConfig, TrustedRoot};
pub use sigstore_verify::types::{Bundle, DerCertificate, DsseEnvelope, TransparencyLogEntry};

pub use bundle::{
    bundle_facts, bundle_for, bundle_from_json, bundle_to_json, check_bundle_version, dsse_bundle, message_bundle,
    parse_bundle, BundleFacts, BUNDLE_MEDIA_TYPES,
};
pub use convert::{
    dsse_envelope, dsse_pae, entry_body, entry_from_protobuf, entry_from_v1_json, entry_from_v2_json,
    entry_to_protobuf, envelope_pae_sha256, envelope_payload, envelope_signature, envelope_to_json, hashedrekord_body,
    hashedrekord_signature, log_index, v2_request, EntryKind, Material, IN_TOTO_PAYLOAD_TYPE,
};
pub use fulcio::fulcio_certificate;
pub use keys::{certificate_facts, key_from_pkcs8, public_key_hint, sign, sign_digest, verify_digest, CertFacts};
pub use root::{
    embedded_production_root, embedded_production_signing_config, embedded_root, embedded_signing_config,
    embedded_staging_root, parse_signing_config, parse_trusted_root, root_windows, select_log, select_tsa, tuf_root,
    tuf_signing_config, Instance, RootWindows, Window,
};
pub use tlog::check_logged;
pub use tsa::tsa_timestamp;
pub use verify::{verify_with_certificate, BlobInput, BundleVerifier, Failure, KeyTrust, Verified};
