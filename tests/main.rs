//! The one integration-test binary. Each module tests one stage through the public API or the
//! built binary; snapshots live under `snapshots/<area>/`, named after their input files.
//!
//! | module | what it checks |
//! |---|---|
//! | `scenarios` | scenario library snapshots, determinism, fast writer = canonical mapping, quickcheck, bad input |
//! | `support` | shared helpers: the `snapshot!` macro, paths, running the binary |
//! | `edges` | `rulegate edges` on the seed rule: the derived model and the scenarios written |
//! | `schedule` | the scheduler's edges with a fake engine: windows, `NOW()`, ids, duplicates, suppression |
//! | `audit` | ECS mapping vs Elastic's pipeline samples; `rulegate ingest` on every raw sample, .gz, EventList, AKS, bad lines |

mod audit;
mod edges;
mod scenarios;
mod schedule;
mod support;
