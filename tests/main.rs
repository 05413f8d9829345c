//! The one integration-test binary. Each module tests one stage through the public API or the
//! built binary; snapshots live under `snapshots/<area>/`, named after their input files.
//!
//! | module | what it checks |
//! |---|---|
//! | `support` | shared helpers: the `snapshot!` macro, paths, running the binary |
//! | `esql_spec` | conformance: Elasticsearch's csv-spec tests over their datasets, with a ratchet |

mod esql_spec;
mod support;
