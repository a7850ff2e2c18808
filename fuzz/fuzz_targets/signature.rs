//! libFuzzer entry for `sigseal::fuzz::signature`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigseal::fuzz::signature(data));
