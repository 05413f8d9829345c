//! The one integration-test binary. Each module tests one stage through the public API or the
//! built binary; snapshots live under `snapshots/<area>/`, named after their input files.
//!
//! | module | what it checks |
//! |---|---|
//! | `scenarios` | scenario library snapshots, determinism, fast writer = canonical mapping, quickcheck, bad input |
//! | `support` | shared helpers: the `snapshot!` macro, paths, running the binary |
//! | `doc` | `rulegate doc`: the committed false-positive page is current, its verdicts, `-o` errors |
//! | `edges` | `rulegate edges` on the seed rule: the derived model and the scenarios written |
//! | `schedule` | the scheduler's edges with a fake engine: windows, `NOW()`, ids, duplicates, suppression |
//! | `cli` | help texts, usage errors, exit codes; every subcommand against hostile files (exit 2 within 10 s) |
//! | `syntax` | parser snapshots of `tests/data/parse/`, precedence, spelling, limits, `5m` |
//! | `spans` | span invariants by slicing the source (used by `corpus` too) |
//! | `properties` | quickcheck: generated trees survive print → parse; printing is idempotent |
//! | `rules` | rule loading: schedule defaults, validation, query spans in the TOML file |
//! | `errors` | one caret diagnostic per error kind from `tests/data/invalid/`, exit code 2 |
//! | `analysis` | exclusions, indicators, kinds, locations, group-by and output fields |
//! | `inspect` | `inspect` of the seed rule in text, JSON and Markdown |
//! | `corpus` | all 212 detection-rules ES\|QL rules load and parse (or are unsupported) |
//! | `audit` | ECS mapping vs Elastic's pipeline samples; `rulegate ingest` on every raw sample, .gz, EventList, AKS, bad lines |
//! | `check` | `rulegate check`: green on the tree, red naming changed scenarios, exit 2 on bad input |
//! | `esql_spec` | conformance: Elasticsearch's csv-spec tests over their datasets, with a ratchet |
//! | `spec_followups` | engine differences the further spec files found: `FIRST`/`LAST` without sort keys and on `version`/`unsigned_long`, `IN` item types, `LIMIT BY` key refusals |
//! | `lookup_join` | `LOOKUP JOIN`: rows and columns, null/multivalued keys, errors, lost-SORT warning, expression form, lookup files, `--lookup`/`[lookups]` |
//! | `categorize` | `CATEGORIZE` in `STATS … BY`: categories with the bundled dictionary, null keys, emitted order, options, Elasticsearch's verifier errors, the cap on categories |
//! | `change_point` | `CHANGE_POINT`: columns and types, the marked row, warnings (nulls, multivalues, too few or too many values), shadowing, `BY`, errors, print∘parse |
//! | `es_differences` | the known ES\|QL differences of #16 closed: comparison operand types, `PropagateEquals`/`CombineBinaryComparisons`, `FORK` with one branch, `LIMIT n BY`, `PERCENTILE` outside 0–100 |
//! | `pushdown_warnings` | a `WHERE` comparison of an index field with a constant as the source query: single-value warnings only where any value matches, ranges of two bounds, dropped documents reach no later conjunct or `EVAL` |
//! | `esql_commands` | `FILLNULL`, `DEDUP`/`DISTINCT`, `SAMPLE`: values, warnings, Elasticsearch's errors, print∘parse |
//! | `implicit_casting` | string literals cast to the parameter type as Elasticsearch's `ImplicitCasting` does: `ABS("10.0")`, dates, IPs, integers; the error for an unparsable literal; columns, calls and `null` not cast |
//! | `functions` | the function catalog: implemented or refused with its category (`E303`/`E304`); documented examples and edge cases of each added function |
//! | `inline_stats` | `INLINE STATS`: multivalued keys joined to every group they fall in (distinct values, every combination, aggregates end to end), the `INLINESTATS` deprecation warning |
//! | `functions_added` | `ALL_FIRST`/`ALL_LAST`, `SAMPLE`, `YEAR`/`MONTH`/`DAY`/`HOUR`, `ASCII`/`TO_ASCII`, `DATE_UNIT_COUNT`: documented examples, nulls, multivalues, bad units |
//! | `date_nanos` | `date_nanos` values and `TO_DATE_NANOS`: documented examples, conversions from every type, out of range (before 1970, after 2262), comparisons with dates, date math, the date functions, documents, precision through `SORT`/`STATS` |
//! | `eval_edge_cases` | the edge cases of the semantics notes §16, one test each, via the API |
//! | `ingest_direct` | `ingest`'s direct path = the `Value` path: every sample line, quickcheck over generated events and AKS `records` batches, the binary at 1/2/4 threads and several chunk sizes vs `--value-path` (errors, lines, no partial file) |
//! | `ingest_direct_gcp` | `ingest --dataset gcp.audit`'s direct path = the `Value` path: hand-written edge cases of every field the mapping reads, seeded generated entries, the binary at 1/2 threads and several chunk sizes vs `--value-path` (errors, lines, no partial file) |
//! | `ingest_parallel` | `ingest --threads 1, 2, 4`: same output, warnings, errors and exit code over every sample log and long logs with errors deep inside; one thread = the library path |
//! | `inputs` | `-` is stdin and gzip is found by content for every command; an input truncated under `query` is exit 2; silent acceptance turned into errors or warnings |
//! | `loader` | NDJSON loading: scanned and serde-read documents load the same, `want_ids`, a refused document leaves nothing behind, selections |
//! | `like_patterns` | LIKE/RLIKE constant-expression patterns: parse, spans, print, folding over ROW/EVAL constants, errors (exit 2), analysis/mutation/coverage |
//! | `explain` | `rulegate explain`: each document's fate (conjunct, false vs null, group) |
//! | `qstr` | `QSTR` (query-string syntax on the KQL engine) and `TERM`: operators, groups, ranges, wildcards, runs of terms, default operator, the syntax refused with `E320` |
//! | `query_cli` | `rulegate query`: formats, gzip, stdin, bad input (exit 2, `--skip-invalid`) |
//! | `replay` | `rulegate replay`: JSON shape, overlap duplicate with the engine, `--raw`, `--first-run`, bad input |
//! | `replay_gcp` | `replay --raw --dataset gcp.audit`: GKE exports replay as `gcp.audit` documents (the pipeline sample, = ingest then replay), `W006` per data stream, `E501`, `--dataset` needs `--raw` |
//! | `runs` | the snapshot suite: every scenario's run report under `snapshots/runs/`, its expectations, no orphans |
//! | `seed_rule` | the seed rule over hand-written NDJSON sets, `query --format json` snapshots |
//! | `prefilter` | documents the first `WHERE` rejects, dropped before their row is built: results, warnings, errors, documents read and matched unchanged at every thread count and batch size |
//! | `streaming` | streamed `query` = loading every document first: rows, warnings, errors, limits, batch sizes, threads |
//! | `eql_engine` | the EQL engine against hand-derived expectations: null/multivalue/case rules, ordering, limits, maxspan, until, runs, missing events, join keys, samples |
//! | `eql_d4c` | the cross-platform Defend for Containers rules: reference copies, sequences of two steps keyed on the pod name, the `cloud_defend` tables, and the sequences each `scenarios/d4c/` scenario forms, derived by hand |
//! | `eql_d4c_edges` | `rulegate edges` on the Defend for Containers rules: generic event steps joined on the pod name, snapshots and committed copies, sub-second maxspan edges measured on the documents, the join-key table, late-ingest sequences, `check`, `E711` for data the DSL cannot write |
//! | `eql_edges` | `rulegate edges` on EQL rules: the bundled rules' generated scenarios (snapshots, committed copies current), maxspan/key/order/late-ingest edges, `until` and `runs` edges, generated scenarios passing `check` |
//! | `eql_review` | `explain` and `mutate` on EQL rules: each document's step outcome and why a sequence broke; the EQL mutants and the RBAC rule's score |
//! | `eql_syntax` | the EQL front end: the reference EQL rules round-trip with exact spans, canonical forms, precedence, errors, limits, quickcheck |
//! | `fuzz_replay` | the fuzz corpus and past crash inputs through `fuzz/harness.rs` on the stable toolchain |
//! | `kql` | KQL front end: the 79 reference KQL rules round-trip (`kql corpus:` line), grammar cases, errors, quickcheck print∘parse |
//! | `kql_rules` | KQL evaluation (keyword/text, wildcards, missing/multivalued, ranges) and the query/threshold/new_terms rule types, hand-derived |
//! | `kql_review` | `diff` on KQL rule-version pairs in every format: clauses, `or`-list values, wildcards, ranges, exclusions, filters, threshold/new_terms/index settings |
//! | `kql_filters` | rule `filters` ANDed with KQL, EQL and ES|QL queries; negate, disabled, errors E345/E346 |
//! | `outputs` | every command on a full disk (exit 2) and a closed pipe (quiet 0); no temporary file left on failure or SIGINT/SIGTERM; `-o` keeps permissions, `-o -` |
//! | `limits` | resource caps (scenario requests, replay executions, rows, string results, regex automata) and checked time arithmetic, one test per `docs/robustness.md` row |
//! | `repo` | a rules repository: docs/configuration.md and docs/ci.md examples run as written, the detection-rules Kubernetes tree from its root, the three pull requests |
//! | `mappings` | integration mappings: shipped tables load, declared fields, `Unknown index`, pod-exec and multi-cloud rules, `mappings`/`--mapping`, KQL types |
//! | `mappings_upstream` | each shipped table equals the upstream `fields/*.yml` stored under `tests/data/upstream-fields/`, flattened here as Fleet reads them |
//! | `vocabulary` | one vocabulary of options: `--format` names and their old aliases, several rules per command (files, folders, globs), stdin read once |
//! | `recorded` | `[[recorded]]` data in scenarios (shift, filter, formats, gzip, mixing, errors), check/diff/mutate/coverage/doc over recorded suites, `rulegate fixture` |
//! | `shapes` | every audit-log shape of `tests/data/shapes/` through `ingest` and `replay --raw`: events, times, skipped records, refusals (`E504`) |
//! | `generic_events` | generic event steps and declared identities: the documented examples, timing, draws, `gen` formats, identity matching, `E630`–`E632` |
//! | `date_range` | the `date_range` type and its eight functions: documented examples, half-open relations, null, multivalues, malformed strings, refused comparisons and sorts, ranges in documents |
//! | `double_range` | the `double_range` type and its functions, `IN_RANGE` over `date_nanos`: documented examples, half-open relations, open ends, null, multivalues, malformed strings, equality without ordering, ranges in documents |
//! | `flattened` | the `flattened` type: the root's JSON as the block loader writes it, documents' roots read whole, keys that are no columns, `FIELD_EXTRACT` examples, nulls, multivalues, errors |
//! | `geo_point` | `geo_point` values and `TO_GEOPOINT`/`ST_X`/`ST_Y`/`ST_DISTANCE`: documented examples, null, multivalues, bad WKT, points in documents in every indexed form |
//! | `gcp_audit` | GKE: the `gcp.audit` mapping vs Elastic's pipeline test, Kubernetes events as GKE entries, scenarios per platform, `parity` and its page |
//! | `gke_impersonation` | impersonation on GKE: `authoritySelector` in the entry, `gcp.audit.authentication_info.authority_selector` in the document; Elastic's GKE impersonation rule vs its Kubernetes twin on one scenario; group-only impersonation |
//! | `review` | `diff` on rule-version pairs in every format, `mutate` (seed suite and a weak one), `coverage`, bad input |
//! | `codes` | the code registry `src/codes.rs`: every code in `src/` registered, sorted, none stale, severities, `docs/error-codes.md` current |

