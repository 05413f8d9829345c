//! Resource limits and checked time arithmetic through the binary: every number taken from input
//! has a cap named in the error (with the flag that raises it), counted before the work it
//! bounds; every time conversion is checked. One test per row of `docs/robustness.md`.

use std::path::{Path, PathBuf};

use crate::support::{rulegate, success_stdout};

const SEED_RULE: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

/// A fresh directory for one test's files.
fn scratch(test: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("limits-{test}"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the binary; returns the exit code, standard output and standard error.
fn run(args: &[&str], paths: &[&Path]) -> (Option<i32>, String, String) {
    let output = rulegate().args(args).args(paths).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts exit code 2 and that stderr holds every one of `needles`.
fn refused(result: (Option<i32>, String, String), needles: &[&str]) {
    let (code, _, stderr) = result;
    assert_eq!(code, Some(2), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "`{needle}` missing from: {stderr}");
    }
}

fn scenario(start: &str, step: &str) -> String {
    format!(
        r#"name = "limits"
description = "a scenario that asks for too much"
kind = "edge"
start = "{start}"
seed = 1

[actors.someone]
persona = "forbidden-spray"

[[steps]]
actor = "someone"
{step}
"#
    )
}

fn gen(dir: &Path, text: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let path = write(dir, "scenario.toml", text);
    let out = dir.join("out.ndjson");
    let mut args = vec!["gen"];
    args.extend_from_slice(extra);
    let result = run(&args, &[&path, Path::new("-o"), &out]);
    assert!(
        !out.exists(),
        "nothing may be written when the scenario is refused"
    );
    result
}

// ---------------------------------------------------------------- resource limits

#[test]
fn a_step_of_a_trillion_requests_is_refused_before_generating() {
    let dir = scratch("requests");
    let text = scenario("2026-05-01T10:00:00Z", "requests = 1000000000000");
    refused(
        gen(&dir, &text, &[]),
        &[
            "E010",
            "scenario.toml:",
            "1000000000000 requests",
            "limit of 10000000",
            "--max-requests",
        ],
    );
    // `run` and `check` load scenarios the same way.
    let path = dir.join("scenario.toml");
    refused(run(&["run"], &[&path]), &["E010", "--max-requests"]);
    let snapshots = dir.join("snapshots");
    std::fs::create_dir_all(&snapshots).unwrap();
    refused(
        run(
            &["check", "--scenarios"],
            &[&dir, Path::new("--snapshots"), &snapshots],
        ),
        &["E010", "scenario.toml", "--max-requests"],
    );
    assert!(
        std::fs::read_dir(&snapshots).unwrap().next().is_none(),
        "check writes no snapshot"
    );
}

#[test]
fn the_request_cap_is_counted_before_generating_and_raised_by_its_flag() {
    let dir = scratch("requests-flag");
    let text = scenario(
        "2026-05-01T10:00:00Z",
        "requests = 11\nrepeat = 2\nevery = \"1h\"",
    );
    // 22 requests against a cap of 21: refused although generating them would take no time.
    refused(
        gen(&dir, &text, &["--max-requests", "21"]),
        &["E010", "up to 22 requests", "limit of 21"],
    );
    let path = write(&dir, "scenario.toml", &text);
    let lines = success_stdout(rulegate().args(["gen", "--max-requests", "22"]).arg(&path));
    assert_eq!(lines.iter().filter(|&&b| b == b'\n').count(), 22);
}

#[test]
fn a_count_of_a_trillion_names_is_refused() {
    let dir = scratch("count");
    let text = scenario(
        "2026-05-01T10:00:00Z",
        "verb = \"get\"\nresource = \"secrets\"\ncount = 1000000000000",
    );
    refused(
        gen(&dir, &text, &[]),
        &[
            "E610",
            "`count` is at most 1000000, not 1000000000000",
            "scenario.toml:",
        ],
    );
}

#[test]
fn noise_at_a_billion_a_second_for_a_thousand_days_is_refused() {
    let dir = scratch("noise");
    let text = format!(
        "{}\n[[noise]]\npersona = \"forbidden-spray\"\nrate = \"1000000000/s\"\nfor = \"1000d\"\n",
        scenario("2026-05-01T10:00:00Z", "requests = 1")
    );
    refused(
        gen(&dir, &text, &[]),
        &["E010", "limit of 10000000", "--max-requests"],
    );
}

#[test]
fn repeat_past_one_megabyte_is_elasticsearchs_warning_and_null() {
    let dir = scratch("repeat");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    let (code, stdout, stderr) = run(
        &[
            "query",
            "--format",
            "csv",
            "--esql",
            "ROW a = repeat(\"x\", 2147483647)",
            "--input",
        ],
        &[&input],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "a\n\n");
    assert!(
        stderr.contains("java.lang.IllegalArgumentException: Creating repeated strings with more than [1048576] bytes is not supported"),
        "{stderr}"
    );
}

#[test]
fn concat_past_one_megabyte_fails_the_query_as_elasticsearch_does() {
    let dir = scratch("concat");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    refused(
        run(
            &[
                "query",
                "--esql",
                "ROW a = repeat(\"x\", 1048576) | EVAL b = concat(a, \"y\")",
                "--input",
            ],
            &[&input],
        ),
        &[
            "E014",
            "concatenating more than [1048576] bytes is not supported",
        ],
    );
}

#[test]
fn mv_append_doubling_is_refused_at_the_multivalue_cap() {
    let dir = scratch("mv-append");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    let doubling: String = (0..21).map(|_| " | EVAL a = mv_append(a, a)").collect();
    refused(
        run(
            &[
                "query",
                "--esql",
                &format!("ROW a = 1{doubling}"),
                "--input",
            ],
            &[&input],
        ),
        &["E014", "MV_APPEND", "1000000 values"],
    );
}

/// Two audit documents an hour apart, in the seed rule's data stream.
fn two_documents(dir: &Path) -> PathBuf {
    let stream =
        r#""data_stream":{"dataset":"kubernetes.audit_logs","namespace":"default","type":"logs"}"#;
    write(
        dir,
        "two.ndjson",
        &format!(
            "{{\"@timestamp\":\"2026-05-15T10:00:00Z\",{stream}}}\n{{\"@timestamp\":\"2026-05-15T11:00:00Z\",{stream}}}\n"
        ),
    )
}

#[test]
fn a_one_second_interval_over_a_99999_day_look_back_is_refused_before_running() {
    let dir = scratch("lookback");
    let input = two_documents(&dir);
    let seed = std::fs::read_to_string(crate::support::repo_path(SEED_RULE)).unwrap();
    let wide = seed.replacen(
        "from = \"now-6m\"",
        "from = \"now-99999d\"\ninterval = \"1s\"",
        1,
    );
    assert_ne!(wide, seed);
    let rule = write(&dir, "wide.toml", &wide);
    refused(
        run(&["replay"], &[&rule, Path::new("--input"), &input]),
        &[
            "E011",
            "wide.toml",
            "every 1s",
            "8639917201 executions",
            "limit of 1000000",
            "--max-executions",
        ],
    );
}

#[test]
fn first_run_decades_before_the_data_is_refused_and_the_flag_raises_the_cap() {
    let dir = scratch("first-run");
    let input = two_documents(&dir);
    refused(
        run(
            &[
                "replay",
                SEED_RULE,
                "--first-run",
                "1970-01-01T00:00:00Z",
                "--input",
            ],
            &[&input],
        ),
        &["E011", "5929478 executions", "--max-executions"],
    );
    // A first run a day early is 302 executions (the last window starts at 11:00): allowed by a cap of 302, refused by 301.
    let args = |cap| {
        [
            "replay",
            SEED_RULE,
            "--first-run",
            "2026-05-14T10:00:00Z",
            "--max-executions",
            cap,
            "--input",
        ]
    };
    refused(
        run(&args("301"), &[&input]),
        &["E011", "302 executions", "limit of 301"],
    );
    let (code, stdout, stderr) = run(&args("302"), &[&input]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\"executions\": 302"), "{stdout}");
}

#[test]
fn documents_read_by_all_executions_are_capped() {
    let dir = scratch("reads");
    let input = two_documents(&dir);
    refused(
        run(
            &["replay", SEED_RULE, "--max-reads", "1", "--input"],
            &[&input],
        ),
        &[
            "E012",
            "14 executions would read 4 documents",
            "limit of 1",
            "--max-reads",
        ],
    );
}

#[test]
fn a_timestamp_near_the_largest_long_is_an_error_not_an_endless_replay() {
    let dir = scratch("max-long");
    let stream =
        r#""data_stream":{"dataset":"kubernetes.audit_logs","namespace":"default","type":"logs"}"#;
    for (name, timestamp) in [
        ("number", "9223372036854775000".to_string()),
        ("string", "\"+292278994-08-17T07:12:55.807Z\"".to_string()),
    ] {
        let input = write(
            &dir,
            &format!("{name}.ndjson"),
            &format!("{{\"@timestamp\":{timestamp},{stream}}}\n"),
        );
        refused(
            run(&["replay", SEED_RULE, "--input"], &[&input]),
            &["E705", "outside the range of dates", SEED_RULE],
        );
    }
}

#[test]
fn rlike_bounded_repetition_and_like_star_runs_compile_and_match() {
    let dir = scratch("patterns");
    let long = "x".repeat(1000);
    let input = write(
        &dir,
        "docs.ndjson",
        &format!("{{\"s\":\"{long}\"}}\n{{\"s\":\"{long}y\"}}\n"),
    );
    let stars = "*".repeat(300);
    let query = format!(
        "FROM logs-* | EVAL r = s RLIKE \".{{1,1000}}\", l = s LIKE \"x{stars}y\" | KEEP r, l"
    );
    let stdout = success_stdout(
        rulegate()
            .args([
                "query", "--format", "csv", "--index", "logs-x", "--esql", &query, "--input",
            ])
            .arg(&input),
    );
    assert_eq!(
        String::from_utf8(stdout).unwrap(),
        "r,l\ntrue,false\nfalse,true\n"
    );
}

#[test]
fn an_exponential_regex_is_refused_with_lucenes_text() {
    let dir = scratch("regex");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    refused(
        run(
            &["query", "--esql", "ROW a = \"x\" | WHERE a RLIKE \"(a|b)*a(a|b){20}\"", "--input"],
            &[&input],
        ),
        &[
            "E305",
            "TooComplexToDeterminizeException: Determinizing (a|b)*a(a|b){20} would require more than 10000 effort.",
        ],
    );
}

#[test]
fn an_mv_expand_chain_past_the_row_cap_is_refused() {
    let dir = scratch("mv-expand");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    let names = ["b", "c", "d", "e", "f", "g", "h"];
    let copies: Vec<String> = names.iter().map(|n| format!("{n} = a")).collect();
    let expands: String = std::iter::once("a")
        .chain(names)
        .map(|n| format!(" | MV_EXPAND {n}"))
        .collect();
    // 10 values expanded 8 times: 10^8 rows from one row.
    let query = format!(
        "ROW a = [0,1,2,3,4,5,6,7,8,9] | EVAL {}{expands} | STATS n = COUNT(*)",
        copies.join(", ")
    );
    refused(
        run(
            &["query", "--max-rows", "1000", "--esql", &query, "--input"],
            &[&input],
        ),
        &[
            "E013",
            "MV_EXPAND would make more than 1000 rows from one row",
            "--max-rows",
        ],
    );
    // Under the cap the same kind of chain runs: 10^3 rows.
    let small = "ROW a = [0,1,2,3,4,5,6,7,8,9] | EVAL b = a, c = a | MV_EXPAND a | MV_EXPAND b | MV_EXPAND c | STATS n = COUNT(*)";
    let stdout = success_stdout(
        rulegate()
            .args([
                "query",
                "--format",
                "csv",
                "--max-rows",
                "1110",
                "--esql",
                small,
                "--input",
            ])
            .arg(&input),
    );
    assert_eq!(String::from_utf8(stdout).unwrap(), "n\n1000\n");
}

// ---------------------------------------------------------------- time arithmetic

#[test]
fn a_scenario_starting_in_year_9999_is_out_of_range_not_1816() {
    let dir = scratch("start-9999");
    let text = scenario("9999-12-31T23:59:59Z", "requests = 1");
    refused(
        gen(&dir, &text, &[]),
        &[
            "E609",
            "`9999-12-31T23:59:59Z` is outside the range of nanosecond timestamps",
            "2262-04-11T23:47:16.854775807Z",
        ],
    );
}

#[test]
fn a_scenario_whose_steps_run_past_2262_is_refused() {
    let dir = scratch("end-2262");
    let text = scenario("2262-04-11T20:00:00Z", "for = \"10h\"\nspacing = \"1m\"");
    refused(
        gen(&dir, &text, &[]),
        &["E609", "the last instant a nanosecond timestamp holds"],
    );
}

#[test]
fn ingest_refuses_stage_timestamps_in_9999_and_1602() {
    let dir = scratch("ingest");
    for year in ["9999", "1602"] {
        let line = format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{{"username":"u"}},"requestReceivedTimestamp":"2026-05-01T10:00:00.000000Z","stageTimestamp":"{year}-05-01T10:00:00.000000Z"}}"#
        );
        let log = write(&dir, &format!("{year}.log"), &format!("{line}\n"));
        refused(
            run(&["ingest"], &[&log]),
            &["E501", &format!("{year}.log:1"), &format!("`stageTimestamp` `{year}-05-01T10:00:00.000000Z` is outside the range of nanosecond timestamps")],
        );
    }
}

