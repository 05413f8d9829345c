//! libFuzzer target `ndjson_stream`: see `harness::ndjson_stream`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::ndjson_stream(data));
