//! Streaming `query` equals loading every document first: same rows, same warnings, same
//! errors and line numbers, whatever the batch size and thread count.

use rulegate::document::{Cell, Documents, LoadOptions, Value};
use rulegate::eval::stream::{
    run_query, run_query_mapped, run_query_text, streams, InMemory, StreamError, Streamed,
    Streaming, RELEASE_STEP,
};
use rulegate::eval::{self, Plan, Window};

use crate::support;

const NOW: i64 = 1_778_839_200_000; // 2026-05-15T10:00:00Z

/// Queries over mapped fields only (so they stream), covering each kind of first blocking
/// step: `STATS` (with warnings from multivalued keys and comparisons), a `LIMIT` right after
/// the filter (the batch that fills it is re-run), the default limit, `SORT`, `MV_EXPAND`,
/// `EVAL`, `KEEP` and metadata.
const QUERIES: &[&str] = &[
    SEED,
    "FROM logs-* | WHERE source.ip == to_ip(\"10.0.0.12\") | STATS c = COUNT(*) BY user.name",
    "FROM logs-* | WHERE event.action == \"get\" | KEEP @timestamp, user.name, source.ip | LIMIT 7",
    "FROM logs-* METADATA _index | WHERE user.name LIKE \"*e*\" | KEEP _index, user.name, source.ip",
    "FROM logs-* | EVAL ip = to_string(source.ip) | KEEP ip, user.name | LIMIT 3",
    "FROM logs-* | MV_EXPAND source.ip | STATS n = COUNT(*) BY source.ip | SORT n DESC, source.ip | LIMIT 5",
    "FROM logs-* | SORT @timestamp DESC, user.name | KEEP @timestamp, user.name | LIMIT 4",
    "FROM logs-* | STATS users = COUNT_DISTINCT(user.name), first = MIN(@timestamp), last = MAX(@timestamp)",
    "FROM logs-* | WHERE kubernetes.audit.objectRef.resource == \"secrets\" | STATS n = COUNT(*) BY kubernetes.audit.objectRef.namespace, user_agent.original",
];

/// Stands for the seed rule's query in the tables (its text is read from the rule file).
const SEED: &str = "<seed rule>";

fn text_of(query: &str) -> String {
    if query != SEED {
        return query.to_string();
    }
    let rule = support::repo_path(RULE);
    let loaded = rulegate::rule::load(&rule).unwrap();
    loaded.query.parsed().unwrap().1.to_string()
}

const RULE: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