#[test]
fn a_time_span_outside_its_units_range_is_elasticsearchs_parse_error() {
    let dir = scratch("time-span");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    for (literal, unit) in [
        ("9999999999 days", "days"),
        ("9223372036854775807 seconds", "seconds"),
    ] {
        refused(
            run(
                &[
                    "query",
                    "--esql",
                    &format!("ROW a = NOW() + {literal}"),
                    "--input",
                ],
                &[&input],
            ),
            &[
                "E306",
                &format!(
                    "Number [{}] outside of [{unit}] range",
                    literal.split(' ').next().unwrap()
                ),
            ],
        );
    }
}

#[test]
fn the_largest_int_of_years_is_a_period_as_in_elasticsearch() {
    let dir = scratch("int-years");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    let (code, stdout, stderr) = run(
        &[
            "query",
            "--format",
            "csv",
            "--esql",
            "ROW dt = TO_DATETIME(0) | EVAL plus = dt + 2147483647 years | KEEP plus",
            "--input",
        ],
        &[&input],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "plus\n\n");
    assert!(
        stderr.contains("Invalid value for Year (valid values -999999999 - 999999999): 2147485617"),
        "{stderr}"
    );
}

#[test]
fn an_ingest_lag_over_a_day_is_refused() {
    let dir = scratch("ingest-lag");
    let log = write(&dir, "empty.log", "");
    refused(
        run(&["ingest", "--ingest-lag", "1000d"], &[&log]),
        &["E502", "--ingest-lag: `1000d` is more than the limit of 1d"],
    );
}

