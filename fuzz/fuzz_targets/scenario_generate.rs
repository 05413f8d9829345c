//! libFuzzer target `scenario_generate`: see `harness::scenario_generate`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::scenario_generate(data));
