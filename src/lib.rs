//! rulegate proves what an Elastic detection rule (ES|QL, KQL or EQL) does before it ships.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//!  rule TOML ─► rule ─► esql ─► eval ─┐            audit logs ─► audit ─┐
//!                 │      kql  (engine) ─┼─► document ◄─ scenario TOML ─► scenario
//!                 │      eql  (engine) ─┘   (scan, mappings,   (DSL, personas, generator)
//!                 │                          typed values)
//!                 └──────────────────► schedule ─► runner ─► check, review, report
//!                                    (Kibana's     (one rule   (gate, diff, mutate,
//!                                     executions)   over docs)  coverage, doc, renderings)
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`span`], [`diagnostic`] | source positions; errors as data and their one renderer |
//! | [`calendar`] | proleptic Gregorian date arithmetic (UTC) shared by every date-handling module |
//! | [`rule`] | rule TOML files: typed model, validation, schedule, query with file spans |
//! | [`esql`] | the ES\|QL front end: tokens, syntax tree with spans, parser, canonical printer |
//! | [`analysis`] | what a query does: stages, exclusions, indicators, group-by, output fields |
//! | [`document`] | the document layer all three languages read: JSON scanning into rows, index mappings, typed values |
//! | [`eval`] | the reference ES\|QL engine: expressions, functions, plans, streaming, results |
//! | [`kql`] | the KQL front end and engine: Kibana's grammar, tree with spans, printer, Elasticsearch semantics |
//! | [`eql`] | the EQL front end, its reference engine (sequences) and Kibana's EQL rule type |
//! | [`audit`] | raw `audit.k8s.io/v1` events, the ECS mapping of Elastic's integration, log import |
//! | [`scenario`] | the scenario DSL, the persona library, the deterministic stream generator |
//! | [`schedule`] | Kibana's executions of a rule: windows, `NOW()`, alert ids, dedup, suppression |
//! | [`runner`] | the one runner: a rule over documents, scheduled and evaluated; scenario runs |
//! | [`edges`] | boundary scenarios derived from a rule's syntax tree (`rulegate edges`) |
//! | [`check`] | the CI gate: every scenario against its snapshot and expectations |
//! | [`review`] | reviewing tuning changes: rule diffs, mutation testing, coverage, FP pages |
//! | [`report`] | renderings: `inspect`, run reports as YAML, insta `.snap` files, JUnit XML |
//! | [`fixture`] | `rulegate fixture`: a real log made a scenario with `[[recorded]]` data and expectations from a run |
//! | [`input`] | opening inputs: `-` is stdin, gzip by magic bytes, a file truncated while read is an error |
//! | [`output`] | output files written atomically (temporary file + rename), removed on SIGINT/SIGTERM |
//! | [`limits`] | the documented caps on work a number from input can ask for, raised by flags |
//! | [`project`] | the rules repository: `rulegate.toml`, rule selection, scenario binding, the per-rule gate |

pub mod analysis;
pub mod audit;
pub mod calendar;
pub mod check;
pub mod codes;
pub mod diagnostic;
pub mod document;
pub mod edges;
pub mod eql;
pub mod esql;
pub mod eval;
pub mod fixture;
pub mod input;
pub mod kql;
pub mod limits;
pub mod output;
pub mod project;
pub mod report;
pub mod review;
pub mod rule;
pub mod runner;
pub mod scenario;
pub mod schedule;
pub mod span;
pub mod toml_keys;

/// Scratch directories for unit tests: the file the integration tests use too, so there is one.
#[cfg(test)]
#[path = "../tests/scratch.rs"]
mod test_scratch;
