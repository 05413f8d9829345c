//! Inputs: `-` is standard input and gzip is recognised by content for every command that reads
//! a file; an input truncated while it is read is an error, never a signal; input shapes that
//! used to be accepted silently are errors or warnings.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::outputs::scratch;
use crate::support::{repo_path, rulegate, shared_path, success_stdout};

const RULE: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
const SCENARIO: &str = "scenarios/attack_forbidden_spray.toml";
const DOCUMENTS: &str = "tests/data/seed_rule/burst_fires.ndjson";
const NOW: &str = "2026-05-15T10:00:00Z";

/// Runs `command` with `stdin` as its standard input.
fn with_stdin(command: &mut Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // The command may stop reading early (an error): a closed pipe here is its business.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(repo_path(path)).unwrap()
}

fn assert_success(output: &Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{what}: {stderr}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn dash_is_standard_input_for_every_command_that_reads_a_file() {
    let raw = shared_path("reference/raw-k8s-audit/falco/create_secret.json");
    let raw_bytes = std::fs::read(&raw).unwrap();
    // (arguments with `-`, what `-` stands for, the same arguments with the file)
    let cases: Vec<(Vec<&str>, Vec<u8>, Vec<String>)> = vec![
        (
            vec!["inspect", "-"],
            read(RULE),
            vec!["inspect".into(), RULE.into()],
        ),
        (
            vec!["query", RULE, "--input", "-", "--now", NOW],
            read(DOCUMENTS),
            vec![
                "query".into(),
                RULE.into(),
                "--input".into(),
                DOCUMENTS.into(),
                "--now".into(),
                NOW.into(),
            ],
        ),
        (
            vec!["query", "-", "--input", DOCUMENTS, "--now", NOW],
            read(RULE),
            vec![
                "query".into(),
                RULE.into(),
                "--input".into(),
                DOCUMENTS.into(),
                "--now".into(),
                NOW.into(),
            ],
        ),
        (
            vec!["replay", RULE, "--input", "-"],
            read(DOCUMENTS),
            vec![
                "replay".into(),
                RULE.into(),
                "--input".into(),
                DOCUMENTS.into(),
            ],
        ),
        (
            vec!["explain", "--rule", RULE, "--input", "-"],
            read(DOCUMENTS),
            vec![
                "explain".into(),
                "--rule".into(),
                RULE.into(),
                "--input".into(),
                DOCUMENTS.into(),
            ],
        ),
        (
            vec!["ingest", "-"],
            raw_bytes,
            vec!["ingest".into(), raw.display().to_string()],
        ),
        (
            vec!["gen", "-"],
            read(SCENARIO),
            vec!["gen".into(), SCENARIO.into()],
        ),
        (
            vec!["run", "-", "--rule", RULE],
            read(SCENARIO),
            vec!["run".into(), SCENARIO.into(), "--rule".into(), RULE.into()],
        ),
        (
            vec!["edges", "-"],
            read(RULE),
            vec!["edges".into(), RULE.into()],
        ),
        (
            vec!["diff", RULE, "-"],
            read(RULE),
            vec!["diff".into(), RULE.into(), RULE.into()],
        ),
        (
            vec!["personas", "--file", "-"],
            read("scenarios/personas.toml"),
            vec![
                "personas".into(),
                "--file".into(),
                "scenarios/personas.toml".into(),
            ],
        ),
    ];
    for (dashed, stdin, plain) in cases {
        let expected = success_stdout(rulegate().args(&plain));
        let output = with_stdin(rulegate().args(&dashed), &stdin);
        let got = assert_success(&output, &format!("{dashed:?}"));
        assert!(!expected.is_empty(), "{plain:?}");
        // `inspect` and `edges` name the rule file: `-` where the file's path was.
        let expected = String::from_utf8(expected).unwrap().replace(RULE, "-");
        assert_eq!(got, expected, "{dashed:?}");
    }
}

#[test]
fn gzip_is_recognised_by_its_magic_bytes_everywhere() {
    let dir = scratch("gzip-magic");
    let documents = dir.join("documents.ndjson");
    std::fs::write(&documents, gzip(&read(DOCUMENTS))).unwrap();
    let rule = dir.join("rule.toml");
    std::fs::write(&rule, gzip(&read(RULE))).unwrap();
    let plain_named_gz = dir.join("plain.ndjson.gz");
    std::fs::write(&plain_named_gz, read(DOCUMENTS)).unwrap();
    let query = |rule: &Path, input: &Path| {
        rulegate()
            .arg("query")
            .arg(rule)
            .arg("--input")
            .arg(input)
            .args(["--now", NOW])
            .output()
            .unwrap()
    };
    let expected =
        success_stdout(rulegate().args(["query", RULE, "--input", DOCUMENTS, "--now", NOW]));
    for input in [&documents, &plain_named_gz] {
        let output = query(&repo_path(RULE), input);
        assert_eq!(
            assert_success(&output, &input.display().to_string()).as_bytes(),
            expected
        );
    }
    let output = query(&rule, &documents);
    assert_eq!(assert_success(&output, "gzipped rule").as_bytes(), expected);
    // Streamed from standard input too.
    let output = with_stdin(
        rulegate().args(["query", RULE, "--input", "-", "--now", NOW]),
        &gzip(&read(DOCUMENTS)),
    );
    assert_eq!(
        assert_success(&output, "gzip on stdin").as_bytes(),
        expected
    );
    for command in ["replay", "explain"] {
        let mut plain = rulegate();
        let mut zipped = rulegate();
        for (c, input) in [
            (&mut plain, repo_path(DOCUMENTS)),
            (&mut zipped, documents.clone()),
        ] {
            c.arg(command);
            if command == "explain" {
                c.arg("--rule");
            }
            c.arg(RULE).arg("--input").arg(input);
        }
        assert_eq!(
            success_stdout(&mut zipped),
            success_stdout(&mut plain),
            "{command}"
        );
    }
}

/// Many copies of the seed rule's documents: enough that a debug build reads for a while.
fn large_input(dir: &Path) -> PathBuf {
    let path = dir.join("large.ndjson");
    let block = read(DOCUMENTS).repeat(4000);
    let mut file = std::fs::File::create(&path).unwrap();
    for _ in 0..10 {
        file.write_all(&block).unwrap();
    }
    path
}

/// Whether process `pid` has `path` open.
fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    entries
        .filter_map(|e| e.ok())
        .any(|e| std::fs::read_link(e.path()).is_ok_and(|target| target == path))
}

#[test]
fn an_input_truncated_while_query_reads_it_is_an_error_not_a_signal() {
    let dir = scratch("truncated").canonicalize().unwrap();
    let input = large_input(&dir);
    let size = std::fs::metadata(&input).unwrap().len();
    let mut child = rulegate()
        .args(["query", RULE, "--now", NOW, "--input"])
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !has_open(child.id(), &input) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "query ended before opening its input"
        );
        assert!(
            started.elapsed().as_secs() < 30,
            "query never opened its input"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // Log rotation by copytruncate: the file is cut to nothing while it is read.
    std::fs::File::options()
        .write(true)
        .open(&input)
        .unwrap()
        .set_len(0)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{:?}: {stderr}",
        output.status
    );
    assert!(
        stderr.contains("truncated while it was read")
            && stderr.contains(&format!("of its {size} bytes")),
        "{stderr}"
    );
}
