//! libFuzzer entry for `sigseal::fuzz::timestamp`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigseal::fuzz::timestamp(data));
