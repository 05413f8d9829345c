//! libFuzzer target `esql_spec_run`: see `harness::esql_spec_run`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::esql_spec_run(data));
