//! `rulegate ingest --threads N`: the same bytes on standard output and standard error, and
//! the same exit code, at 1, 2 and 4 threads, over every sample log, a log long enough for
//! many batches, and logs whose errors fall deep inside; one thread writes what the library's
//! one-event-at-a-time path (`read_events` → `raw_to_ecs` → JSON line) writes.

use std::path::{Path, PathBuf};
use std::process::Output;

use rulegate::audit::ecs::{raw_to_ecs, EcsOptions, TimestampFrom};
use rulegate::audit::import;

use crate::support::{repo_path, rulegate, shared_path};

/// Every audit log of `tests/data/shapes/` and the raw samples of the shared reference.
fn sample_logs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        repo_path("tests/data/shapes"),
        shared_path("reference/raw-k8s-audit/falco"),
        shared_path("reference/raw-k8s-audit/audit2rbac"),
    ] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn ingest(threads: usize, args: &[&str], files: &[PathBuf]) -> Output {
    rulegate()
        .arg("ingest")
        .args(["--threads", &threads.to_string()])
        .args(args)
        .args(files)
        .output()
        .unwrap()
}

/// Runs at 1, 2 and 4 threads; asserts they agree and returns the one-thread output.
fn same_at_every_thread_count(args: &[&str], files: &[PathBuf]) -> Output {
    let one = ingest(1, args, files);
    for threads in [2, 4] {
        let many = ingest(threads, args, files);
        assert_eq!(
            many.status.code(),
            one.status.code(),
            "{threads} threads {args:?} {files:?}"
        );
        assert!(
            many.stdout == one.stdout,
            "stdout at {threads} threads {args:?} {files:?}"
        );
        assert_eq!(
            String::from_utf8_lossy(&many.stderr),
            String::from_utf8_lossy(&one.stderr),
            "{threads} threads {args:?} {files:?}"
        );
    }
    one
}

/// What the one-event-at-a-time library path writes for `file` (default options).
fn library_output(file: &Path) -> Vec<u8> {
    let reader = import::open(file).unwrap();
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let name = file.display().to_string();
    import::read_events(&name, reader, false, &mut warnings, &mut |event| {
        let options = EcsOptions {
            timestamp: event.timestamp_from(TimestampFrom::Stage),
            ..EcsOptions::default()
        };
        serde_json::to_writer(&mut out, &raw_to_ecs(&event.raw, &options)).unwrap();
        out.push(b'\n');
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn every_sample_log_ingests_the_same_at_every_thread_count() {
    let files = sample_logs();
    assert!(files.len() >= 20, "{files:?}");
    let mut read_fine = 0;
    for file in &files {
        let one = same_at_every_thread_count(&[], std::slice::from_ref(file));
        if one.status.success() {
            read_fine += 1;
            assert!(one.stdout == library_output(file), "{file:?}");
        }
        for args in [
            &["--preserve-original"][..],
            &["--format", "bulk", "--skip-invalid"],
        ] {
            same_at_every_thread_count(args, std::slice::from_ref(file));
        }
    }
    assert!(read_fine >= 18, "{read_fine} of {} logs read", files.len());
    // All at once: per-file warnings and the summary in order.
    same_at_every_thread_count(&["--skip-invalid"], &files);
}

/// A log of `copies` times the audit2rbac demo (37 events a copy), with `extra` lines put
/// after line `at`.
fn long_log(dir: &Path, name: &str, copies: usize, at: usize, extra: &str) -> PathBuf {
    let demo = std::fs::read_to_string(shared_path("reference/raw-k8s-audit/audit2rbac/demo.log"))
        .unwrap();
    let mut lines: Vec<&str> = demo.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 37);
    lines = lines.repeat(copies);
    lines.insert(at, extra);
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn long_logs_and_errors_deep_inside_are_the_same_at_every_thread_count() {
    let dir = crate::support::scratch("ingest-threads");
    // 40 copies: 1,480 events, several batches of 256 at each thread count.
    let bad_line = long_log(&dir, "bad_line.log", 40, 1000, "not json");
    let untimed = long_log(
        &dir,
        "untimed.log",
        40,
        1200,
        r#"{"kind":"Event","auditID":"x","stageTimestamp":"yesterday"}"#,
    );
    let one = same_at_every_thread_count(&[], std::slice::from_ref(&bad_line));
    assert_eq!(one.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&one.stderr).contains("line 1001 is not an audit event"));
    let one = same_at_every_thread_count(&["--skip-invalid"], std::slice::from_ref(&bad_line));
    assert!(one.status.success());
    assert_eq!(one.stdout.iter().filter(|&&b| b == b'\n').count(), 1480);
    assert!(one.stdout == library_output(&long_log(&dir, "plain.log", 40, 0, "")));
    let one = same_at_every_thread_count(&[], std::slice::from_ref(&untimed));
    assert_eq!(one.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&one.stderr).contains("E410"),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let one = same_at_every_thread_count(&["--skip-invalid"], &[untimed, bad_line]);
    assert!(String::from_utf8_lossy(&one.stderr).contains("skipped line 1201"));
}

#[test]
fn thread_counts_outside_one_to_256_are_refused_with_exit_2() {
    let log = shared_path("reference/raw-k8s-audit/falco/create_secret.json");
    for threads in [0, 257, 100_000] {
        let output = ingest(threads, &[], std::slice::from_ref(&log));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{threads}: {stderr}");
        assert!(stderr.contains("--threads"), "{threads}: {stderr}");
        assert!(output.stdout.is_empty(), "{threads}");
    }
}