#[test]
fn an_ingest_lag_that_is_not_a_duration_is_a_usage_error() {
    let dir = scratch("ingest-lag-word");
    let log = write(&dir, "empty.log", "");
    refused(
        run(&["ingest", "--ingest-lag", "soon"], &[&log]),
        &["E002", "--ingest-lag: `soon` is not a duration"],
    );
}

#[test]
fn date_diff_between_the_extreme_dates_is_elasticsearchs_warning_not_minus_two() {
    let dir = scratch("date-diff");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    let (least, most) = (
        "-292275055-05-16T16:47:04.192Z",
        "+292278994-08-17T07:12:55.807Z",
    );
    let query = format!(
        "ROW ms = date_diff(\"millisecond\", TO_DATETIME(\"{least}\"), TO_DATETIME(\"{most}\")), \
         d = date_diff(\"day\", TO_DATETIME(\"{least}\"), TO_DATETIME(\"{most}\")), \
         y = date_diff(\"year\", TO_DATETIME(\"{least}\"), TO_DATETIME(\"{most}\"))"
    );
    let (code, stdout, stderr) = run(
        &["query", "--format", "csv", "--esql", &query, "--input"],
        &[&input],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "ms,d,y\n,,584554049\n");
    assert!(
        stderr.contains("java.lang.ArithmeticException: long overflow"),
        "{stderr}"
    );
    assert!(
        stderr.contains("org.elasticsearch.xpack.esql.core.InvalidArgumentException: [213503982334] out of [integer] range"),
        "{stderr}"
    );
}

