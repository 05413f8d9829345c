//! Inputs: `-` is standard input and gzip is recognised by content for every command that reads
//! a file; an input truncated while it is read is an error, never a signal; input shapes that
//! used to be accepted silently are errors or warnings.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::outputs::scratch;
use crate::support::{repo_path, rulegate, shared_path, success_stdout, with_stdin};

const RULE: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
const SCENARIO: &str = "scenarios/attack_forbidden_spray.toml";
const DOCUMENTS: &str = "tests/data/seed_rule/burst_fires.ndjson";
const NOW: &str = "2026-05-15T10:00:00Z";

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
    // Larger than the batches in flight (two per core, 4 MiB each) many times over.
    for _ in 0..20 {
        file.write_all(&block).unwrap();
    }
    path
}

/// Whether process `pid` has started reading `path` (its descriptor's offset has moved, so its
/// length was taken), or has mapped it into memory (a mapping outlives its file descriptor:
/// how `query` read files before it read them).
fn is_reading(pid: u32, path: &Path) -> bool {
    let read_from = |fd: &std::fs::DirEntry| {
        std::fs::read_to_string(format!(
            "/proc/{pid}/fdinfo/{}",
            fd.file_name().to_string_lossy()
        ))
        .is_ok_and(|info| {
            info.lines()
                .any(|l| l.starts_with("pos:") && l[4..].trim() != "0")
        })
    };
    let opened = std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|entries| {
        entries.filter_map(|e| e.ok()).any(|e| {
            std::fs::read_link(e.path()).is_ok_and(|target| target == path) && read_from(&e)
        })
    });
    let mapped = std::fs::read_to_string(format!("/proc/{pid}/maps")).is_ok_and(|maps| {
        maps.lines()
            .any(|line| line.ends_with(&*path.to_string_lossy()))
    });
    opened || mapped
}

#[test]
fn an_input_truncated_while_query_reads_it_is_an_error_not_a_signal() {
    let scratch_dir = scratch("truncated");
    let dir = scratch_dir.canonicalize().unwrap();
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
    while !is_reading(child.id(), &input) {
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

/// Runs the binary and returns (exit code, stderr), asserting it wrote no panic.
fn fails(command: &mut Command) -> (Option<i32>, String) {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code(), stderr)
}

/// Runs the binary and asserts exit 2 with every one of `needles` in its message.
fn assert_refused(command: &mut Command, needles: &[&str]) -> String {
    let (code, stderr) = fails(command);
    assert_eq!(code, Some(2), "{command:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{command:?}: no {needle:?} in {stderr}"
        );
    }
    stderr
}

/// The raw audit lines of a scenario (`gen --format raw`).
fn raw_audit(dir: &Path) -> PathBuf {
    let path = dir.join("raw.jsonl");
    let lines = success_stdout(rulegate().args(["gen", SCENARIO, "--format", "raw"]));
    std::fs::write(&path, lines).unwrap();
    path
}

#[test]
fn replay_and_explain_over_raw_audit_without_raw_say_so() {
    let dir = scratch("raw-shape");
    let raw = raw_audit(&dir);
    let replay = || {
        let mut c = rulegate();
        c.args(["replay", RULE, "--input"]).arg(&raw);
        c
    };
    assert_refused(
        &mut replay(),
        &[
            "E411",
            "raw Kubernetes audit events",
            "--raw",
            "raw.jsonl:1",
        ],
    );
    let mut explain = rulegate();
    explain
        .args(["explain", "--rule", RULE, "--input"])
        .arg(&raw);
    assert_refused(&mut explain, &["E411", "--raw"]);
    // With --raw they are what they say.
    let out = String::from_utf8(success_stdout(replay().arg("--raw"))).unwrap();
    assert!(!out.contains("\"executions\": 0"), "{out}");
}

#[test]
fn an_empty_input_to_replay_or_explain_is_an_error() {
    let dir = scratch("empty-input");
    let empty = dir.join("empty.ndjson");
    std::fs::write(&empty, "").unwrap();
    let blank = dir.join("blank.ndjson");
    std::fs::write(&blank, "\n  \n").unwrap();
    for input in [&empty, &blank] {
        for raw in [false, true] {
            let mut replay = rulegate();
            replay.args(["replay", RULE, "--input"]).arg(input);
            let mut explain = rulegate();
            explain
                .args(["explain", "--rule", RULE, "--input"])
                .arg(input);
            for command in [&mut replay, &mut explain] {
                if raw {
                    command.arg("--raw");
                }
                assert_refused(command, &["E403", "no documents"]);
            }
        }
    }
}

