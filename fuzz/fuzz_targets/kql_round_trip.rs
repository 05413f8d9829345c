//! libFuzzer target `kql_round_trip`: see `harness::kql_round_trip`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::kql_round_trip(data));
