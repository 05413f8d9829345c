//! libFuzzer target `rule_load`: see `harness::rule_load`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::rule_load(data));
