//! Conformance: runs Elasticsearch's own `*.csv-spec` tests (copied under
//! `../shared/reference/esql-spec/`) against our engine, over their CSV datasets.
//!
//! Every spec file, dataset (`data/*.csv`) and mapping (`mappings/mapping-*.json`) of that folder
//! is discovered, so new files run without code changes; the datasets of
//! `tests/data/esql-spec-extra/` (upstream ones the shared folder lacks) are read too. A test
//! whose `FROM` names a dataset neither folder holds is skipped with that reason. Prints every
//! failure and skip reason, a per-file table, each skip reason with its count, then
//! `esql-spec: N passed, M failed, K skipped`.
//!
//! `tests/data/esql-spec-passing.txt` is a ratchet keyed by file and test name: every listed
//! test must run and pass (one that fails, is skipped, renamed or missing fails this test), and
//! at least one test must run. Run with `ESQL_SPEC_RATCHET=update` to add newly passing tests
//! to the list (it never removes one).

mod datasets;
mod format;

use std::collections::{BTreeMap, BTreeSet};

use rulegate::document::{Documents, Type};
use rulegate::eval::{Plan, Window};

use self::format::{actual_cell, expected_cell, parse_spec, SpecTest};
use crate::support;

/// `NOW()` for every test: 2025-06-01T00:00:00Z. Upstream runs them on the wall clock; the
/// tests that read it hold for any present-day instant (`born_before_today`, `calculateAges`
/// until 2052, `docsNowWhere` after 2023), so a fixed one keeps them deterministic.
const SPEC_NOW: i64 = 1_748_736_000_000;

/// Features out of this engine's scope (or another front end's), by a lower-case needle in the
/// query: a test that contains one is skipped with the reason. Every needle must skip at least
/// one test: a leniency no test uses is dropped.
const OUT_OF_SCOPE: &[(&str, &str)] = &[
    ("enrich ", "ENRICH needs enrich policies"),
    ("\nts ", "time-series indices (`TS`) are out of scope"),
    ("\nset ", "SET statements are out of scope"),
    (
        "to_aggregate_metric_double",
        "aggregate_metric_double (a metrics field of min/max/sum/value_count parts) is not \
         modelled: no detection rule or audit document carries it",
    ),
    (
        "| stats sum_a = sum(a) by b",
        "expands to 24 million rows: too slow for a debug-build test",
    ),
];

/// Needles for the further upstream files only (`tests/data/esql-spec-extra/`), checked the
/// same way against that folder.
const EXTRA_OUT_OF_SCOPE: &[(&str, &str)] =
    &[("completion ", "COMPLETION needs a live inference endpoint")];

fn skip_reason(
    t: &SpecTest,
    datasets: &BTreeMap<String, Documents>,
    needles: &[(&'static str, &'static str)],
    used: &mut BTreeSet<&'static str>,
) -> Option<String> {
    if t.name.ends_with("-Ignore") {
        return Some("disabled upstream (-Ignore)".into());
    }
    if t.disabled_upstream {
        // `countDistinctNull` expects the column `COUNT(c)` for `COUNT_DISTINCT(c)`: the
        // expectation itself is what upstream has "not yet fixed".
        return Some("disabled upstream on every version (skip:-9.99.99)".into());
    }
    let q = format!("\n{}", t.query.to_lowercase());
    let trimmed = q.trim_start();
    // `TS` reads a time-series index as `FROM` reads any other.
    if let Some(rest) = trimmed
        .strip_prefix("from ")
        .or_else(|| trimmed.strip_prefix("ts "))
    {
        let rest = rest.trim_start();
        let sources: String = rest
            .split(['|', '\n'])
            .next()
            .unwrap_or("")
            .split(" metadata")
            .next()
            .unwrap_or("")
            .to_string();
        for s in sources.split(',') {
            let s = s.trim();
            if s.starts_with('(') {
                return Some("a `FROM (subquery)` source, which the engine does not parse".into());
            }
            if s.contains('*') {
                return Some(format!(
                    "index pattern `{s}` matches upstream datasets absent from the spec folder"
                ));
            }
            if !datasets.contains_key(s) {
                return Some(format!("dataset `{s}` is absent from the spec folder"));
            }
        }
    }
    // `LOOKUP JOIN` reads any dataset as a lookup index, as upstream's loader declares them.
    for part in q.split("lookup join").skip(1) {
        let index = part
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches('"');
        if !datasets.contains_key(index) {
            return Some(format!(
                "lookup index `{index}` is absent from the spec folder"
            ));
        }
    }
    for &(needle, why) in needles {
        if q.contains(needle) {
            used.insert(needle);
            return Some(why.into());
        }
    }
    if t.header.iter().any(|(_, ty)| {
        let ty = ty.to_lowercase();
        ty.contains("geo") || ty.contains("cartesian")
    }) {
        return Some("expects a type out of scope".into());
    }
    None
}