#[test]
fn ingest_of_a_timestamp_that_is_not_rfc3339_is_an_error() {
    let dir = scratch("ingest-time");
    let raw = std::fs::read_to_string(raw_audit(&dir)).unwrap();
    let first = raw.lines().next().unwrap();
    let event: serde_json::Value = serde_json::from_str(first).unwrap();
    let mut bad = event.clone();
    bad["stageTimestamp"] = "15/05/2026 10:00".into();
    bad["requestReceivedTimestamp"] = "yesterday".into();
    let mut missing = event.clone();
    missing.as_object_mut().unwrap().remove("stageTimestamp");
    missing
        .as_object_mut()
        .unwrap()
        .remove("requestReceivedTimestamp");
    let path = dir.join("audit.jsonl");
    std::fs::write(&path, format!("{event}\n{bad}\n{missing}\n")).unwrap();
    let stderr = assert_refused(
        rulegate().arg("ingest").arg(&path),
        &[
            "E410",
            "audit.jsonl:2",
            "\"15/05/2026 10:00\" is not an RFC 3339 time",
            "no @timestamp",
        ],
    );
    assert!(stderr.contains("--skip-invalid"), "{stderr}");
    // Skipped on request, with a warning, and counted. The event with no time field at all is
    // kept (Elastic's Agent would stamp its read time, which an import cannot know), and said.
    let output = rulegate()
        .arg("ingest")
        .arg(&path)
        .arg("--skip-invalid")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 2);
    assert!(
        stderr.contains("warning[W005]: skipped line 2") && stderr.contains("audit.jsonl:2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning[W006]: 1 event(s) have no `stageTimestamp`")
            && stderr.contains("audit.jsonl:3"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ingested 2 events from 1 file(s); 1 invalid line(s) skipped"),
        "{stderr}"
    );
}

#[test]
fn a_mapping_with_an_unknown_type_is_refused_in_elasticsearch_words() {
    let dir = scratch("mapping-type");
    let mapping = dir.join("mapping.json");
    std::fs::write(
        &mapping,
        r#"{"mappings":{"properties":{"user":{"properties":{"name":{"type":"strnig"}}}}}}"#,
    )
    .unwrap();
    assert_refused(
        rulegate()
            .args([
                "query",
                RULE,
                "--input",
                DOCUMENTS,
                "--now",
                NOW,
                "--mapping",
            ])
            .arg(&mapping),
        &[
            "No handler for type [strnig] declared on field [user.name]",
            "mapping.json",
        ],
    );
    // A known type the engine does not model is not an error.
    std::fs::write(
        &mapping,
        r#"{"mappings":{"properties":{"labels":{"type":"flattened"},"user":{"properties":{"name":{"type":"keyword"}}}}}}"#,
    )
    .unwrap();
    success_stdout(
        rulegate()
            .args([
                "query",
                RULE,
                "--input",
                DOCUMENTS,
                "--now",
                NOW,
                "--mapping",
            ])
            .arg(&mapping),
    );
}

#[test]
fn an_offset_beyond_a_day_is_not_a_time() {
    assert_refused(
        rulegate().args([
            "query",
            RULE,
            "--input",
            DOCUMENTS,
            "--now",
            "2026-05-15T10:00:00+25:00",
        ]),
        &["--now", "+25:00", "not an RFC 3339 time"],
    );
    assert_refused(
        rulegate().args([
            "replay",
            RULE,
            "--input",
            DOCUMENTS,
            "--first-run",
            "2026-05-15T10:00:00+25:00",
        ]),
        &["--first-run", "not an RFC 3339 time"],
    );
    assert_refused(
        rulegate().args([
            "query",
            RULE,
            "--input",
            DOCUMENTS,
            "--now",
            "2026-05-15T10:00:00+05:99",
        ]),
        &["--now"],
    );
}

#[test]
fn mutate_min_score_must_be_a_percentage() {
    for bad in ["NaN", "nan", "inf", "-1", "100.5"] {
        assert_refused(
            rulegate().args(["mutate", RULE, &format!("--min-score={bad}")]),
            &["--min-score", bad],
        );
    }
}