#[test]
fn the_extreme_dates_parse_to_the_extreme_longs() {
    let dir = scratch("extremes");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    let query = "ROW a = TO_LONG(TO_DATETIME(\"-292275055-05-16T16:47:04.192Z\")), b = TO_LONG(TO_DATETIME(\"+292278994-08-17T07:12:55.807Z\")), c = TO_DATETIME(\"+292278994-08-17T07:12:55.808Z\")";
    let (code, stdout, stderr) = run(
        &["query", "--format", "csv", "--esql", query, "--input"],
        &[&input],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "a,b,c\n-9223372036854775808,9223372036854775807,\n");
    assert!(
        stderr.contains("failed to parse date field [+292278994-08-17T07:12:55.808Z]"),
        "{stderr}"
    );
}

#[test]
fn edges_of_a_huge_threshold_write_no_bursts() {
    let seed = std::fs::read_to_string(crate::support::repo_path(SEED_RULE)).unwrap();
    let huge = seed.replacen(
        "Esql.unique_credentials >= 3",
        "Esql.unique_credentials >= 1000000000000",
        1,
    );
    assert_ne!(huge, seed);
    let dir = scratch("edges");
    let rule = write(&dir, "huge.toml", &huge);
    let loaded = rulegate::rule::load(&rule).unwrap();
    let scheduled = rulegate::schedule::ScheduledRule::from_loaded(&loaded).unwrap();
    let (query, text) = loaded.query.parsed().unwrap();
    let model = rulegate::edges::EdgeModel::from_query(query, text);
    assert_eq!(model.thresholds[0].value, 1_000_000_000_000);
    let input = rulegate::edges::EdgeInput {
        rule_reference: "../huge.toml",
        rule_display: "huge.toml",
        schedule: &scheduled.schedule,
        model: &model,
    };
    let scenarios = rulegate::edges::generate(&input);
    let names: Vec<&str> = scenarios.iter().map(|s| s.file_name.as_str()).collect();
    assert!(!names.is_empty());
    assert!(
        names.iter().all(|n| !n.starts_with("threshold")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("exclusion")),
        "{names:?}"
    );
}