/// `CsvAssert`'s range expectations (`count:long` `1..18` for `SAMPLE`, `pvalue:double`
/// `0..1E-19` for `CHANGE_POINT`): a number within the inclusive range stands for the range in
/// the comparison (whole numbers compared as integers, others as doubles).
fn accept_ranges(expected: &mut [Vec<Option<Vec<String>>>], actual: &[Vec<Option<Vec<String>>>]) {
    for (row, got) in expected.iter_mut().zip(actual) {
        for (cell, got) in row.iter_mut().zip(got) {
            let (Some([want]), Some([value])) = (cell.as_deref(), got.as_deref()) else {
                continue;
            };
            let Some((lo, hi)) = want.split_once("..") else {
                continue;
            };
            let whole = match (lo.parse::<i64>(), hi.parse::<i64>(), value.parse::<i64>()) {
                (Ok(lo), Ok(hi), Ok(v)) => Some((lo..=hi).contains(&v)),
                _ => None,
            };
            let within = whole.or_else(|| {
                match (lo.parse::<f64>(), hi.parse::<f64>(), value.parse::<f64>()) {
                    (Ok(lo), Ok(hi), Ok(v)) => Some(lo <= v && v <= hi),
                    _ => None,
                }
            });
            if within == Some(true) {
                *cell = got.clone();
            }
        }
    }
}

/// Full-text search the engine does not evaluate (`TERM`, scoring) is refused at compile time
/// with `E304`; such a test is skipped with the engine's own message.
const FULL_TEXT: &str = "needs Elasticsearch's search index";