#[test]
fn coverage_and_doc_over_an_empty_rules_folder_are_errors() {
    let dir = scratch("no-rules");
    let rules = dir.join("rules");
    std::fs::create_dir(&rules).unwrap();
    assert_refused(
        rulegate().arg("coverage").arg("--rules").arg(&rules),
        &["E006", "no rule files"],
    );
    assert_refused(
        rulegate()
            .arg("doc")
            .arg("--rules")
            .arg(&rules)
            .arg("-o")
            .arg(dir.join("pages")),
        &["E006", "no rule files"],
    );
    assert!(!dir.join("pages").exists());
}

#[test]
fn check_over_a_folder_without_scenarios_fails() {
    let dir = scratch("no-scenarios");
    std::fs::write(dir.join("personas.toml"), "").unwrap();
    assert_refused(
        rulegate().arg("check").arg("--scenarios").arg(&dir),
        &["E007", "no scenarios", "nothing to check"],
    );
}

#[test]
fn keep_or_drop_of_a_pattern_that_matches_nothing_is_elasticsearch_verification_error() {
    for (query, pattern) in [
        ("FROM logs-* | KEEP nosuch*", "nosuch*"),
        ("FROM logs-* | KEEP user.name, *nosuch", "*nosuch"),
        ("FROM logs-* | DROP nosuch*", "nosuch*"),
    ] {
        assert_refused(
            rulegate().args(["query", "--esql", query, "--input", DOCUMENTS, "--now", NOW]),
            &["E301", &format!("No matches found for pattern [{pattern}]")],
        );
    }
    // A pattern that matches is fine.
    success_stdout(rulegate().args([
        "query",
        "--esql",
        "FROM logs-* | KEEP user.n*",
        "--input",
        DOCUMENTS,
        "--now",
        NOW,
    ]));
}

#[test]
fn diagnostics_show_control_characters_escaped_and_cut_long_lines() {
    let query = "FROM logs-* | WHERE \u{1b}]0;owned\u{7}\u{1b}[2J x";
    let stderr = assert_refused(
        rulegate().args(["query", "--esql", query, "--input", DOCUMENTS, "--now", NOW]),
        &["\\u{1b}"],
    );
    assert!(
        !stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{stderr:?}"
    );
    let long = format!(
        "FROM logs-* | EVAL a = \"{}\" | EVAL b = nosuchfunction(a) | EVAL c = \"{}\"",
        "x".repeat(20_000),
        "y".repeat(20_000)
    );
    let stderr = assert_refused(
        rulegate().args(["query", "--esql", &long, "--input", DOCUMENTS, "--now", NOW]),
        &["nosuchfunction"],
    );
    assert!(
        stderr.lines().all(|line| line.chars().count() < 200),
        "{stderr}"
    );
    let source = stderr
        .lines()
        .find(|l| l.contains("nosuchfunction(a)"))
        .unwrap();
    let carets = stderr.lines().find(|l| l.contains('^')).unwrap();
    let column = carets.chars().position(|c| c == '^').unwrap();
    let under: String = source.chars().skip(column).take(14).collect();
    assert_eq!(under, "nosuchfunction", "{stderr}");
}

#[test]
fn query_over_raw_audit_lines_warns_that_they_are_not_ecs() {
    let dir = scratch("query-raw");
    let raw = raw_audit(&dir);
    let output = rulegate()
        .args(["query", RULE, "--now", NOW, "--input"])
        .arg(&raw)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // `query` reads documents as they are (ES|QL over raw lines is a fair question), so the
    // shape is a warning, with the way to the ECS form.
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for needle in [
        "warning[W007]",
        "raw Kubernetes audit events",
        "raw.jsonl:1",
        "rulegate ingest",
    ] {
        assert!(stderr.contains(needle), "`{needle}` missing from: {stderr}");
    }
    // ECS documents get no such warning.
    let output = rulegate()
        .args(["query", RULE, "--now", NOW, "--input", DOCUMENTS])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("W007"));
}

#[test]
fn init_of_a_rule_on_standard_input_names_its_scenario_folder_by_the_rule_id() {
    let dir = scratch("init-stdin");
    let output = with_stdin(
        rulegate()
            .current_dir(&dir)
            .args(["init", "-", "--ci", "none"]),
        &read(RULE),
    );
    assert_success(&output, "init -");
    let folder = dir.join("scenarios/b4c8e2a1-9f3d-4e7c-a2b1-0d5e6f7a8b9c");
    assert!(
        folder.join("attack.toml").is_file(),
        "{:?}",
        crate::outputs::entries(&dir)
    );
    assert!(folder.join("benign.toml").is_file());
    assert!(!dir.join("scenarios/-").exists(), "no folder named `-`");
}