/// The seed rule's hand-written documents, then the documents of a few scenarios.
fn corpus() -> Vec<u8> {
    let mut text = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(support::repo_path("tests/data/seed_rule"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ndjson"))
        .collect();
    files.sort();
    for file in files {
        text.extend(std::fs::read(file).unwrap());
    }
    // The hand-written scenarios (the derived edges add little).
    let scenarios = rulegate::check::discover_scenarios(&support::repo_path("scenarios")).unwrap();
    for (name, scenario) in scenarios {
        if name.starts_with("edges/") {
            continue;
        }
        let scenario = rulegate::scenario::load(&scenario).unwrap();
        for value in rulegate::scenario::generate(&scenario, None) {
            text.extend(serde_json::to_vec(&value).unwrap());
            text.push(b'\n');
        }
    }
    text
}

fn loaded_all(query: &str, input: &[u8], options: &LoadOptions) -> (eval::Table, usize) {
    let query = &text_of(query);
    let parsed = rulegate::esql::parse(query).unwrap();
    let selection = eval::fields_for(&parsed, &[]);
    let docs = Documents::from_ndjson(input, &selection, options.clone()).unwrap();
    let plan = Plan::compile(&parsed, query, &docs.columns).unwrap();
    (plan.run(&docs, Window::All, NOW), docs.len())
}

fn streamed(
    query: &str,
    input: &[u8],
    options: &LoadOptions,
    streaming: Streaming,
) -> Result<(eval::Table, usize), StreamError> {
    let query = &text_of(query);
    let parsed = rulegate::esql::parse(query).unwrap();
    let selection = eval::fields_for(&parsed, &[]);
    assert!(streams(&parsed, &selection), "`{query}` streams");
    // Read through a reader and cut in place must agree.
    let read = run_query(&parsed, query, &selection, input, options, streaming, NOW);
    let cut = run_query_text(
        &parsed,
        query,
        &selection,
        input,
        &|_| {},
        options,
        streaming,
        NOW,
    );
    let (read, cut) = (read.map(outcome), cut.map(outcome));
    assert_eq!(
        format!("{read:?}"),
        format!("{cut:?}"),
        "{query} with {streaming:?}"
    );
    read
}

fn outcome(run: Streamed) -> (eval::Table, usize) {
    (run.table, run.documents)
}

/// Runs a parsed query through both feeds (reader, text in memory); they must agree.
pub(crate) fn both_feeds(
    parsed: &rulegate::esql::ast::Query,
    query: &str,
    input: &[u8],
    options: &LoadOptions,
    shape: Streaming,
) -> Result<Streamed, StreamError> {
    let selection = eval::fields_for(parsed, &[]);
    let read = run_query(parsed, query, &selection, input, options, shape, NOW);
    let cut = run_query_text(
        parsed,
        query,
        &selection,
        input,
        &|_| {},
        options,
        shape,
        NOW,
    );
    assert_eq!(
        format!("{read:?}"),
        format!("{cut:?}"),
        "{query} with {shape:?}"
    );
    read
}

fn input_error(
    result: Result<(eval::Table, usize), StreamError>,
) -> rulegate::document::InputError {
    match result {
        Err(StreamError::Input(e)) => e,
        other => panic!("expected an input error, got {other:?}"),
    }
}

const SHAPES: &[Streaming] = &[
    Streaming {
        threads: 1,
        batch_bytes: 1 << 20,
        read_all: false,
    },
    // Smaller than a line: every line spans several reads.
    Streaming {
        threads: 2,
        batch_bytes: 64,
        read_all: false,
    },
    Streaming {
        threads: 2,
        batch_bytes: 700,
        read_all: false,
    },
    Streaming {
        threads: 3,
        batch_bytes: 16 << 10,
        read_all: false,
    },
];

/// Every shape, stopping at a filled limit and reading to the end (`--strict`).
fn all_shapes() -> impl Iterator<Item = Streaming> {
    SHAPES
        .iter()
        .flat_map(|&shape| [false, true].map(|read_all| Streaming { read_all, ..shape }))
}

#[test]
fn streaming_equals_loading_everything() {
    let input = corpus();
    let options = LoadOptions::default();
    let mut warned = 0;
    let mut limited = 0;
    for query in QUERIES {
        let (expected, documents) = loaded_all(query, &input, &options);
        assert!(documents > 1000, "a corpus of many batches: {documents}");
        warned += usize::from(!expected.warnings.is_empty());
        limited += usize::from(expected.rows.len() < documents && !expected.rows.is_empty());
        for shape in all_shapes() {
            let (table, read) = streamed(query, &input, &options, shape).unwrap();
            // Stopping at a filled limit reads fewer documents, never other rows.
            if shape.read_all {
                assert_eq!(read, documents, "{query} with {shape:?}");
            } else {
                assert!(read <= documents, "{query} with {shape:?}: {read}");
            }
            assert_eq!(table, expected, "{query} with {shape:?}");
        }
    }
    assert!(
        warned >= 2,
        "some queries must warn (multivalued source.ip)"
    );
    assert!(limited >= 3, "some queries must stop at a limit");
}

#[test]
fn text_in_memory_is_released_behind_the_batches_in_flight() {
    let input = corpus();
    assert!(input.len() > 3 * RELEASE_STEP, "{} bytes", input.len());
    let query = text_of(SEED);
    let parsed = rulegate::esql::parse(&query).unwrap();
    let selection = eval::fields_for(&parsed, &[]);
    let options = LoadOptions::default();
    let shape = Streaming {
        threads: 2,
        batch_bytes: 16 << 10,
        read_all: false,
    };
    let released = std::cell::RefCell::new(Vec::new());
    let release = |end: usize| released.borrow_mut().push(end);
    let run = run_query_text(
        &parsed, &query, &selection, &input, &release, &options, shape, NOW,
    )
    .unwrap();
    let (expected, _) = loaded_all(SEED, &input, &options);
    assert_eq!(run.table, expected);
    let released = released.into_inner();
    assert!(released.len() >= 2, "{released:?}");
    assert!(released.windows(2).all(|w| w[0] < w[1]), "{released:?}");
    assert!(released
        .iter()
        .all(|r| r % RELEASE_STEP == 0 && *r < input.len()));
}

#[test]
fn a_limit_filled_mid_batch_leaves_no_later_warnings() {
    // Every document warns (a multivalued comparison); a run over all documents stops at the
    // second row, so only the first two documents' values are reported.
    let mut input = String::new();
    for i in 0..50 {
        input.push_str(&format!(
            "{{\"user\":{{\"name\":\"u{i}\"}},\"source\":{{\"ip\":[\"10.0.0.{i}\",\"10.1.0.{i}\"]}}}}\n"
        ));
    }
    let query =
        "FROM logs-* | EVAL a = to_string(source.ip) == \"x\" | KEEP user.name, a | LIMIT 2";
    let options = LoadOptions::default();
    let (expected, _) = loaded_all(query, input.as_bytes(), &options);
    assert_eq!(expected.rows.len(), 2);
    assert_eq!(
        expected.warnings.len(),
        2,
        "one header, one distinct detail: {:?}",
        expected.warnings
    );
    for &shape in SHAPES {
        let (table, _) = streamed(query, input.as_bytes(), &options, shape).unwrap();
        assert_eq!(table, expected, "{shape:?}");
    }
}

#[test]
fn errors_name_the_same_line_across_batches() {
    let good = "{\"user\":{\"name\":\"a\"},\"source\":{\"ip\":\"10.0.0.1\"}}\n";
    let mut input = good.repeat(40);
    input.push_str("{\"user\":{\"name\":\"b\"},\"source\":{\"ip\":\"not an ip\"}}\n");
    input.push_str(&good.repeat(10));
    input.push_str("{\"user\": oops}\n");
    input.push_str(&good.repeat(10));
    let query = "FROM logs-* | STATS c = COUNT(*) BY user.name, source.ip";
    let strict = LoadOptions::default();
    let parsed = rulegate::esql::parse(query).unwrap();
    let selection = eval::fields_for(&parsed, &[]);
    let expected = Documents::from_ndjson(input.as_bytes(), &selection, strict.clone())
        .expect_err("line 41 is rejected");
    assert_eq!(expected.line, 41);
    let lenient = LoadOptions {
        skip_invalid: true,
        ..LoadOptions::default()
    };
    let all = Documents::from_ndjson(input.as_bytes(), &selection, lenient.clone()).unwrap();
    let skipped_lines: Vec<usize> = all.skipped.iter().map(|e| e.line).collect();
    assert_eq!(skipped_lines, [41, 52]);
    let plan = Plan::compile(&parsed, query, &all.columns).unwrap();
    for &shape in SHAPES {
        let run =
            |options: &LoadOptions| both_feeds(&parsed, query, input.as_bytes(), options, shape);
        let error = input_error(run(&strict).map(|r| (r.table, r.documents)));
        assert_eq!(error, expected, "{shape:?}");
        let run = run(&lenient).unwrap();
        assert_eq!(run.skipped, all.skipped, "{shape:?}");
        assert_eq!(run.documents, 60);
        assert_eq!(run.table, plan.run(&all, Window::All, NOW), "{shape:?}");
    }
}

#[test]
fn an_unmapped_field_takes_the_type_of_the_first_document_that_has_it() {
    // `labels.n` first appears on line 30 as a number; line 45 has a string that is not one
    // (rejected, as indexing would reject it), line 50 a numeric string (coerced).
    let mut input = String::new();
    for i in 1..=60 {
        let labels = match i {
            30 => "{\"n\":7}".to_string(),
            45 => "{\"n\":\"seven\"}".to_string(),
            50 => "{\"n\":\"8\"}".to_string(),
            i if i > 30 => format!("{{\"n\":{}}}", i % 4),
            _ => "{}".to_string(),
        };
        input.push_str(&format!(
            "{{\"user\":{{\"name\":\"u{}\"}},\"labels\":{labels}}}\n",
            i % 3
        ));
    }
    let query = "FROM logs-* | STATS total = SUM(labels.n), c = COUNT(labels.n) BY user.name";
    let lenient = LoadOptions {
        skip_invalid: true,
        ..LoadOptions::default()
    };
    let (expected, documents) = loaded_all(query, input.as_bytes(), &lenient);
    assert_eq!(documents, 59);
    assert_eq!(
        expected.columns[0].ty,
        rulegate::document::Type::Long,
        "typed by line 30"
    );
    for &shape in SHAPES {
        let (table, read) = streamed(query, input.as_bytes(), &lenient, shape).unwrap();
        assert_eq!((table, read), (expected.clone(), documents), "{shape:?}");
        let error = input_error(streamed(
            query,
            input.as_bytes(),
            &LoadOptions::default(),
            shape,
        ));
        assert_eq!(error.line, 45, "{shape:?}");
    }
    // A field no document has is an unknown column, as when loading everything first.
    let query = "FROM logs-* | STATS c = COUNT(*) BY labels.missing";
    for &shape in SHAPES {
        match streamed(query, input.as_bytes(), &lenient, shape) {
            Err(StreamError::Query(d)) => {
                assert_eq!(d.message, "Unknown column [labels.missing]", "{shape:?}")
            }
            other => panic!("expected an unknown column, got {other:?}"),
        }
    }
}

#[test]
fn an_overlong_line_is_skipped_over_without_being_held() {
    let good = "{\"user\":{\"name\":\"a\"}}\n";
    let mut input = good.repeat(3);
    input.push_str(&format!(
        "{{\"user\":{{\"name\":\"{}\"}}}}\n",
        "x".repeat(5000)
    ));
    input.push_str(&good.repeat(2));
    let query = "FROM logs-* | STATS c = COUNT(*) BY user.name";
    let parsed = rulegate::esql::parse(query).unwrap();
    let options = LoadOptions {
        max_line_bytes: 1000,
        ..LoadOptions::default()
    };
    let lenient = LoadOptions {
        skip_invalid: true,
        ..options.clone()
    };
    for batch_bytes in [64, 1500, 1 << 20] {
        let shape = Streaming {
            threads: 2,
            batch_bytes,
            read_all: false,
        };
        let run =
            |options: &LoadOptions| both_feeds(&parsed, query, input.as_bytes(), options, shape);
        let error = input_error(run(&options).map(|r| (r.table, r.documents)));
        assert_eq!(error.line, 4, "batch {batch_bytes}");
        assert!(error.message.contains("longer than"), "{}", error.message);
        let run = run(&lenient).unwrap();
        assert_eq!(run.documents, 5, "batch {batch_bytes}");
        assert_eq!(run.skipped.len(), 1);
        assert_eq!(run.skipped[0].line, 4);
    }
}

#[test]
fn queries_whose_output_is_every_field_do_not_stream() {
    let cases = [
        // Every field is output: the column set is the union of all documents' fields.
        ("FROM logs-* | WHERE user.name == \"a\"", false),
        ("FROM logs-* | KEEP user.*", false),
        ("ROW a = 1", false),
        // Unmapped fields stream too: typed by the first document that has them.
        ("FROM logs-* | STATS c = COUNT(*) BY labels.team", true),
        ("FROM logs-* METADATA _id | KEEP _id, user.name", true),
        ("FROM logs-* | EVAL a = 1 | KEEP a, user.name", true),
        (SEED, true),
    ];
    for (query, expected) in cases {
        let query = &text_of(query);
        let parsed = rulegate::esql::parse(query).unwrap();
        let selection = eval::fields_for(&parsed, &[]);
        assert_eq!(streams(&parsed, &selection), expected, "{query}");
    }
}

#[test]
fn the_cli_streams_files_gzip_and_stdin_alike() {
    let input = corpus();
    let dir = crate::support::scratch("streaming");
    let plain = dir.join("corpus.ndjson");
    std::fs::write(&plain, &input).unwrap();
    let gzipped = dir.join("corpus.ndjson.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &input).unwrap();
    std::fs::write(&gzipped, encoder.finish().unwrap()).unwrap();
    let (expected, _) = loaded_all(SEED, &input, &LoadOptions::default());
    assert!(!expected.rows.is_empty(), "the corpus has alerts");
    let mut json = serde_json::to_string(&expected.to_json()).unwrap();
    json.push('\n');
    let args = |input: &str| {
        let mut command = support::rulegate();
        command.args([
            "query",
            RULE,
            "--now",
            "2026-05-15T10:00:00Z",
            "--format",
            "json",
        ]);
        command.args(["--input", input]);
        command
    };
    for file in [&plain, &gzipped] {
        let out = support::success_stdout(&mut args(&file.display().to_string()));
        assert_eq!(String::from_utf8(out).unwrap(), json, "{}", file.display());
    }
    let mut child = args("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), json, "stdin");
}

#[test]
fn text_in_memory_then_a_reader_is_one_input_lines_counted_across_both() {
    // A mapped file is scanned in place up to its last line end and read on from there.
    let query = "FROM logs-* | STATS n = COUNT(*), users = VALUES(user.name)";
    let shape = Streaming {
        threads: 2,
        batch_bytes: 64,
        read_all: false,
    };
    for bad in [&[][..], &[3], &[9], &[10]] {
        let text = numbered_lines(10, bad);
        let parsed = rulegate::esql::parse(query).unwrap();
        let selection = eval::fields_for(&parsed, &[]);
        let options = LoadOptions::default();
        let whole = run_query(
            &parsed,
            query,
            &selection,
            text.as_bytes(),
            &options,
            shape,
            NOW,
        );
        let whole = format!("{:?}", whole.map(outcome));
        // Cut at every line end, and with the reader's part ending without one (the same
        // documents are read without the last line end).
        let ends = text.match_indices('\n').map(|(i, _)| i + 1);
        for cut in std::iter::once(0).chain(ends) {
            let (lines, rest) = text.as_bytes().split_at(cut);
            let rest = rest.strip_suffix(b"\n").unwrap_or(rest);
            let input = InMemory {
                lines,
                release: &|_| {},
                then: Some(rest),
            };
            let split = run_query_mapped(&parsed, query, &selection, input, &options, shape, NOW);
            let split = format!("{:?}", split.map(outcome));
            assert_eq!(split, whole, "bad lines {bad:?}, cut at {cut}");
        }
    }
}

#[test]
fn the_cli_reads_a_mapped_file_as_it_reads_standard_input() {
    // Files are mapped, standard input is read: output, errors and their lines agree, with
    // and without a last line end.
    let dir = crate::support::scratch("mapped-or-read");
    let query = "FROM logs-* | STATS n = COUNT(*) BY user.name | SORT user.name";
    // Each input with what its run says: a count on standard output, or the bad line.
    let inputs = [
        (numbered_lines(3, &[]), "1,u3\n"),
        (numbered_lines(12, &[7]), "INPUT:7:"),
        (numbered_lines(4, &[4]).trim_end().to_string(), "INPUT:4:"),
        (numbered_lines(5, &[]).trim_end().to_string(), "1,u5\n"),
        (
            "\n\n".to_string() + &numbered_lines(2, &[]) + "\n\n",
            "1,u2\n",
        ),
    ];
    for (i, (input, says)) in inputs.iter().enumerate() {
        let path = dir.join(format!("input-{i}.ndjson"));
        std::fs::write(&path, input).unwrap();
        let run = |from: &str, stdin: &[u8]| {
            let mut command = support::rulegate();
            command.args(["query", "--esql", query, "--format", "csv", "--input", from]);
            let output = support::with_stdin(&mut command, stdin);
            let stderr = String::from_utf8_lossy(&output.stderr).replace(from, "INPUT");
            (
                output.status.code(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr,
            )
        };
        let file = path.display().to_string();
        let mapped = run(&file, b"");
        assert_eq!(mapped, run("-", input.as_bytes()), "{input:?}");
        assert!(
            mapped.1.contains(says) || mapped.2.contains(says),
            "{mapped:?}"
        );
    }
}

/// Lines of a document, the `n`th of them malformed when `bad` says so.
fn numbered_lines(n: usize, bad: &[usize]) -> String {
    (1..=n)
        .map(|i| {
            if bad.contains(&i) {
                "{\"user\": oops}\n".to_string()
            } else {
                format!("{{\"user\":{{\"name\":\"u{i}\"}},\"event\":{{\"action\":\"get\"}}}}\n")
            }
        })
        .collect()
}

#[test]
fn a_bad_line_after_a_filled_limit_is_never_read_unless_strict() {
    let query = "FROM logs-* | WHERE event.action == \"get\" | KEEP user.name | LIMIT 5";
    let options = LoadOptions::default();
    // The limit fills at line 5: a bad line 6 or 200 is after it.
    for bad in [6, 7, 200] {
        let input = numbered_lines(300, &[bad]);
        let good = numbered_lines(300, &[]);
        let (expected, _) = loaded_all(query, good.as_bytes(), &options);
        assert_eq!(expected.rows.len(), 5);
        for shape in all_shapes() {
            let result = streamed(query, input.as_bytes(), &options, shape);
            if shape.read_all {
                assert_eq!(input_error(result).line, bad, "{shape:?}");
            } else {
                let (table, read) = result.unwrap();
                assert_eq!(table, expected, "bad line {bad}, {shape:?}");
                assert_eq!(read, 5, "documents read up to the limit, {shape:?}");
            }
        }
    }
    // A bad line before the limit fills is an error either way.
    let input = numbered_lines(300, &[4]);
    for shape in all_shapes() {
        let result = streamed(query, input.as_bytes(), &options, shape);
        assert_eq!(input_error(result).line, 4, "{shape:?}");
    }
    // Skipped lines after the limit are not reported as skipped either.
    let skipping = LoadOptions {
        skip_invalid: true,
        ..LoadOptions::default()
    };
    let input = numbered_lines(300, &[3, 9, 250]);
    let parsed = rulegate::esql::parse(query).unwrap();
    for shape in all_shapes() {
        let run = both_feeds(&parsed, query, input.as_bytes(), &skipping, shape).unwrap();
        let lines: Vec<usize> = run.skipped.iter().map(|e| e.line).collect();
        let expected: &[usize] = if shape.read_all { &[3, 9, 250] } else { &[3] };
        assert_eq!(lines, expected, "{shape:?}");
        assert_eq!(run.table.rows.len(), 5);
    }
}

/// A reader of `lines` generated lines that counts the bytes taken from it.
struct CountingReader {
    line: Vec<u8>,
    at: usize,
    lines: usize,
    taken: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl std::io::Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.lines == 0 {
            return Ok(0);
        }
        let n = buf.len().min(self.line.len() - self.at);
        buf[..n].copy_from_slice(&self.line[self.at..self.at + n]);
        self.at += n;
        if self.at == self.line.len() {
            self.at = 0;
            self.lines -= 1;
        }
        self.taken
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn a_limit_over_a_huge_input_reads_a_bounded_prefix() {
    let query = "FROM logs-* | WHERE event.action == \"get\" | KEEP user.name | LIMIT 10";
    let parsed = rulegate::esql::parse(query).unwrap();
    let selection = eval::fields_for(&parsed, &[]);
    let line = numbered_lines(1, &[]).into_bytes();
    // About 100 MB, generated as it is read.
    let lines = 100_000_000 / line.len();
    for threads in [1, 2, 4] {
        let batch_bytes = 16 << 10;
        for read_all in [false, true] {
            let taken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let reader = std::io::BufReader::new(CountingReader {
                line: line.clone(),
                at: 0,
                lines: if read_all { 50_000 } else { lines },
                taken: taken.clone(),
            });
            let shape = Streaming {
                threads,
                batch_bytes,
                read_all,
            };
            let run = run_query(
                &parsed,
                query,
                &selection,
                reader,
                &LoadOptions::default(),
                shape,
                NOW,
            )
            .unwrap();
            assert_eq!(run.table.rows.len(), 10);
            let taken = taken.load(std::sync::atomic::Ordering::Relaxed);
            if read_all {
                assert_eq!(taken, 50_000 * line.len(), "--strict reads everything");
                assert_eq!(run.documents, 50_000);
            } else {
                // The reader runs at most four batches per thread ahead of the oldest one not
                // yet consumed (the stream's window), plus the reader's buffer and the line
                // being cut: a bound that holds however the threads are scheduled (before the
                // window, a descheduled worker let the others read on: 30 batches once, at
                // load 13). The input is 100 MB.
                let bound = (4 * threads + 4) * batch_bytes;
                assert!(taken <= bound, "{threads} threads read {taken} bytes");
                assert_eq!(run.documents, 10);
            }
        }
    }
}

#[test]
fn the_cli_reads_past_a_filled_limit_only_with_strict() {
    let dir = crate::support::scratch("limit");
    let file = dir.join("docs.ndjson");
    std::fs::write(&file, numbered_lines(50, &[40])).unwrap();
    let args = |strict: bool| {
        let mut command = support::rulegate();
        command.args(["query", "--esql", "FROM logs-* | KEEP user.name | LIMIT 2"]);
        command.args(["--input", &file.display().to_string(), "--format", "csv"]);
        if strict {
            command.arg("--strict");
        }
        command
    };
    let out = support::success_stdout(&mut args(false));
    assert_eq!(String::from_utf8(out).unwrap(), "user.name\nu1\nu2\n");
    let out = args(true).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("docs.ndjson:40:"), "{stderr}");
}

/// Documents for the aggregates: a group key `k` of 37 values (sometimes two), a key unique
/// per document, doubles whose compensated sums depend on the order they are added in (large
/// and small magnitudes, both signs, sometimes several), longs, and ties in the `FIRST`/`LAST`
/// sort key and in the extremes.
fn aggregate_corpus(documents: usize) -> String {
    let mut text = String::new();
    for i in 0..documents {
        let x = match i % 7 {
            0 => format!("{}", 1e16 * if i % 2 == 0 { 1.0 } else { -1.0 }),
            1 => format!("{}", 0.1 * i as f64),
            2 => format!("[{}, {}]", 1.0 / (i + 1) as f64, -3.3 * i as f64),
            3 => "null".to_string(),
            4 => format!("{}", 1e-7 * i as f64),
            5 => format!("{}", (i % 3) as f64),
            _ => format!("{}", 12345.678 - i as f64),
        };
        let k = if i % 11 == 0 {
            format!("[\"k{}\", \"k{}\"]", i % 37, (i + 5) % 37)
        } else {
            format!("\"k{}\"", i % 37)
        };
        text.push_str(&format!(
            "{{\"@timestamp\":\"2026-05-15T09:{:02}:{:02}Z\",\"k\":{k},\"id\":\"d{i:05}\",\"x\":{x},\"n\":{},\"s\":\"v{}\"}}\n",
            (i / 60) % 60,
            i % 60,
            (i * 7919) % 101,
            i % 13,
        ));
    }
    text
}

const AGGREGATE_QUERIES: &[&str] = &[
    "FROM logs-* | STATS c = COUNT(*), cx = COUNT(x), d = COUNT_DISTINCT(s), v = VALUES(s), mn = MIN(x), mx = MAX(x), sx = SUM(x), sn = SUM(n), a = AVG(x), an = AVG(n) BY k",
    "FROM logs-* | STATS var = VARIANCE(x), sd = STD_DEV(x), med = MEDIAN(x), p = PERCENTILE(x, 90), mad = MEDIAN_ABSOLUTE_DEVIATION(n), t = TOP(n, 3, \"desc\"), w = WEIGHTED_AVG(x, n) BY k",
    "FROM logs-* | STATS f = FIRST(s, n), l = LAST(s, n), e = EARLIEST(s), lt = LATEST(id), pr = PRESENT(x), ab = ABSENT(x), mns = MIN(s), mxt = MAX(@timestamp), tb = TOP(n, 2, \"asc\", x) BY k",
    "FROM logs-* | STATS c = COUNT(*), sx = SUM(x), a = AVG(x), v = VALUES(k), d = COUNT_DISTINCT(id), var = VARIANCE(x)",
    "FROM logs-* | STATS big = SUM(x) WHERE n > 50, c = COUNT(*) WHERE s == \"v3\", m = MAX(n) BY k, s",
    "FROM logs-* | EVAL y = x * 3.7 | STATS sy = SUM(y), ay = AVG(y), c = COUNT(*) BY bucket = n % 5 | SORT bucket",
    // Top-n after STATS: unique keys (the top is decided whatever the order) and ties.
    "FROM logs-* | STATS c = COUNT(*), sx = SUM(x) BY id | SORT id DESC | LIMIT 10",
    "FROM logs-* | STATS c = COUNT(*), sx = SUM(x) BY id | EVAL z = 1 | SORT id DESC | LIMIT 10 | DROP z",
    "FROM logs-* | STATS c = COUNT(*) BY k | SORT c DESC | LIMIT 5",
    "FROM logs-* | STATS c = COUNT(*) BY k, s | SORT c DESC, k | LIMIT 7",
    "FROM logs-* | STATS n = MAX(n) BY id | SORT n DESC, id | LIMIT 12",
    "FROM logs-* | STATS c = COUNT(*) BY id | SORT id | LIMIT 20000",
    // Count-only STATS then SORT on keys then LIMIT: the top groups picked before rows are
    // built (outputs reordered, two keys, a multivalued key split into groups, a null key).
    "FROM logs-* | STATS c = COUNT(*), cx = COUNT(x) BY id | SORT id DESC | LIMIT 10",
    "FROM logs-* | STATS c = COUNT(*) BY s, k | SORT k DESC, s | LIMIT 6",
    "FROM logs-* | STATS BY k, id | SORT id, k | LIMIT 5",
    "FROM logs-* | STATS c = COUNT(*) BY x | SORT x NULLS FIRST | LIMIT 3",
];

#[test]
fn aggregates_merge_identically_at_every_thread_count_and_batch_size() {
    every_query_streams_as_loaded_over_the_aggregate_corpus(AGGREGATE_QUERIES);
}

/// Each query over 3,000 documents of [`aggregate_corpus`]: rows and no failure when loaded,
/// and the same when streamed at 1, 2, 4 and 8 threads.
fn every_query_streams_as_loaded_over_the_aggregate_corpus(queries: &[&str]) {
    let input = aggregate_corpus(3000);
    let options = LoadOptions::default();
    for query in queries {
        let (expected, documents) = loaded_all(query, input.as_bytes(), &options);
        assert_eq!(documents, 3000);
        assert!(!expected.rows.is_empty(), "{query}");
        assert!(
            expected.failure.is_none(),
            "{query}: {:?}",
            expected.failure
        );
        streams_as_loaded(query, input.as_bytes(), &options, &expected, &[1, 2, 4, 8]);
    }
}

/// `TOP` (with and without an output field) and `SAMPLE` over hundreds of values a group, and
/// over every value in one group: their lists are cut back to about twice the limit as they
/// grow, in every batch's partial and in the merged whole, which must change no result.
const MANY_VALUES_QUERIES: &[&str] = &[
    "FROM logs-* | STATS t = TOP(n, 5, \"desc\"), ta = TOP(x, 40, \"asc\"), ts = TOP(s, 3, \"asc\"), tb = TOP(n, 4, \"desc\", x), sa = SAMPLE(id, 5) BY b = n % 3",
    "FROM logs-* | STATS t = TOP(n, 7, \"asc\"), tx = TOP(x, 100, \"desc\"), tb = TOP(x, 3, \"asc\", n), ti = TOP(id, 2, \"desc\"), sa = SAMPLE(x, 50)",
];

#[test]
fn top_and_sample_over_many_values_a_group_stream_identically() {
    every_query_streams_as_loaded_over_the_aggregate_corpus(MANY_VALUES_QUERIES);
    // And what keeping every value gives, computed here: `n` is `(i * 7919) % 101`, so the 40
    // least values of a group run across ties of about 30 equal values each.
    let query = "FROM logs-* | STATS t = TOP(n, 40, \"asc\") BY b = n % 3 | SORT b";
    let input = aggregate_corpus(3000);
    let (table, _) = loaded_all(query, input.as_bytes(), &LoadOptions::default());
    for b in 0..3i64 {
        let mut ns: Vec<i64> = (0..3000i64)
            .map(|i| (i * 7919) % 101)
            .filter(|n| n % 3 == b)
            .collect();
        ns.sort_unstable();
        ns.truncate(40);
        let expected = Cell::Many(ns.into_iter().map(Value::Long).collect());
        assert_eq!(table.rows[b as usize][0], expected, "group {b}");
        assert_eq!(table.rows[b as usize][1], Cell::One(Value::Long(b)));
    }
}

/// `query` streamed over `input` at each of `threads` and four batch sizes gives `expected`
/// (the table of loading every document first), byte for byte as JSON.
fn streams_as_loaded(
    query: &str,
    input: &[u8],
    options: &LoadOptions,
    expected: &eval::Table,
    threads: &[usize],
) {
    let expected_json = serde_json::to_string(&expected.to_json()).unwrap();
    for &threads in threads {
        for batch_bytes in [64, 700, 16 << 10, 1 << 20] {
            let shape = Streaming {
                threads,
                batch_bytes,
                read_all: false,
            };
            let (table, _) = streamed(query, input, options, shape).unwrap();
            let json = serde_json::to_string(&table.to_json()).unwrap();
            assert_eq!(json, expected_json, "{query} with {shape:?}");
        }
    }
}

/// Log lines whose categories depend on the order they are seen in: near-identical messages
/// whose shared tokens shrink as more arrive, multivalued and null messages, and messages
/// without tokens.
fn message_corpus(documents: usize) -> String {
    const SHAPES: &[&str] = &[
        "user u{i} logged in from host web-{j}",
        "user u{i} logged out from host web-{j}",
        "disk quota exceeded on volume v{j} of node n{i}",
        "Connection error to service s{j} after {i} retries",
        "Connected to 10.0.{j}.{i}",
        "failed to read block {i} of file /var/log/app{j}.log: checksum mismatch",
        "{i} {j} 0x{j}f",
    ];
    let mut text = String::new();
    for i in 0..documents {
        let shape = |k: usize| {
            SHAPES[k % SHAPES.len()]
                .replace("{i}", &(i % 97).to_string())
                .replace("{j}", &(i % 13).to_string())
        };
        let message = match i % 17 {
            0 => "null".to_string(),
            5 => format!("[\"{}\", \"{}\"]", shape(i), shape(i / 3)),
            _ => format!("\"{}\"", shape(i * 7 / 5)),
        };
        text.push_str(&format!(
            "{{\"@timestamp\":\"2026-05-15T09:{:02}:{:02}Z\",\"message\":{message},\"n\":{}}}\n",
            (i / 60) % 60,
            i % 60,
            i % 11,
        ));
    }
    text
}

/// `CATEGORIZE` runs one categorizer over the rows in input order, whatever the threads and
/// batches: the same categories, keys and aggregates as loading every document first.
#[test]
fn categorize_is_identical_at_every_thread_count_and_batch_size() {
    let input = message_corpus(2000);
    let options = LoadOptions::default();
    for query in [
        "FROM logs-* | STATS c = COUNT(*), s = SUM(n) BY k = CATEGORIZE(message)",
        "FROM logs-* | STATS c = COUNT(*) BY k = CATEGORIZE(message, {\"output_format\": \"tokens\", \"similarity_threshold\": 50}), n",
    ] {
        let (expected, documents) = loaded_all(query, input.as_bytes(), &options);
        assert_eq!(documents, 2000);
        assert!(expected.failure.is_none(), "{query}: {:?}", expected.failure);
        assert!(expected.rows.len() > 4, "{query}: {} groups", expected.rows.len());
        streams_as_loaded(query, input.as_bytes(), &options, &expected, &[1, 2, 4]);
    }
}

/// A `CATEGORIZE` key is a category id until its groups are finished: `SORT k | LIMIT n` after
/// a count-only `STATS … BY k = CATEGORIZE(…)` sorts the rendered keys, as sorting every group
/// (an `EVAL` in between) does, at every thread count.
#[test]
fn top_categories_are_sorted_on_their_keys_not_their_ids() {
    let input = message_corpus(2000);
    let options = LoadOptions::default();
    let query = "FROM logs-* | STATS c = COUNT(*) BY k = CATEGORIZE(message) | SORT k | LIMIT 3";
    let full = "FROM logs-* | STATS c = COUNT(*) BY k = CATEGORIZE(message) | EVAL zz = 1 \
                | SORT k | LIMIT 3 | DROP zz";
    let (sorted, _) = loaded_all(full, input.as_bytes(), &options);
    assert_eq!(sorted.rows.len(), 3);
    let (picked, _) = loaded_all(query, input.as_bytes(), &options);
    assert_eq!(picked.rows, sorted.rows);
    for threads in [1, 2] {
        let shape = Streaming {
            threads,
            batch_bytes: 700,
            read_all: false,
        };
        let (table, _) = streamed(query, input.as_bytes(), &options, shape).unwrap();
        assert_eq!(table.rows, sorted.rows, "{shape:?}");
    }
}

#[test]
fn a_decided_top_after_stats_equals_sorting_every_group() {
    // The first query's SORT follows STATS directly (selected); the EVAL in the second keeps
    // the full sort of every group before the heap. Same rows.
    let input = aggregate_corpus(3000);
    let options = LoadOptions::default();
    let (selected, _) = loaded_all(AGGREGATE_QUERIES[6], input.as_bytes(), &options);
    let (sorted, _) = loaded_all(AGGREGATE_QUERIES[7], input.as_bytes(), &options);
    assert_eq!(selected.rows.len(), 10);
    assert_eq!(selected.rows, sorted.rows);
    assert_eq!(
        format!("{:?}", selected.rows[0][2]),
        format!(
            "{:?}",
            rulegate::document::Cell::One(rulegate::document::Value::str("d02999"))
        ),
    );
}

#[test]
fn top_groups_picked_on_their_keys_equal_sorting_every_group() {
    // Each query's SORT follows a count-only STATS whose keys it sorts on (picked before the
    // groups become rows, or sorted in full on a tie); the EVAL between them in the second
    // form makes every group a row and sorts them all. Same rows, same warnings.
    let input = aggregate_corpus(3000);
    let options = LoadOptions::default();
    for query in &AGGREGATE_QUERIES[12..] {
        let (picked, _) = loaded_all(query, input.as_bytes(), &options);
        let (stats, rest) = query.split_once(" | SORT").unwrap();
        let full = format!("{stats} | EVAL zz = 1 | SORT{rest} | DROP zz");
        let (sorted, _) = loaded_all(&full, input.as_bytes(), &options);
        assert!(!picked.rows.is_empty(), "{query}");
        assert_eq!(picked.rows, sorted.rows, "{query}");
        assert_eq!(picked.warnings, sorted.warnings, "{query}");
    }
}

#[test]
fn groups_past_the_cap_fail_the_query() {
    let dir = crate::support::scratch("groups");
    let file = dir.join("docs.ndjson");
    std::fs::write(&file, aggregate_corpus(3000)).unwrap();
    let run = support::query_csv;
    let per_document = "FROM logs-* | STATS c = COUNT(*) BY id | STATS groups = COUNT(*)";
    let out = run(Some("2999"), per_document, &file);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("E015"), "{stderr}");
    assert!(stderr.contains("more than 2999 groups"), "{stderr}");
    assert!(stderr.contains("--max-groups"), "{stderr}");
    let out = run(Some("3000"), per_document, &file);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "groups\n3000\n");
    // One document whose three multivalued keys would make 10^9 groups: refused before any
    // is made, under the default cap.
    let values: Vec<String> = (0..1000).map(|i| format!("\"v{i}\"")).collect();
    let list = values.join(",");
    let wide = dir.join("wide.ndjson");
    std::fs::write(
        &wide,
        format!("{{\"a\":[{list}],\"b\":[{list}],\"c\":[{list}]}}\n"),
    )
    .unwrap();
    let out = run(None, "FROM logs-* | STATS n = COUNT(*) BY a, b, c", &wide);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("more than 10000000 groups"), "{stderr}");
}

/// The corpus with every document carrying `event.original`, its own JSON text as an escaped
/// string (as the audit integration keeps it): a long string full of escaped quotes that the
/// scanner crosses without reading unless a query wants it.
fn corpus_with_originals() -> Vec<u8> {
    let mut text = Vec::new();
    for line in corpus().split(|&b| b == b'\n') {
        let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_slice(line) else {
            continue;
        };
        let original = serde_json::Value::String(String::from_utf8(line.to_vec()).unwrap());
        let event = doc.entry("event").or_insert_with(|| serde_json::json!({}));
        if let serde_json::Value::Object(event) = event {
            event.insert("original".into(), original);
        }
        text.extend(serde_json::to_vec(&doc).unwrap());
        text.push(b'\n');
    }
    text
}

#[test]
fn an_unread_escaped_original_changes_no_result_at_any_thread_count() {
    let (plain, full) = (corpus(), corpus_with_originals());
    assert!(
        full.len() > 2 * plain.len(),
        "the originals double the corpus"
    );
    let options = LoadOptions::default();
    // One thread, and several with batches of a few documents.
    let shapes: Vec<Streaming> = [(1, 1 << 20), (4, 4 << 10), (8, 16 << 10)]
        .map(|(threads, batch_bytes)| Streaming {
            threads,
            batch_bytes,
            read_all: true,
        })
        .to_vec();
    for query in QUERIES {
        let (expected, documents) = loaded_all(query, &plain, &options);
        assert_eq!(
            loaded_all(query, &full, &options),
            (expected.clone(), documents)
        );
        for &shape in &shapes {
            let (table, _) = streamed(query, &full, &options, shape).unwrap();
            assert_eq!(table, expected, "{query} with {shape:?}");
        }
    }
    // Reading the original: every shape agrees with loading everything, and the longest is
    // the longest line's character count (the string decodes to the line it was made of).
    let query =
        "FROM * | EVAL len = LENGTH(event.original) | STATS n = COUNT(*), longest = MAX(len)";
    let (expected, _) = loaded_all(query, &full, &options);
    let longest = (plain.split(|&b| b == b'\n'))
        .map(|line| String::from_utf8_lossy(line).chars().count())
        .max()
        .unwrap();
    assert_eq!(
        format!("{:?}", expected.rows[0][1]),
        format!(
            "{:?}",
            rulegate::document::Cell::One(rulegate::document::Value::Integer(longest as i32))
        ),
    );
    for &shape in &shapes {
        let (table, _) = streamed(query, &full, &options, shape).unwrap();
        assert_eq!(table, expected, "{query} with {shape:?}");
    }
}

/// A streamed query's loaders get the mapping cut to the fields they read
/// (`LoadOptions::for_selection`): a `geo_point` read from its `lat`/`lon` leaves, a
/// `date_range` from its bounds, a `flattened` root and the keys below it, a field typed by
/// its first value and a mapped field no document has load as with the whole mapping.
#[test]
fn a_mapping_cut_to_the_query_loads_as_the_whole_one() {
    let mut options = LoadOptions::default();
    options.mapping.overlay(
        rulegate::document::Mapping::from_json(
            r#"{"properties":{"period":{"type":"date_range"},"n":{"type":"long"},
                "resource":{"properties":{"attributes":{"type":"flattened"}}},
                "absent":{"type":"keyword"}}}"#,
        )
        .unwrap(),
    );
    let mut input = String::new();
    for i in 0..300 {
        input += &format!(
            r#"{{"n":{i},"user":{{"name":"u{}"}},"period":{{"gte":{},"lt":{}}},"resource":{{"attributes":{{"host.name":"h{}","k":[{i},"x"]}}}},"source":{{"geo":{{"location":{{"lat":{}.5,"lon":-{}.25}}}}}},"dynamic":{{"count":{}}}}}"#,
            i % 7,
            i * 1000,
            i * 1000 + 500,
            i % 3,
            i % 80,
            i % 170,
            i % 11
        );
        input.push('\n');
    }
    let queries = [
        "FROM logs-* | KEEP n, period, resource.attributes, absent | SORT n DESC | LIMIT 50",
        "FROM logs-* | EVAL x = ST_X(source.geo.location), y = ST_Y(source.geo.location) | KEEP n, x, y, source.geo.location | LIMIT 40",
        "FROM logs-* | EVAL lo = RANGE_MIN(period) | STATS c = COUNT(*), last = MAX(lo) BY user.name | SORT user.name",
        "FROM logs-* | STATS c = COUNT(*), s = SUM(dynamic.count) BY dynamic.count | SORT dynamic.count",
    ];
    for query in queries {
        let (expected, documents) = loaded_all(query, input.as_bytes(), &options);
        assert_eq!(documents, 300, "{query}");
        assert!(!expected.rows.is_empty(), "{query}");
        streams_as_loaded(query, input.as_bytes(), &options, &expected, &[1, 2, 3]);
    }
}