/// Runs one test; `Err` says why it failed, `Ok(Some(reason))` that the engine refused it for
/// a reason out of scope ([`FULL_TEXT`]).
fn run_test(
    t: &SpecTest,
    datasets: &BTreeMap<String, Documents>,
    lookups: &rulegate::eval::Lookups,
) -> Result<Option<String>, String> {
    let query = rulegate::esql::parse(&t.query).map_err(|d| format!("parse: {}", d.message))?;
    let names: Vec<String> = match &query.source {
        rulegate::esql::ast::SourceCommand::From(f) => {
            f.indices.iter().map(|i| i.pattern.clone()).collect()
        }
        _ => Vec::new(),
    };
    let mut docs: Option<Documents> = None;
    for n in &names {
        let d = datasets
            .get(n)
            .cloned()
            .ok_or_else(|| format!("no dataset {n}"))?;
        docs = Some(match docs {
            None => d,
            Some(prev) => prev.concat(d),
        });
    }
    let docs = docs.unwrap_or_default();
    let plan = match Plan::compile_with_lookups(&query, &t.query, &docs.columns, lookups) {
        Ok(plan) => plan,
        Err(d) if d.code == "E304" && d.message.contains(FULL_TEXT) => return Ok(Some(d.message)),
        // Query-string syntax rulegate refuses (`~`, regexes, options): `E320`.
        Err(d) if d.code == "E320" => return Ok(Some(d.message)),
        Err(d) => return Err(format!("compile: {}", d.message)),
    };
    let table = plan.run(&docs, Window::All, SPEC_NOW);
    // Columns.
    let actual_cols: Vec<(String, Type)> = table
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.ty))
        .collect();
    let expected_types: Vec<Option<Type>> =
        t.header.iter().map(|(_, ty)| Type::parse(ty)).collect();
    if actual_cols.len() != t.header.len()
        || actual_cols.iter().zip(&t.header).zip(&expected_types).any(
            |(((an, at), (en, _)), et)| {
                an != en
                    || match et {
                        // The upstream reader accepts an `integer` column where `long` is
                        // expected (the spec folder's README, "The csv-spec format").
                        Some(Type::Long) => !matches!(at, Type::Long | Type::Integer),
                        Some(et) => at != et,
                        None => true,
                    }
            },
        )
    {
        return Err(format!(
            "columns: expected {:?}, got {:?}",
            t.header,
            actual_cols
                .iter()
                .map(|(n, t)| format!("{n}:{}", t.name()))
                .collect::<Vec<_>>()
        ));
    }
    let mut expected: Vec<Vec<Option<Vec<String>>>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&expected_types)
                .map(|(c, ty)| expected_cell(c, *ty))
                .collect()
        })
        .collect();
    let mut actual: Vec<Vec<Option<Vec<String>>>> = table
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&table.columns)
                .map(|(c, col)| actual_cell(c, col.ty))
                .collect()
        })
        .collect();
    accept_ranges(&mut expected, &actual);
    if t.ignore_order {
        expected.sort();
        actual.sort();
    }
    if expected != actual {
        let first = expected
            .iter()
            .zip(&actual)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(actual.len()));
        return Err(format!(
            "rows differ ({} expected, {} actual); first difference at row {first}: expected {:?}, got {:?}",
            expected.len(),
            actual.len(),
            expected.get(first),
            actual.get(first)
        ));
    }
    // Warnings: exact ones compared as sets; `warningRegex:` lines are the warnings allowed,
    // as upstream's `AssertWarnings.AllowedRegexes` reads them: every warning must match one
    // (anywhere in it: the regexes leave out the `Line L:C:` prefix), and none is required. The old string/eval files predate the warnings, so
    // extra warnings are not held against them.
    let old_file = t.file == "string.csv-spec" || t.file == "eval.csv-spec";
    if !t.warning_regexes.is_empty() {
        let allowed = t
            .warning_regexes
            .iter()
            .map(|r| regex::Regex::new(r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("bad warningRegex: {e}"))?;
        if let Some(w) = table
            .warnings
            .iter()
            .find(|w| !allowed.iter().any(|re| re.is_match(w)))
        {
            return Err(format!(
                "warning {w:?} matches no warningRegex of {:?}",
                t.warning_regexes
            ));
        }
    } else if !old_file || !t.warnings.is_empty() {
        let want: BTreeSet<&String> = t.warnings.iter().collect();
        let got: BTreeSet<&String> = table.warnings.iter().collect();
        if want != got {
            return Err(format!("warnings: expected {want:?}, got {got:?}"));
        }
    }
    Ok(None)
}

/// Pass, fail and skip counts of one spec file.
#[derive(Default)]
struct FileTally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// The spec folder's tests run: keys that passed, failed and were skipped, with per-file counts.
#[derive(Default)]
struct Outcome {
    passed: BTreeSet<String>,
    failed: BTreeSet<String>,
    skipped: BTreeSet<String>,
    per_file: BTreeMap<String, FileTally>,
    /// How many tests each skip reason skipped.
    skip_reasons: BTreeMap<String, usize>,
    needles_used: BTreeSet<&'static str>,
}

fn run_folder(dir: &std::path::Path) -> Outcome {
    run_specs(dir, &[dir], OUT_OF_SCOPE)
}