#[test]
fn locate_is_linear_in_its_input() {
    let dir = scratch("locate");
    let input = write(&dir, "one.ndjson", "{\"a\":1}\n");
    // A needle of 5,000 `a` and a `b` against a megabyte of `a`: a search that compares at
    // every start makes 5·10⁹ comparisons (minutes); a linear one answers at once.
    let query = "ROW h = repeat(\"a\", 1000000), n = concat(repeat(\"a\", 5000), \"b\") \
                 | EVAL miss = locate(h, n), hit = locate(concat(h, \"b\"), n), \
                 at_start = locate(concat(h, \"b\"), n, 995001), \
                 past_start = locate(concat(h, \"b\"), n, 995002) \
                 | KEEP miss, hit, at_start, past_start";
    let mut command = rulegate();
    command
        .args(["query", "--format", "csv", "--esql", query, "--input"])
        .arg(&input);
    let output = crate::support::output_within(&mut command, std::time::Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "miss,hit,at_start,past_start\n0,995001,995001,0\n"
    );
    // Character positions, not bytes; a start past the text; an empty needle.
    let (code, stdout, stderr) = run(
        &[
            "query",
            "--format",
            "csv",
            "--esql",
            "ROW a = locate(\"héllo wörld\", \"wö\"), b = locate(\"héllo wörld\", \"wö\", 8), \
             c = locate(\"héllo\", \"o\", 99), d = locate(\"héllo\", \"\", 3), \
             e = locate(\"héllo\", \"l\", -5)",
            "--input",
        ],
        &[&input],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "a,b,c,d,e\n7,0,0,3,3\n");
}

#[test]
fn an_ingest_lag_past_2262_is_an_error_not_a_saturated_time() {
    let dir = scratch("ingest-lag-2262");
    let event = |stage: &str| {
        format!(
            "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\
             \"auditID\":\"a\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api\",\
             \"verb\":\"get\",\"user\":{{\"username\":\"u\"}},\
             \"requestReceivedTimestamp\":\"{stage}\",\"stageTimestamp\":\"{stage}\"}}\n"
        )
    };
    let late = write(&dir, "late.log", &event("2262-04-11T23:00:00.000000Z"));
    refused(
        run(&["ingest", "--ingest-lag", "1h"], &[&late]),
        &[
            "E503",
            "late.log:1",
            "runs past 2262-04-11T23:47:16.854775807Z",
        ],
    );
    // Without the lag the same event is written, with its ingest time.
    let (code, stdout, stderr) = run(&["ingest", "--ingest-lag", "0s"], &[&late]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("\"ingested\":\"2262-04-11T23:00:00Z\""),
        "{stdout}"
    );
}

