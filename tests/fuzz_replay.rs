//! The fuzz corpus and every past crash input, replayed on the stable toolchain through the
//! same harness functions the libFuzzer targets call (`fuzz/harness.rs`), so CI keeps every
//! fixed finding fixed without a nightly toolchain.
//!
//! Folders per target: `fuzz/corpus/<target>/` (seeds from the repository's own inputs),
//! `fuzz/regressions/<target>/` (crash inputs of fixed findings, committed) and
//! `fuzz/artifacts/<target>/` (a local campaign's crashes, when present).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

#[path = "../fuzz/harness.rs"]
mod harness;

use crate::support;

fn inputs(folder: &str, target: &str) -> Vec<PathBuf> {
    let dir = support::repo_path("fuzz").join(folder).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("a readable entry").path())
                .collect()
        })
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// Runs every input of `target`; returns the inputs that panicked, with the panic message.
fn replay(target: &str, run: harness::Harness, files: &[PathBuf]) -> Vec<String> {
    let mut failures = Vec::new();
    for file in files {
        let data = std::fs::read(file).expect("a readable input");
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| run(&data))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{target}: {}: {message}", file.display()));
        }
    }
    failures
}

#[test]
fn every_corpus_input_runs_without_a_panic() {
    let mut failures = Vec::new();
    for (target, run) in harness::TARGETS {
        let files = inputs("corpus", target);
        assert!(
            files.len() >= 10,
            "{target}: a corpus of {} files",
            files.len()
        );
        failures.extend(replay(target, *run, &files));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_past_crash_input_stays_fixed() {
    let mut failures = Vec::new();
    for (target, run) in harness::TARGETS {
        for folder in ["regressions", "artifacts"] {
            failures.extend(replay(target, *run, &inputs(folder, target)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Each target's corpus folder is one the harness knows, and the other way round; a crash
/// input filed under a folder no target reads would never be replayed.
#[test]
fn input_folders_match_the_targets() {
    let mut targets: Vec<String> = harness::TARGETS
        .iter()
        .map(|(t, _)| t.to_string())
        .collect();
    targets.sort();
    let folders = |folder: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(support::repo_path("fuzz").join(folder))
            .map(|entries| {
                entries
                    .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    assert_eq!(folders("corpus"), targets);
    for folder in ["regressions", "artifacts"] {
        for name in folders(folder) {
            assert!(
                targets.contains(&name),
                "fuzz/{folder}/{name} is no target's"
            );
        }
    }
}
