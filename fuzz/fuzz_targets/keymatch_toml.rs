//! Fuzz target: `keymatch::fuzzing::keymatch_toml` (see that function for the input format).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keymatch::fuzzing::keymatch_toml(data));