/// Runs the spec files of `dir` over the datasets of `data_dirs` (the first folder holding a
/// name wins): the shared folder's, then `tests/data/esql-spec-extra/`'s, which adds upstream
/// datasets the shared folder lacks, such as `ul_logs`, `voyager` and `wide`.
fn run_specs(
    dir: &std::path::Path,
    data_dirs: &[&std::path::Path],
    needles: &[(&'static str, &'static str)],
) -> Outcome {
    let mut indexed = BTreeMap::new();
    for data_dir in data_dirs {
        for (name, dataset) in datasets::discover_indexed(data_dir) {
            indexed.entry(name).or_insert(dataset);
        }
    }
    let lookups = datasets::lookups(&indexed);
    let datasets: BTreeMap<String, Documents> = indexed
        .into_iter()
        .map(|(name, (docs, _))| (name, docs))
        .collect();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("esql-spec directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "csv-spec"))
        .collect();
    files.sort();
    let trace = std::env::var_os("ESQL_SPEC_TRACE").is_some();
    let mut out = Outcome::default();
    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let tally = out.per_file.entry(file.clone()).or_default();
        for t in parse_spec(&file, &text) {
            if let Some(reason) = skip_reason(&t, &datasets, needles, &mut out.needles_used) {
                println!("SKIP {} (line {}): {reason}", t.key, t.line);
                *out.skip_reasons.entry(reason).or_default() += 1;
                tally.skipped += 1;
                out.skipped.insert(t.key.clone());
                continue;
            }
            if trace {
                println!("RUN {}", t.key);
            }
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_test(&t, &datasets, &lookups)
            }))
            .unwrap_or_else(|_| Err("panicked".into()));
            match outcome {
                Ok(Some(reason)) => {
                    println!("SKIP {} (line {}): {reason}", t.key, t.line);
                    *out.skip_reasons.entry(reason).or_default() += 1;
                    tally.skipped += 1;
                    out.skipped.insert(t.key.clone());
                }
                Ok(None) => {
                    tally.passed += 1;
                    out.passed.insert(t.key.clone());
                }
                Err(why) => {
                    let query = t.query.replace('\n', " ");
                    println!(
                        "FAIL {} (line {}): {why}\n     query: {query}",
                        t.key, t.line
                    );
                    tally.failed += 1;
                    out.failed.insert(t.key.clone());
                }
            }
        }
    }
    out
}

/// The per-file table, as Markdown (docs/esql-semantics.md's conformance section copies it).
fn file_table(out: &Outcome) -> String {
    let mut text =
        String::from("| spec file | passed | failed | skipped |\n|---|---:|---:|---:|\n");
    for (file, t) in &out.per_file {
        text.push_str(&format!(
            "| {file} | {} | {} | {} |\n",
            t.passed, t.failed, t.skipped
        ));
    }
    text
}

/// What breaks the ratchet: no test ran at all, or a listed key did not pass (with what
/// happened to it instead).
fn ratchet_breaks(listed: &BTreeSet<String>, out: &Outcome) -> Vec<String> {
    let nothing_ran = (out.passed.is_empty() && out.failed.is_empty())
        .then(|| "no spec test ran: is ../shared/reference/esql-spec empty?".to_string());
    nothing_ran
        .into_iter()
        .chain(listed.iter().filter(|k| !out.passed.contains(*k)).map(|k| {
            let what = if out.failed.contains(k) {
                "fails"
            } else if out.skipped.contains(k) {
                "is skipped"
            } else {
                "is missing (renamed or removed)"
            };
            format!("{k} {what}")
        }))
        .collect()
}

#[test]
fn esql_spec_conformance() {
    let shared = support::shared_path("reference/esql-spec");
    let extra = support::repo_path("tests/data/esql-spec-extra");
    let out = run_specs(&shared, &[&shared, &extra], OUT_OF_SCOPE);
    report_and_ratchet(
        "esql-spec",
        &out,
        OUT_OF_SCOPE,
        "tests/data/esql-spec-passing.txt",
        "# csv-spec tests that pass (`file test-name`). A ratchet: every line must run and pass; \
         never remove a line to go green.\n",
    );
}

