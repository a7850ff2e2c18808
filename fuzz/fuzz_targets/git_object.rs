//! libFuzzer entry for `sigseal::fuzz::git_object`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigseal::fuzz::git_object(data));
