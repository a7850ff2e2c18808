//! libFuzzer entry for `sigseal::fuzz::trust_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigseal::fuzz::trust_json(data));