/// Prints the per-file table and the `label: passed, failed, skipped` line; fails when a
/// needle of `needles` skipped nothing or a test the ratchet file lists did not pass
/// (`ESQL_SPEC_RATCHET=update` adds the passing ones to it first).
fn report_and_ratchet(
    label: &str,
    out: &Outcome,
    needles: &[(&str, &str)],
    ratchet: &str,
    header: &str,
) {
    print!("{}", file_table(out));
    let mut reasons: Vec<(&String, &usize)> = out.skip_reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!("{label}: skip reasons");
    for (reason, n) in reasons {
        println!("{n:>5}  {reason}");
    }
    println!(
        "{label}: {} passed, {} failed, {} skipped",
        out.passed.len(),
        out.failed.len(),
        out.skipped.len()
    );
    let unused: Vec<&&str> = needles
        .iter()
        .map(|(needle, _)| needle)
        .filter(|n| !out.needles_used.contains(**n))
        .collect();
    assert!(
        unused.is_empty(),
        "{label}: out-of-scope needles that skip no test (drop them): {unused:?}"
    );
    let ratchet_path = support::repo_path(ratchet);
    let listed: BTreeSet<String> = std::fs::read_to_string(&ratchet_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if std::env::var("ESQL_SPEC_RATCHET").as_deref() == Ok("update") {
        let mut text = String::from(header);
        for k in listed.union(&out.passed) {
            text.push_str(k);
            text.push('\n');
        }
        std::fs::write(&ratchet_path, text).unwrap();
    }
    let breaks = ratchet_breaks(&listed, out);
    assert!(
        breaks.is_empty(),
        "{label}: the ratchet breaks: {breaks:#?}"
    );
}

/// Further upstream spec files (`tests/data/esql-spec-extra/`, provenance in its README) over
/// the shared folder's datasets, with their own ratchet.
#[test]
fn further_upstream_spec_files() {
    let needles: Vec<(&str, &str)> = OUT_OF_SCOPE
        .iter()
        .chain(EXTRA_OUT_OF_SCOPE)
        .copied()
        .collect();
    let extra = support::repo_path("tests/data/esql-spec-extra");
    let shared = support::shared_path("reference/esql-spec");
    let out = run_specs(&extra, &[&shared, &extra], &needles);
    report_and_ratchet(
        "esql-spec extra",
        &out,
        EXTRA_OUT_OF_SCOPE,
        "tests/data/esql-spec-extra-passing.txt",
        "# tests/data/esql-spec-extra tests that pass (`file test-name`). A ratchet: every line must run and pass.\n",
    );
}

#[test]
fn an_empty_spec_folder_runs_nothing() {
    let empty = crate::support::scratch("empty-spec");
    let out = run_folder(&empty);
    std::fs::remove_dir_all(&empty).unwrap();
    assert!(out.per_file.is_empty());
    assert_eq!(
        ratchet_breaks(&BTreeSet::new(), &out),
        ["no spec test ran: is ../shared/reference/esql-spec empty?"]
    );
}

#[test]
fn a_listed_test_that_is_skipped_or_missing_breaks_the_ratchet() {
    let mut out = Outcome::default();
    out.passed.insert("a.csv-spec ok".into());
    out.failed.insert("a.csv-spec bad".into());
    out.skipped.insert("a.csv-spec skipped".into());
    let listed: BTreeSet<String> = ["ok", "bad", "skipped", "gone"]
        .iter()
        .map(|n| format!("a.csv-spec {n}"))
        .collect();
    assert_eq!(
        ratchet_breaks(&listed, &out),
        [
            "a.csv-spec bad fails",
            "a.csv-spec gone is missing (renamed or removed)",
            "a.csv-spec skipped is skipped",
        ]
    );
}

#[test]
fn a_range_expectation_accepts_a_whole_number_inside_it_only() {
    let cell = |s: &str| vec![Some(vec![s.to_string()])];
    for (got, inside) in [
        ("18", true),
        ("1", true),
        ("0", false),
        ("19", false),
        ("x", false),
    ] {
        let mut expected = vec![cell("1..18")];
        accept_ranges(&mut expected, &[cell(got)]);
        assert_eq!(expected == vec![cell(got)], inside, "{got}");
    }
    // Double ranges, as `CHANGE_POINT`'s p-values are written.
    for (got, inside) in [
        ("0.0", true),
        ("3.1e-23", true),
        ("1.0e-19", true),
        ("2.0e-19", false),
        ("null", false),
    ] {
        let mut expected = vec![cell("0..1E-19")];
        accept_ranges(&mut expected, &[cell(got)]);
        assert_eq!(expected == vec![cell(got)], inside, "{got}");
    }
}
