//! libFuzzer entry for `sigseal::fuzz::cosign_files`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigseal::fuzz::cosign_files(data));
