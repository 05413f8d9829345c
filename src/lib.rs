//! rulegate proves what an Elastic ES|QL detection rule does before it ships.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//!  rule TOML ──► rule ──► syntax ──► eval ──────────► schedule ──► report
//!                (model,  (lexer,    (reference       (Kibana       (inspect, run reports,
//!                 checks)  parser,    ES|QL engine)    executions,   snapshots, check gate)
//!                          printer)        ▲            alerts)
//!  audit logs ──► audit ───────────────────┤
//!  scenario TOML ──► scenario (DSL, personas, generator)
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`span`], [`diagnostic`] | source positions; errors as data and their one renderer |
//! | [`syntax`] | ES\|QL tokens, syntax tree with spans, parser, canonical printer |
//! | [`eval`] | the reference ES\|QL engine: documents to rows, typing, evaluation, results |
//! | [`rule`] | rule TOML files: typed model, validation, schedule, query with file spans |
//! | [`analysis`] | what a query does: stages, exclusions, indicators, group-by, output fields |
//! | [`review`] | reviewing tuning changes: rule diffs, mutation testing, coverage, FP pages |
//! | [`report`] | renderings of results (`inspect`) as text, JSON and Markdown |
//! | [`check`] | the CI gate: every scenario against its snapshot and expectations |
//! | [`edges`] | boundary scenarios derived from a rule's syntax tree (`rulegate edges`) |
//! | [`report`] | renderings: `inspect` text/JSON/Markdown, run reports as YAML, insta `.snap` files, JUnit XML |
//! | [`runner`] | the one runner: a rule over documents, scheduled and evaluated; scenario runs and their reports |
//! | [`schedule`] | Kibana's executions of a rule: windows, `NOW()`, alert ids, dedup, suppression |
//! | [`audit`] | raw `audit.k8s.io/v1` events, the ECS mapping of Elastic's integration, log import |
//! | [`scenario`] | the scenario DSL, the persona library, the deterministic stream generator |
//! | [`output`] | output files written atomically (temporary file + rename) |

pub mod analysis;
pub mod audit;
pub mod check;
pub mod diagnostic;
pub mod edges;
pub mod eval;
pub mod output;
pub mod report;
pub mod review;
pub mod rule;
pub mod runner;
pub mod scenario;
pub mod schedule;
pub mod span;
pub mod syntax;
