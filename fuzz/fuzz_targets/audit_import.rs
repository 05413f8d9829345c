//! libFuzzer target `audit_import`: see `harness::audit_import`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::audit_import(data));
