//! libFuzzer entry for `sigseal::fuzz::bundle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigseal::fuzz::bundle(data));
