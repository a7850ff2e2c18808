//! The integration tests of sigseal, built as one test binary (one link instead of one per file).
//! Each module runs the `sigseal` binary and real tools (git, openssl, sigstore-python, sigstore-js)
//! against the local Sigstore stack under tests/stack; `common` is their shared harness.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test harness and tests: a failure stops at the line that failed"
)]
#![allow(
    clippy::items_after_statements,
    clippy::too_many_lines,
    clippy::many_single_char_names,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    reason = "a test tells one story top to bottom, with its helpers where they are used and small numbers it made itself"
)]

mod common;

mod architecture;
mod bundle_checks;
mod cli_extras;
mod conformance_suite;
mod crafted_signatures;
mod doc_examples;
mod doctor;
mod export_bundle;
mod fuzz_corpus;
mod gh_attestations;
mod git_config_reading;
mod git_signing;
mod gitsign_fixtures;
mod identity_sources;
mod login_and_agent;
mod malformed_signatures;
mod offline_verification;
mod oversized_inputs;
mod rekor_v2;
mod release_attestations;
mod release_interop;
mod release_pipeline;
mod release_signing;
mod server_replies;
mod service_faults;
mod signing_failures;
mod stack_instances;
mod stack_rekor_v2;
mod timestamp_only;
mod timestamps;
mod verify_command;
mod workflows;