// Tests report to the harness, which captures stdout: clippy.toml's ban on `print!` (for the
// binary, whose writes can fail) does not apply to them.
#![allow(clippy::disallowed_macros)]

mod analysis;
mod audit;
mod categorize;
mod change_point;
mod check;
mod cli;
mod codes;
mod corpus;
mod date_nanos;
mod date_range;
mod doc;
mod double_range;
mod edges;
mod eql_d4c;
mod eql_d4c_edges;
mod eql_edges;
mod eql_engine;
mod eql_review;
mod eql_syntax;
mod errors;
mod es_differences;
mod esql_commands;
mod esql_spec;
mod eval_edge_cases;
mod explain;
mod flattened;
mod functions;
mod functions_added;
mod fuzz_replay;
mod gcp_audit;
mod generic_events;
mod geo_point;
mod gke_impersonation;
mod implicit_casting;
mod ingest_direct;
mod ingest_direct_gcp;
mod ingest_parallel;
mod inline_stats;
mod inputs;
mod inspect;
mod kql;
mod kql_data_views;
mod kql_edges;
mod kql_filters;
mod kql_review;
mod kql_rules;
mod like_patterns;
mod limits;
mod loader;
mod lookup_join;
mod mappings;
mod mappings_upstream;
mod outputs;
mod prefilter;
mod properties;
mod pushdown_warnings;
mod qstr;
mod query_cli;
mod recorded;
mod replay;
mod replay_gcp;
mod repo;
mod review;
mod rules;
mod runs;
mod scenarios;
mod schedule;
mod seed_rule;
mod shapes;
mod spans;
mod spec_followups;
mod streaming;
mod support;
mod syntax;
mod vocabulary;