#[test]
fn eql_sequences_in_flight_are_capped_not_grown_without_bound() {
    use rulegate::document::store::{Documents, FieldSelection, LoadOptions};
    use rulegate::eql::engine::sequence::MAX_IN_FLIGHT;
    use rulegate::eql::engine::{fields_to_load, Engine, Settings};
    // Sixteen values in each of two join keys: 256 key combinations per event (the most one
    // event may give), each opening a sequence the never-matching second stage never closes.
    let values: Vec<String> = (0..16).map(|i| format!("v{i}")).collect();
    let events = MAX_IN_FLIGHT / 256 + 1;
    let docs: Vec<serde_json::Value> = (0..events)
        .map(|i| {
            serde_json::json!({
                "@timestamp": 1_700_000_000_000i64 + i as i64,
                "event": {"category": "process"},
                "a": values,
                "b": values,
            })
        })
        .collect();
    let query = rulegate::eql::parse("sequence by a, b [any where true] [any where false]")
        .expect("parses");
    let settings = Settings::default();
    let selection = FieldSelection::names(fields_to_load(&query, &settings));
    let store = Documents::from_values(&docs, &selection, LoadOptions::default()).unwrap();
    let engine = Engine::compile(&query, settings, &store.columns).unwrap();
    let all: Vec<usize> = (0..store.len()).collect();
    let error = engine.run(&store, &all).unwrap_err();
    assert_eq!(error.code, "E372");
    assert!(
        error
            .message
            .contains("more than 1000000 sequences in flight"),
        "{}",
        error.message
    );
    // One event fewer stays under the cap and runs (no sequence completes).
    let under: Vec<usize> = (0..store.len() - 1).collect();
    assert!(engine.run(&store, &under).is_ok());
}

/// Every number an EQL or KQL query gives is bounded at parse time, with its own code and the
/// bound in the message; one past each bound fails, the bound itself parses.
#[test]
fn eql_and_kql_numbers_and_sizes_from_the_query_are_bounded() {
    let eql = |text: &str| {
        rulegate::eql::parse(text)
            .map(|_| ())
            .map_err(|d| (d.code, d.message))
    };
    let sequence = |with: &str| format!("sequence {with} [any where a] [any where b]");
    // `maxspan`: at most 100 years (of 365 days).
    assert!(eql(&sequence("with maxspan=36500d")).is_ok());
    assert_eq!(eql(&sequence("with maxspan=36501d")).unwrap_err().0, "E269");
    assert_eq!(eql(&sequence("with maxspan=0s")).unwrap_err().0, "E269");
    // `runs`: 1 to 100.
    assert!(eql("sequence [any where a] with runs=100 [any where b]").is_ok());
    let (code, message) = eql("sequence [any where a] with runs=101 [any where b]").unwrap_err();
    assert_eq!(code, "E273");
    assert!(message.contains("from 1 to 100"), "{message}");
    // `head`/`tail`: 1 to 2^31 − 1; past a long, the number itself.
    assert!(eql("any where true | head 2147483647").is_ok());
    assert_eq!(
        eql("any where true | tail 2147483648").unwrap_err().0,
        "E274"
    );
    assert_eq!(eql("any where true | head 0").unwrap_err().0, "E274");
    assert_eq!(
        eql("any where true | head 99999999999999999999")
            .unwrap_err()
            .0,
        "E265"
    );
    // Nesting: 64 parentheses, not an overflowed stack.
    let nested = |n: usize| format!("any where {}true{}", "(".repeat(n), ")".repeat(n));
    assert!(eql(&nested(60)).is_ok());
    assert_eq!(eql(&nested(100_000)).unwrap_err().0, "E264");
    // KQL: 100 levels of nesting, 1 MiB of text.
    let kql = |text: &str| rulegate::kql::parse(text).map(|_| ()).map_err(|d| d.code);
    let deep = |n: usize| format!("{}a:b{}", "(".repeat(n), ")".repeat(n));
    assert!(kql(&deep(100)).is_ok());
    assert_eq!(kql(&deep(100_000)), Err("E232"));
    let long = format!("a:{}", "b".repeat(1 << 20));
    assert_eq!(kql(&long), Err("E233"));
    assert!(kql(&long[..1 << 20]).is_ok());
}
