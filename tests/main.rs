//! The one integration-test binary. Each module tests one stage through the public API or the
//! built binary; snapshots live under `snapshots/<area>/`, named after their input files.
//!
//! | module | what it checks |
//! |---|---|
//! | `support` | shared helpers: the `snapshot!` macro, paths, running the binary |
//! | `seed_rule` | the seed rule over hand-written NDJSON sets, `query --format json` snapshots |
//! | `query_cli` | `rulegate query`: formats, gzip, stdin, bad input (exit 2, `--skip-invalid`) |
//! | `eval_edge_cases` | the edge cases of the semantics notes §16, one test each, via the API |
//! | `esql_spec` | conformance: Elasticsearch's csv-spec tests over their datasets, with a ratchet |

mod esql_spec;
mod eval_edge_cases;
mod query_cli;
mod seed_rule;
mod support;
